"""The task pools the shipped subsets are chosen from: ``task=subset/<type>/pool``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
import yaml

from carps.core.registry import builtin_catalog_dir, get_registry

TYPES = ["blackbox", "multifidelity", "multiobjective", "momf"]
ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("subset_pools", ROOT / "tools" / "subset_pools.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("task_type", TYPES)
def test_shipped_pool_is_what_the_tool_writes(task_type):
    shipped = get_registry().subset_tasks(f"subset/{task_type}/pool")
    assert shipped == _tool().pool(task_type)
    assert len(shipped) == len(set(shipped)) and all(t.startswith(f"{task_type}/") for t in shipped)
    families = {t.split("/")[1] for t in shipped}
    assert "yahpo" in families and "sklearn" in families
    assert not any(t.endswith("_time") for t in shipped)  # measured-time objectives are not reproducible


@pytest.mark.parametrize("task_type", TYPES)
def test_three_seed_matrix_covers_the_pool_and_subsets_come_from_it(task_type):
    folder = builtin_catalog_dir("subsets") / task_type
    pool = set(get_registry().subset_tasks(f"subset/{task_type}/pool"))
    matrix = pd.read_csv(folder / "performance.csv", index_col=0)
    assert set(matrix.index) == pool
    meta = yaml.safe_load((folder / "metadata.yaml").read_text())
    assert len(meta["reference"]) >= 5 and meta["evaluations_per_k"] == 20000 and meta["time_limit_per_k"] is None
    assert len(set(matrix.columns) - set(meta["reference"])) >= 2  # held out for rank fidelity
    for k in (10, 20, 30):
        for part in ("dev", "test"):
            tasks = get_registry().subset_tasks(f"subset/{task_type}/k{k}_{part}")
            assert len(tasks) == k and set(tasks) <= pool


def test_stratified_sample_spreads_over_scenarios():
    import random

    tool = _tool()
    ids = [f"blackbox/yahpo/lcbench_{i}" for i in range(10)] + ["blackbox/yahpo/iaml_glmnet_1", "blackbox/yahpo/rbv2_rpart_2"]
    got = tool.stratified_sample(ids, 3, random.Random(0))
    assert {tool.scenario(t) for t in got} == {"lcbench", "iaml_glmnet", "rbv2_rpart"}
    assert got == tool.stratified_sample(ids, 3, random.Random(0))
