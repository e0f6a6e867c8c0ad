"""Parallel runs on the simulated clock (run with `make bench` or `python tests/perf/bench_parallel.py`).

Syne Tune's ASHA with 4 workers on a YAHPO lcbench multi-fidelity task, whose surrogate predicts each
trial's training time: the run's clock is that time, the real cost is the surrogate call.

1. ratio of simulated to real time of a run with at least 2,000 trials (target: at least 1000x);
2. simulated speed-up of 4 workers over 1 to reach the incumbent quality the 1-worker run ends with
   (median over seeds);
3. per-trial time of the parallel loop itself, against the sequential loop, on a zero-cost task.

Needs the YAHPO data (``CARPS_YAHPO_DATA``, or ``carps data fetch yahpo``); skips part 1-2 without it.
"""

from __future__ import annotations

import statistics
import sys
import time

TASK = "multifidelity/yahpo/lcbench_189873"  # the slowest lcbench data set: ~4,400 s per full training
OPTIMIZER = "synetune/asha"
N_TRIALS_BUDGET = 220  # full-fidelity evaluations; ASHA spends most of them on low rungs, over 2,000 trials
SEEDS = (1, 2, 3)


def _asha_run(n_workers: int, seed: int):
    from carps.core.loop import run_trials
    from carps.core.parallel import Workers
    from carps.core.records import MemorySink
    from carps.core.registry import get_registry
    from carps.core.types import Budget

    registry = get_registry()
    task = registry.get_task(TASK)
    entry = registry.optimizer(OPTIMIZER)
    budget = Budget(n_trials=N_TRIALS_BUDGET)
    opt = entry.load_class().for_task(task, seed=seed, budget=budget, n_workers=n_workers, **entry.params)
    sink = MemorySink()
    t = time.perf_counter()
    summary = run_trials(task, opt, sink, budget, workers=Workers(n=n_workers))
    return summary, sink.records, time.perf_counter() - t


def _time_to(records, target: float) -> float:
    best = float("inf")
    for r in records:  # completion order
        if r["status"] == "ok" and r["fidelity"] == 52:
            best = min(best, -r["objectives"]["val_accuracy"])
            if best <= target:
                return r["sim_end"]
    return float("nan")


def _final(records) -> float:
    return min(-r["objectives"]["val_accuracy"] for r in records if r["status"] == "ok" and r["fidelity"] == 52)


def simulated_vs_real() -> None:
    from carps.benchmarks.data_store import MissingDataError
    from carps.core.registry import get_registry

    try:
        get_registry().get_task(TASK)
    except MissingDataError as exc:
        print(f"skipped the lcbench part: {exc}")
        return
    ratios, speedups = [], []
    for seed in SEEDS:
        summary4, records4, real4 = _asha_run(4, seed)
        summary1, records1, real1 = _asha_run(1, seed)
        ratio = summary4.sim_time / real4
        ratios.append(ratio)
        target = _final(records1)
        t1, t4 = _time_to(records1, target), _time_to(records4, target)
        speedups.append(t1 / t4)
        print(
            f"seed {seed}: 4 workers {summary4.n_trials} trials, {summary4.sim_time:,.0f} simulated s in {real4:.2f} s real ({ratio:,.0f}x); "
            f"1 worker {summary1.n_trials} trials, {summary1.sim_time:,.0f} s; to reach 1 worker's final {-target:.4f} accuracy: "
            f"{t1:,.0f} s with 1, {t4:,.0f} s with 4 (speed-up {t1 / t4:.2f})"
        )
    print(f"simulated / real time, 4 workers: median {statistics.median(ratios):,.0f}x (target >= 1000x)")
    print(f"speed-up of 4 workers over 1 to the same incumbent: median {statistics.median(speedups):.2f}")


def loop_overhead(n: int = 5000) -> None:
    from carps.benchmarks import get_task
    from carps.core.loop import run_trials
    from carps.core.parallel import Workers
    from carps.core.records import MemorySink
    from carps.core.types import Budget
    from carps.optimizers.random_search import RandomSearch

    task = get_task("blackbox/bbob/f01_d5_i1")
    for label, workers in (("sequential", None), ("4 simulated workers", Workers(n=4))):
        summary = run_trials(task, RandomSearch.for_task(task, seed=1, n_workers=4), MemorySink(), Budget(n_trials=n), workers=workers)
        print(f"{label}: {summary.wall_time / n * 1e6:.1f} us per trial, of which carps {summary.overhead_time / n * 1e6:.1f} us")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    loop_overhead()
    simulated_vs_real()
