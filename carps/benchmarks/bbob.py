"""BBOB: the 24 noiseless COCO functions through ``ioh``, as blackbox tasks.

Ids are ``blackbox/bbob/f<fid>_d<dim>_i<instance>``; the search space is ``x0..x{d-1}`` in [-5, 5].
The objective is the raw function value, whose known optimum is recorded as the objective's lower
bound for normalization.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from carps.benchmarks.budget import default_trials
from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Budget, Objective, TaskType

_ID = re.compile(r"^blackbox/bbob/f(\d+)_d(\d+)_i(\d+)$")


def bbob_budget(dimension: int) -> int:
    """Default number of trials: the catalog-wide rule ``20 + 40 * sqrt(d)`` (see :mod:`carps.benchmarks.budget`)."""
    return default_trials(dimension)


class BBOB(BenchmarkFamily):
    """The BBOB family; ``functions``, ``dimensions`` and ``instances`` choose the grid of tasks."""

    def __init__(self, functions: Sequence[int] = tuple(range(1, 25)), dimensions: Sequence[int] = (2, 3, 5, 10, 20), instances: Sequence[int] = tuple(range(1, 11))) -> None:
        super().__init__(functions=functions, dimensions=dimensions, instances=instances)
        self.functions = [int(f) for f in functions]
        self.dimensions = [int(d) for d in dimensions]
        self.instances = [int(i) for i in instances]

    def task_ids(self) -> list[str]:
        return [f"blackbox/bbob/f{f:02d}_d{d}_i{i}" for f in self.functions for d in self.dimensions for i in self.instances]

    def get_task(self, task_id: str) -> Task:
        match = _ID.match(task_id)
        if not match:
            raise UnknownNameError(f"'{task_id}' is not a BBOB task id; they look like blackbox/bbob/f01_d5_i1")
        fid, dim, iid = (int(g) for g in match.groups())
        return make_bbob_task(fid, dim, iid)


def make_bbob_task(fid: int, dim: int, iid: int) -> Task:
    from ConfigSpace import ConfigurationSpace, Float

    ioh = require("ioh", extra="bbob")
    problem = ioh.get_problem(fid, instance=iid, dimension=dim, problem_class=ioh.ProblemClass.BBOB)
    names = [f"x{j}" for j in range(dim)]
    space = ConfigurationSpace({n: Float(n, (-5.0, 5.0)) for n in names})
    task_id = f"blackbox/bbob/f{fid:02d}_d{dim}_i{iid}"
    check = ConfigCheck(space, task_id)

    def function(config: dict[str, Any], fidelity: float | None, seed: int | None) -> float:
        check(config)
        return problem([config[n] for n in names])

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Any, seed: int | None) -> list[float]:
        for config in configs:
            check(config)
        return list(problem([[c[n] for n in names] for c in configs]))

    return Task(
        id=task_id,
        type=TaskType.BLACKBOX,
        space=space,
        objectives=(Objective("y", minimize=True, lower=float(problem.optimum.y)),),
        function=function,
        batch_function=batch_function,
        budget=Budget(n_trials=bbob_budget(dim)),
        metadata={"function": fid, "dimension": dim, "instance": iid, "optimum_x": list(problem.optimum.x)},
    )
