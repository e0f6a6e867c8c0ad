"""``carps.optimizers.create``: catalog optimizers on a bare ConfigSpace, without task, loop or logging."""

from __future__ import annotations

import math

import pytest
from ConfigSpace import ConfigurationSpace, Float

from carps.core import CarpsError, MissingDependencyError, Objective, TrialStatus, TrialValue, UnknownNameError, UnsupportedTaskError
from carps.core.optimizer import StopRun
from carps.core.registry import get_registry
from carps.core.task import ALGORITHM_KEY
from carps.core.types import Fidelity, TaskType
from carps.optimizers import create


def quadratic_space() -> ConfigurationSpace:
    return ConfigurationSpace({"x": Float("x", (-2.0, 2.0)), "y": Float("y", (-2.0, 2.0))})


def quadratic(config: dict) -> float:
    return (config["x"] - 0.5) ** 2 + (config["y"] + 1.0) ** 2


def test_random_search_tunes_a_function_on_a_bare_space(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    opt = create("random", space=quadratic_space(), objectives="loss", seed=7, n_trials=60)
    assert [o.name for o in opt.objectives] == ["loss"]  # a lone name is one objective, not five letters
    seen = []
    for _ in range(60):
        info = opt.ask()
        seen.append(quadratic(info.config))
        opt.tell(info, TrialValue(costs=(seen[-1],)))
    (best, value), = opt.incumbent()
    assert value.costs[0] == min(seen) == quadratic(best.config)
    assert value.costs[0] < 0.2
    assert list(tmp_path.iterdir()) == []  # no results folder, no log file


def test_same_seed_same_proposals():
    def proposals(seed: int) -> list[dict]:
        opt = create("optuna/tpe", space=quadratic_space(), seed=seed)
        out = []
        for _ in range(5):
            info = opt.ask()
            opt.tell(info, TrialValue(costs=(quadratic(info.config),)))
            out.append(info.config)
        return out

    assert proposals(3) == proposals(3)
    assert proposals(3) != proposals(4)


def test_maximized_objective_and_failed_trials():
    opt = create("optuna/tpe", space=quadratic_space(), objectives=[Objective("score", minimize=False)], seed=0)
    scores = []
    for i in range(12):
        info = opt.ask()
        if i == 2:
            opt.tell(info, TrialValue(costs=None, status=TrialStatus.CRASHED, error="boom"))
            continue
        score = -quadratic(info.config)
        scores.append(score)
        opt.tell(info, TrialValue(costs=(opt.objectives[0].to_cost(score),)))
    (best, value), = opt.incumbent()
    assert -value.costs[0] == pytest.approx(max(scores))
    assert best.trial != 2


def test_catalog_params_are_defaults_and_keywords_override_them():
    import optuna

    assert type(create("optuna/tpe", quadratic_space())._study.sampler) is optuna.samplers.TPESampler
    assert type(create("optuna/tpe", quadratic_space(), sampler="random")._study.sampler) is optuna.samplers.RandomSampler


def test_unknown_optimizer_names_close_matches():
    with pytest.raises(UnknownNameError, match="did you mean: optuna/tpe"):
        create("optuna/tpee", quadratic_space())


def test_problem_the_optimizer_cannot_handle_is_refused_before_it_starts():
    with pytest.raises(UnsupportedTaskError, match="multifidelity"):
        create("optuna/tpe", quadratic_space(), fidelity=Fidelity("epochs", 1, 9))
    with pytest.raises(UnsupportedTaskError, match="momf"):
        create("optuna/tpe", quadratic_space(), objectives=["a", "b"], fidelity=Fidelity("epochs", 1, 9))


def _problem_for(task_types) -> tuple[list[Objective], Fidelity | None]:
    for kind in (TaskType.BLACKBOX, TaskType.MULTIFIDELITY, TaskType.MULTIOBJECTIVE, TaskType.MOMF):
        if kind in task_types:
            objectives = [Objective("a"), Objective("b")] if kind.multi_objective else [Objective("a")]
            return objectives, Fidelity("epochs", 1, 27, integer=True) if kind.multi_fidelity else None
    raise AssertionError(f"no task type in {task_types}")


@pytest.mark.parametrize("optimizer_id", sorted(get_registry().optimizers))
def test_every_catalog_optimizer_runs_on_its_own(optimizer_id):
    """Each variant: created from its id alone, up to three ask/tell rounds on a bare space, an incumbent."""
    entry = get_registry().optimizer(optimizer_id)
    try:
        cls = entry.load_class()
    except MissingDependencyError as exc:
        pytest.skip(str(exc))
    objectives, fidelity = _problem_for(cls.capabilities.task_types)
    try:
        opt = create(optimizer_id, quadratic_space(), objectives=objectives, fidelity=fidelity, seed=1, n_trials=5)
    except MissingDependencyError as exc:
        pytest.skip(str(exc))
    except CarpsError as exc:  # a variant that needs a user-supplied parameter refuses in one line
        pytest.skip(f"{optimizer_id} cannot run without more parameters: {exc}")
    for _ in range(3):
        try:
            info = opt.ask()
        except StopRun:  # one-shot baselines (lrfree/*) end their run after one trial
            break
        assert set(info.config) <= {"x", "y", ALGORITHM_KEY}
        if fidelity is not None:
            assert info.fidelity is not None and fidelity.contains(info.fidelity)
        # a named-algorithm request ({ALGORITHM_KEY: name}) has no x, y: score it at the origin
        base = quadratic({"x": 0.0, "y": 0.0, **info.config})
        costs = (base, -base) if len(objectives) == 2 else (base,)
        opt.tell(info, TrialValue(costs=costs, budget_cost=fidelity.cost(info.fidelity) if fidelity else 1.0))
    assert opt.incumbent(), f"{optimizer_id} has no incumbent after its successful trials"
    assert all(math.isfinite(c) for _, v in opt.incumbent() for c in v.costs)
