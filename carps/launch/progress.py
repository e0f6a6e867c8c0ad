"""Progress over runs that stays readable for 10,000 runs: counts, rate, ETA, retries and failures.

On a terminal one line is redrawn in place; otherwise (CI logs, files) a line is printed at most every
``interval`` seconds, so logs stay short however many runs there are. The final summary groups failed
runs by reason, so a thousand runs failing the same way take one line.

>>> import io
>>> from carps.launch.plan import RunSpec
>>> p = RunProgress(2, stream=io.StringIO())
>>> p.update(RunOutcome(RunSpec("random", "blackbox/bbob/f01_d2_i1", 1), "done", n_trials=5))
>>> p.update(RunOutcome(RunSpec("random", "blackbox/bbob/f01_d2_i1", 2), "failed", error="ValueError: bad"))
>>> print(p.summary().split(" in ")[0])
finished 2 of 2 runs
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

from carps.launch.execute import DONE, FAILED, SKIPPED, RunOutcome
from carps.launch.plan import RunSpec


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
        self.retries = 0
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

    def retry(self, spec: RunSpec, reason: str) -> None:
        """A run is tried again (its worker process died); counted, shown on the status line."""
        self.retries += 1

    def line(self) -> str:
        elapsed = time.perf_counter() - self.started
        worked = self.counts[DONE] + self.counts[FAILED]
        rate = worked / elapsed if elapsed > 0 else 0.0
        left = self.total - self.finished
        eta = _duration(left / rate) if rate > 0 and left else "-"
        pct = 100.0 * self.finished / self.total if self.total else 100.0
        return (
            f"runs {self.finished}/{self.total} ({pct:.0f}%) | done {self.counts[DONE]} failed {self.counts[FAILED]} "
            f"skipped {self.counts[SKIPPED]}" + (f" retries {self.retries}" if self.retries else "")
            + f" | {rate:.1f} runs/s | elapsed {_duration(elapsed)} ETA {eta}"
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
            f"{self.trials} trials" + (f"; {self.retries} retries after worker deaths" if self.retries else "")
        ]
        # one line per distinct reason with an example run: stays short when many runs fail alike
        reasons: Counter[str] = Counter()
        example: dict[str, RunOutcome] = {}
        for outcome in self.failures:
            reason = failure_reason(outcome.error)
            reasons[reason] += 1
            example.setdefault(reason, outcome)
        for reason, n in reasons.most_common(10):
            spec = example[reason].spec
            where = f"{spec.task} {spec.optimizer} seed {spec.seed}"
            lines.append(f"  failed: {where}: {reason}" if n == 1 else f"  failed x{n} (e.g. {where}): {reason}")
        if len(reasons) > 10:
            lines.append(f"  ... and {sum(reasons.values()) - sum(n for _, n in reasons.most_common(10))} more failed runs (see run.json files)")
        if self.failures:
            lines.append("  rerun the same command to retry the failed and missing runs; 'carps status experiment=...' lists them")
        return "\n".join(lines)


def failure_reason(error: str | None) -> str:
    """The first line of an error, cut short: the key failures are grouped by."""
    if not error:
        return "unknown"
    first = error.strip().splitlines()[0] if error.strip() else "unknown"
    return first if len(first) <= 160 else first[:157] + "..."
