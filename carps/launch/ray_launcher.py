"""The Ray launcher: fans runs out over Ray workers on this machine or on an existing Ray cluster.

Each slot of the cluster (a CPU, or whatever a run of a family asks for) holds one long-lived runner
actor. The driver hands runners batches of runs, two per runner at a time so that a runner starts its
next batch the moment it finishes one, and the batches shrink as the experiment drains (guided
self-scheduling: many runs per call early on, one per call at the end, so that no core waits on
the last batches). Who writes a finished run is ``writer``: with ``driver`` (the rule on a cluster),
runners run in memory and send each run back as the bytes of its files
(:func:`~carps.launch.execute.run_encoded`) and the driver writes them
(:func:`~carps.launch.execute.write_encoded`), so workers need no shared filesystem, and every
finished result is on disk (in the page cache: safe from a killed driver) before the driver waits
for the next one; with ``workers`` (``auto`` when every Ray node is this machine) each runner writes
its runs itself and sends back only their outcomes.

A runner whose process dies (killed, out of memory, node lost) is replaced by the driver, which
knows which of its calls was running: that batch is split and its runs retried one per call, calls
queued behind it go back to the queue, and a run that dies on every one of its ``1 + max_retries``
tries of its own is recorded as failed with the reason. Ray is imported only here.

Example (library use; the CLI does the same for ``carps run ... launcher=ray``)::

    from carps.launch.plan import make_plan
    from carps.launch.ray_launcher import RayOptions, launch_ray

    plan = make_plan(["random"], ["blackbox/bbob/f01_d2_i*"], [1, 2], n_trials=20)
    launch_ray(plan.runs, "results/demo", options=RayOptions(num_cpus=2))
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Sequence

from carps.core.errors import CarpsError, require
from carps.core.registry import get_registry
from carps.launch.execute import SKIPPED, EncodedRun, RunOutcome, done_outcome, is_done, run_encoded, run_key, write_encoded, write_failed
from carps.launch.plan import RunSpec
from carps.launch.progress import RunProgress

# a batch should keep its runner busy at most about this long: long enough that Ray's per-call cost
# (about a millisecond) disappears, short enough that a killed runner loses little
_TARGET_TASK_SECONDS = 0.25
_MAX_BATCH = 256
# guided self-scheduling: a batch is at most 1/_GUIDED of the runs left per slot, so batch sizes
# shrink geometrically and the last calls are single runs
_GUIDED = 2
# calls queued at each runner once its runs prove short: the one running and the next, so that a
# runner never waits on the driver; runs of unknown or long duration go one call at a time, so that
# no runner holds a second call while another runner has none
_DEPTH = 2
_PIPELINE_BELOW_SECONDS = 1.0
_OBJECT_STORE_BYTES = 200 * 1024**2
WRITERS = ("auto", "driver", "workers")
# runners kept between launch_ray calls of this process (RayOptions.keep_workers)
_KEPT: dict[tuple[str, Resources], list[Any]] = {}


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
    ``num_cpus`` sizes a Ray started here (default: all cores); ``batch_size`` is an int or ``"auto"``;
    ``keep_workers`` keeps the runner actors (started, imports done) for this process's next
    ``launch_ray`` on the same Ray, instead of freeing their CPUs and GPUs at the end.

    ``writer`` says who writes finished runs: ``driver`` (runs travel back and the driver writes
    them, so workers need no shared filesystem), ``workers`` (each runner writes its runs into the
    experiment folder, which every node must see, e.g. on NFS; the driver gets outcomes only), or
    ``auto`` (the default): ``workers`` when every Ray node is the driver's own machine, else ``driver``.
    """

    ray_address: str | None = None
    max_retries: int = 2
    batch_size: int | str = "auto"
    cpus_per_run: float | None = None
    gpus_per_run: float | None = None
    num_cpus: int | None = None
    keep_workers: bool = False
    writer: str = "auto"

    def __post_init__(self) -> None:
        batch = self.batch_size
        if batch != "auto" and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
            raise CarpsError(f"batch_size must be 'auto' or a positive integer, got '{batch}'")
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise CarpsError(f"max_retries must be a non-negative integer, got '{self.max_retries}'")
        if self.writer not in WRITERS:
            raise CarpsError(f"writer must be one of {', '.join(WRITERS)}, got '{self.writer}'")
        for key in ("cpus_per_run", "gpus_per_run"):
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise CarpsError(f"resources.{key} must be a non-negative number, got '{value}'")


class RayLauncher:
    """``launcher=ray``: :func:`launch_ray` behind the :class:`~carps.launch.launcher.Launcher` interface."""

    name: ClassVar[str] = "ray"
    options_type: ClassVar[type] = RayOptions

    def __init__(self, options: RayOptions | None = None) -> None:
        self.options = options or RayOptions()

    def launch(self, runs: Sequence[RunSpec], experiment_dir: Path, progress: RunProgress) -> list[RunOutcome]:
        return launch_ray(runs, experiment_dir, progress=progress, options=self.options)

    def in_flight(self, experiment_dir: Path) -> dict:
        # the driver holds its runs for as long as it lives; a started run shows as running in its run.json
        return {}


def run_resources(spec: RunSpec, options: RayOptions) -> Resources:
    """The family's ``resources:`` from its benchmark YAML, with the options' values winning.

    >>> run_resources(RunSpec("random", "blackbox/bbob/f01_d2_i1", 1), RayOptions(gpus_per_run=0.5))
    Resources(cpus=1.0, gpus=0.5)
    """
    family = get_registry().family_of(spec.task).resources
    # a family's default is per evaluation: a run on the real clock evaluates n_workers at once
    cpus = options.cpus_per_run if options.cpus_per_run is not None else family.get("cpus_per_run", 1) * spec.processes
    gpus = options.gpus_per_run if options.gpus_per_run is not None else family.get("gpus_per_run", 0)
    if cpus is None or float(cpus) < 0 or gpus is None or float(gpus) < 0:
        raise CarpsError(f"resources for {spec.task} must be non-negative numbers, got cpus_per_run={cpus}, gpus_per_run={gpus}")
    return Resources(float(cpus), float(gpus))


# a run's outcome without its spec (the driver has the spec already, so it does not travel back)
Fields = tuple[str, int, int, float, "str | None", "float | None"]
# what a runner sends back per run: the outcome's fields, the two files' bytes, the run's seconds
Packed = tuple[Fields, bytes, bytes, float]
# what a runner that wrote the run itself sends back: the outcome's fields and the run's seconds
Outcome = tuple[Fields, float]


def _fields(o: RunOutcome) -> Fields:
    return (o.status, o.n_trials, o.n_failed_trials, o.wall_time, o.error, o.run_time)


def run_batch(specs: Sequence[RunSpec]) -> list[Packed]:
    """Runner side: run each spec in memory; returns each run packed for the trip to the driver.

    The runner encodes the JSON, so the one driver that writes for all runners only copies bytes.
    """
    out: list[Packed] = []
    for spec in specs:
        t0 = time.perf_counter()
        run = run_encoded(spec)
        out.append((_fields(run.outcome), run.run_json, run.trials_jsonl, time.perf_counter() - t0))
    return out


def _unpack(spec: RunSpec, packed: Packed) -> EncodedRun:
    fields, run_json, trials_jsonl, _ = packed
    return EncodedRun(RunOutcome(spec, *fields), run_json, trials_jsonl)


class Runner:
    """The runner actor: one per slot, alive for the experiment, so imports and caches (a CUDA
    context, a loaded surrogate) are paid once per slot rather than once per run."""

    def __init__(self) -> None:
        self.made: set[str] = set()  # folders known to exist, for writer=workers

    def ready(self) -> int:
        import carps.launch.execute  # noqa: F401  - what every run needs

        return os.getpid()

    def run(self, specs: bytes) -> list[Packed]:
        """``specs``: the batch pickled by the driver (plain pickle is several times cheaper than
        the general serializer Ray would use, on the one driver that feeds every runner)."""
        return run_batch(pickle.loads(specs))

    def run_and_write(self, specs: bytes, experiment_dir: str) -> list[Outcome]:
        """``writer=workers``: run the batch and write each run here; only outcomes travel back."""
        out: list[Outcome] = []
        for spec in pickle.loads(specs):
            t0 = time.perf_counter()
            # a run this runner wrote before it died in a later run of the same call: not run again
            # (checked here, so write_encoded need not look again: written=set())
            o = done_outcome(spec, experiment_dir) or write_encoded(experiment_dir, run_encoded(spec), made=self.made, written=set())
            out.append((_fields(o), time.perf_counter() - t0))
        return out


@dataclass
class _Class:
    """The runs that ask for the same resources: one queue, one run-time estimate, its runners."""

    resources: Resources
    queue: deque[RunSpec]
    slots: int
    mean_seconds: float | None = None
    measured: int = 0
    in_flight: int = 0
    # runs of a batch whose runner died or raised: each goes alone, so the culprit is found
    suspects: deque[RunSpec] = field(default_factory=deque)

    def has_work(self) -> bool:
        return bool(self.queue or self.suspects)

    def depth(self) -> int:
        if self.mean_seconds is None:  # nothing measured yet: two calls each only while runs abound
            return _DEPTH if len(self.queue) >= 4 * _DEPTH * self.slots else 1
        return _DEPTH if self.mean_seconds < _PIPELINE_BELOW_SECONDS else 1

    def next_batch(self, fixed: int | None, live: int) -> list[RunSpec]:
        if self.suspects:
            return [self.suspects.popleft()]
        if fixed is not None:
            size = fixed
        elif self.mean_seconds is None:
            size = 1  # no run time measured yet: start small, learn from the first results
        else:
            cap = max(1, min(_MAX_BATCH, int(_TARGET_TASK_SECONDS / max(self.mean_seconds, 1e-6))))
            size = max(1, min(cap, len(self.queue) // (_GUIDED * max(live, 1))))
        return [self.queue.popleft() for _ in range(min(size, len(self.queue)))]

    def observe(self, seconds: Sequence[float]) -> None:
        for s in seconds:
            self.measured += 1
            weight = 1.0 / min(self.measured, 50)  # running mean, then a slow moving average
            self.mean_seconds = s if self.mean_seconds is None else self.mean_seconds + weight * (s - self.mean_seconds)


@dataclass
class _Slot:
    """One runner actor and the calls queued at it, oldest (the one running) first."""

    klass: _Class
    actor: Any
    ready: bool = False
    dead: bool = False
    # a kept runner is trusted to be alive until a call of its own comes back; a new one is pinged
    proven: bool = True
    calls: deque[Any] = field(default_factory=deque)


def launch_ray(
    runs: Sequence[RunSpec],
    experiment_dir: str | Path,
    progress: RunProgress | None = None,
    options: RayOptions | None = None,
) -> list[RunOutcome]:
    """Execute the runs of ``runs`` that are not done yet on Ray; results are written by the driver or
    by the runners, as ``options.writer`` says.

    Connects to ``options.ray_address`` (``auto`` or ``host:port`` or ``ray://host:port``), reuses a
    Ray already initialised in this process, or starts a local Ray that is shut down at the end.
    """
    options = options or RayOptions()
    experiment_dir = Path(experiment_dir)
    progress = progress or RunProgress(len(runs), enabled=False)
    progress.expect(runs)  # which optimizer each run belongs to: the ETA weighs runs by their optimizer's speed
    outcomes: list[RunOutcome] = []
    todo: list[RunSpec] = []
    fresh = not experiment_dir.exists()  # a new experiment: nothing to look up run by run
    for spec in runs:
        if not fresh and is_done(spec, experiment_dir):
            outcome = RunOutcome(spec, SKIPPED)
            progress.update(outcome)
            outcomes.append(outcome)
        else:
            todo.append(spec)
    if not todo:
        return outcomes
    by_resources: dict[Resources, deque[RunSpec]] = {}
    family_resources: dict[str, Resources] = {}  # a family's runs all ask for the same
    for spec in todo:
        family = spec.task.split("/")[1]
        if family not in family_resources:
            family_resources[family] = run_resources(spec, options)
        by_resources.setdefault(family_resources[family], deque()).append(spec)

    ray = require("ray", extra="ray")
    started_here = not ray.is_initialized()
    if started_here:
        _connect(ray, options)
    try:
        classes = _check_resources(ray, by_resources)
        outcomes.extend(_Scheduler(ray, classes, experiment_dir, progress, options).run())
    finally:
        if started_here:
            _KEPT.clear()
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def _pool_key(ray: Any, res: Resources) -> tuple[str, Resources]:
    ctx = ray.get_runtime_context()
    return (f"{ctx.gcs_address}/{ctx.get_job_id()}", res)


def _runners(ray: Any, c: _Class) -> list[tuple[Any, bool]]:
    """Runner actors for the class, one per slot and at most one per run: kept ones, else new; each
    with whether it was kept (started before, so not pinged: a kept runner that died since shows up
    when its first call fails, and that call is then queued again, not counted as a try)."""
    n = max(1, min(c.slots, len(c.queue)))
    key = _pool_key(ray, c.resources)  # the Ray and job they belong to: no handle of a Ray shut down
    kept = _KEPT.pop(key, [])
    if kept[n:]:
        _KEPT[key] = kept[n:]  # not needed now: still kept for later
    return [(a, True) for a in kept[:n]] + [(_new_runner(ray, c.resources), False) for _ in range(n - len(kept[:n]))]


def _new_runner(ray: Any, res: Resources) -> Any:
    # not restarted by Ray: the driver replaces a dead runner itself and knows which call was running
    return ray.remote(Runner).options(num_cpus=res.cpus, num_gpus=res.gpus, max_restarts=0, max_task_retries=0).remote()


def workers_write(ray: Any, options: RayOptions) -> bool:
    """Whether runners write their runs themselves: ``writer=workers``, or ``auto`` on one machine."""
    if options.writer != "auto":
        return options.writer == "workers"
    here = ray.get_runtime_context().get_node_id()
    return all(node["NodeID"] == here for node in ray.nodes() if node.get("Alive"))


class _Scheduler:
    """One experiment's scheduling on Ray, step by step: start the runners, hand them batches, take
    back what they return (results, deaths, errors), write results, free what is no longer needed."""

    def __init__(self, ray: Any, classes: list[_Class], experiment_dir: Path, progress: RunProgress, options: RayOptions) -> None:
        self.ray, self.classes, self.experiment_dir, self.progress, self.options = ray, classes, experiment_dir, progress, options
        self.fixed = None if options.batch_size == "auto" else int(options.batch_size)
        # on one machine the runners write (the folder is theirs too), sparing the one driver two
        # files per run; with remote nodes, runs travel back to the driver
        self.by_workers = workers_write(ray, options)
        self.where = str(experiment_dir.resolve())
        self.tries: dict[tuple[str, str, int], int] = {}  # by run folder: what a retry is counted against
        self.made: set[str] = set()  # folders known to exist
        self.written: set[tuple[str, str, int]] = set()  # every run was checked not done before it was queued
        self.outcomes: list[RunOutcome] = []
        self.slots = [_Slot(c, actor, ready=kept, proven=not kept) for c in classes for actor, kept in _runners(ray, c)]
        progress.expect(workers=len(self.slots))
        self.pings = {slot.actor.ready.remote(): slot for slot in self.slots if not slot.ready}
        self.in_flight: dict[Any, tuple[_Slot, Any, list[RunSpec]]] = {}  # call -> (slot, its runner then, runs)
        self.order: dict[Any, int] = {}  # submission order: a runner runs its calls first come, first served

    def run(self) -> list[RunOutcome]:
        from concurrent.futures import ThreadPoolExecutor

        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carps-writer")
        try:
            self.refill()  # kept runners take their first batches now
            while self.in_flight or self.pings:
                results = self.take_round()
                # the driver writes every finished run before it waits again; its writer thread spends
                # that time in file-system calls (no GIL), while this thread hands runners their next batches
                writing = writer.submit(self.write_all, results) if results else None
                self.refill()
                if writing is not None:
                    for outcome in writing.result():
                        self.report(outcome)
                self.retire()
        except BaseException:
            for slot in self.slots:
                self.ray.kill(slot.actor)
            raise
        finally:
            writer.shutdown(wait=True)
        for c in self.classes:  # only if every runner of a class was lost for good
            for spec in [*c.suspects, *c.queue]:
                self.fail(spec, "no worker was left to run it")
        if self.options.keep_workers:
            for slot in self.slots:
                _KEPT.setdefault(_pool_key(self.ray, slot.klass.resources), []).append(slot.actor)
        return self.outcomes

    # steps of a round ---------------------------------------------------------------------------
    def take_round(self) -> list[EncodedRun]:
        """Wait for what is done (at least one call or ping), handle each; returns the runs to write."""
        from ray.exceptions import RayError

        waiting = [*self.in_flight, *self.pings]
        ready, _ = self.ray.wait(waiting, num_returns=len(waiting), timeout=0)  # all that is done by now
        if not ready:
            ready, _ = self.ray.wait(waiting, num_returns=1)
        ready.sort(key=lambda r: self.order.get(r, -1))  # a runner's older call first
        calls = [ref for ref in ready if ref not in self.pings]
        try:  # one trip to the object store for the whole round; one by one if any call failed
            values = dict(zip(calls, self.ray.get(calls)))
        except RayError:
            values = {}
        results: list[EncodedRun] = []
        for ref in ready:
            if ref in self.pings:
                self.take_ping(ref)
            else:
                results.extend(self.take_call(ref, values))
        return results

    def take_ping(self, ref: Any) -> None:
        from ray.exceptions import RayError

        slot = self.pings.pop(ref)
        try:
            self.ray.get(ref)
            slot.ready = True
        except RayError as exc:  # e.g. carps is not installed where Ray placed it
            self.cannot_start(slot, exc)

    def take_call(self, ref: Any, values: dict[Any, Any]) -> list[EncodedRun]:
        """One finished call: its runs' results, or what its failure means for them."""
        from ray.exceptions import RayActorError, RayTaskError

        slot, actor, batch = self.in_flight.pop(ref)
        # the call that was running when its runner died is its runner's oldest; calls queued
        # behind it fail too, and are seen after it (sorted) or after the runner was replaced
        running = slot.actor is actor and slot.calls[0] == ref
        slot.calls.remove(ref)
        slot.klass.in_flight -= 1
        try:
            got = values[ref] if ref in values else self.ray.get(ref)
        except RayActorError as exc:  # the runner's process or its node died
            self.runner_died(slot, actor, batch, exc, running)
            return []
        except RayTaskError as exc:  # Python raised past run_in_memory: deterministic
            if len(batch) > 1:  # find the run that raised: retry each alone
                slot.klass.suspects.extend(batch)
            else:
                self.fail(batch[0], f"the run raised {_first_line(exc)}")
            return []
        if slot.actor is actor:
            slot.proven = True
        slot.klass.observe([packed[-1] for packed in got])
        if self.by_workers:  # on disk already
            for spec, (fields, _) in zip(batch, got):
                self.report(RunOutcome(spec, *fields))
            return []
        return [_unpack(spec, packed) for spec, packed in zip(batch, got)]

    def write_all(self, results: list[EncodedRun]) -> list[RunOutcome]:
        return [write_encoded(self.experiment_dir, encoded, made=self.made, written=self.written) for encoded in results]

    def report(self, outcome: RunOutcome) -> None:
        self.progress.update(outcome)
        self.outcomes.append(outcome)

    def fail(self, spec: RunSpec, reason: str) -> None:
        outcome = write_failed(spec, self.experiment_dir, reason, self.tries.get(run_key(spec), 1))
        self.written.add(run_key(spec))
        self.report(outcome)

    # runners --------------------------------------------------------------------------------------
    def live(self, c: _Class) -> int:
        return sum(1 for s in self.slots if s.klass is c and s.ready and not s.dead)

    def refill(self) -> None:
        """Queue calls at every ready runner, up to its class's depth."""
        n_live = {id(c): self.live(c) for c in self.classes}
        for slot in self.slots:
            c = slot.klass
            while slot.ready and not slot.dead and c.has_work() and len(slot.calls) < c.depth():
                batch = c.next_batch(self.fixed, n_live[id(c)])
                payload = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
                ref = slot.actor.run_and_write.remote(payload, self.where) if self.by_workers else slot.actor.run.remote(payload)
                self.in_flight[ref] = (slot, slot.actor, batch)
                self.order[ref] = len(self.order)
                slot.calls.append(ref)
                c.in_flight += 1

    def retire(self) -> None:
        """A class with nothing queued or running frees its runners' CPUs and GPUs for the others."""
        for c in self.classes:
            if not c.has_work() and not c.in_flight:
                for slot in self.slots:
                    if slot.klass is c and not slot.dead:
                        slot.dead = True
                        if not self.options.keep_workers:
                            self.ray.kill(slot.actor)

    def runner_died(self, slot: _Slot, actor: Any, batch: list[RunSpec], exc: BaseException, running: bool) -> None:
        c = slot.klass
        # a kept runner that had died before this experiment: its first call never ran
        stale = slot.actor is actor and not slot.proven
        if slot.actor is actor and not slot.dead:  # the first of its calls to report it: replace the runner
            slot.actor, slot.ready, slot.proven = _new_runner(self.ray, c.resources), False, True
            self.pings[slot.actor.ready.remote()] = slot
        if not running or stale:
            # queued behind the call that died, never started; or the first call of a kept runner
            # that had died before this experiment: not a try of theirs
            c.queue.extendleft(reversed(batch))
            return
        if len(batch) > 1:
            # which run killed the runner is unknown: retry each alone, not counted as a try of
            # theirs, so that one bad run cannot use up the tries of others
            for spec in batch:
                self.progress.retry(spec, _first_line(exc))
            c.suspects.extend(batch)
            return
        spec = batch[0]
        key = run_key(spec)
        self.tries[key] = self.tries.get(key, 0) + 1
        if self.tries[key] <= self.options.max_retries:
            self.progress.retry(spec, _first_line(exc))
            c.suspects.appendleft(spec)
        else:
            self.fail(spec, f"worker died on each of {self.tries[key]} tries; last: {_first_line(exc)}")

    def cannot_start(self, slot: _Slot, exc: BaseException) -> None:
        slot.dead = True
        c = slot.klass
        if not any(s.klass is c and not s.dead for s in self.slots):  # no runner of this class can start
            for spec in [*c.suspects, *c.queue]:
                self.fail(spec, f"no worker could start: {_first_line(exc)}")
            c.suspects.clear()
            c.queue.clear()
