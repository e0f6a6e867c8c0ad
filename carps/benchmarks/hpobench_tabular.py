"""HPOBench tabular benchmarks (Eggensperger et al. 2021) read from their published files.

The data (``TabularData``, CC-BY 4.0, on figshare through HPOBench's download script) holds per model
and OpenML task ``<model>/<task_id>/<model>_<task_id>_data.parquet.gzip`` (one row per
hyperparameter grid point x fidelity x seed, with a ``result`` column of nested dicts) and
``<model>_<task_id>_metadata.json`` (``config_spaces`` with the discrete grids ``x_discrete``/``z_discrete``
as ConfigSpace JSON, ``exp_args``, ``global_min``). Point ``CARPS_HPOBENCH_DATA`` (or the catalog's
``data_dir``) at the folder that holds the model folders.

Tasks: ``blackbox/hpobench/<model>_<task_id>``, ``multifidelity/hpobench/<model>_<task_id>`` (the
model's main fidelity, e.g. ``iter`` or ``n_estimators``; other fidelities at their maximum),
``multiobjective/...`` and ``momf/hpobench/<model>_<task_id>_cost`` (validation error vs training
cost). The objective is ``1 - val_scores[metric]`` averaged over the recorded seeds, as HPOBench's
``objective_function`` does with ``seed=None``. A requested fidelity is snapped down to the largest
recorded value not above it.
"""

from __future__ import annotations

import json
import re
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from carps.benchmarks.budget import default_budget
from carps.benchmarks.config_check import ConfigCheck, InvalidConfigError
from carps.benchmarks.data_dir import configured_data_dir, require_data_dir
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import CarpsError, UnknownNameError
from carps.core.task import Task
from carps.core.types import Fidelity, Objective, Result, TaskType

ENV_VAR = "CARPS_HPOBENCH_DATA"
SOURCE = "https://github.com/automl/HPOBench (TabularData: python -m hpobench.util.data_manager, or figshare 'HPOBench tabular data')"
MAIN_FIDELITIES = ("iter", "n_estimators", "epoch", "subsample")  # preferred order of the task's fidelity
_ID = re.compile(r"^(blackbox|multifidelity|multiobjective|momf)/hpobench/([a-z]+)_(\d+)(_cost)?$")


class HPOBenchTabular(BenchmarkFamily):
    """Every ``<model>/<task_id>`` table under the data folder; none when no folder is configured."""

    needs_download = True

    def __init__(self, data_dir: str | None = None, metric: str = "acc", types: Sequence[str] = tuple(t.value for t in TaskType)) -> None:
        super().__init__(data_dir=data_dir, metric=metric, types=types)
        self.data_dir = configured_data_dir(data_dir, ENV_VAR)
        self.metric = metric
        self.types = [TaskType(t) for t in types]

    def tables(self) -> list[tuple[str, str]]:
        """The (model, task_id) pairs present in the data folder."""
        if self.data_dir is None:
            return []
        root = require_data_dir(self.data_dir, ENV_VAR, "HPOBench tabular", SOURCE)
        found = []
        for path in sorted(root.glob("*/*/*_data.parquet.gzip")):
            model, task_id = path.parent.parent.name, path.parent.name
            if path.name == f"{model}_{task_id}_data.parquet.gzip":
                found.append((model, task_id))
        return found

    def task_ids(self) -> list[str]:
        ids = []
        for task_type in self.types:
            suffix = "_cost" if task_type.multi_objective else ""
            ids.extend(f"{task_type.value}/hpobench/{m}_{t}{suffix}" for m, t in self.tables())
        return ids

    def get_task(self, task_id: str) -> Task:
        match = _ID.match(task_id)
        if not match:
            raise UnknownNameError(f"'{task_id}' is not an HPOBench task id; they look like blackbox/hpobench/xgb_31 or momf/hpobench/rf_31_cost")
        task_type, model, openml_id, cost = TaskType(match.group(1)), match.group(2), match.group(3), bool(match.group(4))
        if cost != task_type.multi_objective:
            raise UnknownNameError(f"'{task_id}': the _cost suffix marks (and is needed by) multi-objective HPOBench tasks")
        root = require_data_dir(self.data_dir, ENV_VAR, "HPOBench tabular", SOURCE)
        return make_hpobench_task(root, model, openml_id, task_type, self.metric)


class Table:
    """One HPOBench table, indexed for O(1) lookups of (config, fidelity)."""

    def __init__(self, folder: Path, model: str, openml_id: str) -> None:
        import pandas as pd
        from ConfigSpace.read_and_write import json as cs_json

        stem = folder / model / openml_id / f"{model}_{openml_id}"
        data_path, meta_path = Path(f"{stem}_data.parquet.gzip"), Path(f"{stem}_metadata.json")
        if not data_path.is_file() or not meta_path.is_file():
            raise CarpsError(f"HPOBench table {model}/{openml_id} is incomplete: need {data_path.name} and {meta_path.name} in {data_path.parent}")
        self.metadata = json.loads(meta_path.read_text())
        spaces = self.metadata["config_spaces"]
        with warnings.catch_warnings():  # the files use ConfigSpace 0.4's field names, which 1.x still reads
            warnings.simplefilter("ignore")
            self.x_space = cs_json.read(spaces["x_discrete"] if isinstance(spaces["x_discrete"], str) else json.dumps(spaces["x_discrete"]))
            self.z_space = cs_json.read(spaces["z_discrete"] if isinstance(spaces["z_discrete"], str) else json.dumps(spaces["z_discrete"]))
        self.x_names = sorted(self.x_space.keys())
        self.z_names = sorted(self.z_space.keys())
        frame = pd.read_parquet(data_path)
        self.index: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        columns = [frame[n].tolist() for n in self.x_names + self.z_names]
        for key, result in zip(zip(*columns), frame["result"].tolist()):
            self.index.setdefault(tuple(_normal(v) for v in key), []).append(json.loads(result) if isinstance(result, str) else result)

    def fidelity_values(self, name: str) -> list[float]:
        hp = self.z_space[name]
        values = getattr(hp, "sequence", None) or [getattr(hp, "value", None)]
        return sorted(float(v) for v in values)

    def lookup(self, config: dict[str, Any], fidelities: dict[str, float]) -> list[dict[str, Any]]:
        key = tuple(_normal(config[n]) for n in self.x_names) + tuple(_normal(fidelities[n]) for n in self.z_names)
        rows = self.index.get(key)
        if rows is None:
            raise InvalidConfigError(f"HPOBench: no recorded result for {config} at {fidelities}")
        return rows


def _normal(value: Any) -> Any:
    """Table keys: numbers as float rounded to float32 precision (the grids are stored as float32)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(f"{float(value):.6g}")
    return value


@lru_cache(maxsize=16)
def load_table(folder: str, model: str, openml_id: str) -> Table:
    return Table(Path(folder), model, openml_id)


def make_hpobench_task(folder: Path, model: str, openml_id: str, task_type: TaskType, metric: str = "acc") -> Task:
    """One HPOBench tabular task (the table is read once per process)."""
    table = load_table(str(folder), model, openml_id)
    suffix = "_cost" if task_type.multi_objective else ""
    task_id = f"{task_type.value}/hpobench/{model}_{openml_id}{suffix}"
    varying = [n for n in table.z_names if len(table.fidelity_values(n)) > 1]
    main = next((n for n in MAIN_FIDELITIES if n in varying), varying[0] if varying else None)
    if task_type.multi_fidelity and main is None:
        raise UnknownNameError(f"{task_id}: the table has no varying fidelity")
    full = {n: table.fidelity_values(n)[-1] for n in table.z_names}
    fidelity = None
    if task_type.multi_fidelity:
        steps = table.fidelity_values(main)
        integer = all(float(v).is_integer() for v in steps)
        fidelity = Fidelity(main, steps[0], steps[-1], log=steps[-1] / max(steps[0], 1e-12) > 10, integer=integer)
    space = table.x_space
    check = ConfigCheck(space, task_id)
    objectives = [Objective("val_error", minimize=True, lower=0.0, upper=1.0)]
    if task_type.multi_objective:
        objectives.append(Objective("cost", minimize=True, lower=0.0))

    def function(config: dict[str, Any], fid: float | None, seed: int | None) -> Result:
        check(config)
        check.fidelity(fidelity, fid)
        at = dict(full)
        if fidelity is not None and fid is not None:
            at[main] = max(v for v in table.fidelity_values(main) if v <= float(fid) + 1e-9)
        rows = table.lookup(config, at)
        errors = [1.0 - r["info"]["val_scores"][metric] for r in rows]
        cost = sum(float(r["info"].get("model_cost", r.get("cost", 0.0))) for r in rows) / len(rows)
        values = [sum(errors) / len(errors)] + ([cost] if task_type.multi_objective else [])
        return Result(tuple(values), info={"fidelity_used": at, "n_seeds": len(rows), "test_error": sum(1.0 - r["info"]["test_scores"][metric] for r in rows) / len(rows)})

    return Task(
        id=task_id,
        type=task_type,
        space=space,
        objectives=tuple(objectives),
        function=function,
        fidelity=fidelity,
        budget=default_budget(len(space)),
        metadata={"model": model, "openml_task_id": openml_id, "global_min": table.metadata.get("global_min")},
    )
