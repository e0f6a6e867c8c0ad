"""Ray launcher overhead: throughput of runs through Ray on k CPUs versus the same work in one process.

    python tests/perf/bench_ray.py --runs 1000 --trials 100 --cpus 2,16 --tiny 3000 [--gpu-task blackbox/nn/digits_cnn]

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
from pathlib import Path

from carps.launch.execute import DONE, run_encoded, run_in_memory, write_encoded
from carps.launch.local import launch_local
from carps.launch.plan import RunSpec, make_plan
from carps.launch.progress import RunProgress
from carps.launch.ray_launcher import _KEPT, RayOptions, launch_ray

BBOB = "blackbox/bbob/*_d5_i*"  # 24 functions x 10 instances, 5-d


def bbob_runs(n: int, trials: int, dims: str = BBOB) -> list[RunSpec]:
    seeds = range(1, n // 240 + 2)
    return make_plan(["random"], [dims], seeds, n_trials=trials).runs[:n]


def one_process(runs: list[RunSpec], root: Path) -> dict[str, float]:
    run_in_memory(runs[0])  # imports and caches, as a warm worker has them
    t0 = time.perf_counter()
    launch_local(runs, root / "local")
    t_local = time.perf_counter() - t0
    t_memory = []
    for i in range(2):  # the best of two passes: the baseline is not flattered by a slow pass
        t0 = time.perf_counter()
        made: set[str] = set()
        written: set[tuple[str, str, int]] = set()
        for spec in runs:
            write_encoded(root / f"memory{i}", run_encoded(spec), made=made, written=written)
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
            made: set[str] = set()
            t0 = time.perf_counter()
            for spec in runs:
                write_encoded(root / f"core{core}", run_encoded(spec), made=made, written=set())
            speed[core] = len(runs) / (time.perf_counter() - t0)
    finally:
        os.sched_setaffinity(0, cores)
    values = list(speed.values())
    return {"runs_per_s_by_core": {c: round(v, 1) for c, v in speed.items()}, "mean": statistics.mean(values), "min": min(values), "max": max(values)}


def busy_seconds(experiment_dir: Path) -> float:
    """Seconds the workers spent inside runs (task build, optimizer, objective), from every run.json."""
    total = 0.0
    for path in experiment_dir.rglob("run.json"):
        t = json.loads(path.read_text())["timings"]
        total += t["finished_at"] - t["started_at"]
    return total


def ray_session(
    k: int, jobs: list[tuple[str, list[RunSpec], RayOptions]], root: Path, probe: list[RunSpec] = (), profile: str | None = None
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
            options.keep_workers = True
            progress = RunProgress(len(runs), enabled=False)
            profiler = cProfile.Profile() if profile and name == [n for n, _, _ in jobs if n.startswith("main")][-1] else None
            t0, c0 = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            launch_ray(runs, root / f"ray{k}_{name}", progress=progress, options=options)
            out[f"{name}_s"] = elapsed = time.perf_counter() - t0
            if profiler:
                profiler.disable()
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
                Path(f"{profile}.{k}cpus.{name}.txt").write_text(text.getvalue())
            out[f"{name}_driver_cpu_share"] = (time.process_time() - c0) / elapsed  # near 1: the driver is the limit
            assert progress.counts[DONE] == len(runs), progress.summary()
            busy = busy_seconds(root / f"ray{k}_{name}")
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
    base["busy_s"] = busy_seconds(root / "base" / "memory0")
    show("one_process", base)
    show("one_process_runs_per_s", args.runs / base["baseline_s"])
    # every n-th run: the same mix of functions as the whole experiment
    cores = per_core(runs[:: max(1, len(runs) // args.per_core)], root / "cores") if args.per_core else {}
    if cores:
        show("one_core", cores)
    for k in [int(c) for c in args.cpus.split(",")]:
        # main: the default (writer=auto: on one machine the runners write); driver: runs travel
        # back to the driver, which writes them (what a cluster without shared storage does)
        passes = [f"{kind}{i}" for kind in ("main", "driver") for i in range(args.repeat)]
        jobs = [(name, runs, RayOptions(writer="driver" if name.startswith("driver") else "auto")) for name in passes]
        most = max(int(c) for c in args.cpus.split(","))
        if args.big and k >= most - 1 and k > 2:  # long enough that starting and finishing weigh little
            jobs.append(("big", big, RayOptions()))
        if k == most:
            if tiny:
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
        for name in ("tiny_auto", "tiny_batch1"):
            if f"{name}_s" in r:
                r[f"{name}_runs_per_s"] = len(tiny) / r[f"{name}_s"]
        show(f"ray_{k}_cpus", r)
    if args.gpu_task:
        try:
            show("gpu_sharing", gpu_sharing(args.gpu_task, args.gpu_trials, root))
        except Exception as exc:  # the GPU part is optional; keep the CPU figures
            show("gpu_sharing", {"error": f"{type(exc).__name__}: {exc}"})
    if not args.dir:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
