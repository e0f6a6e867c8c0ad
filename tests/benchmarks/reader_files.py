"""Tiny HPOBench tabular and HPO-B files in the published formats, for the reader and conformance tests."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

ETAS = [0.001, 0.01, 0.1]
DEPTHS = [1, 5, 10]
ITERS = [10, 30, 100]
SUBSAMPLES = [0.1, 1.0]
SEEDS = [665, 1319]


def _old_cs_json(hps: list[dict]) -> str:
    """A ConfigSpace JSON string as HPOBench's metadata files store it (format 0.2, ConfigSpace 0.4)."""
    return json.dumps({"hyperparameters": hps, "conditions": [], "forbiddens": [], "python_module_version": "0.4.18", "json_format_version": 0.2})


def _acc(eta: float, depth: int, it: int, sub: float, seed: int, split: str) -> float:
    return 0.5 + 0.1 * np.log10(eta * 1000) + 0.01 * depth + 0.0005 * it + 0.05 * sub + (seed % 7) * 1e-3 + (0.01 if split == "test" else 0.0)


def write_hpobench_files(tmp_path: Path) -> Path:
    """An ``xgb`` table for OpenML task 31 (3 x 3 grid, fidelities iter and subsample, 2 seeds); returns the data folder."""
    import pandas as pd

    folder = tmp_path / "TabularData" / "xgb" / "31"
    folder.mkdir(parents=True)
    rows = []
    for eta, depth, it, sub, seed in itertools.product(ETAS, DEPTHS, ITERS, SUBSAMPLES, SEEDS):
        info = {
            "train_loss": 0.0,
            "val_loss": 1 - _acc(eta, depth, it, sub, seed, "val"),
            "model_cost": it * sub * 0.01,
            "train_scores": {"acc": 1.0, "f1": 1.0},
            "val_scores": {"acc": _acc(eta, depth, it, sub, seed, "val"), "f1": 0.5},
            "test_scores": {"acc": _acc(eta, depth, it, sub, seed, "test"), "f1": 0.5},
            "train_costs": {"acc": 0.001, "f1": 0.001},
            "val_costs": {"acc": 0.001, "f1": 0.001},
            "test_costs": {"acc": 0.001, "f1": 0.001},
        }
        rows.append({"eta": np.float32(eta), "max_depth": depth, "iter": it, "subsample": np.float32(sub), "seed": seed,
                     "result": {"function_value": info["val_loss"], "cost": info["model_cost"], "info": info}})
    pd.DataFrame(rows).to_parquet(folder / "xgb_31_data.parquet.gzip", compression="gzip")
    x = _old_cs_json([
        {"name": "eta", "type": "ordinal", "sequence": ETAS, "default": 0.01},
        {"name": "max_depth", "type": "ordinal", "sequence": DEPTHS, "default": 5},
    ])
    z = _old_cs_json([
        {"name": "iter", "type": "ordinal", "sequence": ITERS, "default": 100},
        {"name": "subsample", "type": "ordinal", "sequence": SUBSAMPLES, "default": 1.0},
    ])
    meta = {"exp_args": {"space": "xgb"}, "config_spaces": {"x": x, "x_discrete": x, "z": z, "z_discrete": z}, "global_min": {"val": 0.1}}
    (folder / "xgb_31_metadata.json").write_text(json.dumps(meta))
    return tmp_path / "TabularData"


def write_hpob_files(tmp_path: Path) -> Path:
    """A ``meta-test-dataset.json`` with two search spaces and three datasets; returns its folder."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    data = {
        "5971": {
            "10093": {"X": rng.uniform(0, 1, (30, 4)).round(4).tolist(), "y": rng.uniform(0.5, 1.0, (30, 1)).tolist()},
            "3954": {"X": rng.uniform(0, 1, (10, 4)).tolist(), "y": rng.uniform(0.5, 1.0, (10, 1)).tolist()},
        },
        "4796": {"145833": {"X": rng.uniform(0, 1, (12, 3)).tolist(), "y": rng.uniform(0.5, 1.0, (12, 1)).tolist()}},
    }
    (tmp_path / "meta-test-dataset.json").write_text(json.dumps(data))
    return tmp_path
