"""pymoo tasks give pymoo's own values, and their known fronts are Pareto fronts."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pymoo")

from pymoo.problems import get_problem  # noqa: E402

from carps.benchmarks import get_task, list_tasks  # noqa: E402
from carps.benchmarks.pymoo_problems import known_front  # noqa: E402
from carps.core.space import sample_dicts, seeded_copy  # noqa: E402

CASES = [
    ("multiobjective/pymoo/zdt1_d30", dict(name="zdt1", n_var=30)),
    ("multiobjective/pymoo/zdt4_d10", dict(name="zdt4", n_var=10)),
    ("multiobjective/pymoo/zdt5_d80", dict(name="zdt5", normalize=False)),
    ("multiobjective/pymoo/dtlz1_m3_d7", dict(name="dtlz1", n_var=7, n_obj=3)),
    ("multiobjective/pymoo/dtlz7_m5_d24", dict(name="dtlz7", n_var=24, n_obj=5)),
    ("multiobjective/pymoo/wfg1_m2_d14", dict(name="wfg1", n_var=14, n_obj=2, k=4)),
    ("multiobjective/pymoo/wfg8_m8_d27", dict(name="wfg8", n_var=27, n_obj=8, k=7)),
]


def test_catalog_covers_zdt_dtlz_wfg():
    ids = list_tasks("multiobjective/pymoo/*")
    assert len(ids) == 150
    names = {i.split("/")[-1].split("_")[0] for i in ids}
    assert names == {f"zdt{i}" for i in range(1, 7)} | {f"dtlz{i}" for i in range(1, 8)} | {f"wfg{i}" for i in range(1, 10)}


@pytest.mark.parametrize("task_id,spec", CASES)
def test_values_equal_pymoo(task_id, spec):
    spec = dict(spec)
    reference = get_problem(spec.pop("name"), **spec)
    task = get_task(task_id)
    assert len(task.objectives) == reference.n_obj and len(task.space) == reference.n_var
    configs = sample_dicts(seeded_copy(task.space, 3), 5)
    x = np.array([[c[f"x{j}"] for j in range(reference.n_var)] for c in configs], dtype=float)
    expected = reference.evaluate(x)
    np.testing.assert_allclose([r.objectives for r in task.evaluate_batch(configs)], expected, rtol=1e-12)
    np.testing.assert_allclose(task.evaluate(configs[0]).objectives, expected[0], rtol=1e-12)


def test_zdt1_front_is_the_analytic_curve():
    front = known_front("multiobjective/pymoo/zdt1_d30")
    np.testing.assert_allclose(front[:, 1], 1 - np.sqrt(front[:, 0]), atol=1e-12)


@pytest.mark.parametrize("task_id", ["multiobjective/pymoo/dtlz2_m3_d12", "multiobjective/pymoo/dtlz6_m5_d14", "multiobjective/pymoo/wfg4_m3_d14"])
def test_random_points_never_dominate_the_front(task_id):
    task = get_task(task_id)
    front = known_front(task_id)
    assert front.shape[1] == len(task.objectives) and len(front) >= 50
    values = np.array([r.objectives for r in task.evaluate_batch(sample_dicts(seeded_copy(task.space, 0), 200))])
    # a point dominates a front member if it is <= everywhere and < somewhere (small slack for sampling)
    dominated = (values[:, None, :] <= front[None, :, :] - 1e-6).all(axis=2)
    assert not dominated.any()


def test_dtlz2_front_lies_on_the_unit_sphere():
    front = known_front("multiobjective/pymoo/dtlz2_m5_d14")
    np.testing.assert_allclose(np.linalg.norm(front, axis=1), 1.0, atol=1e-9)


def test_front_hook_finds_fronts_from_ids_and_tasks():
    from carps.benchmarks.fronts import known_front as hook

    task = get_task("multiobjective/pymoo/wfg4_m3_d14")
    np.testing.assert_array_equal(hook(task), hook(task.id))
    assert hook("momf/momfsynth/zdt2_d10_s050").shape == (100, 2)
    assert hook("multiobjective/yahpo/lcbench_3945_acc-time") is None
