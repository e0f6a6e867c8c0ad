"""`carps[all]` resolves on Python 3.10 and 3.12 too (with numpy 2), not only on the tests' Python.

uv's resolver (a dev dependency) resolves the whole extra for each target Python and Linux x86-64,
against the package indexes that pip is configured with here, so it needs no interpreter of that
version. The question is whether a resolution with numpy 2 exists: uv's resolver (PubGrub) finds one
wherever one exists, in about 12 s per version; pip's dry run (``pip install --dry-run``) took about
160 s of CPU per version and needed each interpreter installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def pip_index_options() -> list[str]:
    """pip's configured package sources as uv options (tools/pip_indexes.py, as ``make install`` uses them)."""
    out = subprocess.run([sys.executable, str(REPO / "tools" / "pip_indexes.py")], capture_output=True, text=True, check=True).stdout
    return out.split()


def uv_executable() -> str | None:
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.exists() else shutil.which("uv")


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.10", "3.12"])
def test_all_extra_resolves_with_numpy_2(version, tmp_path):
    uv = uv_executable()
    if uv is None:
        pytest.skip("uv is not installed: pip install 'carps[dev]'")
    pinned = tmp_path / "requirements.txt"
    # the CPU build of torch, as the Makefile installs it
    (tmp_path / "torch.in").write_text("torch==2.13.0\n")
    proc = subprocess.run(
        [uv, "pip", "compile", str(REPO / "pyproject.toml"), str(tmp_path / "torch.in"), "--extra", "all",
         "--python-version", version, "--python-platform", "x86_64-manylinux_2_28",
         *pip_index_options(),
         "--cache-dir", str(tmp_path / "cache"), "--quiet", "--output-file", str(pinned)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"carps[all] does not resolve on Python {version}:\n{proc.stderr[-3000:]}"
    chosen = {name.lower(): v for name, v in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", pinned.read_text(), flags=re.MULTILINE)}
    assert chosen["numpy"].startswith("2."), chosen["numpy"]
    # Ax 1.3 needs Python 3.11 (the extra's marker leaves it out on 3.10)
    expected = ("configspace", "smac", "optuna", "ray", "onnxruntime", "pymoo", "botorch", "nevergrad", "syne-tune", "scikit-optimize", "hyperopt", "dehb")
    for name in expected + (("ax-platform",) if version != "3.10" else ()):
        assert name in chosen, f"{name} missing from the resolution on Python {version}"
    if version == "3.10":
        assert "ax-platform" not in chosen
