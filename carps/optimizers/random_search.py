"""Random search: configurations drawn uniformly (as ConfigSpace defines it) with the run's seed."""

from __future__ import annotations

from typing import Any

from carps.core.optimizer import Capabilities, Optimizer
from carps.core.space import sample_dicts
from carps.core.types import TrialInfo, TrialValue


class RandomSearch(Optimizer):
    """Samples the search space; on multi-fidelity tasks every trial runs at the highest fidelity.

    Configurations are drawn in batches (``batch_size``) because ConfigSpace's per-sample cost is
    mostly fixed overhead. The sequence depends on the seed and on ``batch_size``.
    """

    capabilities = Capabilities.of(["blackbox", "multifidelity", "multiobjective", "momf"], parallel=True)  # independent draws
    library = "ConfigSpace"

    def _setup(self, batch_size: int = 256, eval_batch: int = 1) -> None:
        import numpy as np

        # eval_batch > 1: the run loop asks that many configurations at once and evaluates them in one
        # vectorized call where the task has one (e.g. YAHPO's ONNX models)
        self.eval_batch = int(eval_batch)
        self._rng = np.random.RandomState(self.seed)
        self._batch_size = int(batch_size)
        self._queue: list[dict[str, Any]] = []

    def _ask(self) -> TrialInfo:
        if not self._queue:
            self._queue = sample_dicts(self.space, self._batch_size, rng=self._rng)
            self._queue.reverse()
        fidelity = None if self.fidelity is None else self.fidelity.high
        return TrialInfo(config=self._queue.pop(), fidelity=fidelity)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        pass
