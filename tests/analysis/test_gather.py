"""The load step: the fast Arrow reader gives exactly what the plain record reader gives."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carps.analysis import gather as G
from carps.core.errors import CarpsError
from carps.core.records import read_trials

from tests.analysis.conftest import record, write_run

TWO = [{"name": "err", "minimize": True, "lower": 0.0, "upper": None}, {"name": "acc", "minimize": False, "lower": 0.0, "upper": 1.0}]


def reference_rows(exp_dir: Path) -> pd.DataFrame:
    """The tidy trial table built the slow, obvious way from carps.core.records."""
    import json

    rows = []
    for run_file in G.iter_run_files(exp_dir):
        run = json.loads(run_file.read_text())
        spec, objs = run["run"], run["task"]["objectives"]
        for rec in read_trials(run_file.parent / "trials.jsonl"):
            row = {"task_id": spec["task"], "optimizer": spec["optimizer"], "seed": spec["seed"], "trial": rec["trial"], "status": rec["status"],
                   "fidelity": np.nan if rec["fidelity"] is None else float(rec["fidelity"]), "budget_used": rec["budget_used"],
                   "budget_fraction": rec["budget_used"] / run["budget"]["n_trials"], "wall_time": rec["wall_time"], "started_at": rec["started_at"]}
            for i, o in enumerate(objs):
                v = (rec["objectives"] or {}).get(o["name"]) if rec["status"] == "ok" else None
                row[f"cost_{i}"] = np.nan if v is None else (float(v) if o["minimize"] else -float(v))
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """Runs with failures, NaN objectives, a maximized objective, fidelities, a torn line and an empty run."""
    exp = tmp_path / "messy"
    write_run(exp, "blackbox/bbob/f01_d2_i1", "random", 1,
              [record(0, {"y": 3.25}, 1.0), record(1, None, 2.0, "crashed"), record(2, {"y": float("nan")}, 3.0, "invalid"), record(3, {"y": 1}, 4.0)],
              objectives=[{"name": "y", "minimize": True, "lower": 0.5, "upper": None}], budget=4,
              raw_tail='{"trial": 4, "config": {"x": 0.5}, "obj')  # killed mid-write
    write_run(exp, "blackbox/bbob/f01_d2_i1", "optuna/tpe", 1, [record(i, {"y": 10.0 / (i + 1)}, i + 1.0) for i in range(4)], budget=4)
    write_run(exp, "momf/toy/t", "random", 2,
              [record(0, {"err": 0.3, "acc": 0.7}, 1 / 3, fidelity=3), record(1, {"err": 0.2, "acc": float("inf")}, 2 / 3, "invalid", fidelity=3),
               record(2, {"err": 0.1, "acc": 0.95}, 5 / 3, fidelity=9)],
              objectives=TWO, budget=2, fidelity={"name": "epochs", "low": 1, "high": 9, "log": False})
    write_run(exp, "blackbox/bbob/f02_d2_i1", "random", 1, [], budget=4, status="running")
    return exp


def test_fast_reader_equals_plain_reader(messy: Path) -> None:
    trials, runs = G.gather(messy)
    ref = reference_rows(messy)
    assert len(trials) == len(ref) == 11
    got = trials[ref.columns].astype({c: object for c in ("task_id", "optimizer", "status")})
    pd.testing.assert_frame_equal(got.reset_index(drop=True), ref, check_dtype=False)
    assert list(trials.columns[:6]) == ["experiment", "task_id", "task_type", "family", "optimizer", "seed"]
    assert set(runs["status"].astype(str)) == {"done", "running"} and len(runs) == 4
    momf = trials[trials["task_type"] == "momf"]
    assert momf["cost_1"].tolist()[0] == -0.7 and math.isnan(momf["cost_1"].tolist()[1])  # maximized, then invalid


def test_python_fallback_gives_the_same_table(messy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, _ = G.gather(messy)
    monkeypatch.setattr(G, "_parse_arrow", lambda *args: None)
    slow, _ = G.gather(messy)
    pd.testing.assert_frame_equal(fast, slow)


def test_many_runs_over_several_buffers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(G, "_CHUNK_BYTES", 2000)  # force many Arrow buffers
    monkeypatch.setattr(G, "_BATCH", 2)
    exp = tmp_path / "many"
    rng = np.random.default_rng(0)
    for t in range(6):
        for seed in (1, 2, 3):
            write_run(exp, f"blackbox/bbob/f{t:02d}_d2_i1", "random", seed, [record(i, {"y": float(rng.normal())}, i + 1.0) for i in range(7)], budget=7)
    trials, _ = G.gather(exp)
    ref = reference_rows(exp)
    np.testing.assert_array_equal(trials["cost_0"].to_numpy(), ref["cost_0"].to_numpy())
    np.testing.assert_array_equal(trials["trial"].to_numpy(), ref["trial"].to_numpy())


def test_no_runs_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CarpsError, match="holds no runs"):
        G.gather(tmp_path)
    with pytest.raises(CarpsError, match="carps run experiment=nope"):
        G.experiment_dir("nope", tmp_path)


def test_parquet_cache_refreshes_when_runs_change(tmp_path: Path) -> None:
    exp = tmp_path / "e"
    write_run(exp, "blackbox/bbob/f01_d2_i1", "random", 1, [record(0, {"y": 1.0}, 1.0)], budget=1)
    trials, _ = G.load_experiment(exp)
    assert (exp / G.TRIALS_PARQUET).exists() and len(trials) == 1
    past = time.time() - 100
    os.utime(exp / G.TRIALS_PARQUET, (past, past))
    write_run(exp, "blackbox/bbob/f01_d2_i1", "random", 2, [record(0, {"y": 2.0}, 1.0)], budget=1)
    trials, runs = G.load_experiment(exp)
    assert len(trials) == 2 and len(runs) == 2
    trials2, _ = G.load_experiment(exp)  # now read back from Parquet
    pd.testing.assert_frame_equal(trials, trials2)


def test_combine_experiments_and_select(tmp_path: Path) -> None:
    write_run(tmp_path / "base", "blackbox/bbob/f01_d2_i1", "random", 1, [record(0, {"y": 1.0}, 1.0)], budget=1)
    write_run(tmp_path / "new", "blackbox/bbob/f01_d2_i1", "mine", 1, [record(0, {"y": 0.5}, 1.0)], budget=1)
    write_run(tmp_path / "new", "multiobjective/toy/z", "mine", 1, [record(0, {"f1": 0.5, "f2": 1.0}, 1.0)], budget=1,
              objectives=[{"name": "f1", "minimize": True}, {"name": "f2", "minimize": True}])
    trials, runs = G.load_experiments([tmp_path / "base", tmp_path / "new"])
    assert sorted(trials["experiment"].astype(str).unique()) == ["base", "new"]
    assert trials["optimizer"].dtype == "category" and len(trials) == 3 and "cost_1" in trials
    t, r = G.select(trials, runs, task="blackbox/*", optimizer=["mine", "rand*"])
    assert len(t) == 2 and set(r["optimizer"].astype(str)) == {"mine", "random"}
    with pytest.raises(CarpsError, match="no task matches"):
        G.select(trials, runs, task="momf/*")


def test_select_by_shipped_subset(tmp_path: Path) -> None:
    from carps.core.registry import get_registry

    names = get_registry().subset_names()
    if not names:
        pytest.skip("no shipped subsets in this checkout")
    members = get_registry().subset_tasks(names[0])
    for i, task in enumerate([members[0], "blackbox/bbob/not_in_any_subset"]):
        write_run(tmp_path / "e", task, "random", 1, [record(0, {"y": float(i)}, 1.0)], budget=1)
    trials, runs = G.gather(tmp_path / "e")
    t, r = G.select(trials, runs, task=names[0])
    assert list(r["task_id"].astype(str)) == [members[0]] and len(t) == 1
