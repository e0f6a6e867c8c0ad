"""Execute one run: build task and optimizer, resume from what is on disk, run the loop, record it.

Every launcher calls these functions: the local launcher writes in the worker (:func:`run_to_folder`),
remote launchers run in memory on the worker (:func:`run_in_memory`) and write on the driver
(:func:`write_run`), so workers need no shared filesystem.
"""

from __future__ import annotations

import os
import platform
import time
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from carps import __version__
from carps.core.errors import CarpsError
from carps.core.loop import ReplayMismatch, RunSummary, run_trials
from carps.core.parallel import Workers
from carps.core.records import RUN_FILE, SCHEMA_VERSION, TRIALS_FILE, MemorySink, RunFolder, TrialSink, dumps_bytes, encode_run
from carps.core.registry import get_registry
from carps.core.task import Task
from carps.core.types import Budget
from carps.launch.plan import RunSpec

DONE, FAILED, RUNNING, SKIPPED = "done", "failed", "running", "skipped"
_VERSIONED = ("numpy", "ConfigSpace", "scipy", "pandas", "ioh", "optuna", "smac", "torch", "onnxruntime", "pymoo", "scikit-learn", "nevergrad", "dehb", "ray")


@dataclass
class RunOutcome:
    """What a launcher reports back for one run."""

    spec: RunSpec
    status: str
    n_trials: int = 0
    n_failed_trials: int = 0
    wall_time: float = 0.0
    error: str | None = None
    # seconds the whole run took where it ran (building task and optimizer, the loop, the trial log),
    # from its record's timings; None when unknown (never ran here, skipped) or when it continued
    # from logged trials, so that progress estimates use whole runs only
    run_time: float | None = None


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version(), "carps": __version__}
    for name in _VERSIONED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def task_description(task: Task) -> dict[str, Any]:
    fid = task.fidelity
    return {
        "id": task.id,
        "type": task.type.value,
        "family": task.family,
        "objectives": [{"name": o.name, "minimize": o.minimize, "lower": o.lower, "upper": o.upper} for o in task.objectives],
        "fidelity": None if fid is None else {"name": fid.name, "low": fid.low, "high": fid.high, "log": fid.log},
        "budget": {"n_trials": task.budget.n_trials, "wall_time": task.budget.wall_time},
        "constraints": [c.name for c in task.constraints],
    }


def _run_record(spec: RunSpec, status: str, **extra: Any) -> dict[str, Any]:
    return {"schema": SCHEMA_VERSION, "status": status, "run": spec.as_dict(), "versions": package_versions(), **extra}


def _prepare(spec: RunSpec) -> tuple[Task, Any, Budget, dict[str, Any]]:
    registry = get_registry()
    task = registry.get_task(spec.task, **dict(spec.task_params))
    entry = registry.optimizer(spec.optimizer)
    params = {**entry.params, **dict(spec.optimizer_params)}
    budget = Budget(
        n_trials=spec.n_trials if spec.n_trials is not None else task.budget.n_trials,
        wall_time=spec.wall_time if spec.wall_time is not None else task.budget.wall_time,
        time_budget=spec.time_budget,
    )
    cls = entry.load_class()
    cls.check_supports(task)
    return task, cls, budget, params


def _execute(spec: RunSpec, sink: TrialSink, replay: list[dict[str, Any]], on_mismatch: Any = None) -> tuple[dict[str, Any], RunSummary | None]:
    started = time.time()
    try:
        task, cls, budget, params = _prepare(spec)
        workers = _workers(spec)
        n_workers = 1 if workers is None else workers.n
        optimizer = cls.for_task(task, seed=spec.seed, budget=budget, n_workers=n_workers, **params)
        try:
            summary = run_trials(task, optimizer, sink, budget, spec.trial_timeout, replay, workers)
        except ReplayMismatch:
            if on_mismatch is None:
                raise
            on_mismatch()
            optimizer = cls.for_task(task, seed=spec.seed, budget=budget, n_workers=n_workers, **params)
            summary = run_trials(task, optimizer, sink, budget, spec.trial_timeout, (), workers)
    except Exception as exc:  # the run fails, the experiment goes on
        error = str(exc) if isinstance(exc, CarpsError) else f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        return _run_record(spec, FAILED, error=error, timings={"started_at": started, "finished_at": time.time()}), None
    finished = time.time()
    record = _run_record(
        spec,
        DONE,
        task=task_description(task),
        optimizer={"id": spec.optimizer, "target": get_registry().optimizer(spec.optimizer).target, "params": params},
        budget={"n_trials": budget.n_trials, "wall_time": budget.wall_time, "time_budget": budget.time_budget},
        **({} if workers is None else {"parallel": workers.describe()}),
        summary={
            "n_trials": summary.n_trials,
            "n_failed": summary.n_failed,
            "budget_used": summary.budget_used,
            "stop_reason": summary.stop_reason,
            "replayed": summary.replayed,
            **({} if summary.sim_time is None else {"sim_time": summary.sim_time}),
        },
        timings={
            "started_at": started,
            "finished_at": finished,
            "wall_time": summary.wall_time,
            "optimizer_time": summary.optimizer_time,
            "objective_time": summary.objective_time,
            "overhead_time": summary.overhead_time,
        },
        incumbent=summary.incumbent,
    )
    return record, summary


def _workers(spec: RunSpec) -> Workers | None:
    """The workers of a parallel run; None for a sequential one."""
    if spec.n_workers is None:
        return None
    return Workers(n=int(spec.n_workers), clock=spec.clock, charge_optimizer_time=spec.charge_optimizer_time, cost=spec.cost)


def _outcome(spec: RunSpec, record: dict[str, Any]) -> RunOutcome:
    summary = record.get("summary", {})
    timings = record.get("timings", {})
    started, finished = timings.get("started_at"), timings.get("finished_at")
    whole = started is not None and finished is not None and not summary.get("replayed")
    return RunOutcome(
        spec=spec,
        status=record["status"],
        n_trials=summary.get("n_trials", 0),
        n_failed_trials=summary.get("n_failed", 0),
        wall_time=timings.get("wall_time", 0.0),
        error=record.get("error"),
        run_time=max(0.0, finished - started) if whole else None,
    )


def outcome_of(spec: RunSpec, record: dict[str, Any]) -> RunOutcome:
    """The outcome a run's ``run.json`` record describes (for launchers that read results from disk)."""
    return _outcome(spec, record)


def run_to_folder(spec: RunSpec, experiment_dir: str | Path) -> RunOutcome:
    """Run ``spec`` writing straight to its folder; a finished run is skipped, a partial one resumed.

    Trials already in ``trials.jsonl`` are replayed into the optimizer instead of re-evaluated, so
    a run killed at any moment continues without losing or duplicating a trial.
    """
    folder = RunFolder(spec.folder(Path(experiment_dir)))
    if folder.status() == DONE:
        return RunOutcome(spec, SKIPPED)
    replay = folder.repair_trials()
    folder.write_run(_run_record(spec, RUNNING, timings={"started_at": time.time()}))

    def start_over() -> None:
        # the optimizer did not reproduce the logged trials (e.g. it is not deterministic): keep the
        # old trials beside the new ones rather than delete results
        folder.close()
        folder.reset_trials(keep_as=f"trials.abandoned.{int(time.time())}.jsonl")

    try:
        record, _ = _execute(spec, folder, replay, on_mismatch=start_over)
    finally:
        folder.close()
    folder.write_run(record)
    return _outcome(spec, record)


def run_in_memory(spec: RunSpec) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run ``spec`` without touching disk; returns ``(run record, trial records)`` for the driver to write."""
    sink = MemorySink()
    record, _ = _execute(spec, sink, [])
    return record, sink.records


def write_run(spec: RunSpec, experiment_dir: str | Path, record: dict[str, Any], trials: list[dict[str, Any]]) -> RunOutcome:
    """Driver side of a remote run: write trials, then ``run.json`` (its status marks the run complete)."""
    folder = RunFolder(spec.folder(Path(experiment_dir)))
    if folder.status() == DONE:  # a retried duplicate must never be written twice
        return RunOutcome(spec, SKIPPED)
    folder.write_all(trials)
    folder.write_run(record)
    return _outcome(spec, record)


def run_key(spec: RunSpec) -> tuple[str, str, int]:
    """What identifies a run's folder within an experiment: (task, optimizer, seed)."""
    return (spec.task, spec.label, spec.seed)


@dataclass
class EncodedRun:
    """A finished run as the bytes of its two files, encoded on the worker.

    A driver that writes for many workers then only copies bytes (no JSON encoding on its one core).
    """

    outcome: RunOutcome
    run_json: bytes
    trials_jsonl: bytes


def run_encoded(spec: RunSpec) -> EncodedRun:
    """Worker side of a remote run: :func:`run_in_memory`, then encode both files."""
    record, trials = run_in_memory(spec)
    return EncodedRun(_outcome(spec, record), encode_run(record).encode(), b"".join([dumps_bytes(r) + b"\n" for r in trials]))


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _write_bytes(path: str, data: bytes, sync: bool) -> None:
    # open/write/close and nothing else: a Ray driver writes two files per run for every worker
    fd = os.open(path, _CREATE, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def write_encoded(
    experiment_dir: str | Path, run: EncodedRun, sync: bool = False, made: set[str] | None = None, written: set[tuple[str, str, int]] | None = None
) -> RunOutcome:
    """Driver side of :func:`run_encoded`: trials first, then ``run.json``, whose status marks the run complete.

    A run already done is never written twice: it is looked up on disk, or, when the caller passes
    ``written`` (the runs it has written, having checked the rest were not done when it started), there.
    Without ``sync`` the files are in the page cache when this returns, like the trials a local run
    appends: they survive a killed driver, not a power cut. ``made`` remembers folders known to
    exist across calls (fewer file-system calls per run).
    """
    spec = run.outcome.spec
    folder = folder_path(spec, experiment_dir)
    if written is not None:
        key = run_key(spec)
        if key in written:
            return RunOutcome(spec, SKIPPED)
        written.add(key)
    elif is_done(spec, experiment_dir):
        return RunOutcome(spec, SKIPPED)
    parent = os.path.dirname(folder)
    if made is not None and parent in made:
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
    else:
        os.makedirs(folder, exist_ok=True)
        if made is not None:
            made.add(parent)
    _write_bytes(f"{folder}{os.sep}{TRIALS_FILE}", run.trials_jsonl, sync)
    # run.json is written last and in place: a torn one (driver killed mid-write) does not parse,
    # so it reads as "not done" and the run is redone, never taken as complete
    _write_bytes(f"{folder}{os.sep}{RUN_FILE}", run.run_json, sync)
    return run.outcome


def folder_path(spec: RunSpec, experiment_dir: str | Path) -> str:
    """``spec.folder(experiment_dir)`` as a plain string: pathlib would be half of a Ray driver's time per run."""
    return f"{os.fspath(experiment_dir)}{os.sep}{spec.task}{os.sep}{spec.label}{os.sep}seed_{spec.seed}"


def is_done(spec: RunSpec, experiment_dir: str | Path) -> bool:
    """Whether the run is complete on disk; a cheap check (one stat) for runs never started."""
    return done_outcome(spec, experiment_dir) is not None


def done_outcome(spec: RunSpec, experiment_dir: str | Path) -> RunOutcome | None:
    """The outcome of a run already complete on disk (as it was when written), else None."""
    folder = folder_path(spec, experiment_dir)
    if not os.path.exists(os.path.join(folder, RUN_FILE)):
        return None
    record = RunFolder(Path(folder)).read_run()
    return _outcome(spec, record) if record is not None and record.get("status") == DONE else None


def run_status(spec: RunSpec, experiment_dir: str | Path) -> str | None:
    """``done``, ``failed``, ``running`` (started, not finished) or None (never started)."""
    return RunFolder(spec.folder(Path(experiment_dir))).status()


def write_failed(spec: RunSpec, experiment_dir: str | Path, error: str, attempts: int) -> RunOutcome:
    """Record a run that never finished, e.g. its worker process died on every try.

    Only ``run.json`` is (re)written: trials a local run logged before dying stay on disk, and a
    later resume continues from them. A run already done is left alone.
    """
    folder = RunFolder(spec.folder(Path(experiment_dir)))
    if folder.status() == DONE:
        return RunOutcome(spec, SKIPPED)
    record = _run_record(spec, FAILED, error=error, attempts=attempts, timings={"finished_at": time.time()})
    folder.write_run(record)
    return _outcome(spec, record)
