"""Default budgets of benchmark tasks.

All families use one rule so budgets are comparable across task types: ``20 + 40 * sqrt(d)``
full-fidelity trials for a ``d``-dimensional search space, the rule of the CARP-S task catalog.
On multi-fidelity tasks the same number counts full-fidelity *equivalents*: the run loop charges a
trial at fidelity ``b`` with ``b / b_max`` of one trial.

>>> default_trials(1), default_trials(4), default_trials(16)
(60, 100, 180)
"""

from __future__ import annotations

import math

from carps.core.types import Budget


def default_trials(dimension: int) -> int:
    """Number of full-fidelity trials for a search space of ``dimension`` hyperparameters."""
    return math.ceil(20 + 40 * math.sqrt(max(int(dimension), 1)))


def default_budget(dimension: int) -> Budget:
    """The default :class:`Budget` for a search space of ``dimension`` hyperparameters."""
    return Budget(n_trials=default_trials(dimension))
