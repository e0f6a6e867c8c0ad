"""The catalogs of optimizers and benchmark families, built-in and from plugins.

Built-in catalogs are the top-level ``optimizers/``, ``benchmarks/`` and ``subsets/`` folders (shipped
in the wheel as ``carps/_catalog``). A plugin package adds its own folder through an entry point in
the group ``carps.optimizers`` or ``carps.benchmarks`` whose object is that folder's path (a str or
Path, or a callable returning one).
"""

from __future__ import annotations

import fnmatch
import importlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable

from carps.core.errors import CarpsError, UnknownNameError
from carps.core.types import TaskType

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SUBSET_PREFIX = "subset/"


def builtin_catalog_dir(kind: str) -> Path:
    """``optimizers``, ``benchmarks`` or ``subsets``: inside the wheel, or at the source checkout's root."""
    shipped = PACKAGE_DIR / "_catalog" / kind
    return shipped if shipped.is_dir() else PACKAGE_DIR.parent / kind


def load_target(path: str) -> Any:
    """Import ``package.module.Name`` (the ``_target_`` of a catalog entry)."""
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        if type(exc).__name__ == "MissingDependencyError":
            raise
        raise CarpsError(f"cannot load '{path}' named in the catalog: {exc}") from exc


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path) as fh:
        data = yaml.load(fh, Loader=loader) or {}
    if not isinstance(data, dict):
        raise CarpsError(f"catalog file {path} must hold a mapping")
    return data


@dataclass
class OptimizerEntry:
    """One optimizer variant from ``optimizers/<id>.yaml``."""

    id: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)
    recommended_for: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    library: str | None = None  # overrides the adapter class's ``library`` for this variant

    @property
    def family(self) -> str:
        return self.id.split("/")[0]

    def load_class(self) -> Any:
        return load_target(self.target)

    def library_version(self) -> str:
        """``"<distribution> <version>"`` of the library this variant runs, from the installed metadata.

        Reads package metadata only (no import of the library itself), so listing stays fast.
        """
        from importlib.metadata import PackageNotFoundError, version

        name = self.library or getattr(self.load_class(), "library", None)
        if not name:
            return "-"
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            return f"{name} (not installed)"


@dataclass
class BenchmarkEntry:
    """One benchmark family from ``benchmarks/<family>.yaml``."""

    family: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    #: the cost model of the family's tasks on a parallel run's simulated clock where they have no runtime
    #: metric: ``{seconds: per full evaluation, spread: log-normal spread}`` (carps.core.cost.FidelityCost)
    simulated_cost: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def benchmark(self) -> Any:
        obj = load_target(self.target)(**self.params)
        obj.family = self.family
        return obj


class Registry:
    """Every optimizer variant, benchmark family and shipped subset that carps can see."""

    def __init__(self, optimizer_dirs: Iterable[Path], benchmark_dirs: Iterable[Path], subset_dirs: Iterable[Path]) -> None:
        self.optimizers: dict[str, OptimizerEntry] = {}
        self.benchmarks: dict[str, BenchmarkEntry] = {}
        self.subset_dirs = [Path(d) for d in subset_dirs]
        self._ids_by_family: dict[str, list[str]] = {}  # task ids per family, listed on first use
        self._id_sets: dict[str, set[str]] = {}
        for root in optimizer_dirs:
            for path in sorted(Path(root).rglob("*.yaml")):
                opt_id = path.relative_to(root).with_suffix("").as_posix()
                data = _read_yaml(path)
                self.optimizers[opt_id] = OptimizerEntry(
                    id=opt_id,
                    target=data["_target_"],
                    params=dict(data.get("params") or {}),
                    recommended_for=tuple(data.get("recommended_for") or ()),
                    description=str(data.get("description", "")),
                    source=str(path),
                    library=data.get("library"),
                )
        for root in benchmark_dirs:
            for path in sorted(Path(root).glob("*.yaml")):
                data = _read_yaml(path)
                family = data.get("family", path.stem)
                self.benchmarks[family] = BenchmarkEntry(
                    family=family,
                    target=data["_target_"],
                    params=dict(data.get("params") or {}),
                    resources=dict(data.get("resources") or {}),
                    description=str(data.get("description", "")),
                    source=str(path),
                    simulated_cost=dict(data.get("simulated_cost") or {}),
                )

    # tasks --------------------------------------------------------------------
    @cached_property
    def task_ids(self) -> list[str]:
        return [task_id for family in self.benchmarks for task_id in self._family_ids(family)]

    def match_tasks(self, pattern: str) -> list[str]:
        """Task ids matching a glob (``blackbox/*``), an exact id, or a subset (``subset/blackbox/k20_dev``).

        When the pattern names its family literally (``blackbox/bbob/f01_*``), only that family's ids
        are listed: ``carps run`` on one family does not expand every other catalog.
        """
        if pattern.startswith(SUBSET_PREFIX):
            return self.subset_tasks(pattern)
        if not any(ch in pattern for ch in "*?["):
            if self._known(pattern):
                return [pattern]
            raise UnknownNameError(f"unknown task '{pattern}'{_hint(pattern, self._hint_ids(pattern))}; list them with: carps list tasks")
        parts = pattern.split("/")
        family = parts[1] if len(parts) > 1 and not any(ch in parts[1] for ch in "*?[") else None
        candidates = self._family_ids(family) if family in self.benchmarks else self.task_ids
        found = fnmatch.filter(candidates, pattern)
        if not found:
            raise UnknownNameError(f"no task matches '{pattern}'; list them with: carps list tasks (types: {', '.join(t.value for t in TaskType)})")
        return found

    def _family_ids(self, family: str) -> list[str]:
        ids = self._ids_by_family.get(family)
        if ids is None:
            ids = self._ids_by_family[family] = list(self.benchmarks[family].benchmark.task_ids())
        return ids

    def _hint_ids(self, task_id: str) -> list[str]:
        """Where to look for close matches of an unknown id: its family's ids when it names a family
        (tens of thousands of ids make difflib take seconds), else every id."""
        parts = task_id.split("/")
        return self._family_ids(parts[1]) if len(parts) > 1 and parts[1] in self.benchmarks else self.task_ids

    def _known(self, task_id: str) -> bool:
        """Whether ``task_id`` exists; only its own family's ids are listed to find out."""
        parts = task_id.split("/")
        if len(parts) < 3 or parts[1] not in self.benchmarks:
            return False
        ids = self._id_sets.get(parts[1])
        if ids is None:
            ids = self._id_sets[parts[1]] = set(self._family_ids(parts[1]))
        return task_id in ids

    def get_task(self, task_id: str, **options: Any) -> Any:
        """Build a task; ``options`` (from ``task.<name>=value`` overrides) go to the family's ``get_task``."""
        parts = task_id.split("/")
        if len(parts) < 3 or parts[1] not in self.benchmarks:
            families = sorted(self.benchmarks)
            raise UnknownNameError(f"unknown task '{task_id}': ids look like <type>/<family>/<name> with a family from {families}")
        entry = self.benchmarks[parts[1]]
        if not self._known(task_id):
            raise UnknownNameError(f"unknown task '{task_id}'{_hint(task_id, self._hint_ids(task_id))}; list them with: carps list tasks")
        task = entry.benchmark.get_task(task_id, **options) if options else entry.benchmark.get_task(task_id)
        if entry.simulated_cost:
            task.metadata.setdefault("simulated_cost", dict(entry.simulated_cost))
        return task

    def family_of(self, task_id: str) -> BenchmarkEntry:
        return self.benchmarks[task_id.split("/")[1]]

    def missing_data(self, family: str) -> str | None:
        """Why ``family``'s tasks cannot be built for lack of data (a line naming the fix), or None.

        Asks the family's :meth:`~carps.core.benchmark.BenchmarkFamily.missing_data`; a plugin family
        that is not a ``BenchmarkFamily`` subclass and has no such method needs no data.
        """
        if family not in self.benchmarks:
            return None
        check = getattr(self.benchmarks[family].benchmark, "missing_data", None)
        return check() if callable(check) else None

    # subsets ------------------------------------------------------------------
    def subset_names(self) -> list[str]:
        names = []
        for root in self.subset_dirs:
            names.extend(SUBSET_PREFIX + p.relative_to(root).with_suffix("").as_posix() for p in sorted([*root.rglob("k*.yaml"), *root.rglob("pool.yaml")]))
        return names

    def subset_tasks(self, pattern: str) -> list[str]:
        names = fnmatch.filter(self.subset_names(), pattern)
        if not names:
            raise UnknownNameError(f"no subset matches '{pattern}'{_hint(pattern, self.subset_names())}; list them with: carps list tasks 'subset/*'")
        ids: list[str] = []
        for name in names:
            rel = name[len(SUBSET_PREFIX):] + ".yaml"
            path = next(root / rel for root in self.subset_dirs if (root / rel).exists())
            ids.extend(t for t in _read_yaml(path).get("tasks", []) if t not in ids)
        return ids

    # optimizers ---------------------------------------------------------------
    def optimizer(self, opt_id: str) -> OptimizerEntry:
        try:
            return self.optimizers[opt_id]
        except KeyError:
            raise UnknownNameError(f"unknown optimizer '{opt_id}'{_hint(opt_id, self.optimizers)}; list them with: carps list optimizers") from None

    def resolve_optimizer(self, name: str, task_type: TaskType) -> str | None:
        """The optimizer id to run for ``name`` on a task type, or None if it has nothing for that type.

        An exact id is taken as is if it supports the type; a family name (``smac``) picks that family's
        variant recommended for the type.
        """
        if name in self.optimizers:
            caps = self.optimizers[name].load_class().capabilities
            return name if task_type in caps.task_types else None
        variants = [e for e in self.optimizers.values() if e.family == name]
        if not variants:
            self.optimizer(name)  # raises with a hint
        for entry in variants:
            if task_type.value in entry.recommended_for:
                return entry.id
        return None


def _hint(name: str, choices: Iterable[str]) -> str:
    import difflib  # only for error messages

    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f" (did you mean: {', '.join(close)}?)" if close else ""


def _plugin_dirs(group: str, found: Any = None) -> list[Path]:
    """The catalog folders that installed plugins add to ``group``; ``found``: the entry points of
    every installed package, when the caller has read them already (one scan for both groups)."""
    from importlib.metadata import entry_points

    dirs = []
    for ep in found.select(group=group) if found is not None else entry_points(group=group):
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not break carps itself
            raise CarpsError(f"plugin '{ep.name}' ({ep.value}) in group {group} failed to load: {exc}") from exc
        path = Path(obj() if callable(obj) else obj)
        if not path.is_dir():
            raise CarpsError(f"plugin '{ep.name}' in group {group} points to {path}, which is not a folder of catalog YAML files")
        dirs.append(path)
    return dirs


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The registry of built-in and installed-plugin catalogs (built once per process)."""
    from importlib.metadata import entry_points

    found = entry_points()  # every installed package's metadata is read once, not once per group
    return Registry(
        optimizer_dirs=[builtin_catalog_dir("optimizers"), *_plugin_dirs("carps.optimizers", found)],
        benchmark_dirs=[builtin_catalog_dir("benchmarks"), *_plugin_dirs("carps.benchmarks", found)],
        subset_dirs=[builtin_catalog_dir("subsets")],
    )
