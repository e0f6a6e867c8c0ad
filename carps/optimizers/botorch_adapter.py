"""Gaussian-process Bayesian optimization with BoTorch, behind the ask/tell interface.

Why BoTorch: it installs cleanly next to numpy 2 and torch 2.13 (botorch, gpytorch and
linear_operator are pure Python), and it is maintained by the Ax team. HEBO pins numpy < 1.25 and
an old pymoo, and Ax adds a database layer and many dependencies on top of BoTorch for nothing carps needs.

The model is BoTorch's ``SingleTaskGP`` (Matérn-5/2 ARD kernel, standardized outcomes, fitted by
maximum marginal likelihood) on an encoding of the configuration: ConfigSpace's unit-cube vector for
floats and integers (log scales included), ordinals as their normalized rank, categoricals one-hot,
inactive hyperparameters as 0. The acquisition is ``LogExpectedImprovement``; on multi-objective
tasks each step scalarizes the costs with an augmented Chebyshev function and fresh random weights
(ParEGO).

Constraints: on a constrained task every constraint gets its own GP output next to the objective
(one multi-output ``SingleTaskGP``) and the acquisition is ``LogConstrainedExpectedImprovement``
(expected improvement over the best feasible value, times the modelled probability that every
constraint is at most 0). Before any trial is feasible, the incumbent is the worst value seen, so
the search is driven by the probability of feasibility.

Acquisition optimization: on purely numeric spaces ``optimize_acqf`` (multi-start L-BFGS-B) over the
unit cube; on spaces with categoricals, conditions or forbidden clauses, the best of a candidate set
of random configurations plus random neighbours of the best ones, all drawn by ConfigSpace and so
always legal. Failed trials are given the worst cost seen so far. All torch randomness runs in a
forked, seeded RNG, so runs are reproducible and leave torch's global state alone.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = BoTorchGP(ConfigurationSpace({"x": (0.0, 1.0)}), seed=1, n_initial=2)
>>> for _ in range(3):
...     info = opt.ask()
...     opt.tell(info, TrialValue(costs=((info.config["x"] - 0.3) ** 2,)))
>>> opt.n_told
3
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from carps.core.errors import require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.space import sample_dicts, seeded_copy, vectors_to_dicts
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.torch_threads import torch_threads


class _Encoder:
    """ConfigSpace vectors -> GP features (see the module docstring)."""

    def __init__(self, space: Any) -> None:
        from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter

        self.plan: list[tuple[int, str, int]] = []  # (vector column, kind, size)
        for column, hp in enumerate(space.values()):
            if isinstance(hp, Constant):
                continue
            if isinstance(hp, CategoricalHyperparameter):
                self.plan.append((column, "onehot", len(hp.choices)))
            elif isinstance(hp, OrdinalHyperparameter):
                self.plan.append((column, "rank", max(len(hp.sequence) - 1, 1)))
            else:
                self.plan.append((column, "unit", 1))
        self.width = sum(size if kind == "onehot" else 1 for _, kind, size in self.plan)

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        out = np.zeros((len(vectors), self.width))
        at = 0
        for column, kind, size in self.plan:
            values = vectors[:, column]
            active = ~np.isnan(values)
            if kind == "onehot":
                rows = np.flatnonzero(active)
                out[rows, at + values[active].astype(int)] = 1.0
                at += size
            else:
                out[active, at] = values[active] / size if kind == "rank" else values[active]
                at += 1
        return out


class BoTorchGP(Optimizer):
    """GP-based BO with BoTorch; see the module docstring for the model, acquisition and encoding.

    Parameters: ``n_initial`` random configurations before the first model (default: about a fifth
    of the budget, between 3 and 10), ``n_candidates`` random candidates per step on mixed spaces,
    ``num_restarts`` and ``raw_samples`` for ``optimize_acqf`` on numeric spaces, ``threads`` for torch
    while the adapter works (restored afterwards).

    Parallel runs: configurations asked but not yet told are BoTorch pending points (``X_pending``
    of ``qLogExpectedImprovement``, which integrates over their unknown outcomes), so the next proposal
    moves away from them. Constrained tasks keep the analytic constrained EI and no pending points.
    """

    capabilities = Capabilities.of(["blackbox", "multiobjective"], constraints=True, parallel=True)
    library = "botorch"

    def _setup(self, n_initial: int | None = None, n_candidates: int = 512, num_restarts: int = 4, raw_samples: int = 128, threads: int = 1) -> None:
        require("botorch", extra="bo")
        from ConfigSpace import CategoricalHyperparameter, OrdinalHyperparameter

        self._space = seeded_copy(self.space, self.seed)
        self._rng = np.random.default_rng(self.seed)
        budget = int(self.budget.n_trials)
        self._n_initial = int(n_initial) if n_initial is not None else int(min(10, max(3, budget // 5)))
        self._n_candidates = int(n_candidates)
        self._threads = int(threads)
        self._num_restarts, self._raw_samples = int(num_restarts), int(raw_samples)
        self._encode = _Encoder(self.space)
        self._numeric = not (
            self.space.conditions
            or self.space.forbidden_clauses
            or any(isinstance(hp, (CategoricalHyperparameter, OrdinalHyperparameter)) for hp in self.space.values())
        )
        self._initial = sample_dicts(self._space, self._n_initial)[::-1]
        self._X: list[np.ndarray] = []  # encoded configs told so far
        self._Y: list[list[float] | None] = []  # their costs (None: failed)
        self._C: list[list[float] | None] = []  # their constraint values on constrained tasks (None: failed)
        self._pending: list[tuple[TrialInfo, np.ndarray]] = []  # asked, not yet told (parallel runs)

    # ask ------------------------------------------------------------------------------------------------
    def _ask(self) -> TrialInfo:
        info = self._propose()
        if self.n_workers > 1:
            self._pending.append((info, self._encode(self._configuration(info.config).get_array()[None, :])[0]))
        return info

    def _propose(self) -> TrialInfo:
        if self._initial:
            return TrialInfo(config=self._initial.pop())
        if sum(y is not None for y in self._Y) < 2:
            return TrialInfo(config=sample_dicts(self._space, 1)[0])
        import torch

        with torch_threads(self._threads), torch.random.fork_rng(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BoTorch's numerical and input-scaling warnings on tiny data
            torch.manual_seed(int(self._rng.integers(2**31)))
            acq = self._acquisition(torch)
            config = self._maximize_numeric(acq, torch) if self._numeric else self._maximize_candidates(acq, torch)
        return TrialInfo(config=config)

    def _acquisition(self, torch: Any) -> Any:
        from botorch.acquisition import LogExpectedImprovement
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms import Standardize
        from gpytorch.mlls import ExactMarginalLogLikelihood

        done = [y for y in self._Y if y is not None]
        worst = np.max(np.array(done), axis=0)
        costs = np.array([worst if y is None else y for y in self._Y], dtype=float)
        X = torch.tensor(np.array(self._X), dtype=torch.float64)
        if costs.shape[1] == 1:
            target = -costs[:, 0]
        else:
            from botorch.utils.multi_objective.scalarization import get_chebyshev_scalarization

            weights = self._rng.dirichlet(np.ones(costs.shape[1]))
            Y = -torch.tensor(costs, dtype=torch.float64)
            target = get_chebyshev_scalarization(torch.tensor(weights, dtype=torch.float64), Y)(Y, None).numpy()
        Y = torch.tensor(target, dtype=torch.float64).unsqueeze(-1)
        if self.constraints:
            return self._constrained_acquisition(torch, X, Y)
        model = SingleTaskGP(X, Y, outcome_transform=Standardize(m=1))
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        if self._pending:
            from botorch.acquisition.logei import qLogExpectedImprovement

            pending = torch.tensor(np.array([v for _, v in self._pending]), dtype=torch.float64)
            return qLogExpectedImprovement(model, best_f=Y.max(), X_pending=pending)
        return LogExpectedImprovement(model, best_f=Y.max())

    def _constrained_acquisition(self, torch: Any, X: Any, Y: Any) -> Any:
        """Objective and constraints as outputs of one GP; constrained log-EI over the best feasible value."""
        from botorch.acquisition.analytic import LogConstrainedExpectedImprovement
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms import Standardize
        from gpytorch.mlls import ExactMarginalLogLikelihood

        done = [c for c in self._C if c is not None]
        # a failed trial counts as violating every constraint as much as the worst trial seen
        worst = np.max(np.array(done), axis=0) if done else np.ones(len(self.constraints))
        C = np.array([np.maximum(worst, 1e-6) if c is None else c for c in self._C], dtype=float)
        outputs = torch.cat([Y, torch.tensor(C, dtype=torch.float64)], dim=-1)
        model = SingleTaskGP(X, outputs, outcome_transform=Standardize(m=outputs.shape[-1]))
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        feasible = np.all(C <= 0.0, axis=1)
        best = Y[torch.tensor(feasible)].max() if feasible.any() else Y.min()
        bounds = {1 + k: (None, 0.0) for k in range(C.shape[1])}
        return LogConstrainedExpectedImprovement(model, best_f=best, objective_index=0, constraints=bounds)

    def _maximize_numeric(self, acq: Any, torch: Any) -> dict[str, Any]:
        from botorch.optim import optimize_acqf

        d = self._encode.width
        bounds = torch.stack([torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)])
        best, _ = optimize_acqf(acq, bounds=bounds, q=1, num_restarts=self._num_restarts, raw_samples=self._raw_samples)
        return vectors_to_dicts(self.space, best.detach().numpy().reshape(1, -1))[0]

    def _maximize_candidates(self, acq: Any, torch: Any) -> dict[str, Any]:
        from ConfigSpace.util import get_random_neighbor

        configs = self._space.sample_configuration(self._n_candidates)
        ranked = sorted((y[0] if len(y) == 1 else sum(y), i) for i, y in enumerate(self._Y) if y is not None)
        for _, index in ranked[:3]:
            start = self._configuration(self._X_configs[index])
            for _ in range(16):
                configs.append(get_random_neighbor(start, seed=int(self._rng.integers(2**31))))
        vectors = np.array([c.get_array() for c in configs])
        with torch.no_grad():
            scores = acq(torch.tensor(self._encode(vectors), dtype=torch.float64).unsqueeze(1)).numpy()
        return vectors_to_dicts(self.space, vectors[int(np.argmax(scores))][None, :])[0]

    def _configuration(self, config: dict[str, Any]) -> Any:
        from ConfigSpace import Configuration

        return Configuration(self.space, values=config)

    # tell -----------------------------------------------------------------------------------------------
    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        self._pending = [(i, v) for i, v in self._pending if i is not info]
        if not hasattr(self, "_X_configs"):
            self._X_configs: list[dict[str, Any]] = []
        vector = self._configuration(info.config).get_array()
        self._X.append(self._encode(vector[None, :])[0])
        self._X_configs.append(info.config)
        self._Y.append([float(c) for c in value.costs] if value.ok else None)  # type: ignore[union-attr]
        if self.constraints:
            self._C.append([float(c) for c in value.constraints] if value.ok and value.constraints else None)
