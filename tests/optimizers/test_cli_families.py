"""Every optimizer family runs from the CLI on real tasks: BBOB, synthetic multi-fidelity, pymoo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "carps.cli.main"]
BBOB = "blackbox/bbob/f01_d2_i1"
MF = "multifidelity/mfsynth/branin_d2_s025"
MO = "multiobjective/pymoo/zdt1_d5"


def carps(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)
    if ok:
        assert done.returncode == 0, f"carps {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def trials(root: Path, task: str, optimizer: str) -> list[dict]:
    path = root / "fam" / task / optimizer / "seed_1" / "trials.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_list_optimizers_shows_the_whole_catalog():
    out = carps("list", "optimizers").stdout
    for opt_id in ["random", "optuna/random", "optuna/qmc", "optuna/tpe", "optuna/tpe_multivariate", "optuna/cmaes", "optuna/gp",
                   "optuna/nsga2", "optuna/nsga3", "optuna/motpe", "optuna/hyperband", "smac/hpo", "smac/blackbox",
                   "smac/hyperband", "smac/bohb", "smac/parego", "bo/gp", "dehb", "nevergrad/ngopt", "nevergrad/cma", "nevergrad/de"]:
        assert any(line.split()[:1] == [opt_id] for line in out.splitlines()), f"{opt_id} missing from carps list optimizers"


def test_family_names_run_their_recommended_variant_per_task_type(tmp_path):
    carps("run", "optimizer=smac,optuna,bo,nevergrad,dehb,random", f"task={BBOB},{MF}", "n_trials=4", "seed=1",
          "experiment=fam", f"results_dir={tmp_path}", "quiet=true")
    for optimizer in ["smac/hpo", "optuna/tpe", "bo/gp", "nevergrad/ngopt", "random"]:
        records = trials(tmp_path, BBOB, optimizer)
        assert len(records) == 4 and all(r["fidelity"] is None for r in records), optimizer
    for optimizer in ["smac/bohb", "optuna/hyperband", "dehb", "random"]:
        records = trials(tmp_path, MF, optimizer)
        assert records and records[-1]["budget_used"] <= 4 + 1e-9, optimizer
        assert all(r["fidelity"] is not None for r in records), optimizer
    # a multi-fidelity method spends its budget on many cheap trials
    assert len(trials(tmp_path, MF, "dehb")) > 4


def test_multiobjective_variants_tell_vectors(tmp_path):
    carps("run", "optimizer=smac,optuna,bo", f"task={MO}", "n_trials=6", "seed=1", "experiment=fam", f"results_dir={tmp_path}", "quiet=true")
    for optimizer in ["smac/parego", "optuna/motpe", "bo/gp"]:
        records = trials(tmp_path, MO, optimizer)
        assert len(records) == 6 and all(len(r["objectives"]) == 2 for r in records if r["status"] == "ok"), optimizer


def test_an_unsupported_task_type_is_a_clear_error_before_anything_runs(tmp_path):
    done = carps("run", "optimizer=dehb", f"task={BBOB}", "n_trials=4", "experiment=fam", f"results_dir={tmp_path}", ok=False)
    assert done.returncode != 0 and "unsupported task type" in done.stderr
    assert not (tmp_path / "fam" / BBOB / "dehb").exists()
