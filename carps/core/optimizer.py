"""The ask/tell protocol every optimizer adapter implements.

Adapters subclass :class:`Optimizer` and implement ``_setup`` (their parameters), ``_ask`` and ``_tell``; the public ``ask``/``tell``
number the trials and keep the incumbent up to date. Adapters never loop and never log:
the run loop in :mod:`carps.core.loop` does that, once, for all of them.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping, Sequence

from carps.core.errors import CarpsError, UnsupportedTaskError
from carps.core.types import Budget, Constraint, Fidelity, Objective, TaskType, TrialInfo, TrialStatus, TrialValue

if TYPE_CHECKING:
    from ConfigSpace import ConfigurationSpace

    from carps.core.task import Task


class StopRun(Exception):
    """Raised by ``_ask`` when the optimizer has nothing left to evaluate.

    The run loop ends the run there with ``stop_reason = "optimizer_done"``, whatever budget is left:
    a fixed baseline that spends one trial, or a grid that is exhausted, stops instead of repeating.
    """


class WaitForResults(CarpsError):
    """Raised by ``_ask`` when the optimizer cannot propose anything until running trials are told.

    Only parallel runs see it (a generation-based method whose whole population is out): the loop
    leaves the free worker idle until the next trial finishes, then asks again.
    """


@dataclass(frozen=True)
class Capabilities:
    """What an optimizer can handle; checked before a run starts."""

    task_types: frozenset[TaskType] = frozenset({TaskType.BLACKBOX})
    conditional: bool = True
    categorical: bool = True
    #: whether the optimizer models a constrained task's constraints; one that does not still runs on
    #: such tasks and sees only the objectives (the analysis counts feasible trials only either way)
    constraints: bool = False
    #: whether the optimizer takes the trials still running into account when it is asked again
    #: (a constant liar, pending points, an asynchronous scheduler); one that does not is simply asked
    #: again while trials run (see docs/parallel.md)
    parallel: bool = False

    @classmethod
    def of(
        cls,
        task_types: Iterable[str | TaskType],
        conditional: bool = True,
        categorical: bool = True,
        constraints: bool = False,
        parallel: bool = False,
    ) -> Capabilities:
        return cls(frozenset(TaskType(t) for t in task_types), conditional, categorical, constraints, parallel)


def space_features(space: ConfigurationSpace) -> tuple[bool, bool]:
    """Whether a space has conditions and whether it has categorical/ordinal hyperparameters."""
    from ConfigSpace import CategoricalHyperparameter, OrdinalHyperparameter

    conditional = len(space.conditions) > 0
    categorical = any(isinstance(hp, (CategoricalHyperparameter, OrdinalHyperparameter)) for hp in space.values())
    return conditional, categorical


class Optimizer(ABC):
    """Base class of optimizer adapters.

    An adapter works on a bare ConfigSpace, so it can be used without any carps task:

    >>> from ConfigSpace import ConfigurationSpace
    >>> from carps.optimizers.random_search import RandomSearch
    >>> opt = RandomSearch(ConfigurationSpace({"x": (0.0, 1.0)}), seed=1)
    >>> info = opt.ask()
    >>> opt.tell(info, TrialValue(costs=(info.config["x"] ** 2,)))
    >>> len(opt.incumbent())
    1
    """

    capabilities: ClassVar[Capabilities] = Capabilities()
    #: the PyPI distribution whose implementation this adapter drives; ``carps list optimizers`` shows
    #: its installed version (a catalog file's ``library:`` key overrides it for one variant)
    library: ClassVar[str | None] = None

    def __init__(
        self,
        space: ConfigurationSpace,
        objectives: Sequence[Objective] = (Objective("cost"),),
        fidelity: Fidelity | None = None,
        seed: int = 0,
        budget: Budget | None = None,
        constraints: Sequence[Constraint] = (),
        n_workers: int = 1,
        **params: Any,
    ) -> None:
        self.space = space
        #: trials the run keeps in flight; adapters with ``capabilities.parallel`` configure their
        #: library for it in ``_setup`` (e.g. a constant liar)
        self.n_workers = int(n_workers)
        self.objectives = tuple(objectives)
        #: the task's constraints; an adapter whose ``capabilities.constraints`` is True reads their values
        #: from ``TrialValue.constraints`` in ``_tell``, the others may ignore them
        self.constraints = tuple(constraints)
        self.fidelity = fidelity
        self.seed = int(seed)
        self.budget = budget or Budget(n_trials=100)
        self.n_told = 0
        # the incumbent is kept incrementally, so memory stays flat however many trials a run has
        self._front: list[tuple[TrialInfo, TrialValue]] = []
        self._top_fidelity = float("-inf")
        self._n_asked = 0
        self._setup(**params)

    def _setup(self, **params: Any) -> None:
        """Build the library object; ``params`` are the variant's catalog parameters."""
        if params:
            raise TypeError(f"{type(self).__name__} takes no parameters, got: {', '.join(sorted(params))}")

    @classmethod
    def for_task(cls, task: Task, seed: int, budget: Budget | None = None, **params: Any) -> Optimizer:
        """Build the adapter for ``task`` after checking that it supports the task."""
        cls.check_supports(task)
        return cls(task.space, task.objectives, task.fidelity, seed=seed, budget=budget or task.budget, constraints=task.constraints, **params)

    @classmethod
    def uses_constraints(cls, params: Mapping[str, Any] | None = None) -> bool:
        """Whether this adapter, with a catalog variant's ``params``, models a task's constraints.

        ``capabilities.constraints`` by default; an adapter where it depends on a parameter (Optuna's
        sampler) overrides this. An optimizer that does not model constraints sees only the objectives of a constrained task.

        >>> from carps.optimizers.random_search import RandomSearch
        >>> RandomSearch.uses_constraints()
        False
        """
        return cls.capabilities.constraints

    @classmethod
    def check_supports(cls, task: Task) -> None:
        caps = cls.capabilities
        if task.type not in caps.task_types:
            supported = ", ".join(sorted(t.value for t in caps.task_types))
            raise UnsupportedTaskError(
                f"{cls.__name__} does not support {task.type.value} tasks like {task.id} (it supports: {supported})"
            )
        conditional, categorical = space_features(task.space)
        if conditional and not caps.conditional:
            raise UnsupportedTaskError(f"{cls.__name__} does not support conditional search spaces ({task.id})")
        if categorical and not caps.categorical:
            raise UnsupportedTaskError(f"{cls.__name__} does not support categorical hyperparameters ({task.id})")

    def ask(self) -> TrialInfo:
        """The next trial to evaluate."""
        info = self._ask()
        info.trial = self._n_asked
        if info.seed is None:
            info.seed = self.seed
        self._n_asked += 1
        return info

    def tell(self, info: TrialInfo, value: TrialValue | float | Sequence[float]) -> None:
        """Report the outcome of a trial that ``ask`` returned.

        ``value`` is a :class:`~carps.core.types.TrialValue` (costs in minimization form, status, time
        and budget used), or, as in Optuna's ``study.tell``, the objective values themselves: a number,
        or one number per objective, in the objectives' own units (maximized objectives are negated
        here). A non-finite number records the trial as ``invalid``. On multi-fidelity tasks the trial
        is charged for the fidelity it ran at.

        >>> from ConfigSpace import ConfigurationSpace
        >>> from carps.optimizers.random_search import RandomSearch
        >>> opt = RandomSearch(ConfigurationSpace({"x": (0.0, 1.0)}), seed=1)
        >>> opt.tell(opt.ask(), 0.37)
        >>> opt.incumbent()[0][1].costs
        (0.37,)
        """
        if not isinstance(value, TrialValue):
            value = self._as_trial_value(info, value)
        self.n_told += 1
        self._track_incumbent(info, value)
        self._tell(info, value)

    def _as_trial_value(self, info: TrialInfo, value: Any) -> TrialValue:
        if _is_number(value):
            values = [value]
        elif hasattr(value, "__len__") and hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Mapping)):
            values = list(value)  # a sequence or a numpy array
        else:
            values = None
        if values is None or not all(_is_number(v) for v in values):
            raise TypeError(
                f"tell() takes a TrialValue, a number or a sequence of numbers (one per objective), got {type(value).__name__}: {value!r}"
            )
        if len(values) != len(self.objectives):
            names = ", ".join(o.name for o in self.objectives)
            raise ValueError(f"tell() got {len(values)} value(s) for {len(self.objectives)} objective(s) ({names})")
        budget_cost = 1.0
        if self.fidelity is not None:
            budget_cost = self.fidelity.cost(self.fidelity.high if info.fidelity is None else info.fidelity)
        if not all(math.isfinite(float(v)) for v in values):
            return TrialValue(None, TrialStatus.INVALID, f"objective returned a non-finite value: {tuple(values)}", budget_cost=budget_cost)
        return TrialValue(tuple(o.to_cost(float(v)) for o, v in zip(self.objectives, values)), budget_cost=budget_cost)

    def incumbent(self) -> list[tuple[TrialInfo, TrialValue]]:
        """The best trial so far (single objective) or the non-dominated trials (multi-objective).

        On multi-fidelity tasks only trials at the highest fidelity seen are compared; on constrained
        tasks only feasible trials.
        """
        return list(self._front)

    def _track_incumbent(self, info: TrialInfo, value: TrialValue) -> None:
        if not value.feasible or value.costs is None:
            return
        if self.fidelity is not None:
            level = self.fidelity.high if info.fidelity is None else info.fidelity
            if level < self._top_fidelity:
                return
            if level > self._top_fidelity:
                self._top_fidelity = level
                self._front = []
        costs = value.costs
        if len(costs) == 1:
            if not self._front or costs[0] < self._front[0][1].costs[0]:  # type: ignore[index]
                self._front = [(info, value)]
            return
        if any(_dominates(v.costs, costs) or v.costs == costs for _, v in self._front):  # type: ignore[arg-type]
            return
        self._front = [(i, v) for i, v in self._front if not _dominates(costs, v.costs)] + [(info, value)]  # type: ignore[arg-type]

    @abstractmethod
    def _ask(self) -> TrialInfo: ...

    @abstractmethod
    def _tell(self, info: TrialInfo, value: TrialValue) -> None: ...


def _is_number(value: Any) -> bool:
    # bool is an int, but True/False is never a measured objective value
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))
