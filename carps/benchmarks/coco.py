"""COCO suites through COCO's own ``cocoex`` (package ``coco-experiment``): constrained, bi-objective,
mixed-integer, noisy and large-scale BBOB.

One family class serves every suite; each catalog file (``benchmarks/bbob_*.yaml``) names its suite
and the functions, dimensions and instances it expands to. Ids follow the BBOB family:
``<type>/<family>/f<fid>_d<dim>_i<instance>`` with COCO's own function numbers (f101..f130 on the
noisy suite).

- ``bbob-constrained`` (blackbox, constrained): COCO's constraint values come back as the task's
  constraints ``g0..g{m-1}``, feasible when at most 0, as in COCO.
- ``bbob-biobj`` (multiobjective): objectives ``f1, f2``; each objective's ``lower`` is COCO's ideal
  point, and ``metadata`` holds the nadir (``largest_fvalues_of_interest``) and COCO's best known
  hypervolume of the instance in its normalized objective space (see :mod:`carps.benchmarks.coco_reference`).
- ``bbob-mixint`` (blackbox): the first ``number_of_integer_variables`` variables are integers with
  COCO's bounds, the rest floats in [-5, 5].
- ``bbob-noisy`` (blackbox, noisy): COCO's noise models draw from an RNG that COCO seeds when the
  problem is built; carps builds one problem per trial seed, so a run's noise stream restarts with
  every run and runs are reproducible, while evaluating the same point twice gives two draws.
  With ``resamples: k`` in the catalog, each function is also a multi-fidelity task
  (``multifidelity/bbob_noisy/...``): fidelity ``resamples`` in [1, k] is the number of noisy draws
  averaged (the usual way to buy precision on a noisy function), costing ``resamples / k``.
- ``bbob-largescale`` (blackbox): COCO's large-scale variants in the dimensions of the catalog.

The known optimum of each single-objective task (COCO's value at its optimal solution) is the
objective's ``lower`` bound; on constrained tasks it bounds feasible values only.

>>> from carps.benchmarks import get_task
>>> task = get_task("blackbox/bbob_constrained/f01_d2_i1")  # doctest: +SKIP
>>> [c.name for c in task.constraints]  # doctest: +SKIP
['g0']
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Sequence

from carps.benchmarks.budget import default_trials
from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Budget, Constraint, Objective, Result, TaskType

_NAME = re.compile(r"^f(\d+)_d(\d+)_i(\d+)$")


@dataclass(frozen=True)
class SuiteSpec:
    """What carps needs to know about one COCO suite to list its tasks without importing cocoex."""

    name: str
    type: TaskType
    functions: tuple[int, ...]
    dimensions: tuple[int, ...]
    noisy: bool = False


#: COCO's suites that carps offers, with every function and dimension COCO defines for them
SUITES: dict[str, SuiteSpec] = {
    "bbob-constrained": SuiteSpec("bbob-constrained", TaskType.BLACKBOX, tuple(range(1, 55)), (2, 3, 5, 10, 20, 40)),
    "bbob-biobj": SuiteSpec("bbob-biobj", TaskType.MULTIOBJECTIVE, tuple(range(1, 56)), (2, 3, 5, 10, 20, 40)),
    "bbob-mixint": SuiteSpec("bbob-mixint", TaskType.BLACKBOX, tuple(range(1, 25)), (5, 10, 20, 40, 80, 160)),
    "bbob-noisy": SuiteSpec("bbob-noisy", TaskType.BLACKBOX, tuple(range(101, 131)), (2, 3, 5, 10, 20, 40), noisy=True),
    "bbob-largescale": SuiteSpec("bbob-largescale", TaskType.BLACKBOX, tuple(range(1, 25)), (20, 40, 80, 160, 320, 640)),
}

#: COCO's Suite constructor and problem lookup are not documented as thread-safe
_LOCK = threading.Lock()


class CocoSuite(BenchmarkFamily):
    """The tasks of one COCO suite; ``functions``, ``dimensions`` and ``instances`` choose the grid.

    >>> family = CocoSuite("bbob-noisy", functions=[101], dimensions=[2], instances=[1, 2])
    >>> family.family = "bbob_noisy"
    >>> family.task_ids()
    ['blackbox/bbob_noisy/f101_d2_i1', 'blackbox/bbob_noisy/f101_d2_i2']
    """

    def __init__(self, suite: str, functions: Sequence[int] | None = None, dimensions: Sequence[int] | None = None,
                 instances: Sequence[int] = tuple(range(1, 16)), resamples: int | None = None) -> None:
        if suite not in SUITES:
            raise UnknownNameError(f"unknown COCO suite '{suite}'; carps offers {', '.join(SUITES)}")
        spec = SUITES[suite]
        super().__init__(suite=suite, functions=functions, dimensions=dimensions, instances=instances, resamples=resamples)
        if resamples is not None and (not spec.noisy or int(resamples) < 2):
            raise UnknownNameError(f"resamples (a multi-fidelity form) needs a noisy suite and at least 2 draws; got {resamples} for {suite}")
        self.resamples = None if resamples is None else int(resamples)
        self.spec = spec
        self.constrained = suite == "bbob-constrained"
        self.functions = [int(f) for f in (functions or spec.functions)]
        self.dimensions = [int(d) for d in (dimensions or spec.dimensions)]
        self.instances = [int(i) for i in instances]
        bad = [f for f in self.functions if f not in spec.functions] + [d for d in self.dimensions if d not in spec.dimensions]
        if bad:
            raise UnknownNameError(f"COCO suite {suite} has no function or dimension {bad}: functions {spec.functions[0]}..{spec.functions[-1]}, dimensions {list(spec.dimensions)}")

    def _prefixes(self) -> list[str]:
        family = self.family or self.spec.name.replace("-", "_")
        types = [self.spec.type] + ([TaskType.MULTIFIDELITY] if self.resamples else [])
        return [f"{t.value}/{family}/" for t in types]

    def task_ids(self) -> list[str]:
        return [f"{prefix}f{f:02d}_d{d}_i{i}" for prefix in self._prefixes() for f in self.functions for d in self.dimensions for i in self.instances]

    def get_task(self, task_id: str) -> Task:
        for prefix in self._prefixes():
            match = _NAME.match(task_id[len(prefix):]) if task_id.startswith(prefix) else None
            if match:
                fid, dim, iid = (int(g) for g in match.groups())
                resamples = self.resamples if prefix.startswith(TaskType.MULTIFIDELITY.value) else None
                return make_coco_task(self.spec, task_id, fid, dim, iid, resamples)
        raise UnknownNameError(f"'{task_id}' is not a task of COCO's {self.spec.name}; ids look like {self._prefixes()[0]}f{self.functions[0]:02d}_d{self.dimensions[0]}_i1")


def coco_problem(suite: str, fid: int, dim: int, iid: int) -> tuple[Any, Any]:
    """COCO's problem and the suite object that owns it (the problem is valid only while the suite lives)."""
    cocoex = require("cocoex", extra="coco")
    with _LOCK:
        cocoex.log_level("error")  # COCO warns on stderr about filter ranges it adjusts
        owner = cocoex.Suite(suite, f"instances: {iid}", f"dimensions: {dim}")
        return owner, owner.get_problem_by_function_dimension_instance(fid, dim, iid)


def make_coco_task(spec: SuiteSpec, task_id: str, fid: int, dim: int, iid: int, resamples: int | None = None) -> Task:
    import numpy as np
    from ConfigSpace import ConfigurationSpace, Float, Integer

    from carps.core.types import Fidelity

    from carps.benchmarks.coco_reference import reference

    owner, problem = coco_problem(spec.name, fid, dim, iid)
    n_int = int(problem.number_of_integer_variables)
    lower, upper = np.asarray(problem.lower_bounds, dtype=float), np.asarray(problem.upper_bounds, dtype=float)
    names = [f"x{j}" for j in range(dim)]
    hps = [Integer(n, (int(lower[j]), int(upper[j]))) if j < n_int else Float(n, (float(lower[j]), float(upper[j]))) for j, n in enumerate(names)]
    space = ConfigurationSpace({hp.name: hp for hp in hps})
    check = ConfigCheck(space, task_id)
    n_con = int(problem.number_of_constraints)
    ref = reference(spec.name, fid, dim, iid)
    metadata: dict[str, Any] = {"suite": spec.name, "function": fid, "dimension": dim, "instance": iid, "coco_id": problem.id, "coco_name": problem.name}

    if spec.type is TaskType.MULTIOBJECTIVE:
        ideal = ref["ideal"] if ref else [None, None]
        objectives: tuple[Objective, ...] = tuple(Objective(f"f{k + 1}", lower=ideal[k]) for k in range(2))
        metadata["nadir"] = [float(v) for v in problem.largest_fvalues_of_interest]
        if ref:
            metadata["coco_reference_hv"] = ref["hv"]
    else:
        objectives = (Objective("y", lower=ref["fopt"] if ref else None),)
    if spec.noisy:
        # evaluating a point twice gives two noise draws: the conformance kit does not expect equal values
        metadata["noisy_objectives"] = ("y",)
    problems: dict[int | None, Any] = {}  # one per trial seed on noisy suites; see the module docstring
    owners = [owner]  # a COCO problem is valid only while its suite object lives: the closure keeps them

    def problem_for(seed: int | None) -> Any:
        if not spec.noisy:
            return problem
        if seed not in problems:
            suite_obj, problems[seed] = coco_problem(spec.name, fid, dim, iid)
            owners.append(suite_obj)
        return problems[seed]

    fidelity_spec = None if resamples is None else Fidelity("resamples", 1, resamples, integer=True)

    def function(config: dict[str, Any], fidelity: float | None, seed: int | None) -> Any:
        check(config)
        check.fidelity(fidelity_spec, fidelity)
        x = np.array([config[n] for n in names], dtype=float)
        p = problem_for(seed)
        if fidelity_spec is not None:
            draws = int(round(fidelity if fidelity is not None else resamples))
            return Result((float(np.mean([p(x) for _ in range(draws)])),))
        values = p(x)
        objs = tuple(float(v) for v in np.atleast_1d(values))
        if n_con:
            return Result(objs, constraints=tuple(float(c) for c in p.constraint(x)))
        return Result(objs)

    return Task(
        id=task_id,
        type=TaskType.MULTIFIDELITY if fidelity_spec is not None else spec.type,
        fidelity=fidelity_spec,
        space=space,
        objectives=objectives,
        constraints=tuple(Constraint(f"g{k}") for k in range(n_con)),
        function=function,
        budget=Budget(n_trials=default_trials(dim)),
        metadata=metadata,
    )
