"""Ax's default Bayesian optimization (Sobol, then modular BoTorch) behind the ask/tell interface.

The adapter drives Ax 1.x's ``Client`` (``ax.api``) the way a user does: ``get_next_trials`` asks,
``complete_trial`` tells, ``mark_trial_failed`` reports a crash. The generation strategy is the one
Ax chooses itself (``configure_generation_strategy()``): the centre of the space, Sobol points up to
the initialization budget (5 by default), then a BoTorch model through Ax's ``MBM`` node. Ax picks the
acquisition function from the problem: ``qLogNoisyExpectedImprovement`` for one objective,
``qLogNoisyExpectedHypervolumeImprovement`` (qNEHVI, with inferred reference point) for several, so
one variant serves both task types. On a constrained task each constraint is an Ax metric with the
outcome constraint ``<metric> <= 0``, so Ax models it and its acquisition weighs the probability of
feasibility.

Space mapping: floats and integers are ``RangeParameter`` (log scale kept; a normal or beta prior is
dropped), categoricals unordered ``ChoiceParameter`` (their own values when all are strings, all
bools, all ints or all floats; otherwise indices into the choices), ordinals ordered ``ChoiceParameter``
of their indices (so Ax keeps their order and never re-sorts the values), constants
``FixedParameter``. Ax's hierarchical spaces only express conditions of one choice on another, so
conditions are handled like Optuna's: every hyperparameter is proposed and the inactive ones are
dropped (:mod:`carps.optimizers.conditional`). A proposal that violates a forbidden clause is marked
``ABANDONED`` in Ax (Ax then keeps it as a pending point and does not propose it again) and a new one is
asked, so nothing outside the space is evaluated.

Seeding: ``Client(random_seed=seed)`` seeds Python's, numpy's and torch's RNGs inside every
generation call (restoring them afterwards), and the Sobol node gets ``initialization_random_seed=seed``.
Torch runs on one thread while Ax works (see :mod:`carps.optimizers.torch_threads`). Ax's INFO
logging is turned down to warnings.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = AxBoTorch(ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]}), seed=1)
>>> info = opt.ask()
>>> sorted(info.config)
['k', 'x']
>>> opt.tell(info, TrialValue(costs=(info.config["x"] ** 2,)))
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.conditional import first_legal, legalizer
from carps.optimizers.torch_threads import torch_threads as limit_torch_threads


def _value_type(values: list[Any]) -> str | None:
    """Ax's parameter type for a list of choice values, or ``None`` if they share none."""
    # bool before int: True is an int in Python, but Ax keeps bools apart
    for kind, types in (("bool", (bool,)), ("str", (str,)), ("int", (int,)), ("float", (float,))):
        if all(isinstance(v, types) for v in values) and (kind == "bool" or not any(isinstance(v, bool) for v in values)):
            return kind
    return None


def ax_parameters(space: Any) -> tuple[list[Any], dict[str, tuple[Any, ...]]]:
    """Ax parameter configs for ``space`` and the decoding of index-coded hyperparameters.

    The second item maps each hyperparameter that Ax sees as indices (ordinals, and categoricals or
    constants whose values share no Ax type) to the values the indices stand for.

    >>> from ConfigSpace import ConfigurationSpace, OrdinalHyperparameter
    >>> space = ConfigurationSpace({"x": (0.0, 1.0)})
    >>> space.add(OrdinalHyperparameter("size", ["s", "m", "l"]))
    >>> configs, decode = ax_parameters(space)
    >>> [type(c).__name__ for c in configs], decode
    (['ChoiceParameterConfig', 'RangeParameterConfig'], {'size': ('s', 'm', 'l')})
    """
    from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter
    from ConfigSpace.hyperparameters import FloatHyperparameter, IntegerHyperparameter

    import_ax()
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    configs: list[Any] = []
    decode: dict[str, tuple[Any, ...]] = {}
    for hp in space.values():
        if isinstance(hp, FloatHyperparameter):
            configs.append(RangeParameterConfig(hp.name, (float(hp.lower), float(hp.upper)), "float", scaling="log" if hp.log else "linear"))
        elif isinstance(hp, IntegerHyperparameter):
            configs.append(RangeParameterConfig(hp.name, (int(hp.lower), int(hp.upper)), "int", scaling="log" if hp.log else "linear"))
        elif isinstance(hp, (CategoricalHyperparameter, OrdinalHyperparameter, Constant)):
            ordered = isinstance(hp, OrdinalHyperparameter)
            values = [hp.value] if isinstance(hp, Constant) else list(hp.sequence if ordered else hp.choices)
            kind = None if ordered else _value_type(values)
            if kind is None:
                decode[hp.name] = tuple(values)
                values, kind = list(range(len(values))), "int"
            # one value makes a FixedParameter; is_ordered only matters for two or more
            configs.append(ChoiceParameterConfig(hp.name, values, kind, is_ordered=ordered if len(values) > 1 else None))
        else:
            raise CarpsError(f"hyperparameter '{hp.name}' of type {type(hp).__name__} has no Ax equivalent")
    return configs, decode


def import_ax() -> Any:
    """Import Ax with its INFO logging off: it logs every generated and completed trial to stderr.

    Its own stderr handler is set to warnings. Importing Ax already logs once at INFO (its SQL
    storage), before any Ax setting can be reached, so logging below WARNING is disabled while it imports.
    """
    import sys

    if sys.version_info < (3, 11):
        from carps.core.errors import MissingDependencyError

        raise MissingDependencyError("Ax 1.3 requires Python 3.11 or newer (this is Python "
                                     f"{sys.version_info.major}.{sys.version_info.minor}); run ax/* on Python 3.11+")
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        ax = require("ax", extra="ax")
    finally:
        logging.disable(previous)
    from ax.utils.common.logger import set_ax_logger_levels

    set_ax_logger_levels(logging.WARNING)
    return ax


class AxBoTorch(Optimizer):
    """Ax's default generation strategy (centre, Sobol, BoTorch) through the ``ax.api.Client``.

    Parameters: ``initialization_budget`` (trials before the first model, centre included; Ax's
    default 5), ``method`` (``"fast"``: Ax's standard BoTorch model, ``"quality"``: warped SAAS, much
    slower), ``threads`` for torch while Ax works (restored afterwards).
    """

    capabilities = Capabilities.of(["blackbox", "multiobjective"], constraints=True)
    library = "ax-platform"
    #: forbidden proposals in a row before giving up (a forbidden region that covers almost everything)
    max_rejections = 200

    def _setup(self, initialization_budget: int | None = None, method: str = "fast", threads: int = 1) -> None:
        import_ax()
        from ax.api.client import Client

        if method not in ("fast", "quality"):
            raise CarpsError(f"unknown Ax method '{method}'; choose 'fast' (Ax's default BoTorch model) or 'quality' (warped SAAS)")
        self._threads = int(threads)
        self._metrics = [f"c{i}" for i in range(len(self.objectives))]  # plain names: Ax parses the objective string
        self._constraint_metrics = [f"g{i}" for i in range(len(self.constraints))]
        parameters, self._decode = ax_parameters(self.space)
        self._legalize = legalizer(self.space)
        with self._quiet():
            self._client = Client(random_seed=self.seed)
            self._client.configure_experiment(parameters=parameters, name="carps")
            # costs are minimized: "-c0" (one objective) or "-c0, -c1" (a multi-objective problem)
            self._client.configure_optimization(
                objective=", ".join(f"-{m}" for m in self._metrics),
                outcome_constraints=[f"{g} <= 0.0" for g in self._constraint_metrics] or None,
            )
            self._client.configure_generation_strategy(
                method=method,
                initialization_budget=None if initialization_budget is None else int(initialization_budget),
                initialization_random_seed=self.seed,
            )

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        # Ax's parameter warnings and BoTorch's numerical/input warnings on small data are no news to a benchmark
        with limit_torch_threads(self._threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield

    def _propose(self) -> tuple[dict[str, Any], int]:
        ((index, parameters),) = self._client.get_next_trials(max_trials=1).items()
        return {name: self._decode[name][value] if name in self._decode else value for name, value in parameters.items()}, index

    def _ask(self) -> TrialInfo:
        with self._quiet():
            # a proposal that hits a forbidden clause is marked abandoned in Ax
            config, index = first_legal(self._propose, self._legalize, self._client.mark_trial_abandoned, "Ax", self.max_rejections)
        return TrialInfo(config=config, handle=index)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        with self._quiet():
            if value.ok:
                data = {m: float(c) for m, c in zip(self._metrics, value.costs)}  # type: ignore[arg-type]
                data.update({g: float(c) for g, c in zip(self._constraint_metrics, value.constraints)})
                self._client.complete_trial(info.handle, raw_data=data)
            else:
                # Ax leaves failed trials out of the model (and may propose their region again)
                self._client.mark_trial_failed(info.handle, failed_reason=value.error or value.status.value)
