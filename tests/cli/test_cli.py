"""The carps command line end to end, through a subprocess as a user calls it."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from carps.core.records import SCHEMA_VERSION
from tests.conftest import carps_cmd


def carps(*args, env, cwd=None, check=True):
    proc = subprocess.run([*carps_cmd(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"carps {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_help_lists_the_commands(cli_env):
    out = carps("--help", env=cli_env).stdout
    for command in ("run", "list", "gather", "report", "status"):
        assert f"  {command}" in out


def test_run_gather_report_and_status(cli_env, tmp_path):
    proc = carps("run", "optimizer=random,optuna/tpe", "task=blackbox/bbob/f0[1-3]_d2_i1", "seed=1,2", "n_trials=8", "experiment=e2e", env=cli_env)
    assert "12 runs" in proc.stderr and "12 done, 0 failed" in proc.stderr
    exp = tmp_path / "results" / "e2e"
    folder = exp / "blackbox/bbob/f01_d2_i1/optuna/tpe/seed_2"
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "done" and run["summary"]["n_trials"] == 8 and run["schema"] == SCHEMA_VERSION
    assert run["versions"]["carps"] and run["task"]["objectives"][0]["name"] == "y"
    lines = (folder / "trials.jsonl").read_text().splitlines()
    assert [json.loads(line)["trial"] for line in lines] == list(range(8))

    carps("gather", "experiment=e2e", env=cli_env)
    trials = pd.read_parquet(exp / "trials.parquet")
    assert len(trials) == 12 * 8
    assert set(trials["optimizer"].astype(str)) == {"random", "optuna/tpe"}

    report = carps("report", "experiment=e2e", env=cli_env).stdout
    assert "optuna/tpe" in report and "random" in report and "mean_rank" in report
    assert (exp / "report" / "ranking.csv").exists()

    status = carps("status", "experiment=e2e", env=cli_env).stdout
    assert "12 done, 0 failed, 0 pending, 0 running, 0 missing" in status

    again = carps("run", "optimizer=random,optuna/tpe", "task=blackbox/bbob/f0[1-3]_d2_i1", "seed=1,2", "n_trials=8", "experiment=e2e", "--resume", env=cli_env)
    assert "0 done, 0 failed, 12 skipped" in again.stderr


def test_list_tasks_and_optimizers(cli_env):
    tasks = carps("list", "tasks", env=cli_env).stdout
    assert "bbob" in tasks and "total:" in tasks
    some = carps("list", "tasks", "blackbox/bbob/f01_d2_*", env=cli_env).stdout
    assert "blackbox/bbob/f01_d2_i10" in some and "total: 10" in some
    opts = carps("list", "optimizers", env=cli_env).stdout
    assert "random" in opts and "optuna/tpe" in opts and "task types" in opts


@pytest.mark.parametrize(
    "args,message",
    [
        (["run", "optimizer=randm", "task=blackbox/bbob/f01_d2_i1"], "unknown optimizer 'randm' (did you mean: random"),
        (["run", "optimizer=random", "task=blackbox/nope/*"], "no task matches 'blackbox/nope/*'"),
        (["run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "seed=1,x"], "seed must be integers"),
        (["run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "n_trails=3"], "unknown key 'n_trails'"),
        (["run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "n_trials="], "has no value"),
        (["run", "optimizer", "random"], "write key=value"),
        (["run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "n_workers=0"], "n_workers must be a positive integer"),
        (["run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "clock=real"], "only apply to parallel runs: add n_workers=K"),
        (["run", "optimizer=random", "task=blackbox/bbob/f01_d2_i1", "n_workers=2", "cost=fast"], "cost must be 'auto', 'model', 'wall'"),
        (["report", "experiment=never_ran"], "no experiment 'never_ran'"),
        (["frobnicate"], "unknown command 'frobnicate'"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_nonzero_exit(cli_env, args, message):
    proc = carps(*args, env=cli_env, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_reader_that_stops_early_ends_the_listing_quietly(cli_env):
    # carps list tasks '*' | head -1: thousands of lines into a pipe closed after the first
    child = subprocess.Popen([*carps_cmd(), "list", "tasks", "*"], env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline()
    child.stdout.close()
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0 and b"error" not in err, err


def test_parallel_runs_match_sequential_runs(cli_env, tmp_path):
    common = ["optimizer=random", "task=blackbox/bbob/f0[45]_d3_i1", "seed=1,2", "n_trials=15"]
    carps("run", *common, "experiment=seq", env=cli_env)
    carps("run", *common, "experiment=par", "n_jobs=2", env=cli_env)
    for path in (tmp_path / "results" / "seq").rglob("trials.jsonl"):
        twin = tmp_path / "results" / "par" / path.relative_to(tmp_path / "results" / "seq")
        strip = lambda text: [{k: v for k, v in json.loads(l).items() if k not in ("started_at", "wall_time")} for l in text.splitlines()]  # noqa: E731,E741
        assert strip(path.read_text()) == strip(twin.read_text())
