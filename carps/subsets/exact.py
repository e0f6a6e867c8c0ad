"""Optimal discrepancy subset selection for small problems, as a mixed-integer program.

Variables: ``z_i`` in {0, 1} (point i chosen), ``t`` (the discrepancy). Minimize ``t`` subject to
``sum z = k`` and, for anchored boxes B, ``|B ∩ S| / k - mu(B) <= t`` (closed boxes) and
``mu(B) - |B ∩ S| / k <= t`` (open boxes), where ``mu(B)`` is the volume of B (``measure="uniform"``)
or the share of all n points inside it (``measure="empirical"``). There are far too many boxes to write down, so boxes are
added lazily (constraint generation): solve with the boxes so far, compute the exact discrepancy of
the solution, add the boxes it violates, and repeat until the solution's true discrepancy equals the
program's ``t``. The program's optimum is always a lower bound on the true optimum, so the loop ends
with a proof of optimality. Solved with HiGHS through :func:`scipy.optimize.milp`.

>>> import numpy as np
>>> pts = np.random.default_rng(0).random((20, 2))
>>> res = select_subset_exact(pts, k=4)
>>> res.optimal, round(res.discrepancy, 6) == round(star_discrepancy(pts[res.indices]), 6)
(True, True)
>>> emp = select_subset_exact(pts, k=4, measure="empirical")
>>> emp.optimal, round(emp.discrepancy, 6) == round(subset_discrepancy(pts, emp.indices, "empirical"), 6)
(True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import as_points, check_measure, star_discrepancy, subset_discrepancy

MAX_POINTS = 60
MAX_DIM = 3


@dataclass
class ExactResult:
    """The optimal subset (``indices``), its discrepancy, the proven lower bound, and whether the two
    met (``optimal``) before ``time_limit``; ``rounds`` of constraint generation, ``boxes`` added."""

    indices: np.ndarray
    discrepancy: float
    lower_bound: float
    optimal: bool
    rounds: int
    boxes: int
    seconds: float
    measure: str = "uniform"


def select_subset_exact(points: Sequence[Sequence[float]] | np.ndarray, k: int, time_limit: float = 300.0, boxes_per_round: int = 200, tol: float = 1e-9, measure: str = "uniform") -> ExactResult:
    """Provably optimal k-subset of ``points`` (n <= 60, d <= 3) by constraint generation over boxes,
    for the uniform or the empirical ``measure``.

    A short run of the heuristic gives a starting subset: its boxes seed the program and its
    discrepancy caps ``t``, which lets HiGHS prune early.
    """
    empirical = check_measure(measure)
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, vstack

    from carps.subsets.selection import select_subset

    x = as_points(points)
    n, d = x.shape
    if n > MAX_POINTS or d > MAX_DIM:
        raise CarpsError(f"the exact mode is for n <= {MAX_POINTS} points and d <= {MAX_DIM}, got n={n}, d={d}; use select_subset")
    if not 1 <= k <= n:
        raise CarpsError(f"k={k} must be between 1 and n={n}")
    start = time.perf_counter()
    # seed the program with the boxes of the warm start and of a few random subsets
    rng = np.random.default_rng(0)
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    seen: set[bytes] = set()
    warm = select_subset(x, k, seed=0, restarts=2, kicks=10, measure=measure)
    _add_boxes(x, warm.indices, k, -np.inf, boxes_per_round, rows, rhs, seen, empirical)
    for _ in range(3):
        _add_boxes(x, rng.choice(n, k, replace=False), k, -np.inf, boxes_per_round, rows, rhs, seen, empirical)
    cost = np.zeros(n + 1)
    cost[-1] = 1.0
    integrality = np.r_[np.ones(n), 0]
    bounds_lo, bounds_hi = np.zeros(n + 1), np.ones(n + 1)
    bounds_hi[-1] = warm.discrepancy + tol  # the optimum is no worse than the warm start
    cardinality = LinearConstraint(csr_matrix(np.r_[np.ones(n), 0][None, :]), k, k)
    best_idx, best_val, lower, rounds = warm.indices, warm.discrepancy, 0.0, 0
    while True:
        rounds += 1
        left = time_limit - (time.perf_counter() - start)
        if left <= 0:
            break
        a = vstack([csr_matrix(r[None, :]) for r in rows])
        boxes = LinearConstraint(a, -np.inf, np.array(rhs))
        # more boxes only raise the optimum: the last round's t is a lower bound that lets HiGHS stop early
        bounds_lo[-1] = lower
        res = milp(cost, constraints=[cardinality, boxes], integrality=integrality, bounds=Bounds(bounds_lo, bounds_hi), options={"time_limit": left})
        if res.x is None:  # infeasible under the cap: the warm start is optimal
            if res.status == 2:
                lower = best_val
            break
        finished = res.status == 0
        t = float(res.x[-1])
        idx = np.flatnonzero(res.x[:-1] > 0.5)
        val = subset_discrepancy(x, idx, measure)
        if val < best_val:
            best_idx, best_val = idx, val
        if finished:
            lower = max(lower, t)
        if finished and val <= t + tol:
            break
        if not finished:
            break
        if _add_boxes(x, idx, k, t + tol, boxes_per_round, rows, rhs, seen, empirical) == 0:
            break
    return ExactResult(np.sort(best_idx), float(best_val), lower, bool(best_val <= lower + 1e-7), rounds, len(rows), time.perf_counter() - start, measure)


def _add_boxes(x: np.ndarray, idx: np.ndarray, k: int, above: float, limit: int, rows: list[np.ndarray], rhs: list[float], seen: set[bytes], empirical: bool) -> int:
    """Add the (up to ``limit``) boxes where subset ``idx`` has local discrepancy above ``above``.

    A row is ``coef @ [z, t] <= rhs``: closed boxes give ``inside / k - t <= mu``, open boxes
    ``-inside / k - t <= -mu`` (``mu``: volume, or share of all points for the empirical measure).
    """
    sub = x[idx]
    found = []
    for kind, values, corners in _box_values(sub, x if empirical else None):
        order = np.argsort(values)[::-1][:limit]
        for j in order:
            if values[j] > above:
                found.append((values[j], kind, corners[j]))
    found.sort(key=lambda item: -item[0])
    added = 0
    for _, kind, q in found[:limit]:
        key = bytes([kind]) + q.tobytes()
        if key in seen:
            continue
        seen.add(key)
        inside = np.all(x <= q, axis=1) if kind == 0 else np.all(x < q, axis=1)
        vol = float(inside.mean()) if empirical else float(np.prod(q))
        sign = 1.0 if kind == 0 else -1.0
        rows.append(np.r_[sign * inside / k, -1.0])
        rhs.append(sign * vol)
        added += 1
    return added


def _box_values(sub: np.ndarray, everything: np.ndarray | None) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Local discrepancy of every critical closed (kind 0) and open (kind 1) box of ``sub``, with the
    corners, flattened: against the uniform measure, or against the points ``everything`` (the
    empirical measure, whose open boxes may reach past 1: +inf)."""
    top = 1.0 if everything is None else np.inf
    out = []
    for kind in (0, 1):
        if kind == 0:
            grids = [np.unique(c) for c in sub.T]
        else:
            grids = [np.unique(np.append(c, top)) for c in sub.T]
        mesh = np.stack(np.meshgrid(*grids, indexing="ij"), axis=-1).reshape(-1, sub.shape[1])
        inside = (lambda pts: np.all(pts[None, :, :] <= mesh[:, None, :], axis=2)) if kind == 0 else (lambda pts: np.all(pts[None, :, :] < mesh[:, None, :], axis=2))
        share = inside(sub).mean(axis=1)
        mu = mesh.prod(axis=1) if everything is None else inside(everything).mean(axis=1)
        out.append((kind, share - mu if kind == 0 else mu - share, mesh))
    return out
