"""Analysis speed figures (run with `python tests/perf/bench_analysis.py [--runs-scale 1.0] [--cores 2]`).

Generates an experiment on disk in the launcher's format (run.json + trials.jsonl per run):
5 optimizers x 1,000 tasks x 2 seeds x 100 trials = 1,000,000 trial rows (with ``--scale 1.0``), a
mix of blackbox and multi-fidelity tasks with crashed trials sprinkled in. Then, each in a fresh
process pinned to ``--cores`` CPU cores:

1. gather: run folders -> tidy table -> Parquet (``carps gather``);
2. full analysis from the Parquet table: normalization, trajectories, final/anytime performance,
   bootstrap CIs, ranks, Friedman/Nemenyi per task type and metric, rank over budget;
3. the HTML report (``carps report``), analysis included;
4. a breakdown of the views of issue 20 inside the analysis: the fixed-target views (ERT, success
   rates, runtime ECDFs with bootstrap bands, fixed-budget quantiles), rliable's aggregates (IQM
   with stratified bootstrap CIs, performance profiles, probability of improvement) with the import
   of rliable, the Spearman correlations, and the IOHprofiler export (``carps export``, not part of
   the analysis).

Peak memory is the child process's maximum resident set size.
Targets (issue 7): gather + analysis < 10 s on 2 cores and < 2 GB; report < 60 s.
Targets (issue 20, with its views): analysis < 10 s, report < 30 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOOM = '"boom"'
OPTIMIZERS = ["random", "optuna/tpe", "smac/bb", "dehb/mf", "nevergrad/ngopt"]


def generate(exp: Path, n_tasks: int, n_seeds: int, n_trials: int, seed: int = 0) -> int:
    """Write the experiment; returns the number of trial rows."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = 0
    for t in range(n_tasks):
        mf = t % 4 == 3  # a quarter multi-fidelity
        ttype = "multifidelity" if mf else "blackbox"
        task_id = f"{ttype}/synthetic/t{t:04d}"
        scale = 10 ** rng.uniform(-2, 3)
        optimum = float(rng.normal()) if t % 2 == 0 else None
        objectives = [{"name": "loss" if mf else "y", "minimize": True, "lower": optimum, "upper": None}]
        fidelity = {"name": "epochs", "low": 1, "high": 27, "log": False} if mf else None
        for j, opt in enumerate(OPTIMIZERS):
            for s in range(1, n_seeds + 1):
                folder = exp / task_id / opt / f"seed_{s}"
                folder.mkdir(parents=True, exist_ok=True)
                x = rng.uniform(-5, 5, size=(n_trials, 3))
                y = (optimum or 0.0) + scale * (np.sum(x**2, axis=1) / (1 + 0.2 * j)) * rng.uniform(0.5, 1.5, n_trials)
                fid = rng.choice([1, 3, 9, 27], size=n_trials) if mf else None
                cost = fid / 27 if mf else np.ones(n_trials)
                used = np.cumsum(cost)
                crashed = rng.uniform(size=n_trials) < 0.02
                xs, ys, us = x.tolist(), y.tolist(), used.tolist()  # plain floats: repr() is valid JSON
                fids = fid.tolist() if mf else None
                lines = []
                for i in range(n_trials):
                    objs = "null" if crashed[i] else f'{{"{objectives[0]["name"]}":{ys[i]!r}}}'
                    lines.append(
                        f'{{"trial":{i},"config":{{"x0":{xs[i][0]!r},"x1":{xs[i][1]!r},"x2":{xs[i][2]!r},"kind":"a"}},'
                        f'"fidelity":{"null" if fids is None else fids[i]},"seed":{s},"objectives":{objs},'
                        f'"status":"{"crashed" if crashed[i] else "ok"}","error":{BOOM if crashed[i] else "null"},'
                        f'"budget_used":{us[i]!r},"started_at":{1.7e9 + i!r},"wall_time":{1e-3 * (i % 7)!r}}}\n'
                    )
                (folder / "trials.jsonl").write_text("".join(lines))
                run = {
                    "schema": 1, "status": "done",
                    "run": {"optimizer": opt, "task": task_id, "seed": s, "n_trials": n_trials if not mf else n_trials / 2},
                    "versions": {"python": sys.version.split()[0]},
                    "task": {"id": task_id, "type": ttype, "family": "synthetic", "objectives": objectives, "fidelity": fidelity, "budget": {"n_trials": n_trials}},
                    "optimizer": {"id": opt, "target": "x.Y", "params": {}},
                    "budget": {"n_trials": float(used[-1]) if mf else n_trials, "wall_time": None},
                    "summary": {"n_trials": n_trials, "n_failed": int(crashed.sum()), "budget_used": float(used[-1]), "stop_reason": "budget", "replayed": 0},
                    "timings": {"started_at": 1.7e9, "finished_at": 1.7e9 + 1, "wall_time": 1.0, "optimizer_time": 0.5, "objective_time": 0.4, "overhead_time": 0.1},
                }
                (folder / "run.json").write_text(json.dumps(run, indent=1))
                rows += n_trials
    return rows


CHILD = r"""
import json, os, resource, sys, time
cores = int(sys.argv[3])
try:
    os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:cores]))
except (AttributeError, OSError):
    pass
import pyarrow as pa
pa.set_cpu_count(cores); pa.set_io_thread_count(max(cores, 4))
t0 = time.perf_counter()
from carps.analysis.gather import gather_to_parquet, load_experiment
from carps.analysis.pipeline import analyze
step, exp = sys.argv[1], sys.argv[2]
out = {}
if step == "gather":
    gather_to_parquet(exp)
    out["gather_s"] = time.perf_counter() - t0
elif step == "analysis":
    trials, runs = load_experiment(exp, refresh=False)
    t1 = time.perf_counter()
    result = analyze(trials, runs)
    out["load_s"] = t1 - t0
    out["analysis_s"] = time.perf_counter() - t0
    out["rows"] = len(trials)
elif step == "both":
    from carps.analysis.gather import gather
    trials, runs = gather(exp)
    out["gather_s"] = time.perf_counter() - t0
    analyze(trials, runs)
    out["total_s"] = time.perf_counter() - t0
    out["rows"] = len(trials)
elif step == "report":
    from carps.analysis.report import write_report
    trials, runs = load_experiment(exp, refresh=False)
    write_report(analyze(trials, runs), os.path.join(exp, "report.html"))
    out["report_s"] = time.perf_counter() - t0
    out["report_mb"] = os.path.getsize(os.path.join(exp, "report.html")) / 1e6
elif step == "views":
    from carps.analysis import pipeline, ranking
    from carps.analysis.export_ioh import config_dimensions, export_ioh
    trials, runs = load_experiment(exp, refresh=False)
    t1 = time.perf_counter()
    result = analyze(trials, runs, robust=False)
    t2 = time.perf_counter()
    pipeline.add_fixed_target(result)
    t3 = time.perf_counter()
    pipeline.add_robust(result)
    t4 = time.perf_counter()
    {t: ranking.optimizer_correlation(result.per_run, t) for t in result.task_types}
    t5 = time.perf_counter()
    summary = export_ioh(trials, runs, os.path.join(exp, "ioh_export"), config_dimensions(exp))
    t6 = time.perf_counter()
    out.update(analysis_s=t2 - t1, fixed_target_s=t3 - t2, robust_s=t4 - t3, correlation_s=t5 - t4, export_s=t6 - t5, export_runs=summary["runs"])
usage = resource.getrusage(resource.RUSAGE_SELF)
out["peak_mb"] = usage.ru_maxrss / 1024
out["cpu_s"] = usage.ru_utime + usage.ru_stime  # all threads; with page-cached files an upper bound of idle wall time
out["load"] = os.getloadavg()[0]
print(json.dumps(out))
"""


def child(step: str, exp: Path, cores: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, step, str(exp), str(cores)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{step} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 1,000 tasks to generate (default 1.0 = 1M rows)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="reuse/keep the generated experiment here")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    n_tasks = max(4, int(1000 * args.scale))
    with tempfile.TemporaryDirectory() as tmp:
        exp = args.dir or Path(tmp) / "bench"
        if not (exp / "run.json").exists() and not any(exp.glob("*/*/*/*/*/run.json")):
            t0 = time.perf_counter()
            rows = generate(exp, n_tasks, 2, 100)
            print(f"generated {rows:,} trial rows ({n_tasks} tasks x {len(OPTIMIZERS)} optimizers x 2 seeds x 100 trials) in {time.perf_counter() - t0:.1f} s")
        g = child("gather", exp, args.cores)
        a = child("analysis", exp, args.cores)
        b = child("both", exp, args.cores)
        print(f"rows: {a['rows']:,}   (wall = elapsed seconds under load average ~{b['load']:.1f} on this machine; cpu = user+sys of all threads)")
        print(f"gather -> Parquet:            wall {g['gather_s']:6.2f} s  cpu {g['cpu_s']:6.2f} s  peak {g['peak_mb']:5.0f} MB")
        print(f"analysis from Parquet:        wall {a['analysis_s']:6.2f} s  cpu {a['cpu_s']:6.2f} s  peak {a['peak_mb']:5.0f} MB  (loading {a['load_s']:.2f} s)")
        print(f"gather + analysis, 1 process: wall {b['total_s']:6.2f} s  cpu {b['cpu_s']:6.2f} s  peak {b['peak_mb']:5.0f} MB  (target < 10 s on {args.cores} cores, < 2048 MB)")
        v = child("views", exp, args.cores)
        print(f"  of which fixed-target views (ERT, success, runtime ECDF, fixed-budget quantiles): {v['fixed_target_s']:5.2f} s")
        print(f"  of which rliable aggregates (IQM + CIs, profiles, probability of improvement):   {v['robust_s']:5.2f} s (rliable import included)")
        print(f"  of which Spearman correlations:                                                  {v['correlation_s']:5.2f} s")
        print(f"IOHprofiler export ({v['export_runs']:,} runs, carps export format=ioh): wall {v['export_s']:6.2f} s")
        if not args.no_report:
            r = child("report", exp, args.cores)
            print(f"HTML report incl. analysis:   wall {r['report_s']:6.2f} s  cpu {r['cpu_s']:6.2f} s  peak {r['peak_mb']:5.0f} MB  ({r['report_mb']:.1f} MB file; target < 30 s)")


if __name__ == "__main__":
    main()
