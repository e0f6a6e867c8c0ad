"""`carps[all]` resolves on Python 3.10 and 3.12 too (with numpy 2), not only on the tests' Python.

pip resolves the whole extra in a fresh virtual environment of each interpreter (a dry run: nothing
is installed). Interpreters are looked up on PATH and in pyenv; a missing one is skipped by name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def find_python(version: str) -> str | None:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(root.glob(f"{version}.*"), reverse=True):
        if (candidate / "bin" / "python").exists():
            return str(candidate / "bin" / "python")
    found = shutil.which(f"python{version}")
    # a pyenv shim only works for versions pyenv has selected: use real interpreters only
    return found if found and "shims" not in found else None


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.10", "3.12"])
def test_all_extra_resolves_with_numpy_2(version, tmp_path):
    if sys.version_info[:2] == tuple(map(int, version.split("."))):
        pytest.skip(f"the tests already run on {version}")
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter on this machine")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    report = tmp_path / "report.json"
    proc = subprocess.run(
        # the CPU build of torch, as the Makefile installs it
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report), "torch==2.13.0", f"{REPO}[all]"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, f"carps[all] does not resolve on Python {version}:\n{proc.stderr[-3000:]}"
    chosen = {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in json.loads(report.read_text())["install"]}
    assert chosen["numpy"].startswith("2."), chosen["numpy"]
    # Ax 1.3 needs Python 3.11 (the extra's marker leaves it out on 3.10)
    expected = ("configspace", "smac", "optuna", "ray", "onnxruntime", "pymoo", "botorch", "nevergrad", "syne-tune", "scikit-optimize", "hyperopt", "dehb")
    for name in expected + (("ax-platform",) if version != "3.10" else ()):
        assert name in chosen, f"{name} missing from the resolution on Python {version}"
