"""Fixed-target and fixed-budget views, as COCO and IOHanalyzer show them.

A *target* is a normalized regret (or HV regret) a run should reach: ``0.01`` means "within 1% of
the task's reference range from its best value" (:mod:`carps.analysis.normalize`). The *runtime*
of a run to a target is the budget it had used when its incumbent first got to the target or below,
as a fraction of the run's budget (the normalized budget axis of the rest of the analysis; a
multi-fidelity trial counts ``fidelity / max fidelity``).

- **Success rate**: the share of runs that reached the target.
- **ERT** (expected running time, COCO's aRT): the budget all runs spent until they reached the
  target or stopped, divided by the number of runs that reached it,
  ``ERT = (sum of runtimes of successful runs + sum of lengths of unsuccessful runs) / successes``;
  infinite when no run succeeded. An ERT above 1 says that, on average, more than one run's budget
  is needed (a restart strategy would be). :func:`ert_table` also gives it in full-fidelity
  evaluations.
- **Runtime ECDF** over all (task, target) pairs: at each budget, the share of pairs whose target a
  run has reached, averaged over the seeds of a task and then over tasks, with a bootstrap band
  over tasks (COCO's empirical runtime distributions, without simulated restarts beyond the budget).
- **Fixed-budget quantiles**: at each budget of a grid, the 2%, 5%, 10%, 25%, 50%, 75%, 90%, 95%
  and 98% quantiles of the incumbent over runs (IOHanalyzer's fixed-budget table).

Every function takes the trajectory table of :mod:`carps.analysis.performance` (one row per trial,
runs contiguous, trials in order) or its ``over_budget`` curves; nothing loops over rows in Python.

>>> import pandas as pd
>>> traj = pd.DataFrame({"experiment": "e", "task_id": "t", "task_type": "blackbox", "optimizer": "o",
...     "seed": [1, 1, 2, 2], "run": [0, 0, 1, 1], "budget_fraction": [0.5, 1.0, 0.5, 1.0],
...     "incumbent": [0.2, 0.05, 0.5, 0.5]})
>>> ert_table(traj, targets=[0.1])[["target", "successes", "runs", "success_rate", "ert"]].to_dict("records")
[{'target': 0.1, 'successes': 1, 'runs': 2, 'success_rate': 0.5, 'ert': 2.0}]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from carps.analysis.performance import PER_RUN_KEYS, aggregate_over_budget

# the 1-2-5 ladder of normalized-regret targets for ERT and success-rate tables
TARGETS = (0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)
# finer, log-spaced targets for runtime ECDFs (10^-0.25 ... 10^-3), as COCO takes many targets per task
ECDF_TARGETS = tuple(float(v) for v in 10.0 ** -(np.arange(1, 13) / 4.0))
QUANTILES = (0.02, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.98)


def _blocks(trajectories: Any) -> tuple[np.ndarray, np.ndarray]:
    """First row and one-past-last row of each run's block (runs are contiguous)."""
    codes = trajectories["run"].to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, dtype=np.int64)
    return starts, np.r_[starts[1:], len(codes)].astype(np.int64)


def hitting_times(trajectories: Any, targets: Sequence[float] = TARGETS) -> Any:
    """Per run and target: whether the run reached it and at which budget fraction.

    Columns: ``experiment, task_id, task_type, optimizer, seed, target, hit, runtime`` (budget
    fraction at the first trial whose incumbent is ``<= target``; NaN if never), ``length`` (the
    budget fraction the run used in all). Rows: runs in table order, targets in the given order.
    """
    import pandas as pd

    t = trajectories
    targets = np.asarray(targets, dtype=float)
    starts, ends = _blocks(t)
    n_runs, n_targets = len(starts), len(targets)
    if n_runs == 0:
        return pd.DataFrame(columns=PER_RUN_KEYS + ["target", "hit", "runtime", "length"])
    b = t["budget_fraction"].to_numpy(dtype=float)
    y = t["incumbent"].to_numpy(dtype=float)
    rows = np.arange(len(y), dtype=np.int64)
    first = np.empty((n_runs, n_targets), dtype=np.int64)
    for j, target in enumerate(targets):
        # the first row of each block at or below the target (rows past the block's end mean "never")
        first[:, j] = np.minimum.reduceat(np.where(y <= target, rows, len(y)), starts)
    hit = first < ends[:, None]
    runtime = np.where(hit, b[np.minimum(first, len(y) - 1)], np.nan)
    meta = t.iloc[starts][PER_RUN_KEYS].reset_index(drop=True)
    out = meta.loc[np.repeat(np.arange(n_runs), n_targets)].reset_index(drop=True)
    out["target"] = np.tile(targets, n_runs)
    out["hit"] = hit.ravel()
    out["runtime"] = runtime.ravel()
    out["length"] = np.repeat(b[ends - 1], n_targets)
    return out


def _ert(frame: Any, keys: list[str]) -> Any:
    """ERT and success rate per ``keys`` group of a :func:`hitting_times` table."""
    spent = np.where(frame["hit"].to_numpy(), frame["runtime"].to_numpy(dtype=float), frame["length"].to_numpy(dtype=float))
    grouped = frame.assign(spent=spent, hits=frame["hit"].astype(np.int64)).groupby(keys, observed=True, sort=True)
    out = grouped.agg(successes=("hits", "sum"), runs=("hits", "size"), spent=("spent", "sum")).reset_index()
    out["success_rate"] = out["successes"] / out["runs"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ert"] = np.where(out["successes"] > 0, out["spent"] / out["successes"].clip(lower=1), np.inf)
    return out.drop(columns=["spent"])


def ert_table(trajectories: Any, runs: Any = None, targets: Sequence[float] = TARGETS) -> Any:
    """ERT and success rate per task, optimizer and target.

    Columns: ``task_type, task_id, optimizer, target, successes, runs, success_rate, ert`` (in run
    budgets, ``inf`` without a success) and, when ``runs`` (the runs table) is given, ``ert_evals``:
    the ERT in full-fidelity evaluations (times the task's budget).
    """
    hits = hitting_times(trajectories, targets)
    out = _ert(hits, ["task_type", "task_id", "optimizer", "target"])
    if runs is not None and len(out):
        budget = runs.groupby("task_id", observed=True)["budget"].median()
        out["ert_evals"] = out["ert"] * out["task_id"].astype(str).map({str(k): v for k, v in budget.items()}).astype(float).to_numpy()
    return out


def ert_summary(trajectories: Any, targets: Sequence[float] = TARGETS) -> Any:
    """ERT and success rate per task type, optimizer and target, every run of every task pooled.

    COCO pools the instances of a function this way; here the tasks of a task type play that role
    (runtimes are budget fractions, so tasks of different budgets pool fairly). Columns:
    ``task_type, optimizer, target, successes, runs, success_rate, ert``.
    """
    return _ert(hitting_times(trajectories, targets), ["task_type", "optimizer", "target"])


def budget_grid(trajectories: Any, n: int = 41) -> np.ndarray:
    """``n`` log-spaced budget fractions from the smallest first-trial budget (at least 1e-3) to 1."""
    starts, _ = _blocks(trajectories)
    b = trajectories["budget_fraction"].to_numpy(dtype=float)[starts] if len(starts) else np.array([0.01])
    low = float(np.clip(np.nanmin(b[b > 0]) if (b > 0).any() else 0.01, 1e-3, 1.0))
    return np.geomspace(low, 1.0, n) if low < 1.0 else np.array([1.0])


def runtime_ecdf(
    trajectories: Any,
    targets: Sequence[float] = ECDF_TARGETS,
    grid: Sequence[float] | int = 41,
    by: Sequence[str] = ("task_type",),
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> Any:
    """ECDF of runtimes over all (task, target) pairs per ``by`` group and optimizer, with bootstrap bands.

    At each budget fraction of ``grid`` (or of ``grid`` log-spaced points, :func:`budget_grid`): the
    share of targets a run has reached, averaged over the seeds of each task, then over tasks; the
    band is a percentile bootstrap over tasks (``n_boot`` resamples).
    Columns: ``*by, optimizer, budget_fraction, fraction, ci_low, ci_high``.
    """
    import pandas as pd

    by = list(by)
    grid = budget_grid(trajectories, grid) if isinstance(grid, int) else np.asarray(grid, dtype=float)
    hits = hitting_times(trajectories, targets)
    n_targets = len(targets)
    if len(hits) == 0:
        return pd.DataFrame(columns=by + ["optimizer", "budget_fraction", "fraction", "ci_low", "ci_high"])
    runtime = np.where(hits["hit"].to_numpy(), hits["runtime"].to_numpy(dtype=float), np.inf).reshape(-1, n_targets)
    # share of the run's targets reached by each budget: runs x grid
    reached = (runtime[:, :, None] <= grid[None, None, :] + 1e-12).mean(axis=1)
    meta = hits.iloc[::n_targets][list(dict.fromkeys(by + ["optimizer", "task_id"]))].reset_index(drop=True)
    long = meta.loc[np.repeat(np.arange(len(meta)), len(grid))].reset_index(drop=True)
    long["budget_fraction"] = np.tile(grid, len(meta))
    long["incumbent"] = reached.ravel()
    out = aggregate_over_budget(long, by, n_boot=n_boot, level=level, seed=seed)
    return out.rename(columns={"mean": "fraction"})


def fixed_budget_quantiles(curves: Any, by: Sequence[str] = ("task_type",), quantiles: Sequence[float] = QUANTILES) -> Any:
    """Quantiles of the incumbent over runs at each budget fraction, per ``by`` group and optimizer.

    ``curves`` is :func:`carps.analysis.performance.over_budget` output (every run on one grid); with
    ``by=("task_type", "task_id")`` the quantiles are per task, with the default over all runs of a
    task type. Columns: ``*by, optimizer, budget_fraction, n_runs, mean, q02, q05, ..., q98``.
    """
    import pandas as pd

    keys = list(dict.fromkeys(list(by) + ["optimizer", "budget_fraction"]))
    grouped = curves.groupby(keys, observed=True, sort=True)["incumbent"]
    qs = grouped.quantile(list(quantiles)).unstack(-1)
    qs.columns = [f"q{round(q * 100):02d}" for q in quantiles]
    stats = grouped.agg(n_runs="size", mean="mean")
    return pd.concat([stats, qs], axis=1).reset_index()
