"""The ``nn`` benchmark family: each training workload as a blackbox and a multi-fidelity task.

Ids are ``blackbox/nn/<workload>`` (full training run per trial) and ``multifidelity/nn/<workload>``
(``epochs`` is the fidelity; a trial at ``e`` epochs is a complete run of that length, so its
schedule spans ``e`` epochs). The objective is the final ``valid_error``; each trial's ``info``
carries the validation and test metric, validation loss, training time and steps-to-target.

Every task's search space is the same AdamW/NadamW space, so configurations transfer across
workloads, and every task also runs the learning-rate-free algorithms by name (see
:data:`carps.core.task.ALGORITHM_KEY`).
"""

from __future__ import annotations

from typing import Any, Sequence

from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError
from carps.core.task import ALGORITHM_KEY, Task
from carps.core.types import Budget, Fidelity, Objective, Result, TaskType
from carps.benchmarks.nn.algorithms import LRFREE
from carps.benchmarks.nn.workloads import WORKLOADS

TASK_TYPES = ("blackbox", "multifidelity")


class NNBenchmark(BenchmarkFamily):
    """Training workloads in torch; ``device`` is ``auto`` (GPU when visible), ``cpu`` or ``cuda[:i]``.

    >>> bench = NNBenchmark(workloads=["cancer_mlp"])
    >>> bench.task_ids()
    ['blackbox/nn/cancer_mlp', 'multifidelity/nn/cancer_mlp']
    """

    def __init__(
        self,
        workloads: Sequence[str] = tuple(WORKLOADS),
        types: Sequence[str] = TASK_TYPES,
        device: str = "auto",
        threads: int = 1,
        n_trials: int = 30,
    ) -> None:
        super().__init__(workloads=workloads, types=types, device=device, threads=threads, n_trials=n_trials)
        unknown = [w for w in workloads if w not in WORKLOADS]
        if unknown:
            raise UnknownNameError(f"unknown nn workload(s) {unknown}; choose from: {', '.join(WORKLOADS)}")
        bad = [t for t in types if t not in TASK_TYPES]
        if bad:
            raise UnknownNameError(f"nn tasks come as {TASK_TYPES}, not {bad}")
        self.workloads = list(workloads)
        self.types = list(types)
        self.device = device
        self.threads = threads
        self.n_trials = n_trials

    def task_ids(self) -> list[str]:
        return [f"{t}/nn/{w}" for w in self.workloads for t in self.types]

    def get_task(self, task_id: str, device: str | None = None, threads: int | None = None) -> Task:
        """Build a task; ``device``/``threads`` override the family's (``task.device=cuda`` on the CLI)."""
        parts = task_id.split("/")
        if len(parts) != 3 or parts[0] not in self.types or parts[1] != "nn" or parts[2] not in self.workloads:
            raise UnknownNameError(f"'{task_id}' is not an nn task; they look like multifidelity/nn/digits_mlp (workloads: {', '.join(self.workloads)})")
        return make_nn_task(parts[2], TaskType(parts[0]), device or self.device, threads if threads is not None else self.threads, self.n_trials)


def make_nn_task(workload: str, task_type: TaskType | str = TaskType.MULTIFIDELITY, device: str = "auto", threads: int = 1, n_trials: int = 30) -> Task:
    """The task of one workload; the device is resolved here, once (``auto`` -> ``cuda`` if available)."""
    from carps.benchmarks.nn.algorithms import tuned_space
    from carps.benchmarks.nn.training import resolve_device, train
    from carps.core.space import to_configuration

    task_type = TaskType(task_type)
    wl = WORKLOADS[workload]
    device = resolve_device(device)
    space = tuned_space()
    fidelity = Fidelity("epochs", 1, wl.max_epochs, integer=True) if task_type.multi_fidelity else None

    def function(config: dict[str, Any], epochs: float | None, seed: int | None) -> Result:
        n_epochs = int(round(epochs)) if epochs is not None else wl.max_epochs
        if not 1 <= n_epochs <= wl.max_epochs:
            raise ValueError(f"epochs={epochs} is outside [1, {wl.max_epochs}] for {workload}")
        if ALGORITHM_KEY in config:
            options = {k: v for k, v in config.items() if k != ALGORITHM_KEY}
            out = train(wl, epochs=n_epochs, seed=seed or 0, device=device, algorithm=config[ALGORITHM_KEY], options=options, threads=threads)
        else:
            to_configuration(space, config)  # a configuration outside the space raises ValueError naming it
            out = train(wl, config, epochs=n_epochs, seed=seed or 0, device=device, threads=threads)
        return Result((out.pop("valid_error"),), info=out)

    return Task(
        id=f"{task_type.value}/nn/{workload}",
        type=task_type,
        space=space,
        objectives=(Objective("valid_error", minimize=True, lower=0.0, upper=1.0),),
        function=function,
        fidelity=fidelity,
        budget=Budget(n_trials=n_trials),
        runtime=lambda config, fidelity, info: info["train_time"],  # measured training time
        algorithms=tuple(LRFREE),
        metadata={
            "workload": workload,
            "description": wl.description,
            "kind": wl.kind,
            "metric": wl.metric,
            "target": wl.target,
            "max_epochs": wl.max_epochs,
            "batch_size": wl.batch_size,
            "steps_per_epoch": wl.steps_per_epoch(),
            "device": device,
        },
    )
