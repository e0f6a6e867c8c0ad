"""Nevergrad optimizers (NGOpt, CMA-ES, differential evolution, ...) behind the ask/tell interface.

The ConfigSpace becomes a Nevergrad ``Dict`` parametrization: floats as ``Scalar`` (``Log`` on log
scales), integers the same with integer casting, categoricals as ``Choice``, ordinals as
``TransitionChoice`` (which keeps their order), constants are added back unchanged. Nevergrad has no
conditions: every hyperparameter is proposed and the inactive ones are dropped. Forbidden clauses are
registered as a cheap constraint, which Nevergrad tries to satisfy when it proposes; a proposal that
still violates one is told as the worst cost seen and replaced, never evaluated.

Failed trials are told with the worst cost seen so far (before any success they are not told at all;
Nevergrad accepts candidates that are never told). The parametrization's random state is seeded with
the run's seed, which is all the randomness Nevergrad's optimizers use.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = NevergradOptimizer(ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]}), seed=1, optimizer="NGOpt")
>>> sorted(opt.ask().config)
['k', 'x']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.conditional import first_legal, legalize, legalizer


def nevergrad_parametrization(space: Any) -> tuple[Any, dict[str, Any]]:
    """A Nevergrad ``Dict`` parametrization of ``space`` and the constants left out of it."""
    from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter
    from ConfigSpace.hyperparameters import FloatHyperparameter, IntegerHyperparameter

    ng = require("nevergrad", extra="nevergrad")
    params: dict[str, Any] = {}
    constants: dict[str, Any] = {}
    for hp in space.values():
        if isinstance(hp, (FloatHyperparameter, IntegerHyperparameter)):
            kind = ng.p.Log if hp.log else ng.p.Scalar
            param = kind(lower=float(hp.lower), upper=float(hp.upper))
            params[hp.name] = param.set_integer_casting() if isinstance(hp, IntegerHyperparameter) else param
        elif isinstance(hp, CategoricalHyperparameter):
            params[hp.name] = ng.p.Choice(list(hp.choices))
        elif isinstance(hp, OrdinalHyperparameter):
            params[hp.name] = ng.p.TransitionChoice(list(hp.sequence))
        elif isinstance(hp, Constant):
            constants[hp.name] = hp.value
        else:
            raise CarpsError(f"hyperparameter '{hp.name}' of type {type(hp).__name__} has no Nevergrad equivalent")
    return ng.p.Dict(**params), constants


def _plain(value: Any) -> Any:
    """Python scalars instead of numpy ones, so configs stay JSON-plain."""
    return value.item() if isinstance(value, np.generic) else value


class NevergradOptimizer(Optimizer):
    """A Nevergrad optimizer by registry name (``NGOpt``, ``CMA``, ``TwoPointsDE``, ...).

    Parallel runs pass the run's worker count as Nevergrad's ``num_workers``, the library's own way
    to plan for pending asks (NGOpt then picks a method that can have several candidates out).
    """

    capabilities = Capabilities.of(["blackbox"], parallel=True)
    library = "nevergrad"
    max_rejections = 1000

    def _setup(self, optimizer: str = "NGOpt", **kwargs: Any) -> None:
        ng = require("nevergrad", extra="nevergrad")
        if optimizer not in ng.optimizers.registry:
            raise CarpsError(f"unknown Nevergrad optimizer '{optimizer}'; see nevergrad.optimizers.registry")
        param, self._constants = nevergrad_parametrization(self.space)
        param.random_state = np.random.RandomState(self.seed)
        self._legalize = legalizer(self.space)
        if self.space.forbidden_clauses:
            param.register_cheap_constraint(lambda value: legalize(self.space, {**value, **self._constants}) is not None)
        self._ng = ng.optimizers.registry[optimizer](parametrization=param, budget=max(int(self.budget.n_trials), 1), num_workers=self.n_workers, **kwargs)
        self._worst: float | None = None

    def _propose(self) -> tuple[dict[str, Any], Any]:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "constraint could not be satisfied": first_legal rejects those
            candidate = self._ng.ask()
        config = {name: _plain(v) for name, v in candidate.value.items()}
        config.update(self._constants)
        return config, candidate

    def _reject(self, candidate: Any) -> None:
        if self._worst is not None:
            self._ng.tell(candidate, self._worst)

    def _ask(self) -> TrialInfo:
        config, candidate = first_legal(self._propose, self._legalize, self._reject, "Nevergrad", self.max_rejections)
        return TrialInfo(config=config, handle=candidate)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        if value.ok:
            cost = float(value.costs[0])  # type: ignore[index]
            self._worst = cost if self._worst is None else max(self._worst, cost)
            self._ng.tell(info.handle, cost)
        elif self._worst is not None:
            self._ng.tell(info.handle, self._worst)
