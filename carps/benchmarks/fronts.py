"""Known Pareto fronts of multi-objective tasks, for hypervolume reference points and normalization.

A family that knows its fronts names a function ``front(task_id) -> array (n_points x n_objectives)``
in ``task.metadata["known_front"]`` (a dotted path). :func:`known_front` finds it from a task or, for
the shipped families, from the id alone without building the task.

>>> front = known_front("multiobjective/pymoo/zdt1_d10")
>>> front.shape
(100, 2)
>>> known_front("multiobjective/yahpo/lcbench_3945_acc-time") is None
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carps.core.registry import load_target

if TYPE_CHECKING:
    from carps.core.task import Task

_SHIPPED = {
    "pymoo": "carps.benchmarks.pymoo_problems.known_front",
    "momfsynth": "carps.benchmarks.synthetic.known_front",
}


def known_front(task: Task | str) -> Any:
    """The known Pareto front (objectives in minimization form) of a task, or None if none is known."""
    if isinstance(task, str):
        parts = task.split("/")
        path = _SHIPPED.get(parts[1]) if len(parts) == 3 else None
        task_id = task
    else:
        path = task.metadata.get("known_front") or _SHIPPED.get(task.family)
        task_id = task.id
    if not path:
        return None
    return load_target(path)(task_id)
