"""Random search on ConfigSpace's samplers: the "direct" side for the random family.

``random`` draws batches of 256 configurations with ConfigSpace's per-hyperparameter samplers (one
vectorized draw per hyperparameter from a seeded ``RandomState``), which ``direct_random`` does by
hand with the same seed and batch size, so both sides propose the same configurations.
``random_public`` is the loop most users would write, ConfigSpace's public
``sample_configuration`` (one configuration after another, values rounded to 13 decimals): it
draws another sequence, so its proposals are not compared, and it shows what the batching saves.
"""

from __future__ import annotations

import time

import numpy as np

BATCH = 256  # the adapter's default batch_size


def direct_random(task, n_trials: int, seed: int) -> tuple[float, list]:
    names = list(task.space.keys())
    hps = [task.space[n] for n in names]
    function = task.function
    t0 = time.perf_counter()
    rng = np.random.RandomState(seed)
    asked: list = []
    batch: list = []
    for _ in range(n_trials):
        if not batch:
            columns = [hp.to_value(hp._vector_dist.sample_vector(n=BATCH, seed=rng)).tolist() for hp in hps]
            batch = [dict(zip(names, row)) for row in zip(*columns)][::-1]
        config = batch.pop()
        function(config, None, seed)
        asked.append([config[n] for n in names])
    return time.perf_counter() - t0, asked


def direct_random_public(task, n_trials: int, seed: int) -> tuple[float, None]:
    from carps.core.space import seeded_copy

    function = task.function
    t0 = time.perf_counter()
    space = seeded_copy(task.space, seed)
    for _ in range(n_trials):
        function(dict(space.sample_configuration()), None, seed)
    return time.perf_counter() - t0, None


CASES = {
    "random": ("random", direct_random, (None, ())),
    "random_public": ("random", direct_random_public, (None, ())),
}
