"""Catalog lookups: globs, family defaults, clear errors with hints."""

from __future__ import annotations

import pytest

from carps.core.errors import UnknownNameError
from carps.core.registry import get_registry
from carps.core.types import TaskType
from carps.launch.plan import make_plan


def test_glob_and_exact_task_selection():
    reg = get_registry()
    assert reg.match_tasks("blackbox/bbob/f01_d2_i1") == ["blackbox/bbob/f01_d2_i1"]
    assert len(reg.match_tasks("blackbox/bbob/f01_d2_*")) == 10


def test_unknown_task_names_the_closest_ids():
    with pytest.raises(UnknownNameError, match="did you mean.*f01_d2_i1"):
        get_registry().match_tasks("blackbox/bbob/f01_d2_i11")


def test_glob_matching_nothing_is_an_error():
    with pytest.raises(UnknownNameError, match="no task matches"):
        get_registry().match_tasks("blackbox/nothing/*")


def test_unknown_optimizer_hint():
    with pytest.raises(UnknownNameError, match="did you mean: random"):
        make_plan(["randm"], ["blackbox/bbob/f01_d2_i1"], [1])


def test_family_name_picks_the_recommended_variant():
    reg = get_registry()
    assert reg.resolve_optimizer("optuna", TaskType.BLACKBOX) is not None
    assert reg.resolve_optimizer("random", TaskType.MOMF) == "random"


def test_plan_crosses_optimizers_tasks_and_seeds():
    plan = make_plan(["random", "optuna/tpe"], ["blackbox/bbob/f0[12]_d2_i1"], [1, 2, 3])
    assert len(plan.runs) == 2 * 2 * 3
    assert len({(r.optimizer, r.task, r.seed) for r in plan.runs}) == 12
