"""Compiled (numba) kernels for the subset search, for any number of dimensions d.

Two measures share the kernels (``empirical`` flag):

* **uniform**: the classic star discrepancy, the subset against the uniform measure on [0, 1]^d;
* **empirical**: the subset against the empirical distribution of the whole point set (the share of
  all n points inside a box instead of its volume); 0 when the subset is the whole set.

:func:`worst_box` is the exact discrepancy. It enumerates the critical corners by a sweep over the
dimensions: at depth j it walks the distinct j-th coordinates of the subset points still inside the
current slab (in increasing order), and the child slab keeps the points at or below (closed boxes) or
below (open boxes) that value. The points of a slab are kept sorted in every remaining dimension, so a
child is a filter of its parent's lists (no sorting), and the last dimension is one cumulative scan.
For k subset points that is about C(k + d - 1, d) corners instead of the k^d of the full grid, and a
bound per slab (how much discrepancy any box inside it can still reach) skips slabs that cannot beat
the best box so far. Given a ``cutoff`` it returns as soon as a box reaches it: a local search only
needs to know that a candidate is no better than the current subset.

:func:`swap_step` is one step of the swap search. It keeps a pool of boxes found so far (with which
of the n points each one holds), so that the discrepancy after any swap (one subset point out, one
other point in) has a lower bound in O(1) per box: the box's count changes by at most one. Swaps are
tried exactly in increasing order of that bound; each rejected swap brings its violating box into the
pool, which raises the bound of the other swaps.

Optional: with numba missing, ``AVAILABLE`` is False and the same functions run as plain Python
(correct, much slower). Install with ``pip install 'carps[subsets]'``.
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

AVAILABLE = numba is not None

CLOSED, OPEN = 0, 1  # box kinds: [0, q] (too many subset points) and [0, q) (too few)


def _worst_box(points: np.ndarray, idx: np.ndarray, empirical: bool, cutoff: float) -> tuple[float, int, np.ndarray]:
    """:func:`_sweep`, or for the empirical measure and a subset of more than half the points, the sweep
    of the smaller complement: with A, S, C the counts of all points, the subset and the complement in
    a box, S/k - A/n = (n - k)/k * (A/n - C/(n - k)), so the subset's discrepancy is (n - k)/k times the
    complement's and the worst box is the same point set, seen from the other side. A box's point set
    is all that matters for this measure, so the closed box [0, q] becomes the open box [0, q+) with q+
    the next coordinates above q (or +inf), and the open box [0, q) the closed box [0, q-].
    """
    n, d = points.shape
    k = idx.shape[0]
    if not empirical or 2 * k <= n or k == n:
        return _sweep_impl(points, idx, empirical, cutoff)
    chosen = np.zeros(n, np.bool_)
    for i in range(k):
        chosen[idx[i]] = True
    comp = np.empty(n - k, np.int64)
    a = 0
    for p in range(n):
        if not chosen[p]:
            comp[a] = p
            a += 1
    factor = (n - k) / k
    value, kind, q = _sweep_impl(points, comp, True, cutoff / factor)
    corner = np.empty(d)
    for t in range(d):
        if kind == CLOSED:  # the complement's too-full [0, q]: the subset's too-empty [0, q+)
            nxt = np.inf
            for p in range(n):
                if q[t] < points[p, t] < nxt:
                    nxt = points[p, t]
            corner[t] = nxt
        else:  # the complement's too-empty [0, q): the subset's too-full [0, q-]
            prev = -np.inf
            for p in range(n):
                if prev < points[p, t] < q[t]:
                    prev = points[p, t]
            corner[t] = prev
    return value * factor, OPEN if kind == CLOSED else CLOSED, corner


def _sweep(points: np.ndarray, idx: np.ndarray, empirical: bool, cutoff: float) -> tuple[float, int, np.ndarray]:
    """Discrepancy of ``points[idx]`` and its worst box: (value, kind, corner).

    For the uniform measure the entries are the k subset points (weight 1/k) and a box's measure is the
    product of its corner's coordinates. For the empirical one the entries are all n points, weighted
    1/k - 1/n (subset) and -1/n (the others), so that the weight inside a box is its subset share minus
    its full share; points that a slab's boxes all hold (or none holds) leave the slab as a constant
    (see :func:`_prune_slab`).
    """
    k = idx.shape[0]
    n, d = points.shape
    m0 = n if empirical else k
    c = np.empty((m0, d))
    w = np.empty(m0)
    sub = np.zeros(m0, np.bool_)
    if empirical:
        for i in range(n):
            for t in range(d):
                c[i, t] = points[i, t]
            w[i] = -1.0 / n
        for i in range(k):
            w[idx[i]] = 1.0 / k - 1.0 / n
            sub[idx[i]] = True
    else:
        for i in range(k):
            for t in range(d):
                c[i, t] = points[idx[i], t]
            w[i] = 1.0 / k
            sub[i] = True
    offset = np.zeros(d + 1)  # weight of the points every box of the depth-j slab holds
    gone = np.zeros(m0, np.int64)  # stamp of the last pruning that removed the entry
    stamp = 0
    need = np.zeros(m0, np.int64)
    hist = np.zeros(m0 + 2, np.int64)
    # lists[j, t]: the entries of the depth-j slab sorted by coordinate t (t >= j)
    lists = np.empty((d, d, m0), np.int64)
    for t in range(d):
        lists[0, t] = np.argsort(c[:, t], kind="mergesort")
    size = np.empty(d + 1, np.int64)
    ptr = np.empty(d + 1, np.int64)
    top = np.zeros(d + 1, np.bool_)
    scale = np.ones(d + 1)
    q = np.zeros(d)
    best_q = np.zeros(d)
    best = 0.0  # the empty open box [0, 0) has local discrepancy 0
    kind = OPEN
    largest = np.empty(m0)
    inv_k = 1.0 / k
    inv_n = 1.0 / n

    # closed boxes [0, q]: every q_j is the j-th coordinate of a subset point inside the box
    size[0] = m0
    ptr[0] = 0
    level = 0
    while level >= 0:
        lst = lists[level, level]
        mm = size[level]
        if level == d - 1:
            acc = 0.0
            i = 0
            while i < mm:
                v = c[lst[i], level]
                has = False
                while i < mm and c[lst[i], level] == v:
                    acc += w[lst[i]]
                    if sub[lst[i]]:
                        has = True
                    i += 1
                if has:
                    val = offset[level] + acc if empirical else acc - scale[level] * v
                    if val > best:
                        best = val
                        kind = CLOSED
                        best_q[:level] = q[:level]
                        best_q[level] = v
                        if best >= cutoff:
                            return best, kind, best_q
            level -= 1
            continue
        i = ptr[level]
        found = False
        v = 0.0
        while i < mm:
            v = c[lst[i], level]
            has = False
            while i < mm and c[lst[i], level] == v:
                if sub[lst[i]]:
                    has = True
                i += 1
            if has:
                found = True
                break
        ptr[level] = i
        if not found:
            level -= 1
            continue
        nxt = level + 1
        _child_impl(c, lists, level, mm, v, True)
        size[nxt] = i
        q[level] = v
        scale[nxt] = scale[level] * v
        if empirical:
            stamp += 1
            size[nxt], extra = _prune_impl(c, w, sub, lists, nxt, i, True, gone, stamp)
            offset[nxt] = offset[level] + extra
            bound = offset[nxt] + _empirical_bound_impl(c, sub, lists, nxt, size[nxt], True, inv_k, inv_n, need, hist)
        else:
            # a box holding j points reaches the j-th smallest coordinate in every remaining dimension
            bound = -1.0
            for j in range(i):
                vol = scale[nxt]
                for t in range(nxt, d):
                    vol *= c[lists[nxt, t, j], t]
                if (j + 1) * inv_k - vol > bound:
                    bound = (j + 1) * inv_k - vol
        if bound <= best:
            continue
        level = nxt
        ptr[level] = 0

    # open boxes [0, q): every q_j is the j-th coordinate of a subset point inside the slab, or the top
    # (1 for the uniform measure; +inf, i.e. no limit, for the empirical one, where points may lie on 1)
    size[0] = m0
    ptr[0] = 0
    top[0] = False
    level = 0
    while level >= 0:
        lst = lists[level, level]
        mm = size[level]
        if level == d - 1:
            acc = 0.0
            below_one = 0.0
            seen_one = False
            i = 0
            while i < mm:
                v = c[lst[i], level]
                if v >= 1.0 and not seen_one:
                    below_one = acc
                    seen_one = True
                j = i
                has = False
                while j < mm and c[lst[j], level] == v:
                    if sub[lst[j]]:
                        has = True
                    j += 1
                if has:
                    val = -(offset[level] + acc) if empirical else scale[level] * v - acc
                    if val > best:
                        best = val
                        kind = OPEN
                        best_q[:level] = q[:level]
                        best_q[level] = v
                        if best >= cutoff:
                            return best, kind, best_q
                for b in range(i, j):
                    acc += w[lst[b]]
                i = j
            if not seen_one:
                below_one = acc
            val = -(offset[level] + acc) if empirical else scale[level] - below_one
            if val > best:
                best = val
                kind = OPEN
                best_q[:level] = q[:level]
                best_q[level] = np.inf if empirical else 1.0
                if best >= cutoff:
                    return best, kind, best_q
            level -= 1
            continue
        i = ptr[level]
        found = False
        v = 0.0
        child = 0
        while i < mm:
            v = c[lst[i], level]
            j = i
            has = False
            while j < mm and c[lst[j], level] == v:
                if sub[lst[j]]:
                    has = True
                j += 1
            if has:
                found = True
                child = i
                ptr[level] = j
                break
            i = j
        if not found:
            if top[level]:
                level -= 1
                continue
            top[level] = True
            ptr[level] = mm
            if empirical:
                v = np.inf
                child = mm
            else:
                v = 1.0
                child = 0
                while child < mm and c[lst[child], level] < 1.0:
                    child += 1
        nxt = level + 1
        _child_impl(c, lists, level, mm, v, False)
        size[nxt] = child
        q[level] = v
        scale[nxt] = scale[level] * v
        if empirical:
            stamp += 1
            size[nxt], extra = _prune_impl(c, w, sub, lists, nxt, child, False, gone, stamp)
            offset[nxt] = offset[level] + extra
            if size[nxt] == 0:  # every box of the slab holds the same points: one value, no descent
                val = -offset[nxt]
                if val > best:
                    best = val
                    kind = OPEN
                    best_q[: level + 1] = q[: level + 1]
                    best_q[level + 1 :] = np.inf
                    if best >= cutoff:
                        return best, kind, best_q
                continue
            bound = -offset[nxt] + _empirical_bound_impl(c, sub, lists, nxt, size[nxt], False, inv_k, inv_n, need, hist)
        else:
            # a box of volume V has every side >= V: it holds every point whose largest coordinate is < V
            for b in range(child):
                e = lists[nxt, nxt, b]
                z = 0.0
                for t in range(nxt, d):
                    if c[e, t] > z:
                        z = c[e, t]
                largest[b] = z
            zs = np.sort(largest[:child])
            bound = scale[nxt] - child * inv_k
            for b in range(child):
                if scale[nxt] * zs[b] - b * inv_k > bound:
                    bound = scale[nxt] * zs[b] - b * inv_k
        if bound <= best:
            continue
        level = nxt
        ptr[level] = 0
        top[level] = False
    return best, kind, best_q


def _child_slab(c: np.ndarray, lists: np.ndarray, level: int, size: int, v: float, closed: bool) -> None:
    """Fill ``lists[level + 1, t]`` (t > level) with the entries of ``lists[level, t]`` whose coordinate
    ``level`` is <= v (closed boxes) or < v (open boxes): filtering keeps each list sorted."""
    for t in range(level + 1, c.shape[1]):
        src = lists[level, t]
        dst = lists[level + 1, t]
        a = 0
        if closed:
            for b in range(size):
                if c[src[b], level] <= v:
                    dst[a] = src[b]
                    a += 1
        else:
            for b in range(size):
                if c[src[b], level] < v:
                    dst[a] = src[b]
                    a += 1


def _prune_slab(c: np.ndarray, w: np.ndarray, sub: np.ndarray, lists: np.ndarray, j: int, size: int, closed: bool, gone: np.ndarray, stamp: int) -> tuple[int, float]:
    """Remove from the depth-``j`` slab the non-subset points that no box of it can hold, or that every
    box holds; returns (new size, weight of the points every box holds).

    Below depth j, a closed box's corner takes subset coordinates of the slab, so it lies between the
    smallest and the largest of them in every remaining dimension: a point above the largest in some
    dimension is in no box, a point at or below the smallest in all of them is in every box. Open boxes
    reach up to +inf, so every point is in some box; a point below the smallest subset coordinate in
    every remaining dimension is in all of them.
    """
    d = c.shape[1]
    if size == 0:
        return 0, 0.0
    lo = np.empty(d)
    hi = np.empty(d)
    any_sub = False
    for t in range(j, d):
        lst = lists[j, t]
        lo[t] = np.inf
        hi[t] = -np.inf
        for a in range(size):
            if sub[lst[a]]:
                lo[t] = c[lst[a], t]
                any_sub = True
                break
        for a in range(size - 1, -1, -1):
            if sub[lst[a]]:
                hi[t] = c[lst[a], t]
                break
    extra = 0.0
    lst = lists[j, j]
    removed = 0
    for a in range(size):
        e = lst[a]
        if sub[e]:
            continue
        inside_all = True
        never = False
        for t in range(j, d):
            if closed:
                if c[e, t] > hi[t]:
                    never = True
                    break
                if c[e, t] > lo[t]:
                    inside_all = False
            elif any_sub and not c[e, t] < lo[t]:
                inside_all = False
                break
        if never or inside_all:
            if inside_all and not never:
                extra += w[e]
            gone[e] = stamp
            removed += 1
    if removed == 0:
        return size, 0.0
    for t in range(j, d):
        lst = lists[j, t]
        b = 0
        for a in range(size):
            if gone[lst[a]] != stamp:
                lst[b] = lst[a]
                b += 1
    return size - removed, extra


def _empirical_bound(c: np.ndarray, sub: np.ndarray, lists: np.ndarray, j: int, size: int, closed: bool, inv_k: float, inv_n: float, need: np.ndarray, hist: np.ndarray) -> float:
    """Upper bound on (subset share - full share) over the closed boxes of the depth-``j`` slab, or on
    (full share - subset share) over its open boxes, before the slab's constant offset.

    Closed: a box holding i subset points reaches the i-th smallest subset coordinate in every remaining
    dimension, so it holds every other point below that corner; a point p is below it once i exceeds,
    in every dimension, the number of subset coordinates under p's. Open boxes the other way round: a
    box holding i of the other points holds every subset point at or below their i-th smallest
    coordinates. Each count is one walk down each sorted list.
    """
    d = c.shape[1]
    lst = lists[j, j]
    for a in range(size):
        need[lst[a]] = 0
    n_mine = 0  # closed: subset points of the slab; open: the other points
    for a in range(size):
        if sub[lst[a]] == closed:
            n_mine += 1
    for t in range(j, d):
        lst = lists[j, t]
        seen = 0
        a = 0
        while a < size:
            v = c[lst[a], t]
            b = a
            while b < size and c[lst[b], t] == v:
                e = lst[b]
                if sub[e] != closed and need[e] < seen + 1:
                    need[e] = seen + 1
                b += 1
            for g in range(a, b):
                if sub[lst[g]] == closed:
                    seen += 1
            a = b
    for i in range(n_mine + 2):
        hist[i] = 0
    lst = lists[j, j]
    for a in range(size):
        e = lst[a]
        if sub[e] != closed and need[e] <= n_mine:
            hist[need[e]] += 1
    gain = inv_k - inv_n if closed else inv_n  # weight of one "mine" point in the box's value
    loss = inv_n if closed else inv_k - inv_n  # and of one forced point of the other kind
    best = 0.0
    forced = 0
    for i in range(1, n_mine + 1):
        forced += hist[i]
        if i * gain - forced * loss > best:
            best = i * gain - forced * loss
    return best


def _add_box(points: np.ndarray, pool_q: np.ndarray, pool_kind: np.ndarray, pool_measure: np.ndarray, pool_in: np.ndarray, slot: int, kind: int, q: np.ndarray, empirical: bool) -> None:
    """Store box (kind, q) in pool row ``slot``: which points it holds and its measure (volume or share)."""
    n, d = points.shape
    count = 0
    for p in range(n):
        inside = True
        for t in range(d):
            if (kind == CLOSED and points[p, t] > q[t]) or (kind == OPEN and not points[p, t] < q[t]):
                inside = False
                break
        pool_in[slot, p] = inside
        if inside:
            count += 1
    vol = 1.0
    for t in range(d):
        pool_q[slot, t] = q[t]
        vol *= q[t]
    pool_kind[slot] = kind
    pool_measure[slot] = count / n if empirical else vol


def _swap_step(points: np.ndarray, idx: np.ndarray, value: float, pool_q: np.ndarray, pool_kind: np.ndarray, pool_measure: np.ndarray, pool_in: np.ndarray, n_pool: int, free: np.ndarray, empirical: bool, max_evals: int) -> tuple[float, int, int, int, int]:
    """The first swap, in increasing order of its pool bound, that lowers the discrepancy below ``value``.

    ``free`` lists the points that may come in (its order breaks ties). Returns (new value, position in
    ``idx``, incoming point, exact evaluations, new pool count); position -1 when none of the swaps tried
    (at most ``max_evals``) improves. The pool is a ring: once full, new boxes replace the oldest.
    """
    k = idx.shape[0]
    cap = pool_q.shape[0]
    inv_k = 1.0 / k
    tol = 1e-12
    nb = min(n_pool, cap)
    local = np.empty(nb)
    for b in range(nb):
        cnt = 0
        for i in range(k):
            if pool_in[b, idx[i]]:
                cnt += 1
        local[b] = cnt * inv_k - pool_measure[b] if pool_kind[b] == CLOSED else pool_measure[b] - cnt * inv_k
    # a swap moves a box's count by at most one: only boxes within 1/k of the current value can reject it
    active = np.empty(nb, np.int64)
    na = 0
    for b in range(nb):
        if local[b] + inv_k >= value - tol:
            active[na] = b
            na += 1
    active = active[:na][np.argsort(-local[active[:na]])]  # the worst boxes first: most swaps fail on them
    nf = free.shape[0]
    cand_o = np.empty(k * nf, np.int64)
    cand_r = np.empty(k * nf, np.int64)
    cand_lb = np.empty(k * nf)
    nc = 0
    for o in range(k):
        out = idx[o]
        for a in range(nf):
            r = free[a]
            lb = 0.0
            for bi in range(na):
                b = active[bi]
                delta = (inv_k if pool_in[b, r] else 0.0) - (inv_k if pool_in[b, out] else 0.0)
                v = local[b] + delta if pool_kind[b] == CLOSED else local[b] - delta
                if v > lb:
                    lb = v
                    if lb >= value - tol:
                        break
            if lb < value - tol:
                cand_o[nc] = o
                cand_r[nc] = r
                cand_lb[nc] = lb
                nc += 1
    alive = np.ones(nc, np.bool_)
    trial = idx.copy()
    evals = 0
    while evals < max_evals:
        j = -1
        lowest = np.inf
        for ci in range(nc):
            if alive[ci] and cand_lb[ci] < lowest:
                lowest = cand_lb[ci]
                j = ci
        if j < 0:
            break
        alive[j] = False
        o = cand_o[j]
        r = cand_r[j]
        trial[o] = r
        v, kind, q = _worst_box_impl(points, trial, empirical, value - tol)
        trial[o] = idx[o]
        evals += 1
        slot = n_pool % cap
        _add_box_impl(points, pool_q, pool_kind, pool_measure, pool_in, slot, kind, q, empirical)
        n_pool += 1
        if v < value - tol:
            return v, o, r, evals, n_pool
        # the violating box just found rules out other swaps too
        base = 0
        for i in range(k):
            if pool_in[slot, idx[i]]:
                base += 1
        for ci in range(nc):
            if alive[ci]:
                cnt = base + (1 if pool_in[slot, cand_r[ci]] else 0) - (1 if pool_in[slot, idx[cand_o[ci]]] else 0)
                lv = cnt * inv_k - pool_measure[slot] if kind == CLOSED else pool_measure[slot] - cnt * inv_k
                if lv >= value - tol:
                    alive[ci] = False
                elif lv > cand_lb[ci]:
                    cand_lb[ci] = lv
    return value, -1, -1, evals, n_pool


if AVAILABLE:
    _child_impl = numba.njit(cache=True, nogil=True)(_child_slab)
    _prune_impl = numba.njit(cache=True, nogil=True)(_prune_slab)
    _empirical_bound_impl = numba.njit(cache=True, nogil=True)(_empirical_bound)
    _sweep_impl = numba.njit(cache=True, nogil=True)(_sweep)
    _worst_box_impl = numba.njit(cache=True, nogil=True)(_worst_box)
    _add_box_impl = numba.njit(cache=True, nogil=True)(_add_box)
    _swap_step_impl = numba.njit(cache=True, nogil=True)(_swap_step)
else:  # pragma: no cover - plain Python, same results
    _child_impl, _prune_impl, _empirical_bound_impl = _child_slab, _prune_slab, _empirical_bound
    _sweep_impl, _worst_box_impl, _add_box_impl, _swap_step_impl = _sweep, _worst_box, _add_box, _swap_step


def worst_box(points: np.ndarray, idx: np.ndarray, empirical: bool = False, cutoff: float = np.inf) -> tuple[float, int, np.ndarray]:
    """Exact discrepancy of ``points[idx]`` (uniform, or against all of ``points`` when ``empirical``)
    and its worst box (value, kind CLOSED or OPEN, corner); stops early once a box reaches ``cutoff``.

    >>> import numpy as np
    >>> value, kind, corner = worst_box(np.array([[0.5, 0.5]]), np.array([0]))
    >>> round(value, 4), kind, corner.tolist()
    (0.75, 0, [0.5, 0.5])
    """
    x = np.ascontiguousarray(points, dtype=np.float64)
    return _worst_box_impl(x, np.ascontiguousarray(idx, dtype=np.int64), bool(empirical), float(cutoff))


class BoxPool:
    """The swap search's memory of boxes: corners, kinds, measures and the points each one holds.

    >>> import numpy as np
    >>> pts = np.random.default_rng(0).random((50, 4))
    >>> pool = BoxPool(pts, empirical=False)
    >>> value = pool.evaluate(np.arange(5))
    >>> new_value, pos, point = pool.step(np.arange(5), value, np.arange(5, 50))
    >>> pos == -1 or new_value < value
    True
    """

    def __init__(self, points: np.ndarray, empirical: bool, capacity: int | None = None, max_evals: int = 200) -> None:
        self.points = np.ascontiguousarray(points, dtype=np.float64)
        n, d = self.points.shape
        # about 32 MB of membership flags at most: enough boxes for the active region of the search
        cap = capacity or int(min(4096, max(256, (32 << 20) // max(n, 1))))
        self.q = np.zeros((cap, d))
        self.kind = np.zeros(cap, np.int64)
        self.measure = np.zeros(cap)
        self.inside = np.zeros((cap, n), np.bool_)
        self.count = 0
        self.empirical = bool(empirical)
        self.max_evals = int(max_evals)
        self.evaluations = 0

    def _add(self, kind: int, q: np.ndarray) -> None:
        _add_box_impl(self.points, self.q, self.kind, self.measure, self.inside, self.count % self.q.shape[0], kind, q, self.empirical)
        self.count += 1

    def evaluate(self, idx: np.ndarray) -> float:
        """Exact discrepancy of subset ``idx``; its worst box joins the pool."""
        value, kind, q = _worst_box_impl(self.points, np.ascontiguousarray(idx, dtype=np.int64), self.empirical, np.inf)
        self.evaluations += 1
        self._add(kind, q)
        return float(value)

    def step(self, idx: np.ndarray, value: float, free: np.ndarray, limit: int | None = None) -> tuple[float, int, int]:
        """(new value, position in ``idx``, incoming point) of an improving swap, position -1 if none;
        at most ``limit`` exact evaluations when given (what is left of a search's budget), else ``max_evals``."""
        cap = self.max_evals if limit is None else min(self.max_evals, int(limit))
        new, pos, point, evals, self.count = _swap_step_impl(
            self.points, np.ascontiguousarray(idx, dtype=np.int64), float(value), self.q, self.kind, self.measure, self.inside, self.count, np.ascontiguousarray(free, dtype=np.int64), self.empirical, cap
        )
        self.evaluations += evals
        return float(new), int(pos), int(point)
