"""BBOB tasks agree with COCO's own implementation (``cocoex``), the reference for the suite.

For all 24 functions on a sample of dimensions and instances: the task's declared optimum equals
the COCO value at the optimum (and COCO reports its final target as hit there), and random points
give the same values.
"""

from __future__ import annotations

import numpy as np
import pytest

cocoex = pytest.importorskip("cocoex")
pytest.importorskip("ioh")

from carps.benchmarks.bbob import make_bbob_task  # noqa: E402

DIMENSIONS = "2,5,20"
INSTANCES = "1,4,10"


def _coco_problems():
    """COCO problems one at a time (the suite frees each problem when it moves to the next)."""
    yield from cocoex.Suite("bbob", f"instances: {INSTANCES}", f"dimensions: {DIMENSIONS}")


def test_sample_covers_all_functions():
    triples = {(p.id_function, p.dimension, p.id_instance) for p in _coco_problems()}
    assert {t[0] for t in triples} == set(range(1, 25))
    assert {t[1] for t in triples} == {2, 5, 20}
    assert {t[2] for t in triples} == {1, 4, 10}
    assert len(triples) == 24 * 3 * 3


def test_tasks_match_coco_at_the_optimum_and_random_points():
    for problem in _coco_problems():
        fid, dim, iid = problem.id_function, problem.dimension, problem.id_instance
        task = make_bbob_task(fid, dim, iid)
        x_opt = np.asarray(task.metadata["optimum_x"])
        f_opt = task.objectives[0].lower
        assert problem(x_opt) == pytest.approx(f_opt, abs=1e-8), (fid, dim, iid)
        assert problem.final_target_hit, f"COCO does not see the optimum of f{fid} d{dim} i{iid}"
        rng = np.random.default_rng(fid * 10_000 + dim * 100 + iid)
        points = rng.uniform(-5, 5, size=(3, dim))
        configs = [{f"x{j}": float(x[j]) for j in range(dim)} for x in points]
        got = [r.objectives[0] for r in task.evaluate_batch(configs)]
        expected = [problem(x) for x in points]
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10, err_msg=f"f{fid} d{dim} i{iid}")
        assert task.evaluate(configs[0]).objectives[0] == pytest.approx(expected[0], rel=1e-10, abs=1e-10)
