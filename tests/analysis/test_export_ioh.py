"""IOHprofiler export: hand-made runs written out, then read back by iohinspector (as IOHanalyzer would) and by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from carps.analysis.export_ioh import export_ioh
from carps.analysis.gather import load_experiment
from carps.cli.main import main as carps_main

from tests.analysis.conftest import record, write_run

MIN_TASK, MAX_TASK, MF_TASK = "blackbox/toy/f_d3", "blackbox/toy/acc", "multifidelity/toy/mf"


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    exp = tmp_path_factory.mktemp("results") / "ioh"
    # minimized; the first trial crashed, so the run's first row carries inf
    write_run(exp, MIN_TASK, "opt/a", 1, [record(0, None, 1.0, "crashed"), record(1, {"y": 5.0}, 2.0), record(2, {"y": 3.0}, 3.0),
                                         record(3, {"y": 4.0}, 4.0)], budget=4)
    write_run(exp, MIN_TASK, "opt/a", 2, [record(0, {"y": 2.0}, 1.0), record(1, {"y": 2.5}, 2.0)], budget=4)
    write_run(exp, MIN_TASK, "opt/b", 1, [record(0, {"y": 1.0}, 1.0)], budget=4)
    write_run(exp, MIN_TASK, "opt/b", 2, [record(0, None, 1.0, "crashed")], budget=4)  # no success: left out
    # maximized accuracy
    write_run(exp, MAX_TASK, "opt/a", 1, [record(0, {"acc": 0.5}, 1.0), record(1, {"acc": 0.7}, 2.0), record(2, {"acc": 0.6}, 3.0)],
              objectives=({"name": "acc", "minimize": False, "lower": 0.0, "upper": 1.0},), budget=3)
    # multi-fidelity: the low-fidelity trial is no incumbent (inf), budget_used counts fidelity / max
    write_run(exp, MF_TASK, "opt/a", 1, [record(0, {"loss": 0.1}, 1 / 3, fidelity=1), record(1, {"loss": 0.4}, 4 / 3, fidelity=3),
                                        record(2, {"loss": 0.3}, 7 / 3, fidelity=3)],
              objectives=({"name": "loss", "minimize": True},), fidelity={"name": "epochs", "low": 1, "high": 3}, budget=3)
    write_run(exp, "multiobjective/toy/zdt", "opt/a", 1, [record(0, {"f1": 1.0, "f2": 2.0}, 1.0)],
              objectives=({"name": "f1", "minimize": True}, {"name": "f2", "minimize": True}), budget=1)
    return exp


def blocks(dat: Path) -> list[list[tuple[float, ...]]]:
    """The runs of a .dat file, split at header lines as IOHanalyzer splits them."""
    runs: list[list[tuple[float, ...]]] = []
    for line in dat.read_text().splitlines():
        if line.startswith("evaluations"):
            runs.append([])
        else:
            runs[-1].append(tuple(float(v) for v in line.split()))
    return runs


def test_export_layout_and_values(experiment: Path, tmp_path: Path) -> None:
    trials, runs = load_experiment(experiment)
    summary = export_ioh(trials, runs, tmp_path, {MIN_TASK: 3})
    assert summary["functions"] == 3 and summary["runs"] == 5 and summary["skipped_runs"] == 1
    assert summary["skipped_tasks"] == ["multiobjective/toy/zdt"] and [p.name for p in summary["folders"]] == ["opt_a", "opt_b"]
    # function ids number the tasks in sorted order, the same in every optimizer's folder
    meta = json.loads((tmp_path / "opt_a" / "IOHprofiler_f2_blackbox_toy_f_d3.json").read_text())
    assert meta["function_id"] == 2 and meta["maximization"] is False and meta["algorithm"]["name"] == "opt/a"
    assert meta["attributes"] == ["evaluations", "raw_y", "budget_used"]
    scenario = meta["scenarios"][0]
    assert scenario["dimension"] == 3 and scenario["path"] == "data_f2_blackbox_toy_f_d3/IOHprofiler_f2_DIM3.dat"
    assert [r["evals"] for r in scenario["runs"]] == [4, 2] and [r["best"]["y"] for r in scenario["runs"]] == [3.0, 2.0]
    assert [r["best"]["evals"] for r in scenario["runs"]] == [3, 1]
    assert blocks(tmp_path / "opt_a" / scenario["path"]) == [
        [(1, np.inf, 1), (2, 5, 2), (3, 3, 3), (4, 4, 4)],  # first, improvements, last
        [(1, 2, 1), (2, 2.5, 2)],
    ]
    assert (tmp_path / "opt_b" / "IOHprofiler_f2_blackbox_toy_f_d3.json").exists()
    acc = json.loads((tmp_path / "opt_a" / "IOHprofiler_f1_blackbox_toy_acc.json").read_text())
    assert acc["maximization"] is True and acc["scenarios"][0]["runs"][0]["best"] == {"evals": 2, "y": 0.7, "x": []}
    assert blocks(tmp_path / "opt_a" / acc["scenarios"][0]["path"]) == [[(1, 0.5, 1), (2, 0.7, 2), (3, 0.6, 3)]]
    mf = json.loads((tmp_path / "opt_a" / "IOHprofiler_f3_multifidelity_toy_mf.json").read_text())
    rows = blocks(tmp_path / "opt_a" / mf["scenarios"][0]["path"])[0]
    assert [r[:2] for r in rows] == [(1, np.inf), (2, 0.4), (3, 0.3)] and rows[-1][2] == pytest.approx(7 / 3)


def test_iohinspector_reads_the_export_back(experiment: Path, tmp_path: Path) -> None:
    iohinspector = pytest.importorskip("iohinspector")
    trials, runs = load_experiment(experiment)
    summary = export_ioh(trials, runs, tmp_path)
    manager = iohinspector.DataManager()
    for folder in summary["folders"]:
        manager.add_folder(str(folder))
    overview = manager.overview.sort(["algorithm_name", "function_id", "run_id"])
    assert overview.height == summary["runs"] == 5
    assert overview["algorithm_name"].to_list() == ["opt/a"] * 4 + ["opt/b"]
    assert overview["best_y"].to_list() == [0.7, 3.0, 2.0, 0.3, 1.0]
    data = manager.load(monotonic=False, include_meta_data=True)
    a = data.filter((data["algorithm_name"] == "opt/a") & (data["function_id"] == 2)).sort(["run_id", "evaluations"])
    assert a["evaluations"].to_list() == [1, 2, 3, 4, 1, 2]  # two runs, told apart where evaluations restart at 1
    assert a["raw_y"].to_list() == [np.inf, 5.0, 3.0, 4.0, 2.0, 2.5]


def test_cli_export(experiment: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "ioh"
    assert carps_main(["export", f"experiment={experiment.name}", f"results_dir={experiment.parent}", "optimizer=opt/a", f"out={out}"]) == 0
    text = capsys.readouterr().out
    assert f"wrote 4 runs of 3 tasks for 1 optimizers to {out}" in text and "left out 1 multi-objective tasks" in text
    assert sorted(p.name for p in out.iterdir()) == ["opt_a"]
    assert carps_main(["export", f"experiment={experiment.name}", f"results_dir={experiment.parent}", "format=coco"]) == 2
    assert "format must be one of ioh" in capsys.readouterr().err
