"""Ray launcher overhead: throughput of runs through Ray on k CPUs versus the same work in one process.

    python tests/perf/bench_ray.py --runs 1000 --trials 100 --cpus 2,16 --repeat 7 --big 4000 [--gpu-task blackbox/nn/digits_cnn]

Figures (printed, and written as JSON with ``--json``):

- one process: the local launcher with ``n_jobs=1`` (runs write their own folder), and the exact work
  a Ray run does (``run_encoded`` + ``write_encoded``) in a loop; the faster is the baseline.
- Ray on k CPUs (``ray.init(num_cpus=k)``), its runner actors warmed up first (started, one whole run
  done, kept with ``keep_workers``), as in any experiment past its first seconds; the cold start
  (``ray.init`` + warm-up) is reported apart. The main job runs ``--repeat`` times; the median counts.
  Parallel efficiency = (baseline time / Ray time) / k; the strict variant divides the one-process
  compute time alone (no result writing) by k * Ray time. ``vs_mean_core``: Ray's throughput over k
  times the mean one-core throughput, measured pinned to each core in turn (``--per-core``; cores of
  a virtual machine differ in speed, so an unpinned baseline depends on where it happened to run).
- utilization: the share of the k CPUs' time spent inside runs (from each run.json's timings); the
  rest is scheduling, transfer and idling. Lost CPU time per run = (k * ray_time - time in runs) / n,
  the per-run scheduling overhead; for tiny runs (1 trial) with adaptive batching and with batch_size=1.
- the machine's ceilings, in rounds with Ray's passes (``ceiling_median``; these machines' speed
  drifts by a third within minutes, so a baseline timed once at the start moves every ratio): in each
  round, one process (a warm fork, every 4th run), an ideal pool of k warm forks taking runs one at a
  time from a shared counter (no Ray, no driver; nothing a launcher does can beat it) and a pure-Python
  loop alone and in k processes at once. ``main_efficiency`` there is Ray against k times the one
  process of its own round; ``main_vs_pool`` is Ray's share of the ideal pool's throughput.
- where the cores' time went: CPU seconds of every process during each pass, by name (runners,
  driver, raylet, gcs_server, ...), as a share of k * elapsed; the first run's start after the call
  (``head_ms``), the end after the last run (``tail_ms``) and the share of time inside runs in between.
- ``--variants "deep:_DEPTH=3;big:_TARGET_TASK_SECONDS=0.5"``: extra passes per round with the Ray
  launcher's scheduling constants changed (a tuning aid).
- with ``--gpu-task``: that task's runs, 4 at once with ``gpus_per_run=0.25`` on one GPU, against one alone.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pickle
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from carps.launch import ray_launcher as launcher
from carps.launch.execute import DONE, run_encoded, run_in_memory, write_encoded
from carps.launch.local import launch_local
from carps.launch.plan import RunSpec, make_plan
from carps.launch.progress import RunProgress
from carps.launch.ray_launcher import _KEPT, RayOptions, launch_ray

BBOB = "blackbox/bbob/*_d5_i*"  # 24 functions x 10 instances, 5-d


def bbob_runs(n: int, trials: int, dims: str = BBOB) -> list[RunSpec]:
    seeds = range(1, n // 240 + 2)
    return make_plan(["random"], [dims], seeds, n_trials=trials).runs[:n]


def run_and_write_all(runs: list[RunSpec], where: Path) -> None:
    """The exact work of a Ray run (``run_encoded`` + ``write_encoded``) in a loop, into a new folder."""
    made: set[str] = set()
    written: set[tuple[str, str, int]] = set()  # a new folder: nothing to look up on disk
    for spec in runs:
        write_encoded(where, run_encoded(spec), made=made, written=written)


def one_process(runs: list[RunSpec], root: Path) -> dict[str, float]:
    run_in_memory(runs[0])  # imports and caches, as a warm worker has them
    t0 = time.perf_counter()
    launch_local(runs, root / "local")
    t_local = time.perf_counter() - t0
    t_memory = []
    for i in range(2):  # the best of two passes: the baseline is not flattered by a slow pass
        t0 = time.perf_counter()
        run_and_write_all(runs, root / f"memory{i}")
        t_memory.append(time.perf_counter() - t0)
    return {"local_launcher_s": t_local, "in_memory_s": min(t_memory), "baseline_s": min(t_local, *t_memory)}


def per_core(runs: list[RunSpec], root: Path) -> dict[str, object]:
    """The same runs (run + encode + write) pinned to each core in turn: how fast is one core?

    Virtual machines' cores differ (other guests share the physical cores): on the 16-core device a
    run took 2.5-4.9 ms depending on the core. A one-core baseline that happens to land on a fast core
    overstates "one core"; the mean over all cores is the machine's typical core.
    """
    if not hasattr(os, "sched_setaffinity"):
        return {}
    cores = sorted(os.sched_getaffinity(0))
    speed: dict[int, float] = {}
    try:
        for core in cores:
            os.sched_setaffinity(0, {core})
            t0 = time.perf_counter()
            run_and_write_all(runs, root / f"core{core}")
            speed[core] = len(runs) / (time.perf_counter() - t0)
    finally:
        os.sched_setaffinity(0, cores)
    values = list(speed.values())
    return {"runs_per_s_by_core": {c: round(v, 1) for c, v in speed.items()}, "mean": statistics.mean(values), "min": min(values), "max": max(values)}


def _spin(n: int) -> None:
    x = 0
    for i in range(n):
        x += i * i % 7


def _pool_main(conn, runs: list[RunSpec], counter) -> None:
    """A pool process: waits for a job, does it, sends back when it ended (perf_counter is system-wide)."""
    made: set[str] = set()
    while True:
        job = conn.recv()
        if job is None:
            return
        kind, arg = job
        t0 = time.perf_counter()
        if kind == "spin":
            _spin(arg)
        else:  # take runs one at a time from the shared counter: a perfect dynamic schedule
            where, stride = arg
            while True:
                with counter.get_lock():
                    i = counter.value
                    counter.value += 1
                if i * stride >= len(runs):
                    break
                write_encoded(where, run_encoded(runs[i * stride]), made=made, written=set())
        conn.send((t0, time.perf_counter()))


class ForkedPool:
    """k warm copies of this process, forked before Ray starts and idle between jobs: the machine's
    ceiling, measured in the same minutes as Ray's passes (these machines' speed drifts).

    ``runs(m, ...)``: m processes take the runs one at a time from a shared counter and write them,
    the same work as the one-process baseline, with no Ray, no transfer, no driver; nothing a launcher
    does beats it, so Ray / pool is the launcher's own share of the efficiency and pool / (k * one
    process) the machine's. ``spin(m)``: a pure-Python loop in m processes at once, how fast each core
    computes when m are busy (shared physical cores, all-core clock, the host's other guests).
    """

    def __init__(self, k: int, runs: list[RunSpec]) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        self.runs, self.counter = runs, ctx.Value("i", 0)
        self.conns, self.procs = [], []
        for _ in range(k):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_pool_main, args=(theirs, runs, self.counter), daemon=True)
            proc.start()
            self.conns.append(mine)
            self.procs.append(proc)

    def _job(self, m: int, job: tuple[str, object]) -> list[tuple[float, float]]:
        self.counter.value = 0
        for conn in self.conns[:m]:
            conn.send(job)
        return [conn.recv() for conn in self.conns[:m]]

    def runs_seconds(self, m: int, where: Path, stride: int = 1) -> float:
        t0 = time.perf_counter()
        return max(end for _, end in self._job(m, ("runs", (where, stride)))) - t0

    def spin_seconds(self, m: int, n: int = 3_000_000) -> list[float]:
        return [end - start for start, end in self._job(m, ("spin", n))]

    def close(self) -> None:
        for conn in self.conns:
            conn.send(None)
        for proc in self.procs:
            proc.join()


def cpu_by_process() -> dict[int, tuple[str, float]]:
    """CPU seconds so far of every process on the machine, by pid with its name (Linux; else empty):
    which of Ray's own processes (raylet, gcs_server, agents) compete with the runners for the cores."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out: dict[int, tuple[str, float]] = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")].split("/")[0]  # kworker/0:1-events: kworker
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(proc.name)] = (name, (int(fields[11]) + int(fields[12])) / ticks)  # utime + stime
    return out


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds between two snapshots, summed by process name; this process is the driver."""
    used: dict[str, float] = {}
    for pid, (name, seconds) in after.items():
        name = "driver" if pid == os.getpid() else name
        used[name] = used.get(name, 0.0) + seconds - before.get(pid, (name, 0.0))[1]
    return used


def run_span(experiment_dir: Path) -> tuple[float, float, float]:
    """(seconds the workers spent inside runs, first run's start, last run's end), from every run.json."""
    total, first, last = 0.0, float("inf"), 0.0
    for path in experiment_dir.rglob("run.json"):
        t = json.loads(path.read_text())["timings"]
        total += t["finished_at"] - t["started_at"]
        first, last = min(first, t["started_at"]), max(last, t["finished_at"])
    return total, first, last


class Tuned(list):
    """Runs to launch with some of the Ray launcher's module constants changed for the pass."""

    def __init__(self, constants: dict[str, float], runs: list[RunSpec]) -> None:
        super().__init__(runs)
        self.constants = constants


def ray_session(
    k: int, jobs: list[tuple[str, list[RunSpec] | Callable[[], dict[str, float]], RayOptions | None]], root: Path, probe: list[RunSpec] = (), profile: str | None = None
) -> dict[str, float]:
    import ray

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    ray.init(num_cpus=k, include_dashboard=False, log_to_driver=False, object_store_memory=400 * 1024**2, logging_level=logging.ERROR)
    t_init = time.perf_counter() - t0
    if probe:  # (before the runners take every CPU) the same runs in this process and in a Ray worker: is a worker slower?
        from carps.launch.ray_launcher import run_batch

        t0 = time.perf_counter()
        run_batch(probe)
        out["probe_here_ms_per_run"] = 1e3 * (time.perf_counter() - t0) / len(probe)
        remote = ray.remote(num_cpus=1)(run_batch)
        ray.get(remote.remote(probe[:5]))
        t0 = time.perf_counter()
        ray.get(remote.remote(probe))
        out["probe_worker_ms_per_run"] = 1e3 * (time.perf_counter() - t0) / len(probe)
    # warm-up: the runners are started and each has done a whole run (imports, catalog, first-call
    # costs), as the one-process baseline has; they are kept for the measured jobs
    warm = make_plan(["random"], ["blackbox/bbob/f01_d5_i*"], range(1, 2 * k // 10 + 2), n_trials=100).runs[: 2 * k]
    t0 = time.perf_counter()
    launch_ray(warm, root / f"warm{k}", options=RayOptions(keep_workers=True, batch_size=1))
    # a runner that started late may not have run yet
    ray.get([actor.run.remote(pickle.dumps(warm[:1])) for actors in _KEPT.values() for actor in actors])
    out["cold_start_s"] = t_init + time.perf_counter() - t0
    try:
        for name, runs, options in jobs:
            if callable(runs):  # not a Ray job: a measurement between Ray's passes
                out.update(runs())
                continue
            options.keep_workers = True
            saved = {key: getattr(launcher, key) for key in getattr(runs, "constants", {})}
            for key, value in getattr(runs, "constants", {}).items():
                setattr(launcher, key, value)
            progress = RunProgress(len(runs), enabled=False)
            profiler = cProfile.Profile() if profile and name == [n for n, _, _ in jobs if n.startswith("main")][-1] else None
            cpu0 = cpu_by_process()
            t0, c0, wall0 = time.perf_counter(), time.process_time(), time.time()
            if profiler:
                profiler.enable()
            launch_ray(runs, root / f"ray{k}_{name}", progress=progress, options=options)
            out[f"{name}_s"] = elapsed = time.perf_counter() - t0
            for key, value in saved.items():
                setattr(launcher, key, value)
            cpu1 = cpu_by_process()
            used = cpu_used(cpu0, cpu1)
            # the cores' busy share by process, of k * elapsed; ticks are 10 ms, so short passes are coarse
            out[f"{name}_cpu_share_by_process"] = {n: round(v / (k * elapsed), 3) for n, v in sorted(used.items(), key=lambda x: -x[1]) if v > 0}
            if profiler:
                profiler.disable()
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
                Path(f"{profile}.{k}cpus.{name}.txt").write_text(text.getvalue())
            out[f"{name}_driver_cpu_share"] = (time.process_time() - c0) / elapsed  # near 1: the driver is the limit
            assert progress.counts[DONE] == len(runs), progress.summary()
            busy, first, last = run_span(root / f"ray{k}_{name}")
            # where the time outside runs goes: before the first run starts, after the last ends,
            # and between (the CPUs' share inside runs while all could be busy)
            out[f"{name}_head_ms"] = 1e3 * (first - wall0)
            out[f"{name}_tail_ms"] = 1e3 * (wall0 + elapsed - last)
            out[f"{name}_mid_utilization"] = busy / (k * (last - first))
            out[f"{name}_busy_s"] = busy
            # of the k CPUs' time, the share spent inside runs; the rest is scheduling, transfer, idling
            out[f"{name}_utilization"] = busy / (k * elapsed)
            out[f"{name}_lost_ms_per_run"] = 1e3 * (k * elapsed - busy) / len(runs)
    finally:
        ray.shutdown()
        _KEPT.clear()
    return out


def gpu_sharing(task: str, trials: int, root: Path) -> dict[str, float]:
    """Four runs at once, a quarter GPU each, versus one run alone on the GPU."""
    import ray

    runs = make_plan(["random"], [task], [1, 2, 3, 4], n_trials=trials).runs
    ray.init(num_cpus=8, include_dashboard=False, log_to_driver=False, object_store_memory=400 * 1024**2, logging_level=logging.ERROR)
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        out: dict[str, float] = {"gpus": gpus}
        if gpus < 1:
            return out
        opts = RayOptions(gpus_per_run=0.25, batch_size=1, keep_workers=True)
        t0 = time.perf_counter()
        launch_ray(runs, root / "gpu_warm", options=opts)  # four workers with CUDA, data and kernels ready
        out["four_runs_cold_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        launch_ray(runs[:1], root / "gpu_one", options=opts)
        out["one_run_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        progress = RunProgress(4, enabled=False)
        launch_ray(runs, root / "gpu_four", progress=progress, options=opts)
        out["four_runs_s"] = time.perf_counter() - t0
        out["four_done"] = progress.counts[DONE]
        out["ratio_four_vs_one"] = out["four_runs_s"] / out["one_run_s"]  # 1.0: four for the price of one
        return out
    finally:
        ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--cpus", default="2,16")
    ap.add_argument("--per-core", type=int, default=100, help="runs pinned to each core for the mean-core baseline (0: skip)")
    ap.add_argument("--repeat", type=int, default=5, help="passes of the main job per CPU count (median reported)")
    ap.add_argument("--tiny", type=int, default=3000, help="runs of 1 trial for the scheduling overhead (0: skip)")
    ap.add_argument("--big", type=int, default=0, help="also this many runs on the most CPUs (steady state)")
    ap.add_argument("--no-ceiling", dest="ceiling", action="store_false", help="skip the ideal process pool and the CPU loop (the machine's ceilings)")
    ap.add_argument("--variants", default="", help="LABEL:NAME=VALUE,...;... extra passes with the launcher's constants changed")
    ap.add_argument("--gpu-task", default=None)
    ap.add_argument("--gpu-trials", type=int, default=5)
    ap.add_argument("--dir", default=None, help="results folder (default: a temporary one, removed)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--profile", default=None, help="write the driver's profile of the last main pass per CPU count to PREFIX.<k>cpus.<job>.txt")
    args = ap.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="bench_ray_"))
    report: dict[str, object] = {"cpu_count": os.cpu_count(), "runs": args.runs, "trials": args.trials, "python": sys.version.split()[0]}

    def show(key: str, value: object) -> None:
        report[key] = value
        print(f"{key}: {json.dumps(value)}", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1))

    runs = bbob_runs(args.runs, args.trials)
    big = bbob_runs(args.big, args.trials) if args.big else []
    tiny = make_plan(["random"], ["blackbox/bbob/*_d2_i*"], range(1, args.tiny // 240 + 2), n_trials=1).runs[: args.tiny] if args.tiny else []
    base = one_process(runs, root / "base")
    base["busy_s"] = run_span(root / "base" / "memory0")[0]  # seconds inside runs
    show("one_process", base)
    show("one_process_runs_per_s", args.runs / base["baseline_s"])
    # every n-th run: the same mix of functions as the whole experiment
    cores = per_core(runs[:: max(1, len(runs) // args.per_core)], root / "cores") if args.per_core else {}
    if cores:
        show("one_core", cores)
    ks = [int(c) for c in args.cpus.split(",")]
    # --variants "deep:_DEPTH=3;big:_TARGET_TASK_SECONDS=0.5": extra passes per round with the
    # launcher's scheduling constants changed (a tuning aid; the figures' names start with the label)
    variants = {
        label: {key: float(value) if "." in value else int(value) for key, value in (kv.split("=") for kv in spec.split(","))}
        for label, spec in (v.split(":", 1) for v in filter(None, args.variants.split(";")))
    }
    # the machine's own ceilings: pools forked now, before any Ray starts (forking a process that has
    # run Ray is unsafe), and used between Ray's passes, so that both are timed in the same minutes
    pools = {k: ForkedPool(k, runs) for k in ks} if args.ceiling and hasattr(os, "fork") else {}
    stride = 4  # the one-process pass of each round: every 4th run, the same mix of functions

    def ceiling_pass(k: int, i: int) -> Callable[[], dict[str, float]]:
        def measure() -> dict[str, float]:
            pool = pools[k]
            one = pool.runs_seconds(1, root / f"pool{k}_one{i}", stride)
            alone = pool.spin_seconds(1)[0]
            loaded = pool.spin_seconds(k)
            seconds = pool.runs_seconds(k, root / f"pool{k}_{i}")
            busy, first, last = run_span(root / f"pool{k}_{i}")
            return {
                f"pool{i}_s": seconds,
                f"pool{i}_busy_s": busy,
                f"pool{i}_mid_utilization": busy / (k * (last - first)),
                f"one{i}_runs_per_s": len(runs[::stride]) / one,
                f"cpu_loop{i}_efficiency": alone / statistics.mean(loaded),
            }

        return measure

    for k in ks:
        # main: the default (writer=auto: on one machine the runners write); driver: runs travel
        # back to the driver, which writes them (what a cluster without shared storage does)
        passes = [f"{kind}{i}" for kind in ("main", "driver") for i in range(args.repeat)]
        jobs: list = []
        for i in range(args.repeat):  # rounds: the machine's ceilings, then each writer
            if pools:
                jobs.append((f"ceiling{i}", ceiling_pass(k, i), None))
            jobs += [(f"{variant}{i}", Tuned(constants, runs), RayOptions(writer="auto")) for variant, constants in variants.items()]
            jobs += [(f"main{i}", runs, RayOptions(writer="auto")), (f"driver{i}", runs, RayOptions(writer="driver"))]
        most = max(int(c) for c in args.cpus.split(","))
        if args.big and k >= most - 1 and k > 2:  # long enough that starting and finishing weigh little
            jobs.append(("big", big, RayOptions()))
        if k == most and tiny:
            jobs += [("tiny_auto", tiny, RayOptions()), ("tiny_batch1", tiny, RayOptions(batch_size=1))]
        r = ray_session(k, jobs, root, probe=runs[:100], profile=args.profile)
        for name in passes:  # several passes: a feel for the noise; the median is the figure
            r[f"{name}_speedup"] = speedup = base["baseline_s"] / r[f"{name}_s"]
            r[f"{name}_efficiency"] = speedup / k
            r[f"{name}_runs_per_s"] = args.runs / r[f"{name}_s"]
            # strict: against the runs' own compute in one process, as if writing results cost nothing
            r[f"{name}_efficiency_vs_compute"] = base["busy_s"] / (k * r[f"{name}_s"])
            if cores:  # against k typical cores of this machine (the mean core, pinned)
                r[f"{name}_efficiency_vs_mean_core"] = args.runs / r[f"{name}_s"] / (k * cores["mean"])
        for kind in ("main", "driver"):
            r[f"{kind}_median_efficiency"] = statistics.median(r[f"{n}_efficiency"] for n in passes if n.startswith(kind))
            r[f"{kind}_median_speedup"] = statistics.median(r[f"{n}_speedup"] for n in passes if n.startswith(kind))
            if cores:
                r[f"{kind}_median_efficiency_vs_mean_core"] = statistics.median(r[f"{n}_efficiency_vs_mean_core"] for n in passes if n.startswith(kind))
        if "big_s" in r:  # baseline scaled from the 1000-run one: same kind of runs
            r["big_speedup"] = base["baseline_s"] * len(big) / args.runs / r["big_s"]
            r["big_efficiency"] = r["big_speedup"] / k
            if cores:
                r["big_efficiency_vs_mean_core"] = len(big) / r["big_s"] / (k * cores["mean"])
        if pools:  # each round against the one process and the ideal pool of its own minutes
            for i in range(args.repeat):
                one = k * r[f"one{i}_runs_per_s"]
                r[f"pool{i}_efficiency"] = args.runs / r[f"pool{i}_s"] / one
                for kind in ("main", "driver", *variants):
                    r[f"{kind}{i}_efficiency_same_round"] = args.runs / r[f"{kind}{i}_s"] / one
                    r[f"{kind}{i}_vs_pool"] = r[f"pool{i}_s"] / r[f"{kind}{i}_s"]
            rounds = range(args.repeat)
            r["ceiling_median"] = {
                "cpu_loop_efficiency": statistics.median(r[f"cpu_loop{i}_efficiency"] for i in rounds),
                "ideal_pool_efficiency": statistics.median(r[f"pool{i}_efficiency"] for i in rounds),
                **{f"{kind}_efficiency": statistics.median(r[f"{kind}{i}_efficiency_same_round"] for i in rounds) for kind in ("main", "driver", *variants)},
                **{f"{kind}_vs_pool": statistics.median(r[f"{kind}{i}_vs_pool"] for i in rounds) for kind in ("main", "driver", *variants)},
                "pool_mid_utilization": statistics.median(r[f"pool{i}_mid_utilization"] for i in rounds),
                **{f"{kind}_mid_utilization": statistics.median(r[f"{kind}{i}_mid_utilization"] for i in rounds) for kind in ("main", "driver", *variants)},
                **{f"{kind}_busy_vs_pool": statistics.median(r[f"{kind}{i}_busy_s"] / r[f"pool{i}_busy_s"] for i in rounds) for kind in ("main", "driver", *variants)},
            }
        for name in ("tiny_auto", "tiny_batch1"):
            if f"{name}_s" in r:
                r[f"{name}_runs_per_s"] = len(tiny) / r[f"{name}_s"]
        show(f"ray_{k}_cpus", r)
    for pool in pools.values():
        pool.close()
    if args.gpu_task:
        try:
            show("gpu_sharing", gpu_sharing(args.gpu_task, args.gpu_trials, root))
        except Exception as exc:  # noqa: BLE001 - the GPU part is optional; keep the CPU figures
            show("gpu_sharing", {"error": f"{type(exc).__name__}: {exc}"})
    if not args.dir:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
