"""The fast search-space membership test used by every adapter."""

from __future__ import annotations

import pytest
from ConfigSpace import Categorical, ConfigurationSpace, EqualsCondition, Float, Integer

from carps.benchmarks.config_check import ConfigCheck, InvalidConfigError
from carps.core.space import sample_dicts, seeded_copy
from carps.core.types import Fidelity


@pytest.fixture
def check() -> ConfigCheck:
    space = ConfigurationSpace({"lr": Float("lr", (1e-4, 1e-1), log=True), "depth": Integer("depth", (1, 8)), "kind": Categorical("kind", ["a", "b"])})
    space.add(Float("extra", (0.0, 1.0)))
    space.add(EqualsCondition(space["extra"], space["kind"], "b"))
    return ConfigCheck(space, "blackbox/toy/t")


def test_accepts_every_sampled_config(check: ConfigCheck) -> None:
    for config in sample_dicts(seeded_copy(check.space, 0), 200):
        check(config)


@pytest.mark.parametrize(
    "config,match",
    [
        ({"lr": 0.5, "depth": 2, "kind": "a"}, r"lr=0.5 is outside"),
        ({"lr": 0.01, "depth": 2.5, "kind": "a"}, r"depth=2.5 must be an integer"),
        ({"lr": 0.01, "depth": 2, "kind": "c"}, r"kind='c' is not one of"),
        ({"lr": 0.01, "kind": "a"}, r"'depth' is missing"),
        ({"lr": 0.01, "depth": 2, "kind": "a", "momentum": 0.9}, r"unknown hyperparameter 'momentum'"),
        ({"lr": 0.01, "depth": 2, "kind": "a", "extra": 0.5}, r"'extra' is inactive"),
        ({"lr": 0.01, "depth": 2, "kind": "b"}, r"'extra' is active"),
        ({"lr": float("nan"), "depth": 2, "kind": "a"}, r"not a finite number"),
    ],
)
def test_rejects_with_a_message_naming_the_culprit(check: ConfigCheck, config: dict, match: str) -> None:
    with pytest.raises(InvalidConfigError, match=match):
        check(config)


def test_fidelity_bounds(check: ConfigCheck) -> None:
    fidelity = Fidelity("epoch", 1, 50, integer=True)
    check.fidelity(fidelity, 1)
    check.fidelity(fidelity, 50)
    with pytest.raises(InvalidConfigError, match=r"fidelity epoch=51 is outside \[1, 50\]"):
        check.fidelity(fidelity, 51)
