"""Fixtures of the analysis tests: small experiments written the way the launcher writes them.

``toy_experiment`` runs real optimizers through the real run loop on hand-made tasks of all four
types (cheap analytic functions, so it takes seconds); ``write_run`` writes hand-made trial records
for tests that need exact control over every value.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

import pytest

N_TRIALS = 12
SEEDS = (1, 2)


def write_run(
    exp_dir: Path,
    task_id: str,
    optimizer: str,
    seed: int,
    records: Sequence[dict[str, Any]],
    objectives: Sequence[dict[str, Any]] = ({"name": "y", "minimize": True, "lower": None, "upper": None},),
    budget: float = 10,
    fidelity: dict[str, Any] | None = None,
    status: str = "done",
    raw_tail: str = "",
) -> Path:
    """A run folder with exactly these trial records (plus ``raw_tail`` appended verbatim, e.g. a torn line)."""
    from carps.core.records import RunFolder, dumps

    folder = RunFolder(Path(exp_dir) / task_id / optimizer / f"seed_{seed}")
    folder.write_all(records)
    if raw_tail:
        with open(folder.trials_file, "a") as fh:
            fh.write(raw_tail)
    folder.write_run(
        {
            "schema": 1,
            "status": status,
            "run": {"optimizer": optimizer, "task": task_id, "seed": seed, "n_trials": budget},
            "task": {"id": task_id, "type": task_id.split("/")[0], "objectives": list(objectives), "fidelity": fidelity, "budget": {"n_trials": budget}},
            "budget": {"n_trials": budget, "wall_time": None},
            "summary": {"n_trials": len(records), "budget_used": records[-1]["budget_used"] if records else 0.0},
            "timings": {"wall_time": 0.1},
        }
    )
    _ = dumps  # records go through the same encoder as the run loop's
    return folder.path


def record(trial: int, objectives: dict[str, float] | None, budget_used: float, status: str = "ok", fidelity: float | None = None) -> dict[str, Any]:
    """One trial record in the schema of :mod:`carps.core.records`."""
    return {
        "trial": trial,
        "config": {"x": 0.1 * trial, "name": f"c{trial}"},
        "fidelity": fidelity,
        "seed": 1,
        "objectives": objectives,
        "status": status,
        "error": None if status == "ok" else "failed",
        "budget_used": budget_used,
        "started_at": 1.7e9 + trial,
        "wall_time": 0.01 * (trial + 1),
    }


def _tasks() -> list[Any]:
    import numpy as np
    from ConfigSpace import ConfigurationSpace, Float

    from carps.core.task import Task
    from carps.core.types import Budget, Fidelity, Objective, TaskType

    space2 = ConfigurationSpace({"x0": Float("x0", (0.0, 1.0)), "x1": Float("x1", (0.0, 1.0))})
    tasks = []
    for i, shift in enumerate((0.2, 0.5, 0.8)):
        tasks.append(
            Task(f"blackbox/toy/sphere_{i}", TaskType.BLACKBOX, space2, (Objective("y", lower=0.0 if i == 0 else None),),
                 lambda c, f, s, shift=shift, i=i: (c["x0"] - shift) ** 2 + (c["x1"] - 0.3) ** 2 + 0.1 * i, budget=Budget(N_TRIALS))
        )

    def zdt1(c: dict, f: Any = None, s: Any = None) -> list[float]:
        g = 1 + 9 * c["x1"]
        f1 = c["x0"]
        return [f1, g * (1 - np.sqrt(f1 / g))]

    tasks.append(Task("multiobjective/toy/zdt1", TaskType.MULTIOBJECTIVE, space2, (Objective("f1"), Objective("f2")), zdt1, budget=Budget(N_TRIALS),
                      metadata={"known_front": lambda task_id: np.c_[np.linspace(0, 1, 50), 1 - np.sqrt(np.linspace(0, 1, 50))]}))
    tasks.append(Task("multifidelity/toy/mf", TaskType.MULTIFIDELITY, space2, (Objective("loss"),),
                      lambda c, f, s: (c["x0"] - 0.3) ** 2 + 1.0 / f, fidelity=Fidelity("epochs", 1, 9, integer=True), budget=Budget(N_TRIALS)))
    tasks.append(Task("momf/toy/mo_mf", TaskType.MOMF, space2, (Objective("err"), Objective("acc", minimize=False)),
                      lambda c, f, s: [c["x0"] + 1.0 / f, 1 - (c["x0"] - 1) ** 2 - c["x1"] / f], fidelity=Fidelity("epochs", 1, 9, integer=True), budget=Budget(N_TRIALS)))
    return tasks


def run_task(exp_dir: Path, task: Any, optimizer: str, seed: int, n_trials: float = N_TRIALS) -> Path:
    """Run a registered optimizer on a hand-made task through the real loop; write its folder like the launcher."""
    from carps.core.loop import run_trials
    from carps.core.records import RunFolder
    from carps.core.registry import get_registry
    from carps.core.types import Budget
    from carps.launch.execute import task_description

    entry = get_registry().optimizer(optimizer)
    budget = Budget(n_trials)
    opt = entry.load_class().for_task(task, seed=seed, budget=budget, **entry.params)
    folder = RunFolder(Path(exp_dir) / task.id / optimizer / f"seed_{seed}")
    started = time.time()
    summary = run_trials(task, opt, folder, budget)
    folder.close()
    folder.write_run(
        {
            "schema": 1,
            "status": "done",
            "run": {"optimizer": optimizer, "task": task.id, "seed": seed, "n_trials": n_trials},
            "task": task_description(task),
            "budget": {"n_trials": n_trials, "wall_time": None},
            "summary": {"n_trials": summary.n_trials, "n_failed": summary.n_failed, "budget_used": summary.budget_used, "stop_reason": summary.stop_reason},
            "timings": {"started_at": started, "finished_at": time.time(), "wall_time": summary.wall_time},
        }
    )
    return folder.path


def make_toy_experiment(root: Path, name: str = "toy", seeds: Sequence[int] = SEEDS) -> tuple[Path, dict[str, Any]]:
    """An experiment over all four task types; returns its folder and the known fronts by task id."""
    exp = Path(root) / name
    fronts = {}
    for task in _tasks():
        opts = {"blackbox": ["random", "optuna/tpe"], "multiobjective": ["random", "optuna/tpe"]}.get(task.type.value, ["random"])
        for opt in opts:
            for seed in seeds:
                run_task(exp, task, opt, seed)
        if "known_front" in task.metadata:
            fronts[task.id] = task.metadata["known_front"](task.id)
    return exp, fronts


@pytest.fixture(scope="session")
def toy_experiment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return make_toy_experiment(tmp_path_factory.mktemp("results"))


@pytest.fixture(scope="session")
def toy_analysis(toy_experiment: tuple[Path, dict[str, Any]]) -> Any:
    from carps.analysis.gather import load_experiment
    from carps.analysis.pipeline import analyze

    exp, fronts = toy_experiment
    trials, runs = load_experiment(exp)
    return analyze(trials, runs, n_boot=200, known_fronts=fronts)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
