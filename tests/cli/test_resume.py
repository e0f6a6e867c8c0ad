"""A killed experiment, restarted with the same command, finishes with every trial exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from tests.conftest import carps_cmd

STABLE = ("trial", "config", "fidelity", "seed", "objectives", "status", "budget_used")
ARGS = ["run", "optimizer=optuna/tpe", "task=blackbox/bbob/f0[1-4]_d2_i1", "seed=1,2", "n_trials=40", "quiet=true"]


PARALLEL_STABLE = (*STABLE, "sim_start", "sim_end", "worker")
# 4 workers on the simulated clock; without charged optimizer time the clock is exact, so it is compared too
PARALLEL_ARGS = ["run", "optimizer=optuna/tpe", "task=blackbox/bbob/f0[1-2]_d2_i1", "seed=1,2", "n_trials=40", "quiet=true", "n_workers=4", "charge_optimizer_time=false"]


def trials_by_run(exp, keys=STABLE):
    return {
        str(p.parent.relative_to(exp)): [{k: r[k] for k in keys} for r in map(json.loads, p.read_text().splitlines())]
        for p in sorted(exp.rglob("trials.jsonl"))
    }


def _kill_mid_experiment_then_rerun(cli_env, tmp_path, args, keys, n_runs):
    subprocess.run([*carps_cmd(), *args, "experiment=reference"], env=cli_env, check=True, capture_output=True, timeout=600)

    proc = subprocess.Popen([*carps_cmd(), *args, "experiment=killed"], env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    exp = tmp_path / "results" / "killed"
    deadline = time.time() + 120
    # kill once a few runs are complete and another is half way through its trials
    while time.time() < deadline:
        runs = [(json.loads(p.read_text() or "{}").get("status"), p.parent / "trials.jsonl") for p in exp.rglob("run.json")] if exp.exists() else []
        done = sum(status == "done" for status, _ in runs)
        half = any(status == "running" and t.exists() and 5 <= len(t.read_text().splitlines()) < 35 for status, t in runs)
        if done >= 2 and half:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = trials_by_run(exp, keys)
    assert 0 < sum(map(len, partial.values())) < n_runs * 40, "the kill should land mid-experiment"

    rerun = subprocess.run([*carps_cmd(), *args, "experiment=killed"], env=cli_env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "skipped" in rerun.stderr

    reference = trials_by_run(tmp_path / "results" / "reference", keys)
    resumed = trials_by_run(exp, keys)
    assert resumed == reference  # nothing lost, nothing duplicated, same trials
    assert all(len(v) == 40 for v in resumed.values()) and len(resumed) == n_runs
    replayed = [json.loads(p.read_text())["summary"]["replayed"] for p in exp.rglob("run.json")]
    assert any(n > 0 for n in replayed), "the half-done run should have been resumed by replay"


def test_sigkill_mid_experiment_then_rerun_equals_an_uninterrupted_run(cli_env, tmp_path):
    _kill_mid_experiment_then_rerun(cli_env, tmp_path, ARGS, STABLE, 8)


def test_sigkill_of_parallel_runs_then_rerun_rebuilds_the_trials_in_flight(cli_env, tmp_path):
    """The killed run had trials in flight; the rerun asks them again and ends with the same trials and clock."""
    _kill_mid_experiment_then_rerun(cli_env, tmp_path, PARALLEL_ARGS, PARALLEL_STABLE, 4)
