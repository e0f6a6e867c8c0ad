"""A benchmark family: expands its catalog parameters into many tasks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from carps.core.task import Task


class BenchmarkFamily(ABC):
    """Base class of benchmark adapters.

    ``task_ids`` must be cheap (no heavy imports, no model loading): ``carps list tasks`` calls it
    for every family. ``get_task`` builds one task and may load whatever it needs.
    """

    family: str = ""
    #: whether the tasks need data beyond ``pip install`` (fetched or configured: YAHPO's surrogates,
    #: HPOBench/HPO-B tables); ``carps list tasks`` shows it per family without building a task
    needs_download: bool = False
    #: whether the tasks declare constraints (``Task.constraints``); also shown by ``carps list tasks``
    constrained: bool = False

    def __init__(self, **params: Any) -> None:
        self.params = params

    @abstractmethod
    def task_ids(self) -> list[str]: ...

    @abstractmethod
    def get_task(self, task_id: str) -> Task: ...

    def missing_data(self) -> str | None:
        """None if the family's tasks can be built, else a one-line reason that names the fix.

        Families that read their own data files override this with a cheap check (files exist, no
        model loading): ``carps run`` refuses a plan with such tasks before running anything, and
        ``carps list tasks`` marks them.
        """
        return None
