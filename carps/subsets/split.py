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
>>> again = select_dev_test(pts, k=8, seed=0, evaluations=400)     # a budget counted the same everywhere
>>> bool(np.array_equal(again.dev, select_dev_test(pts, k=8, seed=0, evaluations=400).dev)), again.evaluations <= 400
(True, True)
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
    evaluations: int = 0  # exact discrepancy evaluations of the whole split (selection, exchange, polish)


# How a budget is shared between the steps: the 2k selection, the exchange between the halves, and
# the polish of each half. By count the 2k selection gets a small share: one exact evaluation of 2k
# points costs far more than one of k (about 20 times at 40 of the 96 blackbox tasks, empirical
# measure), and this split of the evaluations matched or beat the former 30 s time limit on every
# shipped matrix and k of 10, 20 and 30 (docs/subsets.md).
TIME_SHARES = {"union": 0.5, "exchange": 0.2, "polish": 0.15}
EVALUATION_SHARES = {"union": 0.05, "exchange": 0.35, "polish": 0.3}


def select_dev_test(
    points: Sequence[Sequence[float]] | np.ndarray,
    k: int,
    seed: int = 0,
    time_limit: float | None = None,
    restarts: int | None = None,
    measure: str = "uniform",
    evaluations: int | None = None,
) -> DevTestSplit:
    """Two disjoint k-subsets of ``points`` with low discrepancy each (see the module docstring).

    ``evaluations`` (exact discrepancy evaluations for the whole split: the same split on every
    machine), ``time_limit`` (seconds for the whole split; depends on the machine) or ``restarts`` (of
    the 2k selection) stops the search; given together, the first one reached stops each step.
    With ``measure="empirical"`` both halves are compared with the distribution of all ``points``.
    """
    check_measure(measure)
    x = as_points(points)
    if 2 * k > x.shape[0]:
        raise CarpsError(f"a dev/test split of k={k} needs at least {2 * k} tasks, the set has {x.shape[0]}; lower k")
    if time_limit is None and restarts is None and evaluations is None:
        raise CarpsError("give evaluations (a reproducible budget of exact evaluations), restarts or time_limit (seconds) to stop the dev/test search")
    if evaluations is not None and evaluations < 4:
        raise CarpsError(f"evaluations={evaluations} is too small for a dev/test split; give at least 4 (one per step), e.g. evaluations=20000")
    start = time.perf_counter()

    def seconds(step: str) -> float | None:
        return None if time_limit is None else max(0.05, TIME_SHARES[step] * time_limit)

    def evals(step: str) -> int | None:
        return None if evaluations is None else max(1, int(EVALUATION_SHARES[step] * evaluations))

    first = select_subset(x, 2 * k, seed=seed, time_limit=seconds("union"), restarts=restarts, measure=measure, evaluations=evals("union"))
    used = first.evaluations
    rng = np.random.default_rng(seed)
    perm = rng.permutation(first.indices)
    exchange_s = seconds("exchange")
    dev, test, n_exchange = _exchange(x, perm[:k].copy(), perm[k:].copy(), rng, deadline=time.perf_counter() + (np.inf if exchange_s is None else exchange_s), measure=measure, max_evaluations=evals("exchange"))
    used += n_exchange
    # without a budget (restarts only) one polishing restart each
    polish_restarts = 1 if time_limit is None and evaluations is None else None
    for _ in range(2):  # polish the worse half first, then the other one
        d_dev, d_test = subset_discrepancy(x, dev, measure), subset_discrepancy(x, test, measure)
        worse, other = (dev, test) if d_dev >= d_test else (test, dev)
        polished = select_subset(x, k, seed=seed + 1, time_limit=seconds("polish"), restarts=polish_restarts, exclude=other, init=worse, measure=measure, evaluations=evals("polish"))
        used += polished.evaluations
        if d_dev >= d_test:
            dev = polished.indices
        else:
            test = polished.indices
    dev, test = np.sort(dev), np.sort(test)
    return DevTestSplit(dev, test, subset_discrepancy(x, dev, measure), subset_discrepancy(x, test, measure), seed, time.perf_counter() - start, measure, used)


def _exchange(x: np.ndarray, a: np.ndarray, b: np.ndarray, rng: np.random.Generator, deadline: float, measure: str, max_evaluations: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Swap single points between halves ``a`` and ``b`` (first improvement) while max(D(a), D(b)) drops;
    stops at ``deadline`` or after ``max_evaluations`` exact evaluations. Returns both halves and the
    evaluations made."""
    from carps.subsets import kernels

    empirical = measure == "empirical"
    cap = np.inf if max_evaluations is None else max_evaluations
    used = 0

    def at_least(idx: np.ndarray, cutoff: float) -> float:  # exact below cutoff, a value >= cutoff otherwise
        nonlocal used
        used += 1
        return float(kernels.worst_box(x, idx, empirical, cutoff)[0])

    da, db = subset_discrepancy(x, a, measure), subset_discrepancy(x, b, measure)
    improved = True
    while improved and time.perf_counter() < deadline and used + 2 <= cap:
        improved = False
        pairs = [(i, j) for i in range(len(a)) for j in range(len(b))]
        for p in rng.permutation(len(pairs)):
            if used + 2 > cap:  # a pair may need two evaluations: stop before the budget could be passed
                break
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
    return a, b, used
