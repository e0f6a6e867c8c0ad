"""The whole analysis in one call: tidy tables in, every result table out (what reports and notebooks show).

>>> from carps.analysis.pipeline import analyze  # doctest: +SKIP
>>> from carps.analysis.gather import load_experiments  # doctest: +SKIP
>>> result = analyze(*load_experiments(["results/demo"]))  # doctest: +SKIP
>>> result.average_ranks["final"]  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from carps.analysis import hypervolume as hv
from carps.analysis.gather import MULTI_OBJECTIVE_TYPES
from carps.analysis import fixed_target, normalize, performance, ranking, simulated_time
from carps.analysis.stats import CDResult

METRICS = ("final", "auc")


@dataclass
class Analysis:
    """Result tables of :func:`analyze`; metric-keyed dicts hold ``final`` and ``auc`` (anytime) entries.

    - ``trajectories``: per trial, normalized incumbent (SO) or HV regret (MO), see :mod:`performance`
    - ``per_run``: final and anytime normalized regret per run
    - ``curves``: incumbent of every run on the budget grid; ``over_budget``: their means with CIs per task type
    - ``summary[metric]``: mean per task type and optimizer with bootstrap CIs
    - ``ranks[metric]`` per task, ``average_ranks[metric]`` with CIs, ``cd[metric][task_type]``: Friedman + Nemenyi
    - ``rank_over_budget``: average rank at each budget fraction
    - ``mo_references``: per multi-objective task ideal/nadir/reference point/reference HV/known front
    - ``fronts``: final non-dominated points per multi-objective run
    - fixed target (:mod:`fixed_target`): ``ert`` (ERT and success rate per task, optimizer and
      target), ``ert_summary`` (per task type, runs pooled), ``runtime_ecdf`` (share of (task, target)
      pairs reached over the budget, with bootstrap bands), ``fixed_budget`` (quantiles Q2..Q98 of the
      incumbent at each budget fraction, per task type)
    - robust aggregates of final regret (:mod:`aggregate`, rliable; None when rliable is missing or
      ``robust=False``): ``interval_estimates`` (IQM, median, mean with stratified bootstrap CIs),
      ``profiles`` (performance profiles), ``improvement`` (probability of improvement per pair)
    - ``correlation[task_type]``: Spearman correlation between optimizers across tasks
    - parallel runs (:mod:`simulated_time`; empty without them): ``time_curves`` (incumbent over the
      fraction of each task's time horizon), ``over_time`` (their means with CIs per task type),
      ``equal_time_ranks`` (average rank at the horizon), ``speedup`` (k workers against 1)
    """

    trials: Any
    runs: Any
    trajectories: Any
    per_run: Any
    curves: Any
    over_budget: Any
    summary: dict[str, Any] = field(default_factory=dict)
    ranks: dict[str, Any] = field(default_factory=dict)
    average_ranks: dict[str, Any] = field(default_factory=dict)
    cd: dict[str, dict[str, CDResult]] = field(default_factory=dict)
    rank_over_budget: Any = None
    mo_references: dict[str, dict[str, Any]] = field(default_factory=dict)
    fronts: Any = None
    ert: Any = None
    ert_summary: Any = None
    runtime_ecdf: Any = None
    fixed_budget: Any = None
    interval_estimates: Any = None
    profiles: Any = None
    improvement: Any = None
    correlation: dict[str, Any] = field(default_factory=dict)
    time_curves: Any = None
    over_time: Any = None
    equal_time_ranks: Any = None
    speedup: Any = None

    @property
    def task_types(self) -> list[str]:
        return sorted(map(str, self.per_run["task_type"].unique()))

    @property
    def optimizers(self) -> list[str]:
        return sorted(map(str, self.runs["optimizer"].unique()))


def trajectories(trials: Any, runs: Any, known_fronts: Mapping[str, Any] | Callable[[str], Any] | None = hv.known_front, references: dict | None = None) -> Any:
    """Single-objective incumbent trajectories and multi-objective HV-regret trajectories in one table."""
    import pandas as pd

    so = normalize.incumbent_trajectories(trials, runs).drop(columns=["value"])
    parts = [so]
    if trials["task_type"].isin(MULTI_OBJECTIVE_TYPES).any():
        mo = hv.hypervolume_trajectories(trials, runs, known_fronts, references=references).drop(columns=["hypervolume"])
        mo["run"] += (so["run"].max() + 1) if len(so) else 0
        parts.append(mo)
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else so
    for col in ("experiment", "task_id", "task_type", "family", "optimizer"):
        out[col] = out[col].astype("category")
    return out


def analyze(
    trials: Any,
    runs: Any,
    grid: int = 21,
    n_boot: int = 1000,
    alpha: float = 0.05,
    known_fronts: Mapping[str, Any] | Callable[[str], Any] | None = hv.known_front,
    robust: bool | None = None,
) -> Analysis:
    """Run normalization, final/anytime performance, ranks, CD tests, rank over budget and hypervolume,
    fixed-target and fixed-budget views, robust aggregates (rliable) and optimizer correlations.

    ``grid`` budget points for curves; ``n_boot`` bootstrap resamples for CIs; ``alpha`` for the tests;
    ``known_fronts`` maps multi-objective task ids to known Pareto fronts (default: the benchmark's hook);
    ``robust``: compute rliable's aggregates (True), skip them (False), or compute them when rliable
    is installed (None).
    """
    refs = hv.task_references(trials, runs, known_fronts) if trials["task_type"].isin(MULTI_OBJECTIVE_TYPES).any() else {}
    traj = trajectories(trials, runs, known_fronts, refs)
    per_run = performance.per_run(traj)
    curves = performance.over_budget(traj, grid)
    result = Analysis(
        trials=trials,
        runs=runs,
        trajectories=traj,
        per_run=per_run,
        curves=curves,
        over_budget=performance.aggregate_over_budget(curves, ("task_type",), n_boot=min(n_boot, 200)),
        mo_references=refs,
        fronts=hv.final_fronts(trials, runs) if refs else None,
    )
    for metric in METRICS:
        result.summary[metric] = performance.summarize(per_run, metric, n_boot)
        result.ranks[metric] = ranking.ranks_per_task(per_run, metric)
        result.average_ranks[metric] = ranking.average_ranks(result.ranks[metric], n_boot)
        result.cd[metric] = ranking.critical_differences(per_run, metric, alpha)
    result.rank_over_budget = ranking.rank_over_budget(curves)
    add_fixed_target(result, n_boot=min(n_boot, 200))
    if robust or (robust is None and importlib.util.find_spec("rliable") is not None):
        add_robust(result, reps=n_boot)
    result.correlation = {t: ranking.optimizer_correlation(per_run, t, "final") for t in result.task_types}
    add_simulated_time(result, grid=grid, n_boot=n_boot)
    return result


def add_simulated_time(result: Analysis, grid: int = 21, n_boot: int = 1000) -> Analysis:
    """Fill the parallel-run views of ``result`` (see :mod:`simulated_time`); no-op without parallel runs."""
    if not len(simulated_time.parallel_trials(result.trials)):
        return result
    traj = simulated_time.time_trajectories(result.trials, result.runs)
    result.time_curves = simulated_time.over_time(traj, result.runs, grid)
    result.over_time = simulated_time.aggregate_over_time(result.time_curves, n_boot=min(n_boot, 200))
    result.equal_time_ranks = simulated_time.at_equal_time(result.time_curves, n_boot)
    result.speedup = simulated_time.speedup(traj, result.runs)
    return result


def add_fixed_target(result: Analysis, targets: Sequence[float] = fixed_target.TARGETS, n_boot: int = 200) -> Analysis:
    """Fill ``ert``, ``ert_summary``, ``runtime_ecdf`` and ``fixed_budget`` of ``result`` (see :mod:`fixed_target`)."""
    result.ert = fixed_target.ert_table(result.trajectories, result.runs, targets)
    result.ert_summary = fixed_target.ert_summary(result.trajectories, targets)
    result.runtime_ecdf = fixed_target.runtime_ecdf(result.trajectories, n_boot=n_boot)
    result.fixed_budget = fixed_target.fixed_budget_quantiles(result.curves)
    return result


def add_robust(result: Analysis, reps: int = 1000, metric: str = "final") -> Analysis:
    """Fill ``interval_estimates``, ``profiles`` and ``improvement`` of ``result`` with rliable (see :mod:`aggregate`).

    Profiles and probabilities of improvement take half of ``reps`` resamples: each of their
    resamples costs more, and their bands are drawn, not tabulated to the third digit.
    """
    from carps.analysis import aggregate

    result.interval_estimates = aggregate.interval_estimates(result.per_run, metric, reps=reps)
    result.profiles = aggregate.performance_profiles(result.per_run, metric, reps=max(reps // 2, 1))
    result.improvement = aggregate.probability_of_improvement(result.per_run, metric, reps=max(reps // 2, 1))
    return result


def ranking_table(result: Analysis) -> Any:
    """One row per task type and optimizer: average rank and mean normalized regret, final and anytime, with CIs.

    Columns: ``task_type, optimizer, n_tasks, rank_final, rank_final_low, rank_final_high, final,
    final_low, final_high, rank_auc, ..., auc, auc_low, auc_high``; sorted by final rank.
    """
    table = None
    for metric in METRICS:
        r = result.average_ranks[metric].rename(columns={"mean_rank": f"rank_{metric}", "ci_low": f"rank_{metric}_low", "ci_high": f"rank_{metric}_high"})
        r = r.drop(columns=["mean_score"])
        s = result.summary[metric].rename(columns={"mean": metric, "ci_low": f"{metric}_low", "ci_high": f"{metric}_high"}).drop(columns=["n_tasks"])
        both = r.merge(s, on=["task_type", "optimizer"], how="left")
        table = both if table is None else table.merge(both.drop(columns=["n_tasks"]), on=["task_type", "optimizer"], how="outer")
    assert table is not None
    cols = ["task_type", "optimizer", "n_tasks"] + [c for m in METRICS for c in (f"rank_{m}", f"rank_{m}_low", f"rank_{m}_high", m, f"{m}_low", f"{m}_high")]
    table["task_type"] = table["task_type"].astype(str)
    table["optimizer"] = table["optimizer"].astype(str)
    return table[cols].sort_values(["task_type", "rank_final"]).reset_index(drop=True)


def best_per_task(result: Analysis, metric: str = "final") -> Any:
    """Tasks x optimizers table of seed-mean normalized ``metric`` (one block per task type)."""
    scores = performance.per_task(result.per_run, metric)
    wide = scores.pivot_table(index=["task_type", "task_id"], columns="optimizer", values="score", observed=True)
    return wide.replace([np.inf, -np.inf], np.nan)


def mo_reference_table(result: Analysis) -> Any:
    """Per multi-objective task: objectives, whether a known front was used, ideal, nadir, reference HV."""
    import pandas as pd

    rows = [
        {"task_id": t, "n_obj": r["n_obj"], "known_front": r["front"] is not None, "ideal": np.round(r["ideal"], 4).tolist(),
         "nadir": np.round(r["nadir"], 4).tolist(), "reference_hv": r["reference_hv"]}
        for t, r in sorted(result.mo_references.items())
    ]
    return pd.DataFrame(rows, columns=["task_id", "n_obj", "known_front", "ideal", "nadir", "reference_hv"])
