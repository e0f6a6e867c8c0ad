"""DEHB (differential evolution + Hyperband) behind the ask/tell interface, via DEHB's own ask/tell.

Installation: ``pip install "carps[dehb]"``, which pins ``dehb`` 0.1.1: 0.1.2 declares ``numpy<2``,
0.1.1 has the same ask/tell API and no numpy bound.

DEHB converts its unit-cube vectors to configurations itself (log scales, integers, categoricals,
ordinals; inactive hyperparameters are dropped). Its conversion raises on forbidden clauses, so
DEHB gets the space without them; a proposal that violates one is told to DEHB as an infinitely bad
result (without being evaluated) and the next proposal is asked. Failed trials are told with fitness ``inf``: DEHB has no model, so that only
loses the selection. DEHB logs through loguru and opens a log file on construction; the adapter gives
it a temporary folder and removes its sinks, so nothing is printed or left behind.

>>> from ConfigSpace import ConfigurationSpace
>>> from carps.core.types import Fidelity
>>> opt = DEHBOptimizer(ConfigurationSpace({"x": (0.0, 1.0)}), fidelity=Fidelity("epochs", 1, 9, integer=True), seed=1)
>>> opt.ask().fidelity
1
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
import weakref
from typing import Any

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.space import in_space, seeded_copy
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.configuration_values import configuration_values, float_names
from carps.optimizers.conditional import first_legal


class DEHBOptimizer(Optimizer):
    """DEHB on multi-fidelity tasks; parameters ``eta``, ``mutation_factor``, ``crossover_prob``, ``strategy``."""

    # DEHB's ask/tell is asynchronous: asked again while jobs are pending, it continues the current
    # bracket or opens a new one (its library object keeps n_workers=1: more would start a Dask cluster)
    capabilities = Capabilities.of(["multifidelity"], parallel=True)
    library = "dehb"
    max_rejections = 1000

    def _setup(self, eta: int = 3, mutation_factor: float = 0.5, crossover_prob: float = 0.5, strategy: str = "rand1_bin") -> None:
        if self.fidelity is None:
            raise CarpsError("DEHB needs a task with a fidelity")
        dehb = require("dehb", extra="dehb")
        from loguru import logger

        fid = self.fidelity
        self._tmp = tempfile.mkdtemp(prefix="carps-dehb-")
        weakref.finalize(self, shutil.rmtree, self._tmp, True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConfigSpace deprecations inside DEHB
            self._dehb = dehb.DEHB(
                cs=_without_forbiddens(seeded_copy(self.space, self.seed)),
                dimensions=len(self.space),
                min_fidelity=max(fid.low, fid.high * 1e-6),
                max_fidelity=fid.high,
                eta=eta,
                mutation_factor=mutation_factor,
                crossover_prob=crossover_prob,
                strategy=strategy,
                seed=self.seed,
                n_workers=1,
                output_path=self._tmp,
                save_freq=None,
                log_level="ERROR",
            )
        # DEHB added a stdout sink and a log file; carps adapters never log
        logger.remove()
        self._forbidden = bool(self.space.forbidden_clauses)
        self._floats = float_names(self.space)

    def _ask(self) -> TrialInfo:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # DEHB samples within the space's conditions itself; a job that hits a forbidden clause is told as the worst
            config, job = first_legal(
                lambda: (configuration_values((j := self._dehb.ask())["config"], self._floats), j),
                (lambda c: c if in_space(self.space, c) else None) if self._forbidden else None,
                lambda j: self._dehb.tell(j, {"fitness": float("inf"), "cost": 0.0}),
                "DEHB",
                self.max_rejections,
            )
        fid = self.fidelity
        fidelity: float = float(min(max(float(job["fidelity"]), fid.low), fid.high))  # type: ignore[union-attr]
        if fid.integer:  # type: ignore[union-attr]
            fidelity = int(round(fidelity))
        return TrialInfo(config=config, fidelity=fidelity, handle=job)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        fitness = float(value.costs[0]) if value.ok else float("inf")  # type: ignore[index]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._dehb.tell(info.handle, {"fitness": fitness, "cost": value.wall_time})


def _without_forbiddens(space: Any) -> Any:
    """The same hyperparameters and conditions, no forbidden clauses (and the same sampler seed state)."""
    if not space.forbidden_clauses:
        return space
    from ConfigSpace import ConfigurationSpace

    bare = ConfigurationSpace(name=space.name)
    bare.add(list(space.values()))
    bare.add(list(space.conditions))
    bare.random = space.random
    return bare
