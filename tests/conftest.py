"""Shared fixtures: small hand-made tasks with known behaviour."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def carps_cmd() -> list[str]:
    """The carps CLI of the interpreter running the tests."""
    return [sys.executable, "-m", "carps.cli.main"]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CARPS_RESULTS_DIR"] = str(tmp_path / "results")
    env.pop("CARPS_DEBUG", None)
    return env


def sphere_task(dim: int = 2, task_id: str = "blackbox/toy/sphere", function=None):
    from ConfigSpace import ConfigurationSpace, Float

    from carps.core.task import Task
    from carps.core.types import Budget, Objective, TaskType

    names = [f"x{i}" for i in range(dim)]
    space = ConfigurationSpace({n: Float(n, (-1.0, 1.0)) for n in names})
    fn = function or (lambda config, fidelity, seed: sum(config[n] ** 2 for n in names))
    return Task(task_id, TaskType.BLACKBOX, space, (Objective("y", lower=0.0),), fn, budget=Budget(n_trials=10))


def mf_task():
    """Multi-fidelity toy: the cost falls with the fidelity (epochs 1..9)."""
    from ConfigSpace import ConfigurationSpace, Float

    from carps.core.task import Task
    from carps.core.types import Budget, Fidelity, Objective, TaskType

    space = ConfigurationSpace({"x": Float("x", (0.0, 1.0))})
    return Task(
        "multifidelity/toy/mf",
        TaskType.MULTIFIDELITY,
        space,
        (Objective("loss"),),
        lambda c, f, s: (c["x"] - 0.3) ** 2 + 1.0 / f,
        fidelity=Fidelity("epochs", 1, 9, integer=True),
        budget=Budget(n_trials=3),
    )
