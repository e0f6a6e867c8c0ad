"""Performance step: final and anytime performance per run, performance over budget, bootstrap CIs.

All functions take a *trajectory* table: one row per trial with ``experiment, task_id, task_type,
optimizer, seed, run, budget_fraction, incumbent`` (normalized regret, lower is better), rows of a
run contiguous and in trial order. :func:`carps.analysis.normalize.incumbent_trajectories` makes one
for single-objective tasks, :func:`carps.analysis.hypervolume.hypervolume_trajectories` for
multi-objective ones (regret = 1 - HV / reference HV).

Anytime performance is the area under the incumbent curve over normalized budget [0, 1]. The curve
is a step function: 1 until the first trial ends, then the incumbent after each trial until the next
trial ends, and the last incumbent until the budget is spent (a run stopped early keeps its result).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

PER_RUN_KEYS = ["experiment", "task_id", "task_type", "optimizer", "seed"]


def anytime_auc(budget_fraction: np.ndarray, incumbent: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Area under each run's step curve over [0, 1]; one value per run code ``0..max(codes)``.

    >>> anytime_auc(np.array([0.5, 1.0]), np.array([0.4, 0.2]), np.array([0, 0]))  # 0.5*1 + 0.5*0.4
    array([0.7])
    """
    b = np.clip(np.asarray(budget_fraction, dtype=float), 0.0, 1.0)
    y = np.asarray(incumbent, dtype=float)
    codes = np.asarray(codes)
    n_runs = int(codes.max()) + 1 if len(codes) else 0
    last = np.r_[codes[1:] != codes[:-1], True]
    first = np.r_[True, codes[1:] != codes[:-1]]
    # y_i holds from b_i to the next trial's b (or 1 after the run's last trial)
    nxt = np.where(last, 1.0, np.r_[b[1:], 1.0])
    area = np.bincount(codes, weights=y * np.maximum(nxt - b, 0.0), minlength=n_runs)
    area += np.bincount(codes[first], weights=b[first], minlength=n_runs)  # worst (1) before the first trial
    return area


def per_run(trajectories: Any) -> Any:
    """Final (last incumbent) and anytime (AUC) normalized performance of every run.

    Columns: ``experiment, task_id, task_type, optimizer, seed, final, auc``.
    """
    t = trajectories
    codes = t["run"].to_numpy()
    if len(codes) == 0:
        import pandas as pd

        return pd.DataFrame(columns=PER_RUN_KEYS + ["final", "auc"])
    last = np.r_[codes[1:] != codes[:-1], True]
    out = t.loc[last, PER_RUN_KEYS].reset_index(drop=True)
    out["final"] = t["incumbent"].to_numpy()[last]
    out["auc"] = anytime_auc(t["budget_fraction"].to_numpy(), t["incumbent"].to_numpy(), codes)[codes[last]]
    return out


def over_budget(trajectories: Any, grid: Sequence[float] | int = 21) -> Any:
    """The incumbent of every run at each budget fraction of ``grid`` (or of ``grid`` evenly spaced points).

    Columns: ``experiment, task_id, task_type, optimizer, seed, budget_fraction, incumbent``; before a
    run's first trial the value is 1.
    """
    import pandas as pd

    grid = np.linspace(0.0, 1.0, grid) if isinstance(grid, int) else np.asarray(grid, dtype=float)
    t = trajectories
    codes = t["run"].to_numpy()
    if len(codes) == 0:
        return pd.DataFrame(columns=PER_RUN_KEYS + ["budget_fraction", "incumbent"])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    b = t["budget_fraction"].to_numpy(dtype=float)
    y = t["incumbent"].to_numpy(dtype=float)
    # one global search: runs are contiguous blocks and budget rises within a block, so offset each
    # block by its index to make the whole key sorted
    block = np.repeat(np.arange(len(starts)), ends - starts)
    key = block * 4.0 + np.clip(b, -1.0, 2.0)
    query = (np.arange(len(starts))[:, None] * 4.0 + grid[None, :] + 1e-9).ravel()
    pos = np.searchsorted(key, query, side="right") - 1
    qblock = np.repeat(np.arange(len(starts)), len(grid))
    inside = (pos >= 0) & (block[np.maximum(pos, 0)] == qblock)
    values = np.where(inside, y[np.maximum(pos, 0)], 1.0)
    meta = t.iloc[starts][PER_RUN_KEYS].reset_index(drop=True)
    out = meta.loc[np.repeat(np.arange(len(starts)), len(grid))].reset_index(drop=True)
    out["budget_fraction"] = np.tile(grid, len(starts))
    out["incumbent"] = values
    return out


def bootstrap_ci(values: np.ndarray, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``values`` with a percentile bootstrap confidence interval ``(mean, low, high)``.

    >>> m, lo, hi = bootstrap_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> m, lo <= m <= hi
    (2.5, True)
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    if len(x) == 1:
        return float(x[0]), float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    # resample in slabs to keep memory bounded for thousands of tasks
    means = np.empty(n_boot)
    step = max(1, (1 << 22) // len(x))
    for s in range(0, n_boot, step):
        k = min(step, n_boot - s)
        means[s : s + k] = x[rng.integers(0, len(x), size=(k, len(x)))].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(x.mean()), float(lo), float(hi)


def per_task(runs_perf: Any, metric: str = "final") -> Any:
    """Mean of ``metric`` over seeds per (task, optimizer): ``task_type, task_id, optimizer, score, n_seeds``."""
    return (
        runs_perf.groupby(["task_type", "task_id", "optimizer"], observed=True)[metric]
        .agg(score="mean", n_seeds="count")
        .reset_index()
    )


def summarize(runs_perf: Any, metric: str = "final", n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> Any:
    """Mean ``metric`` per task type and optimizer with a bootstrap CI over tasks (seed means first).

    Columns: ``task_type, optimizer, mean, ci_low, ci_high, n_tasks``.
    """
    import pandas as pd

    tasks = per_task(runs_perf, metric)
    rows = []
    for (ttype, opt), group in tasks.groupby(["task_type", "optimizer"], observed=True):
        mean, lo, hi = bootstrap_ci(group["score"].to_numpy(), n_boot, level, seed)
        rows.append({"task_type": ttype, "optimizer": opt, "mean": mean, "ci_low": lo, "ci_high": hi, "n_tasks": len(group)})
    return pd.DataFrame(rows, columns=["task_type", "optimizer", "mean", "ci_low", "ci_high", "n_tasks"]).sort_values(["task_type", "mean"]).reset_index(drop=True)


def aggregate_over_budget(curves: Any, by: Sequence[str] = ("task_type",), n_boot: int = 200, level: float = 0.95, seed: int = 0) -> Any:
    """Mean incumbent over budget per ``by`` + optimizer (seeds averaged per task first) with bootstrap CIs over tasks.

    Columns: ``*by, optimizer, budget_fraction, mean, ci_low, ci_high``.
    """
    import pandas as pd

    by = list(by)
    keys = list(dict.fromkeys(by + ["optimizer", "task_id", "budget_fraction"]))
    tasks = curves.groupby(keys, observed=True, sort=True)["incumbent"].mean().reset_index()
    grid = np.sort(tasks["budget_fraction"].unique())
    rows = []
    alpha = (1.0 - level) / 2.0
    for key, group in tasks.groupby(by + ["optimizer"], observed=True, sort=True):
        # rows are sorted by task, then budget: a tasks x budget matrix (over_budget gives every run the whole grid)
        if len(group) % len(grid) or not np.array_equal(group["budget_fraction"].to_numpy()[: len(grid)], grid):
            mat = group.pivot_table(index="task_id", columns="budget_fraction", values="incumbent", observed=True).reindex(columns=grid)
            x = mat.to_numpy()
        else:
            x = group["incumbent"].to_numpy().reshape(-1, len(grid))
        rng = np.random.default_rng(seed)
        # the NaN-aware functions copy the resamples and take quantiles column by column; without a
        # NaN (every run covers the grid) the plain ones give the same numbers in a fraction of the time
        gaps = bool(np.isnan(x).any())
        mean_of, quantile_of = (np.nanmean, np.nanquantile) if gaps else (np.mean, np.quantile)
        if len(x) > 1:
            idx = rng.integers(0, len(x), size=(n_boot, len(x)))
            boots = mean_of(x[idx], axis=1)
            lo, hi = quantile_of(boots, [alpha, 1.0 - alpha], axis=0)
        else:
            lo = hi = x[0]
        mean = mean_of(x, axis=0)
        key = key if isinstance(key, tuple) else (key,)
        for j, frac in enumerate(grid):
            rows.append((*key, frac, mean[j], lo[j], hi[j]))
    return pd.DataFrame(rows, columns=by + ["optimizer", "budget_fraction", "mean", "ci_low", "ci_high"])
