"""``carps subsets recompute ...``: recompute the representative task subsets of a task type;
``carps subsets fidelity ...``: how well subsets chosen under each measure represent the shipped types."""

from __future__ import annotations

from pathlib import Path

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import parse_overrides
from carps.core.errors import CarpsError

HELP = """usage: carps subsets recompute task_type=TYPE reference=OPT,OPT,OPT k=10,20,30
                              (experiment=NAME [results_dir=results] | matrix=FILE)
                              [out=subsets] [seed=0] [evaluations=20000] [time_limit=SECONDS]
                              [transform=none|minmax|log] [measure=uniform|empirical] [known_fronts=true]
       carps subsets fidelity [dir=subsets] [task_type=TYPE,...] [k=5,10,20,30] [time_limit=5]
                              [evaluations=N] [measure=uniform,empirical] [seeds=1] [draws=200] [seed=0]
                              [out=FILE.md]

Builds the performance matrix of TYPE from an experiment's results (or reads a saved one, e.g. the
shipped subsets/<type>/performance.csv, to recompute offline), selects dev and test subsets of every
size k with low star discrepancy in the space of the reference optimizers' normalized performance,
and writes out/<type>/k<k>_{dev,test}.yaml, metadata.yaml, performance.csv and report.md.
evaluations is the search budget per k in exact discrepancy evaluations: counted the same on every
machine, so the same inputs and seed give the same subsets anywhere. time_limit (seconds per k) is an
optional extra cap that makes the result depend on the machine's speed and load. measure=uniform minimizes the star discrepancy against the
uniform measure on [0,1]^d, measure=empirical the discrepancy against the task set's own distribution
(0 for the whole set). known_fronts=false takes multi-objective hypervolume references from the observed
points only (faster). Use them with: carps run task=subset/<type>/k20_dev ...

fidelity reads every task type under dir (its performance.csv and the reference optimizers and
transform of its metadata.yaml; reference= overrides them), selects dev/test splits for each k under each
measure (seeds= splits each, time_limit= seconds per split, evaluations= an optional reproducible cap), and prints a markdown table: the
discrepancy of the halves under both measures and their rank fidelity (Kendall tau of the held-out
optimizers' ranking on the subset against all tasks), next to the mean over draws= random k-subsets. out= also writes the table to a file."""

KEYS = ["experiment", "results_dir", "matrix", "task_type", "reference", "k", "out", "seed", "evaluations", "time_limit", "transform", "known_fronts", "measure"]
FIDELITY_KEYS = ["dir", "task_type", "reference", "k", "time_limit", "evaluations", "measure", "draws", "seed", "seeds", "out"]


def _evaluations(o: object, default: int | None) -> int | None:
    """The evaluations= budget as a positive whole number (default when absent)."""
    value = o.get("evaluations", default)  # type: ignore[attr-defined]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < 4:
        raise CarpsError(f"evaluations must be a whole number of exact evaluations (at least 4), got '{value}'; e.g. evaluations=20000")
    return int(value)


def main(args: list[str]) -> int:
    if wants_help(args, HELP) or not args:
        print(HELP)
        return 0
    action, rest = args[0], args[1:]
    if action == "fidelity":
        return _fidelity(rest)
    if action != "recompute":
        raise CarpsError(f"unknown subsets action '{action}'; use: carps subsets recompute task_type=... reference=... k=...  or  carps subsets fidelity")
    o = parse_overrides(rest, allowed=KEYS)
    task_type = o.get("task_type")
    if not task_type:
        raise CarpsError("give task_type=, e.g. carps subsets recompute experiment=baseline task_type=blackbox reference=random,optuna/tpe,smac/bb k=10,20")
    reference = [str(r) for r in o.list("reference")]
    if len(reference) < 1:
        raise CarpsError("give reference=OPT,OPT,... (the optimizers whose performance places the tasks)")
    ks = o.ints("k", [10, 20, 30])
    from carps.subsets.performance import from_experiment
    from carps.subsets.recompute import DEFAULT_EVALUATIONS, recompute

    if o.get("matrix"):
        import pandas as pd

        path = Path(str(o.get("matrix")))
        if not path.is_file():
            raise CarpsError(f"matrix file {path} does not exist; shipped ones are subsets/<task_type>/performance.csv")
        matrix = pd.read_csv(path, index_col=0)
        source = str(path)
    elif o.get("experiment"):
        fronts = o.get("known_fronts", True)
        if not isinstance(fronts, bool):
            raise CarpsError(f"known_fronts must be true or false, got '{fronts}'")
        matrix = from_experiment(str(o.get("experiment")), str(task_type), results_dir(o), known_fronts=fronts)
        source = f"experiment {o.get('experiment')}" + ("" if fronts else " (hypervolume reference from observed points)")
    else:
        raise CarpsError("give experiment=NAME (results to read) or matrix=FILE (a saved performance.csv)")
    meta = recompute(
        matrix,
        str(task_type),
        reference,
        ks,
        out_dir=str(o.get("out", "subsets")),
        seed=int(o.get("seed", 0)),
        time_limit=float(o.number("time_limit")) if o.get("time_limit") is not None else None,
        transform=str(o.get("transform", "none")),
        source=source,
        measure=str(o.get("measure", "uniform")),
        evaluations=_evaluations(o, DEFAULT_EVALUATIONS),
    )
    folder = Path(str(o.get("out", "subsets"))) / str(task_type)
    print(f"{task_type}: {meta['n_tasks']} tasks, reference {', '.join(reference)}, {meta['measure']} measure; wrote {folder}/")
    for name, entry in meta["subsets"].items():
        print(f"  {name}: dev D*={entry['dev']['discrepancy']:.4f} (tau {entry['dev']['rank_fidelity']}), test D*={entry['test']['discrepancy']:.4f} (tau {entry['test']['rank_fidelity']})")
    return 0


def _fidelity(args: list[str]) -> int:
    import pandas as pd
    import yaml

    from carps.subsets.fidelity import markdown, study

    o = parse_overrides(args, allowed=FIDELITY_KEYS)
    root = Path(str(o.get("dir", "subsets")))
    found = sorted(p.parent.name for p in root.glob("*/metadata.yaml") if (p.parent / "performance.csv").is_file())
    wanted = [str(t) for t in o.list("task_type")] if o.get("task_type") else found
    missing = [t for t in wanted if t not in found]
    if not found or missing:
        raise CarpsError(f"no performance.csv and metadata.yaml for {missing or 'any task type'} under {root}/; point dir= at a subsets folder (the repository's subsets/)")
    tables = {}
    for task_type in wanted:
        meta = yaml.safe_load((root / task_type / "metadata.yaml").read_text())
        matrix = pd.read_csv(root / task_type / "performance.csv", index_col=0)
        reference = [str(r) for r in o.list("reference")] if o.get("reference") else list(meta["reference"])
        tables[task_type] = study(
            matrix,
            reference,
            ks=o.ints("k", [5, 10, 20, 30]),
            measures=[str(m) for m in o.list("measure")] if o.get("measure") else ["uniform", "empirical"],
            transform=str(meta.get("transform", "none")),
            seed=int(o.get("seed", 0)),
            time_limit=float(o.number("time_limit", 5.0)),
            evaluations=_evaluations(o, None),
            random_draws=int(o.get("draws", 200)),
            seeds=int(o.get("seeds", 1)),
        )
    text = markdown(tables)
    print(text)
    if o.get("out"):
        Path(str(o.get("out"))).write_text(text + "\n")
    return 0
