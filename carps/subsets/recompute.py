"""Recompute the shipped subsets of a task type from a performance matrix and write them to disk.

For every k: a dev/test split (:func:`~carps.subsets.split.select_dev_test`) of the tasks as points
of the reference optimizers' normalized performance, chosen for low discrepancy under ``measure``
(``uniform`` or ``empirical``, see :mod:`carps.subsets.discrepancy`), written as ``<out>/<task_type>/k<k>_dev.yaml``
and ``k<k>_test.yaml`` (a ``tasks:`` list: what ``task=subset/<task_type>/k<k>_dev`` runs). Beside
them: ``performance.csv`` (the matrix, so recomputation works offline), ``metadata.yaml`` (reference
optimizers, transform, measure, seed, data hash, discrepancy under both measures and rank fidelity
per k), ``report.md`` and
``report.png`` (full set vs subsets in performance space).

Rank fidelity is the Kendall tau between the average ranks of the non-reference optimizers on the
subset and on the full set (None when fewer than two such optimizers have results on every task).

The search of each k stops after ``evaluations`` exact discrepancy evaluations
(:data:`DEFAULT_EVALUATIONS`), a count that is the same on every machine, so the same matrix, settings
and seed give the same subsets anywhere. ``time_limit`` (seconds per k) is an optional extra cap; when
it is what stops the search, the result depends on the machine's speed and load.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import MEASURES, check_measure, star_discrepancy, subset_discrepancy
from carps.subsets.performance import matrix_hash, reference_points
from carps.subsets.split import select_dev_test

MATRIX_FILE = "performance.csv"
METADATA_FILE = "metadata.yaml"
# Exact evaluations per k (for the whole dev/test split). Chosen so that on every shipped matrix each
# k of 10, 20, 30 reaches at least the discrepancy of the former 30 s time limit (docs/subsets.md).
DEFAULT_EVALUATIONS = 20_000


def rank_fidelity(matrix: Any, subset: Sequence[str], reference: Sequence[str]) -> float | None:
    """Kendall tau between non-reference optimizers' average ranks on ``subset`` and on all tasks.

    >>> import pandas as pd
    >>> m = pd.DataFrame({"a": [0.1, 0.1, 0.3], "b": [0.2, 0.2, 0.1], "c": [0.3, 0.3, 0.4], "ref": [0, 0, 0]}, index=["t1", "t2", "t3"])
    >>> rank_fidelity(m, ["t1", "t2"], ["ref"])  # a < b < c on the subset and (on average) on all tasks
    1.0
    >>> round(rank_fidelity(m, ["t3"], ["ref"]), 3)  # t3 alone ranks b first: one pair of three flips
    0.333
    """
    from scipy.stats import kendalltau

    from carps.analysis.stats import rank_rows

    others = [c for c in matrix.columns if c not in set(reference)]
    full = matrix[others].dropna(axis=0, how="any")
    if len(others) < 2 or len(full) == 0:
        return None
    ranks = rank_rows(full.to_numpy(dtype=float))
    inside = full.index.isin(list(subset))
    if not inside.any():
        return None
    tau = kendalltau(ranks.mean(axis=0), ranks[inside].mean(axis=0)).statistic
    return None if not np.isfinite(tau) else float(tau)


def recompute(
    matrix: Any,
    task_type: str,
    reference: Sequence[str],
    ks: Sequence[int],
    out_dir: str | Path = "subsets",
    seed: int = 0,
    time_limit: float | None = None,
    transform: str = "none",
    source: str = "",
    measure: str = "uniform",
    evaluations: int = DEFAULT_EVALUATIONS,
) -> dict[str, Any]:
    """Select and write dev/test subsets of ``task_type`` for every k; returns the metadata written.

    The subsets minimize the discrepancy under ``measure``; the metadata gives both measures' values.
    Each k's search stops after ``evaluations`` exact evaluations (reproducible) or, if given, after
    ``time_limit`` seconds, whichever comes first.

    >>> import numpy as np, pandas as pd, tempfile
    >>> rng = np.random.default_rng(0)
    >>> m = pd.DataFrame(rng.random((30, 3)), columns=["a", "b", "c"], index=[f"t{i}" for i in range(30)])
    >>> meta = recompute(m, "blackbox", ["a", "b"], [5], out_dir=tempfile.mkdtemp(), evaluations=500)
    >>> meta["evaluations_per_k"], len(meta["subsets"]["k5"]["dev"]["tasks"])
    (500, 5)
    """
    import yaml

    check_measure(measure)
    if int(evaluations) < 4:
        raise CarpsError(f"evaluations={evaluations} is too small; give the exact evaluations per k, e.g. evaluations={DEFAULT_EVALUATIONS}")
    tasks, points = reference_points(matrix, list(reference), transform)
    if not ks:
        raise CarpsError("give subset sizes, e.g. k=10,20,30")
    too_big = [k for k in ks if 2 * k > len(tasks)]
    if too_big:
        raise CarpsError(f"k={too_big} needs at least {2 * max(too_big)} tasks with results for every reference optimizer; {task_type} has {len(tasks)}")
    folder = Path(out_dir) / task_type
    folder.mkdir(parents=True, exist_ok=True)
    matrix.to_csv(folder / MATRIX_FILE, index_label="task_id", float_format="%.12g")
    meta: dict[str, Any] = {
        "task_type": task_type,
        "reference": list(reference),
        "transform": transform,
        "measure": measure,
        "seed": int(seed),
        "evaluations_per_k": int(evaluations),
        "time_limit_per_k": None if time_limit is None else float(time_limit),
        "n_tasks": len(tasks),
        "data_hash": matrix_hash(matrix),
        "source": source,
        "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "full_set_discrepancy": None,
        "subsets": {},
    }
    splits = {}
    for k in sorted(set(int(k) for k in ks)):
        split = select_dev_test(points, k, seed=seed, time_limit=time_limit, measure=measure, evaluations=int(evaluations))
        splits[k] = split
        entry: dict[str, Any] = {"evaluations": int(split.evaluations)}
        for half, rows, disc in (("dev", split.dev, split.dev_discrepancy), ("test", split.test, split.test_discrepancy)):
            ids = [tasks[i] for i in rows]
            fid = rank_fidelity(matrix, ids, reference)
            both = {m: round(float(disc if m == measure else subset_discrepancy(points, rows, m)), 6) for m in MEASURES}
            (folder / f"k{k}_{half}.yaml").write_text(
                yaml.safe_dump({"tasks": ids, "k": k, "split": half, "measure": measure, "discrepancy": both[measure], "discrepancies": both}, sort_keys=False)
            )
            entry[half] = {"discrepancy": both[measure], "discrepancies": both, "rank_fidelity": None if fid is None else round(fid, 4), "tasks": ids}
        meta["subsets"][f"k{k}"] = entry
    if len(tasks) <= 400 or points.shape[1] <= 4:  # the exact value of the full set is cheap enough to report
        meta["full_set_discrepancy"] = round(float(star_discrepancy(points)), 6)
    (folder / METADATA_FILE).write_text(yaml.safe_dump(meta, sort_keys=False))
    _write_report(folder, meta, points, tasks, splits)
    return meta


def _write_report(folder: Path, meta: dict[str, Any], points: np.ndarray, tasks: list[str], splits: dict[int, Any]) -> None:
    lines = [
        f"# Subsets of {meta['task_type']}",
        "",
        f"{meta['n_tasks']} tasks as points of the normalized final regret of {', '.join(meta['reference'])}"
        f" (transform: {meta['transform']}); chosen for the {meta['measure']} measure; data hash {meta['data_hash']},"
        f" seed {meta['seed']}, source {meta['source'] or '-'}.",
        "",
        "| k | dev discrepancy (uniform / empirical) | test discrepancy (uniform / empirical) | dev rank fidelity (tau) | test rank fidelity (tau) |",
        "|---|---|---|---|---|",
    ]
    for name, entry in meta["subsets"].items():
        dev, test = entry["dev"]["discrepancies"], entry["test"]["discrepancies"]
        lines.append(
            f"| {name[1:]} | {dev['uniform']:.4f} / {dev['empirical']:.4f} | {test['uniform']:.4f} / {test['empirical']:.4f}"
            f" | {entry['dev']['rank_fidelity']} | {entry['test']['rank_fidelity']} |"
        )
    if meta["full_set_discrepancy"] is not None:
        lines += ["", f"Star discrepancy (uniform measure) of the full set: {meta['full_set_discrepancy']:.4f}; its empirical discrepancy is 0 by definition."]
    if _plot(folder / "report.png", meta, points, splits):
        lines += ["", "![full set vs subsets](report.png)"]
    (folder / "report.md").write_text("\n".join(lines) + "\n")


def _plot(path: Path, meta: dict[str, Any], points: np.ndarray, splits: dict[int, Any]) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the report is still written, without the figure
        return False
    d = points.shape[1]
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)] or [(0, 0)]
    k = max(splits)
    fig, axes = plt.subplots(1, len(pairs), figsize=(4 * len(pairs), 4), squeeze=False)
    for ax, (i, j) in zip(axes[0], pairs):
        ax.scatter(points[:, i], points[:, j], s=8, c="lightgray", label="all tasks")
        ax.scatter(points[splits[k].dev, i], points[splits[k].dev, j], s=30, marker="o", label=f"k{k} dev")
        ax.scatter(points[splits[k].test, i], points[splits[k].test, j], s=30, marker="x", label=f"k{k} test")
        ax.set_xlabel(meta["reference"][i])
        ax.set_ylabel(meta["reference"][j])
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
    axes[0][0].legend(loc="best", fontsize=8)
    fig.suptitle(f"{meta['task_type']}: tasks in performance space ({meta['transform']})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True
