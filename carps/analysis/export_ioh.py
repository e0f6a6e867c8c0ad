"""Export an experiment to the IOHprofiler data format, so that IOHanalyzer (and iohinspector) open it.

The layout is the one IOHexperimenter's ``Analyzer`` logger writes (format of ioh >= 0.3.3), one
folder per optimizer::

    <out>/<optimizer>/IOHprofiler_f<id>_<name>.json                    meta data: algorithm, runs
    <out>/<optimizer>/data_f<id>_<name>/IOHprofiler_f<id>_DIM<d>.dat   the trials of every run

A carps task becomes one IOH *function*: ``function_id`` numbers the exported tasks in sorted order
(the same number in every optimizer's folder, so IOHanalyzer lines the algorithms up),
``function_name`` is the task id with ``/`` replaced by ``_``, ``dimension`` is the number of
hyperparameters (or the ``_d<N>`` of the id) and every run is instance 1 (a carps task is one
problem; seeds are the independent runs). ``maximization`` follows the task's objective.

Each run's block in the ``.dat`` file starts with the header ``evaluations raw_y budget_used``;
rows are the first trial, each trial that improved the run's best value, and the last trial (what
the Analyzer logger writes): ``evaluations`` is the 1-based trial number, ``raw_y`` the trial's
value in the task's own units and direction (``inf``, or ``-inf`` when maximizing, for a trial
that failed or, on multi-fidelity tasks, was not at the run's top fidelity), ``budget_used`` the
budget used so far in full-fidelity evaluations. A run's ``best`` holds its best value and the trial
that reached it; its ``x`` is empty, since configurations may be categorical (they stay in
``trials.jsonl``). Multi-objective tasks are left out (the format has
one objective); runs without a successful trial are left out too, and both are counted in the
summary :func:`export_ioh` returns.

>>> import pandas as pd, tempfile
>>> trials = pd.DataFrame({"experiment": "e", "task_id": "blackbox/toy/t", "task_type": "blackbox", "optimizer": "o",
...     "seed": 1, "trial": [0, 1, 2], "status": "ok", "fidelity": float("nan"), "budget_used": [1.0, 2.0, 3.0],
...     "cost_0": [3.0, 5.0, 1.0]})
>>> runs = pd.DataFrame({"task_id": ["blackbox/toy/t"], "objectives": ['[{"name": "y", "minimize": true}]']})
>>> out = tempfile.mkdtemp()
>>> export_ioh(trials, runs, out)["runs"]
1
>>> print(open(f"{out}/o/data_f1_blackbox_toy_t/IOHprofiler_f1_DIM1.dat").read(), end="")
evaluations raw_y budget_used
1 3 1
3 1 3
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from carps.core.errors import CarpsError

HEADER = "evaluations raw_y budget_used"
FORMAT_VERSION = "0.3.3"  # the ioh release that introduced this JSON meta-data layout


def function_name(task_id: str) -> str:
    """The IOH function name of a task: its id with every character outside ``[A-Za-z0-9.-]`` as ``_``.

    >>> function_name("blackbox/bbob/f01_d2_i1")
    'blackbox_bbob_f01_d2_i1'
    """
    return re.sub(r"[^A-Za-z0-9.\-]", "_", str(task_id))


def _dimension(task_id: str, dimensions: Mapping[str, int]) -> int:
    if task_id in dimensions:
        return int(dimensions[task_id])
    found = re.search(r"_d(\d+)(?:_|$)", task_id)
    return int(found.group(1)) if found else 1


def config_dimensions(exp_dir: str | Path) -> dict[str, int]:
    """Number of hyperparameters per task of an experiment folder, from the first trial of one run of each task."""
    from carps.analysis.gather import iter_run_files
    from carps.core.records import TRIALS_FILE

    out: dict[str, int] = {}
    root = Path(exp_dir)
    for run_file in iter_run_files(root):
        task_id = "/".join(run_file.relative_to(root).parts[:3])
        if task_id in out:
            continue
        try:
            with open(run_file.parent / TRIALS_FILE, "rb") as fh:
                first = fh.readline()
            config = json.loads(first).get("config") or {}
        except (OSError, ValueError):
            continue
        out[task_id] = len(config)
    return out


def _strings(column: Any) -> np.ndarray:
    """A (categorical) column as an object array of str, through its categories (fast for a million rows)."""
    import pandas as pd

    codes, cats = pd.factorize(column, sort=False)
    return np.asarray([str(c) for c in cats], dtype=object)[codes]


def _maximized(runs: Any) -> dict[str, bool]:
    """Whether the first objective of each task is maximized (from the runs table's objective JSON)."""
    out: dict[str, bool] = {}
    for task_id, text in runs.drop_duplicates("task_id")[["task_id", "objectives"]].itertuples(index=False):
        objs = json.loads(text) if isinstance(text, str) else []
        out[str(task_id)] = bool(objs) and not objs[0].get("minimize", True)
    return out


def export_ioh(trials: Any, runs: Any, out_dir: str | Path, dimensions: Mapping[str, int] | None = None, experiment: str | None = None) -> dict[str, Any]:
    """Write the single-objective runs of ``(trials, runs)`` to ``out_dir`` in the IOHprofiler layout.

    ``dimensions`` maps task ids to their number of hyperparameters (see :func:`config_dimensions`;
    tasks not in it use the ``_d<N>`` of their id, else 1). Returns a summary: ``out`` (the folder),
    ``folders`` (one per optimizer), ``functions``, ``runs``, ``skipped_runs`` (no successful trial)
    and ``skipped_tasks`` (multi-objective).
    """
    import pandas as pd

    from carps.analysis.gather import MULTI_OBJECTIVE_TYPES
    from carps.analysis.normalize import eligible, run_codes

    out = Path(out_dir)
    dimensions = dimensions or {}
    is_mo = trials["task_type"].astype(str).isin(MULTI_OBJECTIVE_TYPES).to_numpy()
    skipped_tasks = sorted(map(str, pd.unique(trials.loc[is_mo, "task_id"].astype(str))))
    # one (task, optimizer) after the other, so that each IOH file is one contiguous block
    so = trials[~is_mo].sort_values(["task_id", "optimizer", "experiment", "seed", "trial"], kind="stable").reset_index(drop=True)
    if not len(so):
        raise CarpsError("nothing to export in the IOHprofiler format: it holds one objective, and every task here is multi-objective")
    codes = run_codes(so)
    ok = eligible(so, codes)
    task = _strings(so["task_id"])
    maximize = np.asarray(pd.Series(task).map(_maximized(runs)).fillna(False), dtype=bool)
    cost = np.where(ok, so["cost_0"].to_numpy(dtype=float), np.inf)  # minimization form
    best = pd.Series(cost).groupby(codes, sort=False).cummin().to_numpy()
    first = np.r_[True, codes[1:] != codes[:-1]]
    last = np.r_[codes[1:] != codes[:-1], True]
    before = np.r_[np.inf, best[:-1]]
    before[first] = np.inf
    keep = first | last | (cost < before)
    has_success = pd.Series(ok).groupby(codes, sort=False).transform("any").to_numpy()
    keep &= has_success
    rows = pd.DataFrame({
        "evaluations": so["trial"].to_numpy(dtype=np.int64)[keep] + 1,
        "raw_y": np.where(maximize, -cost, cost)[keep],
        "budget_used": so["budget_used"].to_numpy(dtype=float)[keep],
    })
    text = rows.to_csv(sep=" ", header=False, index=False, float_format="%.10g", lineterminator="\n")
    lines = np.array(text.split("\n")[:-1], dtype=object)
    kept_codes, kept_task, kept_opt = codes[keep], task[keep], _strings(so["optimizer"])[keep]
    run_start = np.flatnonzero(np.r_[True, kept_codes[1:] != kept_codes[:-1]]) if len(kept_codes) else np.zeros(0, dtype=np.int64)
    # per run: seed, total evaluations, best value and when it was reached (minimization form)
    per_run = pd.DataFrame({"run": codes, "trial": so["trial"].to_numpy(), "cost": cost}).groupby("run", sort=False)
    n_evals = per_run["trial"].max().to_numpy() + 1
    best_at = so["trial"].to_numpy()[per_run["cost"].idxmin().to_numpy()] + 1
    best_cost = per_run["cost"].min().to_numpy()
    run_ids = np.unique(codes[keep])

    tasks = sorted(set(task))
    fid = {t: i + 1 for i, t in enumerate(tasks)}
    folders: set[Path] = set()
    group = np.r_[True, (kept_task[1:] != kept_task[:-1]) | (kept_opt[1:] != kept_opt[:-1])] if len(kept_codes) else np.zeros(0, dtype=bool)
    group_start = np.flatnonzero(group)
    group_end = np.r_[group_start[1:], len(kept_codes)]
    max_of = _maximized(runs)
    for a, b in zip(group_start, group_end):
        t, opt = kept_task[a], kept_opt[a]
        name, i, dim = function_name(t), fid[t], _dimension(t, dimensions)
        folder = out / function_name(opt)
        data_rel = f"data_f{i}_{name}/IOHprofiler_f{i}_DIM{dim}.dat"
        (folder / data_rel).parent.mkdir(parents=True, exist_ok=True)
        starts = run_start[(run_start >= a) & (run_start < b)] - a
        block = np.insert(lines[a:b], starts, HEADER)
        (folder / data_rel).write_text("\n".join(block) + "\n")
        sign = -1.0 if max_of.get(t, False) else 1.0
        run_list = [
            {"instance": 1, "evals": int(n_evals[r]), "best": {"evals": int(best_at[r]), "y": float(sign * best_cost[r]), "x": []}}
            for r in np.unique(kept_codes[a:b])
        ]
        meta = {
            "version": FORMAT_VERSION,
            "suite": "carps",
            "function_id": i,
            "function_name": name,
            "maximization": bool(max_of.get(t, False)),
            "algorithm": {"name": opt, "info": f"carps experiment {experiment or so['experiment'].iloc[0]}"},
            "attributes": HEADER.split(),
            "scenarios": [{"dimension": dim, "path": data_rel, "runs": run_list}],
        }
        (folder / f"IOHprofiler_f{i}_{name}.json").write_text(json.dumps(meta) + "\n")
        folders.add(folder)
    return {
        "out": out,
        "folders": sorted(folders),
        "functions": len(set(kept_task)),
        "runs": len(run_ids),
        "skipped_runs": int(len(np.unique(codes)) - len(run_ids)),
        "skipped_tasks": skipped_tasks,
    }
