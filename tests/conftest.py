"""Shared fixtures: small hand-made tasks with known behaviour, and where tests find benchmark data.

BLAS and OpenMP run one thread per test process (``OMP_NUM_THREADS`` and its kin, unless already set).

Data is found only through settings: at import time this file points ``CARPS_YAHPO_DATA`` at
``../shared/data/yahpo`` next to the checkout when that exists (or at a copy that ``carps data fetch
yahpo`` installed in the user's cache) unless it is already set, and points ``CARPS_CACHE_DIR`` at a
fresh temporary folder, so no test writes to the user's real cache. Tests that need the YAHPO data
carry ``@pytest.mark.needs_yahpo`` (or use the ``yahpo_data`` fixture) and skip, naming
``carps data fetch yahpo``, when it is not there.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_YAHPO = SHARED / "data" / "yahpo"
#: evaluations made with the original yahpo_gym package (test data, not a carps data set)
YAHPO_REFERENCE_ENV = "CARPS_TEST_YAHPO_REFERENCE"
SHARED_YAHPO_REFERENCE = SHARED / "data" / "yahpo_reference" / "yahpo_reference_shared.json"


def _configure_data_settings() -> None:
    if not os.environ.get(YAHPO_REFERENCE_ENV) and SHARED_YAHPO_REFERENCE.is_file():
        os.environ[YAHPO_REFERENCE_ENV] = str(SHARED_YAHPO_REFERENCE)
    if not os.environ.get("CARPS_YAHPO_DATA"):
        if SHARED_YAHPO.is_dir():
            os.environ["CARPS_YAHPO_DATA"] = str(SHARED_YAHPO)
        else:  # a copy the user fetched is read, never written
            from carps.benchmarks.data_store import DATASETS, installed_copy

            fetched = installed_copy(DATASETS["yahpo"])
            if fetched is not None:
                os.environ["CARPS_YAHPO_DATA"] = str(fetched)
    if os.environ.get("CARPS_CACHE_DIR") and os.environ.get("CARPS_CACHE_DIR") == os.environ.get("_CARPS_TESTS_CACHE_DIR"):
        return  # this file imported a second time (as tests.conftest): keep the folder already made
    cache = tempfile.mkdtemp(prefix="carps-test-cache-")
    os.environ["CARPS_CACHE_DIR"] = os.environ["_CARPS_TESTS_CACHE_DIR"] = cache
    atexit.register(shutil.rmtree, cache, True)


_configure_data_settings()


def _one_thread_per_process() -> None:
    # `make test` runs a worker per core and many tests start more processes (CLI runs, fresh
    # interpreters, Ray): BLAS and OpenMP pools of one thread keep them from oversubscribing the cores,
    # where idle pool threads spin. Set before numpy loads; child processes inherit it. A determinism
    # chunk of four skopt runs: 55 s wall and 107 s CPU with the default pools, 35 s and 67 s with one.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


_one_thread_per_process()


def yahpo_missing() -> str | None:
    """Why the YAHPO data cannot be used (a skip reason naming the fix), or None when it can."""
    from carps.benchmarks.data_store import MissingDataError
    from carps.benchmarks.yahpo import yahpo_data_dir

    try:
        yahpo_data_dir()
    except MissingDataError as exc:
        return f"needs the YAHPO data: {exc}"
    return None


#: long files whose tests share no fixture or folder beyond one test: ``make test`` spreads them
#: over the workers test by test; every other file runs whole on one worker (``--dist loadfile``), so
#: that its module fixtures run once
SPREAD_OVER_WORKERS = {
    "tests/conformance/test_optimizers.py",
    "tests/optimizers/test_optimizer_checks.py",
    "tests/optimizers/test_cli_families.py",
    "tests/docs/test_docs_examples.py",
    "tests/test_environment.py",
    "tests/cli/test_determinism.py",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001, ANN201  (xdist's hook)
    """``--dist loadfile``, except that the tests of :data:`SPREAD_OVER_WORKERS` are scheduled one by one.

    (xdist's ``loadgroup`` would say this with marks, but with pytest 9 it no longer sees them.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileOrTestScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return nodeid if path in SPREAD_OVER_WORKERS else path

    return FileOrTestScheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_yahpo: needs the YAHPO surrogate data (skips without it; carps data fetch yahpo or CARPS_YAHPO_DATA)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_yahpo") is not None:
        reason = yahpo_missing()
        if reason:
            pytest.skip(reason)


@pytest.fixture
def yahpo_data() -> Path:
    """The YAHPO data folder; the test skips with the fix named when there is none."""
    reason = yahpo_missing()
    if reason:
        pytest.skip(reason)
    from carps.benchmarks.yahpo import yahpo_data_dir

    return yahpo_data_dir()


def carps_cmd() -> list[str]:
    """The carps CLI of the interpreter running the tests."""
    return [sys.executable, "-m", "carps.cli.main"]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CARPS_RESULTS_DIR"] = str(tmp_path / "results")
    env.pop("CARPS_DEBUG", None)
    return env


def sphere_task(dim: int = 2, task_id: str = "blackbox/toy/sphere", function=None):
    from ConfigSpace import ConfigurationSpace, Float

    from carps.core.task import Task
    from carps.core.types import Budget, Objective, TaskType

    names = [f"x{i}" for i in range(dim)]
    space = ConfigurationSpace({n: Float(n, (-1.0, 1.0)) for n in names})
    fn = function or (lambda config, fidelity, seed: sum(config[n] ** 2 for n in names))
    return Task(task_id, TaskType.BLACKBOX, space, (Objective("y", lower=0.0),), fn, budget=Budget(n_trials=10))


def mf_task():
    """Multi-fidelity toy: the cost falls with the fidelity (epochs 1..9)."""
    from ConfigSpace import ConfigurationSpace, Float

    from carps.core.task import Task
    from carps.core.types import Budget, Fidelity, Objective, TaskType

    space = ConfigurationSpace({"x": Float("x", (0.0, 1.0))})
    return Task(
        "multifidelity/toy/mf",
        TaskType.MULTIFIDELITY,
        space,
        (Objective("loss"),),
        lambda c, f, s: (c["x"] - 0.3) ** 2 + 1.0 / f,
        fidelity=Fidelity("epochs", 1, 9, integer=True),
        budget=Budget(n_trials=3),
    )
