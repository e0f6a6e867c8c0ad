"""Subset-selection figures on the shared example (1,000 points in [0,1]^3) against the reference
C shift heuristic (README of ../shared/data/subsets), and exact discrepancy timings.

Run: python tests/perf/bench_subsets.py [--seeds 0,1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from carps.subsets.discrepancy import star_discrepancy, star_discrepancy_numpy
from carps.subsets.selection import select_subset

EXAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "subsets" / "example_n1000_d3.txt"
# k: (reference discrepancy, reference seconds) of the C shift heuristic (50/150 restarts)
REFERENCE = {10: (0.229259, 4.5), 20: (0.184300, 21.1), 30: (0.171279, 15.9)}


def timed(fn, *args, repeat: int = 50) -> float:
    fn(*args)
    start = time.perf_counter()
    for _ in range(repeat):
        fn(*args)
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0")
    seeds = [int(s) for s in parser.parse_args().seeds.split(",")]
    rng = np.random.default_rng(0)
    x30 = rng.random((30, 3))
    print(f"exact D* of 30 points, d=3: {timed(star_discrepancy, x30) * 1e3:.3f} ms (compiled), {timed(star_discrepancy_numpy, x30) * 1e3:.3f} ms (numpy)")
    for n, d in [(100, 3), (100, 4), (100, 5)]:
        x = rng.random((n, d))
        print(f"exact D* of {n} points, d={d}: {timed(star_discrepancy, x, repeat=1) * 1e3:.1f} ms")
    points = np.loadtxt(EXAMPLE)
    select_subset(points, 5, restarts=1)  # compile the kernels outside the timings
    print(f"{EXAMPLE.name}: {points.shape}")
    print("k  reference(D*, s)    carps D* (seed)  time limit  reached-reference-at")
    for k, (ref, ref_s) in REFERENCE.items():
        for seed in seeds:
            res = select_subset(points, k, seed=seed, time_limit=ref_s)
            hit = next((f"{t:.1f} s" for t, v in res.history if v <= ref), "-")
            print(f"{k:<2} {ref:.6f} {ref_s:5.1f} s   {res.discrepancy:.6f} ({seed})   {ref_s:5.1f} s    {hit}   restarts={res.restarts} evals={res.evaluations}")


if __name__ == "__main__":
    main()
