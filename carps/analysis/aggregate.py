"""Aggregate statistics that stay honest with few seeds, computed with `rliable`.

Agarwal et al. (2021) recommend, for benchmarks with a handful of runs per task: the interquartile
mean (IQM: the mean of the middle 50% of all runs' scores, robust to outlier tasks and runs) with
*stratified* bootstrap confidence intervals (runs are resampled within each task), performance
profiles (the share of runs that score better than each threshold, with bands), and the probability
that one optimizer improves on another. ``rliable`` implements all three; this module turns the
per-run table of :mod:`carps.analysis.performance` into its input and its output into tidy tables.

Scores are normalized regrets (lower is better) throughout, as everywhere in carps.analysis:

- IQM, median and mean: per optimizer over all runs of the tasks every optimizer of the task type
  ran on, with the smallest number of seeds any of them has (rliable needs a runs x tasks matrix);
- performance profile at threshold ``t``: the share of runs with regret ``<= t``;
- probability of improvement of X over Y: per task, the probability that a run of X ends with a
  lower regret than a run of Y (ties count half), averaged over tasks.

rliable runs one Python-level bootstrap loop per call, so the optimizers of a task type go into one
call: their ``runs x tasks`` matrices are stacked into ``runs x tasks x optimizers``, which
rliable's stratified bootstrap resamples within every (task, optimizer) cell, exactly as separate
calls would, and the statistics are rliable's (``metrics.aggregate_median``/``aggregate_mean``
take the stack as is; the IQM is the 25% trimmed mean per optimizer that rliable's
``aggregate_iqm`` takes from scipy, see :func:`iqm`). Probability of improvement is rliable's statistic in a form that
compares all pairs at once (``metrics.probability_of_improvement`` calls a Mann-Whitney test per
task, which took 0.6 s per pair and resample for 750 tasks). Tests check all of these against
rliable's own functions. rliable draws from numpy's global random state; it is seeded for each call
and restored afterwards, so reports are reproducible and the caller's state is left alone.

**arch and pandas 3.** rliable 1.2 needs ``arch < 8``; arch 7.2 (the newest of those) fails at
import under pandas 3 in its GARCH models (``arch.univariate``), which rliable never uses, because
``arch/__init__`` imports them. :func:`load_rliable` therefore imports ``arch.bootstrap`` without
running ``arch/__init__`` (that also skips importing statsmodels) and then removes that bare
package entry again, so a later ``import arch`` behaves exactly as it would without carps.

>>> import pandas as pd
>>> per_run = pd.DataFrame({"task_type": "blackbox", "task_id": ["t1", "t1", "t2", "t2"] * 2,
...     "optimizer": ["a"] * 4 + ["b"] * 4, "seed": [1, 2] * 4, "final": [0.1, 0.2, 0.0, 0.3, 0.5, 0.4, 0.6, 0.2]})
>>> interval_estimates(per_run, reps=200)[["optimizer", "iqm"]].round(3).to_dict("records")  # middle two of four runs
[{'optimizer': 'a', 'iqm': 0.15}, {'optimizer': 'b', 'iqm': 0.45}]
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator, Sequence

import numpy as np

PROFILE_THRESHOLDS = tuple(float(v) for v in np.r_[0.0, np.geomspace(1e-3, 1.0, 40)])


def load_rliable() -> tuple[Any, Any]:
    """``(rliable.library, rliable.metrics)``; a one-line error naming the extra when rliable is missing."""
    if "rliable.library" in sys.modules:
        return sys.modules["rliable.library"], sys.modules["rliable.metrics"]
    import importlib.util

    from carps.core.errors import MissingDependencyError

    if importlib.util.find_spec("rliable") is None:
        raise MissingDependencyError("'rliable' is not installed; install it with: pip install 'carps[analysis]'")
    bare = None
    if "arch" not in sys.modules:
        import types

        spec = importlib.util.find_spec("arch")
        if spec is not None and spec.submodule_search_locations:
            # a package object without its __init__: submodules import from its folder as usual
            bare = types.ModuleType("arch")
            bare.__path__ = list(spec.submodule_search_locations)
            bare.__spec__ = spec
            sys.modules["arch"] = bare
    try:
        from rliable import library, metrics
    finally:
        if bare is not None and sys.modules.get("arch") is bare:
            del sys.modules["arch"]  # arch.bootstrap & co. stay loaded; 'import arch' runs the real package
    return library, metrics


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """numpy's global random state seeded for rliable, and restored afterwards."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def score_tensor(runs_perf: Any, task_type: str, metric: str = "final") -> tuple[list[str], list[str], np.ndarray]:
    """``(optimizers, tasks, scores)`` of one task type, ``scores`` shaped ``runs x tasks x optimizers``.

    Tasks are those where every optimizer of the task type has a run; the number of runs is the
    smallest number of seeds any (task, optimizer) has there, and each cell keeps its lowest seeds.
    Empty (0 tasks) when no task has every optimizer.
    """
    import pandas as pd

    sub = runs_perf[runs_perf["task_type"].astype(str) == task_type]
    sub = sub[np.isfinite(sub[metric].to_numpy(dtype=float))]
    t_code, t_names = pd.factorize(sub["task_id"].astype(str), sort=True)
    o_code, o_names = pd.factorize(sub["optimizer"].astype(str), sort=True)
    optimizers, k = [str(o) for o in o_names], len(o_names)
    counts = np.zeros((len(t_names), k), dtype=np.int64)
    np.add.at(counts, (t_code, o_code), 1)
    complete = (counts > 0).all(axis=1)
    if not complete.any():
        return optimizers, [], np.zeros((0, 0, k))
    n_runs = int(counts[complete].min())
    keep = complete[t_code]
    new_task = np.cumsum(complete) - 1  # index among the complete tasks
    t_code, o_code = new_task[t_code[keep]], o_code[keep]
    seeds, values = sub["seed"].to_numpy()[keep], sub[metric].to_numpy(dtype=float)[keep]
    order = np.lexsort((seeds, o_code, t_code))
    cell = (t_code * k + o_code)[order]
    rank = np.arange(len(cell)) - np.searchsorted(cell, cell)  # position of the seed within its (task, optimizer) cell
    take = rank < n_runs
    scores = np.full((n_runs, int(complete.sum()), k), np.nan)
    scores[rank[take], t_code[order][take], o_code[order][take]] = values[order][take]
    tasks = [str(t) for t in np.asarray(t_names)[complete]]
    return optimizers, tasks, scores


def iqm(scores: np.ndarray) -> np.ndarray:
    """Interquartile mean of each column: ``scipy.stats.trim_mean(scores, 0.25, axis=0)``, the IQM of rliable.

    The same partition and slice scipy takes, without the per-call argument handling of
    ``scipy.stats`` functions that made up four fifths of a bootstrap resample's time.

    >>> iqm(np.array([[0.0], [1.0], [2.0], [100.0]]))  # the middle two of four
    array([1.5])
    """
    low = int(0.25 * scores.shape[0])
    high = scores.shape[0] - low
    return np.partition(scores, (low, high - 1), axis=0)[low:high].mean(axis=0)


def _task_types(runs_perf: Any) -> list[str]:
    return sorted(map(str, runs_perf["task_type"].unique()))


def interval_estimates(runs_perf: Any, metric: str = "final", reps: int = 1000, level: float = 0.95, seed: int = 0, task_bootstrap: bool | None = None) -> Any:
    """IQM, median and mean of ``metric`` per task type and optimizer with stratified bootstrap CIs (rliable).

    ``task_bootstrap`` resamples tasks as well as runs (rliable's option); by default it does so
    only when there is one run per task, where resampling runs alone would give no interval.
    Columns: ``task_type, optimizer, n_tasks, n_runs, iqm, iqm_low, iqm_high, median, median_low,
    median_high, mean, mean_low, mean_high``; sorted by IQM per task type.
    """
    import pandas as pd

    library, metrics = load_rliable()
    cols = ["task_type", "optimizer", "n_tasks", "n_runs"] + [f"{s}{p}" for s in ("iqm", "median", "mean") for p in ("", "_low", "_high")]
    frames = []
    for ttype in _task_types(runs_perf):
        optimizers, tasks, scores = score_tensor(runs_perf, ttype, metric)
        if not tasks:
            continue
        k = len(optimizers)

        def statistics(x: np.ndarray, k: int = k) -> np.ndarray:
            return np.concatenate([iqm(x.reshape(-1, k)), metrics.aggregate_median(x), metrics.aggregate_mean(x)])

        boot_tasks = scores.shape[0] == 1 if task_bootstrap is None else task_bootstrap
        with _seeded(seed):
            point, ci = library.get_interval_estimates({ttype: scores}, statistics, reps=reps, confidence_interval_size=level, task_bootstrap=boot_tasks)
        est, (low, high) = point[ttype].reshape(3, k), ci[ttype].reshape(2, 3, k)
        frame = pd.DataFrame({"task_type": ttype, "optimizer": optimizers, "n_tasks": len(tasks), "n_runs": scores.shape[0]})
        for i, name in enumerate(("iqm", "median", "mean")):
            frame[name], frame[f"{name}_low"], frame[f"{name}_high"] = est[i], low[i], high[i]
        frames.append(frame.sort_values("iqm"))
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def performance_profiles(runs_perf: Any, metric: str = "final", thresholds: Sequence[float] = PROFILE_THRESHOLDS, reps: int = 500, level: float = 0.95, seed: int = 0) -> Any:
    """Share of runs with ``metric <= t`` at each threshold ``t``, per task type and optimizer, with CIs (rliable).

    Columns: ``task_type, optimizer, threshold, fraction, ci_low, ci_high``.
    """
    import pandas as pd

    library, _ = load_rliable()
    taus = np.asarray(thresholds, dtype=float)
    frames = []
    for ttype in _task_types(runs_perf):
        optimizers, tasks, scores = score_tensor(runs_perf, ttype, metric)
        if not tasks:
            continue
        k = len(optimizers)

        def profile(x: np.ndarray, taus: np.ndarray, k: int = k) -> np.ndarray:
            return run_shares(x.reshape(-1, k), taus).ravel()

        with _seeded(seed):
            point, ci = library.create_performance_profile({ttype: scores}, taus, custom_profile_func=profile, reps=reps, confidence_interval_size=level)
        frames.append(pd.DataFrame({
            "task_type": ttype, "optimizer": np.repeat(optimizers, len(taus)), "threshold": np.tile(taus, k),
            "fraction": point[ttype], "ci_low": ci[ttype][0], "ci_high": ci[ttype][1],
        }))
    cols = ["task_type", "optimizer", "threshold", "fraction", "ci_low", "ci_high"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def run_shares(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Share of the rows of each column of ``scores`` at or below each threshold (columns x thresholds):
    rliable's score distribution, every optimizer at once.

    The same numbers as ``(scores[:, :, None] <= thresholds).mean(axis=0)`` (a count over the number
    of rows, exact either way), from one sort per column instead of a runs x optimizers x thresholds
    comparison in each of a profile's bootstrap resamples. NaN scores count nowhere in both.

    >>> run_shares(np.array([[0.1, 0.5], [0.3, np.nan]]), np.array([0.0, 0.2, 1.0]))
    array([[0. , 0.5, 1. ],
           [0. , 0. , 0.5]])
    """
    ordered = np.sort(scores, axis=0)  # NaN last: never at or below a threshold
    counts = np.stack([np.searchsorted(ordered[:, j], thresholds, side="right") for j in range(scores.shape[1])])
    return counts / scores.shape[0]


def pairwise_improvement(*scores: np.ndarray) -> np.ndarray:
    """Probability of improvement of every pair ``i < j`` of ``runs x tasks`` score matrices (higher is better).

    Per task ``P(X > Y) + P(X = Y) / 2`` over all pairs of runs (the Mann-Whitney U over
    ``n_x n_y``), averaged over tasks: what ``rliable.metrics.probability_of_improvement`` gives
    for each pair, in the order of ``numpy.triu_indices(len(scores), 1)``. All matrices have one shape.

    >>> x, y = np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]])
    >>> pairwise_improvement(x, y)  # task 1: x wins, task 2: tie
    array([0.75])
    """
    stack = np.stack(scores)  # optimizers x runs x tasks
    i, j = np.triu_indices(len(scores), 1)
    x, y = stack[i][:, :, None, :], stack[j][:, None, :, :]  # pairs x runs x runs x tasks
    per_task = (x > y).mean(axis=(1, 2)) + 0.5 * (x == y).mean(axis=(1, 2))
    return per_task.mean(axis=1)


def probability_of_improvement(runs_perf: Any, metric: str = "final", reps: int = 500, level: float = 0.95, seed: int = 0) -> Any:
    """Probability that X ends with a lower ``metric`` than Y on a task, for every ordered pair, with CIs (rliable).

    Each optimizer's runs are resampled within each task independently (rliable's
    ``StratifiedIndependentBootstrap``). ``P(Y over X) = 1 - P(X over Y)``, so each pair is computed once.
    Columns: ``task_type, x, y, probability, ci_low, ci_high, n_tasks``.
    """
    import pandas as pd

    library, _ = load_rliable()
    rows = []
    for ttype in _task_types(runs_perf):
        optimizers, tasks, scores = score_tensor(runs_perf, ttype, metric)
        if not tasks or len(optimizers) < 2:
            continue
        # rliable's convention is "higher is better": negate regrets
        per_opt = [-scores[:, :, o] for o in range(len(optimizers))]
        with _seeded(seed):
            point, ci = library.get_interval_estimates({ttype: per_opt}, pairwise_improvement, reps=reps, confidence_interval_size=level)
        est, (low, high) = np.atleast_1d(point[ttype]), ci[ttype]
        for p, (a, b) in enumerate(zip(*np.triu_indices(len(optimizers), 1))):
            rows.append((ttype, optimizers[a], optimizers[b], est[p], low[p], high[p], len(tasks)))
            rows.append((ttype, optimizers[b], optimizers[a], 1.0 - est[p], 1.0 - high[p], 1.0 - low[p], len(tasks)))
    out = pd.DataFrame(rows, columns=["task_type", "x", "y", "probability", "ci_low", "ci_high", "n_tasks"])
    return out.sort_values(["task_type", "x", "y"]).reset_index(drop=True)
