"""Compiled (numba) star discrepancy for d = 3, the common case of three reference optimizers
(d = 1, 2 through padding, d > 3 as the leaves of the slab recursion).

Optional: with numba missing, ``AVAILABLE`` is False and callers use the numpy algorithm of
:mod:`carps.subsets.discrepancy`, which gives the same values more slowly. Install with
``pip install 'carps[subsets]'``.

The kernel sweeps the points in order of their first coordinate and keeps, for the second and third
coordinates, a 2-D table of how many swept points lie below each grid corner; after each distinct
first coordinate it scans the table. That is O(k^3) for k points, with no allocation per box.
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

AVAILABLE = numba is not None


def _discrepancy3_indexed(points: np.ndarray, idx: np.ndarray) -> tuple[float, int, float, float, float]:
    """Star discrepancy of ``points[idx]`` (d = 3) and its worst box: (value, kind, q0, q1, q2).

    ``kind`` is 0 when the worst box is a closed box with too many points, 1 when it is an open box
    with too few.
    """
    return _part3(points, points, idx, idx.shape[0], 1.0, True, True, np.inf)


def _part3(pc: np.ndarray, po: np.ndarray, idx: np.ndarray, n: int, scale: float, closed: bool, opened: bool, cutoff: float) -> tuple[float, int, float, float, float]:
    """The closed part over the last three coordinates of ``pc[idx]`` and/or the open part over those of
    ``po[idx]``, counts divided by ``n`` and volumes multiplied by ``scale`` (the slab of a
    higher-dimensional problem). ``pc`` and ``po`` are the same array except for d < 3 (see
    :func:`pad`).

    Returns as soon as a box reaches ``cutoff`` (the value is then a lower bound >= cutoff): a local
    search only needs to know that a candidate is no better than the best one so far.
    """
    k = idx.shape[0]
    d = pc.shape[1]
    x0 = np.empty(k)
    x1 = np.empty(k)
    x2 = np.empty(k)
    for i in range(k):
        x0[i] = pc[idx[i], d - 3]
        x1[i] = pc[idx[i], d - 2]
        x2[i] = pc[idx[i], d - 1]
    order = np.argsort(x0)
    best = 0.0
    kind = 0
    b0 = 0.0
    b1 = 0.0
    b2 = 0.0
    inv_k = 1.0 / n
    if k == 0:
        return (scale if opened else 0.0), 1, 1.0, 1.0, 1.0

    # closed boxes [0, q]: corners on point coordinates
    u1 = np.unique(x1)
    u2 = np.unique(x2)
    n1 = u1.shape[0]
    n2 = u2.shape[0]
    r1 = np.searchsorted(u1, x1)
    r2 = np.searchsorted(u2, x2)
    counts = np.zeros((n1, n2), dtype=np.int64)
    i = 0
    while closed and i < k:
        v = x0[order[i]]
        while i < k and x0[order[i]] == v:
            p = order[i]
            for a in range(r1[p], n1):
                for b in range(r2[p], n2):
                    counts[a, b] += 1
            i += 1
        for a in range(n1):
            va = scale * v * u1[a]
            for b in range(n2):
                val = counts[a, b] * inv_k - va * u2[b]
                if val > best:
                    best = val
                    kind = 0
                    b0 = v
                    b1 = u1[a]
                    b2 = u2[b]
                    if best >= cutoff:
                        return best, kind, b0, b1, b2

    # open boxes [0, q): corners on point coordinates or 1
    for i in range(k):
        x0[i] = po[idx[i], d - 3]
        x1[i] = po[idx[i], d - 2]
        x2[i] = po[idx[i], d - 1]
    order = np.argsort(x0)
    w1 = np.unique(np.append(x1, 1.0))
    w2 = np.unique(np.append(x2, 1.0))
    m1 = w1.shape[0]
    m2 = w2.shape[0]
    s1 = np.searchsorted(w1, x1) + 1
    s2 = np.searchsorted(w2, x2) + 1
    below = np.zeros((m1, m2), dtype=np.int64)
    i = 0
    while opened:
        if i < k:
            v = x0[order[i]]
        elif x0[order[k - 1]] < 1.0:
            v = 1.0
        else:
            break
        for a in range(m1):
            va = scale * v * w1[a]
            for b in range(m2):
                val = va * w2[b] - below[a, b] * inv_k
                if val > best:
                    best = val
                    kind = 1
                    b0 = v
                    b1 = w1[a]
                    b2 = w2[b]
                    if best >= cutoff:
                        return best, kind, b0, b1, b2
        if i >= k:
            break
        while i < k and x0[order[i]] == v:
            p = order[i]
            for a in range(s1[p], m1):
                for b in range(s2[p], m2):
                    below[a, b] += 1
            i += 1
    return best, kind, b0, b1, b2


def _best_swap(pc: np.ndarray, po: np.ndarray, idx: np.ndarray, outs: np.ndarray, ins: np.ndarray, cutoff: float) -> tuple[float, int, int]:
    """The swap (position in ``idx`` from ``outs``, point from ``ins``) with the lowest discrepancy below
    ``cutoff``: (value, position, point), position -1 when none beats ``cutoff``."""
    trial = idx.copy()
    k = idx.shape[0]
    best = cutoff
    best_o = -1
    best_r = -1
    for o in outs:
        old = trial[o]
        for r in ins:
            trial[o] = r
            v = _part3(pc, po, trial, k, 1.0, True, True, best)[0]
            if v < best:
                best = v
                best_o = o
                best_r = r
        trial[o] = old
    return best, best_o, best_r


def _discrepancy_padded(pc: np.ndarray, po: np.ndarray, idx: np.ndarray) -> tuple[float, int, float, float, float]:
    """Like :func:`_discrepancy3_indexed` for the padded arrays of :func:`pad`."""
    return _part3(pc, po, idx, idx.shape[0], 1.0, True, True, np.inf)


if AVAILABLE:
    _part3 = numba.njit(cache=True, nogil=True)(_part3)
    discrepancy3_indexed = numba.njit(cache=True, nogil=True)(_discrepancy3_indexed)
    discrepancy_padded = numba.njit(cache=True, nogil=True)(_discrepancy_padded)
    best_swap = numba.njit(cache=True, nogil=True)(_best_swap)
else:  # pragma: no cover
    discrepancy3_indexed = discrepancy_padded = best_swap = None


def pad(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arrays for the closed and the open part that let the d = 3 kernel handle d = 1, 2.

    Leading constant coordinates are added: 1 for the closed part (every closed box then reaches 1
    there, with volume factor 1) and 0 for the open part (every point is below the open corner 1).
    Boxes the padding adds have local discrepancy <= 0, so the maximum is unchanged.
    """
    d = points.shape[1]
    if d >= 3:
        x = np.ascontiguousarray(points)
        return x, x
    n = points.shape[0]
    pc = np.ascontiguousarray(np.hstack([np.ones((n, 3 - d)), points]))
    po = np.ascontiguousarray(np.hstack([np.zeros((n, 3 - d)), points]))
    return pc, po


def closed_part3(x: np.ndarray, n: int, scale: float) -> float:
    """max over closed boxes of count / n - scale * volume, for the (m, 3) array ``x``."""
    x = np.ascontiguousarray(x)
    return _part3(x, x, np.arange(x.shape[0]), n, scale, True, False, np.inf)[0]


def open_part3(x: np.ndarray, n: int, scale: float) -> float:
    """max over open boxes of scale * volume - count / n, for the (m, 3) array ``x``."""
    x = np.ascontiguousarray(x)
    return _part3(x, x, np.arange(x.shape[0]), n, scale, False, True, np.inf)[0]


def discrepancy3(points: np.ndarray) -> float:
    """Star discrepancy of a (k, 3) array with the compiled kernel (numba must be installed)."""
    return discrepancy3_indexed(points, np.arange(points.shape[0]))[0]
