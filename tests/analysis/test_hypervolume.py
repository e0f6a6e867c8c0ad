"""Hypervolume against a brute-force computation, and HV-regret trajectories on hand-made fronts."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from carps.analysis import hypervolume as H
from carps.analysis import performance as P
from carps.analysis.gather import gather
from tests.analysis.conftest import record, write_run

TWO = [{"name": "f1", "minimize": True}, {"name": "f2", "minimize": True}]


def brute_force_hv(points: np.ndarray, ref: np.ndarray) -> float:
    """Union volume by cutting space into the grid of all coordinates and adding every dominated cell."""
    points = points[np.all(points < ref, axis=1)]
    axes = [np.unique(np.r_[points[:, j], ref[j]]) for j in range(len(ref))]
    total = 0.0
    for cell in itertools.product(*[range(len(a) - 1) for a in axes]):
        low = np.array([axes[j][i] for j, i in enumerate(cell)])
        high = np.array([axes[j][i + 1] for j, i in enumerate(cell)])
        if np.any(np.all(points <= low, axis=1)):
            total += float(np.prod(high - low))
    return total


@pytest.mark.parametrize("dim,n,seed", [(2, 1, 0), (2, 6, 1), (2, 12, 2), (3, 5, 3), (3, 9, 4), (3, 12, 5)])
def test_hypervolume_equals_brute_force(dim: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(size=(n, dim))
    if dim == 2 and n > 4:  # add points on a true front, including duplicates and weakly dominated ones
        x = np.sort(rng.uniform(size=4))
        pts = np.vstack([pts, np.c_[x, 1 - x], [x[0], 1 - x[0]], [x[1], 1.0]])
    ref = np.full(dim, 1.1)
    assert H.hypervolume(pts, ref) == pytest.approx(brute_force_hv(pts, ref), rel=1e-12)
    front = H.nondominated(pts)
    assert H.hypervolume(front, ref) == pytest.approx(H.hypervolume(pts, ref), rel=1e-12)
    assert not any(np.all(q <= p) and np.any(q < p) for p in front for q in front)


def test_points_beyond_the_reference_add_nothing() -> None:
    assert H.hypervolume(np.array([[2.0, 0.0], [0.5, 0.5]]), np.array([1.0, 1.0])) == pytest.approx(0.25)
    assert H.hypervolume(np.array([[2.0, 2.0]]), np.array([1.0, 1.0])) == 0.0


@pytest.fixture
def mo_runs(tmp_path: Path):
    exp = tmp_path / "mo"
    task = "multiobjective/toy/z"
    write_run(exp, task, "A", 1, [record(0, {"f1": 0.0, "f2": 1.0}, 1.0), record(1, {"f1": 1.0, "f2": 0.0}, 2.0)], TWO, budget=2)
    write_run(exp, task, "B", 1, [record(0, {"f1": 0.5, "f2": 0.5}, 1.0), record(1, {"f1": 1.0, "f2": 1.0}, 2.0)], TWO, budget=2)
    return gather(exp)


def test_hv_regret_trajectory_by_hand(mo_runs) -> None:
    trials, runs = mo_runs
    refs = H.task_references(trials, runs, known_fronts=None)
    r = refs["multiobjective/toy/z"]
    np.testing.assert_array_equal(r["ideal"], [0, 0])
    np.testing.assert_array_equal(r["nadir"], [1, 1])
    # union front (0,1), (.5,.5), (1,0) with reference point (1.1, 1.1)
    assert r["reference_hv"] == pytest.approx(0.05 + 0.3 + 0.11)
    traj = H.hypervolume_trajectories(trials, runs, known_fronts=None)
    a = traj[traj["optimizer"] == "A"]
    b = traj[traj["optimizer"] == "B"]
    np.testing.assert_allclose(a["hypervolume"], [0.11, 0.21])
    np.testing.assert_allclose(b["hypervolume"], [0.36, 0.36])
    np.testing.assert_allclose(a["incumbent"], [1 - 0.11 / 0.46, 1 - 0.21 / 0.46])
    per_run = P.per_run(traj).set_index("optimizer")
    assert per_run.loc["B", "final"] == pytest.approx(1 - 0.36 / 0.46)
    assert per_run.loc["A", "auc"] == pytest.approx(0.5 * 1.0 + 0.5 * (1 - 0.11 / 0.46))


def test_known_front_sets_ideal_and_reference(mo_runs) -> None:
    trials, runs = mo_runs
    front = np.array([[-1.0, 0.0], [0.0, -1.0]])
    r = H.task_references(trials, runs, known_fronts={"multiobjective/toy/z": front})["multiobjective/toy/z"]
    np.testing.assert_array_equal(r["ideal"], [-1, -1])
    np.testing.assert_array_equal(r["nadir"], [1, 1])
    scaled = (np.array([[-1.0, 0.0], [0.0, -1.0], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]) + 1) / 2
    assert r["reference_hv"] == pytest.approx(brute_force_hv(scaled, np.full(2, 1.1)))
    traj = H.hypervolume_trajectories(trials, runs, known_fronts={"multiobjective/toy/z": front})
    assert traj["incumbent"].min() > 0  # nobody reached the known front


def test_final_fronts_keep_non_dominated_points(mo_runs) -> None:
    fronts = H.final_fronts(*mo_runs)
    b = fronts[fronts["optimizer"] == "B"]
    assert b[["cost_0", "cost_1"]].to_numpy().tolist() == [[0.5, 0.5]]
    assert len(fronts[fronts["optimizer"] == "A"]) == 2


def test_known_front_comes_from_the_benchmark_family() -> None:
    pytest.importorskip("pymoo")
    front = H.known_front("multiobjective/pymoo/zdt1_d5")
    assert front is not None and front.shape[1] == 2
    np.testing.assert_allclose(front[:, 1], 1 - np.sqrt(front[:, 0]), atol=1e-9)  # ZDT1's true front
    assert H.known_front("blackbox/bbob/f01_d2_i1") is None  # a family without fronts
    assert H.known_front("multiobjective/nosuchfamily/x") is None and H.known_front("nonsense") is None
