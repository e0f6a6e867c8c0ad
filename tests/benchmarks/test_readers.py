"""Readers of HPOBench tabular files and HPO-B's meta-dataset, on small files written in the real formats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from carps.benchmarks.hpob import HPOB
from carps.benchmarks.hpobench_tabular import HPOBenchTabular
from carps.core.errors import CarpsError

from reader_files import SEEDS, _acc, write_hpob_files, write_hpobench_files


@pytest.fixture
def hpobench_dir(tmp_path: Path) -> Path:
    return write_hpobench_files(tmp_path)


@pytest.fixture
def hpob_dir(tmp_path: Path) -> Path:
    return write_hpob_files(tmp_path)


def test_hpobench_tasks_answer_from_the_table(hpobench_dir: Path) -> None:
    family = HPOBenchTabular(data_dir=str(hpobench_dir))
    assert family.task_ids() == [
        "blackbox/hpobench/xgb_31", "multifidelity/hpobench/xgb_31", "multiobjective/hpobench/xgb_31_cost", "momf/hpobench/xgb_31_cost",
    ]
    task = family.get_task("blackbox/hpobench/xgb_31")
    value = task.evaluate({"eta": 0.1, "max_depth": 5}).objectives[0]
    expected = np.mean([1 - _acc(0.1, 5, 100, 1.0, s, "val") for s in SEEDS])
    assert value == pytest.approx(expected, rel=1e-6)

    mf = family.get_task("multifidelity/hpobench/xgb_31")
    assert (mf.fidelity.name, mf.fidelity.low, mf.fidelity.high) == ("iter", 10, 100)
    snapped = mf.evaluate({"eta": 0.1, "max_depth": 5}, fidelity=50)  # recorded: 10, 30, 100 -> uses 30
    assert snapped.objectives[0] == pytest.approx(np.mean([1 - _acc(0.1, 5, 30, 1.0, s, "val") for s in SEEDS]), rel=1e-6)
    assert snapped.info["fidelity_used"]["iter"] == 30

    mo = family.get_task("momf/hpobench/xgb_31_cost")
    assert mo.objective_names == ("val_error", "cost")
    assert mo.evaluate({"eta": 0.001, "max_depth": 1}, fidelity=10).objectives[1] == pytest.approx(10 * 1.0 * 0.01)


def test_hpobench_rejects_configs_off_the_grid(hpobench_dir: Path) -> None:
    task = HPOBenchTabular(data_dir=str(hpobench_dir)).get_task("blackbox/hpobench/xgb_31")
    with pytest.raises(ValueError, match="eta"):
        task.evaluate({"eta": 0.05, "max_depth": 5})


def test_hpobench_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARPS_HPOBENCH_DATA", raising=False)
    assert HPOBenchTabular().task_ids() == []
    with pytest.raises(CarpsError, match="CARPS_HPOBENCH_DATA.*HPOBench"):
        HPOBenchTabular().get_task("blackbox/hpobench/xgb_31")
    with pytest.raises(CarpsError, match="does not exist; download"):
        HPOBenchTabular(data_dir=str(tmp_path / "missing")).task_ids()


def test_hpob_tasks_answer_with_the_nearest_recorded_point(hpob_dir: Path) -> None:
    family = HPOB(data_dir=str(hpob_dir))
    assert family.task_ids() == ["blackbox/hpob/4796_145833", "blackbox/hpob/5971_3954", "blackbox/hpob/5971_10093"]
    task = family.get_task("blackbox/hpob/5971_10093")
    entry = json.loads((hpob_dir / "meta-test-dataset.json").read_text())["5971"]["10093"]
    assert len(task.space) == 4 and not task.objectives[0].minimize
    for k in (0, 7, 29):
        exact = task.evaluate({f"x{j}": entry["X"][k][j] for j in range(4)})
        assert exact.objectives[0] == entry["y"][k][0] and exact.info["index"] == k
        nudged = task.evaluate({f"x{j}": min(1.0, entry["X"][k][j] + 1e-4) for j in range(4)})
        assert nudged.info["index"] == k
    batch = task.evaluate_batch([{f"x{j}": entry["X"][k][j] for j in range(4)} for k in range(5)])
    assert [r.objectives[0] for r in batch] == [entry["y"][k][0] for k in range(5)]


def test_hpob_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARPS_HPOB_DATA", raising=False)
    assert HPOB().task_ids() == []
    with pytest.raises(CarpsError, match="CARPS_HPOB_DATA.*HPO-B"):
        HPOB().get_task("blackbox/hpob/5971_10093")
    with pytest.raises(CarpsError, match="meta-test-dataset.json is missing"):
        HPOB(data_dir=str(tmp_path)).task_ids()
