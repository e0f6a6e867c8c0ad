"""The HyperOpt adapter: space mapping, nested choices for conditions, fmin's own proposals, failures, forbidden clauses."""

from __future__ import annotations

import functools
import math
import random

import numpy as np
import pytest
from ConfigSpace import (
    CategoricalHyperparameter,
    ConfigurationSpace,
    Constant,
    EqualsCondition,
    ForbiddenEqualsClause,
    GreaterThanCondition,
    InCondition,
    OrdinalHyperparameter,
    UniformFloatHyperparameter,
    UniformIntegerHyperparameter,
)

from carps.core.errors import CarpsError
from carps.core.space import in_space
from tests.optimizers.spaces import mixed_space
from carps.core.types import TrialStatus, TrialValue

hyperopt = pytest.importorskip("hyperopt")

from carps.optimizers.hyperopt_adapter import HyperoptOptimizer, hyperopt_space, nested_parents  # noqa: E402




def conditional_space() -> ConfigurationSpace:
    space = ConfigurationSpace()
    kind = CategoricalHyperparameter("kind", ["a", "b", "c"])
    gamma = UniformFloatHyperparameter("gamma", 0.0, 1.0)
    degree = UniformIntegerHyperparameter("degree", 2, 5)
    x = UniformFloatHyperparameter("x", -1.0, 1.0)
    space.add([kind, gamma, degree, x])
    space.add([EqualsCondition(gamma, kind, "a"), InCondition(degree, kind, ["b", "c"])])
    return space


NUMERIC = ("x", "lr", "units", "depth", "gamma", "degree")


def numeric_loss(values: dict) -> float:
    """A loss of the numeric leaves only: fmin's objective sees those, not the index of a parent choice."""
    return sum((math.log10(v) if k == "lr" else float(v)) ** 2 for k, v in values.items() if k in NUMERIC)


def flatten(sample: dict) -> dict:
    flat = {}
    for key, value in sample.items():
        flat.update(flatten(value) if isinstance(value, dict) else {key: value})
    return flat


def labels(expr) -> dict:
    from hyperopt.pyll_utils import expr_to_config

    found: dict = {}
    expr_to_config(hyperopt.pyll.as_apply(expr), None, found)
    return found


def test_space_keeps_log_scales_integers_and_order():
    expr, decoders, constants = hyperopt_space(mixed_space())
    found = labels(expr)
    assert constants == {"opt": "adam"} and "opt" not in found
    assert found["lr"]["node"].name == "loguniform"
    assert [a.obj for a in found["lr"]["node"].pos_args] == [math.log(1e-5), math.log(1e-1)]
    assert found["x"]["node"].name == "uniform"
    # integers: step 1 over [lower - 0.5, upper + 0.5], log where the hyperparameter is log
    assert found["units"]["node"].name == "qloguniform"
    assert found["depth"]["node"].name == "quniform"
    assert [a.obj for a in found["depth"]["node"].pos_args] == [0.5, 6.5, 1]
    # the ordinal is an ordered index 0..2, the categorical an unordered choice
    assert found["size"]["node"].name == "quniform" and [a.obj for a in found["size"]["node"].pos_args] == [-0.5, 2.5, 1]
    assert found["act"]["node"].name == "randint"
    assert decoders["depth"](0.0) == 1 and decoders["depth"](7.0) == 6 and type(decoders["depth"](3.0)) is int
    assert decoders["size"](1.0) == "m" and decoders["act"](1) == "tanh"
    assert decoders["lr"](1e-5 * (1 - 1e-15)) == 1e-5


def test_configs_are_ints_in_range_in_the_space_with_constants():
    space = mixed_space()
    opt = HyperoptOptimizer(space, seed=4, algorithm="tpe", n_startup_jobs=5)
    for _ in range(15):
        info = opt.ask()
        config = info.config
        assert type(config["units"]) is int and 8 <= config["units"] <= 512
        assert type(config["depth"]) is int and 1 <= config["depth"] <= 6
        assert config["opt"] == "adam" and config["size"] in ("s", "m", "l") and config["act"] in ("relu", "tanh")
        assert in_space(space, config)
        opt.tell(info, TrialValue((numeric_loss(config),)))


def test_conditions_on_a_categorical_parent_become_nested_choices():
    expr, _, _ = hyperopt_space(conditional_space())
    assert set(expr) == {"kind", "x"}  # the children live inside the parent's choice, not at the top
    found = labels(expr)
    gamma_conditions = {tuple((c.name, c.val) for c in cond) for cond in found["gamma"]["conditions"]}
    degree_conditions = {tuple((c.name, c.val) for c in cond) for cond in found["degree"]["conditions"]}
    assert gamma_conditions == {(("kind", 0),)}
    assert degree_conditions == {(("kind", 1),), (("kind", 2),)}  # one node shared by the branches of b and c


def test_a_conditional_child_is_proposed_only_under_its_parents_value():
    space = conditional_space()
    opt = HyperoptOptimizer(space, seed=0, algorithm="tpe", n_startup_jobs=4)
    kinds = set()
    for _ in range(20):
        info = opt.ask()
        vals = info.handle["misc"]["vals"]
        kind = info.config["kind"]
        kinds.add(kind)
        # hyperopt itself sampled the child only in its parent's branch (no value to drop afterwards)
        assert (vals["gamma"] != []) == (kind == "a")
        assert (vals["degree"] != []) == (kind in ("b", "c"))
        assert set(info.config) == {"kind", "x", "gamma" if kind == "a" else "degree"}
        assert in_space(space, info.config)
        opt.tell(info, TrialValue((numeric_loss(info.config),)))
    assert kinds == {"a", "b", "c"}


def test_other_conditions_fall_back_to_propose_all_and_drop():
    space = ConfigurationSpace({"n": (1, 10), "y": (0.0, 1.0)})
    space.add(GreaterThanCondition(space["y"], space["n"], 5))
    assert nested_parents(space) == {}
    opt = HyperoptOptimizer(space, seed=1, algorithm="anneal")
    for _ in range(10):
        info = opt.ask()
        assert ("y" in info.config) == (info.config["n"] > 5) and in_space(space, info.config)
        opt.tell(info, TrialValue((info.config["n"],)))


@pytest.mark.parametrize(("algorithm", "kwargs"), [("tpe", {"n_startup_jobs": 4}), ("anneal", {})])
@pytest.mark.parametrize("make_space", [mixed_space, conditional_space])
def test_proposals_equal_fmin_driven_by_hand(algorithm, kwargs, make_space):
    """fmin with rstate=default_rng(seed) and the same losses proposes what the adapter proposed, trial for trial."""
    space, seed, n = make_space(), 7, 12
    opt = HyperoptOptimizer(space, seed=seed, algorithm=algorithm, **kwargs)
    ours = []
    for _ in range(n):
        info = opt.ask()
        ours.append(info.handle["misc"]["vals"])
        opt.tell(info, TrialValue((numeric_loss(info.config),)))
    expr, decoders, _ = hyperopt_space(space)
    suggest = functools.partial(getattr(hyperopt, algorithm).suggest, **kwargs)
    trials = hyperopt.Trials()

    def objective(sample: dict) -> float:
        return numeric_loss({k: decoders[k](v) for k, v in flatten(sample).items()})

    hyperopt.fmin(objective, expr, algo=suggest, max_evals=n, trials=trials, rstate=np.random.default_rng(seed), show_progressbar=False)
    assert [t["misc"]["vals"] for t in trials.trials] == ours


def test_forbidden_proposals_are_rejected_and_told_as_failed():
    space = ConfigurationSpace({"kind": ["a", "b", "c"], "x": (0.0, 1.0)})
    space.add(ForbiddenEqualsClause(space["kind"], "c"))
    opt = HyperoptOptimizer(space, seed=3, algorithm="tpe", n_startup_jobs=3)
    for _ in range(10):
        info = opt.ask()
        assert info.config["kind"] != "c"
        opt.tell(info, TrialValue((info.config["x"],)))
    docs = opt._hyperopt.trials.trials
    rejected = [d for d in docs if d["misc"]["vals"]["kind"] == [2]]
    assert rejected and len(docs) == 10 + len(rejected)
    assert all(d["result"]["status"] == hyperopt.STATUS_FAIL for d in rejected)


def test_failures_are_told_as_status_fail():
    opt = HyperoptOptimizer(mixed_space(), seed=0, algorithm="tpe")
    info = opt.ask()
    opt.tell(info, TrialValue(None, TrialStatus.CRASHED))
    info = opt.ask()
    opt.tell(info, TrialValue((float("nan"),)))  # not OK either: a loss hyperopt must not see
    info = opt.ask()
    opt.tell(info, TrialValue((1.5,)))
    results = [t["result"] for t in opt._hyperopt.trials.trials]
    assert [r["status"] for r in results] == ["fail", "fail", "ok"] and results[2]["loss"] == 1.5


@pytest.mark.parametrize(("algorithm", "kwargs"), [("tpe", {"n_startup_jobs": 2}), ("anneal", {}), ("atpe", {})])
def test_every_algorithm_goes_on_after_only_failures(algorithm, kwargs):
    """Adaptive TPE takes min() of the losses seen, which fails when there are none; the adapter shows it no history then."""
    if algorithm == "atpe":
        pytest.importorskip("lightgbm")
    opt = HyperoptOptimizer(ConfigurationSpace({"x": (0.0, 1.0)}), seed=1, algorithm=algorithm, **kwargs)
    for _ in range(3):
        opt.tell(opt.ask(), TrialValue(None, TrialStatus.CRASHED))
    info = opt.ask()
    opt.tell(info, TrialValue((info.config["x"],)))
    assert [t["result"]["status"] for t in opt._hyperopt.trials.trials] == ["fail"] * 3 + ["ok"]


def test_adaptive_tpe_is_seeded_and_leaves_the_global_rngs_alone():
    pytest.importorskip("lightgbm")
    space = ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]})

    def run(seed: int) -> list:
        opt = HyperoptOptimizer(space, seed=seed, algorithm="atpe")
        configs = []
        for _ in range(11):  # 10 initial rounds, then a model-based one
            info = opt.ask()
            configs.append(info.config)
            opt.tell(info, TrialValue(((info.config["x"] - 0.3) ** 2,)))
        return configs

    random.seed(1)
    np.random.seed(1)
    before = (random.getstate(), np.random.get_state()[1].copy())
    first = run(5)
    assert random.getstate() == before[0] and np.array_equal(np.random.get_state()[1], before[1])
    random.seed(99)
    np.random.seed(99)  # other global state: the run must not depend on it
    assert run(5) == first
    assert run(6) != first


def test_unknown_algorithm_is_one_clear_error():
    with pytest.raises(CarpsError, match="unknown HyperOpt algorithm 'bayes'"):
        HyperoptOptimizer(mixed_space(), seed=0, algorithm="bayes")
