"""Progress over runs that stays readable for 10,000 runs: counts, rate, ETA, retries and failures.

On a terminal one line is redrawn in place; otherwise (CI logs, files) a line is printed at most every
``interval`` seconds, so logs stay short however many runs there are. The final summary groups failed
runs by reason, so a thousand runs failing the same way take one line.

The ETA weighs runs by how fast their optimizer is: it is the sum over optimizers of that optimizer's
mean run time so far times its runs left, divided by the parallel workers (fewer when fewer runs are
left). A run's time is what its worker measured (``RunOutcome.run_time``); runs skipped as already
done, and runs that continued from logged trials, do not count towards the rates. While an
optimizer with runs left has no timed run yet, the ETA is only a lower bound and is shown as such:
``ETA ~`` with nothing more before anything is timed, ``ETA ~>=1m20s (no timing yet: smac/hpo)``
once the others are (``ETA ~ (no timing yet: smac/hpo)`` while that bound is under a second).

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
from typing import Callable, Iterable, TextIO

from carps.launch.execute import DONE, FAILED, SKIPPED, RunOutcome
from carps.launch.plan import RunSpec


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class RunProgress:
    """Counts finished runs and prints a status line; ``summary()`` is the final report.

    ``total`` is the number of runs, or the runs themselves (then the ETA knows each run's optimizer
    from the start); launchers also tell it the runs and their number of workers (:meth:`expect`).
    ``clock`` (seconds, ``time.perf_counter`` by default) is for tests.
    """

    def __init__(
        self,
        total: int | Iterable[RunSpec],
        stream: TextIO | None = None,
        interval: float = 10.0,
        enabled: bool = True,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        runs = None if isinstance(total, int) else list(total)
        self.total = len(runs) if runs is not None else total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = 0.2 if self.tty else interval
        self.enabled = enabled
        self.counts = {DONE: 0, FAILED: 0, SKIPPED: 0}
        self.failures: list[RunOutcome] = []
        self.trials = 0
        self.retries = 0
        self.clock = clock
        self.started = clock()
        self._last_print = 0.0
        self.workers = 1
        # per optimizer: runs planned and finished, and the time and number of the timed runs
        self.planned: Counter[str] = Counter()
        self.finished_of: Counter[str] = Counter()
        self.seconds_of: dict[str, float] = {}
        self.timed_of: Counter[str] = Counter()
        # runs a scheduler still holds when the launcher returns (Slurm with wait=false), and where
        self.in_flight = 0
        self.in_flight_at = ""
        if runs is not None:
            self.expect(runs)

    def expect(self, runs: Iterable[RunSpec] | None = None, workers: int | None = None) -> None:
        """What the ETA needs from a launcher: the runs it will report on (which optimizer each
        belongs to) and how many run at once."""
        if runs is not None:
            self.planned = Counter(spec.optimizer for spec in runs)
        if workers is not None:
            self.workers = max(1, int(workers))

    @property
    def finished(self) -> int:
        return sum(self.counts.values())

    def update(self, outcome: RunOutcome) -> None:
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1
        self.trials += outcome.n_trials
        if outcome.status == FAILED:
            self.failures.append(outcome)
        name = outcome.spec.optimizer
        self.finished_of[name] += 1
        # runs done before (skipped) cost nothing now; resumed ones have no whole-run time (None)
        if outcome.status != SKIPPED and outcome.run_time is not None:
            self.seconds_of[name] = self.seconds_of.get(name, 0.0) + outcome.run_time
            self.timed_of[name] += 1
        now = self.clock()
        if self.enabled and (now - self._last_print >= self.interval or self.finished == self.total):
            self._last_print = now
            self._print(self.line())

    def remaining_seconds(self) -> tuple[float, list[str]]:
        """The estimate of the time left, and the optimizers with runs left that have no timed run
        yet: when that list is not empty, the seconds are a lower bound (their runs count as free)."""
        if self.planned:
            planned, finished, timed, seconds = self.planned, self.finished_of, self.timed_of, self.seconds_of
        else:  # no names told: all runs are one group
            planned, finished = Counter({"": self.total}), Counter({"": self.finished})
            timed, seconds = Counter({"": sum(self.timed_of.values())}), {"": sum(self.seconds_of.values())}
        work, untimed, left_runs = 0.0, [], 0
        for name, n in planned.items():
            left = n - finished[name]
            if left <= 0:
                continue
            left_runs += left
            if timed[name]:
                work += seconds[name] / timed[name] * left
            else:
                untimed.append(name)
        if not left_runs:
            return 0.0, []
        return work / min(self.workers, left_runs), untimed

    def eta(self) -> str:
        """``1m20s``; ``~>=1m20s (no timing yet: NAME)`` while it is a lower bound; ``~`` before anything is timed."""
        if self.finished >= self.total:
            return "-"
        seconds, untimed = self.remaining_seconds()
        if not untimed:
            return _duration(seconds)
        if not any(self.timed_of.values()):
            return "~"
        names = ", ".join(untimed[:2]) + (f" +{len(untimed) - 2}" if len(untimed) > 2 else "")
        bound = f">={_duration(seconds)} " if seconds >= 1 else " "
        return f"~{bound}(no timing yet: {names})"

    def retry(self, spec: RunSpec, reason: str) -> None:
        """A run is tried again (its worker process died); counted, shown on the status line."""
        self.retries += 1

    def left_in_flight(self, n: int, where: str) -> None:
        """The launcher returns while ``n`` runs are still queued or running (``where``: e.g. the job ids)."""
        self.in_flight, self.in_flight_at = n, where

    def line(self) -> str:
        elapsed = self.clock() - self.started
        worked = self.counts[DONE] + self.counts[FAILED]
        rate = worked / elapsed if elapsed > 0 else 0.0
        eta = self.eta()
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
            f"finished {self.finished} of {self.total} runs in {_duration(self.clock() - self.started)}: "
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
        if self.in_flight:
            lines.append(
                f"  {self.in_flight} runs are still in flight ({self.in_flight_at}): follow them with 'carps status experiment=...'; "
                "the same command again waits for them and submits only what is missing"
            )
        if self.failures:
            lines.append("  rerun the same command to retry the failed and missing runs; 'carps status experiment=...' lists them")
        return "\n".join(lines)


def failure_reason(error: str | None) -> str:
    """The first line of an error, cut short: the key failures are grouped by."""
    if not error:
        return "unknown"
    first = error.strip().splitlines()[0] if error.strip() else "unknown"
    return first if len(first) <= 160 else first[:157] + "..."
