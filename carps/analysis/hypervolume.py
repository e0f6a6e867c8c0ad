"""Multi-objective step: hypervolume over the trial budget, with per-task normalization and reference point.

Per task (all runs of all experiments together, plus the known Pareto front when the benchmark gives
one), each objective in minimization form is scaled to [0, 1] between the *ideal* (best value seen or
known) and the *nadir* (worst value seen among eligible trials or on the known front). The reference
point is ``1 + margin`` in every normalized objective (default 1.1, so points on the nadir still add
volume). The *reference hypervolume* of a task is the hypervolume of the non-dominated union of all
its runs' points and the known front.

Eligible points are those of successful trials that meet their task's constraints (infeasible points
never count, neither in a run's hypervolume nor in a task's reference front or nadir).

A run's hypervolume trajectory is the hypervolume of its eligible points so far after each trial; its
*HV regret* is ``1 - HV / reference HV`` in [0, 1] (0 = as good as everything seen, 1 = nothing yet).
The regret trajectory has the same columns as single-objective incumbent trajectories, so final and
anytime performance, ranks and CD diagrams work on it unchanged.

Hypervolumes are computed with `moocore <https://multi-objective.github.io/moocore/python/>`_.
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Callable, Mapping

import numpy as np

from carps.analysis.normalize import RUN_KEYS, eligible, run_codes

DEFAULT_MARGIN = 0.1
# Exact hypervolume grows exponentially with the number of objectives: from this many objectives and
# points on, a seeded Monte-Carlo estimate (moocore's hv_approx, about 0.3% error) is used instead.
APPROX_MIN_OBJECTIVES = 6
APPROX_MIN_POINTS = 64
APPROX_SAMPLES = 1 << 17


def hypervolume(points: np.ndarray, ref: np.ndarray | float) -> float:
    """Hypervolume dominated by ``points`` (minimization) and bounded by ``ref``; points beyond ``ref`` add nothing.

    Exact, except for large sets in 6 or more objectives (a known 8-objective DTLZ7 front has
    thousands of points), where a seeded, deterministic estimate keeps it to a fraction of a second.

    >>> hypervolume(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0]))
    3.0
    """
    from carps.core.errors import require

    moocore = require("moocore", "mo")
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    ref = np.broadcast_to(np.asarray(ref, dtype=float), (pts.shape[1],))
    pts = pts[np.all(pts < ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    if pts.shape[1] >= APPROX_MIN_OBJECTIVES and len(pts) >= APPROX_MIN_POINTS:
        return float(moocore.hv_approx(pts, ref=ref, nsamples=APPROX_SAMPLES, seed=0))
    return float(moocore.hypervolume(pts, ref=ref))


def nondominated(points: np.ndarray) -> np.ndarray:
    """The non-dominated rows of ``points`` (minimization; duplicates kept once)."""
    from carps.core.errors import require

    moocore = require("moocore", "mo")
    pts = np.unique(np.atleast_2d(np.asarray(points, dtype=float)), axis=0)
    if len(pts) <= 1:
        return pts
    return pts[moocore.is_nondominated(pts)]


def known_front(task_id: str) -> np.ndarray | None:
    """The known Pareto front of a task (minimization form) where its benchmark provides one, else None.

    A benchmark family provides fronts with a function ``known_front(task_id)`` in the module of its
    class (the pymoo family does: ``carps.benchmarks.pymoo_problems.known_front``). Only that module is
    imported; tasks are never built here, so families without fronts (e.g. surrogates) cost nothing.
    """
    try:
        from carps.core.registry import get_registry

        entry = get_registry().benchmarks.get(task_id.split("/")[1]) if task_id.count("/") >= 2 else None
        if entry is None:
            return None
        hook = getattr(importlib.import_module(entry.target.rpartition(".")[0]), "known_front", None)
        front = hook(task_id) if callable(hook) else None
    except Exception:  # the family's extra is missing, or it has no front for this task
        return None
    return None if front is None else np.atleast_2d(np.asarray(front, dtype=float))


def n_objectives(runs: Any) -> dict[str, int]:
    """Number of objectives per task id, from the runs table."""
    out = {}
    for task_id, text in runs.drop_duplicates("task_id")[["task_id", "objectives"]].itertuples(index=False):
        objs = json.loads(text) if isinstance(text, str) else []
        if objs:
            out[str(task_id)] = len(objs)
    return out


def objective_labels(runs: Any) -> dict[str, list[str]]:
    """Axis labels of each task's costs: the objective name, negated (``-acc``) where it is maximized."""
    out = {}
    for task_id, text in runs.drop_duplicates("task_id")[["task_id", "objectives"]].itertuples(index=False):
        objs = json.loads(text) if isinstance(text, str) else []
        out[str(task_id)] = [o["name"] if o.get("minimize", True) else f"-{o['name']}" for o in objs]
    return out


def multi_objective(trials: Any) -> Any:
    """The trials of multi-objective tasks (multiobjective, momf)."""
    from carps.analysis.gather import MULTI_OBJECTIVE_TYPES

    return trials[trials["task_type"].isin(MULTI_OBJECTIVE_TYPES)]


def task_references(
    trials: Any,
    runs: Any,
    known_fronts: Mapping[str, np.ndarray | None] | Callable[[str], np.ndarray | None] | None = known_front,
    margin: float = DEFAULT_MARGIN,
) -> dict[str, dict[str, Any]]:
    """Per multi-objective task: ``ideal``, ``nadir``, ``ref`` (normalized), ``reference_hv`` and ``front``.

    ``known_fronts`` is a mapping or a function from task id to a front (None: use runs only).
    """
    mo = multi_objective(trials)
    m_of = n_objectives(runs)
    mask = eligible(mo)
    out: dict[str, dict[str, Any]] = {}
    for task_id, idx in mo.groupby("task_id", observed=True).indices.items():
        task_id = str(task_id)
        m = m_of.get(task_id, 0)
        if m < 2:
            continue
        pts = mo[[f"cost_{i}" for i in range(m)]].to_numpy(dtype=float)[idx][mask[idx]]
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        front = known_fronts.get(task_id) if isinstance(known_fronts, Mapping) else (known_fronts(task_id) if known_fronts else None)
        if front is not None:
            front = np.atleast_2d(np.asarray(front, dtype=float))
            if front.shape[1] != m:
                front = None
        both = pts if front is None else np.vstack([pts, front])
        if len(both) == 0:
            continue
        ideal = both.min(axis=0)
        nadir = both.max(axis=0)
        span = np.where(nadir - ideal > 0, nadir - ideal, 1.0)
        ref = np.full(m, 1.0 + margin)
        union = nondominated((both - ideal) / span)
        out[task_id] = {"ideal": ideal, "nadir": nadir, "span": span, "ref": ref, "reference_hv": hypervolume(union, ref), "front": front, "n_obj": m}
    return out


def hypervolume_trajectories(
    trials: Any,
    runs: Any,
    known_fronts: Mapping[str, np.ndarray | None] | Callable[[str], np.ndarray | None] | None = known_front,
    margin: float = DEFAULT_MARGIN,
    references: dict[str, dict[str, Any]] | None = None,
) -> Any:
    """One row per trial of multi-objective tasks with the run's hypervolume and HV regret so far.

    Columns: ``experiment, task_id, task_type, family, optimizer, seed, trial, budget_fraction,
    hypervolume`` (normalized space), ``incumbent`` (HV regret, lower is better), ``run``.
    """
    mo = multi_objective(trials)
    # in the order results came in: a parallel run finishes trials out of ask order (budget rises with each)
    mo = mo.sort_values(RUN_KEYS + ["budget_fraction", "trial"], kind="stable")
    refs = task_references(trials, runs, known_fronts, margin) if references is None else references
    codes = run_codes(mo)
    mask = eligible(mo, codes)
    n = len(mo)
    hv = np.zeros(n)
    task_of = mo["task_id"].astype(str).to_numpy()
    max_m = max((r["n_obj"] for r in refs.values()), default=0)
    costs = mo[[f"cost_{i}" for i in range(max_m)]].to_numpy(dtype=float) if max_m else np.zeros((n, 0))
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if n else np.array([], dtype=int)
    ends = np.r_[starts[1:], n]
    reference_hv = np.full(n, np.nan)
    for s, e in zip(starts, ends):
        ref = refs.get(task_of[s])
        if ref is None:
            continue
        m = ref["n_obj"]
        reference_hv[s:e] = ref["reference_hv"]
        pts = (costs[s:e, :m] - ref["ideal"]) / ref["span"]
        front = np.empty((0, m))
        current = 0.0
        for i in range(e - s):
            p = pts[i]
            if mask[s + i] and np.all(np.isfinite(p)) and np.all(p < ref["ref"]):
                # only a point not weakly dominated by the current front changes the hypervolume
                if not np.any(np.all(front <= p, axis=1)):
                    front = np.vstack([front[~np.all(p <= front, axis=1)], p])
                    current = hypervolume(front, ref["ref"])
            hv[s + i] = current
    out = mo[["experiment", "task_id", "task_type", "family", "optimizer", "seed", "trial", "budget_fraction"]].copy()
    out["hypervolume"] = hv
    with np.errstate(invalid="ignore", divide="ignore"):
        regret = np.where(reference_hv > 0, 1.0 - hv / np.where(reference_hv > 0, reference_hv, 1.0), 1.0)
    out["incumbent"] = np.clip(regret, 0.0, 1.0)
    out["run"] = codes
    keep = ~np.isnan(reference_hv)
    out = out[keep].reset_index(drop=True)
    out["run"] = run_codes(out) if len(out) else out["run"]
    return out


def final_regrets(
    trials: Any,
    runs: Any,
    known_fronts: Mapping[str, np.ndarray | None] | Callable[[str], np.ndarray | None] | None = known_front,
    margin: float = DEFAULT_MARGIN,
    references: dict[str, dict[str, Any]] | None = None,
) -> Any:
    """The final HV regret of every multi-objective run: the last value of its trajectory, from one
    hypervolume per run instead of one per improving trial.

    This is what a performance matrix over tens of thousands of runs needs; it equals the last row of
    :func:`hypervolume_trajectories` for each run (up to the seeded estimate in 6 or more objectives).
    Columns: ``experiment, task_id, task_type, optimizer, seed, final``.
    """
    import pandas as pd

    mo = multi_objective(trials)
    refs = task_references(trials, runs, known_fronts, margin) if references is None else references
    codes = run_codes(mo)
    mask = eligible(mo, codes)
    max_m = max((r["n_obj"] for r in refs.values()), default=0)
    costs = mo[[f"cost_{i}" for i in range(max_m)]].to_numpy(dtype=float) if max_m else np.zeros((len(mo), 0))
    keys = mo[["experiment", "task_id", "task_type", "optimizer", "seed"]]
    rows = []
    for idx in mo.groupby(RUN_KEYS, observed=True, sort=True).indices.values():
        first = idx[0]
        ref = refs.get(str(keys["task_id"].iat[first]))
        if ref is None:
            continue
        m = ref["n_obj"]
        pts = (costs[idx, :m][mask[idx]] - ref["ideal"]) / ref["span"]
        pts = pts[np.all(np.isfinite(pts), axis=1) & np.all(pts < ref["ref"], axis=1)]
        value = hypervolume(nondominated(pts), ref["ref"]) if len(pts) else 0.0
        regret = 1.0 - value / ref["reference_hv"] if ref["reference_hv"] > 0 else 1.0
        rows.append((*keys.iloc[first].tolist(), float(np.clip(regret, 0.0, 1.0))))
    return pd.DataFrame(rows, columns=["experiment", "task_id", "task_type", "optimizer", "seed", "final"])


def final_fronts(trials: Any, runs: Any) -> Any:
    """The non-dominated eligible points of every multi-objective run (objectives in minimization form).

    Columns: ``experiment, task_id, optimizer, seed, cost_0, ..., cost_{m-1}``.
    """
    import pandas as pd

    mo = multi_objective(trials)
    m_of = n_objectives(runs)
    mask = eligible(mo)
    frames = []
    for key, idx in mo.groupby(RUN_KEYS, observed=True).indices.items():
        m = m_of.get(str(key[1]), 0)
        if m < 2:
            continue
        cols = [f"cost_{i}" for i in range(m)]
        pts = mo[cols].to_numpy(dtype=float)[idx][mask[idx]]
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        if len(pts) == 0:
            continue
        front = nondominated(pts)
        frame = pd.DataFrame(front, columns=cols)
        for k, v in zip(RUN_KEYS, key):
            frame.insert(RUN_KEYS.index(k), k, v)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=RUN_KEYS + ["cost_0", "cost_1"])
    return pd.concat(frames, ignore_index=True)
