"""Exact L-infinity star discrepancy of a point set in [0, 1]^d (uniform measure).

For points x_1..x_n the star discrepancy is the largest of

* ``count(x_i in [0, q]) / n - vol([0, q])`` over closed anchored boxes (too many points), and
* ``vol([0, q)) - count(x_i in [0, q)) / n`` over open anchored boxes (too few points).

The first is maximal on boxes whose upper corner takes point coordinates in every dimension, the
second on corners whose coordinates are point coordinates or 1 ("critical boxes"). Both maxima are
computed on that grid: a d-dimensional cumulative histogram when the grid is small, otherwise a
recursion on the first coordinate that keeps only the points inside the slab and prunes slabs whose
bound cannot beat the best box so far.

>>> star_discrepancy([[0.5]])
0.5
>>> round(star_discrepancy([[0.25, 0.75], [0.75, 0.25]]), 4)
0.5625
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

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


def star_discrepancy(points: Sequence[Sequence[float]] | np.ndarray) -> float:
    """Exact star discrepancy of ``points`` (shape (n, d), coordinates in [0, 1]).

    With numba installed, the three last coordinates are handled by a compiled kernel (d >= 3);
    otherwise, or for d < 3, the numpy algorithm does all the work. Both give the same value.

    >>> star_discrepancy([[0.0]])  # the closed box [0, 0] holds all points and has volume 0
    1.0
    """
    x = as_points(points)
    kern = _leaf3() if x.shape[1] >= 3 else None
    if kern is None:
        return star_discrepancy_numpy(x)
    n = x.shape[0]
    return float(max(_closed_max(x, n, 1.0, 0.0, kern), _open_max(x, n, 1.0, 0.0, kern)))


def star_discrepancy_numpy(points: np.ndarray) -> float:
    """The numpy algorithm for any d (see the module docstring)."""
    x = as_points(points)
    n = x.shape[0]
    return float(max(_closed_max(x, n, 1.0, 0.0, None), _open_max(x, n, 1.0, 0.0, None)))


def _leaf3() -> object:
    from carps.subsets import kernels

    return kernels if kernels.AVAILABLE else None


def _closed_max(x: np.ndarray, n: int, scale: float, best: float, kern: object) -> float:
    m, d = x.shape
    if m == 0:
        return best
    if _closed_bound(x, n, scale) <= best:
        return best
    if kern is not None and d == 3:  # compiled leaf
        return max(best, kern.closed_part3(x, n, scale))
    if kern is None and (d == 1 or (m + 1) ** d <= GRID_CELLS):
        return max(best, _grid_closed(x, n, scale))
    first = x[:, 0]
    for v in np.unique(first)[::-1]:
        best = _closed_max(x[first <= v, 1:], n, scale * v, best, kern)
    return best


def _open_max(x: np.ndarray, n: int, scale: float, best: float, kern: object) -> float:
    m, d = x.shape
    if _open_bound(x, n, scale) <= best:
        return best
    if kern is not None and d == 3:
        return max(best, kern.open_part3(x, n, scale))
    if kern is None and (d == 1 or (m + 1) ** d <= GRID_CELLS):
        return max(best, _grid_open(x, n, scale))
    first = x[:, 0]
    for v in np.unique(np.append(first, 1.0))[::-1]:
        best = _open_max(x[first < v, 1:], n, scale * v, best, kern)
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
    n, d = x.shape
    grids = [sorted(set(x[:, j].tolist()) | {0.0, 1.0}) for j in range(d)]
    best = 0.0
    for q in itertools.product(*grids):
        q_arr = np.array(q)
        vol = float(np.prod(q_arr))
        closed = int(np.all(x <= q_arr, axis=1).sum())
        opened = int(np.all(x < q_arr, axis=1).sum())
        best = max(best, closed / n - vol, vol - opened / n)
    return best
