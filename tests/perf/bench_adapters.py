"""Adapter overhead: each family's loop on a BBOB task, straight against the library vs through carps.

    python tests/perf/bench_adapters.py                   # 200 trials, blackbox/bbob/f15_d5_i1
    python tests/perf/bench_adapters.py --trials 50 --reps 1 --only tpe,smac
    python tests/perf/bench_adapters.py --only process --process-reps 7   # whole processes only

"direct" is the loop a user would write with the library's own ask/tell API and the same settings
(seed, seeded private copy of the space, in-memory run history); "carps" is ``run_trials`` with the
catalog variant (``smac/hpo``, ``optuna/tpe``) writing ``trials.jsonl`` to a temporary run folder,
as ``carps run`` does. Both loops must propose the very same configurations (checked), so the time
difference is carps' own cost: config conversion, the run loop, budget accounting and the trial log.
The target: carps within 5% of direct, or within 2 ms per trial, whichever is larger. Direct and carps
alternate ``--reps`` times (which goes first alternates too); the medians and the minima (the least
noisy estimate on a shared machine) are compared. A case may name its own task (``dehb`` runs on a
multi-fidelity one, where ``--trials`` counts full evaluations, as carps' budget does).

Every family has a case except ``lrfree``: a learning-rate-free baseline is one full training run
on an nn task with no proposals to make (one trial per run), so there is no ask/tell loop whose
overhead could be compared; its cost is the training itself.

"process" times whole processes: ``carps run optimizer=optuna/tpe task=blackbox/bbob/f01_d2_i1
n_trials=200`` into a fresh results folder, against a plain script running an Optuna TPE loop over
the same BBOB function through ``ioh`` (as carps does), each a fresh Python; the ratio of the medians
includes every import and file carps writes (target: at most 1.3).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TASK = "blackbox/bbob/f15_d5_i1"


def through_carps(task, optimizer_id: str, n_trials: int, seed: int, library_calls: tuple[str, tuple[str, ...]]) -> tuple[float, list]:
    from carps.core.loop import run_trials
    from carps.core.records import RunFolder
    from carps.core.registry import get_registry
    from carps.core.types import Budget

    entry = get_registry().optimizer(optimizer_id)
    cls = entry.load_class()
    names = list(task.space.keys())
    with tempfile.TemporaryDirectory() as tmp:
        folder = RunFolder(Path(tmp) / "run")
        t0 = time.perf_counter()
        budget = Budget(n_trials=n_trials)
        optimizer = cls.for_task(task, seed=seed, budget=budget, **entry.params)
        library = _time_library_calls(optimizer, library_calls)
        summary = run_trials(task, optimizer, folder, budget)
        elapsed = time.perf_counter() - t0
        folder.close()
        asked = [[r["config"][n] for n in names] for r in folder.read_trials()]
    # what carps adds, measured inside the run rather than as a difference of two noisy totals:
    # the loop, budget accounting, config conversion in the adapter and the trial log
    OWN_COST.append((summary.wall_time - library[0] - summary.objective_time) / summary.n_trials)
    return elapsed, asked


OWN_COST: list[float] = []


def all_cases() -> dict[str, tuple]:
    """Every case of every module in tests/perf/direct, by case name."""
    import importlib
    import pkgutil

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import tests.perf.direct as direct_loops

    cases: dict[str, tuple] = {}
    for module in pkgutil.iter_modules(direct_loops.__path__):
        cases.update(importlib.import_module(f"tests.perf.direct.{module.name}").CASES)
    return cases


def _time_library_calls(optimizer, library_calls: tuple[str, tuple[str, ...]]) -> list[float]:
    """Wrap the library object's methods so their time can be subtracted (total in element 0)."""
    spent = [0.0]
    attribute, methods = library_calls
    # None: the library calls are the adapter's own methods (BoTorch has no ask/tell object to wrap)
    target = optimizer if attribute is None else getattr(optimizer, attribute)
    for name in methods:
        inner = getattr(target, name)

        def timed(*a, _inner=inner, **k):
            t = time.perf_counter()
            try:
                return _inner(*a, **k)
            finally:
                spent[0] += time.perf_counter() - t

        setattr(target, name, timed)
    return spent


PROCESS_TASK = "blackbox/bbob/f01_d2_i1"
# the loop a user would write without carps: same function (ioh's BBOB f1, d2, i1), same space, same sampler seed
PLAIN_TPE = """
import ioh, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
problem = ioh.get_problem(1, instance=1, dimension=2, problem_class=ioh.ProblemClass.BBOB)
names = ["x0", "x1"]
dists = {{n: optuna.distributions.FloatDistribution(-5.0, 5.0) for n in names}}
study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed={seed}), directions=["minimize"])
for _ in range({n_trials}):
    trial = study.ask(dists)
    study.tell(trial, [float(problem([trial.params[n] for n in names]))])
"""


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def whole_process(n_trials: int, seed: int, reps: int) -> None:
    """``carps run`` as a subprocess against a plain Optuna script as a subprocess, alternating."""
    carps_bin = str(Path(sys.executable).with_name("carps"))
    plain = PLAIN_TPE.format(seed=seed, n_trials=n_trials)
    plain_times, carps_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(reps + 1):  # the first round warms the file-system caches and is dropped
            out = Path(tmp) / f"r{rep}"  # a fresh results folder: every run executes
            cmd = [carps_bin, "run", "optimizer=optuna/tpe", f"task={PROCESS_TASK}", f"n_trials={n_trials}", f"seed={seed}", f"results_dir={out}", "quiet=true"]
            sides = [("plain", [sys.executable, "-c", plain]), ("carps", cmd)]
            for side, command in sides if rep % 2 == 0 else reversed(sides):
                t = _timed(command)
                if rep:
                    (plain_times if side == "plain" else carps_times).append(t)
    p, c = statistics.median(plain_times), statistics.median(carps_times)
    verdict = "OK" if c / p <= 1.3 else "TOO SLOW"
    print(f"process (optuna/tpe, {PROCESS_TASK}, {n_trials} trials, {reps} repetitions): plain Optuna {p:.2f} s   "
          f"carps run {c:.2f} s   ratio {c / p:.2f} (target <= 1.3)  {verdict}")
    print(f"      all: plain {[round(x, 2) for x in plain_times]}  carps {[round(x, 2) for x in carps_times]}  (min ratio {min(carps_times) / min(plain_times):.2f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--task", default=TASK)
    parser.add_argument("--only", default=None, help=f"comma-separated cases ({', '.join(all_cases())}) or 'process'")
    parser.add_argument("--process-reps", type=int, default=5, help="repetitions of the whole-process comparison")
    args = parser.parse_args()
    if args.only in (None, "process"):
        whole_process(args.trials, args.seed, args.process_reps)
        if args.only == "process":
            return

    from carps.benchmarks import get_task

    tasks = {args.task: get_task(args.task)}
    cases = all_cases()
    print(f"task {args.task}, {args.trials} trials, seed {args.seed}, {args.reps} alternating repetitions")
    for name, (optimizer_id, direct, library_calls, *own_task) in cases.items():
        if args.only and name not in args.only.split(","):
            continue
        task_id = own_task[0] if own_task else args.task
        if task_id not in tasks:
            tasks[task_id] = get_task(task_id)
            print(f"{name}: on {task_id}")
        task = tasks[task_id]
        # warm imports and caches once, so neither side pays them
        direct(task, 3, args.seed)
        through_carps(task, optimizer_id, 3, args.seed, library_calls)
        direct_times, carps_times = [], []
        OWN_COST.clear()
        for rep in range(args.reps):
            # alternate which side goes first, so drifts in machine load hit both alike
            order = ("direct", "carps") if rep % 2 == 0 else ("carps", "direct")
            for side in order:
                if side == "direct":
                    d, d_asked = direct(task, args.trials, args.seed)
                    direct_times.append(d)
                else:
                    c, c_asked = through_carps(task, optimizer_id, args.trials, args.seed, library_calls)
                    carps_times.append(c)
            assert d_asked is None or d_asked == c_asked, f"{name}: carps proposed other configurations than the library itself"
        # trials actually run: more than --trials on a multi-fidelity task, whose budget counts full evaluations
        n_run = len(c_asked)
        allowed_of = lambda base: max(0.05 * base, 0.002 * n_run)  # noqa: E731
        for label, pick in (("median", statistics.median), ("min", min)):
            d, c = pick(direct_times), pick(carps_times)
            per_trial_ms = (c - d) / n_run * 1000
            verdict = "OK" if c - d <= allowed_of(d) else "TOO SLOW"
            print(f"{name:5s} ({optimizer_id}) {label:6s}: direct {d:8.3f} s   carps {c:8.3f} s   difference {c - d:+7.3f} s "
                  f"({(c - d) / d * 100:+5.1f}%, {per_trial_ms:+6.2f} ms/trial; allowed {allowed_of(d):.2f} s)  {verdict}")
        print(f"      carps' own cost inside the runs (loop + adapter + trial log): "
              f"{statistics.median(OWN_COST) * 1e3:.3f} ms/trial (median of {len(OWN_COST)} runs)")
        if n_run != args.trials:
            print(f"      {n_run} trials per run ({args.trials} full evaluations)")
        print(f"      all runs: direct {[round(x, 3) for x in direct_times]}  carps {[round(x, 3) for x in carps_times]}; "
              f"same configurations: {'yes' if d_asked is not None else 'not comparable (see the case module)'}", flush=True)


if __name__ == "__main__":
    main()
