"""Optuna samplers behind the ask/tell interface (Optuna's own ask-and-tell API)."""

from __future__ import annotations

from typing import Any

from carps.core.errors import require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.types import TrialInfo, TrialValue


def optuna_distributions(space: Any) -> dict[str, Any]:
    """ConfigSpace hyperparameters as Optuna distributions (log scales, integers, categoricals kept)."""
    from ConfigSpace import (
        CategoricalHyperparameter,
        Constant,
        OrdinalHyperparameter,
        UniformFloatHyperparameter,
        UniformIntegerHyperparameter,
    )

    optuna = require("optuna", extra="optuna")
    dists: dict[str, Any] = {}
    for hp in space.values():
        if isinstance(hp, UniformFloatHyperparameter):
            dists[hp.name] = optuna.distributions.FloatDistribution(hp.lower, hp.upper, log=hp.log)
        elif isinstance(hp, UniformIntegerHyperparameter):
            dists[hp.name] = optuna.distributions.IntDistribution(hp.lower, hp.upper, log=hp.log)
        elif isinstance(hp, CategoricalHyperparameter):
            dists[hp.name] = optuna.distributions.CategoricalDistribution(list(hp.choices))
        elif isinstance(hp, OrdinalHyperparameter):
            dists[hp.name] = optuna.distributions.CategoricalDistribution(list(hp.sequence))
        elif isinstance(hp, Constant):
            dists[hp.name] = optuna.distributions.CategoricalDistribution([hp.value])
        else:
            raise TypeError(f"hyperparameter {hp.name} of type {type(hp).__name__} has no Optuna equivalent")
    return dists


class OptunaOptimizer(Optimizer):
    """An Optuna study driven through ask/tell; ``sampler`` names the sampler class.

    Conditional spaces: every hyperparameter is sampled, then the inactive ones are dropped by
    ConfigSpace's condition logic; a configuration hitting a forbidden clause is told as failed to
    Optuna and asked again, so nothing outside the space is ever evaluated.
    """

    capabilities = Capabilities.of(["blackbox", "multiobjective"])
    samplers = {"tpe": "TPESampler", "random": "RandomSampler", "qmc": "QMCSampler", "cmaes": "CmaEsSampler", "nsga2": "NSGAIISampler", "nsga3": "NSGAIIISampler", "gp": "GPSampler"}

    def _setup(self, sampler: str = "tpe", **sampler_kwargs: Any) -> None:
        optuna = require("optuna", extra="optuna")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler_cls = getattr(optuna.samplers, self.samplers.get(sampler, sampler))
        self._study = optuna.create_study(
            sampler=sampler_cls(seed=self.seed, **sampler_kwargs),
            directions=["minimize"] * len(self.objectives),
        )
        self._dists = optuna_distributions(self.space)
        self._has_conditions = bool(self.space.conditions) or bool(self.space.forbidden_clauses)

    def _ask(self) -> TrialInfo:
        while True:
            trial = self._study.ask(self._dists)
            config = dict(trial.params)
            if not self._has_conditions:
                return TrialInfo(config=config, handle=trial)
            legal = self._legalize(config)
            if legal is not None:
                return TrialInfo(config=legal, handle=trial)
            self._study.tell(trial, state=require("optuna", "optuna").trial.TrialState.FAIL)

    def _legalize(self, config: dict[str, Any]) -> dict[str, Any] | None:
        from ConfigSpace import Configuration
        from ConfigSpace.util import deactivate_inactive_hyperparameters

        from carps.core.space import configuration_to_dict

        try:
            cfg = deactivate_inactive_hyperparameters(config, self.space)
            Configuration(self.space, values=dict(cfg)).check_valid_configuration()
        except Exception:
            return None
        return configuration_to_dict(cfg)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        optuna = require("optuna", extra="optuna")
        if value.ok:
            self._study.tell(info.handle, list(value.costs))  # type: ignore[arg-type]
        else:
            self._study.tell(info.handle, state=optuna.trial.TrialState.FAIL)
