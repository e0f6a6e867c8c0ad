"""Nevergrad variants: the space mapping, the registry optimizer each catalog entry drives, and seeding."""

from __future__ import annotations

import numpy as np
import pytest
from ConfigSpace import Configuration, ConfigurationSpace

from carps.core.registry import get_registry
from carps.core.types import TrialStatus, TrialValue
from carps.testing.optimizer_checks import probe_space

ng = pytest.importorskip("nevergrad")

NEW = {
    "nevergrad/pso": "PSO",
    "nevergrad/oneplusone": "OnePlusOne",
    "nevergrad/tbpsa": "TBPSA",
    "nevergrad/discrete_lengler": "DiscreteLenglerOnePlusOne",
    "nevergrad/portfolio": "Portfolio",
}


def build(optimizer_id: str, space=None, seed: int = 1, **kwargs):
    entry = get_registry().optimizer(optimizer_id)
    return entry.load_class()(space if space is not None else probe_space(), seed=seed, **{**entry.params, **kwargs})


def cost(config: dict) -> float:
    return (config["x"] - 1.0) ** 2 + abs(np.log10(config["lr"]) + 2) + 0.1 * config["depth"] + (config.get("kind") == "c")


def run(opt, n: int) -> list[dict]:
    configs = []
    for _ in range(n):
        info = opt.ask()
        configs.append(info.config)
        opt.tell(info, TrialValue(costs=(cost(info.config),)))
    return configs


def test_the_space_maps_to_nevergrad_parameters():
    from carps.optimizers.nevergrad_adapter import nevergrad_parametrization

    param, constants = nevergrad_parametrization(probe_space())
    kinds = {name: type(p).__name__ for name, p in param.items()}
    assert kinds == {"x": "Scalar", "lr": "Log", "width": "Log", "depth": "Scalar", "kind": "Choice", "size": "TransitionChoice",
                     "gamma": "Scalar", "degree": "Scalar"}
    assert param["width"].integer and param["depth"].integer and not param["x"].integer
    assert list(param["size"].choices.value) == ["small", "medium", "large"]  # order kept for the ordinal
    assert constants == {}


@pytest.mark.parametrize("optimizer_id", sorted(NEW))
def test_each_variant_drives_its_registry_optimizer(optimizer_id):
    opt = build(optimizer_id, budget=None)
    assert opt._ng.name == NEW[optimizer_id]
    configs = run(opt, 12)
    space = probe_space()
    for config in configs:
        Configuration(space, values=config).check_valid_configuration()
        assert not (config["kind"] == "c" and config["size"] == "large")  # the forbidden clause


def test_portfolio_takes_turns_over_cma_de_and_hammersley():
    opt = build("nevergrad/portfolio")
    assert [o.name for o in opt._ng.optims] == ["MetaCMA", "TwoPointsDE", "ScrHammersleySearch"]


def test_oneplusone_proposes_what_nevergrad_proposes_by_hand():
    from carps.optimizers.nevergrad_adapter import nevergrad_parametrization

    from ConfigSpace import UniformFloatHyperparameter, UniformIntegerHyperparameter

    space = ConfigurationSpace()
    space.add([UniformFloatHyperparameter("x", -5.0, 5.0), UniformFloatHyperparameter("lr", 1e-4, 1.0, log=True), UniformIntegerHyperparameter("depth", 1, 8)])
    opt = build("nevergrad/oneplusone", space=space, seed=7)
    param, _ = nevergrad_parametrization(space)
    param.random_state = np.random.RandomState(7)
    by_hand = ng.optimizers.registry["OnePlusOne"](parametrization=param, budget=100, num_workers=1)
    for _ in range(15):
        mine, theirs = opt.ask(), by_hand.ask()
        assert mine.config == {k: (v.item() if isinstance(v, np.generic) else v) for k, v in theirs.value.items()}
        value = cost(mine.config)
        opt.tell(mine, TrialValue(costs=(value,)))
        by_hand.tell(theirs, value)


@pytest.mark.parametrize("optimizer_id", ["nevergrad/portfolio", "nevergrad/discrete_lengler"])
def test_numpy_global_random_state_does_not_matter(optimizer_id):
    runs = []
    for global_seed in (0, 1):
        np.random.seed(global_seed)
        runs.append(run(build(optimizer_id, seed=3, budget=None), 30))
    assert runs[0] == runs[1]
    assert run(build(optimizer_id, seed=4, budget=None), 30) != runs[0]


def test_failures_are_told_with_the_worst_cost_seen():
    opt = build("nevergrad/oneplusone")
    told = []
    opt._ng.tell = lambda candidate, value: told.append(value)  # what the library is told
    first = opt.ask()
    opt.tell(first, TrialValue(costs=None, status=TrialStatus.CRASHED))  # before any success: not told
    for value in (2.0, 5.0):
        opt.tell(opt.ask(), TrialValue(costs=(value,)))
    opt.tell(opt.ask(), TrialValue(costs=None, status=TrialStatus.INVALID))
    assert told == [2.0, 5.0, 5.0]
