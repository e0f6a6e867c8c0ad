"""Fixed baselines that spend one full-fidelity trial per seed and then end their run.

:class:`LRFreeBaseline` asks the task to train with a learning-rate-free algorithm by name (the
config ``{ALGORITHM_KEY: name}``, see :data:`carps.core.task.ALGORITHM_KEY`); :class:`CalibratedDefault`
evaluates the configuration that ``carps calibrate`` chose for the task's workload from the other
workloads of an experiment. Both raise :class:`~carps.core.optimizer.StopRun` on their second ask,
so the trial log holds exactly one trial and the run's ``stop_reason`` is ``optimizer_done``: on
the budget axis the baseline's curve is flat after one full evaluation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from carps.core.errors import CarpsError, UnsupportedTaskError
from carps.core.optimizer import Capabilities, Optimizer, StopRun
from carps.core.task import ALGORITHM_KEY
from carps.core.types import Budget, TrialInfo, TrialValue

if TYPE_CHECKING:
    from carps.core.task import Task


class OneShot(Optimizer):
    """Base of the one-trial baselines: ``_config()`` gives the configuration, evaluated at full fidelity."""

    capabilities = Capabilities.of(["blackbox", "multifidelity"])
    library = "torch"

    def _config(self) -> dict[str, Any]:
        raise NotImplementedError

    def _ask(self) -> TrialInfo:
        if self._n_asked > 0:
            raise StopRun(f"{type(self).__name__} evaluates one configuration per seed")
        fidelity = None if self.fidelity is None else self.fidelity.high
        return TrialInfo(config=self._config(), fidelity=fidelity)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        pass


class LRFreeBaseline(OneShot):
    """A learning-rate-free training algorithm at its documented defaults: no tuning, one trial.

    ``options`` override the algorithm's constructor keyword arguments (e.g. ``{"d_coef": 0.5}``);
    the default is none. Runs on tasks that list the algorithm in ``Task.algorithms`` (the nn family).

    >>> from carps.benchmarks.nn import make_nn_task  # doctest: +SKIP
    >>> opt = LRFreeBaseline.for_task(make_nn_task("cancer_mlp"), seed=1, algorithm="dog")  # doctest: +SKIP
    >>> opt.ask().config  # doctest: +SKIP
    {'algorithm': 'dog'}
    """

    def _setup(self, algorithm: str, options: dict[str, Any] | None = None) -> None:
        self.algorithm = str(algorithm)
        self.options = dict(options or {})

    @classmethod
    def check_supports(cls, task: Task) -> None:
        super().check_supports(task)
        if not task.algorithms:
            raise UnsupportedTaskError(f"{task.id} runs no named training algorithms; lrfree baselines run on nn tasks (carps list tasks '*/nn/*')")

    @classmethod
    def for_task(cls, task: Task, seed: int, budget: Budget | None = None, **params: Any) -> Optimizer:
        algorithm = params.get("algorithm")
        if algorithm is not None and task.algorithms and algorithm not in task.algorithms:
            raise UnsupportedTaskError(f"{task.id} has no algorithm '{algorithm}' (it offers: {', '.join(task.algorithms)})")
        return super().for_task(task, seed, budget, **params)

    def _config(self) -> dict[str, Any]:
        return {ALGORITHM_KEY: self.algorithm, **self.options}


class CalibratedDefault(OneShot):
    """The cross-workload default written by ``carps calibrate``: one fixed configuration per workload.

    ``file`` is the calibration file; the entry used is ``workload`` if given, else the task's
    workload (the last part of its id). The configuration is one of the tuned space or a named
    LR-free algorithm, whichever did best on average over the other workloads.
    """

    def _setup(self, file: str | None = None, workload: str | None = None, task_id: str | None = None) -> None:
        from carps.optimizers.lrfree.calibration import load_calibration

        if not file:
            raise CarpsError("lrfree/calibrated needs a calibration file: run 'carps calibrate experiment=NAME', then pass optimizer.file=<the file it wrote>")
        name = workload or (task_id.split("/")[-1] if task_id else None)
        if name is None:
            raise CarpsError("lrfree/calibrated needs workload=<name> when it is used without a task")
        calibration = load_calibration(Path(file))
        entry = calibration["workloads"].get(name) or calibration.get("all")
        if entry is None:
            raise CarpsError(f"{file} has no default for workload '{name}' (it covers: {', '.join(calibration['workloads'])})")
        self.workload = name
        self.default = dict(entry["config"])

    @classmethod
    def for_task(cls, task: Task, seed: int, budget: Budget | None = None, **params: Any) -> Optimizer:
        return super().for_task(task, seed, budget, task_id=task.id, **params)

    def _config(self) -> dict[str, Any]:
        return dict(self.default)
