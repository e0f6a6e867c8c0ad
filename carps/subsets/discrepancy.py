"""Exact L-infinity star discrepancy of a point set in [0, 1]^d, against two measures.

For points x_1..x_k the star discrepancy (uniform measure) is the largest of

* ``count(x_i in [0, q]) / k - vol([0, q])`` over closed anchored boxes (too many points), and
* ``vol([0, q)) - count(x_i in [0, q)) / k`` over open anchored boxes (too few points).

The first is maximal on boxes whose upper corner takes point coordinates in every dimension, the
second on corners whose coordinates are point coordinates or 1 ("critical boxes").

A subset of a clumped task set cannot look uniform, however large it gets. The **empirical** measure
compares a subset S of a point set P with P itself: the volume of a box is replaced by the share of
all points of P inside it, ``sup_B |count(S in B) / |S| - count(P in B) / |P||`` over anchored boxes
B (open or closed, any corner, so boxes reach past 1). It is 0 when S = P and falls as S grows.

With numba (``pip install 'carps[subsets]'``) both are computed by the compiled sweep of
:mod:`carps.subsets.kernels`, for any d. Without it, the uniform measure uses the numpy algorithm
below (a d-dimensional cumulative histogram on small grids, otherwise a recursion on the first
coordinate that prunes slabs by a bound) and the empirical one the same sweep in plain Python.

>>> star_discrepancy([[0.5]])
0.5
>>> round(star_discrepancy([[0.25, 0.75], [0.75, 0.25]]), 4)
0.5625
>>> round(subset_discrepancy([[0.1], [0.2], [0.9]], [0, 2], measure="empirical"), 4)  # [0, 0.2]: 1/2 vs 2/3
0.1667
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

MEASURES = ("uniform", "empirical")

# Largest critical grid (cells) evaluated in one vectorized step; bigger problems recurse first.
GRID_CELLS = 1 << 20


def as_points(points: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Validate ``points`` as a float array of shape (n, d) with coordinates in [0, 1]."""
    from carps.core.errors import CarpsError

    x = np.asarray(points, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise CarpsError(f"points must be a non-empty (n, d) array, got shape {x.shape}")
    if not np.isfinite(x).all() or x.min() < 0.0 or x.max() > 1.0:
        raise CarpsError("points must lie in [0, 1]^d; normalize performance values first (carps.subsets.performance)")
    return x


def check_measure(measure: str) -> bool:
    """True for the empirical measure, False for the uniform one; a one-line error otherwise."""
    from carps.core.errors import CarpsError

    if measure not in MEASURES:
        raise CarpsError(f"unknown measure '{measure}'; use measure=uniform (volume of [0,1]^d) or measure=empirical (share of the whole task set)")
    return measure == "empirical"


def star_discrepancy(points: Sequence[Sequence[float]] | np.ndarray) -> float:
    """Exact star discrepancy of ``points`` (shape (n, d), coordinates in [0, 1]) against the uniform measure.

    The compiled sweep does the work where numba is installed, the numpy algorithm otherwise; both
    give the same value.

    >>> star_discrepancy([[0.0]])  # the closed box [0, 0] holds all points and has volume 0
    1.0
    """
    x = as_points(points)
    from carps.subsets import kernels

    if not kernels.AVAILABLE:
        return star_discrepancy_numpy(x)
    return float(kernels.worst_box(x, np.arange(x.shape[0]))[0])


def subset_discrepancy(points: Sequence[Sequence[float]] | np.ndarray, indices: Sequence[int] | np.ndarray, measure: str = "uniform") -> float:
    """Exact discrepancy of the subset ``points[indices]``: against the uniform measure, or against the
    empirical distribution of all ``points`` (``measure="empirical"``, see the module docstring).

    >>> pts = [[0.1, 0.1], [0.4, 0.6], [0.8, 0.3]]
    >>> subset_discrepancy(pts, [0, 1, 2], measure="empirical")  # the whole set against itself
    0.0
    >>> subset_discrepancy(pts, [1, 2]) == star_discrepancy([[0.4, 0.6], [0.8, 0.3]])
    True
    """
    from carps.core.errors import CarpsError

    empirical = check_measure(measure)
    x = as_points(points)
    idx = np.asarray(indices, dtype=np.int64)
    if idx.ndim != 1 or len(idx) == 0 or idx.min() < 0 or idx.max() >= len(x):
        raise CarpsError(f"indices must be a non-empty list of row numbers below {len(x)}")
    if not empirical:
        return star_discrepancy(x[idx])
    from carps.subsets import kernels

    return float(kernels.worst_box(x, idx, empirical=True)[0])


def star_discrepancy_numpy(points: np.ndarray) -> float:
    """The numpy algorithm for any d (see the module docstring)."""
    x = as_points(points)
    n = x.shape[0]
    return float(max(_closed_max(x, n, 1.0, 0.0), _open_max(x, n, 1.0, 0.0)))


def _closed_max(x: np.ndarray, n: int, scale: float, best: float) -> float:
    m, d = x.shape
    if m == 0:
        return best
    if _closed_bound(x, n, scale) <= best:
        return best
    if d == 1 or (m + 1) ** d <= GRID_CELLS:
        return max(best, _grid_closed(x, n, scale))
    first = x[:, 0]
    for v in np.unique(first)[::-1]:
        best = _closed_max(x[first <= v, 1:], n, scale * v, best)
    return best


def _open_max(x: np.ndarray, n: int, scale: float, best: float) -> float:
    m, d = x.shape
    if _open_bound(x, n, scale) <= best:
        return best
    if d == 1 or (m + 1) ** d <= GRID_CELLS:
        return max(best, _grid_open(x, n, scale))
    first = x[:, 0]
    for v in np.unique(np.append(first, 1.0))[::-1]:
        best = _open_max(x[first < v, 1:], n, scale * v, best)
    return best


def _closed_bound(x: np.ndarray, n: int, scale: float) -> float:
    # a closed box holding c points reaches the c-th smallest coordinate in every dimension
    c = np.arange(1, x.shape[0] + 1)
    return float((c / n - scale * np.prod(np.sort(x, axis=0), axis=1)).max())


def _open_bound(x: np.ndarray, n: int, scale: float) -> float:
    # an open box of volume V has every side >= V, so it holds every point whose largest coordinate is < V
    z = np.sort(x.max(axis=1)) if x.shape[0] else np.zeros(0)
    v = np.append(z, 1.0)
    return float((scale * v - np.searchsorted(z, v, side="left") / n).max())


def _volumes(values: list[np.ndarray], scale: float) -> np.ndarray:
    vol = np.asarray(scale, dtype=float)
    for v in values:
        vol = np.multiply.outer(vol, v)
    return vol


def _cumulative(hist: np.ndarray) -> np.ndarray:
    for axis in range(hist.ndim):
        hist = np.cumsum(hist, axis=axis)
    return hist


def _grid_closed(x: np.ndarray, n: int, scale: float) -> float:
    """max over q in the point-coordinate grid of count(x <= q) / n - scale * vol(q)."""
    values, index = zip(*(np.unique(col, return_inverse=True) for col in x.T))
    shape = tuple(len(v) for v in values)
    flat = np.ravel_multi_index([i.ravel() for i in index], shape)
    counts = _cumulative(np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape))
    return float((counts / n - _volumes(list(values), scale)).max())


def _grid_open(x: np.ndarray, n: int, scale: float) -> float:
    """max over q in the (coordinates + {1}) grid of scale * vol(q) - count(x < q) / n."""
    values = [np.unique(np.append(col, 1.0)) for col in x.T]
    shape = tuple(len(v) for v in values)
    # a point is strictly below grid value t iff its own value's index is < t: shift indices by one
    index = [np.searchsorted(v, col) + 1 for v, col in zip(values, x.T)]
    inside = np.all([i < s for i, s in zip(index, shape)], axis=0) if x.shape[0] else np.zeros(0, bool)
    flat = np.ravel_multi_index([i[inside] for i in index], shape) if inside.any() else np.zeros(0, int)
    counts = _cumulative(np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape))
    return float((_volumes(values, scale) - counts / n).max())


def brute_force_star_discrepancy(points: Sequence[Sequence[float]] | np.ndarray) -> float:
    """Reference implementation for tests: every corner from (coordinates + {0, 1})^d, O(n^(d+1)).

    >>> brute_force_star_discrepancy([[0.25, 0.75], [0.75, 0.25]])
    0.5625
    """
    x = as_points(points)
    best = 0.0
    for q in _corners([np.union1d(c, [0.0, 1.0]) for c in x.T]):
        vol = np.prod(q, axis=1)
        closed = np.all(x[None] <= q[:, None], axis=2).mean(axis=1)
        opened = np.all(x[None] < q[:, None], axis=2).mean(axis=1)
        best = max(best, float((closed - vol).max()), float((vol - opened).max()))
    return best


def _corners(grids: list[np.ndarray], chunk: int = 1 << 14) -> Iterator[np.ndarray]:
    """Every corner of the product of ``grids``, in blocks of at most ``chunk`` rows."""
    shape = [len(g) for g in grids]
    total = int(np.prod(shape))
    for lo in range(0, total, chunk):
        index = np.unravel_index(np.arange(lo, min(total, lo + chunk)), shape)
        yield np.stack([g[i] for g, i in zip(grids, index)], axis=1)


def brute_force_subset_discrepancy(points: Sequence[Sequence[float]] | np.ndarray, indices: Sequence[int], measure: str = "uniform") -> float:
    """Reference for tests: :func:`subset_discrepancy` by trying every corner of (coordinates of all
    points + {0, 1, +inf})^d, O(n^(d+1)).

    >>> round(brute_force_subset_discrepancy([[0.1], [0.2], [0.9]], [0, 2], measure="empirical"), 4)
    0.1667
    """
    x = as_points(points)
    sub = x[np.asarray(indices, dtype=int)]
    if not check_measure(measure):
        return brute_force_star_discrepancy(sub)
    best = 0.0
    for q in _corners([np.union1d(c, [0.0, 1.0, np.inf]) for c in x.T]):
        for inside in (lambda p: np.all(p[None] <= q[:, None], axis=2), lambda p: np.all(p[None] < q[:, None], axis=2)):
            best = max(best, float(np.abs(inside(sub).mean(axis=1) - inside(x).mean(axis=1)).max()))
    return best
