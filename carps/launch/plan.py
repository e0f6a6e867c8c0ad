"""From what the user asked for (optimizer names, task globs, seeds) to the list of runs to execute."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from carps.core.errors import CarpsError
from carps.core.parallel import worker_label
from carps.core.registry import Registry, get_registry
from carps.core.types import TaskType


@dataclass(frozen=True)
class RunSpec:
    """One (optimizer, task, seed) triple plus the settings that shape its run.

    ``optimizer_params`` are overrides of the catalog parameters (``optimizer.<name>=value``);
    ``n_trials`` overrides the task's default budget. ``n_workers`` makes it a parallel run
    (:mod:`carps.core.parallel`) with the clock, cost model and ``time_budget`` given here; such a run
    is its own contestant, labelled ``<optimizer>@<k>w`` (so 1 and 4 workers can share an experiment).
    """

    optimizer: str
    task: str
    seed: int
    n_trials: float | None = None
    wall_time: float | None = None
    trial_timeout: float | None = None
    optimizer_params: tuple[tuple[str, Any], ...] = ()
    task_params: tuple[tuple[str, Any], ...] = ()
    n_workers: int | None = None
    time_budget: float | None = None
    clock: str = "simulated"
    charge_optimizer_time: bool = True
    cost: str | float = "auto"

    @property
    def processes(self) -> int:
        """Processes the run evaluates trials in: ``n_workers`` on the real clock, else 1 (simulated workers cost no core)."""
        return int(self.n_workers) if self.n_workers is not None and self.clock == "real" else 1

    @property
    def label(self) -> str:
        """The optimizer as results name it: its id, plus ``@<k>w`` for a run on ``k`` workers."""
        return worker_label(self.optimizer, self.n_workers)

    def folder(self, experiment_dir: Path) -> Path:
        """``<experiment>/<task_id>/<optimizer label>/seed_<n>`` as DESIGN.md lays it out."""
        return Path(experiment_dir) / self.task / self.label / f"seed_{self.seed}"

    @property
    def task_type(self) -> TaskType:
        return TaskType(self.task.split("/")[0])

    def as_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer,
            "task": self.task,
            "seed": self.seed,
            "n_trials": self.n_trials,
            "wall_time": self.wall_time,
            "trial_timeout": self.trial_timeout,
            "optimizer_params": dict(self.optimizer_params),
            "task_params": dict(self.task_params),
            **(
                {}
                if self.n_workers is None
                else {
                    "n_workers": self.n_workers,
                    "time_budget": self.time_budget,
                    "clock": self.clock,
                    "charge_optimizer_time": self.charge_optimizer_time,
                    "cost": self.cost,
                }
            ),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        return cls(
            optimizer=data["optimizer"],
            task=data["task"],
            seed=int(data["seed"]),
            n_trials=data.get("n_trials"),
            wall_time=data.get("wall_time"),
            trial_timeout=data.get("trial_timeout"),
            optimizer_params=tuple(sorted((data.get("optimizer_params") or {}).items())),
            task_params=tuple(sorted((data.get("task_params") or {}).items())),
            n_workers=data.get("n_workers"),
            time_budget=data.get("time_budget"),
            clock=data.get("clock") or "simulated",
            charge_optimizer_time=data.get("charge_optimizer_time", True),
            cost=data.get("cost") or "auto",
        )


@dataclass
class Plan:
    """The runs of an experiment, and the (optimizer, task) pairs left out because the optimizer cannot run them."""

    runs: list[RunSpec] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def skipped_summary(self) -> str:
        """One line per optimizer name: how many tasks of which types it skipped."""
        counts: dict[str, dict[str, int]] = {}
        for name, task in self.skipped:
            by_type = counts.setdefault(name, {})
            ttype = task.split("/")[0]
            by_type[ttype] = by_type.get(ttype, 0) + 1
        return "\n".join(
            f"skipped for {name}: " + ", ".join(f"{n} {t} task(s)" for t, n in sorted(by_type.items())) + " (unsupported task type)"
            for name, by_type in counts.items()
        )


def make_plan(
    optimizers: Iterable[str],
    task_patterns: Iterable[str],
    seeds: Iterable[int],
    n_trials: float | None = None,
    wall_time: float | None = None,
    trial_timeout: float | None = None,
    optimizer_params: dict[str, Any] | None = None,
    task_params: dict[str, Any] | None = None,
    registry: Registry | None = None,
    workers: Iterable[int] | None = None,
    parallel: dict[str, Any] | None = None,
) -> Plan:
    """Expand names, globs and seeds into runs.

    An optimizer may be an exact id (``optuna/tpe``) or a family (``smac``): a family runs its variant
    recommended for each task's type. Pairs an optimizer cannot run are skipped and reported; a plan
    with nothing left to run is an error. ``workers`` (e.g. ``[1, 4]``) runs each of them on that many
    workers, with ``parallel`` holding the other :class:`RunSpec` fields of parallel runs (``time_budget``,
    ``clock``, ``charge_optimizer_time``, ``cost``).

    >>> plan = make_plan(["random"], ["blackbox/bbob/f01_d2_i*"], [1, 2])
    >>> len(plan.runs)
    20
    """
    registry = registry or get_registry()
    tasks: list[str] = []
    for pattern in task_patterns:
        tasks.extend(t for t in registry.match_tasks(str(pattern)) if t not in tasks)
    seeds = list(seeds)
    opt_params = tuple(sorted((optimizer_params or {}).items()))
    t_params = tuple(sorted((task_params or {}).items()))
    worker_counts: list[int | None] = [None] if workers is None else [int(k) for k in workers]
    plan = Plan()
    for name in optimizers:
        resolved: dict[TaskType, str | None] = {}
        for task in tasks:
            ttype = TaskType(task.split("/")[0])
            if ttype not in resolved:
                resolved[ttype] = registry.resolve_optimizer(str(name), ttype)
            opt_id = resolved[ttype]
            if opt_id is None:
                plan.skipped.append((str(name), task))
                continue
            plan.runs.extend(
                RunSpec(opt_id, task, int(seed), n_trials, wall_time, trial_timeout, opt_params, t_params, k, **((parallel or {}) if k is not None else {}))
                for k in worker_counts
                for seed in seeds
            )
    if not plan.runs:
        raise CarpsError("nothing to run: " + (plan.skipped_summary().replace("\n", "; ") or "no optimizer or task given"))
    return plan


def missing_data(task_ids: Iterable[str], registry: Registry | None = None) -> str | None:
    """One line naming the tasks whose family's data is not installed (with the fix), or None.

    Each family is asked once (:meth:`BenchmarkFamily.missing_data`); ``carps run`` calls this before
    it starts anything, so a missing data set is one error, not a failed run per task.
    """
    registry = registry or get_registry()
    by_family: dict[str, int] = {}
    for task in dict.fromkeys(task_ids):
        family = task.split("/")[1]
        by_family[family] = by_family.get(family, 0) + 1
    problems = []
    for family, n in by_family.items():
        reason = registry.missing_data(family)
        if reason:
            problems.append(f"{n} {family} task{'s' if n != 1 else ''} cannot run: {reason}")
    return "; ".join(problems) or None
