"""Normalize step: each task's costs to [0, 1] between reference bounds, and incumbent trajectories.

Convention used everywhere in :mod:`carps.analysis`: a normalized value is a *normalized regret*,
``0`` = the best reference value of the task, ``1`` = the worst. Lower is better.

Reference bounds of a task (per objective, in minimization form) come from every run of that task
in the table (all experiments and optimizers together): the best and worst cost any eligible trial
reached. A known optimum (an objective's ``lower`` bound for minimized, ``upper`` for maximized
objectives, e.g. BBOB's f_opt) replaces the best seen when it is not worse.

Eligible trials are the successful ones that meet their task's constraints (``feasible``); on multi-fidelity tasks only trials at the highest
fidelity their run reached count, since an incumbent is judged at full fidelity. The incumbent of a
run after a trial is the best normalized cost among its eligible trials so far (1 before the first).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

RUN_KEYS = ["experiment", "task_id", "optimizer", "seed"]


def run_codes(trials: Any) -> np.ndarray:
    """An integer id per run (``experiment, task_id, optimizer, seed``) for every trial row."""
    return trials.groupby(RUN_KEYS, observed=True, sort=False).ngroup().to_numpy()


def eligible(trials: Any, codes: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of trials that may become incumbents (ok and feasible; at the run's top fidelity on MF tasks)."""
    ok = (trials["status"] == "ok").to_numpy()
    if "feasible" in trials.columns:
        # only an explicit False excludes a trial: tables gathered before constraints existed have none
        ok = ok & np.asarray(trials["feasible"].to_numpy() != False, dtype=bool)  # noqa: E712
    fid = trials["fidelity"].to_numpy(dtype=float)
    has_fid = ~np.isnan(fid)
    if not has_fid.any():
        return ok
    codes = run_codes(trials) if codes is None else codes
    top = np.full(codes.max() + 1, -np.inf)
    np.maximum.at(top, codes[ok & has_fid], fid[ok & has_fid])
    return ok & (~has_fid | (fid >= top[codes] - 1e-12))


def known_bounds(runs: Any, objective: int = 0) -> dict[str, float]:
    """Known best cost (minimization form) of objective ``objective`` per task, where the task states one.

    >>> import pandas as pd
    >>> runs = pd.DataFrame({"task_id": ["t"], "objectives": ['[{"name": "acc", "minimize": false, "lower": 0, "upper": 1}]']})
    >>> known_bounds(runs)
    {'t': -1.0}
    """
    out: dict[str, float] = {}
    for task_id, text in runs.drop_duplicates("task_id")[["task_id", "objectives"]].itertuples(index=False):
        objs = json.loads(text) if isinstance(text, str) else []
        if len(objs) <= objective:
            continue
        o = objs[objective]
        best = o.get("lower") if o.get("minimize", True) else (None if o.get("upper") is None else -o["upper"])
        if best is not None:
            out[str(task_id)] = float(best)
    return out


def reference_bounds(trials: Any, runs: Any, objective: int = 0, mask: np.ndarray | None = None) -> Any:
    """Per task: ``best`` (0 after normalization) and ``worst`` (1) cost of objective ``objective``.

    Columns: ``task_id, best_seen, worst, known_best, best``.
    """
    import pandas as pd

    col = f"cost_{objective}"
    mask = eligible(trials) if mask is None else mask
    cost = trials[col].to_numpy(dtype=float)
    finite = mask & np.isfinite(cost)
    codes, cats = _factorize(trials["task_id"])
    best = np.full(len(cats), np.inf)
    worst = np.full(len(cats), -np.inf)
    np.minimum.at(best, codes[finite], cost[finite])
    np.maximum.at(worst, codes[finite], cost[finite])
    seen = np.isfinite(best)  # tasks with at least one eligible trial
    bounds = pd.DataFrame({"task_id": np.asarray(cats, dtype=object)[seen], "best_seen": best[seen], "worst": worst[seen]})
    known = known_bounds(runs, objective)
    bounds["known_best"] = bounds["task_id"].map(known).astype(float)
    use_known = bounds["known_best"].notna() & (bounds["known_best"] <= bounds["best_seen"])
    bounds["best"] = bounds["known_best"].where(use_known, bounds["best_seen"])
    return bounds


def normalize(values: np.ndarray, best: np.ndarray, worst: np.ndarray) -> np.ndarray:
    """``(values - best) / (worst - best)`` clipped to [0, 1]; a task without spread maps to 0.

    >>> normalize(np.array([1.0, 2.0, 3.0]), np.array([1.0]), np.array([3.0]))
    array([0. , 0.5, 1. ])
    """
    span = worst - best
    safe = np.where(span > 0, span, 1.0)
    return np.clip(np.where(span > 0, (values - best) / safe, 0.0), 0.0, 1.0)


def normalized_costs(trials: Any, runs: Any, objective: int = 0, mask: np.ndarray | None = None) -> np.ndarray:
    """Normalized regret of every trial's objective ``objective`` (NaN for trials that are not eligible)."""
    mask = eligible(trials) if mask is None else mask
    bounds = reference_bounds(trials, runs, objective, mask).set_index("task_id")
    codes, cats = _factorize(trials["task_id"])
    best = bounds["best"].reindex(cats).to_numpy(dtype=float)[codes]
    worst = bounds["worst"].reindex(cats).to_numpy(dtype=float)[codes]
    out = normalize(trials[f"cost_{objective}"].to_numpy(dtype=float), best, worst)
    out[~mask] = np.nan
    return out


def _factorize(column: Any) -> tuple[np.ndarray, list[str]]:
    """Integer codes and string labels of a (categorical or plain) column."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), [str(c) for c in column.cat.categories]
    codes, cats = pd.factorize(column)
    return codes, [str(c) for c in cats]


def _segment_fmin_accumulate(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Running minimum within each run (rows of a run contiguous and in trial order)."""
    import pandas as pd

    return pd.Series(values).groupby(codes, sort=False).cummin().to_numpy()


def single_objective(trials: Any) -> Any:
    """The trials of single-objective tasks (blackbox, multifidelity)."""
    from carps.analysis.gather import MULTI_OBJECTIVE_TYPES

    return trials[~trials["task_type"].isin(MULTI_OBJECTIVE_TYPES)]


def incumbent_trajectories(trials: Any, runs: Any) -> Any:
    """One row per trial of single-objective tasks with its normalized cost and the run's incumbent.

    Columns: ``experiment, task_id, task_type, family, optimizer, seed, trial, budget_fraction,
    value`` (normalized regret of this trial, NaN if not eligible), ``incumbent`` (best so far, 1
    before the first eligible trial). Rows are ordered by run, then trial.

    >>> import pandas as pd
    >>> trials = pd.DataFrame({"experiment": "e", "task_id": "blackbox/toy/t", "task_type": "blackbox", "family": "toy",
    ...     "optimizer": "o", "seed": 1, "trial": [0, 1, 2], "status": "ok", "fidelity": float("nan"),
    ...     "budget_fraction": [1/3, 2/3, 1.0], "cost_0": [3.0, 5.0, 1.0]})
    >>> runs = pd.DataFrame({"task_id": ["blackbox/toy/t"], "objectives": ['[{"name": "y"}]']})
    >>> incumbent_trajectories(trials, runs)["incumbent"].tolist()
    [0.5, 0.5, 0.0]
    """
    so = single_objective(trials)
    codes = run_codes(so)
    # rows in the order results came in (budget rises with each): a parallel run finishes trials out of ask order
    if not _is_sorted(so["budget_fraction"].to_numpy(dtype=float), so["trial"].to_numpy(), codes):
        so = so.sort_values(RUN_KEYS + ["budget_fraction", "trial"], kind="stable")
        codes = run_codes(so)
    mask = eligible(so, codes)
    value = normalized_costs(so, runs, 0, mask)
    filled = np.where(np.isnan(value), 1.0, value)
    columns = ["experiment", "task_id", "task_type", "family", "optimizer", "seed", "trial", "budget_fraction"]
    out = so[columns + (["sim_end"] if "sim_end" in so.columns else [])].copy()  # parallel runs' clock rides along
    out["value"] = value
    out["incumbent"] = _segment_fmin_accumulate(filled, codes)
    out["run"] = codes
    return out.reset_index(drop=True)


def _is_sorted(budget: np.ndarray, trial: np.ndarray, codes: np.ndarray) -> bool:
    """Whether each run's rows are one contiguous block in rising (budget, trial) order (as gather() writes them)."""
    if len(trial) < 2:
        return True
    same = codes[1:] == codes[:-1]
    n_blocks = int((~same).sum()) + 1
    rising = (budget[1:] > budget[:-1]) | ((budget[1:] == budget[:-1]) & (trial[1:] > trial[:-1]))
    return bool(np.all(rising[same]) and n_blocks == codes.max() + 1)


def normalized_final_performance(trials: Any, runs: Any) -> Any:
    """Final performance of every single-objective run, raw and normalized (stable API, used by subsets).

    Columns: ``task_id, task_type, optimizer, seed, final`` (best eligible cost, minimization form),
    ``normalized`` (its normalized regret in [0, 1], lower is better). Runs without any successful
    trial are left out.
    """
    import pandas as pd

    so = single_objective(trials)
    codes = run_codes(so)
    mask = eligible(so, codes)
    value = normalized_costs(so, runs, 0, mask)
    cost = np.where(mask, so["cost_0"].to_numpy(dtype=float), np.nan)
    frame = pd.DataFrame({"run": codes, "final": cost, "normalized": value})
    agg = frame.groupby("run", sort=True).agg(final=("final", "min"), normalized=("normalized", "min"))
    keys = so[["task_id", "task_type", "optimizer", "seed"]].groupby(codes, sort=True).first()
    out = pd.concat([keys, agg], axis=1)
    out = out[np.isfinite(out["final"].to_numpy(dtype=float))]
    return out.reset_index(drop=True)
