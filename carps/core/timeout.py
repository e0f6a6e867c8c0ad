"""Per-trial time limits.

In the main thread a real-time interval timer raises :class:`TrialTimeout` inside the objective, which
interrupts Python code and interruptible system calls (sleep, I/O) at the cost of two syscalls per
trial. Elsewhere (a worker thread) the objective runs in a daemon thread that is abandoned when it
overruns, so the run always goes on.
"""

from __future__ import annotations

import signal
import threading
from typing import Any, Callable


class TrialTimeout(Exception):
    """Raised when an objective runs past the per-trial limit."""


def _raise_timeout(signum: int, frame: Any) -> None:
    raise TrialTimeout("trial exceeded its time limit")


class TrialDeadline:
    """Calls a function with a time limit; reuse one instance for all trials of a run.

    >>> with TrialDeadline(1.0) as deadline:
    ...     deadline.call(lambda: 42)
    42
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds and seconds > 0 else None
        self._use_signal = self.seconds is not None and threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        self._previous: Any = None

    def __enter__(self) -> TrialDeadline:
        if self._use_signal:
            self._previous = signal.signal(signal.SIGALRM, _raise_timeout)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._use_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)

    def call(self, fn: Callable[[], Any]) -> Any:
        if self.seconds is None:
            return fn()
        if self._use_signal:
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            try:
                return fn()
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        return _call_in_thread(fn, self.seconds)


def _call_in_thread(fn: Callable[[], Any], seconds: float) -> Any:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TrialTimeout("trial exceeded its time limit")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
