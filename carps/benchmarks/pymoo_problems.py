"""pymoo's multi-objective test problems (ZDT, DTLZ, WFG) as multiobjective tasks, with known fronts.

Ids: ``multiobjective/pymoo/zdt1_d30``, ``multiobjective/pymoo/dtlz2_m3_d12``,
``multiobjective/pymoo/wfg4_m5_d24`` (``m`` objectives, ``d`` variables). Variables are named
``x0..x{d-1}`` with pymoo's bounds (ZDT5's bit string is ``d`` integer 0/1 variables). Objectives
``f1..fm`` are minimized.

:func:`known_front` gives a sampled Pareto front for each task (cached), which the analysis uses for
hypervolume reference points and normalization:

>>> front = known_front("multiobjective/pymoo/zdt1_d10")
>>> front.shape
(100, 2)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Sequence

from carps.benchmarks.budget import default_budget
from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Objective, TaskType

_ID = re.compile(r"^multiobjective/pymoo/(zdt\d|dtlz\d|wfg\d)(?:_m(\d+))?_d(\d+)$")
# Das-Dennis partitions per objective count: a few hundred reference points at most.
_PARTITIONS = {2: 99, 3: 12, 4: 8, 5: 6, 6: 4, 7: 3, 8: 3, 10: 3}


def wfg_position(n_obj: int) -> int:
    """WFG's position-parameter count ``k``: a multiple of ``m - 1`` and at least 4."""
    step = n_obj - 1
    return step * -(-4 // step)


class PymooProblems(BenchmarkFamily):
    """ZDT/DTLZ/WFG over grids of variable and objective counts.

    ``zdt``: problem -> variable counts; ``dtlz``/``wfg``: problem -> list of ``[n_obj, n_var]``.
    """

    def __init__(self, zdt: dict[str, list[int]], dtlz: dict[str, list[list[int]]], wfg: dict[str, list[list[int]]]) -> None:
        super().__init__(zdt=zdt, dtlz=dtlz, wfg=wfg)
        self.grid: list[tuple[str, int | None, int]] = []
        for name, dims in zdt.items():
            self.grid.extend((name, None, int(d)) for d in dims)
        for table in (dtlz, wfg):
            for name, pairs in table.items():
                self.grid.extend((name, int(m), int(d)) for m, d in pairs)

    def task_ids(self) -> list[str]:
        return [task_id_of(name, m, d) for name, m, d in self.grid]

    def get_task(self, task_id: str) -> Task:
        name, n_obj, n_var = parse_task_id(task_id)
        return make_pymoo_task(name, n_obj, n_var)


def task_id_of(name: str, n_obj: int | None, n_var: int) -> str:
    middle = f"_m{n_obj}" if n_obj is not None else ""
    return f"multiobjective/pymoo/{name}{middle}_d{n_var}"


def parse_task_id(task_id: str) -> tuple[str, int | None, int]:
    match = _ID.match(task_id)
    if not match:
        raise UnknownNameError(f"'{task_id}' is not a pymoo task id; they look like multiobjective/pymoo/zdt1_d30 or multiobjective/pymoo/dtlz2_m3_d12")
    name, m, d = match.groups()
    return name, int(m) if m else None, int(d)


def pymoo_problem(name: str, n_obj: int | None, n_var: int) -> Any:
    """The pymoo problem object behind a task."""
    require("pymoo", extra="mo")
    from pymoo.problems import get_problem

    if name == "zdt5":
        # ZDT5: 30 bits for x1 and 5 bits for each further variable
        return get_problem("zdt5", m=(n_var - 30) // 5 + 1, n=5, normalize=False)
    if name.startswith("zdt"):
        return get_problem(name, n_var=n_var)
    if name.startswith("dtlz"):
        return get_problem(name, n_var=n_var, n_obj=n_obj)
    return get_problem(name, n_var=n_var, n_obj=n_obj, k=wfg_position(int(n_obj)))


def make_pymoo_task(name: str, n_obj: int | None, n_var: int) -> Task:
    from ConfigSpace import ConfigurationSpace, Float, Integer

    import numpy as np

    task_id = task_id_of(name, n_obj, n_var)
    try:
        problem = pymoo_problem(name, n_obj, n_var)
    except (ValueError, TypeError) as exc:
        raise UnknownNameError(f"{task_id}: pymoo rejects this combination: {exc}") from None
    if problem.n_var != n_var:
        raise UnknownNameError(f"{task_id}: {name} has {problem.n_var} variables here, not {n_var}")
    names = [f"x{j}" for j in range(n_var)]
    if name == "zdt5":
        space = ConfigurationSpace({n: Integer(n, (0, 1)) for n in names})
    else:
        space = ConfigurationSpace({n: Float(n, (float(lo), float(hi))) for n, lo, hi in zip(names, problem.xl, problem.xu)})
    check = ConfigCheck(space, task_id)

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Any, seed: int | None) -> list[list[float]]:
        for config in configs:
            check(config)
        x = np.array([[config[n] for n in names] for config in configs], dtype=float)
        return np.atleast_2d(problem.evaluate(x)).tolist()


    return Task(
        id=task_id,
        type=TaskType.MULTIOBJECTIVE,
        space=space,
        objectives=tuple(Objective(f"f{i + 1}") for i in range(problem.n_obj)),
        batch_function=batch_function,
        budget=default_budget(n_var),
        metadata={"problem": name, "n_obj": problem.n_obj, "n_var": n_var, "known_front": "carps.benchmarks.pymoo_problems.known_front"},
    )


@lru_cache(maxsize=256)
def _front(name: str, n_obj: int | None, n_var: int) -> Any:
    import numpy as np

    problem = pymoo_problem(name, n_obj, n_var)
    m = problem.n_obj
    if name in ("dtlz5", "dtlz6", "dtlz7"):
        return _sampled_front(problem, name, m)
    if m == 2:
        return np.asarray(problem.pareto_front(), dtype=float)
    from pymoo.util.ref_dirs import get_reference_directions

    ref_dirs = get_reference_directions("das-dennis", m, n_partitions=_PARTITIONS.get(m, 3))
    return np.asarray(problem.pareto_front(ref_dirs), dtype=float)


def _sampled_front(problem: Any, name: str, m: int) -> Any:
    """Evaluate Pareto-optimal decision vectors (distance variables at their optimum) and keep the non-dominated.

    Used where pymoo has no closed form for every objective count (DTLZ5/6) or would download one (DTLZ7).
    """
    import numpy as np
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    rng = np.random.default_rng(0)
    n = 4000
    x = np.empty((n, problem.n_var))
    x[:, : m - 1] = rng.uniform(0.0, 1.0, size=(n, m - 1))
    x[0, : m - 1], x[1, : m - 1] = 0.0, 1.0  # the extreme points of the front
    x[:, m - 1:] = 0.5 if name == "dtlz5" else 0.0
    f = np.atleast_2d(problem.evaluate(x))
    keep = NonDominatedSorting().do(f, only_non_dominated_front=True)
    return f[keep]


def known_front(task_id: str) -> Any:
    """A sampled Pareto front (``n_points x n_obj`` array, objectives in minimization form) of a pymoo task."""
    name, n_obj, n_var = parse_task_id(task_id)
    return _front(name, n_obj, n_var).copy()
