"""LR-free baselines and the calibrated default: one full-fidelity trial per seed, then the run ends."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from carps.benchmarks.nn import make_nn_task  # noqa: E402
from carps.benchmarks.nn.algorithms import LRFREE  # noqa: E402
from carps.core.errors import CarpsError, UnsupportedTaskError  # noqa: E402
from carps.core.loop import run_trials  # noqa: E402
from carps.core.records import MemorySink  # noqa: E402
from carps.core.registry import get_registry  # noqa: E402
from carps.core.task import ALGORITHM_KEY  # noqa: E402
from carps.core.types import Budget, TaskType  # noqa: E402
from carps.optimizers import create  # noqa: E402
from carps.optimizers.lrfree import CalibratedDefault, LRFreeBaseline  # noqa: E402


@pytest.fixture(scope="module")
def task():
    return make_nn_task("cancer_mlp", TaskType.BLACKBOX, device="cpu")


@pytest.mark.parametrize("name", sorted(LRFREE))
def test_catalog_entry_spends_one_trial_and_stops(task, name: str) -> None:
    entry = get_registry().optimizer(f"lrfree/{name}")
    opt = entry.load_class().for_task(task, seed=3, **entry.params)
    sink = MemorySink()
    summary = run_trials(task, opt, sink, Budget(n_trials=10))
    assert summary.stop_reason == "optimizer_done" and summary.n_trials == 1 and summary.budget_used == 1.0
    (record,) = sink.records
    assert record["config"] == {ALGORITHM_KEY: name} and record["seed"] == 3 and record["status"] == "ok"
    assert record["info"]["algorithm"] == name
    assert record["info"]["valid_loss"] < record["info"]["initial_valid_loss"]


def test_multifidelity_baseline_runs_at_full_fidelity() -> None:
    mf = make_nn_task("cancer_mlp", TaskType.MULTIFIDELITY, device="cpu")
    opt = LRFreeBaseline.for_task(mf, seed=1, algorithm="schedulefree_adamw")
    info = opt.ask()
    assert info.fidelity == mf.fidelity.high and info.config == {ALGORITHM_KEY: "schedulefree_adamw"}


def test_baselines_refuse_tasks_without_named_algorithms() -> None:
    pytest.importorskip("ioh")
    from carps.benchmarks import get_task

    with pytest.raises(UnsupportedTaskError, match="runs no named training algorithms"):
        LRFreeBaseline.for_task(get_task("blackbox/bbob/f01_d2_i1"), seed=1, algorithm="dog")


def test_unknown_algorithm_is_refused(task) -> None:
    with pytest.raises(UnsupportedTaskError, match="has no algorithm 'adam'"):
        LRFreeBaseline.for_task(task, seed=1, algorithm="adam")


def test_lrfree_family_default_is_prodigy() -> None:
    assert get_registry().resolve_optimizer("lrfree", TaskType.BLACKBOX) == "lrfree/prodigy"


def test_calibrated_default_reads_its_workload(tmp_path: Path, task) -> None:
    from carps.optimizers.lrfree.calibration import write_calibration

    good = {"update_rule": "nadamw", "learning_rate": 0.01, "weight_decay": 0.01, "beta1": 0.9, "one_minus_beta2": 0.001, "warmup_fraction": 0.05, "schedule": "cosine"}
    doc = {"workloads": {"cancer_mlp": {"config": good}, "digits_mlp": {"config": {ALGORITHM_KEY: "dog"}}}, "all": {"config": {ALGORITHM_KEY: "prodigy"}}}
    path = write_calibration(doc, tmp_path / "calibrated.yaml")
    opt = CalibratedDefault.for_task(task, seed=2, file=str(path))
    sink = MemorySink()
    summary = run_trials(task, opt, sink, Budget(n_trials=5))
    assert summary.n_trials == 1 and summary.stop_reason == "optimizer_done"
    assert sink.records[0]["config"] == good and sink.records[0]["info"]["reached_target"]
    # without a task: the workload is named; unknown workloads fall back to the all-workload default
    bare = create("lrfree/calibrated", space=task.space, file=str(path), workload="digits_mlp")
    assert bare.ask().config == {ALGORITHM_KEY: "dog"}
    assert create("lrfree/calibrated", space=task.space, file=str(path), workload="other").ask().config == {ALGORITHM_KEY: "prodigy"}


def test_calibrated_default_without_file_says_how_to_make_one(task) -> None:
    with pytest.raises(CarpsError, match="carps calibrate experiment="):
        CalibratedDefault.for_task(task, seed=1, file=None)
    with pytest.raises(CarpsError, match="does not exist"):
        CalibratedDefault.for_task(task, seed=1, file="/nonexistent/calibrated.yaml")
