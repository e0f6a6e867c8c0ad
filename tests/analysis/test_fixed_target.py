"""Fixed-target views on a case small enough to compute by hand: ERT, success rate, runtime ECDF, fixed-budget quantiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carps.analysis import fixed_target


def trajectories() -> pd.DataFrame:
    """Optimizer a: three runs of one task (the third stopped at half its budget); optimizer b: one run."""
    runs = [
        ("a", 1, [1 / 3, 2 / 3, 1.0], [0.5, 0.05, 0.0]),
        ("a", 2, [1 / 3, 2 / 3, 1.0], [0.8, 0.8, 0.2]),
        ("a", 3, [0.25, 0.5], [0.3, 0.08]),
        ("b", 1, [0.5, 1.0], [0.9, 0.4]),
    ]
    rows = [
        {"experiment": "e", "task_id": "blackbox/toy/t", "task_type": "blackbox", "optimizer": opt, "seed": seed, "run": i,
         "trial": j, "budget_fraction": b, "incumbent": y}
        for i, (opt, seed, bs, ys) in enumerate(runs) for j, (b, y) in enumerate(zip(bs, ys))
    ]
    return pd.DataFrame(rows)


def test_ert_and_success_rate_by_hand() -> None:
    runs = pd.DataFrame({"task_id": ["blackbox/toy/t"], "budget": [12.0]})
    table = fixed_target.ert_table(trajectories(), runs, targets=[0.5, 0.1, 0.01]).set_index(["optimizer", "target"])
    a = table.loc["a"]
    # target 0.5: all three runs, at 1/3, 1 and 1/4 of their budget
    assert a.loc[0.5, "success_rate"] == 1.0 and a.loc[0.5, "ert"] == pytest.approx((1 / 3 + 1.0 + 0.25) / 3)
    # target 0.1: runs 1 (at 2/3) and 3 (at 1/2); run 2 spends its whole budget for nothing
    assert a.loc[0.1, "successes"] == 2 and a.loc[0.1, "ert"] == pytest.approx((2 / 3 + 1.0 + 0.5) / 2)
    # target 0.01: only run 1 (at 1); run 3 counts the half budget it used
    assert a.loc[0.01, "success_rate"] == pytest.approx(1 / 3) and a.loc[0.01, "ert"] == pytest.approx(2.5)
    assert a.loc[0.01, "ert_evals"] == pytest.approx(2.5 * 12)
    b = table.loc["b"]
    assert b.loc[0.5, "ert"] == pytest.approx(1.0) and np.isinf(b.loc[0.1, "ert"]) and b.loc[0.1, "success_rate"] == 0.0
    # pooled over tasks: one task here, so the same numbers
    pooled = fixed_target.ert_summary(trajectories(), targets=[0.1]).set_index("optimizer")
    assert pooled.loc["a", "ert"] == pytest.approx(a.loc[0.1, "ert"]) and pooled.loc["a", "runs"] == 3


def test_hitting_times_are_first_hits() -> None:
    hits = fixed_target.hitting_times(trajectories(), targets=[0.1])
    assert hits["runtime"].tolist()[:1] == [pytest.approx(2 / 3)] and np.isnan(hits["runtime"].iloc[1])
    assert hits["hit"].tolist() == [True, False, True, False] and hits["length"].tolist() == [1.0, 1.0, 0.5, 1.0]


def test_runtime_ecdf_by_hand() -> None:
    ecdf = fixed_target.runtime_ecdf(trajectories(), targets=[0.5, 0.1], grid=[0.3, 0.6, 1.0], n_boot=50)
    a = ecdf[ecdf["optimizer"] == "a"]
    # shares of the two targets reached per run: run 1 [0, 1/2, 1], run 2 [0, 0, 1/2], run 3 [1/2, 1, 1]
    assert a["fraction"].to_numpy() == pytest.approx([0.5 / 3, 1.5 / 3, 2.5 / 3])
    assert (a["ci_low"] == a["fraction"]).all() and (a["ci_high"] == a["fraction"]).all()  # one task: no spread
    assert ecdf[ecdf["optimizer"] == "b"]["fraction"].tolist() == [0.0, 0.0, 0.5]


def test_runtime_ecdf_band_over_tasks_holds_the_mean(toy_analysis) -> None:
    ecdf = toy_analysis.runtime_ecdf
    assert set(ecdf["task_type"]) == {"blackbox", "multifidelity", "multiobjective", "momf"}
    assert ((ecdf["ci_low"] <= ecdf["fraction"] + 1e-12) & (ecdf["fraction"] <= ecdf["ci_high"] + 1e-12)).all()
    for _, g in ecdf.groupby(["task_type", "optimizer"]):
        assert np.all(np.diff(g.sort_values("budget_fraction")["fraction"].to_numpy()) >= -1e-12)  # an ECDF never falls


def test_fixed_budget_quantiles_match_numpy(toy_analysis) -> None:
    curves = toy_analysis.curves
    q = fixed_target.fixed_budget_quantiles(curves)
    assert [c for c in q.columns if c.startswith("q")] == ["q02", "q05", "q10", "q25", "q50", "q75", "q90", "q95", "q98"]
    row = q[(q["task_type"] == "blackbox") & (q["optimizer"] == "random") & np.isclose(q["budget_fraction"], 0.5)].iloc[0]
    values = curves[(curves["task_type"] == "blackbox") & (curves["optimizer"] == "random") & np.isclose(curves["budget_fraction"], 0.5)]["incumbent"]
    assert row["n_runs"] == len(values) == 6
    assert [row["q02"], row["q50"], row["q98"]] == pytest.approx(np.quantile(values, [0.02, 0.5, 0.98]).tolist())
    per_task = fixed_target.fixed_budget_quantiles(curves, by=("task_type", "task_id"))
    assert (per_task["n_runs"] == 2).all()  # two seeds per task and optimizer
