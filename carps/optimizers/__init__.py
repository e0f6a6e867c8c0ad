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
from carps.core.types import Budget, Fidelity, Objective


def create(
    optimizer_id: str,
    space: Any,
    objectives: Sequence[Objective | str] = ("cost",),
    fidelity: Fidelity | None = None,
    seed: int = 0,
    n_trials: int = 100,
    **params: Any,
) -> Optimizer:
    """An ask/tell optimizer from the catalog, on a bare ConfigSpace (no task, no run loop, no logging).

    ``objectives`` are minimized; pass :class:`Objective` objects to maximize some. Catalog
    parameters of the variant are used unless overridden by ``params``.
    """
    from carps.core.registry import get_registry

    entry = get_registry().optimizer(optimizer_id)
    objs = tuple(o if isinstance(o, Objective) else Objective(o) for o in objectives)
    cls = entry.load_class()
    return cls(space, objs, fidelity, seed=seed, budget=Budget(n_trials=n_trials), **{**entry.params, **params})
