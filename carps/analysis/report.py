"""Report step: one self-contained HTML file (figures embedded), and CSV/LaTeX exports of the ranking table.

The HTML needs nothing outside itself: styles are inline, figures are PNG data URIs, there are no
scripts, fonts or links to fetch. Sections: overview, then per task type a summary, the ranking table
with confidence intervals, critical-difference diagrams (final and anytime), performance and rank over
budget, the ECDF of final performance, fixed-target views (ERT and success rate per target, runtime
ECDFs, fixed-budget quantiles), robust aggregates (rliable: IQM with stratified bootstrap CIs,
performance profiles, probability of improvement), a per-task heatmap with the Spearman correlation
between optimizers, per-task curves, a per-task score table, and for multi-objective task types the
hypervolume reference data and Pareto fronts.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import numpy as np

from carps.analysis import hypervolume as hv
from carps.analysis import plots
from carps.analysis.gather import MULTI_OBJECTIVE_TYPES
from carps.analysis.pipeline import METRICS, Analysis, best_per_task, ranking_table

FORMATS = ("html", "csv", "latex", "markdown")
METRIC_TITLE = {"final": "final performance", "auc": "anytime performance (AUC)"}

_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px}
h1{margin:0 0 4px;font-size:26px}h2{margin-top:40px;border-bottom:2px solid #d7dbe3;padding-bottom:6px}
h3{margin-top:26px;color:#33405a}
.meta{color:#5b6578;font-size:14px}
nav{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:10px 16px;margin:18px 0}
nav a{margin-right:14px;color:#2a5db0;text-decoration:none}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:8px 0 14px}
th,td{border:1px solid #e1e4ea;padding:4px 9px;text-align:right}th{background:#eef1f6}
td.l,th.l{text-align:left}tr.best td{font-weight:600;background:#eef8ee}
.figs{display:flex;flex-wrap:wrap;gap:14px}.figs figure{margin:0;background:#fff;border:1px solid #e1e4ea;border-radius:6px;padding:6px}
figure img{display:block;max-width:100%}figcaption{font-size:12px;color:#5b6578;padding:4px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px}.note{font-size:13px;color:#5b6578}
details{background:#fff;border:1px solid #e1e4ea;border-radius:6px;padding:6px 10px;margin:8px 0}
"""


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _fmt(v: Any, digits: int = 3) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return _esc(v)
    return "–" if not np.isfinite(f) else f"{f:.{digits}f}"


def _ci(mean: Any, lo: Any, hi: Any, digits: int = 3) -> str:
    return f"{_fmt(mean, digits)} <span class='note'>[{_fmt(lo, digits)}, {_fmt(hi, digits)}]</span>"


def _figure(fig: Any, caption: str, dpi: int = 90) -> str:
    return f"<figure><img src='{plots.to_data_uri(fig, dpi)}' alt='{_esc(caption)}'><figcaption>{_esc(caption)}</figcaption></figure>"


def _ranking_html(table: Any, score: str = "normalized regret") -> str:
    head = (
        f"<tr><th class='l'>optimizer</th><th>tasks</th><th>rank (final)</th><th>{_esc(score)} (final)</th>"
        f"<th>rank (anytime)</th><th>{_esc(score)} AUC (anytime)</th></tr>"
    )
    rows = []
    for i, r in enumerate(table.itertuples(index=False)):
        rows.append(
            f"<tr class='{'best' if i == 0 else ''}'><td class='l'>{_esc(r.optimizer)}</td><td>{r.n_tasks}</td>"
            f"<td>{_ci(r.rank_final, r.rank_final_low, r.rank_final_high, 2)}</td><td>{_ci(r.final, r.final_low, r.final_high)}</td>"
            f"<td>{_ci(r.rank_auc, r.rank_auc_low, r.rank_auc_high, 2)}</td><td>{_ci(r.auc, r.auc_low, r.auc_high)}</td></tr>"
        )
    return f"<table class='ranking'>{head}{''.join(rows)}</table>"


def _task_table_html(wide: Any, max_rows: int = 2000) -> str:
    cols = [str(c) for c in wide.columns]
    head = "<tr><th class='l'>task</th>" + "".join(f"<th>{_esc(c)}</th>" for c in cols) + "</tr>"
    body = []
    for task_id, row in list(wide.iterrows())[:max_rows]:
        vals = row.to_numpy(dtype=float)
        best = np.nanmin(vals) if np.isfinite(vals).any() else np.nan
        cells = "".join(f"<td>{'<b>' if v == best else ''}{_fmt(v)}{'</b>' if v == best else ''}</td>" for v in vals)
        body.append(f"<tr><td class='l'>{_esc(task_id[-1] if isinstance(task_id, tuple) else task_id)}</td>{cells}</tr>")
    more = f"<p class='note'>{len(wide) - max_rows} more tasks in the CSV export.</p>" if len(wide) > max_rows else ""
    return f"<table>{head}{''.join(body)}</table>{more}"


def _task_type_section(result: Analysis, ttype: str, table: Any, colors: dict[str, Any], max_task_plots: int) -> str:
    per_run = result.per_run[result.per_run["task_type"].astype(str) == ttype]
    mo = ttype in MULTI_OBJECTIVE_TYPES
    what = "hypervolume regret (1 − HV / reference HV)" if mo else "normalized regret"
    n_tasks = per_run["task_id"].nunique()
    parts = [f"<section id='type-{_esc(ttype)}' class='task-type'><h2>{_esc(ttype)}</h2>"]
    parts.append(
        "<div class='cards'>"
        f"<div class='card'><b>{n_tasks}</b>tasks</div><div class='card'><b>{per_run['optimizer'].nunique()}</b>optimizers</div>"
        f"<div class='card'><b>{len(per_run)}</b>runs</div><div class='card'><b>{per_run['seed'].nunique()}</b>seeds</div></div>"
    )
    sub = table[table["task_type"] == ttype]
    if len(sub):
        best = sub.iloc[0]
        parts.append(
            f"<p><b>{_esc(best.optimizer)}</b> has the best average rank on final performance ({_fmt(best.rank_final, 2)}"
            f" over {int(best.n_tasks)} tasks). Scores are {what}: 0 is the best reference value of a task, 1 the worst; lower is better."
            " Brackets give 95% bootstrap confidence intervals over tasks.</p>"
        )
    parts.append(f"<h3 id='ranking-{_esc(ttype)}'>Ranking</h3>" + _ranking_html(sub, "HV regret" if mo else "normalized regret"))
    parts.append(_feasibility_html(result, ttype))
    figs = []
    for metric in METRICS:
        cd = result.cd.get(metric, {}).get(ttype)
        if cd is not None:
            figs.append(_figure(plots.plot_cd_diagram(cd, f"{ttype}: {METRIC_TITLE[metric]}"), f"critical-difference diagram, {METRIC_TITLE[metric]} (Nemenyi, alpha={cd.alpha})"))
    if figs:
        parts.append(f"<h3 id='cd-{_esc(ttype)}'>Critical differences</h3><div class='figs'>{''.join(figs)}</div>")
    else:
        parts.append(f"<h3 id='cd-{_esc(ttype)}'>Critical differences</h3><p class='note'>Needs at least two optimizers with results on the same tasks.</p>")
    figs = []
    agg = result.over_budget[result.over_budget["task_type"].astype(str) == ttype]
    score = "HV regret" if mo else "normalized regret"
    if len(agg):
        fig = plots.plot_over_budget(agg, f"{ttype}: performance over budget", ylabel=f"{score} (mean, 95% CI)", log=True, colors=colors)
        figs.append(_figure(fig, "mean over tasks of the seed-averaged incumbent"))
    rob = result.rank_over_budget[result.rank_over_budget["task_type"].astype(str) == ttype]
    if len(rob) and rob["optimizer"].nunique() > 1:
        figs.append(_figure(plots.plot_rank_over_budget(rob, f"{ttype}: rank over budget", colors=colors), "average rank at each budget fraction"))
    if len(per_run):
        figs.append(_figure(plots.plot_ecdf(per_run, ttype, "final", colors=colors, xlabel=score), "ECDF of final performance over all runs"))
    parts.append(f"<h3 id='budget-{_esc(ttype)}'>Over the budget</h3><div class='figs'>{''.join(figs)}</div>")
    parts.append(_simulated_time_html(result, ttype, colors, score))
    parts.append(_fixed_target_html(result, ttype, colors, score))
    parts.append(_robust_html(result, ttype, colors, score))
    parts.append(_task_views_html(result, ttype, score))
    tasks = sorted(map(str, per_run["task_id"].unique()))
    if tasks:
        shown = tasks[:max_task_plots]
        curves = result.curves[result.curves["task_type"].astype(str) == ttype]
        figs = [_figure(plots.plot_task_curves(curves, t, colors, ylabel=score, log=True), t, dpi=70) for t in shown]
        note = f"<p class='note'>First {len(shown)} of {len(tasks)} tasks; the per-task table lists all.</p>" if len(tasks) > len(shown) else ""
        parts.append(f"<h3 id='tasks-{_esc(ttype)}'>Per task</h3>{note}<div class='figs'>{''.join(figs)}</div>")
        wide = best_per_task(result, "final")
        wide = wide.loc[ttype] if ttype in wide.index.get_level_values(0) else wide.iloc[:0]
        wide = wide.dropna(axis=1, how="all")
        parts.append(f"<details><summary>Final {what} per task (seed mean, best in bold)</summary>{_task_table_html(wide)}</details>")
    if mo:
        parts.append(_mo_html(result, ttype, tasks, colors, max_task_plots))
    parts.append("</section>")
    return "".join(parts)


def _simulated_time_html(result: Analysis, ttype: str, colors: dict[str, Any], score: str) -> str:
    """Parallel runs: anytime curves over the simulated clock, ranks at equal time, k workers against 1."""
    agg = _of_type(result.over_time, ttype)
    if agg is None or not len(agg):
        return ""
    fig = plots.plot_over_budget(
        agg.rename(columns={"time_fraction": "budget_fraction"}),
        f"{ttype}: performance over simulated time",
        ylabel=f"{score} (mean, 95% CI)",
        log=True,
        colors=colors,
        xlabel="simulated time (fraction of each task's horizon)",
    )
    parts = [
        f"<h3 id='time-{_esc(ttype)}'>Over simulated time (parallel runs)</h3>",
        "<p>Runs with <code>n_workers</code>, labelled <code>optimizer@Kw</code>, on their simulated clock. Each task's horizon is the"
        " time budget its runs shared, else the earliest time one of them finished; optimizers are compared at equal time there.</p>",
        f"<div class='figs'>{_figure(fig, 'mean over tasks of the seed-averaged incumbent over simulated time')}</div>",
    ]
    ranks = _of_type(result.equal_time_ranks, ttype)
    if ranks is not None and len(ranks):
        rows = "".join(
            f"<tr><td class='l'>{_esc(r.optimizer)}</td><td>{_ci(r.mean_rank, r.ci_low, r.ci_high, 2)}</td><td>{_fmt(r.mean_score)}</td><td>{int(r.n_tasks)}</td></tr>"
            for r in ranks.itertuples()
        )
        parts.append(f"<table><tr><th class='l'>optimizer</th><th>average rank at the horizon</th><th>mean {score}</th><th>tasks</th></tr>{rows}</table>")
    speed = _of_type(result.speedup, ttype)
    if speed is not None and len(speed):
        rows = "".join(
            f"<tr><td class='l'>{_esc(r.base_optimizer)}</td><td>{int(r.n_workers)}</td><td>{_fmt(r.median_speedup, 2)}</td><td>{_fmt(r.reached, 2)}</td><td>{int(r.n_pairs)}</td></tr>"
            for r in speed.itertuples()
        )
        parts.append(
            "<p>Speed-up: time one worker needed to reach its final incumbent over the time K workers needed to reach it.</p>"
            f"<table><tr><th class='l'>optimizer</th><th>workers</th><th>median speed-up</th><th>share reached</th><th>task-seed pairs</th></tr>{rows}</table>"
        )
    return "".join(parts)


# ---- fixed-target, robust-aggregate and per-task views (one function per section) ----

ERT_TABLE_TARGETS = (0.1, 0.01, 0.001)
FIXED_BUDGETS = (0.1, 0.25, 0.5, 1.0)
VIEW_DPI = 75  # these sections add up to eight figures per task type; a little less resolution keeps the report fast


def _view(fig: Any, caption: str) -> str:
    return _figure(fig, caption, dpi=VIEW_DPI)


def _of_type(frame: Any, ttype: str) -> Any:
    if frame is None or not len(frame):
        return frame.iloc[:0] if frame is not None else None
    return frame[frame["task_type"].astype(str) == ttype]


def _fixed_target_html(result: Analysis, ttype: str, colors: dict[str, Any], score: str) -> str:
    """ERT and success rate per target (table and figure), runtime ECDF, fixed-budget quantiles."""
    ert = _of_type(result.ert_summary, ttype)
    if ert is None or not len(ert):
        return ""
    targets = [t for t in ERT_TABLE_TARGETS if np.isclose(ert["target"], t).any()] or sorted(ert["target"].unique(), reverse=True)[:3]
    head = "<tr><th class='l'>optimizer</th>" + "".join(f"<th>ERT to {t:g}</th><th>success</th>" for t in targets) + "</tr>"
    rows = []
    for opt, g in ert.groupby("optimizer", observed=True):
        cells = []
        for t in targets:
            r = g[np.isclose(g["target"], t)]
            e, sr = (float(r["ert"].iloc[0]), float(r["success_rate"].iloc[0])) if len(r) else (float("nan"), float("nan"))
            cells.append(f"<td>{'∞' if e == float('inf') else _fmt(e, 2)}</td><td>{_fmt(100 * sr, 0)}%</td>")
        rows.append(f"<tr><td class='l'>{_esc(opt)}</td>{''.join(cells)}</tr>")
    figs = [_view(plots.plot_ert(ert, f"{ttype}: expected running time", colors=colors), "ERT (in run budgets, all runs pooled) and success rate per target")]
    ecdf = _of_type(result.runtime_ecdf, ttype)
    if ecdf is not None and len(ecdf):
        figs.append(_view(plots.plot_runtime_ecdf(ecdf, f"{ttype}: runtime ECDF", colors=colors), "share of (task, target) pairs reached, 95% bootstrap band over tasks"))
    fb = _of_type(result.fixed_budget, ttype)
    table = ""
    if fb is not None and len(fb):
        # a table rather than a figure: the mean over the budget is drawn above already (plots.plot_fixed_budget draws this one)
        shown = fb[np.isin(np.round(fb["budget_fraction"].to_numpy(dtype=float), 6), FIXED_BUDGETS)]
        qcols = [c for c in fb.columns if c.startswith("q")]
        qhead = "<tr><th class='l'>optimizer</th><th>budget</th><th>runs</th><th>mean</th>" + "".join(f"<th>{_esc(c.upper())}</th>" for c in qcols) + "</tr>"
        qrows = "".join(
            f"<tr><td class='l'>{_esc(r['optimizer'])}</td><td>{_fmt(r['budget_fraction'], 2)}</td><td>{int(r['n_runs'])}</td><td>{_fmt(r['mean'])}</td>"
            + "".join(f"<td>{_fmt(r[c])}</td>" for c in qcols) + "</tr>"
            for _, r in shown.iterrows()
        )
        table = f"<h4>Fixed budget</h4><p class='note'>Quantiles of the {_esc(score)} over all runs at four budget fractions (IOHanalyzer's fixed-budget table).</p><table class='fixed-budget'>{qhead}{qrows}</table>"
    return (
        f"<h3 id='fixed-target-{_esc(ttype)}'>Fixed target and fixed budget</h3>"
        f"<p class='note'>Targets are {_esc(score)} values. ERT: the budget all runs spent until they reached the target (or ended),"
        " divided by the runs that reached it, in run budgets (above 1: more than one run's budget on average; ∞: no run reached it)."
        " Success: share of runs that reached the target.</p>"
        f"<table class='ert'>{head}{''.join(rows)}</table><div class='figs'>{''.join(figs)}</div>{table}"
    )


def _robust_html(result: Analysis, ttype: str, colors: dict[str, Any], score: str) -> str:
    """rliable's IQM / median / mean with stratified bootstrap CIs, performance profiles, probability of improvement."""
    title = f"<h3 id='robust-{_esc(ttype)}'>Robust aggregates (rliable)</h3>"
    if result.interval_estimates is None:
        return title + "<p class='note'>Not computed: rliable is not installed (pip install 'carps[analysis]').</p>"
    est = _of_type(result.interval_estimates, ttype)
    if not len(est):
        return title + "<p class='note'>Needs tasks on which every optimizer of the task type has results.</p>"
    head = "<tr><th class='l'>optimizer</th><th>tasks</th><th>runs per task</th><th>IQM</th><th>median</th><th>mean</th></tr>"
    rows = "".join(
        f"<tr class='{'best' if i == 0 else ''}'><td class='l'>{_esc(r.optimizer)}</td><td>{r.n_tasks}</td><td>{r.n_runs}</td>"
        f"<td>{_ci(r.iqm, r.iqm_low, r.iqm_high)}</td><td>{_ci(r.median, r.median_low, r.median_high)}</td><td>{_ci(r.mean, r.mean_low, r.mean_high)}</td></tr>"
        for i, r in enumerate(est.itertuples(index=False))
    )
    figs = []
    prof = _of_type(result.profiles, ttype)
    if len(est) >= 2:  # with one optimizer the table says it all, and its profile is the ECDF above
        figs.append(_view(plots.plot_interval_estimates(est, f"{ttype}: final {score}", colors=colors, xlabel=score), "95% stratified bootstrap CIs (runs resampled within tasks)"))
    if prof is not None and len(prof) and len(est) >= 2:
        figs.append(_view(plots.plot_performance_profiles(prof, f"{ttype}: performance profile", colors=colors, xlabel=score), "share of runs at or below each threshold, 95% CI band"))
    poi = _of_type(result.improvement, ttype)
    matrix = ""
    if poi is not None and len(poi):
        names = sorted(set(map(str, poi["x"])))
        cells = {(str(r.x), str(r.y)): _ci(r.probability, r.ci_low, r.ci_high, 2) for r in poi.itertuples(index=False)}
        values = {(str(r.x), str(r.y)): float(r.probability) for r in poi.itertuples(index=False)}
        matrix = (
            "<h4>Probability of improvement</h4><p class='note'>P(row improves on column): the probability that a run of the row"
            " optimizer ends with a lower score than a run of the column optimizer on a task, averaged over tasks (ties count half);"
            " blue above 0.5, red below.</p>" + _matrix_html(names, cells, values, 0.0, 1.0)
        )
    return (
        title + f"<p class='note'>Final {_esc(score)} over all runs of the tasks every optimizer ran (the same number of seeds per task)."
        " IQM: mean of the middle 50% of runs, robust to outlier runs and tasks (Agarwal et al., 2021). Brackets: 95% stratified bootstrap CIs.</p>"
        f"<table class='robust'>{head}{rows}</table><div class='figs'>{''.join(figs)}</div>{matrix}"
    )


def _shade(value: float, low: float, high: float) -> str:
    """A background color for a cell: red below the middle of [low, high], white at it, blue above (no figure needed)."""
    if not np.isfinite(value):
        return ""
    t = float(np.clip((value - low) / (high - low) * 2.0 - 1.0, -1.0, 1.0))
    red, blue = (214, 96, 77), (67, 147, 195)
    rgb = tuple(round(255 + (c - 255) * abs(t)) for c in (blue if t > 0 else red))
    return f" style='background:rgb{rgb}'"


def _matrix_html(names: list[str], cells: dict[tuple[str, str], str], values: dict[tuple[str, str], float], low: float, high: float) -> str:
    """A square table, rows and columns ``names``, cell texts ``cells`` shaded by ``values``; the diagonal stays empty."""
    head = "<tr><th class='l'></th>" + "".join(f"<th>{_esc(n)}</th>" for n in names) + "</tr>"
    body = "".join(
        f"<tr><th class='l'>{_esc(a)}</th>"
        + "".join(f"<td{_shade(values.get((a, b), float('nan')), low, high)}>{cells.get((a, b), '')}</td>" for b in names)
        + "</tr>"
        for a in names
    )
    return f"<table class='matrix'>{head}{body}</table>"


def _task_views_html(result: Analysis, ttype: str, score: str) -> str:
    """Per-task heatmap of final performance and the Spearman correlation between optimizers."""
    wide = best_per_task(result, "final")
    if ttype not in wide.index.get_level_values(0):
        return ""
    wide = wide.loc[ttype].dropna(axis=1, how="all")
    title = f"<h3 id='heatmap-{_esc(ttype)}'>Per-task heatmap and correlation</h3>"
    if wide.shape[1] < 2:  # one optimizer: the per-task table below has it all
        return title + "<p class='note'>Needs at least two optimizers.</p>"
    fig = _view(plots.plot_task_heatmap(wide, f"{ttype}: final {score} per task", label=score), "seed-mean final score per task and optimizer (0 = best)")
    corr = result.correlation.get(ttype)
    table = ""
    if corr is not None and corr.shape[0] >= 2:
        names = [str(c) for c in corr.columns]
        values = {(a, b): float(corr.loc[a, b]) for a in names for b in names if a != b}
        table = (
            "<h4>Spearman correlation between optimizers across tasks</h4><p class='note'>Rank correlation of the per-task final scores:"
            " high when two optimizers find the same tasks easy and the same tasks hard (blue), low or negative when they differ (red).</p>"
            + _matrix_html(names, {k: _fmt(v, 2) for k, v in values.items()}, values, -1.0, 1.0)
        )
    return f"{title}<div class='figs'>{fig}</div>{table}"


def _mo_html(result: Analysis, ttype: str, tasks: list[str], colors: dict[str, Any], max_task_plots: int) -> str:
    refs = result.mo_references
    rows = []
    for t in tasks:
        r = refs.get(t)
        if r is None:
            continue
        rows.append(
            f"<tr><td class='l'>{_esc(t)}</td><td>{r['n_obj']}</td><td>{'yes' if r['front'] is not None else 'no'}</td>"
            f"<td class='l'>{_esc(np.array2string(r['ideal'], precision=3, separator=', '))}</td>"
            f"<td class='l'>{_esc(np.array2string(r['nadir'], precision=3, separator=', '))}</td><td>{_fmt(r['reference_hv'], 4)}</td></tr>"
        )
    table = (
        "<table><tr><th class='l'>task</th><th>objectives</th><th>known front</th><th class='l'>ideal</th><th class='l'>nadir</th><th>reference HV</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    figs = []
    labels = hv.objective_labels(result.runs)
    if result.fronts is not None and len(result.fronts):
        for t in tasks[:max_task_plots]:
            r = refs.get(t)
            if r is None:
                continue
            names = labels.get(t, [])[:2] if len(labels.get(t, [])) >= 2 else ["cost_0", "cost_1"]
            figs.append(_figure(plots.plot_pareto_fronts(result.fronts, t, r["front"], names=names, colors=colors), f"Pareto fronts: {t}", dpi=70))
    return (
        f"<h3 id='mo-{_esc(ttype)}'>Multi-objective results</h3>"
        "<p class='note'>Objectives are scaled per task between the ideal and nadir of all runs (and the known front);"
        " the reference point is 1.1 in every scaled objective. Hypervolumes by moocore.</p>"
        f"{table}<div class='figs'>{''.join(figs)}</div>"
    )


def render_html(result: Analysis, title: str = "carps report", max_task_plots: int = 12) -> str:
    """The report as one HTML string (no external resources)."""
    table = ranking_table(result)
    colors = plots.optimizer_colors(result.optimizers)
    runs = result.runs
    experiments = ", ".join(sorted(map(str, runs["experiment"].unique())))
    status = runs["status"].astype(str).value_counts().to_dict()
    ttypes = result.task_types
    nav = "".join(f"<a href='#type-{_esc(t)}'>{_esc(t)}</a>" for t in ttypes)
    overview_rows = "".join(
        f"<tr><td class='l'>{_esc(t)}</td><td>{result.per_run[result.per_run['task_type'].astype(str) == t]['task_id'].nunique()}</td>"
        f"<td>{(result.per_run['task_type'].astype(str) == t).sum()}</td><td class='l'>{_esc(table[table['task_type'] == t].iloc[0].optimizer) if (table['task_type'] == t).any() else '–'}</td></tr>"
        for t in ttypes
    )
    head = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>{_esc(title)}</h1><p class='meta'>experiments: {_esc(experiments)} · {len(runs)} runs ("
        + ", ".join(f"{_esc(k)}: {v}" for k, v in sorted(status.items()))
        + f") · {len(result.trials)} trials · optimizers: {_esc(', '.join(result.optimizers))} · generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}</p>"
        f"<nav><a href='#overview'>overview</a>{nav}</nav>"
        "<section id='overview'><h2>Overview</h2><table><tr><th class='l'>task type</th><th>tasks</th><th>runs</th><th class='l'>best average rank (final)</th></tr>"
        f"{overview_rows}</table><p class='note'>Per task, each objective is normalized to [0, 1] between the best (known optimum where given) and worst"
        " value any run reached; final performance is the last incumbent, anytime performance the area under the incumbent curve over the"
        " normalized budget. Ranks are per task after averaging seeds, over tasks where every optimizer of the task type has results.</p></section>"
    )
    body = "".join(_task_type_section(result, t, table, colors, max_task_plots) for t in ttypes)
    return head + body + "</main></body></html>"


def to_latex(table: Any) -> str:
    """The ranking table as a LaTeX ``tabular`` (booktabs), CIs in brackets, one block per task type."""

    def tex(s: Any) -> str:
        return str(s).replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("&", r"\&").replace("%", r"\%").replace("#", r"\#")

    lines = [r"\begin{tabular}{llrllll}", r"\toprule", r"task type & optimizer & tasks & rank (final) & regret (final) & rank (anytime) & AUC (anytime) \\", r"\midrule"]
    previous = None
    for r in table.itertuples(index=False):
        if previous is not None and r.task_type != previous:
            lines.append(r"\midrule")
        lines.append(
            f"{tex(r.task_type) if r.task_type != previous else ''} & {tex(r.optimizer)} & {int(r.n_tasks)} & "
            f"{r.rank_final:.2f} [{r.rank_final_low:.2f}, {r.rank_final_high:.2f}] & {r.final:.3f} [{r.final_low:.3f}, {r.final_high:.3f}] & "
            f"{r.rank_auc:.2f} [{r.rank_auc_low:.2f}, {r.rank_auc_high:.2f}] & {r.auc:.3f} [{r.auc_low:.3f}, {r.auc_high:.3f}] \\\\"
        )
        previous = r.task_type
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(lines)


def run_health(result: Analysis) -> Any:
    """Per task type and optimizer: runs that did not finish, failed trials, time per run, and the tasks behind them.

    Columns ``task_type, optimizer, runs, runs_failed, trials, trials_failed, wall_time_mean, problems``;
    ``problems`` names each task where a run failed or stopped early, or where a tenth or more of the
    trials failed, with the first line of the error, so that a ranking never hides a crashing optimizer.
    """
    import pandas as pd

    runs, trials = result.runs, result.trials
    trial_counts = trials.assign(failed=trials["status"].astype(str) != "ok").groupby(
        ["task_type", "optimizer", "task_id"], observed=True)["failed"].agg(["size", "sum"]).reset_index()
    rows = []
    for (ttype, opt), group in runs.groupby(["task_type", "optimizer"], observed=True):
        counts = trial_counts[(trial_counts["task_type"] == ttype) & (trial_counts["optimizer"] == opt)]
        problems = []
        for task_id, task_runs in group.groupby("task_id", observed=True):
            bad = task_runs[(task_runs["status"].astype(str) != "done") | task_runs["stop_reason"].isin(["optimizer_error"])]
            tc = counts[counts["task_id"] == task_id]
            failed_share = float(tc["sum"].sum()) / max(float(tc["size"].sum()), 1.0)
            if len(bad):
                error = next((str(e).splitlines()[0][:80] for e in bad["error"] if isinstance(e, str) and e), str(bad["status"].iloc[0]))
                problems.append(f"{task_id}: {len(bad)} run(s) {error}")
            elif failed_share >= 0.1:
                problems.append(f"{task_id}: {failed_share:.0%} of trials failed")
        rows.append({
            "task_type": str(ttype), "optimizer": str(opt), "runs": len(group),
            "runs_failed": int((group["status"].astype(str) != "done").sum()),
            "trials": int(counts["size"].sum()), "trials_failed": int(counts["sum"].sum()),
            "wall_time_mean": float(pd.to_numeric(group["wall_time"], errors="coerce").mean()),
            "problems": "; ".join(problems),
        })
    return pd.DataFrame(rows, columns=["task_type", "optimizer", "runs", "runs_failed", "trials", "trials_failed", "wall_time_mean", "problems"])


def feasibility(result: Analysis) -> Any:
    """Per task type and optimizer, over constrained tasks only: how many trials met every constraint.

    Columns ``task_type, optimizer, tasks, trials, feasible_rate`` (feasible over all trials, failed
    ones included) and ``runs_without_feasible`` (runs whose incumbent is therefore missing). Empty
    when no task of the results has constraints.

    >>> import pandas as pd
    >>> runs = pd.DataFrame({"task_id": ["t", "u"], "task_type": "blackbox", "optimizer": "o", "seed": 1, "n_constraints": [2, 0]})
    >>> trials = pd.DataFrame({"task_id": ["t", "t", "u"], "task_type": "blackbox", "optimizer": "o", "seed": 1, "feasible": [True, False, True]})
    >>> row = feasibility(Analysis(trials, runs, *[None] * 4)).iloc[0]
    >>> int(row.tasks), int(row.trials), float(row.feasible_rate)
    (1, 2, 0.5)
    """
    import pandas as pd

    columns = ["task_type", "optimizer", "tasks", "trials", "feasible_rate", "runs_without_feasible"]
    runs, trials = result.runs, result.trials
    if "n_constraints" not in runs.columns or "feasible" not in trials.columns:
        return pd.DataFrame(columns=columns)
    constrained = set(runs.loc[pd.to_numeric(runs["n_constraints"], errors="coerce").fillna(0) > 0, "task_id"].astype(str))
    sub = trials[trials["task_id"].astype(str).isin(constrained)]
    if not len(sub):
        return pd.DataFrame(columns=columns)
    sub = sub.assign(feasible=np.asarray(sub["feasible"].to_numpy() == True, dtype=bool))  # noqa: E712
    per_run = sub.groupby(["task_type", "optimizer", "task_id", "seed"], observed=True)["feasible"].any().reset_index()
    rows = []
    for (ttype, opt), group in sub.groupby(["task_type", "optimizer"], observed=True):
        pr = per_run[(per_run["task_type"] == ttype) & (per_run["optimizer"] == opt)]
        rows.append({"task_type": str(ttype), "optimizer": str(opt), "tasks": int(group["task_id"].nunique()), "trials": len(group),
                     "feasible_rate": float(group["feasible"].mean()), "runs_without_feasible": int((~pr["feasible"]).sum())})
    return pd.DataFrame(rows, columns=columns)


def _feasibility_html(result: Analysis, ttype: str) -> str:
    table = feasibility(result)
    table = table[table["task_type"] == ttype]
    if not len(table):
        return ""
    rows = "".join(
        f"<tr><td class='l'>{_esc(r.optimizer)}</td><td>{r.tasks}</td><td>{r.trials}</td><td>{_fmt(100 * r.feasible_rate, 1)}%</td><td>{r.runs_without_feasible}</td></tr>"
        for r in table.sort_values("feasible_rate", ascending=False).itertuples(index=False)
    )
    return (
        f"<h3 id='feasibility-{_esc(ttype)}'>Feasibility on constrained tasks</h3>"
        "<table><tr><th class='l'>optimizer</th><th>constrained tasks</th><th>trials</th><th>feasible</th><th>runs without a feasible trial</th></tr>"
        f"{rows}</table><p class='note'>Only feasible trials (every constraint at most 0) count for incumbents, regrets and hypervolumes;"
        " a run without one stays at the worst score.</p>"
    )


def to_markdown(result: Analysis) -> str:
    """The ranking table as Markdown, one table per task type, with each optimizer's failures beside its rank.

    Ranks and regrets come with 95% bootstrap CIs in brackets; ``failed`` counts runs that did not
    finish and trials that failed; ``problems`` says on which tasks (see :func:`run_health`).
    """
    table = ranking_table(result)
    health = run_health(result).set_index(["task_type", "optimizer"])
    feasible = feasibility(result).set_index(["task_type", "optimizer"])
    lines: list[str] = []
    for ttype, block in table.groupby("task_type", sort=True):
        lines += [f"### {ttype}", "", "| optimizer | tasks | rank (final) | regret (final) | rank (anytime) | AUC (anytime) | runs | failed runs / trials | s per run | problems |",
                  "|---|---:|---|---|---|---|---:|---|---:|---|"]
        for r in block.itertuples(index=False):
            h = health.loc[(ttype, r.optimizer)] if (ttype, r.optimizer) in health.index else None
            runs = "" if h is None else str(int(h["runs"]))
            failed = "" if h is None else f"{int(h['runs_failed'])} / {int(h['trials_failed'])} of {int(h['trials'])}"
            seconds = "" if h is None or h["wall_time_mean"] != h["wall_time_mean"] else f"{h['wall_time_mean']:.1f}"
            problems = "" if h is None else str(h["problems"]).replace("|", "/")
            lines.append(
                f"| `{r.optimizer}` | {int(r.n_tasks)} | {r.rank_final:.2f} [{r.rank_final_low:.2f}, {r.rank_final_high:.2f}] | "
                f"{r.final:.3f} [{r.final_low:.3f}, {r.final_high:.3f}] | {r.rank_auc:.2f} [{r.rank_auc_low:.2f}, {r.rank_auc_high:.2f}] | "
                f"{r.auc:.3f} [{r.auc_low:.3f}, {r.auc_high:.3f}] | {runs} | {failed} | {seconds} | {problems} |"
            )
        missing = sorted(set(health.loc[ttype].index) - set(block["optimizer"])) if ttype in health.index.get_level_values(0) else []
        if missing:
            lines += ["", "Not ranked (no task where every optimizer has results): " + ", ".join(f"`{m}`" for m in missing)]
        if ttype in feasible.index.get_level_values(0):
            rates = feasible.loc[ttype]
            lines += ["", "Feasible trials on constrained tasks: " + ", ".join(
                f"`{opt}` {100 * r['feasible_rate']:.1f}% of {int(r['trials'])} ({_runs_without(int(r['runs_without_feasible']))})" for opt, r in rates.iterrows())]
        lines.append("")
    return "\n".join(lines)


def _runs_without(n: int) -> str:
    return "every run found one" if n == 0 else f"{n} run{'s' if n != 1 else ''} without one"


def write_report(result: Analysis, out: str | Path, format: str = "html", title: str = "carps report", max_task_plots: int = 12) -> Path:
    """Write the report (``html``) or the ranking table (``csv``, ``latex``, ``markdown``) to ``out``; returns the path."""
    from carps.core.errors import CarpsError

    if format not in FORMATS:
        raise CarpsError(f"unknown report format '{format}'; use one of: {', '.join(FORMATS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "html":
        out.write_text(render_html(result, title, max_task_plots), encoding="utf-8")
    elif format == "csv":
        ranking_table(result).to_csv(out, index=False)
    elif format == "markdown":
        out.write_text(to_markdown(result), encoding="utf-8")
    else:
        out.write_text(to_latex(ranking_table(result)), encoding="utf-8")
    return out
