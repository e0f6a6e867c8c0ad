"""The vocabulary of the thin interface: task types, objectives, fidelities, budgets and trials.

Only the standard library is imported here, so every layer can use these types for free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, Sequence


class TaskType(str, Enum):
    """The four kinds of optimization problem carps benchmarks."""

    BLACKBOX = "blackbox"
    MULTIFIDELITY = "multifidelity"
    MULTIOBJECTIVE = "multiobjective"
    MOMF = "momf"

    @property
    def multi_fidelity(self) -> bool:
        return self in (TaskType.MULTIFIDELITY, TaskType.MOMF)

    @property
    def multi_objective(self) -> bool:
        return self in (TaskType.MULTIOBJECTIVE, TaskType.MOMF)


@dataclass(frozen=True)
class Objective:
    """One objective of a task, in the task's own units.

    ``lower``/``upper`` are known bounds (e.g. the optimum of a BBOB function); the analysis uses
    them as reference points for normalization when present.
    """

    name: str
    minimize: bool = True
    lower: float | None = None
    upper: float | None = None

    def to_cost(self, value: float) -> float:
        """The value in minimization form, as optimizers see it."""
        return value if self.minimize else -value


@dataclass(frozen=True)
class Constraint:
    """One constraint of a task: a trial is feasible when every constraint's value is at most 0.

    The value is in the task's own units (e.g. ``stress - max_stress``); its size tells optimizers
    that model constraints how far a configuration is from the feasible region.

    >>> Constraint("stress").satisfied(-0.5), Constraint("stress").satisfied(0.1)
    (True, False)
    """

    name: str

    def satisfied(self, value: float) -> bool:
        return value <= 0.0


@dataclass(frozen=True)
class Fidelity:
    """The budget dimension of a multi-fidelity task (epochs, training-set fraction, ...)."""

    name: str
    low: float
    high: float
    log: bool = False
    integer: bool = False

    def __post_init__(self) -> None:
        if not (0 < self.high and self.low <= self.high):
            raise ValueError(f"fidelity '{self.name}' needs 0 < high and low <= high, got [{self.low}, {self.high}]")

    def cost(self, value: float) -> float:
        """The share of one full evaluation that a trial at ``value`` costs."""
        return float(value) / self.high

    def contains(self, value: float) -> bool:
        return self.low - 1e-12 <= value <= self.high + 1e-12


@dataclass(frozen=True)
class Budget:
    """How much a run may spend.

    ``n_trials`` counts full-fidelity evaluations: on a multi-fidelity task a trial at fidelity
    ``b`` costs ``b / b_max`` of one, so ``n_trials=10`` allows e.g. 30 trials at a third of the
    maximum fidelity. ``wall_time`` (seconds) stops a run early regardless. ``time_budget`` is in
    seconds of the simulated clock of a parallel run (:mod:`carps.core.parallel`): no trial starts
    after it, and trials still running when it ends are cut.
    """

    n_trials: float
    wall_time: float | None = None
    time_budget: float | None = None


class TrialStatus(str, Enum):
    OK = "ok"
    CRASHED = "crashed"
    TIMEOUT = "timeout"
    INVALID = "invalid"  # NaN/inf objective or a config outside the space


@dataclass
class TrialInfo:
    """What an optimizer asks to evaluate.

    ``handle`` is the adapter's own bookkeeping (e.g. a library trial object); carps never reads it.
    """

    config: dict[str, Any]
    fidelity: float | None = None
    seed: int | None = None
    trial: int = -1
    handle: Any = field(default=None, repr=False, compare=False)


@dataclass
class TrialValue:
    """The outcome of one trial as told to the optimizer.

    ``costs`` holds every objective in minimization form (maximized objectives are negated); it is
    ``None`` when the trial failed, and ``status``/``error`` say why. ``constraints`` holds the
    constraint values of a constrained task (feasible when all are at most 0), else ``()``.

    >>> TrialValue(costs=(1.0,), constraints=(-0.2, 0.3)).feasible
    False
    """

    costs: tuple[float, ...] | None
    status: TrialStatus = TrialStatus.OK
    error: str | None = None
    wall_time: float = 0.0
    budget_cost: float = 1.0
    constraints: tuple[float, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is TrialStatus.OK

    @property
    def feasible(self) -> bool:
        """A successful trial whose constraints (if any) all hold."""
        return self.ok and all(c <= 0.0 for c in self.constraints)


@dataclass
class Result:
    """What a task's objective function returns: objective values in the task's own units.

    A constrained task also returns its ``constraints`` values (feasible when all are at most 0).
    """

    objectives: tuple[float, ...]
    info: dict[str, Any] = field(default_factory=dict)
    constraints: tuple[float, ...] = ()


def as_result(raw: Any, n_objectives: int, n_constraints: int = 0) -> Result:
    """Accept the forms an objective function may return: a number, a sequence, a mapping, a Result.

    A constrained task's function returns a :class:`Result` with ``constraints`` (the other forms
    carry objectives only).
    """
    if isinstance(raw, Result):
        result = raw
        if result.constraints and not all(type(c) is float for c in result.constraints):
            # numpy scalars from a family's function: plain floats for JSON and comparisons
            result = Result(result.objectives, result.info, tuple(float(c) for c in result.constraints))
    elif isinstance(raw, (int, float)):
        result = Result((float(raw),))
    elif isinstance(raw, Mapping):
        result = Result(tuple(float(v) for v in raw.values()))
    elif isinstance(raw, Sequence) or hasattr(raw, "__len__"):
        result = Result(tuple(float(v) for v in raw))
    else:
        raise TypeError(f"objective function returned {type(raw).__name__}; expected a float, a sequence or a Result")
    if len(result.objectives) != n_objectives:
        raise ValueError(f"objective function returned {len(result.objectives)} values for {n_objectives} objectives")
    if len(result.constraints) != n_constraints:
        raise ValueError(
            f"objective function returned {len(result.constraints)} constraint values for {n_constraints} constraints"
            + ("; return Result(objectives, constraints=...)" if n_constraints else "")
        )
    return result
