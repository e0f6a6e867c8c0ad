"""Ranking step: ranks per task (seeds averaged first), average ranks per task type, rank over budget.

Ranks are computed among the optimizers that ran on a task type, over the tasks where every one of
them has a result (complete blocks, as the Friedman test needs); ``n_tasks`` says how many.
1 is best; ties share the average rank.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carps.analysis.performance import bootstrap_ci, per_task
from carps.analysis.stats import CDResult, cd_test, rank_rows


def score_matrix(runs_perf: Any, task_type: str, metric: str = "final") -> Any:
    """Tasks x optimizers matrix of seed-mean ``metric`` for one task type (complete rows only)."""
    tasks = per_task(runs_perf[runs_perf["task_type"] == task_type], metric)
    mat = tasks.pivot_table(index="task_id", columns="optimizer", values="score", observed=True)
    return mat.dropna(axis=0, how="any")


def ranks_per_task(runs_perf: Any, metric: str = "final") -> Any:
    """Long table ``task_type, task_id, optimizer, score, rank`` (rank 1 = best, per task)."""
    import pandas as pd

    frames = []
    for ttype in sorted(map(str, runs_perf["task_type"].unique())):
        mat = score_matrix(runs_perf, ttype, metric)
        if mat.empty:
            continue
        ranks = rank_rows(mat.to_numpy())
        long = pd.DataFrame(
            {
                "task_type": ttype,
                "task_id": np.repeat(mat.index.astype(str).to_numpy(), mat.shape[1]),
                "optimizer": np.tile(mat.columns.astype(str).to_numpy(), mat.shape[0]),
                "score": mat.to_numpy().ravel(),
                "rank": ranks.ravel(),
            }
        )
        frames.append(long)
    if not frames:
        return pd.DataFrame(columns=["task_type", "task_id", "optimizer", "score", "rank"])
    return pd.concat(frames, ignore_index=True)


def average_ranks(ranks: Any, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> Any:
    """Average rank per task type and optimizer with a bootstrap CI over tasks.

    Columns: ``task_type, optimizer, mean_rank, ci_low, ci_high, mean_score, n_tasks``; sorted best first.
    """
    import pandas as pd

    rows = []
    for (ttype, opt), group in ranks.groupby(["task_type", "optimizer"], observed=True):
        mean, lo, hi = bootstrap_ci(group["rank"].to_numpy(), n_boot, level, seed)
        rows.append({"task_type": ttype, "optimizer": opt, "mean_rank": mean, "ci_low": lo, "ci_high": hi, "mean_score": float(group["score"].mean()), "n_tasks": len(group)})
    cols = ["task_type", "optimizer", "mean_rank", "ci_low", "ci_high", "mean_score", "n_tasks"]
    return pd.DataFrame(rows, columns=cols).sort_values(["task_type", "mean_rank"]).reset_index(drop=True)


def critical_differences(runs_perf: Any, metric: str = "final", alpha: float = 0.05) -> dict[str, CDResult]:
    """Friedman test + Nemenyi CD per task type (task types with at least 2 optimizers)."""
    out = {}
    for ttype in sorted(map(str, runs_perf["task_type"].unique())):
        mat = score_matrix(runs_perf, ttype, metric)
        if mat.shape[1] >= 2 and mat.shape[0] >= 1:
            out[ttype] = cd_test(mat.to_numpy(), [str(c) for c in mat.columns], alpha)
    return out


def rank_over_budget(curves: Any) -> Any:
    """Average rank at each budget fraction per task type (from :func:`performance.over_budget` curves).

    Columns: ``task_type, optimizer, budget_fraction, mean_rank, n_tasks``.
    """
    import pandas as pd

    means = curves.groupby(["task_type", "task_id", "budget_fraction", "optimizer"], observed=True)["incumbent"].mean()
    wide = means.unstack("optimizer")
    frames = []
    for ttype, block in wide.groupby(level="task_type", observed=True):
        block = block.dropna(axis=1, how="all").dropna(axis=0, how="any")
        if block.empty:
            continue
        ranks = pd.DataFrame(rank_rows(block.to_numpy()), index=block.index, columns=block.columns)
        agg = ranks.groupby(level="budget_fraction").agg("mean")
        n = ranks.groupby(level="budget_fraction").size()
        long = agg.stack().rename("mean_rank").reset_index()
        long["n_tasks"] = long["budget_fraction"].map(n)
        long.insert(0, "task_type", ttype)
        frames.append(long)
    if not frames:
        return pd.DataFrame(columns=["task_type", "optimizer", "budget_fraction", "mean_rank", "n_tasks"])
    out = pd.concat(frames, ignore_index=True)
    return out[["task_type", "optimizer", "budget_fraction", "mean_rank", "n_tasks"]]


def optimizer_correlation(runs_perf: Any, task_type: str, metric: str = "final") -> Any:
    """Spearman rank correlation between optimizers across the tasks of a task type (optimizers x optimizers).

    Computed on the seed-mean ``metric`` of the tasks every optimizer ran (:func:`score_matrix`). A
    high value says two optimizers find the same tasks easy and the same tasks hard; a low one that
    they complement each other. NaN where an optimizer's score is the same on every task.

    >>> import pandas as pd
    >>> runs = pd.DataFrame({"task_type": "bb", "task_id": ["t1", "t2", "t3"] * 2, "optimizer": ["a"] * 3 + ["b"] * 3,
    ...     "seed": 1, "final": [0.1, 0.5, 0.9, 0.2, 0.3, 0.8]})
    >>> optimizer_correlation(runs, "bb").loc["a", "b"]
    np.float64(1.0)
    """
    mat = score_matrix(runs_perf, task_type, metric)
    mat.columns = [str(c) for c in mat.columns]
    # pandas ranks each column (ties averaged) and takes Pearson's r of the ranks: Spearman's rho
    return mat.corr(method="spearman")
