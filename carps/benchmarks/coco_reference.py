"""Known optima and bi-objective reference values of the COCO tasks, computed once from ``cocoex``.

cocoex's Python interface does not hand out a problem's optimal value. It does write the optimal
solution to a file (``Problem._best_parameter("print")``), and COCO's optimum is the function value
there, so :func:`compute` evaluates COCO's problem at its own optimal solution. For ``bbob-biobj``
the file holds both single-objective optima: the ideal point is ``(f1(x1*), f2(x2*))``, and COCO's
best known hypervolume of the instance (in COCO's normalized objective space, ideal at 0 and nadir
at 1) is read from the table of reference values that cocoex's extension module carries.

Reading the file costs a problem construction and a file write, so the values of every task of the
catalog are computed once and shipped in ``coco_reference.json``; ``python -m
carps.benchmarks.coco_reference`` recomputes them (a few minutes), and
``tests/benchmarks/test_coco.py`` recomputes a sample and compares.

>>> reference("bbob-constrained", 1, 2, 1)["fopt"] > 0
True
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("coco_reference.json")
_BEST_FILE = re.compile(r"^\._.*best_parameter\.txt$")


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    try:
        return json.loads(DATA_FILE.read_text())
    except FileNotFoundError:  # a checkout that has not generated it: tasks come without known optima
        return {}


def reference(suite: str, fid: int, dim: int, iid: int) -> dict[str, Any] | None:
    """``{"fopt": ...}`` (single objective) or ``{"ideal": [..], "hv": ...}`` (bbob-biobj), or None if not tabulated."""
    value = _table().get(suite, {}).get(f"{fid}_{dim}_{iid}")
    if value is None:
        return None
    return {"ideal": value[:2], "hv": value[2]} if suite == "bbob-biobj" else {"fopt": value}


def optimal_solutions(problem: Any) -> Any:
    """COCO's optimal solution(s) of a problem: one row, or one per objective on bi-objective suites.

    cocoex writes them to a file in the working directory, so this runs in a private temporary
    directory (and changes the working directory meanwhile: not for use inside a threaded program).
    """
    import numpy as np

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            problem._best_parameter("print")
            files = [f for f in os.listdir(tmp) if _BEST_FILE.match(f)]
            if len(files) != 1:
                raise RuntimeError(f"cocoex wrote {files} for {problem.id}; expected one best-parameter file")
            return np.atleast_2d(np.loadtxt(Path(tmp) / files[0]))
        finally:
            os.chdir(here)


@lru_cache(maxsize=1)
def _biobj_hv_table() -> dict[str, float]:
    """COCO's best known hypervolumes per bbob-biobj problem id, from the table inside cocoex's extension module."""
    import cocoex.interface as interface

    data = Path(interface.__file__).read_bytes()
    return {m.group(1).decode(): float(m.group(2)) for m in re.finditer(rb"(bbob-biobj_f\d\d_i\d\d_d\d\d) ([0-9.eE+-]+)\x00", data)}


def compute(suite: str, fid: int, dim: int, iid: int) -> Any:
    """The tabulated value(s) of one task, from cocoex: ``fopt``, or ``[ideal1, ideal2, best_hv]``."""
    from carps.benchmarks.coco import coco_problem

    owner, problem = coco_problem(suite, fid, dim, iid)
    rows = optimal_solutions(problem)
    if suite == "bbob-biobj":
        ideal = [float(problem(rows[0])[0]), float(problem(rows[1])[1])]
        return [*ideal, _biobj_hv_table()[problem.id]]
    _ = owner
    return float(problem(rows[0]))


def main() -> None:  # pragma: no cover - regenerates the shipped table (minutes)
    from carps.benchmarks.coco import CocoSuite
    from carps.core.registry import get_registry

    table: dict[str, dict[str, Any]] = {}
    for entry in get_registry().benchmarks.values():
        family = entry.benchmark
        if not isinstance(family, CocoSuite):
            continue
        values = table.setdefault(family.spec.name, {})
        for f in family.functions:
            for d in family.dimensions:
                for i in family.instances:
                    value = compute(family.spec.name, f, d, i)
                    # 12 significant digits: far inside the bounds check's tolerance, a third of the file size
                    values[f"{f}_{d}_{i}"] = [float(f"{v:.12g}") for v in value] if isinstance(value, list) else float(f"{value:.12g}")
        print(f"{family.spec.name}: {len(values)} values", flush=True)
    DATA_FILE.write_text(json.dumps(table, separators=(",", ":")) + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
