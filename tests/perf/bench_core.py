"""Core speed figures (run with `make bench` or `python tests/perf/bench_core.py`).

1. framework overhead per trial: run-loop time minus ask/tell and objective time, logging to disk;
2. `carps --help` wall time;
3. `carps run optimizer=random task=blackbox/bbob/f01_d5_i1 n_trials=5000` as a whole process;
4. memory: peak traced allocations for 2,000 vs 20,000 trials (should be flat).

Targets (issue 3): overhead < 0.1 ms/trial, --help < 0.5 s, 5000 trials < 1.5 s, flat memory.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def overhead_per_trial(n: int = 5000) -> tuple[float, float]:
    from carps.benchmarks import get_task
    from carps.core.loop import run_trials
    from carps.core.records import RunFolder
    from carps.core.types import Budget
    from carps.optimizers.random_search import RandomSearch

    task = get_task("blackbox/bbob/f01_d5_i1")
    with tempfile.TemporaryDirectory() as tmp:
        folder = RunFolder(Path(tmp))
        summary = run_trials(task, RandomSearch.for_task(task, seed=1), folder, Budget(n_trials=n))
        folder.close()
    return summary.overhead_time / n * 1e3, summary.wall_time / n * 1e3


def peak_memory(n: int) -> float:
    from carps.benchmarks import get_task
    from carps.core.loop import run_trials
    from carps.core.records import RunFolder
    from carps.core.types import Budget
    from carps.optimizers.random_search import RandomSearch

    task = get_task("blackbox/bbob/f01_d2_i1")
    with tempfile.TemporaryDirectory() as tmp:
        folder = RunFolder(Path(tmp))
        tracemalloc.start()
        run_trials(task, RandomSearch.for_task(task, seed=1), folder, Budget(n_trials=n))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        folder.close()
    return peak / 2**20


def wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    carps = [sys.executable, "-m", "carps.cli.main"]
    per_trial, total_per_trial = overhead_per_trial()
    print(f"framework overhead per trial (logging on): {per_trial:.4f} ms   [target < 0.1 ms]  (whole loop incl. optimizer+objective: {total_per_trial:.4f} ms)")
    print(f"carps --help: {wall([*carps, '--help'], 5):.3f} s   [target < 0.5 s]")
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for i in range(3):
            runs.append(wall([*carps, "run", "optimizer=random", "task=blackbox/bbob/f01_d5_i1", "n_trials=5000", f"results_dir={tmp}", f"experiment=e{i}", "quiet=true"], 1))
        print(f"carps run random 5000 trials on f01_d5_i1 (whole process): {statistics.median(runs):.3f} s   [target < 1.5 s]")
    small, large = peak_memory(2000), peak_memory(20000)
    print(f"peak traced memory: {small:.2f} MiB at 2,000 trials, {large:.2f} MiB at 20,000 trials   [target: flat]")


if __name__ == "__main__":
    main()
