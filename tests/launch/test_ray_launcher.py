"""The Ray launcher on a real local Ray (2 CPUs): same results as the local launcher, worker deaths
retried without duplicates, resume after the driver is killed, clear errors for missing GPUs."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time

import pytest

from carps.core.errors import CarpsError
from carps.launch.execute import DONE, FAILED, run_status
from carps.launch.local import launch_local
from carps.launch.plan import make_plan
from carps.launch.progress import RunProgress
from carps.launch.ray_launcher import RayOptions, launch_ray, run_resources, workers_write
from tests.conftest import carps_cmd
from tests.launch.conftest import comparable, trials_of

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray_cluster(killer_plugin):
    """One local Ray for the module; its workers find the test plugin through PYTHONPATH."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(killer_plugin), *([old] if old else [])])
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        # num_gpus=0: the GPU test needs a machine without GPUs, also where the tests run on one with
        ray.init(num_cpus=2, num_gpus=0, include_dashboard=False, log_to_driver=False, object_store_memory=80 * 1024**2, logging_level=logging.ERROR)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.mark.parametrize("writer", ["driver", "workers"])
def test_ray_results_equal_local_results_run_for_run(ray_cluster, tmp_path, writer):
    plan = make_plan(["random"], ["blackbox/bbob/f0[1-3]_d2_i[1-4]"], [1, 2], n_trials=15)
    assert len(plan.runs) == 24
    launch_local(plan.runs, tmp_path / "local")
    progress = RunProgress(len(plan.runs), enabled=False)
    outcomes = launch_ray(plan.runs, tmp_path / "ray", progress=progress, options=RayOptions(batch_size=5, writer=writer))
    assert progress.counts[DONE] == 24 and len(outcomes) == 24
    # the ETA's inputs: the runs, the runners, and each run's time (travelling back in its fields)
    assert progress.planned == {"random": 24} and progress.workers == 2 and progress.timed_of["random"] == 24
    for spec in plan.runs:
        local, remote = spec.folder(tmp_path / "local"), spec.folder(tmp_path / "ray")
        assert comparable(trials_of(remote)) == comparable(trials_of(local)), spec
        assert json.loads((remote / "run.json").read_text())["status"] == DONE


@pytest.mark.parametrize("writer", ["driver", "workers"])
def test_killed_workers_are_retried_and_nothing_is_written_twice(ray_cluster, tmp_path, writer):
    markers = tmp_path / "markers"
    markers.mkdir()
    tasks = ["blackbox/killer/ok_[0-7]", "blackbox/killer/die_once_[0-1]", "blackbox/killer/die_always"]
    plan = make_plan(["random"], tasks, [1], task_params={"marker_dir": str(markers)})
    exp = tmp_path / "exp"
    progress = RunProgress(len(plan.runs), enabled=False)
    # batches of 4: a death takes down a batch, whose runs are then retried one per task
    launch_ray(plan.runs, exp, progress=progress, options=RayOptions(batch_size=4, max_retries=1, writer=writer))
    assert sorted(p.name for p in markers.iterdir()) == ["die_once_0.died", "die_once_1.died"]
    # with writer=workers a run that finished (and was written) before its batch's worker died is found
    # complete on the retry and counted as skipped: which runs of a batch finish first is up to Ray
    finished = progress.counts[DONE] + (progress.counts.get("skipped", 0) if writer == "workers" else 0)
    assert finished == 10 and progress.counts[FAILED] == 1, (progress.counts, [(o.spec.task, o.error) for o in progress.failures])
    assert progress.retries >= 3  # two batches split, die_always retried once
    for spec in plan.runs:
        folder = spec.folder(exp)
        if spec.task.endswith("die_always"):
            record = json.loads((folder / "run.json").read_text())
            assert record["status"] == FAILED and record["attempts"] == 2
            assert "worker died on each of 2 tries" in record["error"]
            assert not (folder / "trials.jsonl").exists()
        else:
            assert run_status(spec, exp) == DONE
            assert [t["trial"] for t in trials_of(folder)] == list(range(10))
    assert "die_always" in progress.summary() and "worker died" in progress.summary()

    # the same command again: done runs untouched, only the failed one tried again
    stamps = {spec: spec.folder(exp).joinpath("run.json").stat().st_mtime_ns for spec in plan.runs}
    again = RunProgress(len(plan.runs), enabled=False)
    launch_ray(plan.runs, exp, progress=again, options=RayOptions(max_retries=0, writer=writer))
    assert again.counts == {"done": 0, "failed": 1, "skipped": 10}
    for spec in plan.runs:
        if not spec.task.endswith("die_always"):
            assert spec.folder(exp).joinpath("run.json").stat().st_mtime_ns == stamps[spec]


@pytest.mark.parametrize("writer", ["driver", "workers"])
def test_resume_after_the_driver_is_killed(ray_cluster, tmp_path, killer_plugin, writer):
    path = os.pathsep.join([str(killer_plugin), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = dict(os.environ, PYTHONPATH=path, CARPS_RESULTS_DIR=str(tmp_path))
    # 24 runs of 10 trials x 20 ms on 2 CPUs: about 2.5 s of work, killed once a few runs are on disk
    args = [*carps_cmd(), "run", "optimizer=random", "task=blackbox/killer/slow_*", "seed=1,2", "task.sleep=0.02",
            "experiment=e", "launcher=ray", f"ray_address={ray_cluster}", "batch_size=1", "quiet=true", f"writer={writer}"]
    driver = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    exp = tmp_path / "e"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(exp.rglob("run.json"))) < 4 and driver.poll() is None:
        time.sleep(0.02)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    before = {p: p.read_bytes() for p in exp.rglob("seed_*/*")}
    assert 4 <= len([p for p in before if p.name == "run.json"]) < 24, driver.stderr.read().decode()[-2000:]

    done = subprocess.run([*args, "--resume"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = list(exp.rglob("run.json"))
    assert len(runs) == 24 and all(json.loads(p.read_text())["status"] == DONE for p in runs)
    assert all(len(trials_of(p.parent)) == 10 for p in runs)
    for path, content in before.items():  # runs finished before the kill were not redone
        assert path.read_bytes() == content
    status = subprocess.run([*carps_cmd(), "status", "experiment=e"], env=env, capture_output=True, text=True, timeout=60)
    assert "total: 24 runs: 24 done, 0 failed, 0 pending, 0 running, 0 missing" in status.stdout


def test_gpu_runs_need_gpus_unless_gpus_per_run_is_zero(ray_cluster, tmp_path):
    plan = make_plan(["random"], ["blackbox/gpuish/ok_0", "blackbox/bbob/f01_d2_i1"], [1], n_trials=3)
    gpu_spec, bbob_spec = plan.runs
    assert run_resources(gpu_spec, RayOptions()).gpus == 0.5  # the family's YAML asks for half a GPU
    assert run_resources(bbob_spec, RayOptions()).gpus == 0.0  # BBOB does not
    assert run_resources(gpu_spec, RayOptions(gpus_per_run=0.25, cpus_per_run=0.5)).gpus == 0.25
    with pytest.raises(CarpsError, match=r"ask for 0.5 GPU each, but the Ray cluster has 0 GPU.*resources.gpus_per_run=0"):
        launch_ray(plan.runs, tmp_path / "gpu")
    assert not (tmp_path / "gpu").exists()  # nothing ran
    launch_ray(plan.runs, tmp_path / "cpu", options=RayOptions(gpus_per_run=0))
    assert all(run_status(spec, tmp_path / "cpu") == DONE for spec in plan.runs)


def _wait_until_dead(actor, deadline_s: float = 60.0) -> None:
    """Poll the actor's state in Ray's control store until it is DEAD.

    A call raced against ``ray.kill`` is no proof: the actor may still answer it before the kill lands.
    The state API of ``ray.util.state`` needs the dashboard, which the test cluster does not start, so
    this reads the GCS actor table that ``ray.util.state`` is built on.
    """
    import time

    from ray._private import state

    actor_id = actor._actor_id.hex()
    deadline = time.monotonic() + deadline_s
    while (current := state.actors(actor_id).get("State")) != "DEAD":
        assert time.monotonic() < deadline, f"the killed runner is still {current} after {deadline_s:.0f} s"
        time.sleep(0.02)


def test_kept_runners_that_died_in_between_are_replaced_without_using_tries(ray_cluster, tmp_path):
    from carps.launch.ray_launcher import _KEPT

    plan = make_plan(["random"], ["blackbox/bbob/f0[1-4]_d2_i1"], [1, 2], n_trials=5)
    options = RayOptions(keep_workers=True, max_retries=0, batch_size=1)
    try:
        launch_ray(plan.runs[:4], tmp_path / "first", options=options)
        kept = [actor for actors in _KEPT.values() for actor in actors]
        assert len(kept) == 2
        ray.kill(kept[0])  # dies between two experiments, e.g. out of memory while idle
        _wait_until_dead(kept[0])  # ray.kill is asynchronous: dead before going on
        with pytest.raises(ray.exceptions.RayActorError):  # and this driver has seen it die (no race now)
            ray.get(kept[0].ready.remote(), timeout=60)
        progress = RunProgress(len(plan.runs), enabled=False)
        launch_ray(plan.runs, tmp_path / "second", progress=progress, options=options)
        # the dead runner's call was queued again (max_retries=0: a counted try would have failed it)
        assert progress.counts[DONE] == 8 and progress.counts[FAILED] == 0, progress.summary()
        assert all(run_status(spec, tmp_path / "second") == DONE for spec in plan.runs)
    finally:
        for actors in _KEPT.values():
            for actor in actors:
                ray.kill(actor)
        _KEPT.clear()


def test_runners_write_on_one_machine_unless_told_otherwise(ray_cluster):
    assert workers_write(ray, RayOptions())  # the test's Ray is this machine alone
    assert not workers_write(ray, RayOptions(writer="driver"))
    assert workers_write(ray, RayOptions(writer="workers"))


def test_cli_options_are_checked():
    from carps.cli.launch_options import launcher_options
    from carps.cli.overrides import parse_overrides

    keys = ["ray_address", "max_retries", "batch_size", "n_jobs", "writer"]
    o = parse_overrides(["resources.gpus_per_run=0.25", "batch_size=8", "ray_address=auto", "n_jobs=4", "writer=driver"], allowed=keys, allowed_prefixes=["resources", "launcher"])
    opts = launcher_options(RayOptions, o, "ray")
    assert (opts.gpus_per_run, opts.cpus_per_run, opts.batch_size, opts.ray_address, opts.num_cpus, opts.writer) == (0.25, None, 8, "auto", 4, "driver")
    assert launcher_options(RayOptions, parse_overrides([], allowed=keys), "ray").writer == "auto"
    for bad in (["batch_size=0"], ["max_retries=-1"], ["launcher.gpu=1"], ["resources.gpu=1"], ["writer=nfs"], ["resources.cpus_per_run=-1"]):
        with pytest.raises(CarpsError):
            launcher_options(RayOptions, parse_overrides(bad, allowed=keys, allowed_prefixes=["resources", "launcher"]), "ray")
