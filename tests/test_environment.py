"""The all-in-one environment: everything ``carps[all]`` promises is installed, new enough, and imports.

Run after ``pip install -e '.[all,dev]'`` (``make install``). Each failure names the pip extra to
install. Libraries that cannot come through an extra are listed in ``OUTSIDE_EXTRAS`` with the
command that installs them; docs/environment.md explains why.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import sys
from importlib.metadata import PackageNotFoundError, version
from importlib.metadata import packages_distributions as _packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# module -> how to install it, for libraries whose own metadata keeps them out of every extra (none today)
OUTSIDE_EXTRAS: dict[str, str] = {}


def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on Python 3.10 needs tomli")
    return tomllib.loads((REPO / "pyproject.toml").read_text())


EXTRAS: dict[str, list[str]] = _pyproject()["project"]["optional-dependencies"]


def expand(extra: str, seen: set[str] | None = None) -> list[tuple[str, str]]:
    """(extra, requirement) pairs of an extra, following ``carps[...]`` self-references."""
    from packaging.requirements import Requirement

    seen = set() if seen is None else seen
    pairs = []
    for spec in EXTRAS[extra]:
        req = Requirement(spec)
        if req.name == "carps":
            for sub in sorted(req.extras - seen):
                seen.add(sub)
                pairs.extend(expand(sub, seen))
        else:
            pairs.append((extra, spec))
    return pairs


ALL = expand("all")
#: module -> distributions, read once (a scan of every installed package, about a second each time)
packages_distributions = functools.cache(_packages_distributions)


def test_all_covers_every_library_extra():
    """``carps[all]`` holds every extra except the tooling ones (dev, docs)."""
    included = {extra for extra, _ in ALL}
    left_out = sorted(set(EXTRAS) - included - {"all", "dev", "docs"})
    assert not left_out, f"extras not in carps[all]: {left_out}; add them to 'all' in pyproject.toml or document why in docs/environment.md"


@pytest.mark.parametrize(("extra", "spec"), ALL, ids=[f"{e}:{s}" for e, s in ALL])
def test_requirement_installed_and_importable(extra: str, spec: str) -> None:
    from packaging.requirements import Requirement

    req = Requirement(spec)
    hint = f"pip install 'carps[{extra}]'"
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        pytest.fail(f"extra '{extra}': {req.name} is not installed; {hint}")
    assert req.specifier.contains(installed, prereleases=True), f"extra '{extra}': {req.name} {installed} does not satisfy '{spec}'; {hint}"
    modules = sorted(m for m, dists in packages_distributions().items() if _same(req.name, dists) and not m.startswith("_") and m.isidentifier())
    assert modules, f"extra '{extra}': {req.name} is installed but provides no importable module"
    module = _main_module(req.name, modules)  # torch also ships functorch and torchgen: import torch
    try:
        importlib.import_module(module)
    except Exception as exc:  # an import that breaks in this environment (e.g. a numpy 1 build)
        pytest.fail(f"extra '{extra}': 'import {module}' ({req.name} {installed}) fails: {type(exc).__name__}: {exc}")


def _same(name: str, dists: list[str]) -> bool:
    norm = lambda s: s.lower().replace("_", "-").replace(".", "-")  # noqa: E731
    return norm(name) in {norm(d) for d in dists}


def _main_module(dist: str, modules: list[str]) -> str:
    key = dist.lower().replace("-", "_")
    return next((m for m in modules if m.lower() == key), modules[0])


def test_numpy_2():
    import numpy

    assert int(numpy.__version__.split(".")[0]) >= 2, f"carps[all] is meant for numpy 2, this environment has numpy {numpy.__version__}"


def _require_calls() -> list[tuple[str, str, str]]:
    """Every distinct ``require(module, extra)`` in carps: (where, module, extra); ``where`` lists file:line sites."""
    calls: dict[tuple[str, str], list[str]] = {}
    for path in sorted((REPO / "carps").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "require":
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
                module, extra = (args + [None, None])[0], kw.get("extra", (args + [None, None])[1])
                if module and extra and extra != "core":
                    calls.setdefault((module, extra), []).append(f"{path.relative_to(REPO)}:{node.lineno}")
    return [(", ".join(sites), module, extra) for (module, extra), sites in sorted(calls.items())]


@pytest.mark.parametrize(("where", "module", "extra"), _require_calls(), ids=lambda v: v if len(v) < 40 else None)
def test_every_optional_import_names_a_real_extra_and_works(where: str, module: str, extra: str) -> None:
    """The extra an error message tells users to install exists, is part of carps[all], and provides the module."""
    assert extra in EXTRAS, f"{where} tell users to install 'carps[{extra}]' for {module}, but pyproject.toml defines no extra '{extra}'"
    assert extra in {e for e, _ in ALL}, f"{where}: extra '{extra}' is not part of carps[all]"
    try:
        importlib.import_module(module)
    except ImportError as exc:
        how = OUTSIDE_EXTRAS.get(module.split(".")[0], f"pip install 'carps[{extra}]'")
        pytest.fail(f"{where}: '{module}' does not import ({exc}); {how}")


def _catalog_targets() -> list[tuple[str, str]]:
    from carps.core.registry import get_registry

    registry = get_registry()
    opts = [(f"optimizer {e.id}", e.target) for e in registry.optimizers.values()]
    fams = [(f"benchmark {e.family}", e.target) for e in registry.benchmarks.values()]
    return sorted(set(opts + fams))


@pytest.mark.parametrize(("entry", "target"), _catalog_targets(), ids=lambda v: str(v))
def test_every_catalog_adapter_imports(entry: str, target: str) -> None:
    from carps.core.registry import load_target

    cls = load_target(target)  # raises a CarpsError naming the extra when a library is missing
    assert isinstance(cls, type), f"{entry}: _target_ {target} is not a class"


def test_python_versions_supported():
    """carps[all] is promised on Python 3.10 to 3.12: the metadata must allow all three, and this one."""
    from packaging.specifiers import SpecifierSet

    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert all(v in requires for v in ("3.10", "3.11", "3.12")), f"requires-python {requires} excludes a promised version"
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in requires


def _extra_mentions() -> list[tuple[str, str]]:
    """Every ``carps[extra,...]`` written in the code, the docs and the README: (file:line, extra)."""
    import re

    found = []
    for path in [*sorted((REPO / "carps").rglob("*.py")), *sorted((REPO / "docs").rglob("*.md")), REPO / "README.md"]:
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for group in re.findall(r"carps\[([a-z0-9_,-]+)\]", line):
                found.extend((f"{path.relative_to(REPO)}:{n}", extra) for extra in group.split(","))
    return found


def test_every_extra_mentioned_exists():
    """An install hint such as ``pip install 'carps[subsets]'`` must name an extra that pyproject.toml defines."""
    unknown = [f"{where}: carps[{extra}]" for where, extra in _extra_mentions() if extra not in EXTRAS]
    assert not unknown, "install hints name extras that pyproject.toml does not define:\n" + "\n".join(unknown)
