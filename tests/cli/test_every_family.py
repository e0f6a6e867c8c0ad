"""`carps run optimizer=random` over one task of every benchmark family that runs without a download.

This is the CI form of ``carps run optimizer=random task='*' n_trials=3``, which would take hours
(the COCO suites alone have 20,000 tasks): one task per family, the family's first id unless a
cheaper one is named below, in one ``carps run`` call.
"""

from __future__ import annotations

import json

import pytest

from carps.core.registry import get_registry
from tests.cli.test_cli import carps

#: a cheaper task than the family's first id (real training or long episodes)
CHEAP = {"sklearn": "blackbox/sklearn/dt_iris", "control": "blackbox/control/hopper_linear", "nn": "multifidelity/nn/digits_mlp"}


def one_task_per_family() -> list[str]:
    registry = get_registry()
    picks = []
    for family, entry in sorted(registry.benchmarks.items()):
        ids = entry.benchmark.task_ids()
        if not ids or registry.missing_data(family):
            continue  # needs data (yahpo) or a data folder (hpob, hpobench): covered by their own tests
        picks.append(CHEAP.get(family, ids[0]))
    return picks


@pytest.mark.slow
def test_random_search_runs_one_task_of_every_family(cli_env, tmp_path):
    tasks = one_task_per_family()
    families = {t.split("/")[1] for t in tasks}
    assert {"bbob", "bbob_constrained", "bbob_biobj", "bbob_mixint", "bbob_noisy", "bbob_largescale", "engineering", "control",
            "sklearn", "pymoo", "mfsynth", "momfsynth", "nn", "planning"} <= families
    carps("run", "optimizer=random", f"task={','.join(tasks)}", "n_trials=3", "seed=1", "experiment=every", "quiet=true", env=cli_env)
    root = tmp_path / "results" / "every"
    for task in tasks:
        folder = root / task / "random" / "seed_1"
        run = json.loads((folder / "run.json").read_text())
        records = [json.loads(line) for line in (folder / "trials.jsonl").read_text().splitlines()]
        assert run["status"] == "done" and records and records[-1]["budget_used"] <= 3 + 1e-9, task
        assert all(r["status"] == "ok" for r in records), (task, [r["error"] for r in records])
        if task.split("/")[1] in ("bbob_constrained", "engineering"):
            assert all(set(r["constraints"]) == set(run["task"]["constraints"]) and isinstance(r["feasible"], bool) for r in records), task
