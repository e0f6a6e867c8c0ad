"""``carps status experiment=NAME``: done / failed / running / missing runs per optimizer and task type."""

from __future__ import annotations

import json
from collections import Counter

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import parse_overrides

HELP = """usage: carps status experiment=NAME [results_dir=results]

Counts the runs of the experiment's recorded commands (commands.jsonl) by status, per optimizer and
task type: done, failed, pending (queued at a scheduler such as Slurm, not started), running
(started, not finished) and missing (neither done nor queued); lists the scheduler's job ids of the
runs in flight, and groups the failed runs by reason."""
STATES = ("done", "failed", "pending", "running", "missing")


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir"])
    from carps.analysis.gather import experiment_dir
    from carps.cli.run import KEYS, PREFIXES, parallel_options
    from carps.launch.execute import run_key
    from carps.core.records import RunFolder
    from carps.launch.launcher import launchers_holding
    from carps.launch.plan import make_plan
    from carps.launch.progress import failure_reason

    exp = experiment_dir(str(o.get("experiment", "default")), results_dir(o))
    specs = {}
    commands = exp / "commands.jsonl"
    for line in commands.read_text().splitlines() if commands.exists() else []:
        argv = json.loads(line)["argv"][2:]
        ro = parse_overrides(argv, allowed=KEYS, allowed_prefixes=PREFIXES, flags=["resume"])
        plan = make_plan(
            [str(v) for v in ro.list("optimizer")], [str(v) for v in ro.list("task")], ro.ints("seed", [1]),
            ro.number("n_trials"), ro.number("wall_time"), ro.number("trial_timeout"), ro.prefixed("optimizer"), ro.prefixed("task"),
            **parallel_options(ro),
        )
        for spec in plan.runs:
            specs[run_key(spec)] = spec
    held = launchers_holding(exp) if specs else {}
    counts: Counter[tuple[str, str, str]] = Counter()
    reasons: Counter[str] = Counter()
    jobs: dict[str, Counter[str]] = {}  # scheduler job id -> runs in flight by state
    for key, spec in specs.items():
        run = RunFolder(spec.folder(exp)).read_run()
        status = "missing" if run is None else run.get("status", "missing")
        if status != "done" and key in held:
            flight = held[key]
            status = flight.state  # queued again after a failure or a cut-off: not failed, not missing
            jobs.setdefault(flight.job, Counter())[flight.state] += 1
        elif status not in STATES:
            status = "missing"
        counts[(spec.label, spec.task_type.value, status)] += 1
        if status == "failed":
            reasons[failure_reason(run.get("error"))] += 1
    groups = sorted({(opt, ttype) for opt, ttype, _ in counts})
    header = f"{'optimizer':<28} {'task type':<15} {'done':>6} {'failed':>6} {'pending':>7} {'running':>7} {'missing':>7}"
    print(header)
    print("-" * len(header))
    for opt, ttype in groups:
        c = {s: counts[(opt, ttype, s)] for s in STATES}
        print(f"{opt:<28} {ttype:<15} {c['done']:>6} {c['failed']:>6} {c['pending']:>7} {c['running']:>7} {c['missing']:>7}")
    total = Counter()
    for (_, _, s), n in counts.items():
        total[s] += n
    print(f"\ntotal: {sum(total.values())} runs: " + ", ".join(f"{total[s]} {s}" for s in STATES))
    if jobs:  # one line per job, its array tasks folded: thousands of runs in flight stay readable
        print("\nin flight (job: runs):")
        by_job: dict[str, list[tuple[str, Counter[str]]]] = {}
        for job, c in jobs.items():
            by_job.setdefault(job.split("_")[0], []).append((job, c))
        for master, tasks in sorted(by_job.items()):
            running = sorted(job for job, c in tasks if c["running"])
            n = Counter()
            for _, c in tasks:
                n.update(c)
            shown = ", ".join(running[:8]) + (f" +{len(running) - 8} more" if len(running) > 8 else "")
            print(f"  {master}: {n['running']} running" + (f" (in {shown})" if running else "") + f", {n['pending']} pending in {len(tasks)} task(s)")
    if reasons:  # grouped, so that thousands of runs failing alike take one line
        print("\nfailed runs by reason:")
        for reason, n in reasons.most_common(5):
            print(f"  {n:>6}  {reason}")
        if len(reasons) > 5:
            print(f"  {sum(reasons.values()) - sum(n for _, n in reasons.most_common(5)):>6}  (other reasons; see each run.json)")
    if total["pending"] or (jobs and total["running"]):
        print("\nruns in flight finish on their own; the experiment's command again waits for them and submits only what is missing")
    elif total["failed"] or total["running"] or total["missing"]:
        print("\nto finish: rerun the experiment's command (with --resume); only failed, running and missing runs run again")
    return 0
