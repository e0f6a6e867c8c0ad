"""How many seconds one evaluation takes on the simulated clock of a parallel run.

Three sources, in the order ``auto`` tries them:

1. the benchmark's own runtime metric (``Task.runtime``): YAHPO's predicted training time, an NN
   workload's or a scikit-learn model's measured fit time;
2. a documented model for families without one (BBOB, synthetic functions, pymoo problems):
   :class:`FidelityCost`, ``seconds x fidelity share x a config-dependent factor``;
3. the measured wall time of the evaluation (:class:`WallTime`), for tasks whose real run time is
   the point.

A cost is a pure function of the trial (never of the machine) except for :class:`WallTime`, so a
simulated run gives the same times on every machine.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Protocol

from carps.core.errors import CarpsError

if TYPE_CHECKING:
    from carps.core.evaluation import TrialOutcome
    from carps.core.task import Task
    from carps.core.types import TrialInfo

_NORMAL = NormalDist()


class CostModel(Protocol):
    """Seconds a trial occupies its worker on the simulated clock."""

    def seconds(self, task: Task, info: TrialInfo, outcome: TrialOutcome) -> float: ...


@dataclass(frozen=True)
class FidelityCost:
    """``seconds`` per full-fidelity evaluation, scaled by the fidelity share and a config factor.

    The factor is log-normal with mean 1 and log standard deviation ``spread``, drawn from a hash of
    the configuration (and fidelity), so the same trial always costs the same and different
    configurations finish in a realistic, varied order. ``spread=0`` makes every full evaluation
    cost exactly ``seconds``.

    >>> from carps.core.evaluation import TrialOutcome
    >>> from carps.core.types import TrialInfo, TrialStatus
    >>> model = FidelityCost(seconds=60.0, spread=0.0)
    >>> model.seconds(None, TrialInfo({"x": 0.1}), TrialOutcome(TrialStatus.OK))
    60.0
    """

    seconds_per_evaluation: float = 60.0
    spread: float = 0.5

    def __init__(self, seconds: float = 60.0, spread: float = 0.5) -> None:
        if not (seconds > 0 and math.isfinite(seconds)):
            raise CarpsError(f"the cost model needs seconds > 0 per full evaluation, got {seconds}; e.g. cost=60")
        if spread < 0:
            raise CarpsError(f"the cost model's spread must be >= 0, got {spread}")
        object.__setattr__(self, "seconds_per_evaluation", float(seconds))
        object.__setattr__(self, "spread", float(spread))

    def seconds(self, task: Task | None, info: TrialInfo, outcome: TrialOutcome) -> float:
        share = 1.0
        fidelity = None if task is None else task.fidelity
        if fidelity is not None:
            share = fidelity.cost(info.fidelity if info.fidelity is not None else fidelity.high)
        factor = 1.0
        if self.spread > 0:
            factor = math.exp(self.spread * _standard_normal(info) - 0.5 * self.spread**2)
        return self.seconds_per_evaluation * share * factor


@dataclass(frozen=True)
class WallTime:
    """The measured wall time of the evaluation itself (not reproducible across machines)."""

    def seconds(self, task: Task, info: TrialInfo, outcome: TrialOutcome) -> float:
        return max(outcome.seconds, 0.0)


@dataclass(frozen=True)
class RuntimeMetric:
    """The task's own runtime metric where it has one and it is known for this trial, else ``fallback``.

    Without a ``fallback`` it is the family's catalog model (``simulated_cost:`` in its
    ``benchmarks/<family>.yaml``, which lands in ``task.metadata``), else :class:`FidelityCost` at 60 s.
    """

    fallback: CostModel | None = None

    def seconds(self, task: Task, info: TrialInfo, outcome: TrialOutcome) -> float:
        runtime = getattr(task, "runtime", None)
        if runtime is not None and outcome.info:
            try:
                value = float(runtime(info.config, info.fidelity, outcome.info))
            except (KeyError, TypeError, ValueError):
                value = float("nan")
            if math.isfinite(value) and value >= 0:
                return value
        fallback = self.fallback or family_cost(task)
        return fallback.seconds(task, info, outcome)


def family_cost(task: Task | None) -> FidelityCost:
    """The fidelity model of ``task``'s family: its catalog ``simulated_cost``, else the default (60 s, spread 0.5)."""
    spec = (getattr(task, "metadata", None) or {}).get("simulated_cost") or {}
    return _fidelity_cost(float(spec.get("seconds", 60.0)), float(spec.get("spread", 0.5)))


@lru_cache(maxsize=64)
def _fidelity_cost(seconds: float, spread: float) -> FidelityCost:
    return FidelityCost(seconds, spread)


def cost_model(spec: str | float | CostModel | None = "auto") -> CostModel:
    """The cost model a run option names.

    ``auto`` (the default): the task's runtime metric, else its family's fidelity model (60 s per full
    evaluation unless the family's catalog says otherwise); ``model``: always that fidelity model;
    ``wall``: measured wall time; a number: the fidelity model with that many seconds per full evaluation.

    >>> cost_model(30).seconds_per_evaluation
    30.0
    """
    if spec is None or spec == "auto":
        return RuntimeMetric()
    if hasattr(spec, "seconds"):
        return spec  # type: ignore[return-value]
    if spec == "model":
        return _FamilyModel()
    if spec == "wall":
        return WallTime()
    try:
        seconds = float(spec)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CarpsError(f"cost must be 'auto', 'model', 'wall' or seconds per full evaluation (e.g. cost=60), got '{spec}'") from None
    return FidelityCost(seconds)


@dataclass(frozen=True)
class _FamilyModel:
    """``cost=model``: the family's fidelity model, even where the task has a runtime metric."""

    def seconds(self, task: Task, info: TrialInfo, outcome: TrialOutcome) -> float:
        return family_cost(task).seconds(task, info, outcome)


def _standard_normal(info: TrialInfo) -> float:
    """A standard normal number fixed by the trial's configuration and fidelity."""
    key = json.dumps([info.config, info.fidelity], sort_keys=True, default=str).encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    u = (int.from_bytes(digest, "big") + 0.5) / 2.0**64
    return _NORMAL.inv_cdf(u)


def describe(model: CostModel) -> dict[str, Any]:
    """The cost model as ``run.json`` records it."""
    if isinstance(model, RuntimeMetric):
        return {"kind": "auto", "fallback": "family" if model.fallback is None else describe(model.fallback)}
    if isinstance(model, _FamilyModel):
        return {"kind": "model", "seconds": "family"}
    if isinstance(model, FidelityCost):
        return {"kind": "model", "seconds": model.seconds_per_evaluation, "spread": model.spread}
    if isinstance(model, WallTime):
        return {"kind": "wall"}
    return {"kind": type(model).__name__}
