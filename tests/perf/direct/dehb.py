"""DEHB's own ask/tell loop on a multi-fidelity task: the "direct" side for the dehb family.

DEHB runs on multi-fidelity tasks only, so this case uses ``multifidelity/mfsynth/rosenbrock_d5_s100``
(5-d Rosenbrock, fidelity from 0.01 to 1) instead of the bench's BBOB task, and ``--trials`` counts
full evaluations there: a trial at fidelity b costs b / 1 of one, as in carps' run loop, and the loop
stops before the first trial that would overshoot the budget, as carps' does. DEHB gets a seeded
private copy of the space, the catalog's ``eta: 3``, one worker and a temporary output folder; its
loguru sinks are removed, as the adapter removes them.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import warnings

TASK = "multifidelity/mfsynth/rosenbrock_d5_s100"


def direct_dehb(task, n_trials: int, seed: int) -> tuple[float, list]:
    from dehb import DEHB
    from loguru import logger

    from carps.core.space import seeded_copy

    names = list(task.space.keys())
    fid = task.fidelity
    tmp = tempfile.mkdtemp(prefix="bench-dehb-")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConfigSpace deprecations inside DEHB
        dehb = DEHB(cs=seeded_copy(task.space, seed), dimensions=len(names), min_fidelity=max(fid.low, fid.high * 1e-6), max_fidelity=fid.high,
                    eta=3, seed=seed, n_workers=1, output_path=tmp, save_freq=None, log_level="ERROR")
        logger.remove()
        used, asked = 0.0, []
        while used < n_trials - 1e-9:
            job = dehb.ask()
            fidelity = float(job["fidelity"])
            if used + fidelity / fid.high > n_trials + 1e-9:
                break
            config = dict(job["config"])
            result = task.evaluate(config, fidelity, seed)
            dehb.tell(job, {"fitness": float(result.objectives[0]), "cost": 0.0})
            used += fidelity / fid.high
            asked.append([config[n] for n in names])
    elapsed = time.perf_counter() - t0
    shutil.rmtree(tmp, ignore_errors=True)
    return elapsed, asked


CASES = {"dehb": ("dehb", direct_dehb, ("_dehb", ("ask", "tell")), TASK)}
