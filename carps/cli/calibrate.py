"""``carps calibrate experiment=NAME``: the leave-one-workload-out default for ``lrfree/calibrated``.

Reads every full-fidelity trial of the experiment's tasks that match ``task=`` (all nn tasks by
default), pools them by workload (the last part of the task id, so ``blackbox/nn/x`` and
``multifidelity/nn/x`` at full epochs count together; repeated evaluations of one configuration are
averaged), and writes the calibration file that ``lrfree/calibrated`` reads. See
:mod:`carps.optimizers.lrfree.calibration` for the rule.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

from carps.cli.options import results_dir, wants_help
from carps.cli.overrides import OverrideError, parse_overrides
from carps.core.errors import CarpsError

HELP = """usage: carps calibrate experiment=NAME [task='*/nn/*'] [optimizer=GLOB[,GLOB]] [out=FILE] [results_dir=results]
       carps calibrate experiment=NAME table=10,30,100 [task=...] [out=FILE.csv]

For each workload, the configuration (tuned AdamW/NadamW or a named LR-free algorithm) with the best
mean normalized validation cost over the OTHER workloads of the experiment. Writes
<experiment>/calibrated.yaml (or out=FILE); then run the baseline with:
  carps run experiment=NAME optimizer=lrfree/calibrated optimizer.file=<that file> task=... seed=...

keys:
  task=         task globs whose results are pooled (default '*/nn/*')
  optimizer=    only trials of these optimizer ids (globs; default all, except lrfree/calibrated)
  out=          where to write the calibration file (or the table's CSV)
  table=        instead of calibrating, print the study table: per workload and method, the incumbent's
                validation error and test metric (mean over seeds) after k trials of tuning, next to
                the one-trial baselines (lrfree/*), and each method's average rank over workloads
"""

DEFAULT_FILE = "calibrated.yaml"
_SELF = "lrfree/calibrated"


def collect_scores(exp_dir: Path, task_globs: list[str], optimizer_globs: list[str] | None = None) -> tuple[dict[str, dict[str, float]], str]:
    """``scores[workload][candidate] = mean cost`` of full-fidelity OK trials, and the objective's name."""
    from carps.analysis.gather import iter_run_files
    from carps.core.records import read_trials
    from carps.optimizers.lrfree.calibration import candidate_key

    sums: dict[str, dict[str, list[float]]] = {}
    objective = ""
    for run_file in iter_run_files(exp_dir):
        run = json.loads(run_file.read_text())
        spec = run.get("run") or {}
        task_id, opt_id = spec.get("task", ""), spec.get("optimizer", "")
        if not any(fnmatch.fnmatch(task_id, g) for g in task_globs) or opt_id == _SELF:
            continue
        if optimizer_globs and not any(fnmatch.fnmatch(opt_id, g) for g in optimizer_globs):
            continue
        task = run.get("task") or {}
        objectives = task.get("objectives") or []
        if not objectives:
            continue  # a failed run has no task description
        first = objectives[0]
        if objective and first["name"] != objective:
            raise CarpsError(f"tasks matching {task_globs} have different objectives ({objective}, {first['name']}); narrow task=")
        objective = first["name"]
        sign = 1.0 if first.get("minimize", True) else -1.0
        top = (task.get("fidelity") or {}).get("high")
        workload = task_id.split("/")[-1]
        for record in read_trials(run_file.parent / "trials.jsonl"):
            if record.get("status") != "ok" or not record.get("objectives"):
                continue
            fid = record.get("fidelity")
            if top is not None and fid is not None and fid < top - 1e-9:
                continue  # only full-fidelity results are comparable across runs
            value = record["objectives"][objective]
            sums.setdefault(workload, {}).setdefault(candidate_key(record["config"]), []).append(sign * float(value))
    scores = {w: {c: sum(v) / len(v) for c, v in row.items()} for w, row in sums.items()}
    return scores, objective


def study_table(exp_dir: Path, ks: list[int], task_globs: list[str]) -> Any:
    """One row per (method, k): per workload the mean validation error (and test metric) of the incumbent.

    A tuned run contributes at each ``k`` its budget covers (the incumbent among full-fidelity trials
    within the first ``k`` units of budget); a one-trial baseline (``lrfree/*``) contributes its trial.
    """
    import pandas as pd

    from carps.analysis.gather import iter_run_files
    from carps.core.records import read_trials

    rows: list[dict[str, Any]] = []
    for run_file in iter_run_files(exp_dir):
        run = json.loads(run_file.read_text())
        spec, task = run.get("run") or {}, run.get("task") or {}
        task_id, opt_id = spec.get("task", ""), spec.get("optimizer", "")
        if not any(fnmatch.fnmatch(task_id, g) for g in task_globs) or not task.get("objectives"):
            continue
        name = task["objectives"][0]["name"]
        top = (task.get("fidelity") or {}).get("high")
        trials = [r for r in read_trials(run_file.parent / "trials.jsonl")]
        budget = max((r["budget_used"] for r in trials), default=0.0)
        baseline = opt_id.startswith("lrfree/")
        for k in [1] if baseline else ks:
            if not baseline and budget < k - 1e-9:
                continue
            done = [
                r for r in trials
                if r["budget_used"] <= k + 1e-9 and r["status"] == "ok" and (top is None or r["fidelity"] is None or r["fidelity"] >= top - 1e-9)
            ]  # fmt: skip
            best = min(done, key=lambda r: r["objectives"][name], default=None)
            info = (best or {}).get("info") or {}
            rows.append(
                {
                    "workload": task_id.split("/")[-1],
                    "method": opt_id,
                    "k": k,
                    "seed": spec.get("seed"),
                    "valid_error": best["objectives"][name] if best else 1.0,
                    "test_metric": info.get("test_metric", float("nan")),
                }
            )
    if not rows:
        raise CarpsError(f"no finished runs of tasks matching {task_globs} in {exp_dir}")
    df = pd.DataFrame(rows)
    mean = df.groupby(["method", "k", "workload"], as_index=False)[["valid_error", "test_metric"]].mean()
    mean["rank"] = mean.groupby("workload")["valid_error"].rank(method="average")
    wide = mean.set_index(["method", "k", "workload"])[["valid_error", "test_metric"]].unstack("workload")
    table = pd.DataFrame(index=wide.index)
    for w in sorted(df["workload"].unique()):
        table[f"{w} err"] = wide[("valid_error", w)]
        table[f"{w} test"] = wide[("test_metric", w)]
    table["avg rank"] = mean.groupby(["method", "k"])["rank"].mean()
    table["seeds"] = df.groupby(["method", "k"])["seed"].nunique()
    return table.sort_values("avg rank").reset_index()


def _describe(config: dict[str, Any]) -> str:
    from carps.core.task import ALGORITHM_KEY

    if ALGORITHM_KEY in config:
        return f"{ALGORITHM_KEY}={config[ALGORITHM_KEY]}"
    parts = [f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(config.items())]
    return " ".join(parts)


def main(args: list[str]) -> int:
    if wants_help(args, HELP):
        return 0
    o = parse_overrides(args, allowed=["experiment", "results_dir", "task", "optimizer", "out", "table"])
    if o.positional:
        raise OverrideError(f"unexpected argument '{o.positional[0]}': write key=value, e.g. carps calibrate experiment=lrfree")
    from carps.analysis.gather import experiment_dir
    from carps.optimizers.lrfree.calibration import calibration_document, write_calibration

    name = str(o.get("experiment", "default"))
    exp = experiment_dir(name, results_dir(o))
    task_globs = [str(t) for t in o.list("task", ["*/nn/*"])]
    optimizer_globs = [str(t) for t in o.list("optimizer")] or None
    if o.get("table") is not None:
        ks = o.ints("table")
        table = study_table(exp, ks, task_globs)
        out = Path(o.get("out") or exp / "lrfree_table.csv")
        table.to_csv(out, index=False)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"\nwrote {out}")
        return 0
    scores, objective = collect_scores(exp, task_globs, optimizer_globs)
    if not scores:
        raise CarpsError(f"experiment '{name}' has no successful full-fidelity trials of tasks matching {task_globs}")
    document = calibration_document(scores, experiment=name, objective=objective)
    path = write_calibration(document, Path(o.get("out") or exp / DEFAULT_FILE))
    width = max(len(w) for w in document["workloads"])
    print(f"calibrated defaults (leave-one-workload-out, {objective}; score = mean normalized cost on the other workloads):")
    for workload, entry in document["workloads"].items():
        print(f"  {workload.ljust(width)}  score {entry['score']:.3f} of {entry['n_candidates']:>4} shared  {_describe(entry['config'])}")
    print(f"wrote {path}; run the baseline with: carps run experiment={name} optimizer={_SELF} optimizer.file={path} task=... seed=...")
    return 0
