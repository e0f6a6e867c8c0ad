"""Options several commands share: where results live and which experiment is meant."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from carps.cli.overrides import Overrides

RESULTS_ENV = "CARPS_RESULTS_DIR"


def results_dir(overrides: Overrides) -> Path:
    """``results_dir=`` override, else ``$CARPS_RESULTS_DIR``, else ``./results``."""
    return Path(overrides.get("results_dir") or os.environ.get(RESULTS_ENV) or "results")


def selected_experiments(overrides: Overrides) -> tuple[list[str], list[Path], Any, Any]:
    """``experiment=`` names, their folders, and their ``(trials, runs)`` kept to the ``task=`` / ``optimizer=`` globs."""
    from carps.analysis.gather import experiment_dir, load_experiments, select

    names = [str(e) for e in overrides.list("experiment", ["default"])]
    folders = [experiment_dir(name, results_dir(overrides)) for name in names]
    trials, runs = load_experiments(folders)
    task, optimizer = overrides.get("task"), overrides.get("optimizer")
    trials, runs = select(
        trials,
        runs,
        task=task if task is None or isinstance(task, list) else str(task),
        optimizer=optimizer if optimizer is None or isinstance(optimizer, list) else str(optimizer),
    )
    return names, folders, trials, runs


def wants_help(args: list[str], text: str) -> bool:
    if any(a in ("-h", "--help") for a in args):
        print(text)
        return True
    return False
