"""scikit-learn tasks: deterministic under a seed, fidelities act, timeouts and wall time are real."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from carps.benchmarks import get_task, list_tasks  # noqa: E402
from carps.benchmarks.sklearn_models import MODELS, cross_validate  # noqa: E402
from carps.core.loop import run_trials  # noqa: E402
from carps.core.records import MemorySink  # noqa: E402
from carps.core.types import Budget  # noqa: E402
from carps.optimizers.random_search import RandomSearch  # noqa: E402


def test_catalog_counts_per_type():
    counts = {t: len(list_tasks(f"{t}/sklearn/*")) for t in ("blackbox", "multifidelity", "multiobjective", "momf")}
    assert counts == {"blackbox": 99, "multifidelity": 162, "multiobjective": 198, "momf": 198}


def test_same_seed_same_result_other_seed_other_split():
    task = get_task("multiobjective/sklearn/dt_wine_size")
    config = dict(task.space.get_default_configuration())
    a, b = task.evaluate(config, seed=3), task.evaluate(config, seed=3)
    assert a.objectives == b.objectives
    assert task.evaluate(config, seed=4).objectives != a.objectives
    assert a.info["wall_time"] > 0 and a.info["fit_time"] > 0


def test_trainsize_fidelity_uses_less_data():
    task = get_task("momf/sklearn/knn_breast_cancer_trainsize_size")
    config = {"n_neighbors": 3, "weights": "uniform", "p": 2}
    small = task.evaluate(config, fidelity=0.1, seed=0)
    full = task.evaluate(config, fidelity=1.0, seed=0)
    # kNN stores its training fold: size scales with the fraction used
    assert small.objectives[1] == pytest.approx(0.1 * full.objectives[1], rel=0.05)


def test_iterations_fidelity_sets_the_number_of_trees():
    task = get_task("multifidelity/sklearn/rf_iris_iterations")
    assert "n_estimators" not in task.space and task.fidelity.integer
    config = dict(task.space.get_default_configuration())
    few = cross_validate(MODELS["rf"], {**config, "n_estimators": 4}, "iris", 1.0, 0)
    result = task.evaluate(config, fidelity=4, seed=0)
    assert result.objectives[0] == few["error"] and result.info["model_size"] == few["model_size"]


def test_regression_reports_rmse():
    task = get_task("blackbox/sklearn/linear_diabetes")
    assert task.objective_names == ("rmse",) and "l1_ratio" in task.space
    value = task.evaluate({"alpha": 0.1, "l1_ratio": 0.5}, seed=0).objectives[0]
    assert 40 < value < 80  # diabetes target std is ~77


def test_per_trial_timeout_is_honoured():
    task = get_task("blackbox/sklearn/mlp_digits")
    optimizer = RandomSearch.for_task(task, seed=0)
    sink = MemorySink()
    summary = run_trials(task, optimizer, sink, Budget(n_trials=2), trial_timeout=0.05)
    assert summary.n_trials == 2
    assert all(r["status"] == "timeout" for r in sink.records)
    assert all(r["wall_time"] < 2.0 for r in sink.records)
