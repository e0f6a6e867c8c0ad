"""The performance matrix of a task type: one row per task, one column per optimizer.

Entries are the normalized final regret (0 = best reference value of the task, 1 = worst; see
:mod:`carps.analysis.normalize`) averaged over seeds. The subset search places each task at the
point given by the reference optimizers' columns. An optional log transform spreads out values that
clump near 0 (many tasks solved almost perfectly by every reference optimizer).

>>> import pandas as pd
>>> tidy = pd.DataFrame({"task_id": ["a", "a", "b", "b"], "optimizer": ["r", "r", "r", "r"], "seed": [1, 2, 1, 2], "value": [0.2, 0.4, 0.0, 1.0]})
>>> performance_matrix(tidy)["r"].round(3).tolist()
[0.3, 0.5]
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from carps.core.errors import CarpsError

LOG_EPS = 1e-3  # the log transform maps [0, 1] to [0, 1] with log(v + eps); eps sets how far it zooms in


def performance_matrix(tidy: Any) -> Any:
    """Tasks x optimizers seed-mean of a tidy table with columns ``task_id, optimizer, seed, value``."""
    missing = {"task_id", "optimizer", "value"} - set(tidy.columns)
    if missing:
        raise CarpsError(f"the performance table lacks columns {sorted(missing)}; it needs task_id, optimizer, seed, value")
    mat = tidy.pivot_table(index="task_id", columns="optimizer", values="value", aggfunc="mean", observed=True)
    mat.columns = [str(c) for c in mat.columns]
    mat.index = [str(i) for i in mat.index]
    return mat.sort_index()


def from_experiment(experiment: str, task_type: str, results_dir: str | Path = "results", known_fronts: bool = True) -> Any:
    """The performance matrix of ``task_type`` in an experiment (single- and multi-objective types).

    Uses the analysis pipeline: gathered tables, normalized trajectories (hypervolume regret for
    multi-objective tasks), final value per run, mean over seeds. ``known_fronts=False`` takes the
    hypervolume reference from the observed points only (much faster where known Pareto fronts are
    large or have many objectives).
    """
    import pandas as pd

    from carps.analysis import hypervolume as hv
    from carps.analysis.gather import MULTI_OBJECTIVE_TYPES, experiment_dir, load_experiment
    from carps.analysis.normalize import incumbent_trajectories
    from carps.analysis.performance import per_run

    trials, runs = load_experiment(experiment_dir(experiment, results_dir))
    trials = trials[trials["task_type"] == task_type]
    if len(trials) == 0:
        raise CarpsError(f"experiment '{experiment}' has no {task_type} runs; run some with: carps run experiment={experiment} task={task_type}/* ...")
    runs = runs[runs["task_id"].isin(trials["task_id"].unique())]
    if task_type in MULTI_OBJECTIVE_TYPES:
        # only the final value of each run matters here: one hypervolume per run, not a trajectory
        perf = hv.final_regrets(trials, runs, hv.known_front if known_fronts else None)
    else:
        perf = per_run(incumbent_trajectories(trials, runs).drop(columns=["value"]))
    tidy = pd.DataFrame(perf.rename(columns={"final": "value"})[["task_id", "optimizer", "seed", "value"]])
    for col in ("task_id", "optimizer"):
        tidy[col] = tidy[col].astype(str)
    return performance_matrix(tidy)


def reference_points(matrix: Any, reference: Sequence[str], transform: str = "none") -> tuple[list[str], np.ndarray]:
    """Task ids (rows complete for every reference optimizer) and their points in [0, 1]^d."""
    absent = [r for r in reference if r not in matrix.columns]
    if absent:
        raise CarpsError(f"reference optimizer(s) {absent} have no results here (found: {', '.join(matrix.columns)}); pick reference= from those")
    if len(set(reference)) != len(reference) or not reference:
        raise CarpsError("reference= needs distinct optimizer ids, e.g. reference=random,optuna/tpe,smac/bb")
    sub = matrix[list(reference)].dropna(axis=0, how="any")
    pts = np.clip(sub.to_numpy(dtype=float), 0.0, 1.0)
    return list(sub.index), transform_points(pts, transform)


def transform_points(points: np.ndarray, transform: str) -> np.ndarray:
    """Map each reference optimizer's column onto [0, 1] before the subset search.

    * ``none``: as is (normalized regret);
    * ``minmax``: rescale each column to span [0, 1] (regrets that never get near 1 would otherwise
      leave most of the cube empty, and every subset would look equally bad);
    * ``log``: ``log(v + 1e-3)`` then ``minmax``: spreads out regrets clumped near 0.

    >>> transform_points(np.array([[0.0], [0.001], [0.5]]), "minmax").round(3).ravel().tolist()
    [0.0, 0.002, 1.0]
    >>> transform_points(np.array([[0.0], [0.001], [1.0]]), "log").round(3).ravel().tolist()
    [0.0, 0.1, 1.0]
    """
    if transform == "none":
        return points
    if transform not in ("log", "minmax"):
        raise CarpsError(f"unknown transform '{transform}'; use transform=none, minmax or log")
    x = np.log(points + LOG_EPS) if transform == "log" else points.astype(float)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return np.clip((x - lo) / span, 0.0, 1.0)


def matrix_hash(matrix: Any) -> str:
    """A short content hash of the matrix: task ids, optimizer ids and values to 9 decimals (so it
    survives a round trip through ``performance.csv``)."""
    h = hashlib.sha256()
    h.update("\n".join(map(str, matrix.index)).encode())
    h.update("\n".join(map(str, matrix.columns)).encode())
    values = np.round(matrix.to_numpy(dtype=float), 9)
    h.update(np.nan_to_num(values, nan=-1.0).tobytes())
    return h.hexdigest()[:16]
