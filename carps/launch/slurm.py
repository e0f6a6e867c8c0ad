"""The Slurm launcher: runs go out as job arrays through submitit and write to the shared experiment folder.

The driver (``carps run ... launcher=slurm``, on a login node) groups the runs that are not done by
what one run needs (CPUs, GPUs, memory: the benchmark family's ``resources``, overridden by
``resources.*``), packs several runs into each array task (:func:`plan_tasks`), and submits one array
per group with submitit. Each array task (:class:`ArrayTask`) runs its runs one after the other, each
in a worker process, straight into ``<experiment>/<task>/<optimizer>/seed_<n>/`` on the shared
filesystem, so a run resumes from its ``trials.jsonl`` wherever it was cut off, exactly as a local
resume does. What was submitted is appended to ``<experiment>/.slurm/jobs.jsonl`` (array task id ->
its runs); submitit's scripts, pickles and logs live beside it.

Faults:

- time limit or preemption: Slurm signals the task (``USR2``, ``signal_delay_s`` before its limit);
  submitit's checkpoint stops the running run (its trials are on disk) and requeues the task with the
  runs it has not finished, up to ``max_requeues`` times for time limits;
- cancelled, node lost, requeues used up: the waiting driver sees the task leave the queue with runs
  unfinished and submits those again, up to ``max_retries`` times each; a run that ends unfinished on
  every try is recorded failed with the reason (the task's end state, or submitit's error);
- a run's worker process dies (killed, out of memory): the task retries that run in a fresh worker,
  up to ``max_retries`` times, then records it failed and goes on with its other runs.

A run is never written twice: a run done on disk is skipped everywhere, and a task holds a lock file in
the run's folder while it runs it, so two jobs given the same run (two drivers at once) take turns.

With ``wait=false`` the driver returns after submitting; ``carps status`` shows the runs in flight with
their Slurm job ids, and the same ``carps run`` again submits only runs that are neither done nor
queued, then waits for all of them. submitit is imported only when jobs are submitted.

Example (library use; the CLI does the same for ``carps run ... launcher=slurm``)::

    from carps.launch.plan import make_plan
    from carps.launch.progress import RunProgress
    from carps.launch.slurm import SlurmLauncher, SlurmOptions

    plan = make_plan(["random"], ["blackbox/bbob/f01_d2_i*"], [1, 2], n_trials=20)
    launcher = SlurmLauncher(SlurmOptions(partition="cpu", time_min=30, runs_per_task=10))
    launcher.launch(plan.runs, Path("/shared/results/demo"), RunProgress(plan.runs))
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterator, Sequence

from carps.core.errors import CarpsError, require
from carps.core.registry import get_registry
from carps.launch.execute import DONE, FAILED, SKIPPED, RunOutcome, done_outcome, folder_path, outcome_of, run_key, run_to_folder, write_failed
from carps.launch.launcher import PENDING, RUNNING, InFlight, RunKey
from carps.launch.plan import RunSpec
from carps.launch.progress import RunProgress

SLURM_DIR = ".slurm"  # in the experiment folder: jobs.jsonl and submitit's files
JOBS_FILE = "jobs.jsonl"
LOCK_FILE = ".lock"
# a Slurm array task in one of these states is running (its runs may be); every other state in the
# queue (PENDING, REQUEUED, CONFIGURING, ...) is waiting
_RUNNING_STATES = {"RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT"}


@dataclass
class SlurmOptions:
    """Settings of the Slurm launcher: ``launcher.<field>=value`` on the command line.

    - ``partition``: where to run (default: the cluster's default partition);
    - ``time_min``: the time limit of each array task in minutes (``sbatch --time``);
    - ``runs_per_task``: runs packed into one array task, or ``auto`` (see :func:`plan_tasks`);
    - ``max_array_tasks``: tasks per job array at most (Slurm's ``MaxArraySize`` is 1001 by default);
    - ``array_parallelism``: tasks of one array running at once (``--array=...%N``; default: no limit);
    - ``cpus_per_run``, ``gpus_per_run``, ``mem_gb_per_run``, ``minutes_per_run``: what one run needs
      (``resources.*=`` on the command line), over each family's ``resources``; Slurm grants whole
      CPUs and GPUs, so fractions round up;
    - ``max_requeues``: requeues of a task that reaches its time limit (preemptions are always requeued);
    - ``max_retries``: more tries for a run whose job ended before it finished, or whose worker died;
    - ``wait``: ``False`` returns after submitting; ``poll_s``: seconds between looks at the queue;
    - ``signal_delay_s``: seconds before the time limit at which Slurm signals the task to stop and
      requeue (default: a quarter of the limit, 30 s to 120 s);
    - ``python``: the interpreter the tasks run (default: this one; it must exist on the nodes);
    - ``setup``: a shell line run before each task (``module load ...; source venv/bin/activate``);
    - ``job_name`` (default: ``carps-<experiment>``); ``sbatch``: further ``sbatch`` options as given (``launcher.sbatch.account=ml``).
    """

    partition: str | None = None
    time_min: int = 60
    runs_per_task: int | str = "auto"
    max_array_tasks: int = 256
    array_parallelism: int | None = None
    cpus_per_run: float | None = None
    gpus_per_run: float | None = None
    mem_gb_per_run: float | None = None
    minutes_per_run: float | None = None
    max_requeues: int = 3
    max_retries: int = 2
    wait: bool = True
    poll_s: float = 5.0
    signal_delay_s: int | None = None
    python: str | None = None
    setup: str | None = None
    job_name: str | None = None
    sbatch: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        def bad(key: str, want: str) -> CarpsError:
            return CarpsError(f"launcher.{key} must be {want}, got '{getattr(self, key)}'")

        for key in ("time_min", "max_array_tasks"):
            if not _is_int(getattr(self, key)) or getattr(self, key) < 1:
                raise bad(key, "a positive integer")
        for key in ("max_requeues", "max_retries"):
            if not _is_int(getattr(self, key)) or getattr(self, key) < 0:
                raise bad(key, "a non-negative integer")
        if self.runs_per_task != "auto" and (not _is_int(self.runs_per_task) or self.runs_per_task < 1):
            raise bad("runs_per_task", "'auto' or a positive integer")
        if self.array_parallelism is not None and (not _is_int(self.array_parallelism) or self.array_parallelism < 1):
            raise bad("array_parallelism", "a positive integer")
        for key in ("cpus_per_run", "gpus_per_run", "mem_gb_per_run", "minutes_per_run"):
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise CarpsError(f"resources.{key} must be a non-negative number, got '{value}'")
        if not isinstance(self.poll_s, (int, float)) or self.poll_s <= 0:
            raise bad("poll_s", "a positive number of seconds")
        if self.signal_delay_s is not None and (not _is_int(self.signal_delay_s) or not 0 < self.signal_delay_s < 60 * self.time_min):
            raise bad("signal_delay_s", f"a whole number of seconds below the time limit ({60 * self.time_min} s)")

    def signal_delay(self) -> int:
        return self.signal_delay_s if self.signal_delay_s is not None else min(120, max(30, 15 * self.time_min))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class TaskResources:
    """What one array task asks Slurm for: whole CPUs and GPUs, memory in GB (None: the cluster's default)."""

    cpus: int = 1
    gpus: int = 0
    mem_gb: float | None = None
    minutes: float | None = None  # expected minutes of one run, when known: how many fit in a task


def run_resources(spec: RunSpec, options: SlurmOptions) -> TaskResources:
    """The family's ``resources:`` with the options' values winning, in Slurm's whole units.

    >>> run_resources(RunSpec("random", "blackbox/bbob/f01_d2_i1", 1), SlurmOptions(gpus_per_run=0.25))
    TaskResources(cpus=1, gpus=1, mem_gb=None, minutes=None)
    """
    family = get_registry().family_of(spec.task).resources

    def pick(key: str, default: Any) -> Any:
        value = getattr(options, key)
        return value if value is not None else family.get(key, default)

    cpus, gpus, mem, minutes = pick("cpus_per_run", 1), pick("gpus_per_run", 0), pick("mem_gb_per_run", None), pick("minutes_per_run", None)
    if options.cpus_per_run is None:  # a family's default is per evaluation: a run on the real clock evaluates n_workers at once
        cpus = float(cpus) * spec.processes
    return TaskResources(max(1, math.ceil(float(cpus))), math.ceil(float(gpus)), None if mem is None else float(mem), None if minutes is None else float(minutes))


def plan_tasks(runs: Sequence[RunSpec], resources: TaskResources, options: SlurmOptions) -> list[list[RunSpec]]:
    """Pack runs (of one resource class, in plan order) into array tasks.

    ``runs_per_task=N`` puts N runs in each. ``auto`` spreads the runs over ``max_array_tasks`` tasks;
    when one run's minutes are known (``minutes_per_run``), a task also gets at least two minutes of
    work (so that thousands of one-second runs make a few jobs) and at most 80% of its time limit.

    >>> specs = [RunSpec("random", "blackbox/bbob/f01_d2_i1", s) for s in range(1000)]
    >>> [len(t) for t in plan_tasks(specs, TaskResources(), SlurmOptions())][:3]
    [4, 4, 4]
    >>> len(plan_tasks(specs, TaskResources(minutes=1 / 60), SlurmOptions(time_min=10)))
    9
    """
    n = len(runs)
    if not n:
        return []
    if options.runs_per_task != "auto":
        per = int(options.runs_per_task)
    else:
        per = math.ceil(n / options.max_array_tasks)
        if resources.minutes:
            fits = max(1, int(0.8 * options.time_min / resources.minutes))
            per = min(fits, max(per, math.ceil(2.0 / resources.minutes)))
    return [list(runs[i : i + per]) for i in range(0, n, per)]


# ------------------------------------------------------------------------------------------------
# inside an array task


@contextmanager
def run_lock(spec: RunSpec, experiment_dir: str) -> Iterator[None]:
    """Hold ``<run folder>/.lock`` while the run executes: two tasks given the same run take turns
    (the second then finds it done). ``flock`` works on NFS v4 and most cluster filesystems."""
    import fcntl

    folder = folder_path(spec, experiment_dir)
    os.makedirs(folder, exist_ok=True)
    fd = os.open(os.path.join(folder, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class _Stopped(Exception):
    """The task was told to stop (SIGTERM) while a run was in its worker."""


class ArrayTask:
    """One array task: its runs, one after the other, each in a worker process (so that a run that
    kills its process, or a signal, never leaves a half-told trial in this process).

    submitit calls it on the node, and calls :meth:`checkpoint` when Slurm signals a time limit or a
    preemption: the worker is stopped (its run's trials are on disk) and the task is requeued with the
    runs it has not finished. A SIGTERM (``scancel``, a preemption's first notice) stops the worker and
    starts no further run.
    """

    def __init__(self, runs: Sequence[RunSpec], experiment_dir: str, max_retries: int = 2) -> None:
        self.runs = list(runs)
        self.experiment_dir = str(experiment_dir)
        self.max_retries = max_retries
        self._pool: Any = None
        self._stopping = False

    def __getstate__(self) -> dict[str, Any]:
        # what a requeued task starts from: the runs left; never the worker pool
        return {"runs": self.runs, "experiment_dir": self.experiment_dir, "max_retries": self.max_retries}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["runs"], state["experiment_dir"], state["max_retries"])

    def __call__(self) -> list[tuple[RunKey, str]]:
        import signal

        signal.signal(signal.SIGTERM, self._terminate)
        finished: list[tuple[RunKey, str]] = []
        try:
            while self.runs and not self._stopping:
                spec = self.runs[0]
                try:
                    with run_lock(spec, self.experiment_dir):
                        outcome = self._run_one(spec)
                except _Stopped:
                    break
                print(f"{outcome.status}: {spec.task} {spec.optimizer} seed {spec.seed}", flush=True)
                finished.append((run_key(spec), outcome.status))
                self.runs.pop(0)
        finally:
            self._stop_worker()
        if self._stopping:
            # a SIGTERM: Slurm kills the task next, or submitit's requeue signal follows (preemption);
            # wait for either, then leave the runs not done to the driver
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                time.sleep(1)
        return finished

    def checkpoint(self) -> Any:
        """submitit's hook on a time limit or preemption: stop the worker, requeue the runs left."""
        from submitit.helpers import DelayedSubmission

        self._stop_worker()
        return DelayedSubmission(self)

    def _run_one(self, spec: RunSpec) -> RunOutcome:
        from concurrent.futures.process import BrokenProcessPool

        from carps.launch.local import worker_pool

        tries = 0
        while True:
            if self._pool is None:
                self._pool = worker_pool(1)  # one worker for the task: imports are paid once per task
            try:
                return self._pool.submit(run_to_folder, spec, self.experiment_dir).result()
            except BrokenProcessPool:
                self._pool = None
                if self._stopping:
                    raise _Stopped from None
                tries += 1
                if tries > self.max_retries:
                    return write_failed(spec, self.experiment_dir, f"worker process died on each of {tries} tries (killed or out of memory)", tries)
                print(f"retry: {spec.task} {spec.optimizer} seed {spec.seed}: its worker process died", flush=True)

    def _terminate(self, signum: int, frame: Any) -> None:
        self._stopping = True
        self._stop_worker()

    def _stop_worker(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()  # the run's trials are on disk up to the last one told; it resumes from there
        pool.shutdown(wait=False, cancel_futures=True)


# ------------------------------------------------------------------------------------------------
# the driver


@dataclass
class _Task:
    """A submitted array task as the driver tracks it: its runs in order, and what is reported."""

    job: str
    runs: list[RunSpec]
    submitted_at: float
    reported: int = 0  # runs[:reported] are done (or failed this time) and reported


def queue_states() -> dict[str, str] | None:
    """``squeue`` for this user, one entry per array task: job id -> state; None if squeue failed
    (then nothing is concluded from the queue this time)."""
    try:
        done = subprocess.run(["squeue", "--me", "-h", "-r", "-o", "%i|%T"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    states = {}
    for line in done.stdout.splitlines():
        job, _, state = line.strip().partition("|")
        if job:
            states[job] = state.strip()
    return states


def read_jobs(experiment_dir: Path) -> list[_Task]:
    """Every array task submitted for the experiment, oldest first (a torn last line is skipped)."""
    path = Path(experiment_dir) / SLURM_DIR / JOBS_FILE
    if not path.exists():
        return []
    tasks = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        for job, runs in record["tasks"].items():
            tasks.append(_Task(job, [RunSpec.from_dict(r) for r in runs], record["submitted_at"]))
    return tasks


def _record(spec: RunSpec, experiment_dir: Path) -> dict[str, Any] | None:
    path = os.path.join(folder_path(spec, experiment_dir), "run.json")
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _finished(spec: RunSpec, experiment_dir: Path, since: float) -> RunOutcome | None:
    """The run's outcome if it is done, or failed at or after ``since`` (not a failure of an earlier
    try that this task will run again); else None."""
    record = _record(spec, experiment_dir)
    if record is None:
        return None
    if record.get("status") == DONE:
        return outcome_of(spec, record)
    finished_at = (record.get("timings") or {}).get("finished_at") or 0
    if record.get("status") == FAILED and finished_at >= since - 5:  # seconds of clock skew between nodes
        return outcome_of(spec, record)
    return None


class SlurmLauncher:
    """``launcher=slurm``: job arrays through submitit (see the module docstring)."""

    name: ClassVar[str] = "slurm"
    options_type: ClassVar[type] = SlurmOptions

    def __init__(self, options: SlurmOptions | None = None) -> None:
        self.options = options or SlurmOptions()

    # the protocol ---------------------------------------------------------------------------------
    def launch(self, runs: Sequence[RunSpec], experiment_dir: Path, progress: RunProgress) -> list[RunOutcome]:
        experiment_dir = Path(experiment_dir).resolve()  # the nodes must find it wherever they start
        progress.expect(runs)
        outcomes: list[RunOutcome] = []
        held = self._held_tasks(experiment_dir)
        held_keys = {run_key(s) for t in held for s in t.runs[t.reported :]}
        todo = []
        for spec in runs:
            key = run_key(spec)
            done = done_outcome(spec, experiment_dir)
            if done is not None:
                outcome = RunOutcome(spec, SKIPPED)
                progress.update(outcome)
                outcomes.append(outcome)
            elif key not in held_keys:
                todo.append(spec)
        wanted = {run_key(s) for s in runs}
        # tasks an earlier driver submitted that still hold runs of this plan: watched, not resubmitted
        tasks = [t for t in held if any(run_key(s) in wanted for s in t.runs)]
        tasks += self.submit(todo, experiment_dir)
        if not self.options.wait:
            in_flight = sum(1 for t in tasks for s in t.runs if run_key(s) in wanted and done_outcome(s, experiment_dir) is None)
            progress.left_in_flight(in_flight, "Slurm job " + ", ".join(sorted({t.job.split("_")[0] for t in tasks})))
            return outcomes
        outcomes.extend(self._watch(tasks, wanted - {run_key(o.spec) for o in outcomes}, experiment_dir, progress))
        return outcomes

    def in_flight(self, experiment_dir: Path) -> dict[RunKey, InFlight]:
        """The runs of the experiment in Slurm's queue now, with their array task ids."""
        experiment_dir = Path(experiment_dir)
        if not (experiment_dir / SLURM_DIR / JOBS_FILE).exists():
            return {}
        states = queue_states()
        if states is None:
            return {}
        held: dict[RunKey, InFlight] = {}
        for task in read_jobs(experiment_dir):
            state = states.get(task.job)
            if state is None:
                continue
            running = state in _RUNNING_STATES
            for spec in task.runs:
                record = _record(spec, experiment_dir)
                status = None if record is None else record.get("status")
                if status == DONE:
                    continue
                held[run_key(spec)] = InFlight(RUNNING if running and status == RUNNING else PENDING, task.job)
        return held

    # submitting -----------------------------------------------------------------------------------
    def submit(self, runs: Sequence[RunSpec], experiment_dir: Path) -> list[_Task]:
        """Submit ``runs`` as job arrays (one per resource class, split at ``max_array_tasks``);
        each array is recorded in ``jobs.jsonl`` as soon as Slurm has accepted it."""
        if not runs:
            return []
        by_class: dict[TaskResources, list[RunSpec]] = {}
        family_class: dict[str, TaskResources] = {}
        for spec in runs:
            family = spec.task.split("/")[1]
            if family not in family_class:
                family_class[family] = run_resources(spec, self.options)
            by_class.setdefault(family_class[family], []).append(spec)
        folder = experiment_dir / SLURM_DIR
        folder.mkdir(parents=True, exist_ok=True)
        submitted: list[_Task] = []
        for resources, specs in by_class.items():
            batches = plan_tasks(specs, resources, self.options)
            for start in range(0, len(batches), self.options.max_array_tasks):
                submitted.extend(self._submit_array(batches[start : start + self.options.max_array_tasks], resources, experiment_dir))
        return submitted

    def _executor(self, resources: TaskResources, experiment_dir: Path) -> Any:
        submitit = require("submitit", extra="slurm")
        o = self.options
        try:
            executor = submitit.SlurmExecutor(folder=experiment_dir / SLURM_DIR / "%j", max_num_timeout=o.max_requeues, python=o.python)
        except RuntimeError as exc:  # no srun here
            raise CarpsError(f"launcher=slurm needs Slurm's commands (sbatch, squeue, srun) on this machine: {exc}; run carps on a login node of the cluster") from exc
        params: dict[str, Any] = {
            "job_name": o.job_name or f"carps-{experiment_dir.name}",
            "time": o.time_min,
            "cpus_per_task": resources.cpus,
            "signal_delay_s": o.signal_delay(),
            "additional_parameters": dict(o.sbatch),
        }
        if o.partition:
            params["partition"] = o.partition
        if resources.gpus:
            params["gpus_per_node"] = resources.gpus
        if resources.mem_gb:
            params["mem"] = f"{max(1, int(resources.mem_gb * 1024))}MB"
        if o.array_parallelism:
            params["array_parallelism"] = o.array_parallelism
        if o.setup:
            params["setup"] = [o.setup]
        try:
            executor.update_parameters(**params)
        except ValueError as exc:
            raise CarpsError(f"a launcher.sbatch option is not accepted: {str(exc).splitlines()[0]}") from exc
        return executor

    def _submit_array(self, batches: list[list[RunSpec]], resources: TaskResources, experiment_dir: Path) -> list[_Task]:
        executor = self._executor(resources, experiment_dir)
        tasks = [ArrayTask(batch, str(experiment_dir), self.options.max_retries) for batch in batches]
        now = time.time()
        try:
            jobs = executor.submit_array(tasks)
        except Exception as exc:  # sbatch refused (bad partition, limits): say what Slurm said
            text = str(exc).strip().splitlines()
            detail = next((line for line in reversed(text) if "sbatch" in line.lower() or "error" in line.lower()), text[-1] if text else "")
            raise CarpsError(f"Slurm refused the job array: {detail.strip()}") from exc
        record = {"submitted_at": now, "tasks": {job.job_id: [s.as_dict() for s in batch] for job, batch in zip(jobs, batches)}}
        with open(experiment_dir / SLURM_DIR / JOBS_FILE, "a") as fh:
            fh.write(json.dumps(record) + "\n")
        print(f"submitted {sum(map(len, batches))} runs as Slurm job {jobs[0].job_id.split('_')[0]} ({len(batches)} array tasks, "
              f"{resources.cpus} CPU{'s' if resources.cpus > 1 else ''}" + (f", {resources.gpus} GPU" if resources.gpus else "") + f", {self.options.time_min} min each)", file=sys.stderr)
        return [_Task(job.job_id, batch, now) for job, batch in zip(jobs, batches)]

    # watching -------------------------------------------------------------------------------------
    def _held_tasks(self, experiment_dir: Path) -> list[_Task]:
        """Tasks recorded for the experiment that are still in Slurm's queue."""
        if not (experiment_dir / SLURM_DIR / JOBS_FILE).exists():
            return []
        states = queue_states()
        if states is None:
            raise CarpsError("squeue failed, so carps cannot tell which runs of the experiment Slurm still holds; check that Slurm answers (squeue) and run again")
        return [t for t in read_jobs(experiment_dir) if t.job in states]

    def _watch(self, tasks: list[_Task], wanted: set[RunKey], experiment_dir: Path, progress: RunProgress) -> list[RunOutcome]:
        """Report runs as they finish until every task has left the queue; resubmit the runs a task
        left unfinished, up to ``max_retries`` times each, then record them failed."""
        outcomes: list[RunOutcome] = []
        seen: set[RunKey] = set()
        tries: Counter[RunKey] = Counter()
        open_tasks = list(tasks)
        progress.expect(workers=max(1, len(open_tasks)))

        def report(outcome: RunOutcome) -> None:
            key = run_key(outcome.spec)
            if key in wanted and key not in seen:
                seen.add(key)
                progress.update(outcome)
                outcomes.append(outcome)

        while open_tasks:
            time.sleep(self.options.poll_s)
            states = queue_states()
            if states is None:
                continue  # Slurm did not answer: nothing can be concluded this time
            unfinished: list[tuple[RunSpec, str]] = []
            still = []
            for task in open_tasks:
                gone = task.job not in states
                # a task runs its runs in order: report from the first unreported one on
                while task.reported < len(task.runs):
                    outcome = _finished(task.runs[task.reported], experiment_dir, task.submitted_at)
                    if outcome is None:
                        break
                    report(outcome)
                    task.reported += 1
                if not gone:
                    still.append(task)
                    continue
                left = [s for s in task.runs[task.reported :] if run_key(s) in wanted and run_key(s) not in seen]
                reason = None
                for spec in left:
                    outcome = _finished(spec, experiment_dir, task.submitted_at)
                    if outcome is not None:
                        report(outcome)
                        continue
                    reason = reason or self._why_ended(task, experiment_dir)
                    unfinished.append((spec, reason))
            open_tasks = still
            again = []
            for spec, reason in unfinished:
                key = run_key(spec)
                tries[key] += 1
                if tries[key] <= self.options.max_retries:
                    progress.retry(spec, reason)
                    again.append(spec)
                else:
                    report(write_failed(spec, experiment_dir, f"its Slurm job ended before it finished, on each of {tries[key]} tries; last: {reason}", tries[key]))
            if again:
                open_tasks.extend(self.submit(again, experiment_dir))
                progress.expect(workers=max(1, len(open_tasks)))
        return outcomes

    def _why_ended(self, task: _Task, experiment_dir: Path) -> str:
        """Why a task left the queue with runs unfinished: submitit's error, else Slurm's end state."""
        result = experiment_dir / SLURM_DIR / task.job / f"{task.job}_0_result.pkl"
        if result.exists():
            import pickle

            try:
                with open(result, "rb") as fh:
                    kind, value = pickle.load(fh)
                if kind == "error":
                    lines = [line for line in str(value).strip().splitlines() if line.strip()]
                    return f"job {task.job}: {lines[-1].strip()}" if lines else f"job {task.job} failed"
            except Exception:  # an unreadable result says nothing more than the queue does
                pass
        try:
            shown = subprocess.run(["scontrol", "-o", "show", "job", task.job], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired):
            shown = ""
        fields = dict(part.split("=", 1) for part in shown.split() if "=" in part)
        state = fields.get("JobState")
        if state:
            reason = fields.get("Reason", "None")
            return f"job {task.job} ended {state}" + (f" ({reason})" if reason not in ("None", "") else "")
        return f"job {task.job} left the queue (cancelled, or lost with its node)"
