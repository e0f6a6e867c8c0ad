"""The local launcher: runs in this process (``n_jobs=1``) or in a process pool.

Workers write their run's folder themselves (:func:`~carps.launch.execute.run_to_folder`). A worker
process that dies (killed, out of memory) breaks the whole pool and fails every run in flight, with
no way to tell which run caused it: the pool is replaced, runs that had not started go back into the
queue, and runs that had started are set aside and retried at the end one at a time in a fresh
one-worker pool, where a death is that run's own. A run dying on each of its ``max_retries`` tries is
recorded as failed; a retried run continues from the trials it had logged.

Workers never outlive the launch: when it stops (Ctrl-C, or SIGTERM, which ``carps run`` turns into
the same interrupt) it ends the workers before it returns, and a worker whose ``carps run`` was
killed outright (SIGKILL) ends itself within a second. An orphaned worker would otherwise go on
appending to a run that the next, resumed launch is writing too.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Sequence

from carps.core.errors import CarpsError
from carps.core.records import RunFolder
from carps.launch.execute import DONE, RUNNING, RunOutcome, outcome_of, run_status, run_to_folder, write_failed
from carps.launch.plan import RunSpec
from carps.launch.progress import RunProgress

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# multiprocessing and concurrent.futures are imported by the pool's functions only: a one-job
# ``carps run`` does not start a pool and need not pay for them (tests/launch/test_lazy_imports.py)


@dataclass
class LocalOptions:
    """Settings of the local launcher: ``n_jobs`` runs at once, ``max_retries`` more tries for a run
    whose worker process died."""

    n_jobs: int = 1
    max_retries: int = 2

    def __post_init__(self) -> None:
        if isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, int) or self.n_jobs < 1:
            raise CarpsError(f"n_jobs must be a positive integer, got '{self.n_jobs}'")
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise CarpsError(f"max_retries must be a non-negative integer, got '{self.max_retries}'")


class LocalLauncher:
    """``launcher=local``: :func:`launch_local` behind the :class:`~carps.launch.launcher.Launcher` interface.

    >>> LocalLauncher(LocalOptions(n_jobs=2)).options
    LocalOptions(n_jobs=2, max_retries=2)
    """

    name: ClassVar[str] = "local"
    options_type: ClassVar[type] = LocalOptions

    def __init__(self, options: LocalOptions | None = None) -> None:
        self.options = options or LocalOptions()

    def launch(self, runs: Sequence[RunSpec], experiment_dir: Path, progress: RunProgress) -> list[RunOutcome]:
        return launch_local(runs, experiment_dir, n_jobs=self.options.n_jobs, progress=progress, max_retries=self.options.max_retries)

    def in_flight(self, experiment_dir: Path) -> dict:
        # runs execute inside the `carps run` process: a started one shows as running in its run.json
        return {}


def worker_pool(n_jobs: int) -> ProcessPoolExecutor:
    """A process pool of ``n_jobs`` workers that start clean (forkserver) with the run code imported."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: workers start clean (no inherited threads or locks) yet cheaply
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["carps.launch.execute"])
    return ProcessPoolExecutor(max_workers=n_jobs, mp_context=context, initializer=exit_with_launcher, initargs=(os.getpid(),))


def exit_with_launcher(launcher_pid: int, poll_s: float = 0.5) -> None:
    """Worker initializer: end this worker once the process that launched it is gone.

    The worker's parent is the forkserver, which outlives a killed launcher, so the worker watches
    the launcher's pid itself, from a daemon thread that only sleeps and polls.
    """

    def watch() -> None:
        while _alive(launcher_pid):
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="carps-launcher-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed launcher that its parent has not reaped yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's worker processes now, runs in flight included (they resume on the next launch)."""
    # the public terminate_workers() is Python 3.14+; before that the processes are only reachable
    # here, and shutdown() forgets them, so they are taken first
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def launch_local(
    runs: Sequence[RunSpec], experiment_dir: Path, n_jobs: int = 1, progress: RunProgress | None = None, max_retries: int = 2
) -> list[RunOutcome]:
    """Execute ``runs``; finished runs are skipped, partial ones resumed.

    With ``n_jobs=1`` the runs execute in this process (fast to start, easy to debug; a run that
    kills its process ends the command, and rerunning it resumes). ``n_jobs>1`` uses a process pool
    that survives worker deaths (see the module docstring).
    """
    progress = progress or RunProgress(len(runs), enabled=False)
    progress.expect(runs, workers=max(1, min(n_jobs, len(runs))))
    outcomes: list[RunOutcome] = []
    if n_jobs <= 1 or len(runs) <= 1:
        for spec in runs:
            outcome = run_to_folder(spec, experiment_dir)
            progress.update(outcome)
            outcomes.append(outcome)
        return outcomes
    suspects: list[RunSpec] = []
    queue = list(reversed(runs))
    while queue:
        outcomes.extend(_run_pool(queue, experiment_dir, n_jobs, progress, suspects))
    for spec in suspects:
        outcomes.append(_run_alone(spec, experiment_dir, progress, max_retries))
    return outcomes


def _run_pool(queue: list[RunSpec], experiment_dir: Path, n_jobs: int, progress: RunProgress, suspects: list[RunSpec]) -> list[RunOutcome]:
    """Run from ``queue`` (popped from the end) until it is empty or a worker dies."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    outcomes = []
    pending: dict[Future[RunOutcome], RunSpec] = {}
    opened = time.time()
    with worker_pool(n_jobs) as pool:
        try:
            while queue or pending:
                # keep a bounded window in flight so memory stays flat for huge experiments
                while queue and len(pending) < 4 * n_jobs:
                    spec = queue.pop()
                    pending[pool.submit(run_to_folder, spec, experiment_dir)] = spec
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                lost: list[RunSpec] = []
                for future in done:
                    spec = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        lost.append(spec)
                        continue
                    progress.update(outcome)
                    outcomes.append(outcome)
                if lost:  # a worker died and took the pool down, with every run in flight
                    lost.extend(pending.values())
                    pending.clear()
                    for spec in lost:
                        # a run can finish and write its run.json just before the pool breaks, its
                        # result lost with the pool: it is done in this launch, not "already complete"
                        finished = _finished_since(spec, experiment_dir, opened)
                        if finished is not None:
                            progress.update(finished)
                            outcomes.append(finished)
                        # started runs (run.json says running) are suspects; the others never ran
                        elif run_status(spec, experiment_dir) == RUNNING:
                            suspects.append(spec)
                            progress.retry(spec, "a worker process died")
                        else:
                            queue.append(spec)
                    return outcomes
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): no worker goes on writing after this returns
            stop_workers(pool)
            raise
    return outcomes


def _finished_since(spec: RunSpec, experiment_dir: Path, since: float) -> RunOutcome | None:
    """The outcome of ``spec`` if it ran to completion after ``since`` (in this pool), else None."""
    record = RunFolder(spec.folder(experiment_dir)).read_run()
    if record is None or record.get("status") != DONE or record.get("timings", {}).get("started_at", 0.0) < since:
        return None
    return outcome_of(spec, record)


def _run_alone(spec: RunSpec, experiment_dir: Path, progress: RunProgress, max_retries: int) -> RunOutcome:
    """Retry one run in its own one-worker pool, so that a worker death is attributed to it."""
    from concurrent.futures.process import BrokenProcessPool

    tries = 1  # the try on which its pool broke
    while True:
        if tries > max_retries and tries > 1:
            outcome = write_failed(spec, experiment_dir, f"worker process died on each of {tries} tries (killed or out of memory)", tries)
            break
        tries += 1
        try:
            with worker_pool(1) as pool:
                future = pool.submit(run_to_folder, spec, experiment_dir)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    raise
                except BaseException:  # interrupted: end the worker before leaving, as in _run_pool
                    stop_workers(pool)
                    raise
            break
        except BrokenProcessPool:
            if tries <= max_retries:
                progress.retry(spec, "a worker process died")
    progress.update(outcome)
    return outcome
