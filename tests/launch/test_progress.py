"""The ETA weighs each optimizer's runs by its own speed (fake clock, no real runs)."""

from __future__ import annotations

import io
import re

from carps.launch.execute import DONE, SKIPPED, RunOutcome
from carps.launch.plan import RunSpec
from carps.launch.progress import RunProgress

FAST, SLOW = 1.0, 20.0  # seconds per run: random, and an optimizer 20x slower


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def plan(n_per_optimizer: int = 10) -> list[RunSpec]:
    # carps plans optimizer by optimizer (make_plan's order): every fast run comes before the slow ones
    return [RunSpec(name, f"blackbox/bbob/f{i + 1:02d}_d2_i1", 1) for name in ("random", "slow") for i in range(n_per_optimizer)]


def cost(spec: RunSpec) -> float:
    return FAST if spec.optimizer == "random" else SLOW


def eta_seconds(text: str) -> float:
    """Seconds of a confident ETA (``1m20s``); fails on a lower bound or an unknown one."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(\d+)s", text) or re.fullmatch(r"(\d+)h(\d+)m", text)
    assert match, f"not a confident ETA: {text!r}"
    if text.endswith("m") and "h" in text:
        return int(match.group(1)) * 3600 + int(match.group(2)) * 60
    h, m, s = (int(g) if g else 0 for g in match.groups())
    return h * 3600 + m * 60 + s


def eta_of(line: str) -> str:
    return line.split(" ETA ", 1)[1]


def test_sequential_eta_matches_true_remaining_time():
    clock = FakeClock()
    runs = plan()
    progress = RunProgress(len(runs), stream=io.StringIO(), enabled=False, clock=clock)
    progress.expect(runs, workers=1)
    for i, spec in enumerate(runs):
        clock.now += cost(spec)
        progress.update(RunOutcome(spec, DONE, n_trials=10, run_time=cost(spec)))
        true_left = sum(cost(s) for s in runs[i + 1 :])
        eta = progress.eta()
        if i + 1 == len(runs):
            assert eta == "-"
        elif spec.optimizer == "random" and i + 1 < 10:
            # the slow optimizer has runs left and no timing: never a confident number
            assert eta.startswith("~") and "no timing yet: slow" in eta, eta
            # a lower bound, marked as one, and true
            if eta.startswith("~>="):
                assert eta_seconds(eta[3:].split(" ")[0]) <= true_left
        elif i + 1 == 10:
            # the fast runs are all done, the slow one has no timing: the ETA says it does not know
            assert eta == "~ (no timing yet: slow)", eta
        else:
            assert abs(eta_seconds(eta) - true_left) <= 1, (i, eta, true_left)
    assert eta_of(progress.line()) == "-"


def test_old_formula_would_be_wrong_here():
    """Sanity of the scenario: finished runs over elapsed time says 9 s where 180 s are left."""
    clock = FakeClock()
    runs = plan()
    progress = RunProgress(runs, stream=io.StringIO(), enabled=False, clock=clock)
    for spec in runs[:11]:  # the 10 fast runs and one slow one
        clock.now += cost(spec)
        progress.update(RunOutcome(spec, DONE, run_time=cost(spec)))
    true_left = 9 * SLOW
    old = (len(runs) - 11) / (11 / clock.now)
    assert old < true_left / 5
    assert eta_seconds(eta_of(progress.line())) == true_left


def test_parallel_workers_divide_the_work():
    clock = FakeClock()
    runs = plan(8)
    progress = RunProgress(len(runs), stream=io.StringIO(), enabled=False, clock=clock)
    progress.expect(runs, workers=4)
    # the first 4 fast runs finish together after 1 s, and so on; then the slow ones, 4 at a time
    for k in range(0, len(runs), 4):
        wave = runs[k : k + 4]
        clock.now += max(cost(s) for s in wave)
        for spec in wave:
            progress.update(RunOutcome(spec, DONE, run_time=cost(spec)))
        left = runs[k + 4 :]
        true_left = sum(max(cost(s) for s in left[j : j + 4]) for j in range(0, len(left), 4))
        if not left:
            assert progress.eta() == "-"
        elif any(s.optimizer == "slow" for s in runs[: k + 4]):
            assert abs(eta_seconds(progress.eta()) - true_left) <= 1, (k, progress.eta(), true_left)
        else:
            assert progress.eta().startswith("~")


def test_few_runs_left_are_not_divided_by_idle_workers():
    clock = FakeClock()
    runs = plan(2)
    progress = RunProgress(runs, stream=io.StringIO(), enabled=False, clock=clock)
    progress.expect(workers=8)
    for spec in runs[:3]:
        progress.update(RunOutcome(spec, DONE, run_time=cost(spec)))
    assert eta_seconds(progress.eta()) == SLOW  # one slow run left: 20 s, not 20 / 8


def test_no_number_before_anything_is_timed():
    runs = plan(3)
    progress = RunProgress(runs, stream=io.StringIO(), enabled=False, clock=FakeClock())
    assert eta_of(progress.line()) == "~"


def test_resumed_runs_do_not_distort_rates():
    clock = FakeClock()
    runs = plan(10)
    progress = RunProgress(runs, stream=io.StringIO(), enabled=False, clock=clock)
    # half of each optimizer's runs were done before: skipped at once, no time spent
    for spec in runs[:5] + runs[10:15]:
        progress.update(RunOutcome(spec, SKIPPED))
    assert progress.eta() == "~"
    # a run that continued from logged trials has no whole-run time (run_time None): no rate from it
    progress.update(RunOutcome(runs[5], DONE, run_time=None))
    progress.update(RunOutcome(runs[15], DONE, run_time=None))
    assert progress.eta() == "~"
    clock.now += FAST + SLOW
    progress.update(RunOutcome(runs[6], DONE, run_time=FAST))
    progress.update(RunOutcome(runs[16], DONE, run_time=SLOW))
    # left: 3 fast and 3 slow runs, at their own rates; the skipped and resumed runs count as finished
    assert eta_seconds(progress.eta()) == 3 * FAST + 3 * SLOW


def test_printed_line_shows_the_lower_bound_marked():
    stream = io.StringIO()
    clock = FakeClock()
    runs = [RunSpec("random", "blackbox/bbob/f01_d2_i1", s) for s in (1, 2, 3)] + [RunSpec("slow", "blackbox/bbob/f01_d2_i1", 1)]
    progress = RunProgress(runs, stream=stream, interval=0.0, clock=clock)
    clock.now = 30.0
    progress.update(RunOutcome(runs[0], DONE, run_time=30.0))
    assert stream.getvalue().rstrip().endswith("ETA ~>=1m00s (no timing yet: slow)")


def test_launcher_feeds_run_times_and_skips(tmp_path):
    """Real runs: the local launcher tells the progress its runs and workers; a rerun's skipped runs carry no time."""
    from carps.launch.execute import done_outcome
    from carps.launch.local import launch_local

    runs = [RunSpec(name, "blackbox/bbob/f01_d2_i1", 1, n_trials=3) for name in ("random", "optuna/tpe")]
    progress = RunProgress(len(runs), stream=io.StringIO(), enabled=False)
    outcomes = launch_local(runs, tmp_path, n_jobs=1, progress=progress)
    assert progress.planned == {"random": 1, "optuna/tpe": 1} and progress.workers == 1
    assert all(o.status == DONE and o.run_time is not None and o.run_time >= o.wall_time for o in outcomes)
    assert progress.timed_of == {"random": 1, "optuna/tpe": 1}
    assert done_outcome(runs[0], tmp_path).run_time == outcomes[0].run_time  # read back from run.json
    again = RunProgress(len(runs), stream=io.StringIO(), enabled=False)
    assert {o.status for o in launch_local(runs, tmp_path, n_jobs=1, progress=again)} == {SKIPPED}
    assert not again.timed_of and again.eta() == "-"
