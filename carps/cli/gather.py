"""``carps gather experiment=NAME``: one Parquet table of all trials (and one of all runs)."""

from __future__ import annotations

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import parse_overrides

HELP = """usage: carps gather experiment=NAME [results_dir=results] [out=FOLDER]

Writes trials.parquet (one row per trial) and runs.parquet (one row per run) into the experiment
folder, or into out=FOLDER. Columns: docs/analysis.md. 'carps report' gathers on demand, so this
is only needed to hand the tables to other tools."""


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir", "out"])
    from carps.analysis.gather import experiment_dir, gather_to_parquet

    exp = experiment_dir(str(o.get("experiment", "default")), results_dir(o))
    trials_path, runs_path = gather_to_parquet(exp, o.get("out"))
    import pyarrow.parquet as pq

    print(f"wrote {trials_path} ({pq.ParquetFile(trials_path).metadata.num_rows} trials) and {runs_path}")
    return 0
