"""Engineering design problems, in-process: BoTorch's constrained and multi-objective test problems, pymoo's constrained ones.

Single-objective, constrained (``blackbox/engineering/<name>``): pressure vessel, welded beam,
tension/compression spring, speed reducer (BoTorch's ``PressureVessel``, ``WeldedBeamSO``,
``TensionCompressionString``, ``SpeedReducer``) and Keane's bump function in several dimensions
(``keane_bump_d<d>``). Multi-objective (``multiobjective/engineering/<name>``): vehicle safety, car
side impact, disc brake, the penicillin process, the two-objective welded beam (BoTorch) and pymoo's
BNH, OSY, TNK and SRN.

Values are the libraries' own: BoTorch's ``evaluate_true`` and ``evaluate_slack_true`` (BoTorch calls a
point feasible when every slack is at least 0, so the constraint values here are the negated slacks),
pymoo's ``F`` and ``G`` (feasible when ``G <= 0``, as here). The penicillin process maximizes its
yield (BoTorch minimizes its negation). Known optima (BoTorch's ``optimal_value``) are the
objective's ``lower`` bound, which holds over the feasible region. BoTorch's reference points of the
multi-objective problems are in ``metadata["ref_point"]``, in minimization form (carps' costs). Every problem is deterministic.

>>> from carps.benchmarks import get_task
>>> task = get_task("blackbox/engineering/pressure_vessel")  # doctest: +SKIP
>>> task.constraint_names  # doctest: +SKIP
('g0', 'g1', 'g2', 'g3')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from carps.benchmarks.budget import default_trials
from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Budget, Constraint, Objective, Result, TaskType


@dataclass(frozen=True)
class Problem:
    """One engineering problem: where it comes from and how its objectives are named."""

    source: str  # "botorch" or "pymoo"
    cls: str  # BoTorch class in botorch.test_functions, or pymoo problem name
    objectives: tuple[str, ...]
    maximize: tuple[str, ...] = ()  # objectives whose library value is their negation (BoTorch minimizes -yield)
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> TaskType:
        return TaskType.MULTIOBJECTIVE if len(self.objectives) > 1 else TaskType.BLACKBOX


PROBLEMS: dict[str, Problem] = {
    "pressure_vessel": Problem("botorch", "PressureVessel", ("cost",)),
    "welded_beam": Problem("botorch", "WeldedBeamSO", ("cost",)),
    "tension_compression_spring": Problem("botorch", "TensionCompressionString", ("weight",)),
    "speed_reducer": Problem("botorch", "SpeedReducer", ("weight",)),
    "vehicle_safety": Problem("botorch", "VehicleSafety", ("mass", "acceleration", "toe_board_intrusion")),
    "car_side_impact": Problem("botorch", "CarSideImpact", ("weight", "pubic_force", "velocity", "door_velocity")),
    "disc_brake": Problem("botorch", "DiscBrake", ("mass", "stopping_time")),
    "penicillin": Problem("botorch", "Penicillin", ("yield", "co2", "time"), maximize=("yield",)),
    "welded_beam_mo": Problem("botorch", "WeldedBeam", ("cost", "deflection")),
    "bnh": Problem("pymoo", "bnh", ("f1", "f2")),
    "osy": Problem("pymoo", "osy", ("f1", "f2")),
    "tnk": Problem("pymoo", "tnk", ("f1", "f2")),
    "srn": Problem("pymoo", "srn", ("f1", "f2")),
}
#: Keane's bump function: the dimensions offered (BoTorch knows the optimum of all but d=5)
KEANE_DIMENSIONS = (2, 5, 10, 15, 20, 30, 40, 50)


class Engineering(BenchmarkFamily):
    """The engineering design problems; ``problems`` and ``keane_dimensions`` choose which.

    >>> family = Engineering(problems=["bnh", "pressure_vessel"], keane_dimensions=[10])
    >>> family.family = "engineering"
    >>> family.task_ids()
    ['multiobjective/engineering/bnh', 'blackbox/engineering/pressure_vessel', 'blackbox/engineering/keane_bump_d10']
    """

    constrained = True  # most of its tasks are (vehicle safety, car side impact and penicillin are not)

    def __init__(self, problems: Sequence[str] | None = None, keane_dimensions: Sequence[int] = KEANE_DIMENSIONS) -> None:
        super().__init__(problems=problems, keane_dimensions=keane_dimensions)
        self.problems = list(problems or PROBLEMS)
        unknown = [p for p in self.problems if p not in PROBLEMS]
        if unknown:
            raise UnknownNameError(f"unknown engineering problem(s) {unknown}; choose from {', '.join(PROBLEMS)}")
        self.keane_dimensions = [int(d) for d in keane_dimensions]

    def task_ids(self) -> list[str]:
        family = self.family or "engineering"
        ids = [f"{PROBLEMS[p].type.value}/{family}/{p}" for p in self.problems]
        return ids + [f"blackbox/{family}/keane_bump_d{d}" for d in self.keane_dimensions]

    def get_task(self, task_id: str) -> Task:
        if task_id not in self.task_ids():
            raise UnknownNameError(f"'{task_id}' is not an engineering task; they are: {', '.join(self.task_ids())}")
        name = task_id.rsplit("/", 1)[1]
        if name.startswith("keane_bump_d"):
            return _botorch_task(task_id, Problem("botorch", "KeaneBumpFunction", ("y",), kwargs={"dim": int(name[len("keane_bump_d"):])}))
        spec = PROBLEMS[name]
        return _botorch_task(task_id, spec) if spec.source == "botorch" else _pymoo_task(task_id, spec)


def _space(lower: Sequence[float], upper: Sequence[float]) -> tuple[Any, list[str]]:
    from ConfigSpace import ConfigurationSpace, Float

    names = [f"x{j}" for j in range(len(lower))]
    return ConfigurationSpace({n: Float(n, (float(lo), float(hi))) for n, lo, hi in zip(names, lower, upper)}), names


def _make(task_id: str, spec: Problem, lower: Any, upper: Any, evaluate: Any, n_con: int, optimum: float | None, metadata: dict[str, Any]) -> Task:
    """A task around ``evaluate(matrix) -> (objective matrix in the library's form, constraint matrix or None)``."""
    import numpy as np

    space, names = _space(lower, upper)
    check = ConfigCheck(space, task_id)
    signs = np.array([-1.0 if o in spec.maximize else 1.0 for o in spec.objectives])

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Any, seed: int | None) -> list[Result]:
        for config in configs:
            check(config)
        X = np.array([[c[n] for n in names] for c in configs], dtype=float)
        F, G = evaluate(X)
        F = np.asarray(F, dtype=float).reshape(len(configs), -1) * signs
        out = []
        for k in range(len(configs)):
            limits = () if G is None else tuple(float(g) for g in G[k])
            out.append(Result(tuple(float(v) for v in F[k]), constraints=limits))
        return out

    objectives = tuple(Objective(o, minimize=o not in spec.maximize, lower=optimum if len(spec.objectives) == 1 else None) for o in spec.objectives)
    return Task(
        id=task_id,
        type=spec.type,
        space=space,
        objectives=objectives,
        constraints=tuple(Constraint(f"g{k}") for k in range(n_con)),
        batch_function=batch_function,
        budget=Budget(n_trials=default_trials(len(names))),
        metadata={"source": spec.source, "problem": spec.cls, **metadata},
    )


def _botorch_task(task_id: str, spec: Problem) -> Task:
    import numpy as np

    require("botorch", extra="bo")
    import torch
    from botorch.test_functions import multi_objective, synthetic

    cls = getattr(synthetic, spec.cls, None) or getattr(multi_objective, spec.cls)
    problem = cls(**spec.kwargs)
    bounds = problem.bounds.numpy()
    n_con = int(getattr(problem, "num_constraints", 0))

    def evaluate(X: Any) -> tuple[Any, Any]:
        with torch.no_grad():
            T = torch.tensor(X, dtype=torch.float64)
            F = problem.evaluate_true(T).numpy()
            # BoTorch: feasible when slack >= 0; carps: feasible when the value <= 0
            G = -problem.evaluate_slack_true(T).numpy() if n_con else None
        return F, G

    optimum = getattr(problem, "_optimal_value", None)
    metadata: dict[str, Any] = {}
    ref = getattr(problem, "_ref_point", None)
    if ref is not None and len(spec.objectives) > 1:
        # in minimization form (carps' costs, BoTorch's own values): worse than every point of interest
        metadata["ref_point"] = [float(r) for r in np.atleast_1d(ref)]
    return _make(task_id, spec, bounds[0], bounds[1], evaluate, n_con, None if optimum is None else float(optimum), metadata)


def _pymoo_task(task_id: str, spec: Problem) -> Task:
    require("pymoo", extra="mo")
    from pymoo.problems import get_problem

    problem = get_problem(spec.cls)
    n_con = int(problem.n_ieq_constr)

    def evaluate(X: Any) -> tuple[Any, Any]:
        F, G = problem.evaluate(X, return_values_of=["F", "G"])
        return F, G if n_con else None

    return _make(task_id, spec, problem.xl, problem.xu, evaluate, n_con, None, {})
