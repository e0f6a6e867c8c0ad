"""Per-evaluation cost of every benchmark family (a plain script, not collected by pytest).

    python tests/perf/bench_benchmarks.py [--families bbob,yahpo] [--tasks 4] [--configs 20]

For each family it samples tasks (seeded), builds them, and times single evaluations of random
configurations (at full fidelity) and, where the family has a batch function, one batched call.
Prints a Markdown table (the one in docs/benchmarks.md) with per-family task counts by type.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter

from carps.core.registry import get_registry
from carps.core.space import sample_dicts, seeded_copy


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def measure_family(name: str, n_tasks: int, n_configs: int, seed: int) -> dict:
    entry = get_registry().benchmarks[name]
    t0 = time.perf_counter()
    ids = entry.benchmark.task_ids()
    list_time = time.perf_counter() - t0
    counts = Counter(i.split("/")[0] for i in ids)
    rng = random.Random(seed)
    sample = rng.sample(ids, min(n_tasks, len(ids))) if ids else []
    single, batched, build = [], [], []
    fidelities, objectives = set(), set()
    for task_id in sample:
        t0 = time.perf_counter()
        task = entry.benchmark.get_task(task_id)
        build.append(time.perf_counter() - t0)
        configs = sample_dicts(seeded_copy(task.space, seed), n_configs)
        full = task.fidelity.high if task.fidelity else None
        task.evaluate(configs[0], full, seed)  # warm-up: lazy model loading is not per-evaluation cost
        for config in configs:
            t0 = time.perf_counter()
            task.evaluate(config, full, seed)
            single.append(time.perf_counter() - t0)
        if task.batch_function is not None:
            t0 = time.perf_counter()
            task.evaluate_batch(configs, [full] * len(configs), seed)
            batched.append((time.perf_counter() - t0) / len(configs))
        if task.fidelity:
            fidelities.add(f"{task.fidelity.name} [{task.fidelity.low:g}, {task.fidelity.high:g}]")
        objectives.add(", ".join(f"{o.name} ({'min' if o.minimize else 'max'})" for o in task.objectives))
    return {
        "family": name, "tasks": len(ids), "counts": counts, "list_time": list_time, "build": statistics.median(build) if build else None,
        "single": statistics.median(single) if single else None, "single_max": max(single) if single else None,
        "batched": statistics.median(batched) if batched else None, "fidelities": fidelities, "objectives": objectives,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="", help="comma-separated families (default: all)")
    parser.add_argument("--tasks", type=int, default=4, help="tasks sampled per family")
    parser.add_argument("--configs", type=int, default=20, help="configurations timed per task (sklearn: 2)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    families = args.families.split(",") if args.families else sorted(get_registry().benchmarks)
    print("| family | tasks | by type | list ids | build task | one evaluation (median / max) | batched, per config |")
    print("|---|---|---|---|---|---|---|")
    for name in families:
        n_configs = 2 if name == "sklearn" else args.configs
        r = measure_family(name, args.tasks, n_configs, args.seed)
        types = ", ".join(f"{t} {c}" for t, c in sorted(r["counts"].items()))
        if r["single"] is None:
            print(f"| {name} | 0 | (no data configured) | {fmt(r['list_time'])} | | | |")
            continue
        batched = fmt(r["batched"]) if r["batched"] is not None else "—"
        print(f"| {name} | {r['tasks']} | {types} | {fmt(r['list_time'])} | {fmt(r['build'])} | {fmt(r['single'])} / {fmt(r['single_max'])} | {batched} |")


if __name__ == "__main__":
    main()
