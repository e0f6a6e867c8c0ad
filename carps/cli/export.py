"""``carps export experiment=NAME format=ioh``: an experiment's results in another tool's data format."""

from __future__ import annotations

from carps.cli.options import selected_experiments, wants_help
from carps.cli.overrides import parse_overrides

HELP = """usage: carps export experiment=NAME[,NAME...] [format=ioh] [out=FOLDER] [task=GLOB] [optimizer=GLOB]
                    [results_dir=results]

Writes the experiment's single-objective runs in the IOHprofiler data format (format=ioh, the
default): one folder per optimizer with a .json meta-data file and a .dat data file per task, as
IOHexperimenter writes them. Open the folder (or a zip of it) in IOHanalyzer, or read it with
iohinspector. Default out: <results_dir>/<experiment>/export/ioh. Layout and mapping: docs/analysis.md."""

FORMATS = ("ioh",)


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir", "format", "out", "task", "optimizer"])
    from pathlib import Path

    from carps.analysis.export_ioh import config_dimensions, export_ioh
    from carps.core.errors import CarpsError

    fmt = str(o.get("format", "ioh"))
    if fmt not in FORMATS:
        raise CarpsError(f"format must be one of {', '.join(FORMATS)}, got '{fmt}'")
    names, folders, trials, runs = selected_experiments(o)
    dims: dict[str, int] = {}
    for folder in folders:
        dims.update(config_dimensions(folder))
    out = Path(str(o.get("out"))) if o.get("out") else folders[0] / "export" / fmt
    summary = export_ioh(trials, runs, out, dims, experiment=",".join(names))
    print(f"wrote {summary['runs']} runs of {summary['functions']} tasks for {len(summary['folders'])} optimizers to {out}")
    if summary["skipped_runs"]:
        print(f"left out {summary['skipped_runs']} runs without a successful trial")
    if summary["skipped_tasks"]:
        print(f"left out {len(summary['skipped_tasks'])} multi-objective tasks (the IOHprofiler format has one objective)")
    return 0
