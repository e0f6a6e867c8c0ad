"""Subset-selection figures on the shared examples (1,000 points in [0,1]^3, 500 in [0,1]^4, 300 in
[0,1]^5) against the reference C shift heuristic (README of ../shared/data/subsets), each k given the
reference's own wall time, and exact discrepancy timings for d = 2..8.

Run: python tests/perf/bench_subsets.py [--seeds 0,1] [--sets d3,d4,d5] [--no-exact]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from carps.subsets.discrepancy import star_discrepancy, star_discrepancy_numpy, subset_discrepancy
from carps.subsets.selection import select_subset

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "subsets"
# set: (file, {k: (reference discrepancy, reference seconds)}) of the C shift heuristic
REFERENCE = {
    "d3": ("example_n1000_d3.txt", {10: (0.229259, 4.5), 20: (0.184300, 21.1), 30: (0.171279, 15.9)}),
    "d4": ("example_n500_d4.txt", {10: (0.257596, 27.3), 20: (0.185761, 104.2), 30: (0.166057, 300.0)}),
    "d5": ("example_n300_d5.txt", {10: (0.343989, 7.1), 20: (0.308960, 62.8), 30: (0.294673, 171.9)}),
}


def timed(fn, *args, budget: float = 0.5) -> float:
    """Seconds per call: repeats until ``budget`` seconds have passed (at least once, after a warm-up)."""
    fn(*args)
    start = time.perf_counter()
    calls = 0
    while calls == 0 or time.perf_counter() - start < budget:
        fn(*args)
        calls += 1
    return (time.perf_counter() - start) / calls


def exact_table() -> None:
    rng = np.random.default_rng(0)
    x30 = rng.random((30, 3))
    print(f"exact D* of 30 points, d=3: {timed(star_discrepancy, x30) * 1e3:.3f} ms (compiled), {timed(star_discrepancy_numpy, x30) * 1e3:.3f} ms (numpy)")
    print("one exact discrepancy, ms: uniform measure (k uniform random points; k of the clumped d=5 example's")
    print("first d columns) | empirical measure (k of 300 random points; empirical for d <= 6 only)")
    print("d   uniform random: k=10  k=30      k=50      | clumped: k=10  k=30      k=50      | empirical: k=10  k=30      k=50")
    clumped = np.loadtxt(DATA / REFERENCE["d5"][0]) if (DATA / REFERENCE["d5"][0]).exists() else rng.random((300, 5)) ** 3
    for d in range(2, 9):
        full = rng.random((300, d))
        uni = [timed(star_discrepancy, rng.random((k, d))) * 1e3 for k in (10, 30, 50)]
        clu = [timed(star_discrepancy, clumped[rng.choice(len(clumped), k, replace=False), :d]) * 1e3 for k in (10, 30, 50)] if d <= clumped.shape[1] else []
        emp = [timed(subset_discrepancy, full, rng.choice(300, k, replace=False), "empirical") * 1e3 for k in (10, 30, 50)] if d <= 6 else []
        cells = [" ".join(f"{t:<9.3f}" for t in row) if row else "-" for row in (uni, clu, emp)]
        print(f"{d:<3} " + " | ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--sets", default="d3,d4,d5")
    parser.add_argument("--ks", default="10,20,30")
    parser.add_argument("--no-exact", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    ks = [int(k) for k in args.ks.split(",")]
    if not args.no_exact:
        exact_table()
    for name in args.sets.split(","):
        file, reference = REFERENCE[name]
        path = DATA / file
        if not path.exists():
            print(f"{path} missing: skipped")
            continue
        points = np.loadtxt(path)
        select_subset(points, 5, restarts=1, kicks=2)  # compile the kernels outside the timings
        print(f"{path.name}: {points.shape}, each k given the C shift heuristic's wall time")
        print("k  reference(D*, s)    carps D* (seed)  time limit  reached-reference-at")
        for k in ks:
            ref, ref_s = reference[k]
            for seed in seeds:
                res = select_subset(points, k, seed=seed, time_limit=ref_s)
                hit = next((f"{t:.1f} s" for t, v in res.history if v <= ref), "-")
                print(f"{k:<2} {ref:.6f} {ref_s:5.1f} s   {res.discrepancy:.6f} ({seed})   {ref_s:5.1f} s    {hit}   restarts={res.restarts} evals={res.evaluations}", flush=True)


if __name__ == "__main__":
    main()
