"""Optimizer.tell accepts a TrialValue, a number or one number per objective, and refuses anything else."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ConfigSpace import ConfigurationSpace

from carps.core.types import Fidelity, Objective, TrialStatus, TrialValue
from carps.optimizers.random_search import RandomSearch

SPACE = ConfigurationSpace({"x": (0.0, 1.0)})


class Recording(RandomSearch):
    def _setup(self) -> None:
        super()._setup()
        self.told: list[TrialValue] = []

    def _tell(self, info, value) -> None:
        self.told.append(value)


def test_a_plain_number_is_the_cost_of_a_single_objective():
    opt = Recording(SPACE, seed=1)
    opt.tell(opt.ask(), 0.37)
    opt.tell(opt.ask(), np.float32(0.25))
    opt.tell(opt.ask(), 2)
    assert [v.costs for v in opt.told] == [(0.37,), (0.25,), (2.0,)]
    assert all(v.status is TrialStatus.OK and v.budget_cost == 1.0 for v in opt.told)
    assert opt.incumbent()[0][1].costs == (0.25,)


def test_one_number_per_objective_in_the_objectives_own_units():
    opt = Recording(SPACE, objectives=(Objective("loss"), Objective("accuracy", minimize=False)), seed=1)
    opt.tell(opt.ask(), [0.5, 0.9])
    opt.tell(opt.ask(), np.array([0.4, 0.8]))
    opt.tell(opt.ask(), (0.3, 0.7))
    assert [v.costs for v in opt.told] == [(0.5, -0.9), (0.4, -0.8), (0.3, -0.7)]


def test_a_trial_value_goes_through_unchanged():
    opt = Recording(SPACE, seed=1)
    value = TrialValue((1.5,), wall_time=0.2)
    opt.tell(opt.ask(), value)
    assert opt.told == [value]


def test_a_non_finite_number_is_an_invalid_trial():
    opt = Recording(SPACE, seed=1)
    opt.tell(opt.ask(), math.nan)
    assert opt.told[0].status is TrialStatus.INVALID and opt.told[0].costs is None
    assert opt.incumbent() == []


def test_a_number_on_a_multi_fidelity_task_is_charged_for_its_fidelity():
    opt = Recording(SPACE, fidelity=Fidelity("epochs", 1, 10, integer=True), seed=1)
    info = opt.ask()
    info.fidelity = 5
    opt.tell(info, 0.1)
    assert opt.told[0].budget_cost == pytest.approx(0.5)


@pytest.mark.parametrize("bad", ["0.3", None, {"loss": 0.3}, [0.1, "a"], True, object()])
def test_anything_else_is_a_type_error_that_says_what_is_accepted(bad):
    opt = Recording(SPACE, seed=1)
    with pytest.raises(TypeError, match="takes a TrialValue, a number or a sequence of numbers"):
        opt.tell(opt.ask(), bad)
    assert opt.n_told == 0


def test_the_wrong_number_of_values_names_the_objectives():
    opt = Recording(SPACE, objectives=(Objective("loss"), Objective("time")), seed=1)
    with pytest.raises(ValueError, match=r"got 1 value\(s\) for 2 objective\(s\) \(loss, time\)"):
        opt.tell(opt.ask(), 0.3)
