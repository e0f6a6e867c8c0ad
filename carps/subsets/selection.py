"""Heuristic star discrepancy subset selection: choose k of n points whose star discrepancy is low.

The search is an iterated local search over swaps (one chosen point out, one other point in), guided
by the worst box of the current subset:

* if the worst box is a closed box with too many points, only swaps that take a point out of that box
  and bring one in from outside it can lower its excess, so those are the candidates;
* if it is an open box with too few points, candidates bring a point into it and take one out from
  outside it.

Each step evaluates the candidate swaps exactly (with an early exit once a candidate is no better
than the best so far) and takes the best one if it lowers the discrepancy. When no sampled swap
helps, the search "kicks" the best subset with a few random swaps and continues; after ``kicks``
kicks without progress it restarts from a new random subset. Everything is driven by one
``numpy.random.Generator``, so a run is deterministic under its seed when it is stopped by
``restarts`` (a ``time_limit`` makes the stopping point, and so the result, depend on speed).

>>> import numpy as np
>>> pts = np.random.default_rng(0).random((200, 3))
>>> res = select_subset(pts, k=10, seed=1, restarts=2)
>>> len(res.indices), round(res.discrepancy, 6) == round(star_discrepancy(pts[res.indices]), 6)
(10, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import as_points, star_discrepancy


@dataclass
class SelectionResult:
    """A chosen subset: ``indices`` into the point set (sorted), its exact star discrepancy, and how the
    search went (``restarts`` finished, ``evaluations`` of candidate subsets, ``seconds``)."""

    indices: np.ndarray
    discrepancy: float
    seed: int
    restarts: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    history: list[tuple[float, float]] = field(default_factory=list)  # (seconds, new best discrepancy), anytime curve


class _Evaluator:
    """Exact discrepancy of index subsets with their worst box; the compiled kernel for d <= 3."""

    def __init__(self, points: np.ndarray) -> None:
        from carps.subsets import kernels

        self.points = np.ascontiguousarray(points)
        self.d = points.shape[1]
        self.fast = kernels.AVAILABLE and self.d <= 3
        self.kernels = kernels
        if self.fast:
            self.pc, self.po = kernels.pad(self.points)
        self.count = 0

    def worst(self, idx: np.ndarray) -> tuple[float, int, np.ndarray | None]:
        """(discrepancy, kind, corner) with kind 0 = closed box too full, 1 = open box too empty; corner is
        None where the worst box is not known (numpy path)."""
        self.count += 1
        if self.fast:
            v, kind, *q = self.kernels.discrepancy_padded(self.pc, self.po, idx)
            return v, kind, np.array(q[3 - self.d :])
        return star_discrepancy(self.points[idx]), -1, None

    def best_swap(self, idx: np.ndarray, outs: np.ndarray, ins: np.ndarray, cutoff: float) -> tuple[float, int, int]:
        self.count += len(outs) * len(ins)
        if self.fast:
            return self.kernels.best_swap(self.pc, self.po, idx, outs.astype(np.int64), ins.astype(np.int64), cutoff)
        best, best_o, best_r = cutoff, -1, -1
        trial = idx.copy()
        for o in outs:
            old = trial[o]
            for r in ins:
                trial[o] = r
                v = star_discrepancy(self.points[trial])
                if v < best:
                    best, best_o, best_r = v, int(o), int(r)
            trial[o] = old
        return best, best_o, best_r


def select_subset(
    points: Sequence[Sequence[float]] | np.ndarray,
    k: int,
    seed: int = 0,
    time_limit: float | None = None,
    restarts: int | None = None,
    kicks: int = 30,
    sample: int = 64,
    exclude: Sequence[int] = (),
    init: Sequence[int] | None = None,
) -> SelectionResult:
    """Choose ``k`` of the rows of ``points`` with low star discrepancy.

    Stops after ``restarts`` restarts or ``time_limit`` seconds, whichever comes first (at least one
    must be given; with only a time limit the search restarts until time is up). ``sample`` is how
    many incoming points each step tries per outgoing point; ``exclude`` lists rows that may not be
    chosen (used for the test half of a dev/test split); ``init`` is a starting subset for the first
    restart (later restarts start at random).
    """
    x = as_points(points)
    n = x.shape[0]
    allowed = np.setdiff1d(np.arange(n), np.asarray(exclude, dtype=int))
    if not 1 <= k <= len(allowed):
        raise CarpsError(f"k={k} must be between 1 and the number of selectable points ({len(allowed)})")
    if time_limit is None and restarts is None:
        raise CarpsError("give time_limit (seconds) or restarts to stop the subset search")
    rng = np.random.default_rng(seed)
    ev = _Evaluator(x)
    start = time.perf_counter()
    deadline = start + time_limit if time_limit is not None else np.inf
    best_idx, best_val = None, np.inf
    done = 0
    history: list[tuple[float, float]] = []

    def record(value: float) -> None:  # the anytime curve: every new best over all restarts
        if not history or value < history[-1][1]:
            history.append((time.perf_counter() - start, float(value)))

    while (restarts is None or done < restarts) and time.perf_counter() < deadline:
        start_idx = np.asarray(init, dtype=int) if init is not None and done == 0 else None
        idx, val = _search(ev, x, allowed, k, rng, kicks, sample, deadline, start_idx, record)
        done += 1
        if val < best_val:
            best_idx, best_val = idx, val
        if len(allowed) == k:
            break
    if best_idx is None:  # the time limit was too short for one restart to finish
        best_idx = np.asarray(init, dtype=int) if init is not None else rng.choice(allowed, size=k, replace=False)
        best_val = ev.worst(best_idx)[0]
    best_idx = np.sort(best_idx)
    return SelectionResult(best_idx, float(star_discrepancy(x[best_idx])), seed, done, ev.count, time.perf_counter() - start, history)


def _search(ev: _Evaluator, x: np.ndarray, allowed: np.ndarray, k: int, rng: np.random.Generator, kicks: int, sample: int, deadline: float, init: np.ndarray | None, record: Callable[[float], None]) -> tuple[np.ndarray, float]:
    """One restart: local search from ``init`` or a random subset, kicked until ``kicks`` kicks bring no progress."""
    if init is not None:
        if len(init) != k or len(np.unique(init)) != k or not np.isin(init, allowed).all():
            raise CarpsError(f"init must be {k} distinct selectable row indices")
        idx = init.copy()
    else:
        idx = rng.choice(allowed, size=k, replace=False)
    val, kind, q = ev.worst(idx)
    best_idx, best_val = idx.copy(), val
    record(val)
    stale = 0
    while stale <= kicks and time.perf_counter() < deadline:
        improved = _descend_step(ev, x, allowed, idx, val, kind, q, rng, sample)
        if improved is not None:
            idx = improved
            val, kind, q = ev.worst(idx)
            if val < best_val - 1e-12:
                best_idx, best_val, stale = idx.copy(), val, 0
                record(val)
            continue
        # local optimum for this sample: kick the best subset with a few random swaps
        stale += 1
        idx = best_idx.copy()
        outside = np.setdiff1d(allowed, idx)
        n_swaps = min(1 + rng.integers(0, 3), len(outside))
        pos = rng.choice(k, size=n_swaps, replace=False)
        idx[pos] = rng.choice(outside, size=n_swaps, replace=False)
        val, kind, q = ev.worst(idx)
    return best_idx, best_val


def _descend_step(ev: _Evaluator, x: np.ndarray, allowed: np.ndarray, idx: np.ndarray, val: float, kind: int, q: np.ndarray | None, rng: np.random.Generator, sample: int) -> np.ndarray | None:
    """The subset after the best improving swap among the sampled candidates, or None."""
    chosen = np.zeros(x.shape[0], dtype=bool)
    chosen[idx] = True
    free = allowed[~chosen[allowed]]
    if len(free) == 0:
        return None
    if q is None:  # worst box unknown: any point out, sampled points in
        outs = np.arange(len(idx))
        ins = rng.choice(free, size=min(sample, len(free)), replace=False)
    else:
        inside = np.all(x <= q, axis=1) if kind == 0 else np.all(x < q, axis=1)
        if kind == 0:  # too many points in the closed box: move one out of it
            outs = np.flatnonzero(inside[idx])
            pool = free[~inside[free]]
        else:  # too few points in the open box: move one into it
            outs = np.flatnonzero(~inside[idx])
            pool = free[inside[free]]
        if len(outs) == 0 or len(pool) == 0:
            return None
        ins = rng.choice(pool, size=min(sample, len(pool)), replace=False)
    new_val, o, r = ev.best_swap(idx, outs, ins, val)
    if o < 0:
        return None
    out = idx.copy()
    out[o] = r
    return out
