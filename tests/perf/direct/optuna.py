"""Optuna's TPE sampler driven by hand (study.ask/study.tell)."""

from __future__ import annotations

import time


def direct_tpe(task, n_trials: int, seed: int) -> tuple[float, list]:
    import optuna

    from carps.optimizers.optuna_adapter import optuna_distributions

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = list(task.space.keys())
    function = task.function
    t0 = time.perf_counter()
    study = optuna.create_study(study_name="carps", sampler=optuna.samplers.TPESampler(seed=seed), directions=["minimize"])
    dists = optuna_distributions(task.space)
    asked = []
    for _ in range(n_trials):
        trial = study.ask(dists)
        params = trial.params
        y = function(params, None, seed)
        study.tell(trial, [float(y)])
        asked.append([params[n] for n in names])
    return time.perf_counter() - t0, asked


CASES = {"tpe": ("optuna/tpe", direct_tpe, ("_study", ("ask", "tell")))}
