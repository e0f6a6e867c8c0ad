"""The documentation site builds with ``mkdocs build --strict`` (warnings are errors).

The build covers the user guides in docs/ (nav complete, no broken links or anchors) and the API
reference generated from docstrings by mkdocstrings. A failure lists the offending lines, each naming
the page or the module whose docstring needs fixing.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "reference"


def _load_extension():
    spec = importlib.util.spec_from_file_location("_doctest_blocks", REPO / "docs" / "_ext" / "doctest_blocks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_mkdocs_build_strict(tmp_path):
    missing = [m for m in ("mkdocs", "mkdocstrings", "mkdocstrings_handlers.python", "material") if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        pytest.skip(f"the docs toolchain is not installed ({', '.join(missing)}): pip install -e '.[docs]'")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(REPO / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=600, env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    problems = [line for line in (done.stdout + done.stderr).splitlines() if re.match(r"^(WARNING|ERROR)\b", line)]
    assert done.returncode == 0, "mkdocs build --strict failed; fix the page or docstring each line names:\n" + "\n".join(problems or [done.stderr[-3000:]])
    assert (tmp_path / "site" / "reference" / "optimizers" / "index.html").read_text().count("carps.optimizers.create") > 0


def test_every_catalog_adapter_is_in_the_api_reference():
    """A new optimizer or benchmark adapter must show up in docs/reference (one ``::: module`` line)."""
    from carps.core.registry import get_registry

    documented = set(re.findall(r"^:::\s*(\S+)", "\n".join(p.read_text() for p in REFERENCE.glob("*.md")), re.M))
    registry = get_registry()
    targets = {e.target for e in registry.optimizers.values()} | {e.target for e in registry.benchmarks.values()}
    builtin = {t.rpartition(".")[0] for t in targets if t.startswith("carps.")}
    undocumented = sorted(m for m in builtin if not any(m == d or m.startswith(d + ".") for d in documented))
    assert not undocumented, f"add these modules to docs/reference/*.md: {undocumented}"


def test_doctests_become_fenced_code():
    fence = _load_extension().fence_doctests
    text = 'Select rows:\n\n>>> t["task_id"][0]\n\'x\'\n\nUse :class:`~carps.core.task.Task` or :func:`carps.benchmarks.get_task`.'
    assert fence(text) == 'Select rows:\n\n```pycon\n>>> t["task_id"][0]\n\'x\'\n```\n\nUse `Task` or `carps.benchmarks.get_task`.'
    # Google-style Examples sections are left to the docstring parser; existing fences are kept as they are
    section = "Example:\n    >>> 1 + 1\n    2\n\nAfter.\n\n```python\n>>> x = 1\n```"
    assert fence(section) == section
