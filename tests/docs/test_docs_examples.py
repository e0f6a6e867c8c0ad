"""Every ```python block of every page under docs/ is executed, so the docs cannot rot.

- The blocks of one page run in order, in one namespace (a later block may use an earlier one's names),
  in a scratch copy of the repository layout (files they write go to a temporary folder).
- A block opts out only with ``<!-- no-test -->`` on the line before its fence; at most a third of a
  page's blocks may do so.
- A page may ask for a pip-installed package with ``<!-- docs-test: pip-install <path> -->``: the test
  installs it (no dependencies, into a temporary folder put on the path) before the page runs,
  exactly as the page tells its reader to do in a shell block.
- A block that needs an optional library that is not installed skips the rest of its page, naming it.

Tracebacks point at the Markdown file and line of the failing statement.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
NO_TEST = "<!-- no-test -->"
SETUP = re.compile(r"<!--\s*docs-test:\s*pip-install\s+(\S+)\s*-->")
FENCE_OPEN = re.compile(r"^```(?:python|py)\s*$")
BLOCK_LIMIT_S = float(os.environ.get("CARPS_DOCS_BLOCK_LIMIT", 120))  # "small n_trials": a slow block is a bug


@dataclass
class Block:
    line: int  # 1-based line of the first code line
    code: str
    skipped: bool


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, with their first line and opt-out marker."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if FENCE_OPEN.match(lines[i].strip()):
            before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            start = i + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            if end == len(lines):
                raise ValueError(f"line {i + 1}: ```python block is never closed")
            indent = len(lines[i]) - len(lines[i].lstrip())  # fences inside list items are indented
            code = "\n".join(line[indent:] if line[:indent].isspace() else line for line in lines[start:end])
            blocks.append(Block(start + 1, code, before == NO_TEST))
            i = end
        i += 1
    return blocks


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if python_blocks(p.read_text()))


def scratch_repo(tmp_path: Path) -> Path:
    """A working folder that looks like the checkout (``examples/``, ``../shared``, ...) but writes to tmp."""
    root = tmp_path / "checkout"
    root.mkdir()
    for item in REPO.iterdir():
        if item.name not in {".git", ".venv", "results", "site", "build", "dist"}:
            (root / item.name).symlink_to(item, target_is_directory=item.is_dir())
    shared = REPO.parent / "shared"
    if shared.exists():
        (tmp_path / "shared").symlink_to(shared, target_is_directory=True)
    return root


def _optional_missing(exc: BaseException) -> str | None:
    """The missing optional library behind ``exc``, or None if it is a real failure."""
    from carps.benchmarks.data_store import MissingDataError
    from carps.core.errors import MissingDependencyError

    if isinstance(exc, (MissingDependencyError, MissingDataError)):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        if top != "carps" and importlib.util.find_spec(top) is None:
            return f"'{top}' is not installed"
    return None


def _load_plugin_env():
    spec = importlib.util.spec_from_file_location("_carps_plugin_env", REPO / "tests" / "library" / "plugin_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_docs_have_examples():
    assert (DOCS / "library.md").exists(), "docs/library.md is missing"
    assert python_blocks((DOCS / "library.md").read_text()), "docs/library.md has no python examples"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import contextlib

    text = page.read_text()
    blocks = python_blocks(text)
    opted_out = [b for b in blocks if b.skipped]
    assert len(opted_out) * 3 <= len(blocks), (
        f"{page.name}: {len(opted_out)} of {len(blocks)} python blocks carry {NO_TEST}; examples must run"
    )
    monkeypatch.chdir(scratch_repo(tmp_path))
    monkeypatch.setenv("CARPS_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__main__", "__file__": str(page)}
    with contextlib.ExitStack() as stack:
        for n, path in enumerate(SETUP.findall(text)):
            env = stack.enter_context(_load_plugin_env().installed_plugin(REPO / path, tmp_path / f"site-{n}"))
            monkeypatch.setenv("PYTHONPATH", env["PYTHONPATH"])  # subprocesses the page starts see it too
        for block in blocks:
            if block.skipped:
                continue
            # pad so that tracebacks show the Markdown file's own line numbers
            code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
            start = time.perf_counter()
            try:
                exec(code, namespace)
            except Exception as exc:
                missing = _optional_missing(exc)
                if missing:
                    pytest.skip(f"{page.name} line {block.line}: {missing}")
                raise
            finally:
                _close_figures()
            took = time.perf_counter() - start
            assert took < BLOCK_LIMIT_S, f"{page.name} line {block.line}: the example took {took:.0f} s; make it smaller"


def _close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def test_block_parser():
    text = "intro\n\n```python\nx = 1\n```\n\n<!-- no-test -->\n```python\nraise SystemExit\n```\n  ```python\n  y = 2\n  ```\n```bash\nls\n```\n"
    blocks = python_blocks(text)
    assert [(b.line, b.code, b.skipped) for b in blocks] == [(4, "x = 1", False), (9, "raise SystemExit", True), (12, "y = 2", False)]


def test_sklearn_tuning_example_fits_in_15_lines():
    """The first example of docs/library.md (issue: "tunes a scikit-learn model in 15 lines")."""
    first = python_blocks((DOCS / "library.md").read_text())[0]
    lines = [line for line in first.code.splitlines() if line.strip()]
    assert "create(" in first.code and "sklearn" in first.code and not first.skipped
    assert len(lines) <= 15, f"the scikit-learn example has {len(lines)} lines"
