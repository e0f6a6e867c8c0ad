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
========================  =====================================================  ==========================

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
}
_MULTI_FIDELITY_FACADES = {"hyperband", "multifidelity"}


class SMACOptimizer(Optimizer):
    """A SMAC facade in ask/tell mode; the subclasses fix which task types it is used for.

    Parameters (catalog ``params``): ``facade`` (see the module table), ``eta`` (Hyperband's halving
    rate, multi-fidelity facades only), ``n_configs_per_hyperparameter`` (initial design size), and
    ``multi_objective`` (``parego`` or ``mean``; multi-objective tasks only).
    """

    capabilities = Capabilities.of(["blackbox"])
    library = "smac"

    def _setup(
        self,
        facade: str = "hpo",
        eta: int = 3,
        n_configs_per_hyperparameter: int | None = None,
        multi_objective: str = "parego",
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
            kwargs["intensifier"] = facade_cls.get_intensifier(scenario, eta=eta)
        if n_configs_per_hyperparameter is not None:
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
    """SMAC on multi-fidelity tasks (facades ``hyperband``, ``multifidelity``)."""

    capabilities = Capabilities.of(["multifidelity"])

    def _setup(self, facade: str = "multifidelity", **params: Any) -> None:
        super()._setup(facade=facade, **params)


class SMACParEGO(SMACOptimizer):
    """SMAC with ParEGO scalarization on multi-objective tasks (random-forest model by default).

    Not for MOMF tasks: SMAC 2.4's intensifiers fail an internal assertion when budgets and several
    objectives meet (``update_incumbents``), so the capability is not claimed.
    """

    capabilities = Capabilities.of(["multiobjective"])

    def _setup(self, facade: str = "hpo", **params: Any) -> None:
        super()._setup(facade=facade, **params)
