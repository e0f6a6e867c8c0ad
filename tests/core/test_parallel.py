"""Parallel runs on the simulated clock: event order, completion-order tells, budgets, determinism, resume."""

from __future__ import annotations

import time

import pytest
from ConfigSpace import ConfigurationSpace

from carps.core.cost import FidelityCost, WallTime, cost_model
from carps.core.errors import CarpsError
from carps.core.loop import run_trials
from carps.core.optimizer import Capabilities, Optimizer, WaitForResults
from carps.core.parallel import Workers
from carps.core.records import MemorySink
from carps.core.task import Task
from carps.core.types import Budget, Objective, TaskType, TrialInfo, TrialValue
from carps.optimizers.random_search import RandomSearch

EXACT = Workers(n=2, charge_optimizer_time=False)


def timed_task(sleep: bool = False) -> Task:
    """x is the objective and its runtime metric is config['seconds'] (slept for real when ``sleep``)."""

    def function(config, fidelity, seed):
        if sleep:
            time.sleep(config["seconds"])
        from carps.core.types import Result

        return Result((config["x"],), info={"seconds": config["seconds"]})

    return Task(
        id="blackbox/toy/timed",
        type=TaskType.BLACKBOX,
        space=ConfigurationSpace({"x": (0.0, 10.0), "seconds": (0.0, 100.0)}),
        objectives=(Objective("y"),),
        function=function,
        runtime=lambda config, fidelity, info: info["seconds"],
    )


class Scripted(Optimizer):
    """Proposes a fixed list of configs and remembers the order it was told."""

    capabilities = Capabilities.of(["blackbox"])

    def _setup(self, configs=()) -> None:
        self.configs = list(configs)
        self.told: list[int] = []
        self.running_at_ask: list[int] = []

    def _ask(self) -> TrialInfo:
        self.running_at_ask.append(self._n_asked - len(self.told))
        return TrialInfo(dict(self.configs[self._n_asked % len(self.configs)]))

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        self.told.append(info.trial)


def scripted(task: Task, configs) -> Scripted:
    return Scripted(task.space, task.objectives, seed=0, configs=configs)


def test_three_trials_on_two_workers_follow_the_hand_computed_event_order():
    task = timed_task()
    # trial 0 takes 5 s, trial 1 2 s, trial 2 1 s: 0 and 1 start at t=0; 1 ends at 2 and frees worker 1,
    # which runs trial 2 from 2 to 3; trial 0 ends last, at 5
    opt = scripted(task, [{"x": 1.0, "seconds": 5.0}, {"x": 2.0, "seconds": 2.0}, {"x": 3.0, "seconds": 1.0}])
    sink = MemorySink()
    summary = run_trials(task, opt, sink, Budget(n_trials=3), workers=EXACT)
    events = [(r["trial"], r["sim_start"], r["sim_end"], r["worker"]) for r in sink.records]
    assert events == [(1, 0.0, 2.0, 1), (2, 2.0, 3.0, 1), (0, 0.0, 5.0, 0)]
    assert opt.told == [1, 2, 0]  # told in completion order, as logged
    assert [r["budget_used"] for r in sink.records] == [1.0, 2.0, 3.0]
    assert summary.n_trials == 3


def test_optimizer_is_asked_again_while_trials_are_pending():
    task = timed_task()
    opt = scripted(task, [{"x": 1.0, "seconds": 10.0}])
    run_trials(task, opt, MemorySink(), Budget(n_trials=6), workers=Workers(n=3, charge_optimizer_time=False))
    # three asks before any tell, then one ask per finished trial, with two still running
    assert opt.running_at_ask == [0, 1, 2, 2, 2, 2]


def test_time_budget_cuts_trials_still_running_and_starts_none_after_it():
    task = timed_task()
    opt = scripted(task, [{"x": 1.0, "seconds": 4.0}, {"x": 2.0, "seconds": 3.0}])
    sink = MemorySink()
    summary = run_trials(task, opt, sink, Budget(n_trials=100, time_budget=10.0), workers=EXACT)
    ok = [r for r in sink.records if r["status"] == "ok"]
    cut = [r for r in sink.records if r["status"] == "timeout"]
    assert all(r["sim_end"] <= 10.0 for r in ok)
    assert max(r["sim_start"] for r in sink.records) < 10.0
    assert cut and all(r["sim_end"] == 10.0 and r["objectives"] is None for r in cut)
    assert summary.stop_reason == "time_budget"


def test_charged_optimizer_time_moves_the_clock():
    task = timed_task()
    configs = [{"x": 1.0, "seconds": 1.0}]
    charged, exact = MemorySink(), MemorySink()
    run_trials(task, scripted(task, configs), charged, Budget(n_trials=5), workers=Workers(n=1))
    run_trials(task, scripted(task, configs), exact, Budget(n_trials=5), workers=Workers(n=1, charge_optimizer_time=False))
    assert [r["sim_end"] for r in exact.records] == [1.0, 2.0, 3.0, 4.0, 5.0]
    # each trial starts after the previous one ended plus the time the optimizer took to be told and asked
    ends = [r["sim_end"] for r in charged.records]
    starts = [r["sim_start"] for r in charged.records]
    assert starts[0] > 0.0 and all(s > e for s, e in zip(starts[1:], ends))


def _bbob_run(seed: int, n_workers: int = 4, n_trials: int = 40, replay=(), sink=None, optimizer=RandomSearch, **params):
    from carps.benchmarks import get_task

    task = get_task("blackbox/bbob/f01_d2_i1")
    sink = sink if sink is not None else MemorySink()
    opt = optimizer.for_task(task, seed=seed, n_workers=n_workers, **params)
    run_trials(task, opt, sink, Budget(n_trials=n_trials), workers=Workers(n=n_workers, charge_optimizer_time=False), replay=replay)
    return sink.records


STABLE = ("trial", "config", "objectives", "status", "budget_used", "sim_start", "sim_end", "worker")


def _stable(records):
    return [{k: r[k] for k in STABLE} for r in records]


def test_same_seed_gives_same_trials_and_simulated_times():
    first, second = _bbob_run(seed=3), _bbob_run(seed=3)
    assert _stable(first) == _stable(second)
    assert [r["trial"] for r in first] != sorted(r["trial"] for r in first)  # costs vary: completion order is not ask order
    assert _stable(_bbob_run(seed=4)) != _stable(first)


class _KilledAfter(MemorySink):
    """Dies (like a SIGKILL) when the n-th record would be written."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def write(self, record):
        if len(self.records) == self.n:
            raise KeyboardInterrupt
        super().write(record)


@pytest.mark.parametrize("killed_after", [1, 13])
def test_resume_rebuilds_the_trials_in_flight(killed_after):
    whole = _bbob_run(seed=5)
    partial = _KilledAfter(killed_after)
    with pytest.raises(KeyboardInterrupt):
        _bbob_run(seed=5, sink=partial)
    logged = list(partial.records)
    rest = _bbob_run(seed=5, replay=logged)
    assert _stable(logged + rest) == _stable(whole)


def test_resume_with_a_model_based_optimizer_matches_an_uninterrupted_run():
    from carps.optimizers.optuna_adapter import OptunaOptimizer

    params = {"sampler": "tpe"}
    whole = _bbob_run(seed=2, n_trials=30, optimizer=OptunaOptimizer, **params)
    partial = _KilledAfter(17)
    with pytest.raises(KeyboardInterrupt):
        _bbob_run(seed=2, n_trials=30, sink=partial, optimizer=OptunaOptimizer, **params)
    rest = _bbob_run(seed=2, n_trials=30, replay=list(partial.records), optimizer=OptunaOptimizer, **params)
    assert _stable(partial.records + rest) == _stable(whole)


class Generational(Optimizer):
    """Hands out a generation of 2 and waits until both are told."""

    capabilities = Capabilities.of(["blackbox"])

    def _setup(self) -> None:
        self.out = 0

    def _ask(self) -> TrialInfo:
        if self.out == 2:
            raise WaitForResults
        self.out += 1
        return TrialInfo({"x": 1.0, "seconds": 1.0 + self._n_asked})

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        if self.n_told % 2 == 0:
            self.out = 0


def test_an_optimizer_that_waits_for_results_leaves_workers_idle():
    task = timed_task()
    sink = MemorySink()
    run_trials(task, Generational(task.space, task.objectives), sink, Budget(n_trials=4), workers=Workers(n=3, charge_optimizer_time=False))
    assert [(r["trial"], r["sim_start"]) for r in sink.records] == [(0, 0.0), (1, 0.0), (2, 2.0), (3, 2.0)]
    assert {r["worker"] for r in sink.records} == {0, 1}  # the third worker never got work


def test_real_worker_processes_agree_with_the_simulated_clock():
    """A task that sleeps its simulated cost: real and simulated runs tell in the same order.

    Trials on different workers end at least 0.3 s apart, far more than process start-up and
    scheduling add, so the real order cannot differ by chance.
    """
    seconds = [2.0, 0.6, 0.9, 0.2, 1.2, 0.5]  # worker 0: 0-2.0, 2.0-2.5; worker 1: 0-0.6-1.5-1.7-2.9
    configs = [{"x": float(10 - i), "seconds": s} for i, s in enumerate(seconds)]
    simulated, real = MemorySink(), MemorySink()
    sim_opt, real_opt = scripted(timed_task(), configs), scripted(timed_task(sleep=True), configs)
    run_trials(timed_task(), sim_opt, simulated, Budget(n_trials=6), workers=Workers(n=2))
    run_trials(timed_task(sleep=True), real_opt, real, Budget(n_trials=6), workers=Workers(n=2, clock="real"))
    assert sim_opt.told == [1, 2, 3, 0, 5, 4]
    assert real_opt.told == sim_opt.told
    assert real_opt.incumbent()[0][0].config == sim_opt.incumbent()[0][0].config
    assert [r["worker"] for r in real.records] == [r["worker"] for r in simulated.records]
    for rec, sleep in zip(real.records, [seconds[r["trial"]] for r in real.records]):
        assert sleep <= rec["sim_end"] - rec["sim_start"] < sleep + 0.25  # real times, measured in the worker


def test_bad_worker_options_are_one_line_errors():
    with pytest.raises(CarpsError, match="n_workers must be a positive integer"):
        Workers(n=0)
    with pytest.raises(CarpsError, match="clock must be"):
        Workers(n=2, clock="wall")
    with pytest.raises(CarpsError, match="cost must be"):
        Workers(n=2, cost="fast")


def test_cost_models():
    info = TrialInfo({"x": 0.3})
    model = FidelityCost(60.0)
    assert model.seconds(None, info, None) == model.seconds(None, TrialInfo({"x": 0.3}), None)
    assert model.seconds(None, info, None) != model.seconds(None, TrialInfo({"x": 0.4}), None)
    from carps.benchmarks import get_task

    mf = get_task("multifidelity/mfsynth/branin_d2_s050")
    full = FidelityCost(60.0, spread=0.0).seconds(mf, TrialInfo({"x": 0.3}, fidelity=mf.fidelity.high), None)
    low = FidelityCost(60.0, spread=0.0).seconds(mf, TrialInfo({"x": 0.3}, fidelity=mf.fidelity.high / 4), None)
    assert full == 60.0 and low == 15.0
    assert isinstance(cost_model("wall"), WallTime)
    assert cost_model(12).seconds_per_evaluation == 12.0


def test_auto_cost_uses_the_runtime_metric_else_the_family_s_catalog_model():
    from carps.benchmarks import get_task
    from carps.core.cost import RuntimeMetric
    from carps.core.evaluation import TrialOutcome
    from carps.core.types import TrialStatus

    bbob = get_task("blackbox/bbob/f01_d2_i1")
    assert bbob.metadata["simulated_cost"] == {"seconds": 60, "spread": 0.5}  # benchmarks/bbob.yaml
    info, ok = TrialInfo({"x0": 0.1, "x1": 0.2}), TrialOutcome(TrialStatus.OK)
    assert RuntimeMetric().seconds(bbob, info, ok) == FidelityCost(60.0, 0.5).seconds(bbob, info, ok)
    bbob.metadata["simulated_cost"] = {"seconds": 10, "spread": 0}
    try:
        assert RuntimeMetric().seconds(bbob, info, ok) == 10.0
    finally:
        bbob.metadata["simulated_cost"] = {"seconds": 60, "spread": 0.5}
    timed = timed_task()
    assert RuntimeMetric().seconds(timed, TrialInfo({"x": 1.0, "seconds": 7.0}), TrialOutcome(TrialStatus.OK, info={"seconds": 7.0})) == 7.0
