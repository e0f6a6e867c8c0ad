"""Progress over runs that stays readable for 10,000 runs: counts, rate, ETA and failures.

On a terminal one line is redrawn in place; otherwise (CI logs, files) a line is printed at most every
``interval`` seconds, so logs stay short however many runs there are.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from carps.launch.execute import DONE, FAILED, SKIPPED, RunOutcome


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class RunProgress:
    """Counts finished runs and prints a status line; ``summary()`` is the final report."""

    def __init__(self, total: int, stream: TextIO | None = None, interval: float = 10.0, enabled: bool = True) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = 0.2 if self.tty else interval
        self.enabled = enabled
        self.counts = {DONE: 0, FAILED: 0, SKIPPED: 0}
        self.failures: list[RunOutcome] = []
        self.trials = 0
        self.started = time.perf_counter()
        self._last_print = 0.0

    @property
    def finished(self) -> int:
        return sum(self.counts.values())

    def update(self, outcome: RunOutcome) -> None:
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1
        self.trials += outcome.n_trials
        if outcome.status == FAILED:
            self.failures.append(outcome)
        now = time.perf_counter()
        if self.enabled and (now - self._last_print >= self.interval or self.finished == self.total):
            self._last_print = now
            self._print(self.line())

    def line(self) -> str:
        elapsed = time.perf_counter() - self.started
        worked = self.counts[DONE] + self.counts[FAILED]
        rate = worked / elapsed if elapsed > 0 else 0.0
        left = self.total - self.finished
        eta = _duration(left / rate) if rate > 0 and left else "-"
        pct = 100.0 * self.finished / self.total if self.total else 100.0
        return (
            f"runs {self.finished}/{self.total} ({pct:.0f}%) | done {self.counts[DONE]} failed {self.counts[FAILED]} "
            f"skipped {self.counts[SKIPPED]} | {rate:.1f} runs/s | elapsed {_duration(elapsed)} ETA {eta}"
        )

    def _print(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K" + text)
            if self.finished == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def summary(self) -> str:
        lines = [
            f"finished {self.finished} of {self.total} runs in {_duration(time.perf_counter() - self.started)}: "
            f"{self.counts[DONE]} done, {self.counts[FAILED]} failed, {self.counts[SKIPPED]} skipped (already complete); "
            f"{self.trials} trials"
        ]
        for outcome in self.failures[:10]:
            reason = (outcome.error or "").strip().splitlines()[0] if outcome.error else "unknown"
            lines.append(f"  failed: {outcome.spec.task} {outcome.spec.optimizer} seed {outcome.spec.seed}: {reason}")
        if len(self.failures) > 10:
            lines.append(f"  ... and {len(self.failures) - 10} more failed runs (see run.json files)")
        return "\n".join(lines)
