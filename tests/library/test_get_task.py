"""``carps.benchmarks.get_task``: tasks used from other frameworks, without the CLI or run loop."""

from __future__ import annotations

import numpy as np
import pytest

from carps.benchmarks import get_task, list_tasks
from carps.core import UnknownNameError
from carps.core.space import sample_dicts, seeded_copy

pytest.importorskip("ioh", reason="BBOB tasks need the bbob extra: pip install 'carps[bbob]'")

TASK_ID = "blackbox/bbob/f01_d5_i1"


def test_task_parts_are_plain_configspace_and_numbers(tmp_path, monkeypatch):
    from ConfigSpace import ConfigurationSpace

    monkeypatch.chdir(tmp_path)
    task = get_task(TASK_ID)
    assert task.id == TASK_ID and task.type.value == "blackbox"
    assert isinstance(task.space, ConfigurationSpace) and list(task.space) == [f"x{i}" for i in range(5)]
    # reference check: BBOB f1 (sphere) reaches its recorded optimum at its recorded minimizer
    at_opt = dict(zip(task.space, task.metadata["optimum_x"]))
    assert task.evaluate(at_opt).objectives[0] == pytest.approx(task.objectives[0].lower, abs=1e-8)
    assert task.evaluate({n: 4.0 for n in task.space}).objectives[0] > task.objectives[0].lower + 1
    assert list(tmp_path.iterdir()) == []  # evaluating writes nothing


def test_batch_evaluation_matches_one_by_one():
    task = get_task("blackbox/bbob/f08_d3_i2")
    assert task.batch_function is not None
    configs = sample_dicts(seeded_copy(task.space, 0), 64)
    batch = [r.objectives for r in task.evaluate_batch(configs)]
    assert batch == [task.evaluate(c).objectives for c in configs]
    assert len(set(batch)) == 64


def test_driven_by_plain_optuna():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    task = get_task(TASK_ID)

    def objective(trial):
        config = {hp.name: trial.suggest_float(hp.name, hp.lower, hp.upper) for hp in task.space.values()}
        return task.evaluate(config).objectives[0]

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=25)
    assert study.best_value == pytest.approx(task.evaluate(study.best_params).objectives[0])
    assert study.best_value >= task.objectives[0].lower


def test_driven_by_a_hand_written_loop():
    task = get_task(TASK_ID)
    rng = np.random.default_rng(1)
    names = list(task.space)
    lows = np.array([task.space[n].lower for n in names])
    highs = np.array([task.space[n].upper for n in names])
    values = [task.evaluate(dict(zip(names, rng.uniform(lows, highs).tolist()))).objectives[0] for _ in range(20)]
    assert all(v >= task.objectives[0].lower for v in values)


def test_list_tasks_and_unknown_ids():
    assert len(list_tasks("blackbox/bbob/f01_d5_*")) == 10
    assert TASK_ID in list_tasks("blackbox/bbob/f01_*")
    with pytest.raises(UnknownNameError, match="did you mean"):
        get_task("blackbox/bbob/f01_d5_i99")
    with pytest.raises(UnknownNameError, match="<type>/<family>/<name>"):
        get_task("bbob/f01")
