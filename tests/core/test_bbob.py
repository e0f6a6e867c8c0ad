"""BBOB tasks give exactly ioh's values, and the catalog holds 24 x 5 x 10 tasks."""

from __future__ import annotations

import numpy as np
import pytest

ioh = pytest.importorskip("ioh")

from carps.benchmarks import get_task, list_tasks  # noqa: E402


def test_catalog_has_1200_bbob_tasks():
    ids = list_tasks("blackbox/bbob/*")
    assert len(ids) == 1200
    assert "blackbox/bbob/f24_d20_i10" in ids


@pytest.mark.parametrize("fid,dim,iid", [(1, 2, 1), (8, 5, 3), (15, 10, 7), (24, 20, 10), (21, 3, 2)])
def test_values_equal_ioh_on_sampled_points(fid, dim, iid):
    task = get_task(f"blackbox/bbob/f{fid:02d}_d{dim}_i{iid}")
    reference = ioh.get_problem(fid, instance=iid, dimension=dim, problem_class=ioh.ProblemClass.BBOB)
    rng = np.random.default_rng(fid * 100 + dim)
    points = rng.uniform(-5, 5, size=(5, dim))
    configs = [{f"x{j}": float(p[j]) for j in range(dim)} for p in points]
    for config, point in zip(configs, points):
        assert task.evaluate(config).objectives[0] == reference(point.tolist())
    batch = [r.objectives[0] for r in task.evaluate_batch(configs)]
    assert batch == [reference(p.tolist()) for p in points]


def test_optimum_is_the_objective_lower_bound():
    task = get_task("blackbox/bbob/f03_d5_i2")
    x_opt = task.metadata["optimum_x"]
    value = task.evaluate({f"x{j}": x_opt[j] for j in range(5)}).objectives[0]
    assert value == pytest.approx(task.objectives[0].lower, abs=1e-8)


def test_space_is_the_bbob_box():
    task = get_task("blackbox/bbob/f01_d3_i1")
    assert list(task.space.keys()) == ["x0", "x1", "x2"]
    assert all((hp.lower, hp.upper) == (-5.0, 5.0) for hp in task.space.values())
