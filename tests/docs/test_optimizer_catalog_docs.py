"""docs/optimizers.md lists every catalog variant, with the library version it runs and the task types it supports."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from carps.core.registry import get_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "optimizers.md"


def _catalog_rows() -> dict[str, list[str]]:
    """id -> the cells of its row in the catalog table (rows look like ``| `id` | library version | method | types | default for |``)."""
    rows = {}
    text = DOC.read_text()
    section = text.split("\n## The catalog\n", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows.setdefault(match.group(1), [c.strip() for c in match.group(2).split("|")])
    return rows


def _same_series(documented: tuple[str, str], installed: str) -> bool:
    """Same release series: the major version from 1.0 on, major.minor before (where a minor release may break the API)."""
    major, minor = (int(p) for p in installed.split("+")[0].split(".")[:2])
    doc_major, doc_minor = int(documented[0]), int(documented[1])
    return doc_major == major and (major > 0 or doc_minor == minor)


ROWS = _catalog_rows()
IDS = sorted(get_registry().optimizers)


@pytest.mark.parametrize("optimizer_id", IDS)
def test_every_variant_is_in_the_catalog_table(optimizer_id: str) -> None:
    assert optimizer_id in ROWS, f"docs/optimizers.md has no catalog row for `{optimizer_id}`"
    entry = get_registry().optimizer(optimizer_id)
    library = entry.library or entry.load_class().library
    library_cell, _method, types_cell, default_cell = ROWS[optimizer_id][:4]
    try:
        installed = version(library)
    except PackageNotFoundError:
        pytest.skip(f"{library} is not installed")
    documented = re.search(r"(\d+)\.(\d+)", library_cell)
    assert documented, f"`{optimizer_id}`: the table names no version of {library} ('{library_cell}')"
    assert _same_series(documented.groups(), installed), f"`{optimizer_id}`: the table says '{library_cell}', the installed {library} is {installed}"
    claimed = {t.strip() for t in types_cell.split(",")}
    supported = {t.value for t in entry.load_class().capabilities.task_types}
    assert claimed == supported, f"`{optimizer_id}`: the table says {sorted(claimed)}, the adapter supports {sorted(supported)}"
    defaults = set(entry.recommended_for)
    listed = set() if default_cell in ("", "-") else {"blackbox", "multifidelity", "multiobjective", "momf"} if default_cell == "all four" else {t.strip() for t in default_cell.split(",")}
    assert listed == defaults, f"`{optimizer_id}`: 'default for' says {sorted(listed)}, the catalog file says {sorted(defaults)}"


def test_the_table_lists_nothing_that_is_not_in_the_catalog() -> None:
    assert not sorted(set(ROWS) - set(IDS)), "docs/optimizers.md lists variants the catalog does not have"


def test_the_parallel_table_lists_the_families_with_the_parallel_capability():
    """docs/parallel.md names, per family, how its library sees running trials; the table must match the adapters."""
    registry = get_registry()
    parallel = set()
    for entry in registry.optimizers.values():
        try:
            if entry.load_class().capabilities.parallel:
                parallel.add(entry.family)
        except Exception:  # an adapter whose library is missing cannot be checked here
            continue
    text = (DOC.parent / "parallel.md").read_text()
    section = text.split("\n## Which optimizers know about running trials\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\|\s*`([^`]+)`", section, re.M))
    assert documented == parallel
