"""scikit-optimize's sequential model-based optimizer (``skopt.Optimizer``) behind the ask/tell interface.

The ConfigSpace becomes a list of skopt dimensions: floats as ``Real`` (``prior="log-uniform"`` on log
scales), integers as ``Integer`` (log-uniform likewise), categoricals as ``Categorical``, ordinals as an
``Integer`` index into their sequence, so that the surrogate (GP, random forest, extra trees, gradient
boosting) sees their order; constants are left out and added back to every configuration. skopt has
no conditions: every hyperparameter is proposed and the inactive ones are dropped
(:func:`~carps.optimizers.conditional.legalize`). A proposal that hits a forbidden clause is told as
the worst cost seen so far (so the surrogate learns to avoid it) and skopt is asked again; it is never
evaluated. Failed trials are told the same way; before the first success there is no worst cost, and
they are not told at all (skopt then keeps drawing its random initial design).

``random_state`` is a ``numpy.random.RandomState`` seeded with the run's seed; it drives the initial
design, the estimator's seed and the acquisition's candidate points, which is all the randomness skopt uses.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = SkoptOptimizer(ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]}), seed=1, base_estimator="RF")
>>> sorted(opt.ask().config)
['k', 'x']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.conditional import first_legal, legalizer

ESTIMATORS = ("GP", "RF", "ET", "GBRT")


def skopt_dimensions(space: Any) -> tuple[list[Any], dict[str, tuple[Any, ...]], dict[str, Any]]:
    """skopt dimensions for ``space``, the ordinal sequences their indices select from, and the constants left out.

    A float's normal or beta prior is dropped (skopt's priors are uniform and log-uniform only).

    >>> from ConfigSpace import ConfigurationSpace, Constant, Float
    >>> dims, ordinals, constants = skopt_dimensions(ConfigurationSpace([Float("lr", (1e-3, 1.0), log=True), Constant("c", "fixed")]))
    >>> [(d.name, d.prior) for d in dims], constants
    ([('lr', 'log-uniform')], {'c': 'fixed'})
    """
    from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter
    from ConfigSpace.hyperparameters import FloatHyperparameter, IntegerHyperparameter

    space_module = require("skopt.space", extra="skopt")
    dims: list[Any] = []
    ordinals: dict[str, tuple[Any, ...]] = {}
    constants: dict[str, Any] = {}
    for hp in space.values():
        if isinstance(hp, FloatHyperparameter):
            prior = "log-uniform" if hp.log else "uniform"
            dims.append(space_module.Real(float(hp.lower), float(hp.upper), prior=prior, name=hp.name))
        elif isinstance(hp, IntegerHyperparameter):
            prior = "log-uniform" if hp.log else "uniform"
            dims.append(space_module.Integer(int(hp.lower), int(hp.upper), prior=prior, name=hp.name))
        elif isinstance(hp, CategoricalHyperparameter):
            dims.append(space_module.Categorical(list(hp.choices), name=hp.name))
        elif isinstance(hp, OrdinalHyperparameter):
            ordinals[hp.name] = tuple(hp.sequence)
            dims.append(space_module.Integer(0, len(hp.sequence) - 1, name=hp.name))
        elif isinstance(hp, Constant):
            constants[hp.name] = hp.value
        else:
            raise CarpsError(f"hyperparameter '{hp.name}' of type {type(hp).__name__} has no scikit-optimize equivalent")
    if not dims:
        raise CarpsError("scikit-optimize needs at least one hyperparameter that is not a constant")
    return dims, ordinals, constants


def gbrt_estimator(dims: list[Any], random_state: int) -> Any:
    """skopt's own "GBRT" estimator, in a form that scikit-learn >= 1.6 recognises as a regressor.

    ``GradientBoostingQuantileRegressor`` lists ``BaseEstimator`` before ``RegressorMixin``, so the
    tags of scikit-learn >= 1.6 never reach the mixin, do not call it a regressor, and ``skopt.Optimizer``
    refuses it ("has to be a regressor"). And its ``predict(X, return_std=True)``, which every
    acquisition function calls, uses ``np.in1d``, gone in numpy 2.4. The subclass sets the tag the
    mixin would have set and computes the same mean and standard deviation (the 0.5 quantile and half
    the 0.16-0.84 spread) from the quantile predictions; the estimator skopt cooks for "GBRT" is
    copied parameter for parameter.
    """
    from skopt.learning import GradientBoostingQuantileRegressor
    from skopt.utils import cook_estimator

    class QuantileGBRT(GradientBoostingQuantileRegressor):
        def __sklearn_tags__(self) -> Any:
            from sklearn.utils import RegressorTags

            tags = super().__sklearn_tags__()
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            return tags

        def predict(self, X: Any, return_std: bool = False, return_quantiles: bool = False) -> Any:
            if not return_std or return_quantiles:
                return super().predict(X, return_std=False, return_quantiles=return_quantiles)
            if not {0.16, 0.5, 0.84} <= set(self.quantiles):
                raise ValueError("return_std needs the quantiles 0.16, 0.5 and 0.84")
            predicted = super().predict(X, return_quantiles=True).T
            low, mean, high = (predicted[self.quantiles.index(q)] for q in (0.16, 0.5, 0.84))
            return mean, (high - low) / 2.0

    cooked = cook_estimator("GBRT", space=dims, random_state=random_state, n_jobs=1)
    return QuantileGBRT(**cooked.get_params(deep=False))


def skopt_optimizer(dims: list[Any], seed: int, base_estimator: str = "GP", **kwargs: Any) -> Any:
    """``skopt.Optimizer(dims, base_estimator, random_state=seed, **kwargs)``, with "GBRT" made to work (see :func:`gbrt_estimator`).

    The random stream is the one ``skopt.Optimizer`` itself would use with ``random_state=seed``.
    """
    skopt = require("skopt", extra="skopt")
    rng = np.random.RandomState(seed)
    estimator: Any = base_estimator
    if isinstance(base_estimator, str) and base_estimator.upper() == "GBRT":
        # the draw skopt makes for the estimator's seed when it cooks one from a name
        estimator = gbrt_estimator(dims, rng.randint(0, np.iinfo(np.int32).max))
    return skopt.Optimizer(dims, base_estimator=estimator, random_state=rng, **kwargs)


def _plain(value: Any) -> Any:
    """Python scalars instead of numpy ones (skopt hands out ``np.int64``/``np.str_``), so configs stay JSON-plain."""
    return value.item() if isinstance(value, np.generic) else value


class SkoptOptimizer(Optimizer):
    """``skopt.Optimizer`` with a named surrogate (``base_estimator``: GP, RF, ET or GBRT); other parameters go to it.

    ``model_queue_size`` is 1 unless given: skopt otherwise keeps every surrogate it ever fitted
    (only the newest is used to propose), so memory would grow with the run.

    Parallel runs: skopt proposes the same point until it is told, so with trials pending the adapter
    uses skopt's constant liar (its ``cl_min`` strategy): a copy of the optimizer is told the pending
    points at the best value seen and asked for the next one.
    """

    capabilities = Capabilities.of(["blackbox"], parallel=True)
    library = "scikit-optimize"
    #: rejected proposals in a row before giving up (a forbidden region that covers almost everything)
    max_rejections = 1000

    def _setup(self, base_estimator: str = "GP", **kwargs: Any) -> None:
        if base_estimator.upper() not in ESTIMATORS:
            raise CarpsError(f"unknown scikit-optimize base_estimator '{base_estimator}'; choose one of {list(ESTIMATORS)}")
        kwargs.setdefault("model_queue_size", 1)
        dims, self._ordinals, self._constants = skopt_dimensions(self.space)
        self._names = [d.name for d in dims]
        self._skopt = skopt_optimizer(dims, self.seed, base_estimator, **kwargs)
        self._legalize = legalizer(self.space)
        self._worst: float | None = None
        self._pending: list[tuple[TrialInfo, list[Any]]] = []  # asked, not yet told (parallel runs)

    def _next_point(self) -> list[Any]:
        opt = self._skopt
        if not self._pending or opt._n_initial_points > 0 or not opt.yi:
            return opt.ask()  # sequential, or still in the random initial design (every ask draws anew)
        liar = opt.copy(random_state=opt.rng.randint(0, np.iinfo(np.int32).max))
        liar.tell([p for _, p in self._pending], [min(opt.yi)] * len(self._pending))
        return liar.ask()

    def _config(self, point: list[Any]) -> dict[str, Any]:
        config = {name: _plain(v) for name, v in zip(self._names, point)}
        for name, sequence in self._ordinals.items():
            config[name] = sequence[config[name]]
        config.update(self._constants)
        return config

    def _reject(self, point: list[Any]) -> None:
        if self._worst is not None:
            self._skopt.tell(point, self._worst)
        # else: still in the random initial design (nothing told yet), and the next ask draws anew

    def _ask(self) -> TrialInfo:
        config, point = first_legal(lambda: (self._config(p := self._next_point()), p), self._legalize, self._reject, "scikit-optimize", self.max_rejections)
        info = TrialInfo(config=config, handle=point)
        if self.n_workers > 1:
            self._pending.append((info, point))
        return info

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        self._pending = [(i, p) for i, p in self._pending if i is not info]
        cost = float(value.costs[0]) if value.ok and value.costs else math.nan  # type: ignore[index]
        if math.isfinite(cost):
            self._worst = cost if self._worst is None else max(self._worst, cost)
            self._skopt.tell(info.handle, cost)
        elif self._worst is not None:
            self._skopt.tell(info.handle, self._worst)
