"""Final performance, per-task normalization and average ranks (single-objective tasks)."""

from __future__ import annotations

import json
from typing import Any


def final_performance(trials: Any, runs: Any) -> Any:
    """Best cost per run (``task_id, task_type, optimizer, seed, final``) for single-objective tasks.

    On multi-fidelity tasks only trials at the highest fidelity a run reached count, as an
    incumbent is judged at full fidelity.
    """
    import numpy as np

    ok = trials[(trials["status"] == "ok") & (~trials["task_type"].isin(["multiobjective", "momf"]))]
    if ok["fidelity"].notna().any():
        top = ok.groupby(["task_id", "optimizer", "seed"], observed=True)["fidelity"].transform("max")
        ok = ok[ok["fidelity"].isna() | (ok["fidelity"] >= top - 1e-12)]
    final = ok.groupby(["task_id", "task_type", "optimizer", "seed"], observed=True)["cost_0"].min().reset_index(name="final")
    return final[np.isfinite(final["final"])]


def normalize_final(final: Any, runs: Any) -> Any:
    """Scale each task's finals to [0, 1]: 0 = best known (optimum when the task gives one), 1 = worst seen."""
    lower = {}
    for _, row in runs.drop_duplicates("task_id").iterrows():
        objs = json.loads(row["objectives"]) if isinstance(row["objectives"], str) else []
        if objs and objs[0].get("minimize", True) and objs[0].get("lower") is not None:
            lower[row["task_id"]] = float(objs[0]["lower"])
    out = final.copy()
    grouped = out.groupby("task_id", observed=True)["final"]
    lo = grouped.transform("min")
    known = out["task_id"].astype(str).map(lower).astype(float)
    lo = known.where(known.notna() & (known <= lo), lo)
    hi = grouped.transform("max")
    span = (hi - lo).where((hi - lo) > 0, 1.0)
    out["normalized"] = (out["final"] - lo) / span
    return out


def average_ranks(normalized: Any) -> Any:
    """Rank optimizers per task (mean over seeds first; ties share the average rank), then average per task type."""
    per_task = normalized.groupby(["task_type", "task_id", "optimizer"], observed=True)["normalized"].mean().reset_index()
    per_task["rank"] = per_task.groupby("task_id", observed=True)["normalized"].rank(method="average")
    table = (
        per_task.groupby(["task_type", "optimizer"], observed=True)
        .agg(mean_rank=("rank", "mean"), mean_normalized=("normalized", "mean"), n_tasks=("task_id", "nunique"))
        .reset_index()
        .sort_values(["task_type", "mean_rank"])
    )
    return table
