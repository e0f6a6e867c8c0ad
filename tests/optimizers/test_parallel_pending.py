"""Optimizers with the ``parallel`` capability see the trials still running, through their library's own mechanism."""

from __future__ import annotations

import pytest

from carps.benchmarks import get_task
from carps.core.loop import run_trials
from carps.core.parallel import Workers
from carps.core.records import MemorySink
from carps.core.types import Budget

WORKERS = Workers(n=3, charge_optimizer_time=False)


def _run(cls, n_trials=12, **params):
    task = get_task("blackbox/bbob/f01_d2_i1")
    opt = cls.for_task(task, seed=1, n_workers=WORKERS.n, **params)
    sink = MemorySink()
    return opt, sink, lambda: run_trials(task, opt, sink, Budget(n_trials=n_trials), workers=WORKERS)


def test_optuna_tpe_asks_with_running_trials_and_a_constant_liar():
    pytest.importorskip("optuna")
    import optuna

    from carps.optimizers.optuna_adapter import OptunaOptimizer

    opt, _, run = _run(OptunaOptimizer, sampler="tpe")
    assert opt._study.sampler._constant_liar
    running = []
    ask = opt._study.ask

    def counting_ask(*args, **kwargs):
        running.append(len(opt._study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))))
        return ask(*args, **kwargs)

    opt._study.ask = counting_ask
    run()
    assert running[:3] == [0, 1, 2] and set(running[3:]) == {2}


def test_botorch_gets_the_pending_points():
    pytest.importorskip("botorch")
    from carps.optimizers.botorch_adapter import BoTorchGP

    opt, _, run = _run(BoTorchGP, n_trials=7, n_initial=3)
    seen = []
    acquisition = opt._acquisition

    def recording(torch):
        acq = acquisition(torch)
        seen.append(None if getattr(acq, "X_pending", None) is None else tuple(acq.X_pending.shape))
        return acq

    opt._acquisition = recording
    run()
    assert seen and all(shape == (2, 2) for shape in seen)  # the two other workers' configurations


def test_skopt_proposes_from_a_constant_liar_told_the_pending_points():
    pytest.importorskip("skopt")
    from carps.optimizers.skopt_adapter import SkoptOptimizer

    opt, sink, run = _run(SkoptOptimizer, n_trials=8, base_estimator="RF", n_initial_points=3)
    lied = []
    copy = opt._skopt.copy

    def recording_copy(*args, **kwargs):
        lied.append(len(opt._pending))
        return copy(*args, **kwargs)

    opt._skopt.copy = recording_copy
    run()
    # asks 0-4 are the random initial design (skopt leaves it once 3 results are told); asks 5-7 came
    # from a liar told the 2 trials running at the time
    assert lied == [2, 2, 2]
    assert len(sink.records) == 8


def test_nevergrad_is_built_for_the_run_s_workers():
    pytest.importorskip("nevergrad")
    from carps.optimizers.nevergrad_adapter import NevergradOptimizer

    opt, sink, run = _run(NevergradOptimizer, optimizer="NGOpt")
    assert opt._ng.num_workers == 3
    run()
    assert len(sink.records) == 12
