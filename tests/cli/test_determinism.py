"""Every catalog optimizer variant, run twice with one seed in two processes, writes the same trials.

Each variant runs on one small task of a type it supports, long enough to leave its initial design
(40 trials, or 3 times a population or initial design that the catalog sets; the slow model-based
methods at least 3 times their initial designs and 8 or more model proposals past them, see
``MODEL_BUDGETS``; multi-fidelity schedulers get a budget of 6 or 12 full evaluations, which is 40
trials and more), through ``carps run`` in two CLI processes with different ``PYTHONHASHSEED``
values, so that anything that depends on the process (the order of a set of strings, object ids, the
clock) shows up. The trials are compared field by field, all but the timings. This is the test that
failed for SMAC before its adapter fixed the order of the local search's start points.

Every catalog variant runs here. For the variants that the conformance file marks slow this is their
only cross-process same-seed check (the kit's fresh-interpreter check leaves them out, see
tests/conformance/test_optimizers.py), so they run on every task type they support.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from carps.core.registry import get_registry
from carps.core.types import TaskType
from tests.conftest import carps_cmd

pytestmark = pytest.mark.slow

N_TRIALS = 40
#: a small task per type (2-d BBOB Rosenbrock, 2-d multi-fidelity Branin, 5-d ZDT1)
TASKS = {
    TaskType.BLACKBOX: "blackbox/bbob/f08_d2_i1",
    TaskType.MULTIOBJECTIVE: "multiobjective/pymoo/zdt1_d5",
    TaskType.MULTIFIDELITY: "multifidelity/mfsynth/branin_d2_s100",
    TaskType.MOMF: "momf/momfsynth/zdt1_d5_s100",
}
#: multi-fidelity schedulers: 12 full evaluations are 40 to 100+ trials, mostly at low fidelities; SMAC's
#: model-based successive-halving schedulers make 140-200 trials of 6 (their random-forest fits cost a
#: second a trial)
SCHEDULERS = {"smac/bohb": 6, "smac/mf_sh": 6, "smac/momf": 6, "smac/hyperband": 12, "dehb": 12, "optuna/hyperband": 12,
              "synetune/moasha": 12, "synetune/moasha_ranked": 12}
#: model-based methods that take a second or more per trial on 2 cores run fewer than 40 trials, still
#: at least 3 times their catalog initial design and 8 or more model proposals past it: Ax 15 (the
#: centre and 4 Sobol points, then 10 BoTorch proposals); skopt 30 (10 random points, then 20 model
#: proposals); optuna/gp 30 (10 random, then 20); SMAC 16 (its initial design is a quarter of the budget:
#: 4 points, then 12 model proposals); bo/gp 12 (4 random points, then 8); BORE 20 (6 random, then 14);
#: Syne Tune's CQR 15 (5 random draws; 500 boosting stages per fit); ASHA with CQR or BORE 15 full
#: evaluations (about 55 trials)
MODEL_BUDGETS = {
    "ax/botorch": 15, "skopt/gp": 30, "skopt/rf": 30, "skopt/et": 30, "skopt/gbrt": 30, "optuna/gp": 30,
    "smac/blackbox": 16, "smac/hpo": 16, "smac/ac": 16, "smac/morf": 16, "smac/parego": 16, "bo/gp": 12,
    "synetune/bore": 20, "synetune/cqr": 15, "synetune/asha_cqr": 15, "synetune/asha_bore": 15,
}
#: learning-rate-free baselines: one full training on a real workload (they run on nn tasks only)
NN_TASK = "blackbox/nn/cancer_mlp"
#: what may differ between two runs of the same seed: timings (a task's ``info`` may report its own,
#: such as the nn workloads' ``train_time``)
TIMINGS = {"started_at", "wall_time"}


def _without_timings(record: dict) -> dict:
    kept = {k: v for k, v in record.items() if k not in TIMINGS}
    if isinstance(kept.get("info"), dict):
        kept["info"] = {k: v for k, v in kept["info"].items() if not k.endswith("_time")}
    return kept


def _long_enough(params: dict) -> int:
    """40 trials, or 3 times an initial design or population the catalog sets (NSGA-II's 20: 60 trials)."""
    design = max(int(params.get(key) or 0) for key in ("population_size", "n_startup_trials", "n_initial", "n_configs", "n_initial_points", "n_startup_jobs"))
    return max(N_TRIALS, 3 * design)


def _groups() -> dict[tuple[str, int], list[str]]:
    """(task, n_trials) -> the variants run on it: each variant on the first type it supports; the
    conformance file's slow variants on every type they support, since this is their only
    cross-process check (the kit checks the others on every type)."""
    from tests.conformance.test_optimizers import SLOW

    registry = get_registry()
    groups: dict[tuple[str, int], list[str]] = {}
    for oid in sorted(registry.optimizers):
        if oid == "lrfree/calibrated":
            continue  # needs a calibration file: its own run below
        if oid.startswith("lrfree/"):
            groups.setdefault((NN_TASK, 1), []).append(oid)
            continue
        entry = registry.optimizer(oid)
        task_types = [t for t in TASKS if t in entry.load_class().capabilities.task_types]
        budget = SCHEDULERS.get(oid) or MODEL_BUDGETS.get(oid) or _long_enough(entry.params)
        for task_type in task_types if oid in SLOW else task_types[:1]:
            groups.setdefault((TASKS[task_type], budget), []).append(oid)
    return groups


def _run(folder: Path, env: dict[str, str], hash_seed: str, optimizers: list[str], task: str, n_trials: int, *extra: str) -> None:
    cmd = [*carps_cmd(), "run", f"optimizer={','.join(optimizers)}", f"task={task}", "seed=1", f"n_trials={n_trials}", "experiment=det", *extra]
    out = subprocess.run(cmd, env={**env, "CARPS_RESULTS_DIR": str(folder), "PYTHONHASHSEED": hash_seed}, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]


def _twice(tmp_path: Path, env: dict[str, str], *args) -> tuple[Path, Path]:
    """The same command in two processes at once, with different string-hash seeds."""
    a, b = tmp_path / "a", tmp_path / "b"
    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(_run, a, env, "1", *args), pool.submit(_run, b, env, "2", *args)]:
            done.result()
    return a / "det", b / "det"


def _trials(folder: Path) -> dict[str, list[dict]]:
    """run folder (relative) -> its trials without the timings."""
    runs = {}
    for path in sorted(folder.rglob("trials.jsonl")):
        records = [json.loads(line) for line in path.read_text().splitlines()]
        runs[str(path.parent.relative_to(folder))] = [_without_timings(r) for r in records]
    return runs


def _assert_same(a: Path, b: Path) -> dict[str, list[dict]]:
    first, second = _trials(a), _trials(b)
    assert first.keys() == second.keys()
    for run, trials in first.items():
        other = second[run]
        assert len(trials) == len(other), f"{run}: {len(trials)} trials, then {len(other)}"
        for t, u in zip(trials, other):
            differ = sorted(k for k in t.keys() | u.keys() if t.get(k) != u.get(k))
            assert not differ, f"{run}: trial {t['trial']} differs in {differ}: {t} vs {u}"
    return first


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.pop("CARPS_DEBUG", None)
    return env


def _optimizer_id(run: str) -> str:
    return "/".join(run.split("/")[3:-1])  # <type>/<family>/<task>/<optimizer id>/seed_1


def _assert_long_enough(runs: dict[str, list[dict]]) -> None:
    for run, trials in runs.items():
        one_shot = "/lrfree/" in run
        assert len(trials) == 1 if one_shot else len(trials) >= MODEL_BUDGETS.get(_optimizer_id(run), N_TRIALS), f"{run} ran {len(trials)} trials"
        assert all(t["status"] == "ok" for t in trials), run


def _deal(ids: list[str], most: int = 6) -> list[list[str]]:
    """``ids`` dealt round-robin into the fewest chunks of at most ``most``: sorted ids of one family
    (SMAC's slow variants) land in different chunks."""
    n_chunks = -(-len(ids) // most)
    return [ids[i::n_chunks] for i in range(n_chunks)]


#: (task, n_trials, up to 6 variants): one test each, so that they spread over the test workers
GROUPS = [(task, n, chunk) for (task, n), optimizers in _groups().items() for chunk in _deal(optimizers)]


@pytest.mark.parametrize(("task", "n_trials", "optimizers"), GROUPS, ids=[f"{task}-{n}-{opts[0]}" for task, n, opts in GROUPS])
def test_each_variant_writes_the_same_trials_twice(task: str, n_trials: int, optimizers: list[str], tmp_path: Path) -> None:
    runs = _assert_same(*_twice(tmp_path, _env(), optimizers, task, n_trials))
    assert {_optimizer_id(run) for run in runs} == set(optimizers)
    _assert_long_enough(runs)  # long enough to leave each initial design, and no trial failed


def test_the_calibrated_default_writes_the_same_trials_twice(tmp_path: Path) -> None:
    # its calibration file names the configuration that another baseline (prodigy) ran
    prodigy = _assert_same(*_twice(tmp_path / "prodigy", _env(), ["lrfree/prodigy"], NN_TASK, 1))
    calibration = tmp_path / "calibration.yaml"
    calibration.write_text(json.dumps({"workloads": {NN_TASK.split("/")[-1]: {"config": next(iter(prodigy.values()))[0]["config"]}}}))
    runs = _assert_same(*_twice(tmp_path / "calibrated", _env(), ["lrfree/calibrated"], NN_TASK, 1, f"optimizer.file={calibration}"))
    assert {_optimizer_id(run) for run in runs} == {"lrfree/calibrated"}
    _assert_long_enough(runs)


def test_every_variant_is_checked() -> None:
    checked = {oid for _, _, optimizers in GROUPS for oid in optimizers} | {"lrfree/calibrated"}
    assert checked == set(get_registry().optimizers), f"variants not checked: {sorted(set(get_registry().optimizers) - checked)}"
