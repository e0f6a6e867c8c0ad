"""Ranks, Friedman statistic and Nemenyi critical difference against scipy and the published values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from carps.analysis import performance as P
from carps.analysis import ranking as R
from carps.analysis import stats as S

# Demšar (2006), Table 5(a): q_0.05 and q_0.10 of the Nemenyi test for k = 2..10 optimizers
Q05 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
Q10 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]


def scores_with_ties(n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(size=(n, k)) + np.arange(k) * 0.3, 1)  # rounding makes ties


@pytest.mark.parametrize("n,k,seed", [(12, 3, 0), (40, 5, 1), (7, 8, 2), (200, 4, 3)])
def test_ranks_and_friedman_equal_scipy(n: int, k: int, seed: int) -> None:
    x = scores_with_ties(n, k, seed)
    np.testing.assert_array_equal(S.rank_rows(x), np.vstack([sps.rankdata(row) for row in x]))
    stat, p = S.friedman(x)
    ref = sps.friedmanchisquare(*x.T)
    assert stat == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-9)


def test_friedman_all_tied_means_no_difference() -> None:
    assert S.friedman(np.ones((5, 3))) == (0.0, 1.0)


@pytest.mark.parametrize("k", range(2, 11))
def test_nemenyi_critical_values_match_the_published_table(k: int) -> None:
    assert S.nemenyi_q(k, 0.05) == pytest.approx(Q05[k - 2], abs=1.5e-3)
    assert S.nemenyi_q(k, 0.10) == pytest.approx(Q10[k - 2], abs=1.5e-3)


def test_q_table_equals_scipy_studentized_range() -> None:
    for alpha, table in S._Q_TABLE.items():
        for k, q in enumerate(table, start=2):
            assert q == pytest.approx(sps.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2), abs=1e-9)
    S.nemenyi_q.cache_clear()
    assert S.nemenyi_q(40, 0.05) == pytest.approx(sps.studentized_range.ppf(0.95, 40, np.inf) / math.sqrt(2))  # beyond the table


def test_ranks_with_nan_free_random_ties_match_scipy_rankdata() -> None:
    x = np.random.default_rng(7).integers(0, 4, size=(500, 9)).astype(float)
    np.testing.assert_array_equal(S.rank_rows(x), sps.rankdata(x, axis=1))


def test_critical_difference_formula() -> None:
    # Demšar's example: k = 4 classifiers on N = 14 data sets, CD = 2.569 * sqrt(4*5 / (6*14)) = 1.25
    assert S.critical_difference(4, 14) == pytest.approx(2.569 * math.sqrt(20 / 84), abs=2e-3)
    assert S.critical_difference(4, 14) == pytest.approx(1.25, abs=5e-3)
    for k, n in [(3, 10), (5, 100), (10, 24)]:
        assert S.critical_difference(k, n) == pytest.approx(S.nemenyi_q(k) * math.sqrt(k * (k + 1) / (6 * n)))


def test_cliques_join_only_close_ranks() -> None:
    assert S.cliques({"a": 1.0, "b": 1.4, "c": 2.2, "d": 2.5}, cd=1.0) == [["a", "b"], ["b", "c"], ["c", "d"]]
    assert S.cliques({"a": 1.0, "b": 1.4, "c": 1.9, "d": 2.5}, cd=1.0) == [["a", "b", "c"], ["c", "d"]]
    assert S.cliques({"a": 1.0, "b": 3.0}, cd=1.0) == []


def per_run_table(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(15):
        for j, opt in enumerate(["a", "b", "c"]):
            for s in (1, 2, 3):
                rows.append({"experiment": "e", "task_id": f"blackbox/x/t{t}", "task_type": "blackbox", "optimizer": opt, "seed": s,
                             "final": rng.uniform() * (1 + j), "auc": rng.uniform()})
    rows.append({"experiment": "e", "task_id": "blackbox/x/only_a", "task_type": "blackbox", "optimizer": "a", "seed": 1, "final": 0.0, "auc": 0.0})
    return pd.DataFrame(rows)


def test_ranks_per_task_average_seeds_then_rank_complete_tasks() -> None:
    per_run = per_run_table()
    ranks = R.ranks_per_task(per_run, "final")
    assert "blackbox/x/only_a" not in set(ranks["task_id"])  # incomplete block left out
    means = per_run[per_run["task_id"] != "blackbox/x/only_a"].groupby(["task_id", "optimizer"])["final"].mean().unstack()
    expected = pd.DataFrame(np.vstack([sps.rankdata(r) for r in means.to_numpy()]), index=means.index, columns=means.columns)
    got = ranks.pivot(index="task_id", columns="optimizer", values="rank")
    pd.testing.assert_frame_equal(got, expected, check_names=False)
    avg = R.average_ranks(ranks, n_boot=300).set_index("optimizer")
    for opt in "abc":
        assert avg.loc[opt, "mean_rank"] == pytest.approx(expected[opt].mean())
        assert avg.loc[opt, "ci_low"] <= avg.loc[opt, "mean_rank"] <= avg.loc[opt, "ci_high"]
        assert avg.loc[opt, "n_tasks"] == 15
    cd = R.critical_differences(per_run, "final")["blackbox"]
    ref = sps.friedmanchisquare(*means.to_numpy().T)
    assert cd.statistic == pytest.approx(ref.statistic) and cd.p_value == pytest.approx(ref.pvalue)
    assert cd.cd == pytest.approx(S.critical_difference(3, 15)) and cd.n_tasks == 15


def test_rank_over_budget_at_each_fraction() -> None:
    rows = []
    for t in range(4):
        for opt, curve in (("fast", [1.0, 0.2, 0.2]), ("slow", [1.0, 0.6, 0.1])):
            for frac, v in zip([0.0, 0.5, 1.0], curve):
                rows.append({"experiment": "e", "task_id": f"t{t}", "task_type": "blackbox", "optimizer": opt, "seed": 1, "budget_fraction": frac, "incumbent": v})
    rob = R.rank_over_budget(pd.DataFrame(rows)).set_index(["budget_fraction", "optimizer"])["mean_rank"]
    assert rob[(0.0, "fast")] == 1.5 and rob[(0.5, "fast")] == 1.0 and rob[(1.0, "fast")] == 2.0


def test_summarize_means_over_tasks_of_seed_means() -> None:
    per_run = per_run_table()
    summary = P.summarize(per_run, "final", n_boot=200).set_index("optimizer")
    per_task = per_run.groupby(["task_id", "optimizer"])["final"].mean().reset_index()
    for opt in "abc":
        assert summary.loc[opt, "mean"] == pytest.approx(per_task[per_task["optimizer"] == opt]["final"].mean())
