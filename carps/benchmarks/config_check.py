"""Rejecting configurations that lie outside a task's search space, with a message that says why.

Benchmark functions call a :class:`ConfigCheck` before evaluating: a surrogate or a closed-form
function would otherwise return a plausible number for a nonsense input. The check costs a few
microseconds (bounds and choices are read once); spaces with conditions are additionally checked by
ConfigSpace itself.

>>> from ConfigSpace import ConfigurationSpace
>>> check = ConfigCheck(ConfigurationSpace({"x": (0.0, 1.0)}), "blackbox/toy/t")
>>> check({"x": 0.5})
>>> check({"x": 2.0})
Traceback (most recent call last):
...
carps.benchmarks.config_check.InvalidConfigError: blackbox/toy/t: x=2.0 is outside [0.0, 1.0]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from carps.core.errors import CarpsError

if TYPE_CHECKING:
    from ConfigSpace import ConfigurationSpace


class InvalidConfigError(CarpsError, ValueError):
    """A configuration (or fidelity) outside the task's search space."""


class ConfigCheck:
    """A fast membership test for one search space; call it with a config dict."""

    def __init__(self, space: ConfigurationSpace, task_id: str) -> None:
        from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter

        self.space = space
        self.task_id = task_id
        self.rules: dict[str, tuple[str, Any]] = {}
        for name, hp in space.items():
            if isinstance(hp, CategoricalHyperparameter):
                self.rules[name] = ("choice", set(hp.choices))
            elif isinstance(hp, OrdinalHyperparameter):
                self.rules[name] = ("choice", set(hp.sequence))
            elif isinstance(hp, Constant):
                self.rules[name] = ("choice", {hp.value})
            else:
                integer = type(hp).__name__.startswith(("UniformInteger", "NormalInteger", "BetaInteger"))
                # bounds widened once by the rounding tolerance, so the hot path is two comparisons
                low, high = hp.lower, hp.upper
                self.rules[name] = ("int" if integer else "float", (low - 1e-9 * (1 + abs(low)), high + 1e-9 * (1 + abs(high)), low, high))
        from ConfigSpace import EqualsCondition, InCondition

        children = {c.child.name for c in space.conditions} if space.conditions else set()
        self.required = [n for n in self.rules if n not in children]
        # simple conditions (child active iff the parent is active and takes one of some values) are
        # checked here; anything else (AND/OR conjunctions, forbiddens) goes through ConfigSpace
        self.simple: list[tuple[str, str, set[Any]]] = []
        complex_conditions = False
        for cond in space.conditions:
            if isinstance(cond, EqualsCondition):
                self.simple.append((cond.child.name, cond.parent.name, {cond.value}))
            elif isinstance(cond, InCondition):
                self.simple.append((cond.child.name, cond.parent.name, set(cond.values)))
            else:
                complex_conditions = True
        self.conditional = complex_conditions or bool(space.forbidden_clauses)

    def __call__(self, config: dict[str, Any]) -> None:
        for name in self.required:
            if name not in config:
                raise InvalidConfigError(f"{self.task_id}: hyperparameter '{name}' is missing from the config")
        for name, value in config.items():
            rule = self.rules.get(name)
            if rule is None:
                raise InvalidConfigError(f"{self.task_id}: unknown hyperparameter '{name}' (the space has: {', '.join(self.rules)})")
            kind, spec = rule
            if kind == "choice":
                if value not in spec:
                    raise InvalidConfigError(f"{self.task_id}: {name}={value!r} is not one of {sorted(map(str, spec))}")
                continue
            kind_of_value = type(value)
            if kind_of_value is not float and kind_of_value is not int:  # rare: numpy scalars, bools, text
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise InvalidConfigError(f"{self.task_id}: {name}={value!r} is not a finite number")
            low_tol, high_tol, low, high = spec
            if not (low_tol <= value <= high_tol):  # also catches NaN and infinities
                if not math.isfinite(value):
                    raise InvalidConfigError(f"{self.task_id}: {name}={value!r} is not a finite number")
                raise InvalidConfigError(f"{self.task_id}: {name}={value!r} is outside [{low}, {high}]")
            if kind == "int" and value != int(value):
                raise InvalidConfigError(f"{self.task_id}: {name}={value!r} must be an integer")
        for child, parent, allowed in self.simple:
            active = parent in config and config[parent] in allowed
            if active != (child in config):
                state = "active" if active else "inactive"
                raise InvalidConfigError(f"{self.task_id}: hyperparameter '{child}' is {state} (it depends on {parent}) but {'missing' if active else 'given'}")
        if self.conditional:
            from carps.core.space import to_configuration

            try:
                to_configuration(self.space, config)
            except Exception as exc:  # ConfigSpace raises several types; all mean "not in the space"
                raise InvalidConfigError(f"{self.task_id}: {str(exc).splitlines()[0]}") from None

    def fidelity(self, task_fidelity: Any, value: float | None) -> None:
        """Reject a fidelity outside the task's bounds."""
        if value is None or task_fidelity is None:
            return
        if not task_fidelity.contains(float(value)):
            raise InvalidConfigError(
                f"{self.task_id}: fidelity {task_fidelity.name}={value} is outside [{task_fidelity.low}, {task_fidelity.high}]"
            )
