"""Normalization, incumbent trajectories, anytime AUC and bootstrap CIs on hand-made runs with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carps.analysis import normalize as N
from carps.analysis import performance as P
from carps.analysis.gather import gather
from tests.analysis.conftest import record, write_run

TASK = "blackbox/toy/t"


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Budget 4. Run A: 4, 2, 3 and stops early; run B: 8, crash, 1, 6. Known optimum 0, worst seen 8."""
    exp = tmp_path / "e"
    objs = [{"name": "y", "minimize": True, "lower": 0.0, "upper": None}]
    write_run(exp, TASK, "A", 1, [record(0, {"y": 4.0}, 1.0), record(1, {"y": 2.0}, 2.0), record(2, {"y": 3.0}, 3.0)], objs, budget=4)
    write_run(exp, TASK, "B", 1, [record(0, {"y": 8.0}, 1.0), record(1, None, 2.0, "crashed"), record(2, {"y": 1.0}, 3.0), record(3, {"y": 6.0}, 4.0)], objs, budget=4)
    return gather(exp)


def test_bounds_use_known_optimum_and_worst_seen(two_runs) -> None:
    trials, runs = two_runs
    b = N.reference_bounds(trials, runs).iloc[0]
    assert (b.best_seen, b.worst, b.known_best, b.best) == (1.0, 8.0, 0.0, 0.0)


def test_incumbent_trajectory_by_hand(two_runs) -> None:
    traj = N.incumbent_trajectories(*two_runs)
    a = traj[traj["optimizer"] == "A"]
    b = traj[traj["optimizer"] == "B"]
    np.testing.assert_allclose(a["value"], [0.5, 0.25, 0.375])
    np.testing.assert_allclose(a["incumbent"], [0.5, 0.25, 0.25])
    np.testing.assert_allclose(b["value"], [1.0, np.nan, 0.125, 0.75])
    np.testing.assert_allclose(b["incumbent"], [1.0, 1.0, 0.125, 0.125])


def test_final_and_anytime_by_hand(two_runs) -> None:
    per_run = P.per_run(N.incumbent_trajectories(*two_runs)).set_index("optimizer")
    # A: 1 on [0,.25), .5 on [.25,.5), .25 on [.5,1]  -> .25 + .125 + .125
    # B: 1 on [0,.75), .125 on [.75,1]               -> .75 + .03125
    assert per_run.loc["A", "final"] == 0.25 and per_run.loc["A", "auc"] == pytest.approx(0.5)
    assert per_run.loc["B", "final"] == 0.125 and per_run.loc["B", "auc"] == pytest.approx(0.78125)


def test_over_budget_samples_the_step_curve(two_runs) -> None:
    curves = P.over_budget(N.incumbent_trajectories(*two_runs), [0.0, 0.25, 0.5, 0.7, 1.0])
    a = curves[curves["optimizer"] == "A"]["incumbent"].tolist()
    b = curves[curves["optimizer"] == "B"]["incumbent"].tolist()
    assert a == [1.0, 0.5, 0.25, 0.25, 0.25]
    assert b == [1.0, 1.0, 1.0, 1.0, 0.125]


def test_normalized_final_performance_is_the_stable_subsets_api(two_runs) -> None:
    out = N.normalized_final_performance(*two_runs)
    assert list(out.columns) == ["task_id", "task_type", "optimizer", "seed", "final", "normalized"]
    got = out.set_index("optimizer")
    assert got.loc["A", "final"] == 2.0 and got.loc["A", "normalized"] == 0.25
    assert got.loc["B", "final"] == 1.0 and got.loc["B", "normalized"] == 0.125


def test_anytime_auc_against_numerical_integration() -> None:
    rng = np.random.default_rng(3)
    b = np.sort(rng.uniform(0.0, 1.0, 9))
    y = np.minimum.accumulate(rng.uniform(0.0, 1.0, 9))
    fine = np.linspace(0.0, 1.0, 200001)[:-1] + 0.5 / 200000  # midpoints
    idx = np.searchsorted(b, fine, side="right") - 1
    curve = np.where(idx >= 0, y[np.maximum(idx, 0)], 1.0)
    assert P.anytime_auc(b, y, np.zeros(9, dtype=int))[0] == pytest.approx(curve.mean(), abs=1e-4)


def test_maximized_objective_uses_upper_bound(tmp_path: Path) -> None:
    objs = [{"name": "acc", "minimize": False, "lower": 0.0, "upper": 1.0}]
    write_run(tmp_path / "e", TASK, "A", 1, [record(0, {"acc": 0.5}, 1.0), record(1, {"acc": 0.75}, 2.0)], objs, budget=2)
    write_run(tmp_path / "e", TASK, "B", 1, [record(0, {"acc": 0.0}, 1.0), record(1, {"acc": 0.25}, 2.0)], objs, budget=2)
    out = N.normalized_final_performance(*gather(tmp_path / "e")).set_index("optimizer")
    # costs -acc; best = -1 (known), worst = 0 -> regret = 1 - acc
    assert out.loc["A", "final"] == -0.75 and out.loc["A", "normalized"] == pytest.approx(0.25)
    assert out.loc["B", "normalized"] == pytest.approx(0.75)


def test_multi_fidelity_incumbents_only_at_top_fidelity(tmp_path: Path) -> None:
    fid = {"name": "epochs", "low": 1, "high": 9, "log": False}
    recs = [record(0, {"y": 0.1}, 1 / 9, fidelity=1), record(1, {"y": 0.5}, 10 / 9, fidelity=9), record(2, {"y": 0.05}, 11 / 9, fidelity=1), record(3, {"y": 0.3}, 2.0 + 1 / 9, fidelity=9)]
    write_run(tmp_path / "e", "multifidelity/toy/mf", "A", 1, recs, budget=3, fidelity=fid)
    write_run(tmp_path / "e", "multifidelity/toy/mf", "B", 1, [record(0, {"y": 0.9}, 1.0, fidelity=9)], budget=3, fidelity=fid)
    trials, runs = gather(tmp_path / "e")
    traj = N.incumbent_trajectories(trials, runs)
    a = traj[traj["optimizer"] == "A"]
    # bounds from top-fidelity trials only: best .3, worst .9; low-fidelity trials never become incumbents
    np.testing.assert_allclose(a["incumbent"], [1.0, 1 / 3, 1 / 3, 0.0])
    final = N.normalized_final_performance(trials, runs).set_index("optimizer")
    assert final.loc["A", "final"] == 0.3


def test_bootstrap_ci_is_deterministic_and_covers_the_mean() -> None:
    x = np.random.default_rng(0).normal(size=50)
    m, lo, hi = P.bootstrap_ci(x, seed=1)
    assert lo < m < hi and m == pytest.approx(x.mean())
    assert P.bootstrap_ci(x, seed=1) == (m, lo, hi)
    # the CI of a mean shrinks like 1/sqrt(n): ~ 2 * 1.96 / sqrt(50) wide for unit variance
    assert 0.35 < hi - lo < 0.75
    assert P.bootstrap_ci(np.array([2.0])) == (2.0, 2.0, 2.0)


def test_aggregate_over_budget_means_seed_means_over_tasks() -> None:
    rows = []
    for t, (s1, s2) in enumerate([(0.2, 0.4), (0.6, 0.6), (0.1, 0.3)]):
        for seed, final in ((1, s1), (2, s2)):
            for frac, v in ((0.0, 1.0), (0.5, 0.8), (1.0, final)):
                rows.append({"experiment": "e", "task_id": f"t{t}", "task_type": "blackbox", "optimizer": "o", "seed": seed, "budget_fraction": frac, "incumbent": v})
    agg = P.aggregate_over_budget(pd.DataFrame(rows), n_boot=500).set_index("budget_fraction")
    assert agg.loc[0.0, "mean"] == 1.0 and agg.loc[0.5, "mean"] == pytest.approx(0.8)
    assert agg.loc[1.0, "mean"] == pytest.approx((0.3 + 0.6 + 0.2) / 3)
    assert agg.loc[1.0, "ci_low"] >= 0.2 - 1e-12 and agg.loc[1.0, "ci_high"] <= 0.6 + 1e-12  # resampled task means stay in range
    assert agg.loc[0.0, "ci_low"] == agg.loc[0.0, "ci_high"] == 1.0


def test_row_order_does_not_matter(two_runs) -> None:
    trials, runs = two_runs
    shuffled = trials.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = P.per_run(N.incumbent_trajectories(trials, runs)).sort_values("optimizer").reset_index(drop=True)
    b = P.per_run(N.incumbent_trajectories(shuffled, runs)).sort_values("optimizer").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
