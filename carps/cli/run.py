"""``carps run``: expand optimizers x tasks x seeds into runs and execute the missing ones."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import OverrideError, Overrides, parse_overrides
from carps.core.errors import CarpsError

HELP = """usage: carps run optimizer=NAME[,NAME...] task=GLOB[,GLOB...] [key=value ...]

keys:
  optimizer=      optimizer ids or families (carps list optimizers); a family such as 'smac' runs its
                  variant recommended for each task's type
  task=           task ids, globs ('blackbox/bbob/*_d5_*') or subsets ('subset/blackbox/k10_dev')
  seed=1          seeds, e.g. seed=1,2,3
  n_trials=       budget in full-fidelity evaluations (default: each task's own budget)
  wall_time=      seconds per run before it stops (default: none)
  trial_timeout=  seconds per trial; slower trials are recorded as 'timeout' (default: none)
  experiment=default   results go to <results_dir>/<experiment>
  results_dir=results  (or $CARPS_RESULTS_DIR)
  n_jobs=1        parallel runs in a local process pool (with launcher=ray: CPUs of a local Ray;
                  default all cores)
  launcher=local  'local', 'ray', 'slurm' or a plugin's launcher (see docs/scaling.md)
  launcher.<name>=value   a setting of the chosen launcher, e.g. launcher.partition=gpu with
                  launcher=slurm (a wrong name lists the launcher's settings)
  max_retries=2   tries more for a run whose worker process died (killed, out of memory); with
                  launcher=slurm also for a run whose job ended before it finished (cancelled, node lost)
  wait=true       with launcher=slurm: false submits and returns; the same command again collects
  ray_address=    with launcher=ray: 'auto' or host:port of a running Ray cluster (default: a local Ray)
  batch_size=auto with launcher=ray: runs per Ray call ('auto' adapts to the run time)
  writer=auto     with launcher=ray: who writes finished runs, 'driver' (no shared filesystem
                  needed), 'workers' (every node sees the results folder) or 'auto' (workers
                  when Ray runs on this machine alone, else the driver)
  resources.cpus_per_run=, resources.gpus_per_run=   with launcher=ray or slurm: per run, fractions
                  allowed on Ray (default: each benchmark family's own, e.g. BBOB 1 CPU, no GPU)
  resources.mem_gb_per_run=, resources.minutes_per_run=   with launcher=slurm: memory and expected
                  minutes of one run (default: the family's own, else the cluster's default memory)
  n_workers=      trials in flight per run, e.g. n_workers=4 (or 1,4 to compare); results are
                  labelled <optimizer>@<k>w (see docs/parallel.md)
  clock=simulated with n_workers: 'simulated' (trials evaluated at once, finished on a simulated
                  clock) or 'real' (n_workers worker processes, measured times)
  time_budget=    with n_workers: seconds of the run's clock; no trial starts after it
  cost=auto       with clock=simulated: seconds a trial takes, 'auto' (the benchmark's runtime metric,
                  else 60 s per full evaluation x fidelity share x a config factor), 'model', 'wall'
                  (measured) or seconds per full evaluation
  charge_optimizer_time=true   with clock=simulated: the optimizer's ask/tell time moves the clock
  optimizer.<name>=value   override an optimizer parameter; task.<name>=value a task option
  quiet=false     no progress line
flags:
  --resume        accepted for clarity: a rerun of the same command always runs only what is missing
"""

KEYS = ["optimizer", "task", "seed", "n_trials", "wall_time", "trial_timeout", "experiment", "results_dir", "n_jobs", "launcher", "quiet", "ray_address", "max_retries", "batch_size", "writer", "wait", "n_workers", "clock", "time_budget", "cost", "charge_optimizer_time"]
PREFIXES = ["optimizer", "task", "resources", "launcher"]


def parallel_options(o: Overrides) -> dict[str, Any]:
    """``workers`` and ``parallel`` of :func:`~carps.launch.plan.make_plan` from the parallel-run keys."""
    keys = ("clock", "time_budget", "cost", "charge_optimizer_time")
    if o.get("n_workers") is None:
        given = [k for k in keys if o.get(k) is not None]
        if given:
            raise OverrideError(f"{', '.join(given)} only apply to parallel runs: add n_workers=K (e.g. n_workers=4)")
        return {}
    from carps.core.parallel import Workers

    workers = o.ints("n_workers", [1])
    charge = o.get("charge_optimizer_time", True)
    if not isinstance(charge, bool):
        raise OverrideError(f"charge_optimizer_time must be true or false, got '{charge}'")
    cost = o.get("cost", "auto")
    parallel = {
        "time_budget": o.number("time_budget"),
        "clock": str(o.get("clock", "simulated")),
        "charge_optimizer_time": charge,
        "cost": cost if isinstance(cost, (int, float)) and not isinstance(cost, bool) else str(cost),
    }
    if parallel["time_budget"] is not None and not parallel["time_budget"] > 0:
        raise OverrideError(f"time_budget must be a positive number of seconds, got '{o.get('time_budget')}'")
    for k in workers:  # a bad value is one line here, not a failed run per task
        Workers(n=k, clock=parallel["clock"], charge_optimizer_time=charge, cost=parallel["cost"])
    return {"workers": workers, "parallel": parallel}


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, ``timeout``, a scheduler) stops the launch as Ctrl-C does: the launcher ends
    its workers and the command says how to resume, instead of dying with workers left running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=KEYS, allowed_prefixes=PREFIXES, flags=["resume"])
    if o.positional:
        raise OverrideError(f"unexpected argument '{o.positional[0]}': write key=value, e.g. optimizer=random task='blackbox/*'")
    optimizers = [str(v) for v in o.list("optimizer")]
    tasks = [str(v) for v in o.list("task")]
    if not optimizers or not tasks:
        raise OverrideError("give at least optimizer=... and task=...; e.g. carps run optimizer=random task=blackbox/bbob/f01_d2_i1")
    seeds = o.ints("seed", [1])
    from carps.cli.launch_options import ignored_keys, launcher_options
    from carps.launch.launcher import get_launcher

    launcher_name = str(o.get("launcher", "local"))
    launcher_type = get_launcher(launcher_name)
    launcher = launcher_type(launcher_options(launcher_type.options_type, o, launcher_name))

    from carps.launch.plan import make_plan, missing_data
    from carps.launch.progress import RunProgress

    plan = make_plan(
        optimizers,
        tasks,
        seeds,
        n_trials=o.number("n_trials"),
        wall_time=o.number("wall_time"),
        trial_timeout=o.number("trial_timeout"),
        optimizer_params=o.prefixed("optimizer"),
        task_params=o.prefixed("task"),
        **parallel_options(o),
    )
    missing = missing_data([spec.task for spec in plan.runs])
    if missing:  # refused before any folder is written: one line, not one failed run per task
        raise CarpsError(f"{missing}; nothing was run")
    experiment = str(o.get("experiment", "default"))
    exp_dir = results_dir(o) / experiment
    exp_dir.mkdir(parents=True, exist_ok=True)
    with open(exp_dir / "commands.jsonl", "a") as fh:
        fh.write(json.dumps({"time": time.time(), "argv": ["carps", "run", *args], "n_runs": len(plan.runs)}) + "\n")
    if plan.skipped:
        print(plan.skipped_summary(), file=sys.stderr)
    quiet = bool(o.get("quiet", False))
    print(f"experiment '{experiment}': {len(plan.runs)} runs -> {exp_dir}", file=sys.stderr)
    progress = RunProgress(len(plan.runs), enabled=not quiet)
    ignored = ignored_keys(launcher_type.options_type, o)
    if ignored:
        print(f"note: {', '.join(ignored)} do not apply to launcher={launcher_name}", file=sys.stderr)
    with sigterm_as_interrupt():
        launcher.launch(plan.runs, exp_dir, progress)
    print(progress.summary(), file=sys.stderr)
    return 1 if progress.counts["failed"] else 0
