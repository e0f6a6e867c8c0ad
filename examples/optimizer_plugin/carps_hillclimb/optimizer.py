"""The hill climber: a random start, then random neighbours of the best configuration; restart when stuck.

Neighbours come from ConfigSpace (``get_random_neighbor``), so every proposal respects the space's
log scales, integers, categoricals, ordinals, conditions and forbidden clauses without any conversion.
All randomness comes from one ``numpy`` generator seeded with the run's seed: the same seed gives the
same trials, and two runs never share state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ConfigSpace import Configuration
from ConfigSpace.util import get_random_neighbor

from carps.core.optimizer import Capabilities, Optimizer
from carps.core.space import configuration_to_dict, seeded_copy
from carps.core.types import TrialInfo, TrialValue


class HillClimber(Optimizer):
    """Restarting first-improvement hill climber.

    ``patience``: proposals without improvement before a restart from a fresh random configuration.

    >>> from ConfigSpace import ConfigurationSpace
    >>> opt = HillClimber(ConfigurationSpace({"x": (-1.0, 1.0)}), seed=0, patience=5)
    >>> for _ in range(30):
    ...     info = opt.ask()
    ...     opt.tell(info, TrialValue(costs=(info.config["x"] ** 2,)))
    >>> opt.incumbent()[0][1].costs[0] < 0.05
    True
    """

    # what carps checks before a run starts, and what `carps list optimizers` shows
    capabilities = Capabilities.of(["blackbox"], conditional=True, categorical=True)

    def _setup(self, patience: int = 8) -> None:
        self._patience = int(patience)
        self._sampler = seeded_copy(self.space, self.seed)  # never draw from (or reseed) the task's own space
        self._rng = np.random.default_rng(self.seed)
        self._best: tuple[Configuration, float] | None = None
        self._stuck = 0

    def _ask(self) -> TrialInfo:
        if self._best is None or self._stuck >= self._patience:
            self._best, self._stuck = None, 0
            candidate = self._sampler.sample_configuration()
        else:
            candidate = get_random_neighbor(self._best[0], seed=int(self._rng.integers(2**31)))
        return TrialInfo(config=configuration_to_dict(candidate), handle=candidate)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        if not value.ok:  # a crashed or invalid trial is just a failed step
            self._stuck += 1
            return
        cost = value.costs[0]
        if self._best is None or cost < self._best[1]:
            self._best, self._stuck = (info.handle, cost), 0
        else:
            self._stuck += 1
