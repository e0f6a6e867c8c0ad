"""The one run loop: ask -> evaluate -> tell -> log, with budget, time limits and failure handling."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from carps.core.evaluation import TrialOutcome, budget_cost, describe, evaluate_trials, trial_record, trial_value, value_from_record
from carps.core.optimizer import Optimizer, StopRun
from carps.core.records import TrialSink
from carps.core.task import Task
from carps.core.timeout import TrialDeadline
from carps.core.types import Budget, TrialInfo

if TYPE_CHECKING:
    from carps.core.parallel import Workers

_BUDGET_EPS = 1e-9


class ReplayMismatch(RuntimeError):
    """A resumed run's optimizer asked for something other than what the log recorded."""


@dataclass
class RunSummary:
    """What one run spent and why it stopped."""

    n_trials: int = 0
    n_failed: int = 0
    budget_used: float = 0.0
    stop_reason: str = "budget"
    wall_time: float = 0.0
    optimizer_time: float = 0.0
    objective_time: float = 0.0
    replayed: int = 0
    sim_time: float | None = None  # parallel runs: the run's clock when its last trial ended
    incumbent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overhead_time(self) -> float:
        """Time spent in carps itself: everything but ask/tell and the objective."""
        return max(self.wall_time - self.optimizer_time - self.objective_time, 0.0)


def run_trials(
    task: Task,
    optimizer: Optimizer,
    sink: TrialSink,
    budget: Budget | None = None,
    trial_timeout: float | None = None,
    replay: Sequence[dict[str, Any]] = (),
    workers: Workers | None = None,
) -> RunSummary:
    """Run ``optimizer`` on ``task`` until the budget is spent; every trial goes to ``sink``.

    ``replay`` holds trial records of an interrupted earlier attempt: the optimizer is asked again
    and told the recorded outcomes instead of re-evaluating, so a resumed run continues exactly
    where it stopped (optimizers are deterministic under their seed).

    ``workers`` runs the trials on several workers, on a simulated clock or in real worker processes
    (:mod:`carps.core.parallel`); without it trials run one after the other, here.

    >>> from carps.benchmarks import get_task
    >>> from carps.core.records import MemorySink
    >>> from carps.optimizers.random_search import RandomSearch
    >>> task = get_task("blackbox/bbob/f01_d2_i1")
    >>> sink = MemorySink()
    >>> summary = run_trials(task, RandomSearch.for_task(task, seed=1), sink, Budget(n_trials=5))
    >>> summary.n_trials, len(sink.records)
    (5, 5)
    """
    budget = budget or task.budget
    if workers is not None:
        from carps.core.parallel import run_parallel

        return run_parallel(task, optimizer, sink, budget, workers, trial_timeout, replay)
    return _SequentialRun(task, optimizer, sink, budget, trial_timeout).run(replay)


class _SequentialRun:
    """Ask, evaluate, tell and log, one step (of ``eval_batch`` trials) after the other."""

    def __init__(self, task: Task, optimizer: Optimizer, sink: TrialSink, budget: Budget, trial_timeout: float | None) -> None:
        self.task, self.optimizer, self.sink, self.budget = task, optimizer, sink, budget
        self.trial_timeout = trial_timeout
        self.summary = RunSummary()
        self.used = 0.0
        self.stopped = False
        # an optimizer that sets ``eval_batch > 1`` asks several trials at once; they are evaluated in one
        # call where the task has a vectorized objective, then told and logged one by one
        self.eval_batch = max(1, int(getattr(optimizer, "eval_batch", 1)))
        self.vectorized = self.eval_batch > 1 and task.batch_function is not None

    def run(self, replay: Sequence[dict[str, Any]]) -> RunSummary:
        t_start = time.perf_counter()
        self._replay(replay)
        with TrialDeadline(self.trial_timeout) as deadline:
            while not self.stopped:
                if self.budget.wall_time is not None and time.perf_counter() - t_start >= self.budget.wall_time:
                    self.summary.stop_reason = "wall_time"
                    break
                if self.used >= self.budget.n_trials - _BUDGET_EPS:
                    break
                infos, costs = self._ask_step()
                if not infos:
                    break
                started_at = time.time()
                for info, cost, outcome in zip(infos, costs, evaluate_trials(self.task, infos, deadline, self.vectorized)):
                    self._tell_and_log(info, cost, outcome, started_at)
        summary = self.summary
        summary.budget_used = self.used
        summary.wall_time = time.perf_counter() - t_start
        summary.incumbent = [describe(info, value) for info, value in self.optimizer.incumbent()]
        return summary

    def _replay(self, replay: Sequence[dict[str, Any]]) -> None:
        for record in replay:
            info = self.optimizer.ask()
            if info.config != record["config"] or info.fidelity != record["fidelity"]:
                raise ReplayMismatch(f"trial {record['trial']}: optimizer asked {info.config} but the log has {record['config']}")
            self.optimizer.tell(info, value_from_record(record, self.task))
            self.used = record["budget_used"]
            self.summary.n_trials += 1
            self.summary.n_failed += record["status"] != "ok"
        self.summary.replayed = len(replay)

    def _ask_step(self) -> tuple[list[TrialInfo], list[float]]:
        """Up to ``eval_batch`` trials that fit in the budget left; marks the run stopped when it ends here."""
        t0 = time.perf_counter()
        infos: list[TrialInfo] = []
        costs: list[float] = []
        pending = self.used
        while len(infos) < self.eval_batch:
            try:
                info = self.optimizer.ask()
            except StopRun:  # the optimizer has nothing left to evaluate
                self.summary.stop_reason = "optimizer_done"
                self.stopped = True
                break
            cost = budget_cost(self.task.fidelity, info)
            if pending + cost > self.budget.n_trials + _BUDGET_EPS:  # would overshoot: not run
                self.stopped = True
                break
            infos.append(info)
            costs.append(cost)
            pending += cost
            if pending >= self.budget.n_trials - _BUDGET_EPS:
                break
        self.summary.optimizer_time += time.perf_counter() - t0
        return infos, costs

    def _tell_and_log(self, info: TrialInfo, cost: float, outcome: TrialOutcome, started_at: float) -> None:
        self.used += cost
        value = trial_value(self.task.objectives, outcome, cost)
        t = time.perf_counter()
        self.optimizer.tell(info, value)
        self.summary.optimizer_time += time.perf_counter() - t
        self.sink.write(trial_record(info, self.task.objective_names, outcome, self.used, started_at, self.task.constraint_names, value))
        self.summary.n_trials += 1
        self.summary.n_failed += not outcome.ok
        self.summary.objective_time += outcome.seconds
