"""The scikit-optimize adapter: space mapping, the library's own proposals, forbidden clauses, failures, GBRT on new numpy/scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ConfigSpace import (
    CategoricalHyperparameter,
    ConfigurationSpace,
    Constant,
    EqualsCondition,
    ForbiddenEqualsClause,
    OrdinalHyperparameter,
    UniformFloatHyperparameter,
    UniformIntegerHyperparameter,
)

from carps.core.errors import CarpsError
from carps.core.space import in_space
from tests.optimizers.spaces import mixed_space
from carps.core.types import TrialStatus, TrialValue

skopt = pytest.importorskip("skopt")

from carps.optimizers.skopt_adapter import SkoptOptimizer, skopt_dimensions, skopt_optimizer  # noqa: E402

# small acquisition samples keep every model-based step well under a second
FAST = {"acq_optimizer_kwargs": {"n_points": 200, "n_restarts_optimizer": 1}}




def loss(config: dict) -> float:
    return (math.log10(config["lr"]) + 3) ** 2 + (config["x"] - 1) ** 2 + abs(math.log2(config["units"]) - 6) + 0.1 * config["depth"] + (config["act"] == "tanh") + ["s", "m", "l"].index(config["size"]) * 0.2


def test_dimensions_keep_log_scales_integers_order_and_constants():
    from skopt.space import Categorical, Integer, Real

    dims, ordinals, constants = skopt_dimensions(mixed_space())
    by_name = {d.name: d for d in dims}
    assert set(by_name) == {"lr", "x", "units", "depth", "act", "size"}
    assert isinstance(by_name["lr"], Real) and by_name["lr"].prior == "log-uniform" and (by_name["lr"].low, by_name["lr"].high) == (1e-5, 1e-1)
    assert isinstance(by_name["x"], Real) and by_name["x"].prior == "uniform"
    assert isinstance(by_name["units"], Integer) and by_name["units"].prior == "log-uniform" and (by_name["units"].low, by_name["units"].high) == (8, 512)
    assert isinstance(by_name["depth"], Integer) and by_name["depth"].prior == "uniform"
    assert isinstance(by_name["act"], Categorical) and by_name["act"].categories == ("relu", "tanh")
    # an ordered integer index, so the surrogate sees that m lies between s and l
    assert isinstance(by_name["size"], Integer) and (by_name["size"].low, by_name["size"].high) == (0, 2)
    assert ordinals == {"size": ("s", "m", "l")}
    assert constants == {"opt": "adam"}


def test_configs_are_plain_python_in_the_space_with_constants_added_back():
    opt = SkoptOptimizer(mixed_space(), seed=3, base_estimator="ET", n_initial_points=3, **FAST)
    for _ in range(6):
        info = opt.ask()
        config = info.config
        assert config["opt"] == "adam" and config["size"] in ("s", "m", "l")
        assert type(config["units"]) is int and type(config["depth"]) is int and type(config["lr"]) is float and type(config["act"]) is str
        assert in_space(opt.space, config)
        opt.tell(info, TrialValue((loss(config),)))


@pytest.mark.parametrize("estimator", ["ET", "GP"])
def test_proposals_equal_skopt_driven_by_hand(estimator):
    space, seed, n = mixed_space(), 11, 7
    opt = SkoptOptimizer(space, seed=seed, base_estimator=estimator, n_initial_points=3, **FAST)
    dims, ordinals, _ = skopt_dimensions(space)
    names = [d.name for d in dims]
    by_hand = skopt.Optimizer(dims, base_estimator=estimator, n_initial_points=3, random_state=seed, model_queue_size=1, **FAST)
    for _ in range(n):  # 3 random initial points, then 4 model-based ones
        info = opt.ask()
        point = by_hand.ask()
        expected = dict(zip(names, point))
        expected["size"] = ordinals["size"][expected["size"]]
        assert {k: v for k, v in info.config.items() if k != "opt"} == expected
        y = loss(info.config)
        opt.tell(info, TrialValue((y,)))
        by_hand.tell(point, y)


def test_gbrt_runs_its_model_and_predicts_the_quantile_spread():
    """skopt's GBRT is refused by scikit-learn >= 1.6 tags and calls np.in1d (gone in numpy 2.4); the adapter's copy works."""
    space = mixed_space()
    opt = SkoptOptimizer(space, seed=0, base_estimator="GBRT", n_initial_points=3, **FAST)
    for _ in range(5):
        info = opt.ask()
        opt.tell(info, TrialValue((loss(info.config),)))
    model = opt._skopt.models[-1]
    X = opt._skopt.space.transform(opt._skopt.Xi)
    mean, std = model.predict(X, return_std=True)
    quantiles = model.predict(X, return_quantiles=True)
    np.testing.assert_array_equal(mean, quantiles[:, 1])
    np.testing.assert_array_equal(std, (quantiles[:, 2] - quantiles[:, 0]) / 2.0)
    assert len(opt._skopt.models) == 1  # model_queue_size=1: memory stays flat


def test_gbrt_keeps_skopts_random_stream():
    dims, _, _ = skopt_dimensions(mixed_space())
    ours = skopt_optimizer(dims, 5, "GBRT", n_initial_points=2)
    reference = skopt.Optimizer(dims, base_estimator="RF", n_initial_points=2, random_state=5)  # draws one estimator seed too
    assert ours.base_estimator_.random_state == reference.base_estimator_.random_state
    assert ours.ask() == reference.ask()


def conditional_space() -> ConfigurationSpace:
    space = ConfigurationSpace({"kind": ["a", "b", "c"], "x": (0.0, 1.0), "gamma": (0.0, 1.0)})
    space.add(EqualsCondition(space["gamma"], space["kind"], "a"))
    space.add(ForbiddenEqualsClause(space["kind"], "c"))
    return space


def test_conditions_drop_inactive_values_and_forbidden_proposals_are_told_as_the_worst():
    space = conditional_space()
    opt = SkoptOptimizer(space, seed=2, base_estimator="ET", n_initial_points=3, **FAST)
    told = []
    for i in range(10):
        info = opt.ask()
        assert info.config["kind"] != "c" and in_space(space, info.config)
        assert ("gamma" in info.config) == (info.config["kind"] == "a")
        y = info.config["x"] + i
        told.append(y)
        opt.tell(info, TrialValue((y,)))
    ys = opt._skopt.yi
    kind = opt._names.index("kind")
    rejected = [y for x, y in zip(opt._skopt.Xi, ys) if x[kind] == "c"]
    assert rejected, "seed 2 should meet the forbidden value within 10 trials"
    assert len(ys) == 10 + len(rejected)
    # every rejected proposal was told with the worst cost seen before it (never a made-up better one)
    assert all(y in told and y == max(told[: told.index(y) + 1]) for y in rejected)


def test_failures_are_told_as_the_worst_cost_and_not_before_the_first_success():
    opt = SkoptOptimizer(mixed_space(), seed=1, base_estimator="ET", n_initial_points=3, **FAST)
    first = opt.ask()
    opt.tell(first, TrialValue(None, TrialStatus.CRASHED))
    assert opt._skopt.yi == []  # nothing to impute yet: skopt just draws another initial point
    for y in (2.0, 5.0):
        opt.tell(opt.ask(), TrialValue((y,)))
    opt.tell(opt.ask(), TrialValue(None, TrialStatus.INVALID))
    assert opt._skopt.yi == [2.0, 5.0, 5.0]


def test_unknown_estimator_is_one_clear_error():
    with pytest.raises(CarpsError, match="base_estimator 'XGB'"):
        SkoptOptimizer(mixed_space(), seed=0, base_estimator="XGB")
