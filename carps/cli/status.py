"""``carps status experiment=NAME``: done / failed / running / missing runs per optimizer and task type."""

from __future__ import annotations

import json
from collections import Counter

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import parse_overrides

HELP = """usage: carps status experiment=NAME [results_dir=results]

Counts the runs of the experiment's recorded commands (commands.jsonl) by status: done, failed,
running (started, not finished) and missing (never started), per optimizer and task type, and
groups the failed runs by reason."""


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir"])
    from carps.analysis.gather import experiment_dir
    from carps.cli.run import KEYS, PREFIXES
    from carps.core.records import RunFolder
    from carps.launch.progress import failure_reason
    from carps.launch.plan import make_plan

    exp = experiment_dir(str(o.get("experiment", "default")), results_dir(o))
    specs = {}
    commands = exp / "commands.jsonl"
    for line in commands.read_text().splitlines() if commands.exists() else []:
        argv = json.loads(line)["argv"][2:]
        ro = parse_overrides(argv, allowed=KEYS, allowed_prefixes=PREFIXES, flags=["resume"])
        plan = make_plan(
            [str(v) for v in ro.list("optimizer")], [str(v) for v in ro.list("task")], ro.ints("seed", [1]),
            ro.number("n_trials"), ro.number("wall_time"), ro.number("trial_timeout"), ro.prefixed("optimizer"), ro.prefixed("task"),
        )
        for spec in plan.runs:
            specs[(spec.optimizer, spec.task, spec.seed)] = spec
    counts: Counter[tuple[str, str, str]] = Counter()
    reasons: Counter[str] = Counter()
    for spec in specs.values():
        run = RunFolder(spec.folder(exp)).read_run()
        status = "missing" if run is None else run.get("status", "missing")
        counts[(spec.optimizer, spec.task_type.value, status)] += 1
        if status == "failed":
            reasons[failure_reason(run.get("error"))] += 1
    groups = sorted({(opt, ttype) for opt, ttype, _ in counts})
    header = f"{'optimizer':<28} {'task type':<15} {'done':>6} {'failed':>6} {'running':>7} {'missing':>7}"
    print(header)
    print("-" * len(header))
    for opt, ttype in groups:
        c = {s: counts[(opt, ttype, s)] for s in ("done", "failed", "running", "missing")}
        print(f"{opt:<28} {ttype:<15} {c['done']:>6} {c['failed']:>6} {c['running']:>7} {c['missing']:>7}")
    total = Counter()
    for (_, _, s), n in counts.items():
        total[s] += n
    print(f"\ntotal: {sum(total.values())} runs: " + ", ".join(f"{total[s]} {s}" for s in ("done", "failed", "running", "missing")))
    if reasons:  # grouped, so that thousands of runs failing alike take one line
        print("\nfailed runs by reason:")
        for reason, n in reasons.most_common(5):
            print(f"  {n:>6}  {reason}")
        if len(reasons) > 5:
            print(f"  {sum(reasons.values()) - sum(n for _, n in reasons.most_common(5)):>6}  (other reasons; see each run.json)")
    if total["failed"] or total["running"] or total["missing"]:
        print("\nto finish: rerun the experiment's command (with --resume); only failed, running and missing runs run again")
    return 0
