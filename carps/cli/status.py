"""``carps status experiment=NAME``: done / failed / running / missing runs per optimizer and task type."""

from __future__ import annotations

import json
from collections import Counter

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import parse_overrides

HELP = """usage: carps status experiment=NAME [results_dir=results]

Counts the runs of the experiment's recorded commands (commands.jsonl) by status: done, failed,
running (started, not finished) and missing (never started)."""


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir"])
    from carps.analysis.gather import experiment_dir
    from carps.cli.run import KEYS, PREFIXES
    from carps.launch.execute import run_status
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
    for spec in specs.values():
        counts[(spec.optimizer, spec.task_type.value, run_status(spec, exp) or "missing")] += 1
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
    return 0
