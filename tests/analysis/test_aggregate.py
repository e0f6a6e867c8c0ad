"""rliable aggregates: the input matrices, and every output against rliable's own metrics or a direct numpy computation."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rliable")

from carps.analysis import aggregate  # noqa: E402


def per_run(n_tasks: int = 12, seeds: int = 3, seed: int = 0) -> pd.DataFrame:
    """Three optimizers of different strength; scores rounded so that ties occur."""
    rng = np.random.default_rng(seed)
    rows = [
        ("blackbox", f"blackbox/t{t:02d}", opt, s, round(float(rng.uniform() ** (1 + i)), 1))
        for t in range(n_tasks) for i, opt in enumerate(("a", "b", "c")) for s in range(1, seeds + 1)
    ]
    return pd.DataFrame(rows, columns=["task_type", "task_id", "optimizer", "seed", "final"])


def test_score_tensor_keeps_complete_tasks_and_the_common_seeds() -> None:
    frame = per_run(4, 3)
    frame = frame[~((frame["task_id"] == "blackbox/t00") & (frame["optimizer"] == "c"))]  # c never ran t00
    frame = frame[~((frame["task_id"] == "blackbox/t01") & (frame["optimizer"] == "a") & (frame["seed"] == 3))]
    optimizers, tasks, scores = aggregate.score_tensor(frame, "blackbox")
    assert optimizers == ["a", "b", "c"] and tasks == ["blackbox/t01", "blackbox/t02", "blackbox/t03"]
    assert scores.shape == (2, 3, 3) and np.isfinite(scores).all()
    expected = frame.set_index(["task_id", "optimizer", "seed"])["final"]
    assert scores[1, 2, 1] == expected[("blackbox/t03", "b", 2)]  # second seed, third task, optimizer b


def test_iqm_median_mean_match_rliable_and_numpy() -> None:
    _, metrics = aggregate.load_rliable()
    frame = per_run()
    optimizers, _, scores = aggregate.score_tensor(frame, "blackbox")
    state = np.random.get_state()[1].copy()
    est = aggregate.interval_estimates(frame, reps=300).set_index("optimizer")
    assert np.array_equal(np.random.get_state()[1], state)  # the caller's global random state is left alone
    assert list(est.columns[:3]) == ["task_type", "n_tasks", "n_runs"] and len(est) == 3
    for j, opt in enumerate(optimizers):
        x = scores[:, :, j]
        flat = np.sort(x.ravel())
        cut = len(flat) // 4  # 36 runs: drop 9 at each end
        assert est.loc[opt, "iqm"] == pytest.approx(flat[cut:-cut].mean(), abs=1e-12)
        assert est.loc[opt, "iqm"] == pytest.approx(metrics.aggregate_iqm(x), abs=1e-12)
        assert est.loc[opt, "median"] == pytest.approx(np.median(x.mean(axis=0)))
        assert est.loc[opt, "mean"] == pytest.approx(x.mean())
        for stat in ("iqm", "median", "mean"):
            assert est.loc[opt, f"{stat}_low"] <= est.loc[opt, stat] + 1e-12 <= est.loc[opt, f"{stat}_high"] + 2e-12
    assert est["iqm_high"].gt(est["iqm_low"]).all()
    again = aggregate.interval_estimates(frame, reps=300)
    assert again.set_index("optimizer")["iqm_low"].equals(est["iqm_low"])  # seeded: reproducible


def test_one_seed_resamples_tasks() -> None:
    est = aggregate.interval_estimates(per_run(seeds=1), reps=200)
    assert (est["n_runs"] == 1).all() and (est["iqm_high"] > est["iqm_low"]).all()


def test_performance_profile_is_the_share_of_runs_below_each_threshold() -> None:
    frame = per_run()
    optimizers, _, scores = aggregate.score_tensor(frame, "blackbox")
    prof = aggregate.performance_profiles(frame, thresholds=[0.0, 0.1, 0.5, 1.0], reps=200)
    assert len(prof) == 3 * 4
    for j, opt in enumerate(optimizers):
        p = prof[prof["optimizer"] == opt]
        assert p["fraction"].to_numpy() == pytest.approx([(scores[:, :, j] <= t).mean() for t in (0.0, 0.1, 0.5, 1.0)])
        assert (p["ci_low"] <= p["fraction"] + 1e-12).all() and (p["fraction"] <= p["ci_high"] + 1e-12).all()
    assert prof[prof["threshold"] == 1.0]["fraction"].eq(1.0).all()


def test_probability_of_improvement_matches_rliable() -> None:
    _, metrics = aggregate.load_rliable()
    frame = per_run()
    optimizers, _, scores = aggregate.score_tensor(frame, "blackbox")
    poi = aggregate.probability_of_improvement(frame, reps=200).set_index(["x", "y"])
    assert len(poi) == 6
    for i, x in enumerate(optimizers):
        for j, y in enumerate(optimizers):
            if i != j:
                # rliable: higher is better, so regrets enter negated
                assert poi.loc[(x, y), "probability"] == pytest.approx(metrics.probability_of_improvement(-scores[:, :, i], -scores[:, :, j]))
                assert poi.loc[(x, y), "probability"] + poi.loc[(y, x), "probability"] == pytest.approx(1.0)
                assert poi.loc[(x, y), "ci_low"] <= poi.loc[(x, y), "probability"] <= poi.loc[(x, y), "ci_high"]
    assert poi.loc[("c", "a"), "probability"] > 0.5  # c (uniform ** 3) ends lower than a (uniform)


def test_loading_rliable_leaves_arch_importable_as_usual() -> None:
    aggregate.load_rliable()
    assert "rliable.library" in sys.modules
    arch = sys.modules.get("arch")
    assert arch is None or hasattr(arch, "__file__")  # never the bare package entry used while importing


def test_analyze_fills_the_robust_tables(toy_analysis) -> None:
    r = toy_analysis
    assert set(r.interval_estimates["task_type"]) == set(r.task_types)
    assert set(r.improvement["task_type"]) == {"blackbox", "multiobjective"}  # task types with two optimizers
    corr = r.correlation["blackbox"]
    from scipy.stats import spearmanr

    from carps.analysis.ranking import score_matrix

    mat = score_matrix(r.per_run, "blackbox")
    assert corr.loc["random", "optuna/tpe"] == pytest.approx(spearmanr(mat["random"], mat["optuna/tpe"]).statistic)
