"""HyperOpt's TPE through its own loop: ``fmin`` over the whole budget with ``rstate=default_rng(seed)``."""

from __future__ import annotations

import functools
import time


def direct_tpe(task, n_trials: int, seed: int) -> tuple[float, list]:
    import hyperopt
    import numpy as np

    from carps.optimizers.hyperopt_adapter import hyperopt_space

    names = list(task.space.keys())
    function = task.function
    t0 = time.perf_counter()
    expr, decoders, _ = hyperopt_space(task.space)  # the BBOB spaces are flat: the sample is {name: value}
    trials = hyperopt.Trials()

    def objective(sample: dict) -> float:
        return float(function({k: decoders[k](v) for k, v in sample.items()}, None, seed))

    algo = functools.partial(hyperopt.tpe.suggest, n_startup_jobs=10, verbose=False)
    hyperopt.fmin(objective, expr, algo=algo, max_evals=n_trials, trials=trials, rstate=np.random.default_rng(seed), show_progressbar=False)
    elapsed = time.perf_counter() - t0
    asked = [[decoders[n](t["misc"]["vals"][n][0]) for n in names] for t in trials.trials]
    return elapsed, asked


CASES = {"hyperopt_tpe": ("hyperopt/tpe", direct_tpe, ("_hyperopt", ("new_trial", "complete")))}
