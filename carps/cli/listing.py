"""``carps list tasks [GLOB]`` and ``carps list optimizers``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from carps.cli.options import wants_help
from carps.cli.overrides import OverrideError
from carps.core.registry import get_registry

HELP = """usage: carps list tasks [GLOB]     task counts per type and family; ids when GLOB is given
       carps list optimizers       every optimizer variant with what it supports
       carps list benchmarks       every benchmark family with its task count"""


def main(args: list[str]) -> int:
    if wants_help(args, HELP) or not args:
        if not args:
            print(HELP)
        return 0
    what, rest = args[0], args[1:]
    if what == "tasks":
        return list_tasks(rest[0] if rest else None)
    if what == "optimizers":
        return list_optimizers()
    if what == "benchmarks":
        return list_benchmarks()
    raise OverrideError(f"cannot list '{what}': choose tasks, optimizers or benchmarks")


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def list_tasks(pattern: str | None) -> int:
    registry = get_registry()
    ids = registry.match_tasks(pattern) if pattern else registry.task_ids
    if pattern:
        print("\n".join(ids))
        print()
    by_type = Counter(t.split("/")[0] for t in ids)
    by_family = Counter(tuple(t.split("/")[:2]) for t in ids)
    missing = {family: reason for family in {f for _, f in by_family} if (reason := registry.missing_data(family))}
    flags = {family: _family_flags(registry, family) for _, family in by_family}
    rows = [[ttype, family, str(n), *flags[family], "not installed" if family in missing else ""] for (ttype, family), n in sorted(by_family.items())]
    print(_table(rows, ["type", "family", "tasks", "download", "constrained", "data"]))
    print()
    print("  ".join(f"{t}: {n}" for t, n in sorted(by_type.items())) + f"  | total: {len(ids)}")
    for family, reason in sorted(missing.items()):
        n = sum(c for (_, f), c in by_family.items() if f == family)
        print(f"{n} {family} tasks cannot run yet: {reason}")
    if not pattern:
        subsets = registry.subset_names()
        if subsets:
            print(f"subsets: {len(subsets)} (carps list tasks 'subset/*')")
    return 0


def _family_flags(registry: Any, family: str) -> tuple[str, str]:
    """Whether a family needs data beyond pip install, and whether its tasks have constraints (class attributes: no task is built)."""
    bench = registry.benchmarks[family].benchmark
    return ("yes" if getattr(bench, "needs_download", False) else "no"), ("yes" if getattr(bench, "constrained", False) else "no")


def list_optimizers() -> int:
    """The catalog, one block of rows per family, each variant with the library version it runs."""
    registry = get_registry()
    rows = []
    families: dict[str, int] = Counter(e.family for e in registry.optimizers.values())
    families_per_type: dict[str, set[str]] = {}
    for family in sorted(families):
        for entry in sorted((e for e in registry.optimizers.values() if e.family == family), key=lambda e: e.id):
            try:
                caps = entry.load_class().capabilities
                types = ",".join(sorted(t.value for t in caps.task_types))
                cond, cat = ("yes" if caps.conditional else "no"), ("yes" if caps.categorical else "no")
                cons = "yes" if entry.load_class().uses_constraints(entry.params) else "no"
                par = "yes" if caps.parallel else "no"
                library = entry.library_version()
                for t in caps.task_types:
                    families_per_type.setdefault(t.value, set()).add(family)
            except Exception as exc:  # a catalog entry whose adapter cannot load is still listed
                types, cond, cat, cons, par, library = f"unavailable: {str(exc).splitlines()[0][:60]}", "-", "-", "-", "-", "-"
            rows.append([entry.id, library, types, cond, cat, cons, par, ",".join(entry.recommended_for) or "-", entry.description])
        rows.append([""] * 9)  # a blank line between families
    # parallel: sees the trials still running when asked again (docs/parallel.md)
    print(_table(rows[:-1], ["optimizer", "library", "task types", "conditional", "categorical", "constraints", "parallel", "family default for", "description"]))
    print(f"\n{len(registry.optimizers)} optimizer variants in {len(families)} families; families per task type: "
          + ", ".join(f"{t} {len(f)}" for t, f in sorted(families_per_type.items())))
    return 0


def list_benchmarks() -> int:
    registry = get_registry()
    rows = []
    for family, entry in sorted(registry.benchmarks.items()):
        ids = entry.benchmark.task_ids()
        types = Counter(t.split("/")[0] for t in ids)
        rows.append([family, str(len(ids)), ", ".join(f"{t}:{n}" for t, n in sorted(types.items())), entry.description])
    print(_table(rows, ["family", "tasks", "types", "description"]))
    return 0
