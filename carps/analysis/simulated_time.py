"""Views of parallel runs over their clock: anytime curves in simulated seconds, k workers against 1,
and optimizers compared at equal simulated time.

Parallel runs (``carps run ... n_workers=K``) log ``sim_end`` for every trial and are labelled
``<optimizer>@<K>w`` (``base_optimizer`` and ``n_workers`` are columns of the runs table). Sequential
runs have no clock and are left out of these views. Single-objective tasks only.

Times differ by orders of magnitude between tasks, so every task gets a **horizon**: the time budget
its runs shared, else the earliest time at which one of its runs finished. Curves run over the
fraction of that horizon, so tasks can be averaged, and "equal time" means the horizon.

>>> import pandas as pd
>>> trials = pd.DataFrame({"experiment": "e", "task_id": "blackbox/toy/t", "task_type": "blackbox", "family": "toy",
...     "optimizer": "o@2w", "seed": 1, "trial": [1, 0, 2], "status": "ok", "fidelity": float("nan"),
...     "budget_fraction": [1/3, 2/3, 1.0], "cost_0": [3.0, 5.0, 1.0], "sim_end": [10.0, 20.0, 40.0]})
>>> runs = pd.DataFrame({"task_id": ["blackbox/toy/t"], "objectives": ['[{"name": "y"}]'], "optimizer": ["o@2w"],
...     "base_optimizer": ["o"], "n_workers": [2], "seed": [1], "time_budget": [None]})
>>> time_trajectories(trials, runs)[["sim_end", "incumbent"]].values.tolist()
[[10.0, 0.5], [20.0, 0.5], [40.0, 0.0]]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from carps.analysis import normalize, performance, ranking

KEYS = ["experiment", "task_id", "task_type", "optimizer", "seed"]


def parallel_trials(trials: Any) -> Any:
    """The trials of parallel runs (those with a clock)."""
    if "sim_end" not in trials.columns:
        return trials.iloc[:0]
    return trials[np.isfinite(trials["sim_end"].to_numpy(dtype=float))]


def time_trajectories(trials: Any, runs: Any) -> Any:
    """Per trial of a parallel single-objective run, in completion order: ``sim_end`` and the run's incumbent.

    Columns: ``experiment, task_id, task_type, optimizer, seed, sim_end, incumbent`` (normalized
    regret, 1 before the first eligible trial), ``run``.
    """
    # rows come in completion order (budget rises with each finished trial), so sim_end rises within a run
    traj = normalize.incumbent_trajectories(parallel_trials(trials), runs)
    return traj[KEYS + ["sim_end", "incumbent", "run"]]


def horizons(traj: Any, runs: Any) -> Any:
    """Seconds per task that every view compares at: the runs' shared time budget, else the earliest run end."""
    import pandas as pd

    end = traj.groupby(["task_id", "run"], observed=True)["sim_end"].max().groupby(level=0, observed=True).min()
    budgets = runs.dropna(subset=["time_budget"]).groupby("task_id", observed=True)["time_budget"].min() if "time_budget" in runs else pd.Series(dtype=float)
    out = end.astype(float)
    shared = budgets.reindex(out.index)
    return shared.where(shared.notna(), out).rename("horizon")


def over_time(traj: Any, runs: Any, grid: int | Sequence[float] = 21) -> Any:
    """The incumbent of every parallel run at fractions of its task's horizon.

    Columns: ``experiment, task_id, task_type, optimizer, seed, time_fraction, time, incumbent``.
    """
    import pandas as pd

    if len(traj) == 0:
        return pd.DataFrame(columns=KEYS + ["time_fraction", "time", "incumbent"])
    # the curve over budget, with time as the fraction of each task's horizon for the budget axis
    horizon = horizons(traj, runs)
    of_rows = horizon.reindex(traj["task_id"].astype(str)).to_numpy(dtype=float)
    on_clock = traj[KEYS + ["incumbent", "run"]].assign(budget_fraction=traj["sim_end"].to_numpy(dtype=float) / of_rows)
    curves = performance.over_budget(on_clock, grid).rename(columns={"budget_fraction": "time_fraction"})
    curves["time"] = curves["time_fraction"].to_numpy() * horizon.reindex(curves["task_id"].astype(str)).to_numpy(dtype=float)
    return curves[KEYS + ["time_fraction", "time", "incumbent"]]


def aggregate_over_time(curves: Any, n_boot: int = 200) -> Any:
    """Mean incumbent over the horizon fraction per task type and optimizer, with bootstrap CIs over tasks.

    Columns: ``task_type, optimizer, time_fraction, mean, ci_low, ci_high``.
    """
    renamed = curves.rename(columns={"time_fraction": "budget_fraction"})
    return performance.aggregate_over_budget(renamed, ("task_type",), n_boot=n_boot).rename(columns={"budget_fraction": "time_fraction"})


def at_equal_time(curves: Any, n_boot: int = 1000) -> Any:
    """Average rank of the optimizers per task type by their incumbent at the task's horizon.

    Columns as :func:`carps.analysis.ranking.average_ranks`.
    """
    end = curves[curves["time_fraction"] == curves["time_fraction"].max()].rename(columns={"incumbent": "final"})
    if end.empty:
        return ranking.average_ranks(end.assign(rank=[], score=[]), n_boot)
    return ranking.average_ranks(ranking.ranks_per_task(end, "final"), n_boot)


def speedup(traj: Any, runs: Any) -> Any:
    """How much sooner ``k`` workers reach the quality one worker ends with, per optimizer and task type.

    For every (task, seed) with a 1-worker and a k-worker run of the same optimizer, the target is the
    1-worker run's final incumbent; the speed-up is the time the 1-worker run needed to reach it
    over the time the k-worker run needed (NaN when it never did).

    Columns: ``task_type, base_optimizer, n_workers, median_speedup, mean_speedup, reached`` (share of
    pairs where k workers reached the target), ``n_pairs``.
    """
    import pandas as pd

    cols = ["task_type", "base_optimizer", "n_workers", "median_speedup", "mean_speedup", "reached", "n_pairs"]
    if len(traj) == 0:
        return pd.DataFrame(columns=cols)
    labels = runs.drop_duplicates("optimizer").set_index("optimizer")[["base_optimizer", "n_workers"]]
    per = traj.assign(
        base_optimizer=labels["base_optimizer"].reindex(traj["optimizer"].astype(str)).to_numpy(),
        n_workers=labels["n_workers"].reindex(traj["optimizer"].astype(str)).to_numpy(dtype=float),
    )
    final = per.groupby("run", sort=False).agg(
        task_id=("task_id", "first"), task_type=("task_type", "first"), seed=("seed", "first"), base=("base_optimizer", "first"), k=("n_workers", "first"), best=("incumbent", "min")
    )
    sim_end, incumbent, run_of = per["sim_end"].to_numpy(), per["incumbent"].to_numpy(), per["run"].to_numpy()
    starts = np.flatnonzero(np.r_[True, run_of[1:] != run_of[:-1]])  # each run is one block of rows
    block = dict(zip(run_of[starts].tolist(), zip(starts.tolist(), np.r_[starts[1:], len(run_of)].tolist())))

    def time_to(run: int, target: float) -> float:
        a, b = block[run]
        hit = np.flatnonzero(incumbent[a:b] <= target + 1e-12)
        return float(sim_end[a + hit[0]]) if len(hit) else float("nan")

    single = final[final["k"] == 1].reset_index().set_index(["task_id", "seed", "base"])
    out = []
    for run, row in final[final["k"] > 1].iterrows():
        key = (row["task_id"], row["seed"], row["base"])
        if key not in single.index:
            continue
        one = single.loc[key]
        target = float(one["best"])
        t1, tk = time_to(int(one["run"]), target), time_to(int(run), target)
        out.append((row["task_type"], row["base"], int(row["k"]), t1 / tk if tk > 0 else float("nan")))
    if not out:
        return pd.DataFrame(columns=cols)
    pairs = pd.DataFrame(out, columns=["task_type", "base_optimizer", "n_workers", "speedup"])
    grouped = pairs.groupby(["task_type", "base_optimizer", "n_workers"], sort=True)["speedup"]
    table = grouped.agg(median_speedup="median", mean_speedup="mean", reached=lambda s: float(np.isfinite(s).mean()), n_pairs="size").reset_index()
    return table[cols]
