"""The core: task, trial, optimizer protocol, run loop, results on disk and registry.

Nothing here imports more than numpy and ConfigSpace, and those only when used.
"""

from carps.core.errors import CarpsError, MissingDependencyError, UnknownNameError, UnsupportedTaskError
from carps.core.optimizer import Capabilities, Optimizer
from carps.core.task import Task
from carps.core.types import Budget, Constraint, Fidelity, Objective, Result, TaskType, TrialInfo, TrialStatus, TrialValue

__all__ = [
    "Budget", "Capabilities", "CarpsError", "Constraint", "Fidelity", "MissingDependencyError", "Objective", "Optimizer",
    "Result", "Task", "TaskType", "TrialInfo", "TrialStatus", "TrialValue", "UnknownNameError", "UnsupportedTaskError",
]
