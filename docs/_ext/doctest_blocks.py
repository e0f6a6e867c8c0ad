"""Griffe extension for the API reference: docstrings written for ``python -m doctest`` read well in Markdown.

carps docstrings carry runnable ``>>>`` examples and Sphinx roles (``:class:`Task```). Markdown knows
neither: ``t["task_id"]`` after ``]`` even parses as a reference link, which the strict build reports
as a broken cross-reference. This extension, loaded by mkdocstrings (see ``mkdocs.yml``), rewrites
each docstring before rendering:

- a run of ``>>>``/``...`` lines and their expected output becomes a fenced ``pycon`` block (except
  inside ``Example:``/``Examples:`` sections, which the Google-style parser already handles);
- ``:role:`~pkg.mod.Name``` becomes ``Name`` in code font (``pkg.mod.Name`` without the tilde).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj|py:\w+):`(~?)([^`]+)`")
_SECTION = re.compile(r"^\s*Examples?:\s*$")


def _role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def fence_doctests(text: str) -> str:
    """Wrap doctest runs of a docstring in ```pycon fences and turn Sphinx roles into code spans.

    A run starts at a ``>>>`` line and ends at the first blank line or dedent, so the expected
    output travels with its example (tested in ``tests/docs/test_api_reference.py``).
    """
    out: list[str] = []
    lines = text.splitlines()
    i, in_fence, section_indent = 0, False, None
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("```"):
            in_fence = not in_fence
        if section_indent is not None and stripped and indent <= section_indent and not _SECTION.match(line):
            section_indent = None  # the Examples section ended
        if _SECTION.match(line) and not in_fence:
            section_indent = indent
        if not in_fence and section_indent is None and stripped.startswith(">>>"):
            pad = line[:indent]
            out.append(f"{pad}```pycon")
            while i < len(lines) and lines[i].strip() and lines[i].startswith(pad):
                out.append(lines[i])
                i += 1
            out.append(f"{pad}```")
            continue
        out.append(line if in_fence else _ROLE.sub(_role, line))
        i += 1
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Rewrites every docstring with :func:`fence_doctests` as griffe loads it."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
