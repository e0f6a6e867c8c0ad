"""A test-only carps plugin (found through ``carps_killer-0.1.dist-info`` when this folder is on the path).

Its tasks are a 2-d sphere; ``die_once_<i>`` kills its own process (SIGKILL, as an OOM killer would)
the first time it is evaluated and ``die_always`` every time. "First time" is remembered by a marker
file in the folder given as the task option ``marker_dir`` (``task.marker_dir=...`` on the CLI), so it
holds across processes and machines' worth of retries. ``slow_<i>`` sleeps ``sleep`` seconds per trial;
``until_requeued_<i>`` does so only in a Slurm job's first start (``SLURM_RESTART_COUNT`` unset or 0), so a
job that hits its time limit finishes quickly once requeued.

The entry point group ``carps.launchers`` gets :class:`InlineLauncher`, a test-only launcher plugin.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from carps.core.benchmark import BenchmarkFamily
from carps.core.task import Task
from carps.core.types import Budget, Objective, TaskType


def catalog_dir() -> str:
    return str(Path(__file__).parent / "catalog")


class Killer(BenchmarkFamily):
    def __init__(self, n: int = 12) -> None:
        super().__init__(n=n)
        self.n = int(n)

    def task_ids(self) -> list[str]:
        names = [f"ok_{i}" for i in range(self.n)] + [f"slow_{i}" for i in range(self.n)]
        names += [f"die_once_{i}" for i in range(self.n)] + ["die_always"] + [f"until_requeued_{i}" for i in range(self.n)]
        return [f"blackbox/{self.family}/{name}" for name in names]

    def get_task(self, task_id: str, marker_dir: str | None = None, sleep: float = 0.05) -> Task:
        from ConfigSpace import ConfigurationSpace, Float

        name = task_id.rsplit("/", 1)[1]
        space = ConfigurationSpace({"x0": Float("x0", (-1.0, 1.0)), "x1": Float("x1", (-1.0, 1.0))})

        def function(config: dict[str, Any], fidelity: Any, seed: Any) -> float:
            if name == "die_always":
                os.kill(os.getpid(), signal.SIGKILL)
            if name.startswith("die_once"):
                marker = Path(marker_dir or ".") / f"{name}.died"
                if not marker.exists():
                    marker.touch()
                    os.kill(os.getpid(), signal.SIGKILL)
            if name.startswith("until_requeued"):
                if int(os.environ.get("SLURM_RESTART_COUNT") or 0) == 0:
                    time.sleep(sleep)
            elif name.startswith("slow"):
                time.sleep(sleep)
            return config["x0"] ** 2 + config["x1"] ** 2

        return Task(task_id, TaskType.BLACKBOX, space, (Objective("y", lower=0.0),), function, budget=Budget(n_trials=10))


@dataclass
class InlineOptions:
    """Settings of the test launcher: ``launcher.reverse=true``, ``launcher.tag=...``, ``launcher.note.<k>=v``."""

    reverse: bool = False
    tag: str = "inline"
    max_retries: int = 0
    note: dict = field(default_factory=dict)


class InlineLauncher:
    """A launcher plugin: runs in this process, in plan order or reversed; writes its options beside
    the results so that a test can see what the CLI handed down."""

    name: ClassVar[str] = "inline"
    options_type: ClassVar[type] = InlineOptions

    def __init__(self, options: InlineOptions | None = None) -> None:
        self.options = options or InlineOptions()

    def launch(self, runs, experiment_dir, progress):
        import json

        from carps.launch.execute import run_to_folder

        Path(experiment_dir, "inline_options.json").write_text(json.dumps(vars(self.options)))
        outcomes = []
        for spec in reversed(runs) if self.options.reverse else runs:
            outcome = run_to_folder(spec, experiment_dir)
            progress.update(outcome)
            outcomes.append(outcome)
        return outcomes

    def in_flight(self, experiment_dir):
        return {}
