"""Turn an experiment's run folders into tidy tables (and Parquet files).

``trials`` has one row per trial::

    experiment, task_id, task_type, family, optimizer, seed, trial, status, fidelity,
    budget_used, budget_fraction, wall_time, started_at, cost_0, cost_1, ...

``cost_i`` is objective ``i`` in minimization form (maximized objectives negated), NaN when the
trial failed. ``runs`` has one row per run with its status, timings and the task's objective
specification (names, directions, known bounds) that normalization needs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from carps.core.errors import CarpsError
from carps.core.records import RUN_FILE, read_trials

TRIALS_PARQUET = "trials.parquet"
RUNS_PARQUET = "runs.parquet"


def experiment_dir(experiment: str, results_dir: str | Path = "results") -> Path:
    """The folder of an experiment; a clear error if it does not exist."""
    path = Path(results_dir) / experiment
    if not path.is_dir():
        known = sorted(p.name for p in Path(results_dir).iterdir() if p.is_dir()) if Path(results_dir).is_dir() else []
        raise CarpsError(f"no experiment '{experiment}' in {Path(results_dir).resolve()} (found: {', '.join(known) or 'none'}); run one with: carps run experiment={experiment} ...")
    return path


def iter_run_files(exp_dir: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(exp_dir):
        dirs.sort()
        if RUN_FILE in files:
            yield Path(root) / RUN_FILE


def gather(exp_dir: str | Path, experiment: str | None = None) -> tuple[Any, Any]:
    """Read every run of an experiment folder into ``(trials, runs)`` pandas DataFrames."""
    import numpy as np
    import pandas as pd

    exp_dir = Path(exp_dir)
    experiment = experiment or exp_dir.name
    run_rows: list[dict[str, Any]] = []
    columns: dict[str, list[Any]] = {k: [] for k in ("task_id", "optimizer", "seed", "trial", "status", "fidelity", "budget_used", "wall_time", "started_at")}
    costs: list[list[float]] = []
    budgets: list[float] = []
    max_objectives = 1
    for run_file in iter_run_files(exp_dir):
        run = json.loads(run_file.read_text())
        spec = run["run"]
        task = run.get("task") or {}
        objectives = task.get("objectives") or []
        budget = (run.get("budget") or {}).get("n_trials") or spec.get("n_trials") or float("nan")
        ttype = spec["task"].split("/")[0]
        family = spec["task"].split("/")[1]
        run_rows.append(
            {
                "experiment": experiment,
                "task_id": spec["task"],
                "task_type": ttype,
                "family": family,
                "optimizer": spec["optimizer"],
                "seed": spec["seed"],
                "status": run["status"],
                "n_trials": (run.get("summary") or {}).get("n_trials", 0),
                "budget": budget,
                "objectives": json.dumps(objectives),
                "fidelity": json.dumps(task.get("fidelity")),
                "wall_time": (run.get("timings") or {}).get("wall_time"),
                "overhead_time": (run.get("timings") or {}).get("overhead_time"),
                "error": run.get("error"),
            }
        )
        signs = [1.0 if o.get("minimize", True) else -1.0 for o in objectives]
        names = [o["name"] for o in objectives]
        max_objectives = max(max_objectives, len(names))
        for rec in read_trials(run_file.parent / "trials.jsonl"):
            columns["task_id"].append(spec["task"])
            columns["optimizer"].append(spec["optimizer"])
            columns["seed"].append(spec["seed"])
            columns["trial"].append(rec["trial"])
            columns["status"].append(rec["status"])
            columns["fidelity"].append(rec["fidelity"])
            columns["budget_used"].append(rec["budget_used"])
            columns["wall_time"].append(rec["wall_time"])
            columns["started_at"].append(rec["started_at"])
            budgets.append(budget)
            values = rec.get("objectives")
            if values is None or rec["status"] != "ok":
                costs.append([])
            else:
                costs.append([s * float(values[n]) for s, n in zip(signs, names)])
    if not run_rows:
        raise CarpsError(f"experiment folder {exp_dir} holds no runs yet")
    trials = pd.DataFrame(columns)
    trials.insert(0, "experiment", experiment)
    split = trials["task_id"].str.split("/", n=2, expand=True) if len(trials) else None
    trials.insert(2, "task_type", split[0] if split is not None else [])
    trials.insert(3, "family", split[1] if split is not None else [])
    trials["fidelity"] = pd.to_numeric(trials["fidelity"], errors="coerce")
    trials["budget_fraction"] = trials["budget_used"].to_numpy(dtype=float) / np.asarray(budgets, dtype=float)
    for i in range(max_objectives):
        trials[f"cost_{i}"] = [c[i] if len(c) > i else np.nan for c in costs]
    for col in ("task_id", "task_type", "family", "optimizer", "status", "experiment"):
        trials[col] = trials[col].astype("category")
    return trials, pd.DataFrame(run_rows)


def gather_to_parquet(exp_dir: str | Path, out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``trials.parquet`` and ``runs.parquet`` for an experiment; returns their paths."""
    trials, runs = gather(exp_dir)
    out = Path(out_dir) if out_dir else Path(exp_dir)
    out.mkdir(parents=True, exist_ok=True)
    trials.to_parquet(out / TRIALS_PARQUET, index=False)
    runs.to_parquet(out / RUNS_PARQUET, index=False)
    return out / TRIALS_PARQUET, out / RUNS_PARQUET


def load_experiments(paths: Iterable[str | Path]) -> tuple[Any, Any]:
    """Combine several experiments (folders, gathered on demand) into one pair of tables."""
    import pandas as pd

    all_trials, all_runs = [], []
    for path in paths:
        path = Path(path)
        if not (path / TRIALS_PARQUET).exists():
            gather_to_parquet(path)
        all_trials.append(pd.read_parquet(path / TRIALS_PARQUET))
        all_runs.append(pd.read_parquet(path / RUNS_PARQUET))
    trials = pd.concat(all_trials, ignore_index=True)
    for col in ("task_id", "task_type", "family", "optimizer", "status", "experiment"):
        trials[col] = trials[col].astype("category")
    return trials, pd.concat(all_runs, ignore_index=True)
