"""Synthetic multi-fidelity families: known optima at full fidelity, controllable fidelity correlation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from carps.benchmarks import get_task, list_tasks
from carps.benchmarks.config_check import InvalidConfigError
from carps.benchmarks.synthetic import MF_FUNCTIONS, STRENGTHS, known_front
from carps.core.space import sample_dicts, seeded_copy


def test_catalog_sizes():
    assert len(list_tasks("multifidelity/mfsynth/*")) == 96
    assert len(list_tasks("momf/momfsynth/*")) == 116


@pytest.mark.parametrize("name,dim", [(n, f.dimension or 5) for n, f in MF_FUNCTIONS.items()])
def test_known_optimum_holds_at_full_fidelity(name, dim):
    task = get_task(f"multifidelity/mfsynth/{name}_d{dim}_s100")
    x_opt = task.metadata["optimum_x"]
    best = task.evaluate({f"x{j}": x_opt[j] for j in range(dim)}, fidelity=1.0).objectives[0]
    assert best == pytest.approx(task.objectives[0].lower, abs=1e-5)
    configs = sample_dicts(seeded_copy(task.space, 1), 500)
    values = [r.objectives[0] for r in task.evaluate_batch(configs, [1.0] * len(configs))]
    assert min(values) >= task.objectives[0].lower - 1e-9


@pytest.mark.parametrize("name,dim", [("branin", 2), ("forrester", 1), ("rosenbrock", 5), ("levy", 10)])
def test_fidelity_correlation_falls_with_strength(name, dim):
    tasks = [get_task(f"multifidelity/mfsynth/{name}_d{dim}_{s}") for s in STRENGTHS]
    configs = sample_dicts(seeded_copy(tasks[0].space, 2), 1000)
    high = [r.objectives[0] for r in tasks[0].evaluate_batch(configs, [1.0] * len(configs))]
    rhos = []
    for task in tasks:
        low = [r.objectives[0] for r in task.evaluate_batch(configs, [0.01] * len(configs))]
        rhos.append(spearmanr(low, high)[0])
    assert all(a > b for a, b in zip(rhos, rhos[1:])), rhos
    assert rhos[0] > 0.9 and rhos[-1] < 0.7


def test_out_of_range_fidelity_is_rejected():
    task = get_task("multifidelity/mfsynth/branin_d2_s050")
    with pytest.raises(InvalidConfigError, match="fidelity z=2.0"):
        task.evaluate({"x0": 0.0, "x1": 1.0}, fidelity=2.0)


def test_momf_full_fidelity_is_the_pymoo_problem():
    pytest.importorskip("pymoo")
    from pymoo.problems import get_problem

    task = get_task("momf/momfsynth/dtlz2_m3_d12_s200")
    problem = get_problem("dtlz2", n_var=12, n_obj=3)
    configs = sample_dicts(seeded_copy(task.space, 4), 5)
    x = np.array([[c[f"x{j}"] for j in range(12)] for c in configs])
    full = [r.objectives for r in task.evaluate_batch(configs, [1.0] * 5)]
    np.testing.assert_allclose(full, problem.evaluate(x), rtol=1e-12)
    low = [r.objectives for r in task.evaluate_batch(configs, [0.01] * 5)]
    assert not np.allclose(low, full)
    assert known_front(task.id).shape[1] == 3
