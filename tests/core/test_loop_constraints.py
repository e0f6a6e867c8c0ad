"""Constraints from task to trial record: values, feasibility, the incumbent, replay and bad input."""

from __future__ import annotations

import math

import pytest
from ConfigSpace import ConfigurationSpace

from carps.core.loop import run_trials
from carps.core.records import MemorySink
from carps.core.task import Task
from carps.core.types import Budget, Constraint, Objective, Result, TaskType, TrialValue
from carps.optimizers.random_search import RandomSearch
from tests.conftest import sphere_task


def disc_task(nan_at: float | None = None) -> Task:
    """Minimize x + y inside the disc of radius 0.5 (feasible: x^2 + y^2 - 0.25 <= 0)."""

    def function(config, fidelity, seed):
        x, y = config["x"], config["y"]
        inside = x * x + y * y - 0.25
        if nan_at is not None and x > nan_at:
            inside = float("nan")
        return Result((x + y,), constraints=(inside, -1.0))

    return Task(
        id="blackbox/toy/disc",
        type=TaskType.BLACKBOX,
        space=ConfigurationSpace({"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, seed=0),
        objectives=(Objective("f"),),
        constraints=(Constraint("inside"), "always"),
        function=function,
        budget=Budget(n_trials=40),
    )


def test_records_carry_constraints_and_feasibility():
    task = disc_task()
    sink = MemorySink()
    summary = run_trials(task, RandomSearch.for_task(task, seed=3), sink)
    records = sink.records
    assert len(records) == 40
    for r in records:
        assert set(r["constraints"]) == {"inside", "always"}
        x, y = r["config"]["x"], r["config"]["y"]
        assert math.isclose(r["constraints"]["inside"], x * x + y * y - 0.25)
        assert r["feasible"] is (x * x + y * y <= 0.25)
    feasible = [r for r in records if r["feasible"]]
    assert 0 < len(feasible) < len(records)  # the test means something only with both kinds
    best_feasible = min(r["objectives"]["f"] for r in feasible)
    # the incumbent is the best feasible trial, not the best trial overall
    assert summary.incumbent[0]["costs"] == (best_feasible,)
    assert min(r["objectives"]["f"] for r in records) < best_feasible


def test_unconstrained_records_have_no_constraint_fields():
    sink = MemorySink()
    task = sphere_task()
    run_trials(task, RandomSearch.for_task(task, seed=0), sink, Budget(n_trials=3))
    assert all("constraints" not in r and "feasible" not in r for r in sink.records)


def test_non_finite_constraint_makes_the_trial_invalid():
    task = disc_task(nan_at=0.0)
    sink = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=1), sink, Budget(n_trials=20))
    bad = [r for r in sink.records if r["config"]["x"] > 0.0]
    assert bad and all(r["status"] == "invalid" and r["feasible"] is None and "constraint" in r["error"] for r in bad)
    assert all(r["constraints"]["inside"] is None for r in bad)  # NaN is written as null


def test_replay_tells_the_logged_constraints():
    task = disc_task()
    sink = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=5), sink, Budget(n_trials=10))
    told = []

    class Recording(RandomSearch):
        def _tell(self, info, value):
            told.append(value)
            super()._tell(info, value)

    again = MemorySink()
    summary = run_trials(task, Recording.for_task(task, seed=5), again, Budget(n_trials=12), replay=sink.records)
    assert summary.replayed == 10 and len(again.records) == 2
    assert [v.constraints for v in told[:10]] == [tuple(r["constraints"].values()) for r in sink.records]


def test_optimizer_is_told_constraint_values_and_knows_the_constraints():
    task = disc_task()
    opt = RandomSearch.for_task(task, seed=0)
    assert [c.name for c in opt.constraints] == ["inside", "always"]
    info = opt.ask()
    opt.tell(info, TrialValue(costs=(0.1,), constraints=(0.2, -1.0)))  # infeasible: not an incumbent
    assert opt.incumbent() == []
    info = opt.ask()
    opt.tell(info, TrialValue(costs=(0.3,), constraints=(-0.2, -1.0)))
    assert opt.incumbent()[0][1].costs == (0.3,)


def test_wrong_number_of_constraint_values_is_a_clear_error():
    task = disc_task()
    bad = Task(id="blackbox/toy/bad", type=TaskType.BLACKBOX, space=task.space, objectives=task.objectives,
               constraints=task.constraints, function=lambda c, f, s: c["x"])
    with pytest.raises(ValueError, match="0 constraint values for 2 constraints; return Result"):
        bad.evaluate({"x": 0.0, "y": 0.0})
    with pytest.raises(ValueError, match="unique"):
        Task(id="blackbox/toy/dup", type=TaskType.BLACKBOX, space=task.space, objectives=task.objectives,
             constraints=("a", "a"), function=lambda c, f, s: 0.0)
