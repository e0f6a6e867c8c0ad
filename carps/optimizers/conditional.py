"""Legal configurations from libraries that know nothing of conditions and forbidden clauses.

Optuna and Nevergrad sample every hyperparameter of a flat space. :func:`legalize` turns such a full
assignment into a configuration of the real ConfigSpace: hyperparameters whose conditions are not met
are dropped, and an assignment that hits a forbidden clause is rejected (``None``) so the adapter can
ask its library again instead of evaluating something outside the space.

>>> from ConfigSpace import ConfigurationSpace, EqualsCondition
>>> space = ConfigurationSpace({"kind": ["a", "b"], "x": (0.0, 1.0)})
>>> space.add(EqualsCondition(space["x"], space["kind"], "a"))
>>> legalize(space, {"kind": "b", "x": 0.3})
{'kind': 'b'}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ConfigSpace import ConfigurationSpace


def needs_legalizing(space: ConfigurationSpace) -> bool:
    """Whether a flat sample of ``space`` can be illegal (the space has conditions or forbiddens)."""
    return bool(space.conditions) or bool(space.forbidden_clauses)


def legalize(space: ConfigurationSpace, values: dict[str, Any]) -> dict[str, Any] | None:
    """``values`` with inactive hyperparameters dropped, or ``None`` if it violates a forbidden clause."""
    from ConfigSpace.util import deactivate_inactive_hyperparameters

    try:
        configuration = deactivate_inactive_hyperparameters(values, space)
        configuration.check_valid_configuration()
    except ValueError:  # ForbiddenValueError and friends are ValueErrors
        return None
    # the library's own values, not ConfigSpace's vector round trip of them (which may move the last bit)
    return {name: values[name] for name in configuration}
