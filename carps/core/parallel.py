"""Runs with several workers: up to ``n`` trials in flight, told in the order a real system finishes them.

Two clocks drive the same loop:

``simulated`` (default)
    Each trial is evaluated at once, then held until its **simulated** end: start + the seconds its
    cost model gives (:mod:`carps.core.cost`). An event queue hands finished trials back in order of
    their end time, so a zero-cost benchmark behaves as if ``n`` workers were busy for hours while the
    real computation takes seconds. The optimizer's own ask/tell time is charged to the clock
    (``charge_optimizer_time``): the driver is one process, and while it thinks no worker gets work.
``real``
    Trials run in ``n`` worker processes; times are measured. For tasks that are actually expensive.

Every trial record gets ``sim_start``, ``sim_end`` (seconds since the run started, on the run's clock)
and ``worker``. Decisions that shape the run (which worker is free, whether the time budget is
spent) depend only on event times, never on measured overhead, so the same seed gives the same trials
and a resumed run rebuilds the trials that were in flight when it was killed: the logged trials are
replayed in their logged order, the loop asks exactly where it asked before, and whatever was asked
but not yet logged is evaluated again.

>>> from carps.benchmarks import get_task
>>> from carps.core.records import MemorySink
>>> from carps.core.types import Budget
>>> from carps.optimizers.random_search import RandomSearch
>>> task = get_task("blackbox/bbob/f01_d2_i1")
>>> sink = MemorySink()
>>> summary = run_parallel(task, RandomSearch.for_task(task, seed=1), sink, Budget(n_trials=8), Workers(n=4, charge_optimizer_time=False))
>>> sorted({r["worker"] for r in sink.records})
[0, 1, 2, 3]
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from carps.core.cost import CostModel, cost_model
from carps.core.errors import CarpsError
from carps.core.evaluation import (
    TrialOutcome,
    budget_cost,
    describe,
    evaluate_trial,
    trial_record,
    trial_value,
    value_from_record,
)
from carps.core.loop import _BUDGET_EPS, ReplayMismatch, RunSummary
from carps.core.optimizer import Optimizer, StopRun, WaitForResults
from carps.core.records import TrialSink
from carps.core.task import Task
from carps.core.timeout import TrialDeadline
from carps.core.types import Budget, TrialInfo, TrialStatus

CLOCKS = ("simulated", "real")


def worker_label(optimizer: str, n_workers: int | None) -> str:
    """How results name an optimizer run on ``n_workers`` workers: ``optimizer@<k>w`` (its id when sequential).

    >>> worker_label("optuna/tpe", 4), worker_label("optuna/tpe", None)
    ('optuna/tpe@4w', 'optuna/tpe')
    """
    return optimizer if n_workers is None else f"{optimizer}@{n_workers}w"


@dataclass(frozen=True)
class Workers:
    """How many trials a run keeps in flight, and on which clock.

    >>> Workers(n=4).clock
    'simulated'
    """

    n: int = 1
    clock: str = "simulated"
    charge_optimizer_time: bool = True
    cost: Any = "auto"  # 'auto' | 'model' | 'wall' | seconds per full evaluation | a CostModel

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise CarpsError(f"n_workers must be a positive integer, got '{self.n}'")
        if self.clock not in CLOCKS:
            raise CarpsError(f"clock must be 'simulated' or 'real', got '{self.clock}'")
        cost_model(self.cost)  # a bad cost option fails here, before any trial runs

    def describe(self) -> dict[str, Any]:
        from carps.core.cost import describe as describe_cost

        return {"n_workers": self.n, "clock": self.clock, "charge_optimizer_time": self.charge_optimizer_time, "cost": describe_cost(cost_model(self.cost))}


@dataclass(order=True)
class _InFlight:
    """A trial handed to a worker; ordered by when it leaves the event queue."""

    key: tuple[Any, ...]
    info: TrialInfo = field(compare=False)
    budget: float = field(compare=False)
    worker: int = field(compare=False)
    start: float = field(compare=False)
    end: float = field(compare=False, default=math.inf)
    outcome: TrialOutcome | None = field(compare=False, default=None)
    logged: dict[str, Any] | None = field(compare=False, default=None)
    future: Any = field(compare=False, default=None)
    started_at: float = field(compare=False, default=0.0)


def run_parallel(
    task: Task,
    optimizer: Optimizer,
    sink: TrialSink,
    budget: Budget,
    workers: Workers,
    trial_timeout: float | None = None,
    replay: Sequence[dict[str, Any]] = (),
) -> RunSummary:
    """Run ``optimizer`` on ``task`` with ``workers.n`` trials in flight (see the module docs)."""
    backend = _RealWorkers(task, workers.n, trial_timeout) if workers.clock == "real" else None
    try:
        return _ParallelRun(task, optimizer, sink, budget, workers, trial_timeout, replay, backend).run()
    finally:
        if backend is not None:
            backend.close()


class _ParallelRun:
    def __init__(
        self,
        task: Task,
        optimizer: Optimizer,
        sink: TrialSink,
        budget: Budget,
        workers: Workers,
        trial_timeout: float | None,
        replay: Sequence[dict[str, Any]],
        backend: _RealWorkers | None,
    ) -> None:
        self.task, self.optimizer, self.sink, self.budget = task, optimizer, sink, budget
        self.workers = workers
        self.cost: CostModel = cost_model(workers.cost)
        self.trial_timeout = trial_timeout
        self.backend = backend
        self.summary = RunSummary()
        self.free = list(range(workers.n))  # a heap: the lowest free worker gets the next trial
        self.in_flight: list[_InFlight] = []
        self.seq = itertools.count()
        self.committed = 0.0  # budget of every trial started (running ones included)
        self.used = 0.0  # budget of the trials finished
        self.now = 0.0  # the driver's clock
        self.event_time = 0.0  # end of the last finished trial: what budget decisions look at
        self.launching = True
        self.logged = {int(r["trial"]): (i, r) for i, r in enumerate(replay)}
        self.n_logged_left = len(replay)
        self.t_start = time.perf_counter()
        self.real_offset = 0.0

    # the loop ------------------------------------------------------------------------------------
    def run(self) -> RunSummary:
        if self.backend is not None and self.logged:
            # real times continue after the logged ones
            self.real_offset = max(float(r.get("sim_end") or 0.0) for _, r in self.logged.values())
        with TrialDeadline(self.trial_timeout if self.backend is None else None) as deadline:
            self.deadline = deadline
            while True:
                self._fill_free_workers()
                if not self.in_flight:
                    break
                self._finish(self._next_finished())
        if self.n_logged_left:
            raise ReplayMismatch(f"{self.n_logged_left} logged trial(s) were never asked again on resume")
        summary = self.summary
        summary.budget_used = self.used
        summary.wall_time = time.perf_counter() - self.t_start
        summary.replayed = len(self.logged)
        summary.sim_time = self.now
        summary.incumbent = [describe(info, value) for info, value in self.optimizer.incumbent()]
        return summary

    def _fill_free_workers(self) -> None:
        while self.free and self.launching:
            if not self._budget_left():
                self.launching = False
                break
            t = time.perf_counter()
            try:
                info = self.optimizer.ask()
            except StopRun:
                self.summary.stop_reason = "optimizer_done"
                self.launching = False
                break
            except WaitForResults:
                if not self.in_flight:
                    raise CarpsError(f"{type(self.optimizer).__name__} waits for results, but no trial is running") from None
                break  # asked again once a trial finishes
            finally:
                asked = time.perf_counter() - t
                self.summary.optimizer_time += asked
            cost = budget_cost(self.task.fidelity, info)
            if self.committed + cost > self.budget.n_trials + _BUDGET_EPS:  # would overshoot: not run
                self.launching = False
                break
            self.committed += cost
            self._launch(info, cost, asked)

    def _budget_left(self) -> bool:
        budget = self.budget
        if budget.wall_time is not None and time.perf_counter() - self.t_start >= budget.wall_time:
            self.summary.stop_reason = "wall_time"
            return False
        if budget.time_budget is not None and self.event_time >= budget.time_budget:
            self.summary.stop_reason = "time_budget"
            return False
        return self.committed < budget.n_trials - _BUDGET_EPS

    def _launch(self, info: TrialInfo, cost: float, asked: float) -> None:
        worker = heapq.heappop(self.free)
        entry = self.logged.get(info.trial)
        if entry is not None:  # replayed: the log says how it went and when
            position, record = entry
            if info.config != record["config"] or info.fidelity != record["fidelity"]:
                raise ReplayMismatch(f"trial {record['trial']}: optimizer asked {info.config} but the log has {record['config']}")
            start, end = float(record["sim_start"]), float(record["sim_end"])
            self.now = max(self.now, start)
            item = _InFlight((0, position), info, cost, worker, start, end, logged=record)
        else:
            if self.workers.charge_optimizer_time and self.backend is None:
                self.now += asked
            item = self._start(info, cost, worker)
        heapq.heappush(self.in_flight, item)

    def _start(self, info: TrialInfo, cost: float, worker: int) -> _InFlight:
        started_at = time.time()
        if self.backend is not None:
            start = self._real_now()
            return _InFlight((1, math.inf, next(self.seq)), info, cost, worker, start, future=self.backend.submit(info), started_at=started_at)
        outcome = evaluate_trial(self.task, info, self.deadline)
        self.summary.objective_time += outcome.seconds
        start = self.now
        end = start + self.cost.seconds(self.task, info, outcome)
        return _InFlight((1, end, next(self.seq)), info, cost, worker, start, end, outcome=outcome, started_at=started_at)

    def _next_finished(self) -> _InFlight:
        if self.in_flight[0].key[0] == 0 or self.backend is None:
            item = heapq.heappop(self.in_flight)
            limit = self.budget.time_budget
            if item.logged is None and limit is not None and item.end > limit:
                self._cut(item, limit)
            return item
        return self._next_real()

    def _cut(self, item: _InFlight, limit: float) -> None:
        """A trial still running when the time budget ends: it never reports a result."""
        self.launching = False
        self.summary.stop_reason = "time_budget"
        item.outcome = TrialOutcome(TrialStatus.TIMEOUT, error=f"still running when the time budget of {limit:g} s ran out", seconds=item.outcome.seconds if item.outcome else 0.0)
        item.end = limit

    def _next_real(self) -> _InFlight:
        assert self.backend is not None
        pending = {item.future: item for item in self.in_flight}
        done = self.backend.wait_any(list(pending))
        finished = []
        for future in done:
            item = pending[future]
            outcome, t_start, t_end = future.result()
            item.outcome = outcome
            item.start = t_start - self.backend.t0 + self.real_offset
            item.end = t_end - self.backend.t0 + self.real_offset
            finished.append(item)
            self.summary.objective_time += outcome.seconds
        first = min(finished, key=lambda it: (it.end, it.key[2]))
        self.in_flight.remove(first)
        heapq.heapify(self.in_flight)
        return first

    def _real_now(self) -> float:
        assert self.backend is not None
        return time.time() - self.backend.t0 + self.real_offset

    def _finish(self, item: _InFlight) -> None:
        self.now = max(self.now, item.end)
        self.event_time = item.end
        if item.logged is not None:
            record = item.logged
            value = value_from_record(record, self.task)
            self.optimizer.tell(item.info, value)
            self.used = float(record["budget_used"])
            self.n_logged_left -= 1
            self.summary.n_trials += 1
            self.summary.n_failed += record["status"] != "ok"
            heapq.heappush(self.free, item.worker)
            return
        outcome = item.outcome
        assert outcome is not None
        value = trial_value(self.task.objectives, outcome, item.budget)
        t = time.perf_counter()
        self.optimizer.tell(item.info, value)
        told = time.perf_counter() - t
        self.summary.optimizer_time += told
        if self.workers.charge_optimizer_time and self.backend is None:
            self.now += told
        self.used += item.budget
        record = trial_record(item.info, self.task.objective_names, outcome, self.used, item.started_at, self.task.constraint_names, value)
        record["sim_start"] = item.start
        record["sim_end"] = item.end
        record["worker"] = item.worker
        self.sink.write(record)
        self.summary.n_trials += 1
        self.summary.n_failed += not outcome.ok
        heapq.heappush(self.free, item.worker)


# real parallel evaluation ------------------------------------------------------------------------
_WORKER_TASK: Task | None = None
_WORKER_TIMEOUT: float | None = None


def _init_worker(task: Task | None, trial_timeout: float | None) -> None:
    global _WORKER_TASK, _WORKER_TIMEOUT
    if task is not None:
        _WORKER_TASK = task
    _WORKER_TIMEOUT = trial_timeout


def _evaluate_in_worker(config: dict[str, Any], fidelity: float | None, seed: int | None) -> tuple[TrialOutcome, float, float]:
    assert _WORKER_TASK is not None
    info = TrialInfo(config, fidelity, seed)
    started = time.time()
    with TrialDeadline(_WORKER_TIMEOUT) as deadline:
        outcome = evaluate_trial(_WORKER_TASK, info, deadline)
    return outcome, started, time.time()


class _RealWorkers:
    """``n`` worker processes that evaluate trials of one task.

    Workers are forked, so they inherit the task as built in the driver (closures included); where
    fork is not available the task is pickled to them.
    """

    def __init__(self, task: Task, n: int, trial_timeout: float | None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _WORKER_TASK
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods:
            _WORKER_TASK = task  # inherited by the forked workers
            context, init_task = multiprocessing.get_context("fork"), None
        else:  # pragma: no cover - Windows/macOS spawn
            context, init_task = multiprocessing.get_context("spawn"), task
        self.pool = ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_init_worker, initargs=(init_task, trial_timeout))
        self.t0 = time.time()

    def submit(self, info: TrialInfo) -> Any:
        return self.pool.submit(_evaluate_in_worker, info.config, info.fidelity, info.seed)

    def wait_any(self, futures: list[Any]) -> set[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return done

    def close(self) -> None:
        global _WORKER_TASK
        self.pool.shutdown(wait=True, cancel_futures=True)
        _WORKER_TASK = None
