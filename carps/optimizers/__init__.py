"""Optimizer adapters. Use them on their own with :func:`create`.

>>> from ConfigSpace import ConfigurationSpace
>>> from carps.optimizers import create
>>> opt = create("random", space=ConfigurationSpace({"x": (0.0, 1.0)}), seed=1)
>>> info = opt.ask()
>>> 0.0 <= info.config["x"] <= 1.0
True
"""

from __future__ import annotations

from typing import Any, Sequence

from carps.core.optimizer import Optimizer
from carps.core.types import Budget, Constraint, Fidelity, Objective


def create(
    optimizer_id: str,
    space: Any,
    objectives: Sequence[Objective | str] | Objective | str = ("cost",),
    fidelity: Fidelity | None = None,
    seed: int = 0,
    n_trials: float = 100,
    constraints: Sequence[Constraint | str] = (),
    **params: Any,
) -> Optimizer:
    """An ask/tell optimizer from the catalog, on a bare ConfigSpace (no task, no run loop, no logging).

    Args:
        optimizer_id: a catalog id such as ``"smac/hpo"`` or ``"optuna/tpe"`` (``carps list optimizers``).
        space: the ``ConfigSpace.ConfigurationSpace`` to search.
        objectives: objective names (minimized) or :class:`~carps.core.types.Objective` objects;
            more than one makes a multi-objective optimizer. One name alone is fine too.
        fidelity: the budget dimension for multi-fidelity optimizers; then ``ask`` also proposes a fidelity.
        seed: the optimizer's seed.
        n_trials: the budget in full-fidelity evaluations, for optimizers that plan with it.
        constraints: constraint names (feasible when the value is at most 0); an optimizer that models
            constraints (``uses_constraints()``) reads their values from ``TrialValue.constraints``.
        **params: overrides of the variant's catalog parameters.

    Returns:
        An :class:`~carps.core.optimizer.Optimizer`: call ``ask()``, evaluate ``info.config`` (at
        ``info.fidelity``), then ``tell(info, TrialValue(costs=(...,)))`` with costs in minimization form.

    Raises:
        UnknownNameError: the id is not in the catalog.
        UnsupportedTaskError: the optimizer cannot handle this number of objectives, the fidelity,
            or the space's conditions or categorical hyperparameters.
        MissingDependencyError: the optimizer's library is not installed (the message names the pip extra).

    Example:
        >>> from ConfigSpace import ConfigurationSpace
        >>> from carps.core import TrialValue
        >>> opt = create("random", ConfigurationSpace({"x": (-1.0, 1.0)}), objectives="loss", seed=3)
        >>> for _ in range(20):
        ...     info = opt.ask()
        ...     opt.tell(info, TrialValue(costs=(info.config["x"] ** 2,)))
        >>> best_info, best_value = opt.incumbent()[0]
        >>> best_value.costs[0] < 0.05
        True
    """
    from carps.core.registry import get_registry

    entry = get_registry().optimizer(optimizer_id)
    if isinstance(objectives, (str, Objective)):
        objectives = (objectives,)  # a lone name, not a sequence of one-letter names
    objs = tuple(o if isinstance(o, Objective) else Objective(o) for o in objectives)
    cls = entry.load_class()
    _check_supports(cls, optimizer_id, space, len(objs), fidelity)
    limits = tuple(c if isinstance(c, Constraint) else Constraint(c) for c in ([constraints] if isinstance(constraints, str) else constraints))
    return cls(space, objs, fidelity, seed=seed, budget=Budget(n_trials=n_trials), constraints=limits, **{**entry.params, **params})


def _check_supports(cls: type[Optimizer], optimizer_id: str, space: Any, n_objectives: int, fidelity: Fidelity | None) -> None:
    """The capability check that ``Optimizer.for_task`` does, for a problem given without a task."""
    from carps.core.errors import UnsupportedTaskError
    from carps.core.optimizer import space_features
    from carps.core.types import TaskType

    kind = {(False, False): TaskType.BLACKBOX, (True, False): TaskType.MULTIFIDELITY,
            (False, True): TaskType.MULTIOBJECTIVE, (True, True): TaskType.MOMF}[(fidelity is not None, n_objectives > 1)]
    caps = cls.capabilities
    if kind not in caps.task_types:
        supported = ", ".join(sorted(t.value for t in caps.task_types))
        raise UnsupportedTaskError(
            f"optimizer '{optimizer_id}' does not support {kind.value} problems ({n_objectives} objective(s), "
            f"{'a' if fidelity else 'no'} fidelity); it supports: {supported}"
        )
    conditional, categorical = space_features(space)
    if conditional and not caps.conditional:
        raise UnsupportedTaskError(f"optimizer '{optimizer_id}' does not support conditional search spaces")
    if categorical and not caps.categorical:
        raise UnsupportedTaskError(f"optimizer '{optimizer_id}' does not support categorical hyperparameters")
