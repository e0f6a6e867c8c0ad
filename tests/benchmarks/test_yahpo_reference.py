"""YAHPO surrogates reproduce the 300 evaluations made with the original ``yahpo_gym`` package."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")

from carps.benchmarks.yahpo import ENV_VAR, SCENARIOS, load_scenario, make_yahpo_task, yahpo_data_dir  # noqa: E402
from carps.core.errors import CarpsError  # noqa: E402
from carps.core.types import TaskType  # noqa: E402

# test data (evaluations made with the original yahpo_gym): tests/conftest.py sets the variable to
# ../shared/data/yahpo_reference/yahpo_reference_shared.json when that file is next to the checkout
REFERENCE_ENV = "CARPS_TEST_YAHPO_REFERENCE"
RTOL = 1e-5


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    path = Path(os.environ.get(REFERENCE_ENV, ""))
    if not path.is_file():
        pytest.skip(f"the yahpo_gym reference evaluations are not present: set {REFERENCE_ENV}=/path/to/yahpo_reference_shared.json")
    return json.loads(path.read_text())


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def test_reference_covers_all_scenarios(reference: list[dict]) -> None:
    assert len(reference) == 300
    assert {r["scenario"] for r in reference} == set(SCENARIOS)


@pytest.mark.needs_yahpo
def test_every_reference_evaluation_is_reproduced(reference: list[dict]) -> None:
    folder = str(yahpo_data_dir())
    worst = 0.0
    for row in reference:
        scenario = load_scenario(row["scenario"], folder)
        (out,) = scenario.predict([row["config"]])
        assert list(out) == list(row["result"]), "output names or order differ from yahpo_gym"
        for name, expected in row["result"].items():
            worst = max(worst, _rel(out[name], expected))
            assert _rel(out[name], expected) <= RTOL, (row["scenario"], row["instance"], name, out[name], expected)
    assert worst <= RTOL


@pytest.mark.needs_yahpo
def test_tasks_reproduce_reference_through_the_task_api(reference: list[dict]) -> None:
    """lcbench and iaml_glmnet have a single fidelity, so a multifidelity task can replay their rows."""
    checked = 0
    for row in reference:
        spec = SCENARIOS[row["scenario"]]
        if spec.fixed:
            continue  # rbv2 rows vary `repl`, which tasks hold at its maximum
        task = make_yahpo_task(row["scenario"], row["instance"], TaskType.MULTIFIDELITY)
        config = {k: v for k, v in row["config"].items() if k in task.space}
        result = task.evaluate(config, fidelity=row["config"][spec.fidelity])
        assert _rel(result.objectives[0], row["result"][spec.target]) <= RTOL
        checked += 1
    assert checked == 150


@pytest.mark.needs_yahpo
def test_batched_evaluation_matches_within_float32_rounding(reference: list[dict]) -> None:
    folder = str(yahpo_data_dir())
    for name in SCENARIOS:
        rows = [r for r in reference if r["scenario"] == name]
        outs = load_scenario(name, folder).predict([r["config"] for r in rows])
        for out, row in zip(outs, rows):
            for metric, expected in row["result"].items():
                # a batched matrix product rounds differently from one row at a time (float32)
                assert abs(out[metric] - expected) <= 1e-3 * max(abs(expected), 1.0), (name, metric)


def test_missing_data_folder_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(CarpsError, match="yahpo_data"):
        yahpo_data_dir()


def test_no_setting_and_no_fetched_copy_names_the_data_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No silent fallback to a folder next to the checkout: a setting, or the fetched copy, or this error."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("CARPS_CACHE_DIR", str(tmp_path / "empty-cache"))
    with pytest.raises(CarpsError, match=r"not installed: run `carps data fetch yahpo` \(or set CARPS_YAHPO_DATA="):
        yahpo_data_dir()


@pytest.mark.needs_yahpo
def test_catalog_offers_every_instance_in_all_four_types() -> None:
    from carps.benchmarks import list_tasks

    ids = list_tasks("*/yahpo/*")
    instances = {s: load_scenario(s, str(yahpo_data_dir())).instances() for s in SCENARIOS}
    assert len(list_tasks("blackbox/yahpo/*")) == len(list_tasks("multifidelity/yahpo/*")) == sum(map(len, instances.values())) == 274
    n_pairs = sum(len(v) * len(SCENARIOS[s].pairs) for s, v in instances.items())
    assert len(list_tasks("multiobjective/yahpo/*")) == len(list_tasks("momf/yahpo/*")) == n_pairs
    assert len(ids) == 2 * 274 + 2 * n_pairs


@pytest.mark.needs_yahpo
def test_task_shapes() -> None:
    lc = make_yahpo_task("lcbench", "3945", TaskType.MOMF, "acc-time")
    assert lc.fidelity.name == "epoch" and lc.fidelity.integer and (lc.fidelity.low, lc.fidelity.high) == (1, 52)
    assert [(o.name, o.minimize) for o in lc.objectives] == [("val_accuracy", False), ("time", True)]
    assert "OpenML_task_id" not in lc.space and "epoch" not in lc.space
    xgb = make_yahpo_task("rbv2_xgboost", "16", TaskType.MULTIFIDELITY)
    assert xgb.fidelity.name == "trainsize" and "repl" not in xgb.space and xgb.space.conditions
    low, high = xgb.evaluate_batch([dict(xgb.space.get_default_configuration())] * 2, [0.03, 1.0])
    assert low.objectives != high.objectives
    assert make_yahpo_task("iaml_glmnet", "40981", TaskType.BLACKBOX).metadata["objective_range"]["mmce"][0] >= 0


@pytest.mark.needs_yahpo
def test_unknown_instance_and_pair_are_clear_errors() -> None:
    from carps.core.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="instance '999' is not in YAHPO lcbench"):
        make_yahpo_task("lcbench", "999", TaskType.BLACKBOX)
    with pytest.raises(UnknownNameError, match="offers acc-ce, acc-time"):
        make_yahpo_task("lcbench", "3945", TaskType.MULTIOBJECTIVE, "acc-memory")
