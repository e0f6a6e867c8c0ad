"""The built wheel ships the catalogs, so an installed carps works from any directory (not only editable)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO

pytest.importorskip("hatchling")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)], check=True, timeout=300)
    return next(out.glob("carps-*.whl"))


def test_wheel_contains_the_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("carps/_catalog/optimizers/random.yaml", "carps/_catalog/optimizers/optuna/tpe.yaml", "carps/_catalog/benchmarks/bbob.yaml", "carps/_catalog/subsets/blackbox/k10_dev.yaml"):
        assert path in names, path


def test_installed_wheel_lists_and_runs_from_another_directory(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "CARPS_RESULTS_DIR": str(tmp_path / "results")}
    where = subprocess.run([sys.executable, "-c", "import carps.core.registry as r; print(r.builtin_catalog_dir('optimizers'))"], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(site)), where.stdout
    listing = subprocess.run([sys.executable, "-m", "carps.cli.main", "list", "tasks"], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert "bbob" in listing.stdout and "total:" in listing.stdout
    run = subprocess.run([sys.executable, "-m", "carps.cli.main", "run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "n_trials=3", "quiet=true"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "results" / "default" / "blackbox/bbob/f01_d2_i1/random/seed_1/trials.jsonl").exists()
