"""Static figures (matplotlib, Agg backend): performance and rank over budget, ECDF, CD diagram, Pareto fronts.

Every function takes tables from the other analysis modules and returns a ``matplotlib`` Figure; no
analysis happens here. matplotlib is imported on first use.

>>> import pandas as pd
>>> from carps.analysis.plots import plot_ecdf
>>> runs = pd.DataFrame({"task_type": "blackbox", "optimizer": ["a", "a", "b"], "final": [0.1, 0.3, 0.2]})
>>> fig = plot_ecdf(runs, "blackbox")
>>> len(fig.axes[0].lines)
2
"""

from __future__ import annotations

import base64
import io
from typing import Any, Sequence

import numpy as np


def _plt() -> Any:
    from carps.core.errors import require

    matplotlib = require("matplotlib", "analysis")
    backend = matplotlib.get_backend().lower()
    if backend != "agg" and "inline" not in backend:  # keep notebooks' inline backend, else render off-screen
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def optimizer_colors(optimizers: Sequence[str]) -> dict[str, Any]:
    """A stable color per optimizer (sorted names -> tab10/tab20), the same in every figure."""
    plt = _plt()
    names = sorted(map(str, optimizers))
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {n: cmap(i % cmap.N) for i, n in enumerate(names)}


def to_png(fig: Any, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (the figure is closed)."""
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def to_data_uri(fig: Any, dpi: int = 90) -> str:
    """The figure as a ``data:image/png;base64,...`` URI for self-contained HTML."""
    return "data:image/png;base64," + base64.b64encode(to_png(fig, dpi)).decode("ascii")


def _new(width: float = 6.0, height: float = 3.6) -> tuple[Any, Any]:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(width, height))
    # detached from pyplot at once: nothing accumulates over many figures, and a notebook shows a
    # figure only where it is displayed (no second copy when the cell ends)
    plt.close(fig)
    return fig, ax


def plot_over_budget(
    aggregated: Any,
    title: str = "",
    ylabel: str = "normalized regret (mean, 95% CI)",
    log: bool = False,
    colors: dict[str, Any] | None = None,
    xlabel: str = "budget used (fraction)",
) -> Any:
    """Mean incumbent over normalized budget per optimizer with its CI band.

    ``aggregated`` holds one group's rows of :func:`performance.aggregate_over_budget` (``optimizer,
    budget_fraction, mean, ci_low, ci_high``).
    """
    fig, ax = _new()
    colors = colors or optimizer_colors(aggregated["optimizer"].unique())
    for opt, group in aggregated.groupby("optimizer", observed=True):
        g = group.sort_values("budget_fraction")
        c = colors.get(str(opt))
        ax.step(g["budget_fraction"], g["mean"], where="post", label=str(opt), color=c, lw=1.8)
        ax.fill_between(g["budget_fraction"], g["ci_low"], g["ci_high"], step="post", color=c, alpha=0.2, lw=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_ylim(bottom=0.0)  # regrets are never negative; symlog would otherwise mirror the axis
    ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_task_curves(curves: Any, task_id: str, colors: dict[str, Any] | None = None, ylabel: str = "normalized regret", log: bool = False) -> Any:
    """One task: the incumbent over budget per optimizer (mean over seeds, band = min..max over seeds)."""
    sub = curves[curves["task_id"].astype(str) == task_id]
    stats = sub.groupby(["optimizer", "budget_fraction"], observed=True)["incumbent"].agg(["mean", "min", "max"]).reset_index()
    fig, ax = _new(5.0, 3.0)
    colors = colors or optimizer_colors(stats["optimizer"].unique())
    for opt, g in stats.groupby("optimizer", observed=True):
        c = colors.get(str(opt))
        ax.step(g["budget_fraction"], g["mean"], where="post", label=str(opt), color=c, lw=1.6)
        ax.fill_between(g["budget_fraction"], g["min"], g["max"], step="post", color=c, alpha=0.15, lw=0)
    ax.set_xlim(0, 1)
    if log:
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_ylim(bottom=0.0)  # regrets are never negative; symlog would otherwise mirror the axis
    ax.set_xlabel("budget used (fraction)")
    ax.set_ylabel(ylabel)
    ax.set_title(task_id, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    return fig


def plot_run_trajectories(trajectories: Any, task_id: str, colors: dict[str, Any] | None = None, ylabel: str = "normalized regret", log: bool = True) -> Any:
    """One task: the incumbent of every run after each trial (one line per seed, colored by optimizer)."""
    sub = trajectories[trajectories["task_id"].astype(str) == task_id]
    fig, ax = _new(6.0, 3.6)
    colors = colors or optimizer_colors(sub["optimizer"].unique())
    for (opt, _seed), g in sub.groupby(["optimizer", "seed"], observed=True):
        b = np.r_[0.0, g["budget_fraction"].to_numpy(dtype=float)]
        y = np.r_[1.0, g["incumbent"].to_numpy(dtype=float)]
        ax.step(b, y, where="post", color=colors.get(str(opt)), lw=1.0, alpha=0.75)
    for opt in sorted(map(str, sub["optimizer"].unique())):
        ax.plot([], [], color=colors.get(opt), label=opt)
    ax.set_xlim(0, 1)
    if log:
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_ylim(bottom=0.0)
    ax.set_xlabel("budget used (fraction)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{task_id}: every run", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    return fig


def plot_rank_over_budget(ranks: Any, title: str = "", colors: dict[str, Any] | None = None) -> Any:
    """Average rank per optimizer at each budget fraction (rows of :func:`ranking.rank_over_budget`)."""
    fig, ax = _new()
    colors = colors or optimizer_colors(ranks["optimizer"].unique())
    for opt, g in ranks.groupby("optimizer", observed=True):
        g = g.sort_values("budget_fraction")
        ax.plot(g["budget_fraction"], g["mean_rank"], label=str(opt), color=colors.get(str(opt)), lw=1.8, marker="o", ms=2.5)
    k = ranks["optimizer"].nunique()
    ax.set_ylim(k + 0.2, 0.8)  # rank 1 (best) on top
    ax.set_xlim(0, 1)
    ax.set_xlabel("budget used (fraction)")
    ax.set_ylabel("average rank (1 = best)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_ecdf(runs_perf: Any, task_type: str, metric: str = "final", colors: dict[str, Any] | None = None, xlabel: str = "normalized regret") -> Any:
    """Empirical CDF of a per-run normalized metric over all runs of a task type, per optimizer."""
    sub = runs_perf[runs_perf["task_type"].astype(str) == task_type]
    fig, ax = _new()
    colors = colors or optimizer_colors(sub["optimizer"].unique())
    for opt, g in sub.groupby("optimizer", observed=True):
        x = np.sort(g[metric].to_numpy(dtype=float))
        y = np.arange(1, len(x) + 1) / len(x)
        ax.step(np.r_[0.0, x], np.r_[0.0, y], where="post", label=str(opt), color=colors.get(str(opt)), lw=1.8)
    ax.set_xlabel(f"{metric} {xlabel} (lower is better)")
    ax.set_ylabel("fraction of runs")
    ax.set_title(f"ECDF of {metric} performance: {task_type}")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_cd_diagram(result: Any, title: str = "") -> Any:
    """Critical-difference diagram of a :class:`carps.analysis.stats.CDResult`.

    Optimizers hang from their average rank on the axis (1 = best, on the left); thick bars join
    groups whose ranks differ by less than the Nemenyi CD (shown above the axis).
    """
    plt = _plt()
    ranks = dict(sorted(result.mean_ranks.items(), key=lambda kv: kv[1]))
    names = list(ranks)
    k = len(names)
    lo, hi = 1, max(k, 2)
    n_left = (k + 1) // 2
    rows = max(n_left, k - n_left)
    top = 0.0  # the axis; everything else is placed relative to it
    first = top - 0.32 - 0.16 * len(result.cliques)
    ymin, ymax = first - 0.32 * (rows - 1) - 0.3, top + 0.75
    fig, ax = plt.subplots(figsize=(6.0, 0.4 + 0.95 * (ymax - ymin)))
    plt.close(fig)
    right = max(hi, lo + result.cd + 0.6) if np.isfinite(result.cd) else hi  # room for a CD wider than the axis
    ax.set_xlim(lo - 0.9, right + 0.9)
    ax.set_ylim(ymin, ymax)
    ax.axis("off")
    ax.plot([lo, hi], [top, top], color="black", lw=1)
    for r in range(lo, hi + 1):
        ax.plot([r, r], [top, top + 0.08], color="black", lw=1)
        ax.text(r, top + 0.13, str(r), ha="center", va="bottom", fontsize=9)
    if np.isfinite(result.cd):
        ax.plot([lo, lo + result.cd], [top + 0.5, top + 0.5], color="black", lw=1.5)
        for x in (lo, lo + result.cd):
            ax.plot([x, x], [top + 0.45, top + 0.55], color="black", lw=1)
        ax.text(lo + result.cd + 0.08, top + 0.5, f"CD = {result.cd:.2f}", ha="left", va="center", fontsize=8)
    # cliques right under the axis
    for i, group in enumerate(result.cliques):
        y = top - 0.18 - 0.16 * i
        ax.plot([ranks[group[0]] - 0.03, ranks[group[-1]] + 0.03], [y, y], color="black", lw=3.5, solid_capstyle="round")
    for i, name in enumerate(names):
        left = i < n_left
        row = i if left else k - 1 - i
        y = first - 0.32 * row
        x = ranks[name]
        end = lo - 0.4 if left else hi + 0.4
        ax.plot([x, x, end], [top, y, y], color="0.25", lw=1)
        ax.text(end + (-0.05 if left else 0.05), y, f"{name} ({x:.2f})", ha="right" if left else "left", va="center", fontsize=9)
    verdict = f"Friedman p = {result.p_value:.3g}" + ("" if result.significant else " (no significant difference)")
    ax.set_title(f"{title}\n{verdict}, N = {result.n_tasks} tasks" if title else verdict, fontsize=10)
    return fig


def plot_pareto_fronts(fronts: Any, task_id: str, known: np.ndarray | None = None, names: Sequence[str] = ("cost_0", "cost_1"), colors: dict[str, Any] | None = None) -> Any:
    """Final non-dominated points of each optimizer on one task (first two objectives), seeds pooled.

    ``fronts`` comes from :func:`carps.analysis.hypervolume.final_fronts`; ``known`` is the task's
    known Pareto front, drawn in grey.
    """
    from carps.analysis.hypervolume import nondominated

    sub = fronts[fronts["task_id"].astype(str) == task_id]
    fig, ax = _new(5.0, 3.6)
    colors = colors or optimizer_colors(sub["optimizer"].unique())
    if known is not None and len(known):
        kf = known[np.argsort(known[:, 0])]
        ax.plot(kf[:, 0], kf[:, 1], ".", color="0.6", ms=2, label="known front")
    for opt, g in sub.groupby("optimizer", observed=True):
        pts = nondominated(g[["cost_0", "cost_1"]].to_numpy(dtype=float))
        pts = pts[np.argsort(pts[:, 0])]
        c = colors.get(str(opt))
        ax.step(pts[:, 0], pts[:, 1], where="post", color=c, lw=1.2, alpha=0.8)
        ax.plot(pts[:, 0], pts[:, 1], "o", color=c, ms=3.5, label=f"{opt} (all seeds)")
    ax.set_xlabel(f"{names[0]} (minimized)")
    ax.set_ylabel(f"{names[1]} (minimized)")
    ax.set_title(task_id, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    return fig


# ---- fixed-target, fixed-budget, robust aggregates and per-task views (COCO, IOHanalyzer, rliable) ----


def plot_ert(ert: Any, title: str = "", colors: dict[str, Any] | None = None) -> Any:
    """ERT (run budgets, log scale) and success rate against the target, per optimizer.

    ``ert`` holds one task type's rows of :func:`carps.analysis.fixed_target.ert_summary`; harder
    targets are to the right. Targets no run reached have no ERT point.
    """
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9.0, 3.4))
    plt.close(fig)
    colors = colors or optimizer_colors(ert["optimizer"].unique())
    for opt, g in ert.groupby("optimizer", observed=True):
        g = g.sort_values("target", ascending=False)
        c = colors.get(str(opt))
        finite = np.isfinite(g["ert"].to_numpy(dtype=float))
        ax.plot(g["target"][finite], g["ert"][finite], marker="o", ms=3, lw=1.6, color=c, label=str(opt))
        ax2.plot(g["target"], g["success_rate"], marker="o", ms=3, lw=1.6, color=c, label=str(opt))
    for a in (ax, ax2):
        a.set_xscale("log")
        a.invert_xaxis()
        a.set_xlabel("target (normalized regret)")
        a.grid(alpha=0.3)
    ax.set_yscale("log")
    ax.axhline(1.0, color="0.5", lw=0.8, ls="--")
    ax.set_ylabel("ERT (run budgets)")
    ax2.set_ylabel("success rate")
    ax2.set_ylim(-0.02, 1.02)
    ax.set_title(title)
    ax2.legend(fontsize=8, frameon=False)
    return fig


def plot_runtime_ecdf(ecdf: Any, title: str = "", colors: dict[str, Any] | None = None) -> Any:
    """Share of (task, target) pairs reached over the budget (log scale), per optimizer, with its bootstrap band.

    ``ecdf`` holds one group's rows of :func:`carps.analysis.fixed_target.runtime_ecdf`.
    """
    fig, ax = _new()
    colors = colors or optimizer_colors(ecdf["optimizer"].unique())
    for opt, g in ecdf.groupby("optimizer", observed=True):
        g = g.sort_values("budget_fraction")
        c = colors.get(str(opt))
        ax.step(g["budget_fraction"], g["fraction"], where="post", color=c, lw=1.8, label=str(opt))
        ax.fill_between(g["budget_fraction"], g["ci_low"], g["ci_high"], step="post", color=c, alpha=0.2, lw=0)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("budget used (fraction, log scale)")
    ax.set_ylabel("fraction of (task, target) pairs")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_fixed_budget(quantiles: Any, title: str = "", colors: dict[str, Any] | None = None, ylabel: str = "normalized regret") -> Any:
    """Median incumbent over the budget with its interquartile (Q25-Q75) band, per optimizer.

    ``quantiles`` holds one group's rows of :func:`carps.analysis.fixed_target.fixed_budget_quantiles`.
    """
    fig, ax = _new()
    colors = colors or optimizer_colors(quantiles["optimizer"].unique())
    for opt, g in quantiles.groupby("optimizer", observed=True):
        g = g.sort_values("budget_fraction")
        c = colors.get(str(opt))
        ax.step(g["budget_fraction"], g["q50"], where="post", color=c, lw=1.8, label=str(opt))
        ax.fill_between(g["budget_fraction"], g["q25"], g["q75"], step="post", color=c, alpha=0.2, lw=0)
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_ylim(bottom=0.0)
    ax.set_xlim(0, 1)
    ax.set_xlabel("budget used (fraction)")
    ax.set_ylabel(f"{ylabel} (median, Q25-Q75)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_interval_estimates(estimates: Any, title: str = "", colors: dict[str, Any] | None = None, xlabel: str = "normalized regret") -> Any:
    """IQM, median and mean per optimizer with their confidence intervals, one panel each (rliable's layout).

    ``estimates`` holds one task type's rows of :func:`carps.analysis.aggregate.interval_estimates`.
    """
    plt = _plt()
    rows = estimates.sort_values("iqm", ascending=False)
    names = [str(o) for o in rows["optimizer"]]
    fig, axes = plt.subplots(1, 3, figsize=(9.0, max(2.0, 1.0 + 0.32 * len(names))), sharey=True)
    plt.close(fig)
    colors = colors or optimizer_colors(names)
    y = np.arange(len(names))
    for ax, stat in zip(axes, ("iqm", "median", "mean")):
        for yi, r in zip(y, rows.itertuples(index=False)):
            lo, hi, mid = getattr(r, f"{stat}_low"), getattr(r, f"{stat}_high"), getattr(r, stat)
            c = colors.get(str(r.optimizer))
            ax.barh(yi, hi - lo, left=lo, height=0.6, color=c, alpha=0.75)
            ax.plot([mid, mid], [yi - 0.3, yi + 0.3], color="black", lw=1.5)
        ax.set_title({"iqm": "IQM", "median": "median", "mean": "mean"}[stat], fontsize=10)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.grid(alpha=0.3, axis="x")
    axes[0].set_yticks(y, names, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_performance_profiles(profiles: Any, title: str = "", colors: dict[str, Any] | None = None, xlabel: str = "normalized regret") -> Any:
    """Share of runs at or below each regret threshold per optimizer, with its stratified-bootstrap band.

    ``profiles`` holds one task type's rows of :func:`carps.analysis.aggregate.performance_profiles`.
    """
    fig, ax = _new()
    colors = colors or optimizer_colors(profiles["optimizer"].unique())
    for opt, g in profiles.groupby("optimizer", observed=True):
        g = g.sort_values("threshold")
        c = colors.get(str(opt))
        ax.step(g["threshold"], g["fraction"], where="post", color=c, lw=1.8, label=str(opt))
        ax.fill_between(g["threshold"], g["ci_low"], g["ci_high"], step="post", color=c, alpha=0.2, lw=0)
    ax.set_xscale("symlog", linthresh=1e-3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"threshold t ({xlabel})")
    ax.set_ylabel("fraction of runs with score <= t")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def _matrix(values: np.ndarray, labels: Sequence[str], title: str, cmap: str, vmin: float, vmax: float, fmt: str = "{:.2f}") -> Any:
    """A square annotated heatmap (rows and columns share ``labels``)."""
    n = len(labels)
    fig, ax = _new(1.6 + 0.55 * n, 1.2 + 0.5 * n)
    im = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(n), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    if n <= 16:
        for i in range(n):
            for j in range(n):
                v = values[i, j]
                if np.isfinite(v):
                    # white on the dark ends of a diverging map
                    dark = abs((v - vmin) / (vmax - vmin) - 0.5) > 0.35
                    ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7, color="white" if dark else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(title, fontsize=10)
    return fig


def plot_improvement_matrix(improvement: Any, title: str = "") -> Any:
    """P(row optimizer improves on column optimizer) for one task type (rows of :func:`aggregate.probability_of_improvement`)."""
    names = sorted(set(map(str, improvement["x"])) | set(map(str, improvement["y"])))
    index = {n: i for i, n in enumerate(names)}
    values = np.full((len(names), len(names)), np.nan)
    values[[index[str(x)] for x in improvement["x"]], [index[str(y)] for y in improvement["y"]]] = improvement["probability"].to_numpy(dtype=float)
    return _matrix(values, names, title or "probability that the row improves on the column", "RdBu", 0.0, 1.0)


def plot_correlation(correlation: Any, title: str = "") -> Any:
    """Spearman correlation between optimizers across tasks (a square DataFrame, :func:`ranking.optimizer_correlation`)."""
    return _matrix(correlation.to_numpy(dtype=float), [str(c) for c in correlation.columns], title or "Spearman correlation across tasks", "RdBu", -1.0, 1.0)


def plot_task_heatmap(scores: Any, title: str = "", max_labels: int = 60, label: str = "normalized regret") -> Any:
    """Heatmap of per-task scores, optimizers x tasks (``scores``: tasks x optimizers, as :func:`pipeline.best_per_task`).

    Tasks are sorted by their mean over optimizers (easy tasks left); task names are shown up to
    ``max_labels`` tasks. Missing results stay blank.
    """
    plt = _plt()
    mat = scores.to_numpy(dtype=float).T  # optimizers x tasks
    order = np.argsort(np.nanmean(np.where(np.isfinite(mat), mat, np.nan), axis=0) if mat.size else [], kind="stable")
    mat = mat[:, order]
    tasks = [str(t[-1] if isinstance(t, tuple) else t) for t in np.asarray(scores.index, dtype=object)[order]]
    width = float(np.clip(2.5 + 0.16 * len(tasks), 5.0, 11.0))
    fig, ax = plt.subplots(figsize=(width, 1.2 + 0.32 * mat.shape[0]))
    plt.close(fig)
    cmap = plt.get_cmap("viridis_r").with_extremes(bad="white")
    from matplotlib.colors import SymLogNorm

    # regrets crowd near 0: a log scale above 1e-3 keeps good and very good apart
    norm = SymLogNorm(linthresh=1e-3, vmin=0.0, vmax=1.0)
    im = ax.imshow(np.ma.masked_invalid(mat), aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_yticks(range(mat.shape[0]), [str(c) for c in scores.columns], fontsize=8)
    if len(tasks) <= max_labels:
        ax.set_xticks(range(len(tasks)), [t.split("/")[-1] for t in tasks], rotation=90, fontsize=6)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(tasks)} tasks, sorted by mean score")
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01, label=label)
    ax.set_title(title, fontsize=10)
    return fig
