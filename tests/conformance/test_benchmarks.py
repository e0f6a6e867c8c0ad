"""Every benchmark family passes the conformance kit; the kit itself catches broken adapters."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from ConfigSpace import ConfigurationSpace, Float

from carps.benchmarks.hpob import HPOB
from carps.benchmarks.hpobench_tabular import HPOBenchTabular
from carps.core.registry import get_registry
from carps.core.task import Task
from carps.core.types import Objective, TaskType
from carps.testing import check_benchmark
from carps.testing.benchmark_checks import BenchmarkCheckError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reader_files import write_hpob_files, write_hpobench_files  # noqa: E402

# sklearn trains real models: check cheap ones, one config each
SKLEARN_TASKS = ["blackbox/sklearn/dt_iris", "momf/sklearn/knn_iris_trainsize_time", "multifidelity/sklearn/adaboost_wine_iterations"]


@pytest.mark.parametrize("family", ["bbob", pytest.param("yahpo", marks=pytest.mark.needs_yahpo), "pymoo", "mfsynth", "momfsynth"])
def test_shipped_family_conforms(family: str) -> None:
    report = check_benchmark(family, tasks_per_type=1, n_configs=2)
    assert report.ok and report.tasks


def test_sklearn_family_conforms() -> None:
    report = check_benchmark("sklearn", task_ids=SKLEARN_TASKS, n_configs=1)
    assert report.tasks == SKLEARN_TASKS


def test_readers_conform_on_files_in_the_real_format(tmp_path: Path) -> None:
    hpobench = HPOBenchTabular(data_dir=str(write_hpobench_files(tmp_path / "hpobench")))
    hpobench.family = "hpobench"
    assert len(check_benchmark(hpobench, tasks_per_type=1).tasks) == 4
    hpob = HPOB(data_dir=str(write_hpob_files(tmp_path / "hpob")))
    hpob.family = "hpob"
    assert len(check_benchmark(hpob, tasks_per_type=2).tasks) == 2


def test_every_catalog_declares_resources() -> None:
    for entry in get_registry().benchmarks.values():
        cpus, gpus = entry.resources.get("cpus_per_run"), entry.resources.get("gpus_per_run")
        assert isinstance(cpus, (int, float)) and cpus > 0, f"{entry.family}: resources.cpus_per_run must be > 0"
        assert isinstance(gpus, (int, float)) and gpus >= 0, f"{entry.family}: resources.gpus_per_run must be >= 0"


def _toy(function, task_id: str = "blackbox/toy/square") -> Task:
    space = ConfigurationSpace({"x": Float("x", (-1.0, 1.0))})
    return Task(task_id, TaskType.BLACKBOX, space, (Objective("y", lower=0.0),), function)


def test_kit_catches_an_adapter_that_accepts_out_of_space_configs() -> None:
    with pytest.raises(BenchmarkCheckError, match="out_of_space"):
        check_benchmark(_toy(lambda c, f, s: c.get("x", 0.0) ** 2))


def test_kit_catches_nondeterminism_and_bound_violations() -> None:
    import itertools

    counter = itertools.count()

    def drifting(config, fidelity, seed):
        if not -1 <= config["x"] <= 1 or set(config) != {"x"}:
            raise ValueError(f"x={config.get('x')} outside the space, or an unknown name: {sorted(config)}")
        return config["x"] - 0.001 * next(counter)

    report = check_benchmark(_toy(drifting), raise_on_failure=False)
    assert {check for _, check, _ in report.failed} == {"determinism", "bounds", "batch"}
