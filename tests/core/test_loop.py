"""The run loop: budget accounting, failure handling, time limits, determinism and replay."""

from __future__ import annotations

import math
import time

import pytest

from carps.core.loop import ReplayMismatch, run_trials
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.records import MemorySink
from carps.core.types import Budget, TrialInfo, TrialStatus, TrialValue
from carps.optimizers.random_search import RandomSearch
from tests.conftest import mf_task, sphere_task

STABLE = ("trial", "config", "fidelity", "seed", "objectives", "status", "error", "budget_used")


def stable(records):
    return [{k: r[k] for k in STABLE} for r in records]


class FixedFidelity(Optimizer):
    """Asks x=0.5 at a fixed fidelity; remembers what it was told."""

    capabilities = Capabilities.of(["multifidelity"])

    def _setup(self, fidelity_value: float = 3) -> None:
        self.value = fidelity_value

    def _ask(self) -> TrialInfo:
        return TrialInfo({"x": 0.5}, fidelity=self.value)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        pass


def test_blackbox_budget_counts_trials():
    task = sphere_task()
    sink = MemorySink()
    summary = run_trials(task, RandomSearch.for_task(task, seed=0), sink, Budget(n_trials=7))
    assert summary.n_trials == 7 and len(sink.records) == 7
    assert [r["budget_used"] for r in sink.records] == [float(i) for i in range(1, 8)]
    assert [r["trial"] for r in sink.records] == list(range(7))


def test_task_default_budget_is_used():
    task = sphere_task()
    sink = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=0), sink)
    assert len(sink.records) == task.budget.n_trials == 10


def test_multifidelity_trials_cost_their_fraction_of_a_full_evaluation():
    task = mf_task()  # fidelity 1..9, budget 3 full evaluations
    sink = MemorySink()
    opt = FixedFidelity.for_task(task, seed=0, fidelity_value=3)
    summary = run_trials(task, opt, sink, Budget(n_trials=3))
    assert len(sink.records) == 9  # each trial costs 3/9
    assert sink.records[-1]["budget_used"] == pytest.approx(3.0)
    assert summary.budget_used <= 3.0 + 1e-9


def test_a_trial_that_would_overshoot_the_budget_is_not_run():
    task = mf_task()
    sink = MemorySink()
    run_trials(task, FixedFidelity.for_task(task, seed=0, fidelity_value=4), sink, Budget(n_trials=1))
    # 4/9 + 4/9 = 8/9; a third trial would reach 12/9 > 1
    assert len(sink.records) == 2
    assert sink.records[-1]["budget_used"] == pytest.approx(8 / 9)


def test_random_search_runs_multifidelity_at_full_fidelity():
    task = mf_task()
    sink = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=1), sink, Budget(n_trials=2))
    assert [r["fidelity"] for r in sink.records] == [9, 9]


def test_crash_nan_and_timeout_are_failed_trials_and_the_run_goes_on():
    calls = {"n": 0}

    def flaky(config, fidelity, seed):
        calls["n"] += 1
        kind = calls["n"] % 4
        if kind == 1:
            raise RuntimeError("boom")
        if kind == 2:
            return float("nan")
        if kind == 3:
            time.sleep(5)
        return 1.0

    class Recording(RandomSearch):
        def _tell(self, info, value):
            self.told = [*getattr(self, "told", []), value]

    task = sphere_task(function=flaky)
    sink = MemorySink()
    opt = Recording.for_task(task, seed=0)
    t0 = time.perf_counter()
    summary = run_trials(task, opt, sink, Budget(n_trials=8), trial_timeout=0.2)
    assert time.perf_counter() - t0 < 3
    statuses = [r["status"] for r in sink.records]
    assert statuses == ["crashed", "invalid", "timeout", "ok"] * 2
    assert "RuntimeError: boom" in sink.records[0]["error"]
    assert "non-finite" in sink.records[1]["error"]
    assert sink.records[2]["objectives"] is None and sink.records[1]["objectives"] == {"y": None}
    assert summary.n_failed == 6
    told = [v.status for v in opt.told]
    assert told == [TrialStatus.CRASHED, TrialStatus.INVALID, TrialStatus.TIMEOUT, TrialStatus.OK] * 2
    assert all(v.costs is None for v in opt.told if not v.ok)


def test_timeout_outside_the_main_thread_still_returns():
    import threading

    task = sphere_task(function=lambda c, f, s: time.sleep(3))
    sink = MemorySink()
    worker = threading.Thread(target=lambda: run_trials(task, RandomSearch.for_task(task, seed=0), sink, Budget(n_trials=2), trial_timeout=0.2))
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert [r["status"] for r in sink.records] == ["timeout", "timeout"]


def test_wall_time_limit_stops_the_run():
    task = sphere_task(function=lambda c, f, s: time.sleep(0.05) or 1.0)
    summary = run_trials(task, RandomSearch.for_task(task, seed=0), MemorySink(), Budget(n_trials=1000, wall_time=0.3))
    assert summary.stop_reason == "wall_time"
    assert 2 <= summary.n_trials < 20


def test_same_seed_same_trials_bit_for_bit_and_different_seeds_differ():
    task = sphere_task(dim=3)

    def records(seed):
        sink = MemorySink()
        run_trials(task, RandomSearch.for_task(task, seed=seed), sink, Budget(n_trials=20))
        return stable(sink.records)

    assert records(3) == records(3)
    assert records(3) != records(4)


def test_replay_continues_exactly_where_the_log_stopped():
    task = sphere_task(dim=2)
    full = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=5, batch_size=3), full, Budget(n_trials=10))
    resumed = MemorySink()
    summary = run_trials(task, RandomSearch.for_task(task, seed=5, batch_size=3), resumed, Budget(n_trials=10), replay=full.records[:4])
    assert summary.replayed == 4 and summary.n_trials == 10
    assert stable(full.records[:4] + resumed.records) == stable(full.records)


def test_replay_refuses_a_log_the_optimizer_does_not_reproduce():
    task = sphere_task(dim=2)
    log = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=5), log, Budget(n_trials=3))
    with pytest.raises(ReplayMismatch):
        run_trials(task, RandomSearch.for_task(task, seed=6), MemorySink(), Budget(n_trials=5), replay=log.records)


def test_overhead_accounting_is_consistent():
    task = sphere_task()
    summary = run_trials(task, RandomSearch.for_task(task, seed=0), MemorySink(), Budget(n_trials=50))
    assert summary.wall_time >= summary.optimizer_time + summary.objective_time
    assert math.isfinite(summary.overhead_time) and summary.overhead_time >= 0


def test_incumbent_is_the_best_ok_trial():
    task = sphere_task()
    opt = RandomSearch.for_task(task, seed=0)
    sink = MemorySink()
    summary = run_trials(task, opt, sink, Budget(n_trials=30))
    best = min(r["objectives"]["y"] for r in sink.records)
    assert summary.incumbent[0]["costs"][0] == best


def test_multi_objective_incumbent_is_the_pareto_front():
    from ConfigSpace import ConfigurationSpace

    from carps.core.types import Objective

    opt = RandomSearch(ConfigurationSpace({"x": (0.0, 1.0)}), (Objective("a"), Objective("b")), seed=0)
    points = [(1.0, 5.0), (2.0, 2.0), (3.0, 3.0), (5.0, 1.0), (2.0, 2.0), (0.5, 6.0)]
    for p in points:
        opt.tell(opt.ask(), TrialValue(costs=p))
    assert sorted(v.costs for _, v in opt.incumbent()) == [(0.5, 6.0), (1.0, 5.0), (2.0, 2.0), (5.0, 1.0)]


def test_multi_fidelity_incumbent_only_compares_the_top_fidelity():
    task = mf_task()
    opt = FixedFidelity.for_task(task, seed=0)
    opt.tell(TrialInfo({"x": 0.1}, fidelity=3), TrialValue(costs=(0.1,)))
    opt.tell(TrialInfo({"x": 0.2}, fidelity=9), TrialValue(costs=(0.5,)))
    opt.tell(TrialInfo({"x": 0.3}, fidelity=3), TrialValue(costs=(0.01,)))
    assert [i.config["x"] for i, _ in opt.incumbent()] == [0.2]


def test_an_optimizer_asking_several_trials_gets_one_vectorized_evaluation():
    calls = []

    def batch(configs, fidelities, seed):
        calls.append(len(configs))
        return [c["x0"] ** 2 for c in configs]

    task = sphere_task(dim=1)
    task.batch_function = batch
    sink = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=0, eval_batch=4), sink, Budget(n_trials=10))
    assert calls == [4, 4, 2]
    assert [r["trial"] for r in sink.records] == list(range(10))
    assert all(r["objectives"]["y"] == r["config"]["x0"] ** 2 for r in sink.records)
    # the same trials as one-at-a-time evaluation
    single = MemorySink()
    task.batch_function = None
    run_trials(task, RandomSearch.for_task(task, seed=0, eval_batch=4), single, Budget(n_trials=10))
    assert stable(single.records) == stable(sink.records)


def test_a_failing_batch_is_evaluated_one_by_one_so_failures_stay_per_trial():
    def batch(configs, fidelities, seed):
        raise RuntimeError("batch failed")

    def single(config, fidelity, seed):
        if config["x0"] > 0:
            raise ValueError("positive")
        return config["x0"]

    task = sphere_task(dim=1, function=single)
    task.batch_function = batch
    sink = MemorySink()
    run_trials(task, RandomSearch.for_task(task, seed=3, eval_batch=5), sink, Budget(n_trials=10))
    assert len(sink.records) == 10
    for r in sink.records:
        assert r["status"] == ("crashed" if r["config"]["x0"] > 0 else "ok")
