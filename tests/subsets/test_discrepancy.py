"""Exact discrepancy (uniform and empirical measure) against brute-force references and hand-checked tiny cases."""

import time

import numpy as np
import pytest

from carps.core.errors import CarpsError
from carps.subsets import kernels
from carps.subsets.discrepancy import brute_force_star_discrepancy, brute_force_subset_discrepancy, star_discrepancy, star_discrepancy_numpy, subset_discrepancy


@pytest.mark.parametrize(
    "points, expected",
    [
        ([[0.5]], 0.5),  # [0, 0.5] holds 1 point with volume 0.5; [0, 0.5) holds none
        ([[1.0]], 1.0),  # a point on the upper boundary is outside every open box: [0, 1) is empty
        ([[0.0]], 1.0),  # [0, 0] holds the point and has volume 0
        ([[0.5, 0.5], [0.5, 0.5]], 0.75),  # duplicates: [0, .5]^2 holds both, volume .25
        ([[0.25, 0.75], [0.75, 0.25]], 0.5625),  # [0, .75)^2 holds neither point
        ([[0.2, 1.0], [0.6, 1.0]], 1.0),  # both on the boundary y = 1: the open box [0, 1)^2 is empty
        ([[0.2, 0.9], [0.6, 0.9]], 0.9),  # [0, 1) x [0, .9) is empty, volume .9
        ([[0.5, 0.5, 0.5]], 0.875),  # closed [0, .5]^3 holds the point, volume .125
    ],
)
def test_hand_checked(points, expected):
    assert star_discrepancy(points) == pytest.approx(expected, abs=1e-12)
    assert star_discrepancy_numpy(np.array(points, float)) == pytest.approx(expected, abs=1e-12)
    assert brute_force_star_discrepancy(points) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_matches_brute_force_on_random_sets(d):
    rng = np.random.default_rng(d)
    for _ in range(40):
        n = int(rng.integers(1, 9 if d < 4 else 6))
        x = rng.random((n, d))
        if rng.random() < 0.5:  # ties and boundary points: coordinates on a coarse grid including 0 and 1
            x = np.round(x * 4) / 4
        ref = brute_force_star_discrepancy(x)
        assert star_discrepancy_numpy(x) == pytest.approx(ref, abs=1e-12)
        assert star_discrepancy(x) == pytest.approx(ref, abs=1e-12)


def test_recursive_path_matches_grid_path(monkeypatch):
    """Larger sets go through the slab recursion; forcing tiny grids must not change the value."""
    import carps.subsets.discrepancy as disc

    rng = np.random.default_rng(7)
    x = rng.random((25, 4))
    x[:5] = np.round(x[:5] * 3) / 3
    full = disc.star_discrepancy_numpy(x)
    monkeypatch.setattr(disc, "GRID_CELLS", 64)
    assert disc.star_discrepancy_numpy(x) == pytest.approx(full, abs=1e-12)
    assert disc.star_discrepancy(x) == pytest.approx(full, abs=1e-12)


def _random_set(rng, n, d):
    x = rng.random((n, d))
    if rng.random() < 0.5:  # ties and boundary points: coordinates on a coarse grid including 0 and 1
        x = np.round(x * 3) / 3
    return x


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6, 7, 8])
def test_kernel_matches_brute_force_for_both_measures(d):
    """The compiled sweep for any d: uniform against the O(n^(d+1)) reference, empirical against
    every corner of the full set's grid (+inf), on small random sets with ties and points on 0 and 1."""
    rng = np.random.default_rng(100 + d)
    n_max = {2: 9, 3: 8, 4: 6, 5: 5, 6: 4, 7: 4, 8: 3}[d]
    for _ in range(12 if d < 6 else 5):
        n = int(rng.integers(2, n_max + 1))
        x = _random_set(rng, n, d)
        idx = np.sort(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False))
        assert subset_discrepancy(x, idx) == pytest.approx(brute_force_star_discrepancy(x[idx]), abs=1e-12)
        assert subset_discrepancy(x, idx, "empirical") == pytest.approx(brute_force_subset_discrepancy(x, idx, "empirical"), abs=1e-12)


@pytest.mark.parametrize("d", [3, 6])
def test_kernel_reports_its_worst_box(d):
    rng = np.random.default_rng(3)
    x = rng.random((20, d))
    for empirical, idx in ((False, np.arange(0, 20, 2)), (True, np.arange(0, 20, 2)), (True, np.arange(15))):  # 15 of 20: via the complement
        value, kind, q = kernels.worst_box(x, idx, empirical)
        inside = (lambda p: np.all(p <= q, axis=1)) if kind == kernels.CLOSED else (lambda p: np.all(p < q, axis=1))
        mu = inside(x).mean() if empirical else np.prod(q)
        local = inside(x[idx]).mean() - mu if kind == kernels.CLOSED else mu - inside(x[idx]).mean()
        assert local == pytest.approx(value, abs=1e-12)
        assert value == pytest.approx(subset_discrepancy(x, idx, "empirical" if empirical else "uniform"), abs=1e-12)


def test_cutoff_stops_at_a_box_that_reaches_it():
    x = np.random.default_rng(4).random((40, 5))
    idx = np.arange(12)
    full = kernels.worst_box(x, idx)[0]
    early = kernels.worst_box(x, idx, cutoff=full / 2)[0]
    assert full / 2 <= early <= full + 1e-12
    assert kernels.worst_box(x, idx, cutoff=full + 0.1)[0] == pytest.approx(full, abs=1e-12)


def test_empirical_measure_falls_to_zero_as_k_grows():
    x = np.random.default_rng(5).random((60, 4)) ** 3  # clumped like normalized regrets
    order = np.random.default_rng(6).permutation(60)
    values = [subset_discrepancy(x, order[:k], "empirical") for k in (6, 30, 54, 60)]
    assert values[-1] == 0.0
    assert values[2] < values[0]
    assert all(v <= 1 - k / 60 + 1e-12 for v, k in zip(values, (6, 30, 54, 60)))  # a box's shares differ by at most 1 - k/n
    # the uniform measure does not fall to zero: the whole clumped set is far from uniform
    assert subset_discrepancy(x, order, "uniform") > 0.3


def test_bad_measure_and_indices():
    with pytest.raises(CarpsError, match="measure=uniform"):
        subset_discrepancy([[0.1]], [0], measure="volume")
    with pytest.raises(CarpsError, match="row numbers"):
        subset_discrepancy([[0.1]], [3])


def test_speed_30_points_in_3d():
    x = np.random.default_rng(0).random((30, 3))
    star_discrepancy(x)  # compile / warm up
    start = time.perf_counter()
    for _ in range(20):
        star_discrepancy(x)
    assert (time.perf_counter() - start) / 20 < 0.010


def test_rejects_points_outside_the_unit_cube():
    with pytest.raises(CarpsError, match="normalize"):
        star_discrepancy([[1.5, 0.2]])
    with pytest.raises(CarpsError, match=r"\(n, d\)"):
        star_discrepancy([1.0, 2.0])
