"""``tools/wheelhouse.py`` (``make wheelhouse``) builds a folder from which carps installs offline.

CI builds it for a small subset only, ``carps[bbob]`` (the base package and one small extra, about
120 MB), for this interpreter's Python version and platform given explicitly as a cluster's would be,
installs it with ``pip install --no-index`` into a fresh virtual environment and runs a small
experiment there. ``carps[all]`` is several GB with torch and its CUDA libraries: the same command
builds it (docs/scaling.md), but not in CI. The downloads need the package index (pip's cache makes
them quick after the first time); without it the test skips.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import sysconfig

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _platform() -> list[str]:
    # the platform tag a cluster user would give: manylinux for this machine's architecture (glibc 2.28
    # covers the wheels carps[bbob] needs); elsewhere no target flags at all, i.e. this interpreter
    machine = platform.machine()
    if sysconfig.get_platform().startswith("linux") and machine in ("x86_64", "aarch64"):
        return ["--python", f"{sys.version_info.major}.{sys.version_info.minor}", "--platform", f"manylinux_2_28_{machine}"]
    return []


def test_wheelhouse_installs_offline_into_a_fresh_venv_and_runs(tmp_path):
    house = tmp_path / "wheelhouse"
    built = subprocess.run([sys.executable, str(REPO / "tools" / "wheelhouse.py"), "--dest", str(house), "--extras", "bbob", *_platform()],
                           capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and any(w in built.stdout + built.stderr for w in ("NewConnectionError", "Network is unreachable", "Temporary failure in name resolution")):
        pytest.skip(f"the package index cannot be reached: {(built.stdout + built.stderr).strip().splitlines()[-1]}")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "install offline with: pip install --no-index --find-links" in built.stdout
    names = [p.name for p in house.glob("*.whl")]
    assert any(n.startswith("carps-") for n in names) and any(n.startswith("ioh-") for n in names) and any(n.startswith("numpy-") for n in names), names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # this pip installs into the fresh venv (--python), from the wheelhouse alone (--no-index)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    install = subprocess.run([sys.executable, "-m", "pip", "--isolated", "--python", str(python), "install", "-q", "--no-compile", "--no-index",
                              "--find-links", str(house), "carps[bbob]"], capture_output=True, text=True, timeout=600, env=env)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "CARPS_RESULTS_DIR": str(tmp_path / "results")}
    run = subprocess.run([str(venv / "bin" / "carps"), "run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "n_trials=5", "quiet=true"],
                         cwd=elsewhere, env=run_env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "1 done" in run.stderr
    found = subprocess.run([str(python), "-c", "import carps; print(carps.__file__)"], capture_output=True, text=True, check=True, env=run_env, cwd=elsewhere)
    assert found.stdout.strip().startswith(str(venv)), found.stdout  # the venv's carps, not this checkout's
