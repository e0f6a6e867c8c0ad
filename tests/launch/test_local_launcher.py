"""The local process pool survives killed workers: every run completes once, a run that always dies fails."""

from __future__ import annotations

import json

import pytest

from carps.launch.execute import DONE, FAILED, run_status
from carps.launch.local import launch_local
from carps.launch.plan import make_plan
from carps.launch.progress import RunProgress
from tests.launch.conftest import trials_of


def test_pool_survives_killed_workers(killer_plugin, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    tasks = ["blackbox/killer/ok_[0-3]", "blackbox/killer/die_once_0", "blackbox/killer/die_always"]
    plan = make_plan(["random"], tasks, [1], task_params={"marker_dir": str(markers)})
    exp = tmp_path / "exp"
    progress = RunProgress(len(plan.runs), enabled=False)
    launch_local(plan.runs, exp, n_jobs=2, progress=progress, max_retries=1)
    assert progress.counts[DONE] == 5 and progress.counts[FAILED] == 1, progress.summary()
    assert progress.retries >= 2
    for spec in plan.runs:
        folder = spec.folder(exp)
        if spec.task.endswith("die_always"):
            record = json.loads((folder / "run.json").read_text())
            assert record["status"] == FAILED and record["attempts"] == 2 and "worker process died" in record["error"]
        else:
            assert run_status(spec, exp) == DONE
            assert [t["trial"] for t in trials_of(folder)] == list(range(10))  # once each, none twice
    assert (markers / "die_once_0.died").exists()


class _PoolThatBreaksAfter:
    """A stand-in process pool that runs each run in this process, then, for the run named
    ``breaks_after``, reports the pool broken although the run had finished and written its folder:
    what a real pool does when another worker dies before that run's result was read."""

    broke = False

    def __init__(self, breaks_after: str) -> None:
        self.breaks_after = breaks_after

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def submit(self, fn, spec, experiment_dir):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future: Future = Future()
        outcome = fn(spec, experiment_dir)
        if spec.task == self.breaks_after and not _PoolThatBreaksAfter.broke:
            _PoolThatBreaksAfter.broke = True
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(outcome)
        return future


def test_a_run_that_finished_just_before_the_pool_broke_counts_as_done_not_as_already_complete(monkeypatch, tmp_path):
    import carps.launch.local as local

    plan = make_plan(["random"], ["blackbox/bbob/f01_d2_i1", "blackbox/bbob/f02_d2_i1", "blackbox/bbob/f03_d2_i1"], [1], n_trials=5)
    monkeypatch.setattr(_PoolThatBreaksAfter, "broke", False)
    monkeypatch.setattr(local, "worker_pool", lambda n_jobs: _PoolThatBreaksAfter("blackbox/bbob/f02_d2_i1"))
    progress = RunProgress(len(plan.runs), enabled=False)
    outcomes = launch_local(plan.runs, tmp_path / "exp", n_jobs=2, progress=progress)
    assert progress.counts[DONE] == 3 and progress.counts["skipped"] == 0, progress.summary()
    assert progress.retries == 0
    assert sorted(o.spec.task for o in outcomes) == sorted(spec.task for spec in plan.runs)


@pytest.fixture
def slow_experiment(killer_plugin, tmp_path):
    """``carps run`` with two workers on runs of 0.3 s trials, given once both workers are writing;
    its whole process group is killed afterwards, so a failing test leaves no worker behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    exp = tmp_path / "exp"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(killer_plugin), os.environ.get("PYTHONPATH", "")])}
    args = ["optimizer=random", "task=blackbox/killer/slow_[0-3]", "task.sleep=0.3", "n_trials=200", "n_jobs=2", f"results_dir={tmp_path}", "experiment=exp", "quiet=true"]
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from carps.cli.main import main; sys.exit(main())", "run", *args], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len([p for p in exp.glob("blackbox/killer/*/random/seed_1/trials.jsonl") if p.stat().st_size]) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "no worker started"
            time.sleep(0.1)
        yield proc, exp
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _trials_written(exp) -> int:
    return sum(len(p.read_text().splitlines()) for p in exp.glob("blackbox/killer/*/random/seed_1/trials.jsonl"))


def test_sigterm_stops_the_workers_with_the_launch_and_leaves_runs_to_resume(slow_experiment):
    import signal
    import time

    proc, exp = slow_experiment
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    assert "rerun the same command to resume" in proc.stderr.read()
    written = _trials_written(exp)
    time.sleep(1.5)  # a worker left running would log about five more trials in this time
    assert _trials_written(exp) == written
    statuses = {json.loads(p.read_text())["status"] for p in exp.glob("blackbox/killer/*/random/seed_1/run.json")}
    assert statuses == {"running"}  # cut short, to be resumed, not failed


def test_workers_of_a_killed_launch_end_themselves(slow_experiment):
    import signal
    import time

    proc, exp = slow_experiment
    proc.send_signal(signal.SIGKILL)  # no handler runs: only the workers' own watch can stop them
    proc.wait(timeout=60)
    time.sleep(1.5)  # the watch polls every 0.5 s
    written = _trials_written(exp)
    time.sleep(1.5)
    assert _trials_written(exp) == written
