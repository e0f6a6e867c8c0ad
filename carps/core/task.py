"""A task: one optimization problem with its search space, objectives, fidelity and budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from carps.core.types import Budget, Constraint, Fidelity, Objective, Result, TaskType, as_result

if TYPE_CHECKING:
    from ConfigSpace import ConfigurationSpace

ALGORITHM_KEY = "algorithm"
"""Reserved config key of named algorithms: a trial whose config is ``{ALGORITHM_KEY: name, **options}``
asks a task to run one of its ``algorithms`` (e.g. a learning-rate-free trainer at its documented
defaults) instead of a configuration from its search space. Only tasks that list ``algorithms`` accept it."""

ObjectiveFunction = Callable[[dict[str, Any], "float | None", "int | None"], Any]
RuntimeFunction = Callable[[dict[str, Any], "float | None", dict[str, Any]], float]
BatchObjectiveFunction = Callable[[Sequence[dict[str, Any]], Sequence["float | None"], "int | None"], Sequence[Any]]


@dataclass(eq=False)
class Task:
    """One optimization problem.

    ``function(config, fidelity, seed)`` returns the objective values in the task's own units
    (a float, a sequence, or a :class:`Result`). Families with a vectorized model may also give
    ``batch_function`` so several configurations are evaluated at once.

    >>> from ConfigSpace import ConfigurationSpace
    >>> task = Task(
    ...     id="blackbox/toy/sphere",
    ...     type=TaskType.BLACKBOX,
    ...     space=ConfigurationSpace({"x": (-1.0, 1.0)}),
    ...     objectives=(Objective("y"),),
    ...     function=lambda config, fidelity, seed: config["x"] ** 2,
    ... )
    >>> task.evaluate({"x": 0.5}).objectives
    (0.25,)

    A constrained task lists its ``constraints`` and its function returns their values in a
    :class:`Result` (feasible when every value is at most 0):

    >>> disc = Task(
    ...     id="blackbox/toy/disc",
    ...     type=TaskType.BLACKBOX,
    ...     space=ConfigurationSpace({"x": (-1.0, 1.0)}),
    ...     objectives=(Objective("y"),),
    ...     constraints=(Constraint("inside"),),
    ...     function=lambda config, fidelity, seed: Result((config["x"],), constraints=(config["x"] ** 2 - 0.25,)),
    ... )
    >>> disc.evaluate({"x": 0.1}).constraints
    (-0.24,)
    """

    id: str
    type: TaskType
    space: ConfigurationSpace
    objectives: tuple[Objective, ...]
    function: ObjectiveFunction | None = None  # None: evaluate through batch_function, one config at a time
    fidelity: Fidelity | None = None
    budget: Budget = field(default_factory=lambda: Budget(n_trials=100))
    batch_function: BatchObjectiveFunction | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    algorithms: tuple[str, ...] = ()  # named algorithms the function also runs; see ALGORITHM_KEY
    constraints: tuple[Constraint, ...] = ()  # feasible when every value is <= 0; see Constraint
    # the family's own runtime metric: ``runtime(config, fidelity, result_info)`` -> seconds one evaluation
    # takes (a surrogate's predicted training time, a measured fit time); drives the simulated clock of
    # parallel runs (carps.core.cost), None where the family has no such metric
    runtime: RuntimeFunction | None = None

    def __post_init__(self) -> None:
        self.algorithms = tuple(self.algorithms)
        if self.algorithms and ALGORITHM_KEY in self.space:
            raise ValueError(f"task {self.id}: a task with named algorithms cannot have a hyperparameter called '{ALGORITHM_KEY}'")
        if self.function is None and self.batch_function is None:
            raise ValueError(f"task {self.id}: give a function or a batch_function")
        self.type = TaskType(self.type)
        self.objectives = tuple(self.objectives)
        self.constraints = tuple(Constraint(c) if isinstance(c, str) else c for c in self.constraints)
        if len({c.name for c in self.constraints}) != len(self.constraints):
            raise ValueError(f"task {self.id}: constraint names must be unique, got {[c.name for c in self.constraints]}")
        if self.type.multi_fidelity != (self.fidelity is not None):
            raise ValueError(f"task {self.id}: type {self.type.value} {'needs' if self.type.multi_fidelity else 'must not have'} a fidelity")
        if self.type.multi_objective != (len(self.objectives) > 1):
            raise ValueError(f"task {self.id}: type {self.type.value} does not fit {len(self.objectives)} objective(s)")

    @property
    def family(self) -> str:
        """The benchmark family, the middle part of ``<type>/<family>/<name>``."""
        return self.id.split("/")[1]

    @property
    def objective_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.objectives)

    @property
    def constraint_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.constraints)

    @property
    def constrained(self) -> bool:
        return bool(self.constraints)

    def evaluate(self, config: dict[str, Any], fidelity: float | None = None, seed: int | None = None) -> Result:
        """Evaluate one configuration (at ``fidelity`` for multi-fidelity tasks; full fidelity if None)."""
        if self.fidelity is not None and fidelity is None:
            fidelity = self.fidelity.high
        if self.function is None:
            return as_result(self.batch_function([config], [fidelity], seed)[0], len(self.objectives), len(self.constraints))  # type: ignore[misc]
        return as_result(self.function(config, fidelity, seed), len(self.objectives), len(self.constraints))

    def evaluate_batch(
        self,
        configs: Sequence[dict[str, Any]],
        fidelities: Sequence[float | None] | None = None,
        seed: int | None = None,
    ) -> list[Result]:
        """Evaluate several configurations; vectorized when the family provides a batch function."""
        if fidelities is None:
            fidelities = [None] * len(configs)
        if self.fidelity is not None:
            fidelities = [self.fidelity.high if f is None else f for f in fidelities]
        if self.batch_function is None:
            return [self.evaluate(c, f, seed) for c, f in zip(configs, fidelities)]
        n, m = len(self.objectives), len(self.constraints)
        return [as_result(raw, n, m) for raw in self.batch_function(configs, fidelities, seed)]
