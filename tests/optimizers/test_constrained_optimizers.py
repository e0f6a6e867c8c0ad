"""Optimizers that model constraints: Optuna (constraints_func), BoTorch (constrained log-EI), Ax (outcome constraints)."""

from __future__ import annotations

import pytest
from ConfigSpace import ConfigurationSpace

from carps.core.loop import run_trials
from carps.core.records import MemorySink
from carps.core.registry import get_registry
from carps.core.task import Task
from carps.core.types import Budget, Objective, Result, TaskType, TrialValue
from carps.optimizers import create


def corner_task(n_trials: int = 40) -> Task:
    """Minimize x + y subject to being inside a small disc around (0.8, 0.8): the free optimum (0, 0) is infeasible."""
    return Task(
        id="blackbox/toy/corner",
        type=TaskType.BLACKBOX,
        space=ConfigurationSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)}),
        objectives=(Objective("f"),),
        constraints=("disc",),
        function=lambda c, f, s: Result((c["x"] + c["y"],), constraints=((c["x"] - 0.8) ** 2 + (c["y"] - 0.8) ** 2 - 0.04,)),
        budget=Budget(n_trials=n_trials),
    )


#: the constrained optimum of corner_task: on the disc's boundary towards the origin
CORNER_OPTIMUM = 1.6 - 0.2 * 2**0.5


def corner_run(optimizer: str, n_trials: int, seed: int = 0, **params) -> list[dict]:
    task = corner_task(n_trials)
    entry = get_registry().optimizer(optimizer)
    opt = entry.load_class().for_task(task, seed=seed, **{**entry.params, **params})
    sink = MemorySink()
    run_trials(task, opt, sink)
    return sink.records


def feasible_share(optimizer: str, n_trials: int, seed: int = 0, last: int | None = None) -> float:
    records = corner_run(optimizer, n_trials, seed)[-last:] if last else corner_run(optimizer, n_trials, seed)
    return sum(r["feasible"] for r in records) / len(records)


def test_variants_declare_whether_they_use_constraints():
    registry = get_registry()
    uses = {o: registry.optimizer(o).load_class().uses_constraints(registry.optimizer(o).params) for o in
            ("optuna/tpe", "optuna/nsga2", "optuna/gp", "optuna/random", "optuna/cmaes", "bo/gp", "ax/botorch", "random")}
    assert uses == {"optuna/tpe": True, "optuna/nsga2": True, "optuna/gp": True, "optuna/random": False,
                    "optuna/cmaes": False, "bo/gp": True, "ax/botorch": True, "random": False}


def test_optuna_sampler_receives_the_constraint_values():
    opt = create("optuna/nsga2", ConfigurationSpace({"x": (0.0, 1.0)}), objectives=("a", "b"), seed=0, constraints=("g",))
    info = opt.ask()
    opt.tell(info, TrialValue(costs=(0.1, 0.2), constraints=(0.5,)))
    frozen = opt._study.trials[-1]
    assert list(frozen.constraints.values()) == [0.5]  # where Optuna's samplers read feasibility from


def test_optuna_tpe_with_constraints_finds_the_feasible_region_more_often_than_random():
    # 60 trials, TPE's first 10 are random: the share of feasible proposals afterwards tells the difference
    tpe = feasible_share("optuna/tpe", 60, last=40)
    rnd = feasible_share("random", 60, last=40)
    assert rnd < 0.2 and tpe > rnd + 0.2, (tpe, rnd)


@pytest.mark.slow
def test_botorch_gp_models_the_constraint():
    # the constrained optimum lies on the boundary, so GP proposals straddle it: judge the best feasible value
    records = corner_run("bo/gp", 10, n_initial=3, num_restarts=2, raw_samples=64)
    best = min((r["objectives"]["f"] for r in records if r["feasible"]), default=float("inf"))
    assert best < CORNER_OPTIMUM + 0.08, best


def test_ax_gets_outcome_constraints():
    # the conformance kit runs ax/botorch on a constrained probe; here: the constraint reaches Ax's optimization config
    pytest.importorskip("ax")
    opt = create("ax/botorch", ConfigurationSpace({"x": (0.0, 1.0)}), seed=0, constraints=("g",))
    constraints = opt._client._experiment.optimization_config.outcome_constraints
    assert [(c.metric_names, c.bound, c.op.name) for c in constraints] == [(["g0"], 0.0, "LEQ")]
