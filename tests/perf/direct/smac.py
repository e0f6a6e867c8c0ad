"""SMAC's HPO facade driven by hand (ask/tell, in-memory run history)."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path


def direct_smac(task, n_trials: int, seed: int) -> tuple[float, list]:
    from smac import HyperparameterOptimizationFacade, Scenario
    from smac.runhistory.dataclasses import TrialValue

    from carps.core.space import seeded_copy
    from carps.optimizers.smac_adapter import _order_local_search_start_points

    logging.getLogger("smac").setLevel(logging.WARNING)
    names = list(task.space.keys())
    function = task.function
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        scenario = Scenario(seeded_copy(task.space, seed), name="carps", output_directory=Path(tmp), deterministic=True,
                            objectives="cost", n_trials=n_trials, seed=seed)
        smac = HyperparameterOptimizationFacade(scenario, target_function=None, logging_level=False, overwrite=True)
        # the same fix of SMAC's process-dependent local-search order as the adapter applies; without it
        # the two sides (and two runs of either) diverge at the first model-based proposal
        _order_local_search_start_points(smac)
        asked = []
        for _ in range(n_trials):
            info = smac.ask()
            config = info.config
            y = function({n: config[n] for n in names}, None, seed)
            smac.tell(info, TrialValue(cost=float(y)), save=False)
            asked.append([config[n] for n in names])
        return time.perf_counter() - t0, asked


CASES = {"smac": ("smac/hpo", direct_smac, ("_smac", ("ask", "tell")))}
