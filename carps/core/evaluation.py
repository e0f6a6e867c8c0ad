"""One trial's evaluation and its record: the steps both run loops (sequential and parallel) share.

An objective may fail in any way (raise, hang, return NaN); :func:`evaluate_trial` turns each of these
into a :class:`TrialOutcome` with a status, so the run goes on and the failure is recorded.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from carps.core.task import Task
from carps.core.timeout import TrialDeadline, TrialTimeout
from carps.core.types import Fidelity, Objective, Result, TrialInfo, TrialStatus, TrialValue


@dataclass
class TrialOutcome:
    """What evaluating one trial gave: status, the objective values (task units) and the seconds it took."""

    status: TrialStatus
    values: tuple[float, ...] | None = None
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    constraints: tuple[float, ...] = ()  # values of the task's constraints (feasible when <= 0)

    @property
    def ok(self) -> bool:
        return self.status is TrialStatus.OK


def outcome_of(evaluate: Callable[[], Result], trial_timeout: float | None) -> TrialOutcome:
    """Call ``evaluate`` and classify what happened (``seconds`` is left for the caller to fill in)."""
    try:
        result = evaluate()
    except TrialTimeout:
        return TrialOutcome(TrialStatus.TIMEOUT, error=f"trial exceeded the time limit of {trial_timeout} s")
    except Exception as exc:  # an objective may fail in any way; the run goes on
        return TrialOutcome(TrialStatus.CRASHED, error=f"{type(exc).__name__}: {exc}")
    values, limits = result.objectives, result.constraints
    if not all(math.isfinite(v) for v in values):
        return TrialOutcome(TrialStatus.INVALID, values, f"objective returned a non-finite value: {values}", result.info, constraints=limits)
    if not all(math.isfinite(c) for c in limits):
        return TrialOutcome(TrialStatus.INVALID, values, f"constraint returned a non-finite value: {limits}", result.info, constraints=limits)
    return TrialOutcome(TrialStatus.OK, values, None, result.info, constraints=limits)


def evaluate_trial(task: Task, info: TrialInfo, deadline: TrialDeadline) -> TrialOutcome:
    """Evaluate one trial under the run's per-trial time limit."""
    started = time.perf_counter()
    outcome = outcome_of(lambda: deadline.call(lambda: task.evaluate(info.config, info.fidelity, info.seed)), deadline.seconds)
    outcome.seconds = time.perf_counter() - started
    return outcome


def evaluate_trials(task: Task, infos: Sequence[TrialInfo], deadline: TrialDeadline, vectorized: bool) -> list[TrialOutcome]:
    """Evaluate several trials: in one call of the task's batch function when it has one, else one by one.

    A batch that fails as a whole is evaluated again one by one, so each failure is pinned on its own trial.
    """
    if not vectorized or len(infos) == 1 or len({i.seed for i in infos}) > 1:
        return [evaluate_trial(task, info, deadline) for info in infos]
    started = time.perf_counter()
    try:
        limit = TrialDeadline(None if deadline.seconds is None else deadline.seconds * len(infos))
        results = limit.call(lambda: task.evaluate_batch([i.config for i in infos], [i.fidelity for i in infos], infos[0].seed))
    except Exception:
        return [evaluate_trial(task, info, deadline) for info in infos]
    share = (time.perf_counter() - started) / len(infos)
    outcomes = [outcome_of(lambda r=r: r, deadline.seconds) for r in results]
    for outcome in outcomes:
        outcome.seconds = share
    return outcomes


def budget_cost(fidelity: Fidelity | None, info: TrialInfo) -> float:
    """The share of the run's budget a trial takes: 1, or fidelity / max fidelity on multi-fidelity tasks."""
    if fidelity is None:
        return 1.0
    return fidelity.cost(info.fidelity if info.fidelity is not None else fidelity.high)


def trial_value(objectives: Sequence[Objective], outcome: TrialOutcome, cost: float) -> TrialValue:
    """The outcome as the optimizer is told it: costs in minimization form, or None when it failed."""
    return TrialValue(
        costs=tuple(o.to_cost(v) for o, v in zip(objectives, outcome.values)) if outcome.ok and outcome.values is not None else None,
        status=outcome.status,
        error=outcome.error,
        wall_time=outcome.seconds,
        budget_cost=cost,
        constraints=outcome.constraints if outcome.ok else (),
    )


def trial_record(
    info: TrialInfo,
    names: Sequence[str],
    outcome: TrialOutcome,
    budget_used: float,
    started_at: float,
    constraint_names: Sequence[str] = (),
    value: TrialValue | None = None,
) -> dict[str, Any]:
    """The ``trials.jsonl`` line of one trial (see :mod:`carps.core.records` for the schema).

    Unconstrained tasks (no ``constraint_names``) carry no constraint fields.
    """
    values = outcome.values
    record = {
        "trial": info.trial,
        "config": info.config,
        "fidelity": info.fidelity,
        "seed": info.seed,
        # non-finite values become null: standard JSON, and the error text keeps what was returned
        "objectives": None if values is None else dict(zip(names, values if outcome.ok else [v if math.isfinite(v) else None for v in values])),
        "status": outcome.status.value,
        "error": outcome.error,
        "budget_used": budget_used,
        "started_at": started_at,
        "wall_time": outcome.seconds,
    }
    if constraint_names:
        # schema 2: constraint values (null where unknown) and feasibility (null for failed trials)
        limits = outcome.constraints
        record["constraints"] = dict(zip(constraint_names, [v if math.isfinite(v) else None for v in limits])) if limits else None
        record["feasible"] = value.feasible if outcome.ok and value is not None else None
    if outcome.info:
        record["info"] = outcome.info
    return record


def value_from_record(record: dict[str, Any], task: Task) -> TrialValue:
    """What the optimizer was told for a logged trial (replayed when a run resumes)."""
    ok = record["status"] == TrialStatus.OK.value
    costs = tuple(o.to_cost(record["objectives"][o.name]) for o in task.objectives) if ok else None
    fid = task.fidelity
    cost = 1.0 if fid is None else fid.cost(record["fidelity"] if record["fidelity"] is not None else fid.high)
    limits = record.get("constraints") or {}
    constraints = tuple(float(limits[c.name]) for c in task.constraints) if ok and limits else ()
    return TrialValue(costs, TrialStatus(record["status"]), record["error"], record["wall_time"], cost, constraints)


def describe(info: TrialInfo, value: TrialValue) -> dict[str, Any]:
    """An incumbent trial as ``run.json`` lists it."""
    return {"trial": info.trial, "config": info.config, "fidelity": info.fidelity, "costs": value.costs}
