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
    constraint_names = task.constraint_names  # empty for unconstrained tasks: their records carry no constraint fields
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

    # an optimizer that sets ``eval_batch > 1`` asks several trials at once; they are evaluated in one
    # call where the task has a vectorized objective, then told and logged one by one
    eval_batch = max(1, int(getattr(optimizer, "eval_batch", 1)))
    vectorized = eval_batch > 1 and task.batch_function is not None

    def outcome_of(evaluate: Any) -> tuple[TrialStatus, Any, str | None, dict[str, Any], tuple[float, ...]]:
        try:
            result = evaluate()
        except TrialTimeout:
            return TrialStatus.TIMEOUT, None, f"trial exceeded the time limit of {trial_timeout} s", {}, ()
        except Exception as exc:  # an objective may fail in any way; the run goes on
            return TrialStatus.CRASHED, None, f"{type(exc).__name__}: {exc}", {}, ()
        values, limits = result.objectives, result.constraints
        if not all(math.isfinite(v) for v in values):
            return TrialStatus.INVALID, values, f"objective returned a non-finite value: {values}", result.info, limits
        if not all(math.isfinite(c) for c in limits):
            return TrialStatus.INVALID, values, f"constraint returned a non-finite value: {limits}", result.info, limits
        return TrialStatus.OK, values, None, result.info, limits

    def evaluate_one(info: TrialInfo) -> tuple[tuple[TrialStatus, Any, str | None, dict[str, Any], tuple[float, ...]], float]:
        t = perf()
        outcome = outcome_of(lambda: deadline.call(lambda: task.evaluate(info.config, info.fidelity, info.seed)))
        return outcome, perf() - t

    def evaluate_many(infos: list[TrialInfo]) -> list[tuple[tuple[TrialStatus, Any, str | None, dict[str, Any], tuple[float, ...]], float]]:
        if not vectorized or len(infos) == 1 or len({i.seed for i in infos}) > 1:
            return [evaluate_one(info) for info in infos]
        t = perf()
        try:
            limit = TrialDeadline(None if trial_timeout is None else trial_timeout * len(infos))
            results = limit.call(lambda: task.evaluate_batch([i.config for i in infos], [i.fidelity for i in infos], infos[0].seed))
        except Exception:  # evaluate one by one so each failure is pinned on its own trial
            return [evaluate_one(info) for info in infos]
        share = (perf() - t) / len(infos)
        return [(outcome_of(lambda r=r: r), share) for r in results]

    with TrialDeadline(trial_timeout) as deadline:
        stop = False
        while not stop:
            if budget.wall_time is not None and perf() - t_start >= budget.wall_time:
                summary.stop_reason = "wall_time"
                break
            if used >= budget.n_trials - _BUDGET_EPS:
                break
            t0 = perf()
            infos: list[TrialInfo] = []
            costs: list[float] = []
            pending = used
            while len(infos) < eval_batch:
                try:
                    info = optimizer.ask()
                except StopRun:  # the optimizer has nothing left to evaluate
                    summary.stop_reason = "optimizer_done"
                    stop = True
                    break
                cost = 1.0 if fidelity is None else fidelity.cost(info.fidelity if info.fidelity is not None else fidelity.high)
                if pending + cost > budget.n_trials + _BUDGET_EPS:  # would overshoot: not run
                    stop = True
                    break
                infos.append(info)
                costs.append(cost)
                pending += cost
                if pending >= budget.n_trials - _BUDGET_EPS:
                    break
            summary.optimizer_time += perf() - t0
            if not infos:
                break
            started_at = time.time()
            for info, cost, ((status, values, error, result_info, limits), seconds) in zip(infos, costs, evaluate_many(infos)):
                used += cost
                ok = status is TrialStatus.OK
                value = TrialValue(
                    costs=tuple(o.to_cost(v) for o, v in zip(objectives, values)) if ok else None,
                    status=status,
                    error=error,
                    wall_time=seconds,
                    budget_cost=cost,
                    constraints=limits if ok else (),
                )
                t2 = perf()
                optimizer.tell(info, value)
                summary.optimizer_time += perf() - t2
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
                    "wall_time": seconds,
                }
                if constraint_names:
                    # schema 2: constraint values (null where unknown) and feasibility (null for failed trials)
                    record["constraints"] = dict(zip(constraint_names, [v if math.isfinite(v) else None for v in limits])) if limits else None
                    record["feasible"] = value.feasible if ok else None
                if result_info:
                    record["info"] = result_info
                sink.write(record)
                summary.n_trials += 1
                summary.n_failed += not ok
                summary.objective_time += seconds

    summary.budget_used = used
    summary.wall_time = perf() - t_start
    summary.incumbent = [_describe(info, value) for info, value in optimizer.incumbent()]
    return summary


def _value_from_record(record: dict[str, Any], task: Task) -> TrialValue:
    ok = record["status"] == TrialStatus.OK.value
    costs = tuple(o.to_cost(record["objectives"][o.name]) for o in task.objectives) if ok else None
    fid = task.fidelity
    cost = 1.0 if fid is None else fid.cost(record["fidelity"] if record["fidelity"] is not None else fid.high)
    limits = record.get("constraints") or {}
    constraints = tuple(float(limits[c.name]) for c in task.constraints) if ok and limits else ()
    return TrialValue(costs, TrialStatus(record["status"]), record["error"], record["wall_time"], cost, constraints)


def _describe(info: TrialInfo, value: TrialValue) -> dict[str, Any]:
    return {"trial": info.trial, "config": info.config, "fidelity": info.fidelity, "costs": value.costs}
