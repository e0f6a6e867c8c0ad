"""Ax's Client driven by hand (get_next_trials/complete_trial), with the adapter's default generation strategy."""

from __future__ import annotations

import time
import warnings


def direct_ax(task, n_trials: int, seed: int) -> tuple[float, list]:
    from carps.optimizers.ax_adapter import ax_parameters, import_ax
    from carps.optimizers.torch_threads import torch_threads

    import_ax()  # Ax with its INFO logging off, as the adapter has it
    from ax.api.client import Client

    names = list(task.space.keys())
    function = task.function
    t0 = time.perf_counter()
    parameters, _ = ax_parameters(task.space)  # BBOB spaces are all floats: nothing index-coded
    asked = []
    with torch_threads(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = Client(random_seed=seed)
        client.configure_experiment(parameters=parameters, name="carps")
        client.configure_optimization(objective="-c0")
        client.configure_generation_strategy(method="fast", initialization_random_seed=seed)
        for _ in range(n_trials):
            ((index, params),) = client.get_next_trials(max_trials=1).items()
            y = function({n: params[n] for n in names}, None, seed)
            client.complete_trial(index, raw_data={"c0": float(y)})
            asked.append([params[n] for n in names])
    return time.perf_counter() - t0, asked


CASES = {"ax": ("ax/botorch", direct_ax, ("_client", ("get_next_trials", "complete_trial")))}
