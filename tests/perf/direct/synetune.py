"""Syne Tune's regularized evolution and KDE searchers driven by hand (AskTellScheduler.ask/tell).

The cheapest Syne Tune variants: the family's blackbox default, BORE, spends about a second per
proposal in its own XGBoost fit and acquisition search, so 200 trials take minutes on either side.
"""

from __future__ import annotations

import time

import numpy as np


def _direct(searcher: str, **searcher_kwargs):
    def direct(task, n_trials: int, seed: int) -> tuple[float, list]:
        from syne_tune.optimizer.schedulers.ask_tell_scheduler import AskTellScheduler
        from syne_tune.optimizer.schedulers.single_objective_scheduler import SingleObjectiveScheduler

        from carps.optimizers.synetune_adapter import synetune_space

        names = list(task.space.keys())
        function = task.function
        outer = np.random.get_state()
        t0 = time.perf_counter()
        # Syne Tune samples random configurations from numpy's global generator: seed it, as a user must
        np.random.seed(seed)
        config_space = synetune_space(task.space).config_space
        kwargs = {"random_seed": seed, **searcher_kwargs}
        if searcher == "kde":
            kwargs["num_min_data_points"] = len(names) + 1  # what the adapter sets (see its docstring)
        scheduler = AskTellScheduler(SingleObjectiveScheduler(config_space, metric="cost_0", searcher=searcher, random_seed=seed, searcher_kwargs=kwargs))
        asked = []
        for _ in range(n_trials):
            trial = scheduler.ask()
            config = trial.config
            y = function(config, None, seed)
            scheduler.tell(trial, {"cost_0": float(y)})
            asked.append([config[n] for n in names])
        elapsed = time.perf_counter() - t0
        np.random.set_state(outer)
        return elapsed, asked

    return direct


CASES = {
    "synetune_rea": ("synetune/rea", _direct("regularized_evolution", population_size=20), ("_ask_tell", ("ask", "tell"))),
    "synetune_kde": ("synetune/kde", _direct("kde"), ("_ask_tell", ("ask", "tell"))),
}
