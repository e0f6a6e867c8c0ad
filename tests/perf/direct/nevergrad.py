"""Nevergrad optimizers driven by hand: registry optimizer, ``Dict`` parametrization seeded like the adapter's, ask/tell."""

from __future__ import annotations

import time
import warnings
from typing import Callable


def direct_nevergrad(name: str) -> Callable:
    """The hand-written loop for Nevergrad's registry optimizer ``name``."""

    def direct(task, n_trials: int, seed: int) -> tuple[float, list]:
        import nevergrad as ng
        import numpy as np

        from carps.optimizers.nevergrad_adapter import nevergrad_parametrization

        names = list(task.space.keys())
        function = task.function
        t0 = time.perf_counter()
        # the carps space mapping is reused, so both sides search the same parametrization
        param, constants = nevergrad_parametrization(task.space)
        param.random_state = np.random.RandomState(seed)
        optimizer = ng.optimizers.registry[name](parametrization=param, budget=n_trials, num_workers=1)
        asked = []
        for _ in range(n_trials):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                candidate = optimizer.ask()
            config = {**{k: v.item() if isinstance(v, np.generic) else v for k, v in candidate.value.items()}, **constants}
            optimizer.tell(candidate, float(function(config, None, seed)))
            asked.append([config[n] for n in names])
        return time.perf_counter() - t0, asked

    return direct


CASES = {
    "nevergrad": ("nevergrad/ngopt", direct_nevergrad("NGOpt"), ("_ng", ("ask", "tell"))),
    "nevergrad_oneplusone": ("nevergrad/oneplusone", direct_nevergrad("OnePlusOne"), ("_ng", ("ask", "tell"))),
}
