"""Dev/test splits: two disjoint k-subsets that both represent the whole point set.

Optimizers are developed on the dev subset and reported on the test subset, so both must have low
discrepancy (``measure="uniform"`` or ``"empirical"``, see :mod:`carps.subsets.discrepancy`). The split works in three steps:

1. choose 2k points with low discrepancy (:func:`~carps.subsets.selection.select_subset`);
2. split them into two halves by exchanging points between the halves while that lowers the worse
   half's discrepancy (a 2k-point set of low discrepancy tends to split into two good halves);
3. polish each half against all points not in the other half (a short local search that starts at
   the half).

>>> import numpy as np
>>> pts = np.random.default_rng(0).random((150, 3))
>>> split = select_dev_test(pts, k=8, seed=0, restarts=1)
>>> len(set(split.dev) & set(split.test)), len(split.dev), len(split.test)
(0, 8, 8)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import as_points, check_measure, subset_discrepancy
from carps.subsets.selection import select_subset


@dataclass
class DevTestSplit:
    """Row indices of the dev and test subsets (sorted, disjoint) and their discrepancies under ``measure``."""

    dev: np.ndarray
    test: np.ndarray
    dev_discrepancy: float
    test_discrepancy: float
    seed: int
    seconds: float
    measure: str = "uniform"


def select_dev_test(points: Sequence[Sequence[float]] | np.ndarray, k: int, seed: int = 0, time_limit: float | None = None, restarts: int | None = None, measure: str = "uniform") -> DevTestSplit:
    """Two disjoint k-subsets of ``points`` with low discrepancy each (see the module docstring).

    ``time_limit`` (seconds, for the whole split) or ``restarts`` (of the 2k selection) stops the search.
    With ``measure="empirical"`` both halves are compared with the distribution of all ``points``.
    """
    check_measure(measure)
    x = as_points(points)
    if 2 * k > x.shape[0]:
        raise CarpsError(f"a dev/test split of k={k} needs at least {2 * k} tasks, the set has {x.shape[0]}; lower k")
    if time_limit is None and restarts is None:
        raise CarpsError("give time_limit (seconds) or restarts to stop the dev/test search")
    start = time.perf_counter()
    share = (lambda f: None) if time_limit is None else (lambda f: max(0.05, f * time_limit))
    union = select_subset(x, 2 * k, seed=seed, time_limit=share(0.5), restarts=restarts, measure=measure).indices
    rng = np.random.default_rng(seed)
    perm = rng.permutation(union)
    dev, test = _exchange(x, perm[:k].copy(), perm[k:].copy(), rng, deadline=time.perf_counter() + (share(0.2) or np.inf), measure=measure)
    polish_restarts = None if time_limit is not None else 1
    for _ in range(2):  # polish the worse half first, then the other one
        d_dev, d_test = subset_discrepancy(x, dev, measure), subset_discrepancy(x, test, measure)
        if d_dev >= d_test:
            dev = select_subset(x, k, seed=seed + 1, time_limit=share(0.15), restarts=polish_restarts, exclude=test, init=dev, measure=measure).indices
        else:
            test = select_subset(x, k, seed=seed + 1, time_limit=share(0.15), restarts=polish_restarts, exclude=dev, init=test, measure=measure).indices
    dev, test = np.sort(dev), np.sort(test)
    return DevTestSplit(dev, test, subset_discrepancy(x, dev, measure), subset_discrepancy(x, test, measure), seed, time.perf_counter() - start, measure)


def _exchange(x: np.ndarray, a: np.ndarray, b: np.ndarray, rng: np.random.Generator, deadline: float, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Swap single points between halves ``a`` and ``b`` (first improvement) while max(D(a), D(b)) drops."""
    from carps.subsets import kernels

    empirical = measure == "empirical"

    def at_least(idx: np.ndarray, cutoff: float) -> float:  # exact below cutoff, a value >= cutoff otherwise
        return float(kernels.worst_box(x, idx, empirical, cutoff)[0])

    da, db = subset_discrepancy(x, a, measure), subset_discrepancy(x, b, measure)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        pairs = [(i, j) for i in range(len(a)) for j in range(len(b))]
        for p in rng.permutation(len(pairs)):
            i, j = pairs[p]
            a2, b2 = a.copy(), b.copy()
            a2[i], b2[j] = b[j], a[i]
            na = at_least(a2, max(da, db))
            if na >= max(da, db):
                continue
            nb = at_least(b2, max(da, db))
            if max(na, nb) < max(da, db) - 1e-12:
                a, b, da, db, improved = a2, b2, na, nb, True
                break
            if time.perf_counter() >= deadline:
                break
    return a, b
