"""The one run loop: ask -> evaluate -> tell -> log, with budget, time limits and failure handling."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from carps.core.optimizer import Optimizer, StopRun
from carps.core.records import TrialSink
from carps.core.task import Task
from carps.core.timeout import TrialDeadline, TrialTimeout
from carps.core.types import Budget, TrialInfo, TrialStatus, TrialValue

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
) -> RunSummary:
    """Run ``optimizer`` on ``task`` until the budget is spent; every trial goes to ``sink``.

    ``replay`` holds trial records of an interrupted earlier attempt: the optimizer is asked again
    and told the recorded outcomes instead of re-evaluating, so a resumed run continues exactly
    where it stopped (optimizers are deterministic under their seed).

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
    objectives = task.objectives
    names = task.objective_names
    fidelity = task.fidelity
    summary = RunSummary()
    perf = time.perf_counter
    t_start = perf()
    used = 0.0

    for record in replay:
        info = optimizer.ask()
        if info.config != record["config"] or info.fidelity != record["fidelity"]:
            raise ReplayMismatch(f"trial {record['trial']}: optimizer asked {info.config} but the log has {record['config']}")
        value = _value_from_record(record, task)
        optimizer.tell(info, value)
        used = record["budget_used"]
        summary.n_trials += 1
        summary.n_failed += record["status"] != "ok"
    summary.replayed = len(replay)

    with TrialDeadline(trial_timeout) as deadline:
        while True:
            if budget.wall_time is not None and perf() - t_start >= budget.wall_time:
                summary.stop_reason = "wall_time"
                break
            if used >= budget.n_trials - _BUDGET_EPS:
                break
            t0 = perf()
            try:
                info = optimizer.ask()
            except StopRun:  # the optimizer has nothing left to evaluate
                summary.optimizer_time += perf() - t0
                summary.stop_reason = "optimizer_done"
                break
            t1 = perf()
            cost = 1.0 if fidelity is None else fidelity.cost(info.fidelity if info.fidelity is not None else fidelity.high)
            if used + cost > budget.n_trials + _BUDGET_EPS:
                summary.optimizer_time += t1 - t0
                break
            started_at = time.time()
            error = None
            result_info: dict[str, Any] = {}
            try:
                result = deadline.call(lambda: task.evaluate(info.config, info.fidelity, info.seed))
                values = result.objectives
                result_info = result.info
                status = TrialStatus.OK if all(math.isfinite(v) for v in values) else TrialStatus.INVALID
                if status is TrialStatus.INVALID:
                    error = f"objective returned a non-finite value: {values}"
            except TrialTimeout:
                status, error, values = TrialStatus.TIMEOUT, f"trial exceeded the time limit of {trial_timeout} s", None
            except Exception as exc:  # an objective may fail in any way; the run goes on
                status, error, values = TrialStatus.CRASHED, f"{type(exc).__name__}: {exc}", None
            t2 = perf()
            used += cost
            ok = status is TrialStatus.OK
            value = TrialValue(
                costs=tuple(o.to_cost(v) for o, v in zip(objectives, values)) if ok else None,  # type: ignore[arg-type]
                status=status,
                error=error,
                wall_time=t2 - t1,
                budget_cost=cost,
            )
            optimizer.tell(info, value)
            t3 = perf()
            record = {
                "trial": info.trial,
                "config": info.config,
                "fidelity": info.fidelity,
                "seed": info.seed,
                # non-finite values become null: standard JSON, and the error text keeps what was returned
                "objectives": None if values is None else dict(zip(names, values if ok else [v if math.isfinite(v) else None for v in values])),
                "status": status.value,
                "error": error,
                "budget_used": used,
                "started_at": started_at,
                "wall_time": t2 - t1,
            }
            if result_info:
                record["info"] = result_info
            sink.write(record)
            summary.n_trials += 1
            summary.n_failed += not ok
            summary.optimizer_time += (t1 - t0) + (t3 - t2)
            summary.objective_time += t2 - t1

    summary.budget_used = used
    summary.wall_time = perf() - t_start
    summary.incumbent = [_describe(info, value) for info, value in optimizer.incumbent()]
    return summary


def _value_from_record(record: dict[str, Any], task: Task) -> TrialValue:
    ok = record["status"] == TrialStatus.OK.value
    costs = tuple(o.to_cost(record["objectives"][o.name]) for o in task.objectives) if ok else None
    fid = task.fidelity
    cost = 1.0 if fid is None else fid.cost(record["fidelity"] if record["fidelity"] is not None else fid.high)
    return TrialValue(costs, TrialStatus(record["status"]), record["error"], record["wall_time"], cost)


def _describe(info: TrialInfo, value: TrialValue) -> dict[str, Any]:
    return {"trial": info.trial, "config": info.config, "fidelity": info.fidelity, "costs": value.costs}
