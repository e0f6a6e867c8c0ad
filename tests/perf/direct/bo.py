"""BoTorch GP BO written by hand, as the ``bo/gp`` adapter runs it: the "direct" side for the bo family.

BoTorch has no ask/tell object; its loop is the user's own. On the bench's all-float BBOB task that
loop is: a ConfigSpace random initial design (the adapter's default size, about a fifth of the
budget, between 3 and 10), then per step a ``SingleTaskGP`` (standardized outcomes) on the unit-cube
vectors fitted by marginal likelihood, ``LogExpectedImprovement`` on the negated costs, and
``optimize_acqf`` (4 restarts, 128 raw samples) over the cube, with one torch thread and torch's
global RNG forked and seeded per step from one numpy generator (the adapter's settings, so both
sides propose the same points). A proposal goes back into the model as the vector of the
configuration it became (values and back), as the adapter's history holds it.

The library time subtracted on the carps side is the adapter's model fit plus acquisition
(``_acquisition``) and its maximization (``_maximize_numeric``).
"""

from __future__ import annotations

import time
import warnings

import numpy as np


def direct_bo(task, n_trials: int, seed: int) -> tuple[float, list]:
    import torch
    from botorch.acquisition import LogExpectedImprovement
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.models.transforms import Standardize
    from botorch.optim import optimize_acqf
    from ConfigSpace import Configuration
    from gpytorch.mlls import ExactMarginalLogLikelihood

    from carps.core.space import seeded_copy
    from carps.optimizers.torch_threads import torch_threads

    names = list(task.space.keys())
    hps = [task.space[n] for n in names]
    function = task.function
    t0 = time.perf_counter()
    space = seeded_copy(task.space, seed)
    rng = np.random.default_rng(seed)
    n_initial = int(min(10, max(3, n_trials // 5)))
    initial = [c.get_array() for c in space.sample_configuration(n_initial)]
    bounds = torch.stack([torch.zeros(len(names), dtype=torch.float64), torch.ones(len(names), dtype=torch.float64)])
    X: list[np.ndarray] = []
    costs: list[float] = []
    asked = []
    for i in range(n_trials):
        if i < n_initial:
            vector = initial[i]
        else:
            with torch_threads(1), torch.random.fork_rng(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.manual_seed(int(rng.integers(2**31)))
                Y = -torch.tensor(costs, dtype=torch.float64).unsqueeze(-1)
                model = SingleTaskGP(torch.tensor(np.array(X), dtype=torch.float64), Y, outcome_transform=Standardize(m=1))
                fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
                best, _ = optimize_acqf(LogExpectedImprovement(model, best_f=Y.max()), bounds=bounds, q=1, num_restarts=4, raw_samples=128)
                vector = best.detach().numpy().reshape(-1)
        config = {n: float(hp.to_value(vector[j])) for j, (n, hp) in enumerate(zip(names, hps))}
        y = function(config, None, seed)
        X.append(Configuration(task.space, values=config).get_array())
        costs.append(float(y))
        asked.append([config[n] for n in names])
    return time.perf_counter() - t0, asked


CASES = {"bo": ("bo/gp", direct_bo, (None, ("_acquisition", "_maximize_numeric")))}
