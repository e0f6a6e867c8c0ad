"""The local process pool survives killed workers: every run completes once, a run that always dies fails."""

from __future__ import annotations

import json

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
