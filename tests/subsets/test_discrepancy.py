"""Exact star discrepancy against a brute-force reference and hand-checked tiny cases."""

import time

import numpy as np
import pytest

from carps.core.errors import CarpsError
from carps.subsets import kernels
from carps.subsets.discrepancy import brute_force_star_discrepancy, star_discrepancy, star_discrepancy_numpy


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


@pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")
def test_kernel_reports_its_worst_box():
    rng = np.random.default_rng(3)
    x = rng.random((20, 3))
    value, kind, *q = kernels.discrepancy3_indexed(x, np.arange(20))
    q = np.array(q)
    local = np.all(x <= q, axis=1).mean() - q.prod() if kind == 0 else q.prod() - np.all(x < q, axis=1).mean()
    assert local == pytest.approx(value, abs=1e-12)
    assert value == pytest.approx(brute_force_star_discrepancy(x), abs=1e-12)


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


@pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")
@pytest.mark.parametrize("d", [1, 2])
def test_padded_kernel_for_low_dimensions(d):
    rng = np.random.default_rng(10 + d)
    for _ in range(30):
        x = rng.random((int(rng.integers(1, 9)), d))
        if rng.random() < 0.5:
            x = np.round(x * 4) / 4
        pc, po = kernels.pad(x)
        value = kernels.discrepancy_padded(pc, po, np.arange(len(x)))[0]
        assert value == pytest.approx(brute_force_star_discrepancy(x), abs=1e-12)
