"""Benchmark adapters. Use a task on its own with :func:`get_task`.

>>> from carps.benchmarks import get_task
>>> task = get_task("blackbox/bbob/f01_d2_i1")
>>> result = task.evaluate({"x0": 0.0, "x1": 0.0})
>>> len(result.objectives)
1
"""

from __future__ import annotations

from typing import Any

from carps.core.task import Task


def get_task(task_id: str, **options: Any) -> Task:
    """The task with this id, from any installed benchmark family (plugins included).

    Args:
        task_id: ``<type>/<family>/<name>``, e.g. ``"blackbox/bbob/f01_d5_i1"`` (``carps list tasks``).
        **options: family-specific task options, as ``task.<name>=value`` on the command line.

    Returns:
        A :class:`~carps.core.task.Task`: its ``space`` is a plain ConfigSpace and ``evaluate`` /
        ``evaluate_batch`` work without any carps run loop.

    Raises:
        UnknownNameError: no installed family has this task (the message suggests close ids).

    Example:
        >>> task = get_task("blackbox/bbob/f01_d5_i1")
        >>> task.type.value, len(task.space), task.objectives[0].name
        ('blackbox', 5, 'y')
    """
    from carps.core.registry import get_registry

    return get_registry().get_task(task_id, **options)


def list_tasks(pattern: str = "*") -> list[str]:
    """Task ids matching a glob, an exact id, or a shipped subset (``subset/...``).

    Example:
        >>> len(list_tasks("blackbox/bbob/f01_d5_*"))
        10
    """
    from carps.core.registry import get_registry

    return get_registry().match_tasks(pattern)
