"""scikit-optimize's ``skopt.Optimizer`` driven by hand (ask/tell), with the GBRT surrogate.

GBRT, not the catalog's blackbox default skopt/gp: a GP fit plus its L-BFGS acquisition search takes
seconds per trial, so 200 trials take many minutes on either side; GBRT is skopt's cheapest surrogate.
Plain ``skopt.Optimizer(base_estimator="GBRT")`` fails on scikit-learn >= 1.6 and numpy >= 2.4, so
this loop builds it with the adapter's ``skopt_optimizer`` (the same random stream as skopt's own).
"""

from __future__ import annotations

import time


def direct_gbrt(task, n_trials: int, seed: int) -> tuple[float, list]:
    from carps.optimizers.skopt_adapter import skopt_dimensions, skopt_optimizer

    names = list(task.space.keys())
    function = task.function
    t0 = time.perf_counter()
    dims, _, _ = skopt_dimensions(task.space)
    dim_names = [d.name for d in dims]
    optimizer = skopt_optimizer(dims, seed, "GBRT", n_initial_points=10, model_queue_size=1)
    asked = []
    for _ in range(n_trials):
        point = optimizer.ask()
        config = dict(zip(dim_names, point))
        y = function(config, None, seed)
        optimizer.tell(point, float(y))
        asked.append([config[n] for n in names])
    return time.perf_counter() - t0, asked


CASES = {"skopt_gbrt": ("skopt/gbrt", direct_gbrt, ("_skopt", ("ask", "tell")))}
