"""Heuristic subset selection, the exact MILP mode, and the gap between them."""

import itertools

import numpy as np
import pytest

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import star_discrepancy
from carps.subsets.exact import select_subset_exact
from carps.subsets.selection import select_subset


def test_result_is_a_valid_subset_with_its_exact_discrepancy():
    pts = np.random.default_rng(0).random((300, 3))
    res = select_subset(pts, k=12, seed=3, restarts=2)
    assert len(res.indices) == 12 and len(np.unique(res.indices)) == 12
    assert res.discrepancy == pytest.approx(star_discrepancy(pts[res.indices]), abs=1e-12)
    assert res.restarts == 2 and res.evaluations > 0


def test_deterministic_under_a_seed():
    pts = np.random.default_rng(1).random((200, 3))
    a = select_subset(pts, k=8, seed=5, restarts=2)
    b = select_subset(pts, k=8, seed=5, restarts=2)
    assert np.array_equal(a.indices, b.indices) and a.discrepancy == b.discrepancy


def test_beats_random_subsets_by_far():
    pts = np.random.default_rng(2).random((400, 3)) ** 2  # clumped near 0, like normalized regrets
    res = select_subset(pts, k=10, seed=0, restarts=2)
    rng = np.random.default_rng(0)
    random_values = [star_discrepancy(pts[rng.choice(400, 10, replace=False)]) for _ in range(50)]
    assert res.discrepancy < min(random_values)


def test_other_dimensions_use_the_numpy_path():
    pts = np.random.default_rng(3).random((60, 2))
    res = select_subset(pts, k=5, seed=0, restarts=1, kicks=3)
    assert res.discrepancy == pytest.approx(star_discrepancy(pts[res.indices]))


def test_exclude_and_init_are_respected():
    pts = np.random.default_rng(4).random((80, 3))
    banned = np.arange(40)
    res = select_subset(pts, k=6, seed=0, restarts=1, exclude=banned, init=np.arange(40, 46))
    assert not set(res.indices) & set(banned)
    with pytest.raises(CarpsError, match="init"):
        select_subset(pts, k=6, seed=0, restarts=1, exclude=banned, init=np.arange(6))


def test_an_evaluation_budget_gives_the_same_subset_and_is_never_passed():
    pts = np.random.default_rng(6).random((120, 3)) ** 2
    runs = [select_subset(pts, k=8, seed=2, evaluations=150, measure="empirical") for _ in range(2)]
    assert np.array_equal(runs[0].indices, runs[1].indices) and runs[0].discrepancy == runs[1].discrepancy
    assert 100 < runs[0].evaluations <= 150 and runs[0].restarts >= 1
    other = select_subset(pts, k=8, seed=3, evaluations=150, measure="empirical")
    assert other.evaluations <= 150  # another seed, another path, the same cap
    # a generous budget with a short time cap stops on time and still returns a valid subset
    capped = select_subset(pts, k=8, seed=2, evaluations=10**9, time_limit=0.2)
    assert len(np.unique(capped.indices)) == 8 and capped.evaluations < 10**9


def test_bad_arguments():
    pts = np.random.default_rng(5).random((10, 3))
    with pytest.raises(CarpsError, match="between 1"):
        select_subset(pts, k=11, restarts=1)
    with pytest.raises(CarpsError, match="evaluations"):
        select_subset(pts, k=3)
    with pytest.raises(CarpsError, match="at least 1"):
        select_subset(pts, k=3, evaluations=0)


def test_exact_matches_enumeration_of_all_subsets():
    pts = np.random.default_rng(6).random((12, 2))
    best = min(star_discrepancy(pts[list(c)]) for c in itertools.combinations(range(12), 4))
    res = select_subset_exact(pts, k=4, time_limit=60)
    assert res.optimal
    assert res.discrepancy == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("n, d, k, seed", [(24, 3, 4, 0), (16, 2, 4, 1)])
def test_heuristic_gap_to_the_optimum(n, d, k, seed):
    pts = np.random.default_rng(seed).random((n, d))
    exact = select_subset_exact(pts, k=k, time_limit=50)
    assert exact.optimal, exact
    heur = select_subset(pts, k=k, seed=0, restarts=5)
    gap = heur.discrepancy - exact.discrepancy
    assert gap >= -1e-9  # nothing beats a proven optimum
    assert gap <= 0.01, f"heuristic {heur.discrepancy:.4f} vs optimum {exact.discrepancy:.4f}"


def test_exact_refuses_large_problems():
    with pytest.raises(CarpsError, match="exact mode"):
        select_subset_exact(np.random.default_rng(0).random((61, 2)), k=5)


def test_empirical_selection_beats_random_subsets_and_reports_its_measure():
    from carps.subsets.discrepancy import subset_discrepancy

    pts = np.random.default_rng(7).random((150, 3)) ** 3  # clumped near 0
    res = select_subset(pts, k=8, seed=0, restarts=2, measure="empirical")
    assert res.measure == "empirical"
    assert res.discrepancy == pytest.approx(subset_discrepancy(pts, res.indices, "empirical"), abs=1e-12)
    rng = np.random.default_rng(1)
    random_values = [subset_discrepancy(pts, rng.choice(150, 8, replace=False), "empirical") for _ in range(50)]
    assert res.discrepancy < min(random_values)
    # what the empirical search minimizes is not the star discrepancy: each search wins on its own measure
    uni = select_subset(pts, k=8, seed=0, restarts=2)
    assert subset_discrepancy(pts, uni.indices, "empirical") >= res.discrepancy - 1e-12
    assert uni.discrepancy <= star_discrepancy(pts[res.indices]) + 1e-12


@pytest.mark.parametrize("d", [5, 8])
def test_selection_in_higher_dimensions(d):
    pts = np.random.default_rng(d).random((60, d)) ** 2
    from carps.subsets.discrepancy import subset_discrepancy

    for measure in ("uniform", "empirical"):
        res = select_subset(pts, k=6, seed=0, restarts=1, kicks=3, measure=measure)
        assert res.discrepancy == pytest.approx(subset_discrepancy(pts, res.indices, measure), abs=1e-12)
        start = subset_discrepancy(pts, np.random.default_rng(0).choice(60, 6, replace=False), measure)
        assert res.discrepancy < start


def test_exact_mode_with_the_empirical_measure():
    from carps.subsets.discrepancy import subset_discrepancy

    pts = np.random.default_rng(8).random((12, 2))
    best = min(subset_discrepancy(pts, list(c), "empirical") for c in itertools.combinations(range(12), 4))
    res = select_subset_exact(pts, k=4, time_limit=60, measure="empirical")
    assert res.optimal and res.measure == "empirical"
    assert res.discrepancy == pytest.approx(best, abs=1e-9)


def test_unknown_measure_is_a_one_line_error():
    with pytest.raises(CarpsError, match="measure=uniform"):
        select_subset(np.random.default_rng(0).random((10, 2)), k=3, restarts=1, measure="volume")
