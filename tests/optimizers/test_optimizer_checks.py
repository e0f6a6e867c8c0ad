"""The conformance kit itself: it must fail adapters that break each rule, and say which rule."""

from __future__ import annotations

import json
import time
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


class _AfterInitialDesign(Good):
    """Samples like Good for an initial design of 12 trials, then picks one of 4 samples by ``_pick``."""

    DESIGN = 12

    def _ask(self) -> TrialInfo:
        info = super()._ask()
        self._asked = getattr(self, "_asked", 0) + 1
        if self._asked > self.DESIGN:
            info.config = self._pick([info.config, *sample_dicts(self._space, 3)])
        return info


class HashOrderedAfterDesign(_AfterInitialDesign):
    """The SMAC 2.4 bug in small: after its design it takes the first of a set of strings (order per process)."""

    def _pick(self, candidates: list[dict]) -> dict:
        return json.loads(next(iter({json.dumps(c, sort_keys=True) for c in candidates})))


class ClockAfterDesign(_AfterInitialDesign):
    """After its design it lets the clock choose (like an acquisition optimizer with a time limit)."""

    def _pick(self, candidates: list[dict]) -> dict:
        return candidates[time.perf_counter_ns() // 1000 % len(candidates)]


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


def _same_seed_messages(cls: type[Optimizer], **kwargs: Any) -> list[str]:
    results = check_optimizer(cls, n_trials=8, raise_on_failure=False, **kwargs)
    return [r.message for r in results if r.name.startswith("same_seed") and not r.passed]


def test_a_ten_trial_same_seed_check_cannot_see_what_happens_after_the_initial_design():
    # the old kit's length: both fakes pass it, which is how SMAC's non-determinism went unseen
    assert _same_seed_messages(HashOrderedAfterDesign, same_seed_trials=10) == []
    assert _same_seed_messages(ClockAfterDesign, same_seed_trials=10) == []


def test_the_same_seed_check_catches_an_order_that_differs_per_process():
    messages = _same_seed_messages(HashOrderedAfterDesign)
    assert len(messages) == 4, messages  # one per task type
    assert all("in a fresh interpreter differs from trial" in m and "PYTHONHASHSEED" in m for m in messages), messages


def test_the_same_seed_check_catches_non_determinism_within_one_process():
    messages = _same_seed_messages(ClockAfterDesign)
    assert len(messages) == 4 and all("in one process differ from trial" in m for m in messages), messages


def test_same_seed_trials_0_leaves_only_the_same_seed_check_out():
    results = check_optimizer(GlobalRandom, n_trials=8, raise_on_failure=False, same_seed_trials=0)
    assert not any(r.name.startswith("same_seed") for r in results)
    # two runs of one seed in this process are still compared: the interleaved run differs from the solo one
    assert {r.name for r in results if not r.passed} >= {f"no_state_leak[{t}]" for t in ("blackbox", "multifidelity", "multiobjective", "momf")}
    with pytest.raises(ValueError, match="same_seed_trials must be 0"):
        check_optimizer(Good, same_seed_trials=-1)


def test_an_adapter_a_fresh_interpreter_cannot_import_is_checked_in_this_process_and_says_so():
    class Local(Good):
        pass

    results = [r for r in check_optimizer(Local, n_trials=8, raise_on_failure=False) if r.name == "same_seed[blackbox]"]
    assert results[0].passed and "checked in this process only" in results[0].message


try:  # SMAC is an optional extra: the class exists only where it is installed
    from carps.optimizers.smac_adapter import SMACBlackbox

    class UnorderedSMAC(SMACBlackbox):
        def _setup(self, **params: Any) -> None:
            super()._setup(**params)
            maximizer = self._smac._acquisition_maximizer
            del maximizer._local_search._get_initial_points  # back to SMAC's own method
except ImportError:  # pragma: no cover
    UnorderedSMAC = None  # type: ignore[assignment,misc]


@pytest.mark.slow
def test_the_same_seed_check_fails_the_smac_adapter_without_its_start_point_order():
    pytest.importorskip("smac")
    from carps.core.registry import get_registry

    from carps.core.types import TaskType
    from carps.testing.optimizer_checks import OptimizerChecker

    # 20 trials: SMAC's initial design is a quarter of them, so 15 model-based proposals are compared
    params = get_registry().optimizer("smac/hpo").params
    old = OptimizerChecker(UnorderedSMAC, params, same_seed_trials=20)._same_seed(TaskType.BLACKBOX, "[blackbox]")
    assert not old.passed and "fresh interpreter" in old.message, old
    # the adapter as shipped passes the same check (the conformance file leaves SMAC's fresh-interpreter
    # runs to tests/cli/test_determinism.py, so this is where the kit runs them on the mixed probe space)
    shipped = OptimizerChecker(SMACBlackbox, params, same_seed_trials=20)._same_seed(TaskType.BLACKBOX, "[blackbox]")
    assert shipped.passed, shipped
