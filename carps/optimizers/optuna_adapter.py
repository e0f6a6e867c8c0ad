"""Optuna samplers (and Hyperband pruning) behind the ask/tell interface, via Optuna's ask-and-tell API.

Three adapters, because what a sampler supports decides the task types:

- :class:`OptunaOptimizer`: TPE (univariate, multivariate, multi-objective), random, Sobol QMC,
  GP, NSGA-II and NSGA-III on blackbox and multi-objective tasks;
- :class:`OptunaCmaEs`: CMA-ES, single objective only;
- :class:`OptunaHyperband`: a sampler plus Optuna's ``HyperbandPruner`` on multi-fidelity tasks.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = OptunaOptimizer(ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]}), seed=1, sampler="tpe")
>>> info = opt.ask()
>>> sorted(info.config)
['k', 'x']
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.conditional import first_legal, legalizer
from carps.optimizers.torch_threads import torch_threads as limit_torch_threads


def _optuna() -> Any:
    optuna = require("optuna", extra="optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def optuna_distributions(space: Any, ordinal_as_index: bool = False) -> dict[str, Any]:
    """ConfigSpace hyperparameters as Optuna distributions, ready for ``study.ask(distributions)``.

    Floats and integers keep their bounds and log scale (a normal or beta prior is dropped: Optuna has
    no priors); categoricals become categorical distributions. An ordinal becomes a categorical of its
    sequence, or with ``ordinal_as_index`` an integer index into it (see :func:`ordinal_sequences`),
    so that samplers which model order (TPE, GP, CMA-ES) keep it.

    >>> from ConfigSpace import ConfigurationSpace
    >>> sorted(optuna_distributions(ConfigurationSpace({"x": (0.0, 1.0), "n": (1, 8)})))
    ['n', 'x']
    """
    from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter
    from ConfigSpace.hyperparameters import FloatHyperparameter, IntegerHyperparameter

    optuna = _optuna()
    dists: dict[str, Any] = {}
    for hp in space.values():
        if isinstance(hp, FloatHyperparameter):
            dists[hp.name] = optuna.distributions.FloatDistribution(float(hp.lower), float(hp.upper), log=hp.log)
        elif isinstance(hp, IntegerHyperparameter):
            dists[hp.name] = optuna.distributions.IntDistribution(int(hp.lower), int(hp.upper), log=hp.log)
        elif isinstance(hp, CategoricalHyperparameter):
            dists[hp.name] = optuna.distributions.CategoricalDistribution(list(hp.choices))
        elif isinstance(hp, OrdinalHyperparameter):
            if ordinal_as_index:
                dists[hp.name] = optuna.distributions.IntDistribution(0, len(hp.sequence) - 1)
            else:
                dists[hp.name] = optuna.distributions.CategoricalDistribution(list(hp.sequence))
        elif isinstance(hp, Constant):
            dists[hp.name] = optuna.distributions.CategoricalDistribution([hp.value])
        else:
            raise CarpsError(f"hyperparameter '{hp.name}' of type {type(hp).__name__} has no Optuna equivalent")
    return dists


def ordinal_sequences(space: Any) -> dict[str, tuple[Any, ...]]:
    """The sequence of each ordinal hyperparameter, which an index from ``optuna_distributions(..., True)`` selects from."""
    from ConfigSpace import OrdinalHyperparameter

    return {hp.name: tuple(hp.sequence) for hp in space.values() if isinstance(hp, OrdinalHyperparameter)}


class OptunaOptimizer(Optimizer):
    """An Optuna study driven through ask/tell; ``sampler`` names the sampler, the rest are its arguments.

    ``torch_threads`` limits torch while Optuna proposes (1 by default for the torch-based GP sampler).

    Conditional spaces: every hyperparameter is sampled, then the inactive ones are dropped; a sample
    that hits a forbidden clause is told to Optuna as failed and a new one is asked, so nothing outside
    the space is ever evaluated. Failed trials are told as ``FAIL`` (Optuna's samplers skip them).

    Constraints: TPE, NSGA-II, NSGA-III and GP model them. On a constrained task the adapter sets each
    trial's constraint values on the Optuna trial before telling it (``Trial.set_constraint``, Optuna
    5; on Optuna 4 the values go through the samplers' ``constraints_func``, which Optuna 5 deprecates),
    and the sampler reads them from there (feasible when every value is at most 0, Optuna's
    convention too). The random, QMC and CMA-ES samplers see only the objectives.

    Parallel runs: trials asked and not yet told are ``RUNNING`` trials of the study. TPE is given
    ``constant_liar=True`` (they count as bad results), and the GP sampler conditions on them; the
    other samplers draw from their current state or generation.
    """

    capabilities = Capabilities.of(["blackbox", "multiobjective"], constraints=True, parallel=True)
    #: the samplers that accept ``constraints_func``
    constraint_samplers = frozenset({"tpe", "nsga2", "nsga3", "gp"})
    library = "optuna"
    samplers = {
        "tpe": "TPESampler",
        "random": "RandomSampler",
        "qmc": "QMCSampler",
        "cmaes": "CmaEsSampler",
        "nsga2": "NSGAIISampler",
        "nsga3": "NSGAIIISampler",
        "gp": "GPSampler",
    }
    #: rejected samples in a row before giving up (a forbidden region that covers almost everything)
    max_rejections = 1000

    def _setup(self, sampler: str = "tpe", torch_threads: int | None = None, **sampler_kwargs: Any) -> None:
        optuna = _optuna()
        name = self.samplers.get(sampler, sampler)
        sampler_cls = getattr(optuna.samplers, name, None)
        if sampler_cls is None:
            raise CarpsError(f"unknown Optuna sampler '{sampler}'; choose one of {sorted(self.samplers)}")
        if name == "CmaEsSampler":
            require("cmaes", extra="optuna")  # Optuna imports it lazily, deep inside the first ask
        elif name == "GPSampler":
            require("torch", extra="torch")
            torch_threads = torch_threads or 1  # see carps.optimizers.torch_threads
        self._with_constraints = bool(self.constraints) and type(self).uses_constraints({"sampler": sampler})
        # Optuna 5 reads constraints that the trial carries; Optuna 4 only through constraints_func
        self._set_constraint = hasattr(optuna.trial.Trial, "set_constraint")
        if self._with_constraints and not self._set_constraint:
            sampler_kwargs.setdefault("constraints_func", _constraint_values)
        if name == "TPESampler" and self.n_workers > 1:
            sampler_kwargs.setdefault("constant_liar", True)
        if name == "QMCSampler":
            # unscrambled Sobol ignores the seed: every seed would give the same trials
            sampler_kwargs.setdefault("scramble", True)
            sampler_kwargs.setdefault("warn_independent_sampling", False)
        # a fixed name: Hyperband's bracket of a trial is a hash of the study name (random by default)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # multivariate TPE, QMC, GP
            self._study = optuna.create_study(
                study_name="carps",
                sampler=sampler_cls(seed=self.seed, **sampler_kwargs),
                directions=["minimize"] * len(self.objectives),
            )
        self._fail = optuna.trial.TrialState.FAIL
        self._dists = optuna_distributions(self.space, ordinal_as_index=True)
        self._ordinals = ordinal_sequences(self.space)
        self._legalize = legalizer(self.space)
        self._torch_threads = torch_threads

    def _propose(self) -> tuple[dict[str, Any], Any]:
        with limit_torch_threads(self._torch_threads):
            trial = self._study.ask(self._dists)
        config = dict(trial.params)
        for name, sequence in self._ordinals.items():
            config[name] = sequence[config[name]]
        return config, trial

    def _sample(self) -> tuple[Any, dict[str, Any]]:
        """A new Optuna trial and its legal configuration (a sample that hits a forbidden clause is told as failed)."""
        config, trial = first_legal(self._propose, self._legalize, lambda t: self._study.tell(t, state=self._fail), "Optuna", self.max_rejections)
        return trial, config

    def _ask(self) -> TrialInfo:
        trial, config = self._sample()
        return TrialInfo(config=config, handle=trial)

    @classmethod
    def uses_constraints(cls, params: Mapping[str, Any] | None = None) -> bool:
        return cls.capabilities.constraints and (params or {}).get("sampler", "tpe") in cls.constraint_samplers

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        if value.ok:
            if self._with_constraints and self._set_constraint:
                for constraint, c in zip(self.constraints, value.constraints):
                    info.handle.set_constraint(constraint.name, float(c))
            elif self._with_constraints:
                info.handle.set_user_attr(CONSTRAINTS_ATTR, [float(c) for c in value.constraints])
            self._study.tell(info.handle, list(value.costs))  # type: ignore[arg-type]
        else:
            self._study.tell(info.handle, state=self._fail)


#: the user attribute of an Optuna trial that holds its constraint values until the sampler reads them
CONSTRAINTS_ATTR = "carps_constraints"


def _constraint_values(trial: Any) -> list[float]:
    """Optuna 4's ``constraints_func``: the values the adapter stored on the trial when telling it."""
    return trial.user_attrs[CONSTRAINTS_ATTR]


class OptunaCmaEs(OptunaOptimizer):
    """Optuna's CMA-ES sampler (single objective; categoricals go to its independent sampler)."""

    capabilities = Capabilities.of(["blackbox"])

    def _setup(self, sampler: str = "cmaes", **sampler_kwargs: Any) -> None:
        sampler_kwargs.setdefault("warn_independent_sampling", False)
        super()._setup(sampler=sampler, **sampler_kwargs)


class OptunaHyperband(OptunaOptimizer):
    """A sampler plus Optuna's Hyperband pruner, in the shape of ask/tell.

    Each Optuna trial climbs the rungs ``low * eta**k`` (capped at, and ending with, the task's
    highest fidelity): carps asks the configuration at rung 0, tells Optuna the cost as the
    intermediate value of that rung, and asks the same configuration at the next rung unless the
    pruner prunes it. A trial that reaches the top rung is completed with its cost. Every rung is a
    separate evaluation costing ``fidelity / high`` of one full trial (no training is continued).
    """

    capabilities = Capabilities.of(["multifidelity"])

    def _setup(self, sampler: str = "tpe", eta: int = 3, **sampler_kwargs: Any) -> None:
        if self.fidelity is None:
            raise CarpsError("OptunaHyperband needs a task with a fidelity")
        super()._setup(sampler=sampler, **sampler_kwargs)
        optuna = _optuna()
        fid = self.fidelity
        low = max(fid.low, fid.high * 1e-6)  # a fidelity may start at 0; rungs need a positive base
        rungs: list[float] = []
        k = 0
        while low * eta**k < fid.high * (1 - 1e-9):
            rungs.append(low * eta**k)
            k += 1
        rungs.append(fid.high)
        if fid.integer:
            rungs = sorted({float(max(fid.low, min(fid.high, round(r)))) for r in rungs})
        self._rungs = [int(r) if fid.integer else float(r) for r in rungs]
        # Optuna's pruner counts resource in integer steps: rung k is step eta**k (the top one at most eta**K)
        self._steps = [eta**k for k in range(len(self._rungs))]
        self._study.pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=self._steps[-1], reduction_factor=eta)
        self._pruned = optuna.trial.TrialState.PRUNED
        self._promoted: list[tuple[Any, dict[str, Any], int]] = []

    def _ask(self) -> TrialInfo:
        if self._promoted:
            trial, config, rung = self._promoted.pop()
        else:
            trial, config = self._sample()
            rung = 0
        return TrialInfo(config=config, fidelity=self._rungs[rung], handle=(trial, rung))

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        trial, rung = info.handle
        if not value.ok:
            self._study.tell(trial, state=self._fail)
            return
        cost = float(value.costs[0])  # type: ignore[index]
        if rung == len(self._rungs) - 1:
            self._study.tell(trial, cost)
            return
        trial.report(cost if math.isfinite(cost) else float("inf"), self._steps[rung])
        if trial.should_prune():
            self._study.tell(trial, state=self._pruned)
        else:
            self._promoted.append((trial, info.config, rung + 1))


class OptunaFullFidelity(OptunaOptimizer):
    """A fidelity-unaware Optuna sampler on multi-fidelity and momf tasks: every trial at the highest fidelity.

    This is how random search treats such tasks too; it gives momf tasks model-based and evolutionary
    multi-objective baselines (MOTPE, NSGA-II) next to random search.
    """

    capabilities = Capabilities.of(["multifidelity", "momf"])

    def _ask(self) -> TrialInfo:
        info = super()._ask()
        if self.fidelity is not None:
            info.fidelity = self.fidelity.high
        return info
