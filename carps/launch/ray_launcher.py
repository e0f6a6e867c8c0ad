"""The Ray launcher: fans runs out over Ray workers on this machine or on an existing Ray cluster.

Workers run in memory and send each run back as the text of its files
(:func:`~carps.launch.execute.run_encoded`); the driver writes them
(:func:`~carps.launch.execute.write_encoded`), so workers need no shared filesystem, and every
finished result is on disk (in the page cache: safe from a killed driver) before the driver waits
for the next one.

Short runs travel in small batches (one Ray task runs several runs) so that thousands of tiny runs
do not pay Ray's per-task cost each; the batch size adapts to the measured run time unless
``batch_size`` is given. A task whose worker process dies (killed, out of memory, node lost) is
retried: a batch is split and its runs retried one per task, and a run that dies on every one of its
``1 + max_retries`` tries of its own is recorded as failed with the reason. Ray is imported only here.

Example (library use; the CLI does the same for ``carps run ... launcher=ray``)::

    from carps.launch.plan import make_plan
    from carps.launch.ray_launcher import RayOptions, launch_ray

    plan = make_plan(["random"], ["blackbox/bbob/f01_d2_i*"], [1, 2], n_trials=20)
    launch_ray(plan.runs, "results/demo", options=RayOptions(num_cpus=2))
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from carps.core.errors import CarpsError, require
from carps.core.registry import get_registry
from carps.launch.execute import SKIPPED, EncodedRun, RunOutcome, is_done, run_encoded, write_encoded, write_failed
from carps.launch.plan import RunSpec
from carps.launch.progress import RunProgress

if TYPE_CHECKING:
    from carps.cli.overrides import Overrides

# a batch should keep its worker busy about this long: long enough that Ray's per-task cost
# (about a millisecond) disappears, short enough that the last batches do not leave cores idle
_TARGET_TASK_SECONDS = 0.25
_MAX_BATCH = 256
_OBJECT_STORE_BYTES = 200 * 1024**2
# threads that write finished runs: the file-system calls (mkdir, open, write) release the GIL, so one
# driver keeps up with many workers; all writes of a round end before the driver waits again
_WRITER_THREADS = 4


@dataclass(frozen=True)
class Resources:
    """What one run asks Ray for; fractions share a device (``gpus=0.25``: four runs per GPU)."""

    cpus: float = 1.0
    gpus: float = 0.0

    def describe(self) -> str:
        return f"{self.cpus:g} CPU" + (f" + {self.gpus:g} GPU" if self.gpus else "")


@dataclass
class RayOptions:
    """Settings of the Ray launcher; the CLI keys have the same names.

    ``cpus_per_run`` / ``gpus_per_run`` override every benchmark family's ``resources:`` defaults;
    ``num_cpus`` sizes a Ray started here (default: all cores); ``batch_size`` is an int or ``"auto"``.
    """

    ray_address: str | None = None
    max_retries: int = 2
    batch_size: int | str = "auto"
    cpus_per_run: float | None = None
    gpus_per_run: float | None = None
    num_cpus: int | None = None

    @classmethod
    def from_overrides(cls, o: Overrides) -> RayOptions:
        """Read ``ray_address=``, ``max_retries=``, ``batch_size=``, ``resources.*=`` and ``n_jobs=``."""
        from carps.cli.overrides import OverrideError

        batch = o.get("batch_size", "auto")
        if batch != "auto" and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
            raise OverrideError(f"batch_size must be 'auto' or a positive integer, got '{batch}'")
        retries = o.get("max_retries", 2)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise OverrideError(f"max_retries must be a non-negative integer, got '{retries}'")
        res = o.prefixed("resources")
        unknown = set(res) - {"cpus_per_run", "gpus_per_run"}
        if unknown:
            raise OverrideError(f"unknown key 'resources.{sorted(unknown)[0]}'; valid: resources.cpus_per_run, resources.gpus_per_run")
        address = o.get("ray_address")
        n_jobs = o.get("n_jobs")
        return cls(
            ray_address=None if address is None else str(address),
            max_retries=retries,
            batch_size=batch,
            cpus_per_run=o.number("resources.cpus_per_run"),
            gpus_per_run=o.number("resources.gpus_per_run", positive=False),
            num_cpus=int(n_jobs) if isinstance(n_jobs, int) and n_jobs > 1 else None,
        )


def run_resources(spec: RunSpec, options: RayOptions) -> Resources:
    """The family's ``resources:`` from its benchmark YAML, with the options' values winning.

    >>> run_resources(RunSpec("random", "blackbox/bbob/f01_d2_i1", 1), RayOptions(gpus_per_run=0.5))
    Resources(cpus=1.0, gpus=0.5)
    """
    family = get_registry().family_of(spec.task).resources
    cpus = options.cpus_per_run if options.cpus_per_run is not None else family.get("cpus_per_run", 1)
    gpus = options.gpus_per_run if options.gpus_per_run is not None else family.get("gpus_per_run", 0)
    if cpus is None or float(cpus) < 0 or gpus is None or float(gpus) < 0:
        raise CarpsError(f"resources for {spec.task} must be non-negative numbers, got cpus_per_run={cpus}, gpus_per_run={gpus}")
    return Resources(float(cpus), float(gpus))


def run_batch(specs: Sequence[RunSpec]) -> list[tuple[EncodedRun, float]]:
    """Worker side: run each spec in memory; returns each run's encoded files and its seconds.

    The worker encodes the JSON, so the one driver that writes for all workers only copies text.
    """
    out = []
    for spec in specs:
        t0 = time.perf_counter()
        encoded = run_encoded(spec)
        out.append((encoded, time.perf_counter() - t0))
    return out


@dataclass
class _Class:
    """The runs that ask for the same resources: one queue, one batch-size estimate."""

    resources: Resources
    queue: deque[RunSpec]
    slots: int
    mean_seconds: float | None = None
    measured: int = 0

    def next_batch(self, fixed: int | None) -> list[RunSpec]:
        if fixed is not None:
            size = fixed
        elif self.mean_seconds is None:
            size = 1  # no run time measured yet: start small, learn from the first results
        else:
            size = max(1, int(_TARGET_TASK_SECONDS / max(self.mean_seconds, 1e-6)))
            # leave at least ~4 batches per slot so the tail of the experiment stays balanced
            size = min(size, _MAX_BATCH, max(1, len(self.queue) // (4 * self.slots)))
        return [self.queue.popleft() for _ in range(min(size, len(self.queue)))]

    def observe(self, seconds: Sequence[float]) -> None:
        for s in seconds:
            self.measured += 1
            weight = 1.0 / min(self.measured, 50)  # running mean, then a slow moving average
            self.mean_seconds = s if self.mean_seconds is None else self.mean_seconds + weight * (s - self.mean_seconds)


def launch_ray(
    runs: Sequence[RunSpec],
    experiment_dir: str | Path,
    progress: RunProgress | None = None,
    overrides: Overrides | None = None,
    options: RayOptions | None = None,
) -> list[RunOutcome]:
    """Execute the runs of ``runs`` that are not done yet on Ray; the driver writes every result.

    Connects to ``options.ray_address`` (``auto`` or ``host:port`` or ``ray://host:port``), reuses a
    Ray already initialised in this process, or starts a local Ray that is shut down at the end.
    """
    if options is None:
        options = RayOptions.from_overrides(overrides) if overrides is not None else RayOptions()
    experiment_dir = Path(experiment_dir)
    progress = progress or RunProgress(len(runs), enabled=False)
    outcomes: list[RunOutcome] = []
    todo: list[RunSpec] = []
    for spec in runs:
        if is_done(spec, experiment_dir):
            outcome = RunOutcome(spec, SKIPPED)
            progress.update(outcome)
            outcomes.append(outcome)
        else:
            todo.append(spec)
    if not todo:
        return outcomes
    by_resources: dict[Resources, deque[RunSpec]] = {}
    for spec in todo:
        by_resources.setdefault(run_resources(spec, options), deque()).append(spec)

    ray = require("ray", extra="ray")
    started_here = not ray.is_initialized()
    if started_here:
        _connect(ray, options)
    try:
        classes = _check_resources(ray, by_resources)
        outcomes.extend(_schedule(ray, classes, experiment_dir, progress, options))
    finally:
        if started_here:
            ray.shutdown()
    return outcomes


def _connect(ray: Any, options: RayOptions) -> None:
    quiet = {"logging_level": logging.ERROR, "log_to_driver": False, "include_dashboard": False}
    if options.ray_address:
        try:
            ray.init(address=options.ray_address, **quiet)
        except ConnectionError as exc:
            raise CarpsError(
                f"cannot reach a Ray cluster at ray_address={options.ray_address} ({exc}); start one with "
                "'ray start --head' (then ray_address=auto) or leave ray_address out to start a local Ray"
            ) from exc
        return
    # a private single-machine Ray: no dashboard, a small object store (results are small), workers' output hidden
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=options.num_cpus or os.cpu_count() or 1, object_store_memory=_OBJECT_STORE_BYTES, **quiet)


def _check_resources(ray: Any, by_resources: dict[Resources, deque[RunSpec]]) -> list[_Class]:
    total = ray.cluster_resources()
    cpus, gpus = float(total.get("CPU", 0)), float(total.get("GPU", 0))
    classes = []
    for res, queue in by_resources.items():
        example = queue[0].task
        if res.gpus > gpus:
            raise CarpsError(
                f"runs of {example} ask for {res.gpus:g} GPU each, but the Ray cluster has {gpus:g} GPU(s); "
                "run them on CPU with resources.gpus_per_run=0, or attach to a cluster with GPUs (ray_address=...)"
            )
        if res.cpus > cpus:
            raise CarpsError(
                f"runs of {example} ask for {res.cpus:g} CPUs each, but the Ray cluster has {cpus:g}; "
                f"lower resources.cpus_per_run or add nodes"
            )
        slots = min(int(cpus // res.cpus) if res.cpus else len(queue), int(gpus // res.gpus) if res.gpus else len(queue))
        classes.append(_Class(res, queue, max(1, slots)))
    return classes


def _key(spec: RunSpec) -> tuple[str, str, int]:
    return (spec.task, spec.optimizer, spec.seed)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def _schedule(ray: Any, classes: list[_Class], experiment_dir: Path, progress: RunProgress, options: RayOptions) -> list[RunOutcome]:
    from ray.exceptions import RayError, RayTaskError

    fixed = None if options.batch_size == "auto" else int(options.batch_size)
    remote = ray.remote(run_batch)
    tasks = {c.resources: remote.options(num_cpus=c.resources.cpus, num_gpus=c.resources.gpus, max_retries=0) for c in classes}
    # tasks in flight: enough to keep every slot busy while results travel back, bounded for memory
    window = min(max(2, 2 * sum(c.slots for c in classes)), 4096)
    in_flight: dict[Any, tuple[_Class, list[RunSpec]]] = {}
    tries: dict[tuple[str, str, int], int] = {}  # by run folder: what a retry is counted against
    made: set[str] = set()  # folders known to exist
    outcomes: list[RunOutcome] = []

    def fail(spec: RunSpec, reason: str) -> None:
        outcome = write_failed(spec, experiment_dir, reason, tries.get(_key(spec), 1))
        progress.update(outcome)
        outcomes.append(outcome)

    from concurrent.futures import ThreadPoolExecutor

    writer = ThreadPoolExecutor(max_workers=_WRITER_THREADS, thread_name_prefix="carps-writer")

    def write(encoded: EncodedRun) -> RunOutcome:
        return write_encoded(experiment_dir, encoded, made=made)

    try:
        while in_flight or any(c.queue for c in classes):
            while len(in_flight) < window and any(c.queue for c in classes):
                for c in classes:  # round-robin so that no resource class starves another
                    if c.queue and len(in_flight) < window:
                        batch = c.next_batch(fixed)
                        in_flight[tasks[c.resources].remote(batch)] = (c, batch)
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            rest = [r for r in in_flight if r not in ready]
            if rest:  # take everything else that is ready too, and write it in one go
                more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
                ready += more
            results: list[EncodedRun] = []
            for ref in ready:
                c, batch = in_flight.pop(ref)
                try:
                    got = ray.get(ref)
                except RayTaskError as exc:  # Python raised past run_in_memory (e.g. SystemExit): deterministic
                    if len(batch) > 1:  # find the run that raised: retry each alone
                        _split(c, batch, tasks, in_flight)
                        continue
                    fail(batch[0], f"the run raised {_first_line(exc)}")
                    continue
                except RayError as exc:  # the worker process or its node died: retry
                    if len(batch) > 1:
                        # which run killed it is unknown: retry each alone (not counted as a try of
                        # theirs), so that one bad run cannot use up the tries of others
                        for spec in batch:
                            progress.retry(spec, _first_line(exc))
                        _split(c, batch, tasks, in_flight)
                        continue
                    spec = batch[0]
                    tries[_key(spec)] = tries.get(_key(spec), 0) + 1
                    if tries[_key(spec)] <= options.max_retries:
                        progress.retry(spec, _first_line(exc))
                        c.queue.appendleft(spec)
                    else:
                        fail(spec, f"worker died on each of {tries[_key(spec)]} tries; last: {_first_line(exc)}")
                    continue
                c.observe([seconds for _, seconds in got])
                results.extend(encoded for encoded, _ in got)
            # the driver writes every finished run before it waits again
            for outcome in (writer.map(write, results) if len(results) > 1 else map(write, results)):
                progress.update(outcome)
                outcomes.append(outcome)
    except BaseException:
        for ref in in_flight:
            ray.cancel(ref, force=True)
        raise
    finally:
        writer.shutdown(wait=True)
    return outcomes


def _split(c: _Class, batch: list[RunSpec], tasks: dict[Resources, Any], in_flight: dict[Any, tuple[_Class, list[RunSpec]]]) -> None:
    """Resubmit each run of a failed batch as its own task, ahead of the queue."""
    for spec in batch:
        in_flight[tasks[c.resources].remote([spec])] = (c, [spec])
