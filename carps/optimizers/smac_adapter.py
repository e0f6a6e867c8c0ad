"""SMAC 2 facades behind the ask/tell interface (SMAC's own ask-and-tell API).

``facade`` picks the SMAC facade:

========================  =====================================================  ==========================
facade                    SMAC class                                             model
========================  =====================================================  ==========================
``hpo``                   ``HyperparameterOptimizationFacade``                   random forest (scikit-learn)
``blackbox``              ``BlackBoxFacade``                                     Gaussian process
``random``                ``RandomFacade``                                       none
``hyperband``             ``HyperbandFacade``                                    none (random + Hyperband)
``multifidelity``         ``MultiFidelityFacade`` (BOHB-style)                   random forest + Hyperband
``ac``                    ``AlgorithmConfigurationFacade``                       random forest (EI, 10 trees)
========================  =====================================================  ==========================

The multi-fidelity facades race with Hyperband unless ``intensifier: successive_halving`` asks for
SMAC's ``SuccessiveHalving`` (one bracket: every configuration starts at the lowest rung).

The algorithm-configuration facade races configurations across problem instances and seeds; carps
tasks have no instances and the scenario is deterministic, so SMAC's intensifier has a single
instance-seed pair and every configuration is evaluated once, as in the HPO facade. What remains of
the facade is its own model and search: the default configuration as the only initial design, plain
EI on an unscaled random forest, and every second configuration drawn at random.

On multi-objective tasks SMAC scalarizes the costs (normalized by the bounds seen so far) for its
single model: ParEGO draws new Chebyshev weights per step, ``mean`` averages them (SMAC 2.4's
``MultiObjectiveModel`` is not usable there: its run-history encoder gives the model one target
column). The incumbents are the Pareto front, kept by the intensifier.

SMAC 2.4 trains its random forest with scikit-learn; ``pyrfr`` is only needed by the optional
``smac.model.random_forest.pyrfr`` model, which no facade uses by default, so every facade here runs
without it.

Search spaces go to SMAC as they are (SMAC handles log scales, integers, categoricals, ordinals,
conditions and forbidden clauses natively); SMAC gets a private, seeded copy so the task's space and
its random state stay untouched. Configs carry the values SMAC's own loop would pass to a target
function (floats rounded as ``Configuration`` rounds them). SMAC writes its scenario to a temporary folder that is removed with
the adapter; carps never lets it save its run history after each trial.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = SMACBlackbox(ConfigurationSpace({"x": (0.0, 1.0)}), seed=1, facade="random")
>>> 0.0 <= opt.ask().config["x"] <= 1.0
True
"""

from __future__ import annotations

import inspect
import logging
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.space import seeded_copy
from carps.core.types import TrialInfo, TrialStatus, TrialValue
from carps.optimizers.configuration_values import configuration_values, float_names

FACADES = {
    "hpo": "HyperparameterOptimizationFacade",
    "blackbox": "BlackBoxFacade",
    "random": "RandomFacade",
    "hyperband": "HyperbandFacade",
    "multifidelity": "MultiFidelityFacade",
    "ac": "AlgorithmConfigurationFacade",
}
_MULTI_FIDELITY_FACADES = {"hyperband", "multifidelity"}
#: the racing schemes of the multi-fidelity facades (module names in ``smac.intensifier``)
INTENSIFIERS = {"hyperband": "Hyperband", "successive_halving": "SuccessiveHalving"}


class SMACOptimizer(Optimizer):
    """A SMAC facade in ask/tell mode; the subclasses fix which task types it is used for.

    Parameters (catalog ``params``): ``facade`` (see the module table), ``eta`` (the halving rate) and
    ``intensifier`` (``hyperband`` or ``successive_halving``), multi-fidelity facades only;
    ``n_configs_per_hyperparameter`` (initial design size; not for the ``ac`` and ``random`` facades,
    whose designs are the default configuration and nothing), and ``multi_objective`` (``parego`` or
    ``mean``; multi-objective tasks only).
    """

    capabilities = Capabilities.of(["blackbox"])
    library = "smac"

    def _setup(
        self,
        facade: str = "hpo",
        eta: int = 3,
        n_configs_per_hyperparameter: int | None = None,
        multi_objective: str = "parego",
        intensifier: str = "hyperband",
    ) -> None:
        require("smac", extra="smac")
        import smac
        from smac import Scenario

        if facade not in FACADES:
            raise CarpsError(f"unknown SMAC facade '{facade}'; choose one of {sorted(FACADES)}")
        multi_fidelity = facade in _MULTI_FIDELITY_FACADES
        if multi_fidelity != (self.fidelity is not None):
            raise CarpsError(f"SMAC facade '{facade}' {'needs' if multi_fidelity else 'cannot use'} a fidelity")
        # SMAC's loggers propagate to the root logger; keep its INFO chatter out of carps' output
        logging.getLogger("smac").setLevel(logging.WARNING)
        self._tmp = tempfile.mkdtemp(prefix="carps-smac-")
        weakref.finalize(self, shutil.rmtree, self._tmp, True)

        fid = self.fidelity
        n_objectives = len(self.objectives)
        n_trials = max(int(self.budget.n_trials), 1)
        if fid is not None:
            # SMAC counts trials, carps counts full evaluations: a run may hold up to high/low times more trials
            n_trials = int(n_trials * max(fid.high / max(fid.low, fid.high * 1e-6), 1.0)) + 1
        scenario = Scenario(
            configspace=seeded_copy(self.space, self.seed),
            name="carps",
            output_directory=Path(self._tmp),
            deterministic=True,
            objectives=[o.name for o in self.objectives] if n_objectives > 1 else "cost",
            n_trials=n_trials,
            seed=self.seed,
            min_budget=None if fid is None else max(fid.low, fid.high * 1e-6),
            max_budget=None if fid is None else fid.high,
        )
        facade_cls = getattr(smac, FACADES[facade])
        kwargs: dict[str, Any] = {}
        if multi_fidelity:
            kwargs["intensifier"] = _intensifier(scenario, intensifier, eta, multi_objective=n_objectives > 1)
        elif intensifier != "hyperband":
            raise CarpsError(f"SMAC facade '{facade}' has no multi-fidelity intensifier; 'intensifier' is for the {sorted(_MULTI_FIDELITY_FACADES)} facades")
        if n_configs_per_hyperparameter is not None:
            if "n_configs_per_hyperparameter" not in inspect.signature(facade_cls.get_initial_design).parameters:
                raise CarpsError(f"SMAC facade '{facade}' has a fixed initial design; drop n_configs_per_hyperparameter")
            kwargs["initial_design"] = facade_cls.get_initial_design(scenario, n_configs_per_hyperparameter=n_configs_per_hyperparameter)
        if n_objectives > 1:
            if multi_objective == "parego":
                from smac.multi_objective.parego import ParEGO

                kwargs["multi_objective_algorithm"] = ParEGO(scenario, seed=self.seed)
            elif multi_objective != "mean":
                raise CarpsError(f"unknown SMAC multi-objective algorithm '{multi_objective}'; choose parego or mean")
        self._smac = facade_cls(scenario, target_function=None, logging_level=False, overwrite=True, **kwargs)
        _order_local_search_start_points(self._smac)
        from smac.runhistory.dataclasses import TrialValue as SmacValue
        from smac.runhistory.enumerations import StatusType

        self._SmacValue = SmacValue
        self._status = {TrialStatus.CRASHED: StatusType.CRASHED, TrialStatus.TIMEOUT: StatusType.TIMEOUT, TrialStatus.INVALID: StatusType.CRASHED}
        self._floats = float_names(self.space)
        self._worst: list[float] | None = None
        self._unpriced: list[tuple[Any, Any, float]] = []

    def _ask(self) -> TrialInfo:
        trial = self._smac.ask()
        fidelity = None
        fid = self.fidelity
        if fid is not None:
            budget = fid.high if trial.budget is None else float(trial.budget)
            fidelity = float(min(max(budget, fid.low), fid.high))
            if fid.integer:
                fidelity = int(round(fidelity))
        return TrialInfo(config=configuration_values(trial.config, self._floats), fidelity=fidelity, handle=trial)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        # SMAC's default crash cost (inf) turns its surrogate's targets into NaN; a failed trial is
        # told with the worst cost seen so far instead (SMAC 1's imputation), and failures before the
        # first success wait for it
        if not value.ok:
            self._unpriced.append((info.handle, self._status[value.status], value.wall_time))
            if self._worst is not None:
                self._flush_failures()
            return
        costs = [float(c) for c in value.costs]  # type: ignore[union-attr]
        self._worst = costs if self._worst is None else [max(w, c) for w, c in zip(self._worst, costs)]
        self._smac.tell(info.handle, self._SmacValue(cost=self._cost(costs), time=value.wall_time), save=False)
        self._flush_failures()

    def _flush_failures(self) -> None:
        worst = self._cost(self._worst)  # type: ignore[arg-type]
        for handle, status, wall_time in self._unpriced:
            self._smac.tell(handle, self._SmacValue(cost=worst, time=wall_time, status=status), save=False)
        self._unpriced.clear()

    @staticmethod
    def _cost(costs: list[float]) -> float | list[float]:
        return costs[0] if len(costs) == 1 else list(costs)


def _intensifier(scenario: Any, name: str, eta: int, multi_objective: bool) -> Any:
    """SMAC's Hyperband or successive halving for ``scenario``.

    With several objectives the incumbents are the Pareto front of the full-fidelity trials
    (``incumbent_selection="highest_budget"``, which is also what carps reports). SMAC's default,
    the highest budget each configuration has seen, compares incumbents on the intersection of
    their budgets; two incumbents last seen at different rungs have none, and SMAC 2.4 stops on an
    assertion (``update_incumbents``). With one objective there is one incumbent and SMAC's default stays.
    """
    if name not in INTENSIFIERS:
        raise CarpsError(f"unknown SMAC intensifier '{name}'; choose one of {sorted(INTENSIFIERS)}")
    import smac.intensifier

    selection = "highest_budget" if multi_objective else "highest_observed_budget"
    return getattr(smac.intensifier, INTENSIFIERS[name])(scenario, eta=eta, incumbent_selection=selection)


def _order_local_search_start_points(facade: Any) -> None:
    """Make SMAC's local search start from its points in an order that is the same in every process.

    SMAC 2.4's ``LocalSearch._get_initial_points`` deduplicates its start points through a ``set`` of
    ``Configuration`` objects, whose hash is the hash of their ``repr`` string. String hashes are
    randomized per process (``PYTHONHASHSEED``), so the start points, and with them the draws of the
    seeded RNG that every local search step shares, came in another order in every process: the same
    seed gave other trials from the first model-based proposal on. Sorting them by that same ``repr``
    gives one order everywhere and keeps every point.
    """
    maximizer = getattr(facade, "_acquisition_maximizer", None)
    local_search = getattr(maximizer, "_local_search", maximizer)
    original = getattr(local_search, "_get_initial_points", None)
    if original is None:  # a maximizer without local search (random facades) has nothing to order
        return

    def ordered(*args: Any, **kwargs: Any) -> list[Any]:
        return sorted(original(*args, **kwargs), key=repr)

    local_search._get_initial_points = ordered


class SMACBlackbox(SMACOptimizer):
    """SMAC on single-objective blackbox tasks (facades ``hpo``, ``blackbox``, ``random``)."""

    capabilities = Capabilities.of(["blackbox"])


class SMACMultiFidelity(SMACOptimizer):
    """SMAC on multi-fidelity tasks (facades ``hyperband``, ``multifidelity``; Hyperband or successive halving)."""

    capabilities = Capabilities.of(["multifidelity"])

    def _setup(self, facade: str = "multifidelity", **params: Any) -> None:
        super()._setup(facade=facade, **params)


class SMACMultiObjective(SMACOptimizer):
    """SMAC on multi-objective tasks: the HPO facade's random forest on scalarized costs (``parego`` or ``mean``)."""

    capabilities = Capabilities.of(["multiobjective"])

    def _setup(self, facade: str = "hpo", **params: Any) -> None:
        super()._setup(facade=facade, **params)


class SMACParEGO(SMACMultiObjective):
    """SMAC with ParEGO scalarization on multi-objective tasks (the name ``smac/parego`` was first given)."""


class SMACMultiObjectiveMultiFidelity(SMACOptimizer):
    """SMAC's multi-fidelity facade with ParEGO on MOMF tasks; incumbents are the full-fidelity Pareto front."""

    capabilities = Capabilities.of(["momf"])

    def _setup(self, facade: str = "multifidelity", **params: Any) -> None:
        super()._setup(facade=facade, **params)
