"""The conformance kit itself: it must fail adapters that break each rule, and say which rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from carps.core.optimizer import Capabilities, Optimizer
from carps.core.space import sample_dicts, seeded_copy
from carps.core.types import TrialInfo, TrialValue
from carps.testing import check_optimizer
from carps.testing.optimizer_checks import optimizer_checks, probe_task


class Good(Optimizer):
    """A correct minimal adapter: seeded private sampler, full fidelity."""

    capabilities = Capabilities.of(["blackbox", "multifidelity", "multiobjective", "momf"])

    def _setup(self) -> None:
        self._space = seeded_copy(self.space, self.seed)

    def _ask(self) -> TrialInfo:
        fidelity = None if self.fidelity is None else self.fidelity.high
        return TrialInfo(config=sample_dicts(self._space, 1)[0], fidelity=fidelity)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        pass


class GlobalRandom(Good):
    """Draws its seed from numpy's global generator: runs influence each other."""

    def _setup(self) -> None:
        self._space = seeded_copy(self.space, int(np.random.randint(1000)))


class IgnoresSeed(Good):
    def _setup(self) -> None:
        self._space = seeded_copy(self.space, 0)


class OutOfBounds(Good):
    def _ask(self) -> TrialInfo:
        info = super()._ask()
        info.config["x"] = 7.5  # the probe's x lies in [-5, 5]
        return info


class NumpyValues(Good):
    def _ask(self) -> TrialInfo:
        info = super()._ask()
        info.config["x"] = np.float64(info.config["x"])
        return info


class DiesOnFailure(Good):
    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        assert value.costs is not None, "cannot handle a failed trial"


class WrongFidelity(Good):
    def _ask(self) -> TrialInfo:
        info = super()._ask()
        if self.fidelity is not None:
            info.fidelity = self.fidelity.high * 2
        return info


class TouchesTaskSpace(Good):
    def _setup(self) -> None:
        self.space.seed(self.seed)  # reseeds the task's own space
        self._space = seeded_copy(self.space, self.seed)


class AcceptsEverything(Good):
    capabilities = Capabilities.of(["blackbox"])

    @classmethod
    def check_supports(cls, task: Any) -> None:
        pass


def failed(cls: type[Optimizer]) -> set[str]:
    return {r.name.split("[")[0] for r in check_optimizer(cls, n_trials=8, raise_on_failure=False) if not r.passed}


def test_a_correct_adapter_passes_everything():
    assert failed(Good) == set()


@pytest.mark.parametrize(("cls", "check"), [
    (GlobalRandom, "same_seed"),
    (IgnoresSeed, "different_seeds"),
    (OutOfBounds, "in_space"),
    (NumpyValues, "contract"),
    (DiesOnFailure, "runs"),
    (WrongFidelity, "fidelity_bounds"),
    (TouchesTaskSpace, "no_state_leak"),
    (AcceptsEverything, "unsupported"),
])
def test_each_broken_rule_is_reported_by_name(cls, check):
    assert check in failed(cls)


def test_check_optimizer_raises_with_every_failed_check_listed():
    with pytest.raises(AssertionError, match=r"(?s)IgnoresSeed fails \d+ conformance check.*different_seeds\[blackbox\].*different_seeds\[momf\]"):
        check_optimizer(IgnoresSeed, n_trials=8)


def test_checks_come_one_per_task_type_for_pytest():
    assert [name for name, _ in optimizer_checks(Good)] == ["blackbox", "multifidelity", "multiobjective", "momf", "unsupported"]


def test_probe_tasks_fail_on_schedule_and_fit_their_type():
    task = probe_task("momf", n_trials=10)
    assert task.fidelity.low == 3 and task.fidelity.high == 27 and [o.minimize for o in task.objectives] == [True, False]
    config = task.space.get_default_configuration()
    outcomes = []
    for _ in range(6):
        try:
            outcomes.append(task.evaluate(dict(config), 27).objectives)
        except RuntimeError:
            outcomes.append("crash")
    assert outcomes[2] == "crash" and np.isnan(outcomes[4][0]) and np.isfinite(outcomes[0][0])
