"""Install a plugin package with pip for a test, without touching the shared environment.

The package is built and installed by pip exactly as a user would (wheel, entry points, package
data), but into a temporary ``--target`` folder that is put on ``sys.path`` (this process) and on
``PYTHONPATH`` (subprocesses). Nothing is left in the virtual environment, even if a test crashes,
and other test processes running at the same time never see the plugin.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def pip_install(package_dir: Path, target: Path) -> None:
    """``pip install --no-deps --target`` (no build isolation when the build backend is already here)."""
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check", "--target", str(target)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-build-isolation")  # offline and fast; otherwise pip fetches hatchling from PyPI
    done = subprocess.run([*cmd, str(package_dir)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"pip could not install {package_dir}:\n{done.stdout}\n{done.stderr}")


@contextmanager
def installed_plugin(package_dir: Path, target: Path) -> Iterator[dict[str, str]]:
    """Install ``package_dir`` into ``target`` and make carps see it; yields the env for subprocesses."""
    from carps.core.registry import get_registry

    pip_install(package_dir, target)
    before = set(sys.modules)
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    get_registry.cache_clear()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), env.get("PYTHONPATH", "")) if p)
    env.pop("CARPS_DEBUG", None)
    try:
        yield env
    finally:
        sys.path.remove(str(target))
        for name in set(sys.modules) - before:
            if getattr(sys.modules[name], "__file__", None) and str(target) in str(sys.modules[name].__file__):
                del sys.modules[name]
        importlib.invalidate_caches()
        get_registry.cache_clear()
