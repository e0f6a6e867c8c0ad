"""User-facing errors: each carries a one-line message that says what was wrong and how to fix it."""

from __future__ import annotations

import importlib
from types import ModuleType


class CarpsError(Exception):
    """An error caused by input or environment; the CLI prints it as one line, without a traceback."""


class UnknownNameError(CarpsError):
    """An optimizer, task or benchmark name that the catalog does not know."""


class UnsupportedTaskError(CarpsError):
    """An optimizer was asked to run a task type (or search space feature) it does not support."""


class MissingDependencyError(CarpsError, ImportError):
    """An optional library is not installed."""


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency or fail with the pip extra that provides it.

    >>> np = require("numpy", extra="core")
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"'{module}' is not installed ({exc}); install it with: pip install 'carps[{extra}]'"
        ) from exc
