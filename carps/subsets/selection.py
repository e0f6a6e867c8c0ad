"""Heuristic subset selection: choose k of n points whose discrepancy is low, for any d.

The search is an iterated local search over swaps (one chosen point out, one other point in). Each
step considers every swap at once through a pool of boxes remembered from earlier evaluations
(:class:`~carps.subsets.kernels.BoxPool`): a swap changes the count of a box by at most one, so the
pool gives every swap a lower bound on its discrepancy in a few operations. Swaps whose bound is
below the current value are evaluated exactly, lowest bound first, with an early exit as soon as a box
shows the swap is no better; each such box joins the pool and tightens the bounds of the other swaps.
The first swap that lowers the discrepancy is taken. When none does, the search "kicks" the best
subset with a few random swaps and continues; after ``kicks`` kicks without progress it restarts from
a new random subset. Everything is driven by one ``numpy.random.Generator``, so a run is
deterministic under its seed when it is stopped by ``evaluations`` (a budget of exact discrepancy
evaluations, counted the same on every machine) or ``restarts``; a ``time_limit`` makes the stopping
point, and so the result, depend on the machine's speed and load.

``measure="uniform"`` (the star discrepancy) or ``"empirical"`` (against the whole point set's own
distribution; see :mod:`carps.subsets.discrepancy`) chooses what is minimized.

>>> import numpy as np
>>> pts = np.random.default_rng(0).random((200, 3))
>>> res = select_subset(pts, k=10, seed=1, restarts=2)
>>> len(res.indices), round(res.discrepancy, 6) == round(star_discrepancy(pts[res.indices]), 6)
(10, True)
>>> emp = select_subset(pts, k=10, seed=1, restarts=1, measure="empirical")
>>> round(emp.discrepancy, 6) == round(subset_discrepancy(pts, emp.indices, "empirical"), 6)
True
>>> fixed = select_subset(pts, k=10, seed=1, evaluations=300)    # reproducible on any machine
>>> fixed.evaluations <= 300, np.array_equal(fixed.indices, select_subset(pts, k=10, seed=1, evaluations=300).indices)
(True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import as_points, check_measure, star_discrepancy, subset_discrepancy


@dataclass
class SelectionResult:
    """A chosen subset: ``indices`` into the point set (sorted), its exact discrepancy under ``measure``,
    and how the search went (``restarts`` finished, exact ``evaluations`` of candidate subsets, ``seconds``)."""

    indices: np.ndarray
    discrepancy: float
    seed: int
    restarts: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    history: list[tuple[float, float]] = field(default_factory=list)  # (seconds, new best discrepancy), anytime curve
    measure: str = "uniform"


def select_subset(
    points: Sequence[Sequence[float]] | np.ndarray,
    k: int,
    seed: int = 0,
    time_limit: float | None = None,
    restarts: int | None = None,
    kicks: int = 30,
    exclude: Sequence[int] = (),
    init: Sequence[int] | None = None,
    measure: str = "uniform",
    max_evals: int = 200,
    evaluations: int | None = None,
) -> SelectionResult:
    """Choose ``k`` of the rows of ``points`` with low discrepancy under ``measure``.

    Stops after ``evaluations`` exact discrepancy evaluations, ``restarts`` restarts or ``time_limit``
    seconds, whichever comes first (at least one must be given; without ``restarts`` the search restarts
    until its budget is spent). Only ``evaluations`` and ``restarts`` give the same subset on every
    machine. ``exclude`` lists rows that may not be chosen (used for the test half of a dev/test split;
    the empirical measure still compares with all rows); ``init`` is a starting subset for the first
    restart (later restarts start at random); ``max_evals`` caps the exact evaluations of one step
    before it counts as stuck.
    """
    from carps.subsets.kernels import BoxPool

    empirical = check_measure(measure)
    x = as_points(points)
    n = x.shape[0]
    allowed = np.setdiff1d(np.arange(n), np.asarray(exclude, dtype=int))
    if not 1 <= k <= len(allowed):
        raise CarpsError(f"k={k} must be between 1 and the number of selectable points ({len(allowed)})")
    if time_limit is None and restarts is None and evaluations is None:
        raise CarpsError("give evaluations (a reproducible budget of exact evaluations), restarts or time_limit (seconds) to stop the subset search")
    if evaluations is not None and evaluations < 1:
        raise CarpsError(f"evaluations={evaluations} must be at least 1 (exact discrepancy evaluations of the search)")
    rng = np.random.default_rng(seed)
    pool = BoxPool(x, empirical, max_evals=max_evals)
    start = time.perf_counter()
    deadline = start + time_limit if time_limit is not None else np.inf
    budget = _Budget(pool, evaluations, deadline)
    best_idx, best_val = None, np.inf
    done = 0
    history: list[tuple[float, float]] = []

    def record(value: float) -> None:  # the anytime curve: every new best over all restarts
        if not history or value < history[-1][1]:
            history.append((time.perf_counter() - start, float(value)))

    while (restarts is None or done < restarts) and not budget.spent():
        start_idx = np.asarray(init, dtype=int) if init is not None and done == 0 else None
        idx, val = _search(pool, allowed, k, rng, kicks, budget, start_idx, record)
        done += 1
        if val < best_val:
            best_idx, best_val = idx, val
        if len(allowed) == k:
            break
    if best_idx is None:  # the time limit was too short for one restart to start
        best_idx = np.asarray(init, dtype=int) if init is not None else rng.choice(allowed, size=k, replace=False)
    best_idx = np.sort(best_idx)
    value = subset_discrepancy(x, best_idx, measure)
    return SelectionResult(best_idx, float(value), seed, done, pool.evaluations, time.perf_counter() - start, history, measure)


class _Budget:
    """What is left of the search's stopping rules: exact evaluations (counted by the pool) and a deadline."""

    def __init__(self, pool: Any, evaluations: int | None, deadline: float) -> None:
        self.pool, self.evaluations, self.deadline = pool, evaluations, deadline

    def left(self) -> int | None:
        """Evaluations still allowed (None: no evaluation budget)."""
        return None if self.evaluations is None else self.evaluations - self.pool.evaluations

    def spent(self) -> bool:
        left = self.left()
        return (left is not None and left <= 0) or time.perf_counter() >= self.deadline


def _search(pool: Any, allowed: np.ndarray, k: int, rng: np.random.Generator, kicks: int, budget: _Budget, init: np.ndarray | None, record: Callable[[float], None]) -> tuple[np.ndarray, float]:
    """One restart: local search from ``init`` or a random subset, kicked until ``kicks`` kicks bring no
    progress or the budget is spent (never more exact evaluations than it allows)."""
    if init is not None:
        if len(init) != k or len(np.unique(init)) != k or not np.isin(init, allowed).all():
            raise CarpsError(f"init must be {k} distinct selectable row indices")
        idx = init.copy()
    else:
        idx = rng.choice(allowed, size=k, replace=False)
    val = pool.evaluate(idx)
    best_idx, best_val = idx.copy(), val
    record(val)
    stale = 0
    while stale <= kicks and not budget.spent():
        free = rng.permutation(np.setdiff1d(allowed, idx, assume_unique=True))  # the order breaks ties at random
        new_val, pos, point = pool.step(idx, val, free, budget.left()) if len(free) else (val, -1, -1)
        if pos >= 0:
            idx = idx.copy()
            idx[pos] = point
            val = new_val
            if val < best_val - 1e-12:
                best_idx, best_val, stale = idx.copy(), val, 0
                record(val)
            continue
        # local optimum of the swap neighbourhood: kick the best subset with a few random swaps
        stale += 1
        if len(free) == 0 or budget.spent():  # a step cut short by the budget is no local optimum: stop, do not kick
            break
        idx = best_idx.copy()
        outside = np.setdiff1d(allowed, idx)
        n_swaps = min(1 + rng.integers(0, 3), len(outside))
        pos_kick = rng.choice(k, size=n_swaps, replace=False)
        idx[pos_kick] = rng.choice(outside, size=n_swaps, replace=False)
        val = pool.evaluate(idx)
    return best_idx, best_val
