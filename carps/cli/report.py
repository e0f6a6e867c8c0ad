"""``carps report experiment=NAME``: the ranking of optimizers per task type."""

from __future__ import annotations

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import parse_overrides

HELP = """usage: carps report experiment=NAME [results_dir=results] [out=FOLDER]

Prints the mean rank of each optimizer per task type (from normalized final performance, ranks per
task averaged over seeds) and writes ranking.csv and ranking.md to <experiment>/report or out=FOLDER."""


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir", "out"])
    from pathlib import Path

    from carps.analysis.gather import experiment_dir, gather
    from carps.analysis.ranking import average_ranks, final_performance, normalize_final
    from carps.core.errors import CarpsError

    exp = experiment_dir(str(o.get("experiment", "default")), results_dir(o))
    trials, runs = gather(exp)
    final = final_performance(trials, runs)
    if final.empty:
        raise CarpsError(f"experiment {exp} has no successful single-objective trials to rank yet")
    table = average_ranks(normalize_final(final, runs))
    out = Path(o.get("out") or exp / "report")
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "ranking.csv", index=False)
    text = table.to_string(index=False, float_format=lambda v: f"{v:.3f}")
    (out / "ranking.md").write_text("# Ranking\n\nMean rank per task type (lower is better).\n\n```\n" + text + "\n```\n")
    print(text)
    print(f"\nwrote {out / 'ranking.csv'} and {out / 'ranking.md'}")
    return 0
