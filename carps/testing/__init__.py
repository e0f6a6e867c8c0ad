"""Conformance kits for plugin authors, in the spirit of scikit-learn's ``check_estimator``.

>>> from carps.testing import check_optimizer, check_benchmark  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any


def check_optimizer(*args: Any, **kwargs: Any) -> Any:
    """Run an optimizer adapter through the conformance checks; see :mod:`carps.testing.optimizer_checks`."""
    from carps.testing.optimizer_checks import check_optimizer as _check

    return _check(*args, **kwargs)


def check_benchmark(*args: Any, **kwargs: Any) -> Any:
    """Run a benchmark family through the conformance checks; see :mod:`carps.testing.benchmark_checks`."""
    from carps.testing.benchmark_checks import check_benchmark as _check

    return _check(*args, **kwargs)
