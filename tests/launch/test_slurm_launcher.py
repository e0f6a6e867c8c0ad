"""launcher=slurm against a real one-node Slurm (slurm-wlm 22.05 from Debian, started by
``tests/launch/local_slurm.sh``): the same trials as local, scancel then rerun, a time limit hit and
requeued, worker deaths retried inside a task, ``wait=false`` then ``carps status`` then ``carps report``.

The module's fixture installs Slurm when it is missing (root and apt-get only), starts munged,
slurmctld and slurmd for this machine alone, and stops them at the end; every test skips, with the
reason, when that cannot be done. ``CARPS_TEST_SLURM=0`` skips them on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from carps.launch.execute import DONE, FAILED
from carps.launch.local import launch_local
from carps.launch.plan import make_plan
from carps.launch.progress import RunProgress
from tests.conftest import carps_cmd
from tests.launch.conftest import comparable, trials_of

pytest.importorskip("submitit")
from carps.launch.slurm import JOBS_FILE, SLURM_DIR, SlurmLauncher, SlurmOptions, queue_states  # noqa: E402

SCRIPT = Path(__file__).resolve().parent / "local_slurm.sh"
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def slurm(tmp_path_factory, killer_plugin):
    """A private one-node Slurm for the module; its jobs find the test plugin through PYTHONPATH."""
    if os.environ.get("CARPS_TEST_SLURM") == "0":
        pytest.skip("CARPS_TEST_SLURM=0")
    where = tmp_path_factory.mktemp("slurm")
    started = subprocess.run(["bash", str(SCRIPT), "start", str(where)], capture_output=True, text=True, timeout=900)
    last = (started.stdout.strip().splitlines() or ["unavailable: the setup script printed nothing"])[-1]
    if started.returncode != 0 or last != "ready":
        subprocess.run(["bash", str(SCRIPT), "stop", str(where)], capture_output=True, timeout=60)
        pytest.skip(f"no Slurm for the launcher=slurm tests: {last.removeprefix('unavailable: ')} {started.stderr.strip()[-300:]}".strip())
    saved = {k: os.environ.get(k) for k in ("SLURM_CONF", "PYTHONPATH")}
    os.environ["SLURM_CONF"] = str(where / "slurm.conf")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(killer_plugin), *filter(None, [saved["PYTHONPATH"]])])
    yield where
    subprocess.run(["scancel", "--me"], capture_output=True, timeout=60)
    subprocess.run(["bash", str(SCRIPT), "stop", str(where)], capture_output=True, timeout=120)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


def _jobs(exp: Path) -> list[dict]:
    return [json.loads(line) for line in (exp / SLURM_DIR / JOBS_FILE).read_text().splitlines()]


def _every_trial_once(spec, exp: Path, n: int = 10) -> None:
    assert [t["trial"] for t in trials_of(spec.folder(exp))] == list(range(n)), spec
    assert json.loads((spec.folder(exp) / "run.json").read_text())["status"] == DONE, spec


@pytest.mark.slow
def test_slurm_gives_the_same_trials_as_local(slurm, tmp_path):
    plan = make_plan(["random"], ["blackbox/bbob/f0[1-3]_d2_i[1-2]"], [1], n_trials=12)
    launch_local(plan.runs, tmp_path / "local")
    progress = RunProgress(len(plan.runs), enabled=False)
    options = SlurmOptions(runs_per_task=4, poll_s=0.5, time_min=5, mem_gb_per_run=0.5, sbatch={"comment": "carps-test"})
    SlurmLauncher(options).launch(plan.runs, tmp_path / "slurm", progress)
    assert progress.counts[DONE] == 6 and progress.counts[FAILED] == 0, progress.summary()
    for spec in plan.runs:
        assert comparable(trials_of(spec.folder(tmp_path / "slurm"))) == comparable(trials_of(spec.folder(tmp_path / "local"))), spec
    # one array of two tasks (4 runs + 2 runs)
    (array,) = _jobs(tmp_path / "slurm")
    assert [len(runs) for runs in array["tasks"].values()] == [4, 2]
    # what the tasks asked Slurm for: the memory per run, the sbatch option passed through, the limit
    shown = subprocess.run(["scontrol", "-o", "show", "job", next(iter(array["tasks"]))], capture_output=True, text=True, timeout=60).stdout
    assert "MinMemoryNode=512M" in shown and "Comment=carps-test" in shown and "TimeLimit=00:05:00" in shown, shown


@pytest.mark.slow
def test_runs_a_job_ended_without_finishing_are_submitted_again_then_recorded_failed(slurm, tmp_path):
    # the task's setup line ends the job before it runs anything, as a cancel or a lost node would
    plan = make_plan(["random"], ["blackbox/bbob/f01_d2_i1"], [1], n_trials=5)
    exp = tmp_path / "exp"
    progress = RunProgress(len(plan.runs), enabled=False)
    SlurmLauncher(SlurmOptions(poll_s=0.5, time_min=5, max_retries=1, setup="exit 0")).launch(plan.runs, exp, progress)
    assert progress.counts[FAILED] == 1 and progress.retries == 1, progress.summary()
    record = json.loads((plan.runs[0].folder(exp) / "run.json").read_text())
    assert record["status"] == FAILED and record["attempts"] == 2
    assert "its Slurm job ended before it finished, on each of 2 tries; last: job " in record["error"] and "ended COMPLETED" in record["error"], record["error"]
    assert len(_jobs(exp)) == 2  # submitted, then once more


@pytest.mark.slow
def test_a_run_whose_worker_dies_is_retried_in_its_task(slurm, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    plan = make_plan(["random"], ["blackbox/killer/die_once_0", "blackbox/killer/die_always", "blackbox/killer/ok_0"], [1], task_params={"marker_dir": str(markers)})
    exp = tmp_path / "exp"
    progress = RunProgress(len(plan.runs), enabled=False)
    SlurmLauncher(SlurmOptions(runs_per_task=3, poll_s=0.5, time_min=5, max_retries=1)).launch(plan.runs, exp, progress)
    assert progress.counts[DONE] == 2 and progress.counts[FAILED] == 1, progress.summary()
    die_always = next(s for s in plan.runs if s.task.endswith("die_always"))
    record = json.loads((die_always.folder(exp) / "run.json").read_text())
    assert record["status"] == FAILED and "worker process died on each of 2 tries" in record["error"]
    for spec in plan.runs:
        if spec is not die_always:
            _every_trial_once(spec, exp)
    assert len(_jobs(exp)) == 1  # the task handled it: the driver submitted nothing again


@pytest.mark.slow
def test_scancel_of_a_running_task_then_rerun_loses_and_duplicates_nothing(slurm, tmp_path):
    # 4 runs of 10 trials x 0.3 s, two per task: cancelled once its first run has logged 3 trials
    plan = make_plan(["random"], ["blackbox/killer/slow_[0-3]"], [1], task_params={"sleep": 0.3})
    exp = tmp_path / "exp"
    options = SlurmOptions(runs_per_task=2, poll_s=0.5, time_min=5, wait=False)
    progress = RunProgress(len(plan.runs), enabled=False)
    SlurmLauncher(options).launch(plan.runs, exp, progress)
    assert progress.in_flight == 4 and progress.finished == 0
    (array,) = _jobs(exp)
    victim, runs = next(iter(array["tasks"].items()))
    first = plan.runs[[s.as_dict() for s in plan.runs].index(runs[0])]
    trials = first.folder(exp) / "trials.jsonl"
    _wait(lambda: trials.exists() and len(trials.read_text().splitlines()) >= 3, 60, "the first run logs 3 trials")
    subprocess.run(["scancel", victim], check=True, timeout=60)
    _wait(lambda: (q := queue_states()) is not None and victim not in q, 60, f"job {victim} leaves the queue")
    logged = trials_of(first.folder(exp))
    assert 3 <= len(logged) < 10 and json.loads((first.folder(exp) / "run.json").read_text())["status"] == "running"

    again = RunProgress(len(plan.runs), enabled=False)
    SlurmLauncher(SlurmOptions(runs_per_task=2, poll_s=0.5, time_min=5)).launch(plan.runs, exp, again)
    assert again.finished == 4 and again.counts[DONE] + again.counts["skipped"] == 4 and again.counts[FAILED] == 0, again.summary()
    for spec in plan.runs:
        _every_trial_once(spec, exp)
    # the cut-off run continued from its log: the trials it had are the same records, not redone
    assert trials_of(first.folder(exp))[: len(logged)] == logged
    # only the cancelled task's runs went out again; the other task was waited for, not resubmitted
    resubmitted = [run for record in _jobs(exp)[1:] for runs in record["tasks"].values() for run in runs]
    assert resubmitted == runs


@pytest.mark.slow
def test_a_task_past_its_time_limit_is_requeued_and_finishes(slurm, tmp_path):
    # 10 trials x 8 s in the first start: past the 1-minute limit; Slurm signals 55 s before the end
    # (at its next time-limit check, within 30 s), submitit requeues, the restart is fast
    plan = make_plan(["random"], ["blackbox/killer/until_requeued_0"], [1], task_params={"sleep": 8.0})
    exp = tmp_path / "exp"
    progress = RunProgress(len(plan.runs), enabled=False)
    SlurmLauncher(SlurmOptions(time_min=1, signal_delay_s=55, poll_s=0.5, max_requeues=2)).launch(plan.runs, exp, progress)
    assert progress.counts[DONE] == 1, progress.summary()
    (spec,) = plan.runs
    _every_trial_once(spec, exp)
    (array,) = _jobs(exp)  # requeued by Slurm under the same job id, not submitted again by the driver
    (job,) = array["tasks"]
    shown = subprocess.run(["scontrol", "-o", "show", "job", job], capture_output=True, text=True, timeout=60).stdout
    assert "Restarts=1" in shown, shown
    # submitit saw the signal as a time limit (Slurm ends the step as it requeues it)
    log = (exp / SLURM_DIR / job / f"{job}_0_log.err").read_text()
    assert "Caught signal SIGUSR2" in log and "timed-out" in log, log[-2000:]


@pytest.mark.slow
def test_wait_false_then_status_then_the_same_command_collects_then_report(slurm, tmp_path, cli_env):
    env = dict(cli_env, SLURM_CONF=os.environ["SLURM_CONF"], PYTHONPATH=os.environ["PYTHONPATH"])
    args = [*carps_cmd(), "run", "optimizer=random", "task=blackbox/killer/slow_[0-5]", "task.sleep=0.2", "experiment=e", "launcher=slurm",
            "launcher.runs_per_task=2", "launcher.poll_s=0.5", "launcher.time_min=5", "quiet=true"]
    submitted = subprocess.run([*args, "wait=false"], env=env, capture_output=True, text=True, timeout=120)
    assert submitted.returncode == 0, submitted.stderr
    assert "submitted 6 runs as Slurm job" in submitted.stderr and "6 runs are still in flight" in submitted.stderr, submitted.stderr
    job = submitted.stderr.split("as Slurm job ")[1].split()[0]

    status = subprocess.run([*carps_cmd(), "status", "experiment=e"], env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    total = status.stdout.split("total: ")[1].splitlines()[0]
    counts = {name: int(n) for n, name in (part.split() for part in total.split(": ")[1].split(", "))}
    assert sum(counts.values()) == 6 and counts["pending"] + counts["running"] + counts["done"] == 6, status.stdout
    assert counts["pending"] + counts["running"] >= 1 and f"  {job}: " in status.stdout, status.stdout

    collected = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert collected.returncode == 0, collected.stderr
    assert "submitted" not in collected.stderr  # everything was in flight or done: nothing went out again
    assert "finished 6 of 6 runs" in collected.stderr, collected.stderr  # each run counted once, done before or now
    status = subprocess.run([*carps_cmd(), "status", "experiment=e"], env=env, capture_output=True, text=True, timeout=60)
    assert "total: 6 runs: 6 done, 0 failed, 0 pending, 0 running, 0 missing" in status.stdout, status.stdout
    assert "in flight" not in status.stdout
    report = subprocess.run([*carps_cmd(), "report", "experiment=e", "format=markdown"], env=env, capture_output=True, text=True, timeout=180)
    assert report.returncode == 0, report.stderr
    assert "random" in report.stdout


def test_cli_settings_reach_the_options_and_bad_ones_are_one_line_errors():
    from carps.cli.launch_options import launcher_options
    from carps.cli.overrides import OverrideError, parse_overrides
    from carps.core.errors import CarpsError

    def build(*args):
        return launcher_options(SlurmOptions, parse_overrides(args, allowed=["max_retries", "wait", "n_jobs"], allowed_prefixes=["launcher", "resources"]), "slurm")

    o = build("launcher.partition=gpu", "launcher.time_min=30", "launcher.sbatch.account=ml", "launcher.sbatch.qos=high", "resources.gpus_per_run=1", "wait=false", "max_retries=4")
    assert (o.partition, o.time_min, o.sbatch, o.gpus_per_run, o.wait, o.max_retries) == ("gpu", 30, {"account": "ml", "qos": "high"}, 1.0, False, 4)
    assert build("launcher.partition=123").partition == "123"  # a number where a name is wanted is the name
    with pytest.raises(OverrideError, match=r"launcher=slurm has no setting 'launcher.partiton'; its settings: launcher.partition, "):
        build("launcher.partiton=gpu")
    with pytest.raises(OverrideError, match=r"launcher.time_min must be int, got 'soon'"):
        build("launcher.time_min=soon")
    with pytest.raises(CarpsError, match=r"launcher.runs_per_task must be 'auto' or a positive integer"):
        build("launcher.runs_per_task=0")
    with pytest.raises(CarpsError, match=r"resources.mem_gb_per_run must be a non-negative number"):
        build("resources.mem_gb_per_run=-2")
