"""Benchmark adapters. Use a task on its own with :func:`get_task`.

>>> from carps.benchmarks import get_task
>>> task = get_task("blackbox/bbob/f01_d2_i1")
>>> result = task.evaluate({"x0": 0.0, "x1": 0.0})
>>> len(result.objectives)
1
"""

from __future__ import annotations

from carps.core.task import Task


def get_task(task_id: str) -> Task:
    """The task with this id, from any installed benchmark family."""
    from carps.core.registry import get_registry

    return get_registry().get_task(task_id)


def list_tasks(pattern: str = "*") -> list[str]:
    """Task ids matching a glob, e.g. ``list_tasks("blackbox/bbob/f01_*")``."""
    from carps.core.registry import get_registry

    return get_registry().match_tasks(pattern)
