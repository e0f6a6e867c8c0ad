"""``carps report experiment=NAME``: rankings, CD diagrams and over-budget plots in one HTML file (or CSV/LaTeX)."""

from __future__ import annotations

from carps.cli.options import selected_experiments, wants_help
from carps.cli.overrides import parse_overrides

HELP = """usage: carps report experiment=NAME[,NAME...] [task=GLOB] [optimizer=GLOB] [out=FILE] [format=html|csv|latex|markdown]
                    [results_dir=results] [title=TEXT] [task_plots=12]

Analyses one experiment, or several together (e.g. a new optimizer's runs against baseline results):
per task type the average ranks with 95% bootstrap confidence intervals (final and anytime
performance), Friedman test and Nemenyi critical-difference diagrams, performance and rank over the
budget, ECDFs, per-task curves, and hypervolume results for multi-objective tasks.

  format=html   one self-contained HTML file (default out: <results_dir>/<experiment>/report/report.html,
                with the ranking table beside it as ranking.csv)
  format=csv    the ranking table as CSV (default out: .../report/ranking.csv)
  format=latex  the ranking table as a LaTeX tabular (default out: .../report/ranking.tex)
  format=markdown  the ranking table as Markdown, per task type, with failed runs and trials and the
                tasks they failed on beside each rank (default out: .../report/ranking.md)

task= and optimizer= take globs (comma lists allowed) to restrict the analysis, e.g. task='blackbox/*';
task= may also name a shipped subset, e.g. task=subset/blackbox/k10_dev.
Trials are read from the experiment's trials.parquet (written by 'carps gather'), gathered on demand."""

DEFAULT_NAMES = {"html": "report.html", "csv": "ranking.csv", "latex": "ranking.tex", "markdown": "ranking.md"}


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir", "task", "optimizer", "out", "format", "title", "task_plots"])
    from pathlib import Path

    from carps.analysis.pipeline import analyze, ranking_table
    from carps.analysis.report import FORMATS, write_report
    from carps.core.errors import CarpsError

    fmt = str(o.get("format", "html"))
    if fmt not in FORMATS:
        raise CarpsError(f"format must be one of {', '.join(FORMATS)}, got '{fmt}'")
    names, folders, trials, runs = selected_experiments(o)
    if not (trials["status"] == "ok").any():
        raise CarpsError(f"experiment {', '.join(names)} has no successful trials to analyse yet (see: carps status experiment={names[0]})")
    result = analyze(trials, runs)
    out = Path(str(o.get("out"))) if o.get("out") else folders[0] / "report" / DEFAULT_NAMES[fmt]
    if out.is_dir():
        out = out / DEFAULT_NAMES[fmt]
    task_plots = int(o.number("task_plots", 12) or 12)
    paths = [write_report(result, out, fmt, title=str(o.get("title") or f"carps report: {', '.join(names)}"), max_task_plots=task_plots)]
    if fmt == "html" and not o.get("out"):  # the default report folder also gets the table as CSV
        paths.append(write_report(result, out.parent / DEFAULT_NAMES["csv"], "csv"))
    table = ranking_table(result)
    shown = table[["task_type", "optimizer", "n_tasks", "rank_final", "final", "rank_auc", "auc"]].rename(columns={"rank_final": "mean_rank", "rank_auc": "mean_rank_auc"})
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nmean_rank: average rank of final performance (1 = best); final/auc: mean normalized regret (lower is better)")
    print("wrote " + " and ".join(str(p) for p in paths))
    return 0
