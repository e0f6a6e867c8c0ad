"""YAHPO Gym surrogates (ONNX) as tasks of all four types, without the ``yahpo_gym`` package.

The data folder (yahpo_data 1.0.x, Apache-2.0) holds per scenario ``model.onnx``,
``config_space.json`` and ``encoding.json``. This module rebuilds what ``yahpo_gym`` adds on top:
the input order of the surrogate (continuous and categorical columns), the output names and their
directions, and which hyperparameters are the instance and the fidelity.

The data folder is, in this order: the ``data_dir`` catalog parameter, the ``CARPS_YAHPO_DATA``
environment variable, or the copy that ``carps data fetch yahpo`` downloaded, verified and unpacked
into the user's cache folder (``~/.cache/carps/yahpo/1.0.2`` on Linux; ``CARPS_CACHE_DIR`` moves it).
Without any of them, building a task fails with one line naming ``carps data fetch yahpo``, and
``carps run`` refuses yahpo tasks before running anything (:meth:`YAHPO.missing_data`).

Task ids: ``blackbox/yahpo/<scenario>_<instance>``, ``multifidelity/yahpo/<scenario>_<instance>``,
``multiobjective/yahpo/<scenario>_<instance>_<pair>`` and ``momf/yahpo/<scenario>_<instance>_<pair>``.

>>> from carps.benchmarks import get_task
>>> task = get_task("multifidelity/yahpo/lcbench_167149")
>>> task.fidelity
Fidelity(name='epoch', low=1, high=52, log=False, integer=True)
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from carps.benchmarks.budget import default_budget
from carps.benchmarks.config_check import ConfigCheck
from carps.benchmarks.data_store import DATASETS, MissingDataError, locate
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import CarpsError, UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Fidelity, Objective, Result, TaskType

DATASET = DATASETS["yahpo"]
ENV_VAR = DATASET.env_var  # CARPS_YAHPO_DATA
DATA_URL = "https://github.com/slds-lmu/yahpo_data (release v1.0.2)"
FETCH = "carps data fetch yahpo"


@dataclass(frozen=True)
class ScenarioSpec:
    """What ``yahpo_gym`` knows about a scenario beyond its data folder.

    ``cont_names``/``cat_names`` are the column orders of the surrogate's ``x_cont``/``x_cat``
    inputs; ``outputs`` the columns of its output with ``True`` for minimized metrics.
    """

    cont_names: tuple[str, ...]
    cat_names: tuple[str, ...]
    outputs: dict[str, bool]
    instance: str
    fidelity: str
    fixed: dict[str, float]  # further fidelity hyperparameters, held at their maximum
    target: str  # the single objective of blackbox / multifidelity tasks
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)  # multi-objective tasks


_RBV2_OUT = {"acc": False, "bac": False, "auc": False, "brier": True, "f1": False, "logloss": True, "timetrain": True, "timepredict": True, "memory": True}

SCENARIOS: dict[str, ScenarioSpec] = {
    "lcbench": ScenarioSpec(
        cont_names=("epoch", "batch_size", "learning_rate", "momentum", "weight_decay", "num_layers", "max_units", "max_dropout"),
        cat_names=("OpenML_task_id",),
        outputs={"time": True, "val_accuracy": False, "val_cross_entropy": True, "val_balanced_accuracy": False, "test_cross_entropy": True, "test_balanced_accuracy": False},
        instance="OpenML_task_id",
        fidelity="epoch",
        fixed={},
        target="val_accuracy",
        pairs={"acc-ce": ("val_accuracy", "val_cross_entropy"), "acc-time": ("val_accuracy", "time")},
    ),
    "rbv2_xgboost": ScenarioSpec(
        cont_names=("nrounds", "eta", "gamma", "lambda", "alpha", "subsample", "max_depth", "min_child_weight", "colsample_bytree", "colsample_bylevel", "rate_drop", "skip_drop", "trainsize", "repl"),
        cat_names=("task_id", "booster", "num.impute.selected.cpo"),
        outputs=_RBV2_OUT,
        instance="task_id",
        fidelity="trainsize",
        fixed={"repl": 10},
        target="acc",
        pairs={"acc-memory": ("acc", "memory"), "acc-timetrain": ("acc", "timetrain"), "auc-timepredict": ("auc", "timepredict")},
    ),
    "rbv2_rpart": ScenarioSpec(
        cont_names=("cp", "maxdepth", "minbucket", "minsplit", "trainsize", "repl"),
        cat_names=("task_id", "num.impute.selected.cpo"),
        outputs=_RBV2_OUT,
        instance="task_id",
        fidelity="trainsize",
        fixed={"repl": 10},
        target="acc",
        pairs={"acc-memory": ("acc", "memory"), "acc-timetrain": ("acc", "timetrain"), "auc-timepredict": ("auc", "timepredict")},
    ),
    "iaml_glmnet": ScenarioSpec(
        cont_names=("alpha", "s", "trainsize"),
        cat_names=("task_id",),
        outputs={"mmce": True, "f1": False, "auc": False, "logloss": True, "ramtrain": True, "rammodel": True, "rampredict": True, "timetrain": True, "timepredict": True, "mec": True, "ias": True, "nf": True},
        instance="task_id",
        fidelity="trainsize",
        fixed={},
        target="mmce",
        pairs={"mmce-nf": ("mmce", "nf"), "mmce-ias": ("mmce", "ias"), "mmce-timetrain": ("mmce", "timetrain")},
    ),
}

#: the surrogate's own runtime output of each scenario (seconds), the clock of parallel runs
RUNTIME_METRIC = {"lcbench": "time", "rbv2_xgboost": "timetrain", "rbv2_rpart": "timetrain", "iaml_glmnet": "timetrain"}


def _runtime_of(scenario_name: str) -> Any:
    metric = RUNTIME_METRIC.get(scenario_name)
    if metric is None:
        return None
    return lambda config, fidelity, info: info["metrics"][metric]


_ID = re.compile(r"^(blackbox|multifidelity|multiobjective|momf)/yahpo/(.+)$")


def yahpo_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The YAHPO data folder: ``data_dir``, else ``$CARPS_YAHPO_DATA``, else the fetched copy in the cache."""
    # the environment variable and the cache are looked up where `carps data status` looks them up
    found = (Path(data_dir).expanduser(), "the catalog's data_dir") if data_dir else locate(DATASET)
    if found is None:
        raise MissingDataError(f"the YAHPO surrogate data is not installed: run `{FETCH}` (or set {ENV_VAR}=/path/to/yahpo_data)")
    path, origin = found
    if origin != "cache" and not (path / "lcbench").is_dir() and not any(path.glob("*/model.onnx")):
        raise MissingDataError(f"YAHPO data folder {path} (from {origin}) has no scenario folders; point {origin} at a yahpo_data {DATASET.version} folder, or unset it and run `{FETCH}`")
    return path


class Scenario:
    """One YAHPO scenario: its search space description, encodings and ONNX surrogate.

    ``predict`` maps full configurations (instance and fidelity included) to all outputs. A batch of
    one reproduces ``yahpo_gym`` exactly; larger batches run the network as one matrix product,
    whose float32 rounding differs from row-by-row evaluation by up to ~1e-4 relative.
    """

    def __init__(self, name: str, folder: Path) -> None:
        if name not in SCENARIOS:
            raise UnknownNameError(f"unknown YAHPO scenario '{name}'; supported: {', '.join(SCENARIOS)}")
        self.name = name
        self.spec = SCENARIOS[name]
        self.folder = folder / name
        if not (self.folder / "model.onnx").is_file():
            raise CarpsError(f"{self.folder} has no model.onnx: the YAHPO data folder is incomplete; run `{FETCH}` (or point {ENV_VAR} at a complete copy from {DATA_URL})")
        self.space_json = json.loads((self.folder / "config_space.json").read_text())
        self.encoding: dict[str, dict[str, int]] = json.loads((self.folder / "encoding.json").read_text())
        self._session: Any = None
        self._lock = threading.Lock()

    @property
    def hyperparameters(self) -> list[dict[str, Any]]:
        return self.space_json["hyperparameters"]

    def instances(self) -> list[str]:
        hp = next(h for h in self.hyperparameters if h["name"] == self.spec.instance)
        return [str(c) for c in hp["choices"]]

    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                ort = require("onnxruntime", extra="yahpo")
                options = ort.SessionOptions()
                # one thread per run: the launcher parallelizes over runs, not inside a surrogate call
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                self._session = ort.InferenceSession(str(self.folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
            return self._session

    def encode(self, configs: Sequence[dict[str, Any]]) -> tuple[Any, Any]:
        """The surrogate's ``x_cont`` (float32) and ``x_cat`` (int32) arrays; inactive values are 0 / ``#na#``."""
        import numpy as np

        cont = np.array([[float(c.get(n, 0.0)) for n in self.spec.cont_names] for c in configs], dtype=np.float32).reshape(len(configs), -1)
        try:
            cat = np.array([[self.encoding[n][str(c.get(n, "#na#"))] for n in self.spec.cat_names] for c in configs], dtype=np.int32).reshape(len(configs), -1)
        except KeyError as exc:
            raise CarpsError(f"YAHPO {self.name}: value {exc} of a categorical hyperparameter is not in encoding.json") from None
        return cont, cat

    def predict(self, configs: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
        """All surrogate outputs for full configurations (instance and fidelities included)."""
        cont, cat = self.encode(configs)
        out = self.session().run(None, {"x_cat": cat, "x_cont": cont})[0]
        names = list(self.spec.outputs)
        return [dict(zip(names, map(float, row))) for row in out]


@lru_cache(maxsize=None)
def load_scenario(name: str, folder: str) -> Scenario:
    """The scenario, loaded once per process (the ONNX session itself is created on first use)."""
    return Scenario(name, Path(folder))


class YAHPO(BenchmarkFamily):
    """YAHPO surrogates; ``scenarios`` maps a scenario to the instances (OpenML task ids) to offer.

    Instance lists live in the catalog so ``task_ids`` needs no data; ``get_task`` checks them
    against the data folder.
    """

    needs_download = True

    def __init__(self, scenarios: dict[str, list[str]], data_dir: str | None = None, types: Sequence[str] = tuple(t.value for t in TaskType)) -> None:
        super().__init__(scenarios=scenarios, data_dir=data_dir, types=types)
        unknown = set(scenarios) - set(SCENARIOS)
        if unknown:
            raise CarpsError(f"yahpo catalog names unknown scenarios {sorted(unknown)}; supported: {', '.join(SCENARIOS)}")
        self.scenarios = {s: [str(i) for i in inst] for s, inst in scenarios.items()}
        self.data_dir = data_dir
        self.types = [TaskType(t) for t in types]

    def task_ids(self) -> list[str]:
        ids = []
        for task_type in self.types:
            for scenario, instances in self.scenarios.items():
                spec = SCENARIOS[scenario]
                for instance in instances:
                    if task_type.multi_objective:
                        ids.extend(f"{task_type.value}/yahpo/{scenario}_{instance}_{pair}" for pair in spec.pairs)
                    else:
                        ids.append(f"{task_type.value}/yahpo/{scenario}_{instance}")
        return ids

    def missing_data(self) -> str | None:
        """None when the data folder is found, else the one-line reason and fix (no model is loaded)."""
        try:
            yahpo_data_dir(self.data_dir)
        except CarpsError as exc:
            return str(exc)
        return None

    def get_task(self, task_id: str) -> Task:
        match = _ID.match(task_id)
        if not match:
            raise UnknownNameError(f"'{task_id}' is not a YAHPO task id; they look like blackbox/yahpo/lcbench_3945 or momf/yahpo/rbv2_rpart_375_acc-memory")
        task_type, name = TaskType(match.group(1)), match.group(2)
        scenario = next((s for s in SCENARIOS if name.startswith(s + "_")), None)
        if scenario is None:
            raise UnknownNameError(f"'{task_id}': unknown YAHPO scenario; supported: {', '.join(SCENARIOS)}")
        rest = name[len(scenario) + 1:]
        instance, _, pair = rest.partition("_")
        return make_yahpo_task(scenario, instance, task_type, pair or None, self.data_dir)


def _space(scenario: Scenario, task_id: str) -> Any:
    """The task's search space: the scenario's space without the instance and fidelity hyperparameters."""
    from ConfigSpace import Categorical, ConfigurationSpace, EqualsCondition, Float, InCondition, Integer

    spec = scenario.spec
    dropped = {spec.instance, spec.fidelity, *spec.fixed}
    space = ConfigurationSpace(name=task_id)
    for hp in scenario.hyperparameters:
        if hp["name"] in dropped:
            continue
        kind = hp["type"]
        if kind == "categorical":
            space.add(Categorical(hp["name"], hp["choices"], default=hp.get("default")))
        elif kind == "uniform_int":
            space.add(Integer(hp["name"], (int(hp["lower"]), int(hp["upper"])), log=hp["log"], default=int(hp["default"])))
        elif kind == "uniform_float":
            space.add(Float(hp["name"], (float(hp["lower"]), float(hp["upper"])), log=hp["log"], default=float(hp["default"])))
        else:
            raise CarpsError(f"YAHPO {scenario.name}: hyperparameter type '{kind}' in config_space.json is not supported")
    for cond in scenario.space_json.get("conditions", []):
        child, parent = space[cond["child"]], space[cond["parent"]]
        if cond["type"] == "IN":
            space.add(InCondition(child, parent, cond["values"]))
        elif cond["type"] == "EQ":
            space.add(EqualsCondition(child, parent, cond["value"]))
        else:
            raise CarpsError(f"YAHPO {scenario.name}: condition type '{cond['type']}' is not supported")
    return space


def _fidelity(scenario: Scenario) -> Fidelity:
    hp = next(h for h in scenario.hyperparameters if h["name"] == scenario.spec.fidelity)
    integer = hp["type"] == "uniform_int"
    cast = int if integer else float
    return Fidelity(hp["name"], cast(hp["lower"]), cast(hp["upper"]), log=bool(hp["log"]), integer=integer)


@lru_cache(maxsize=1)
def _target_statistics(folder: str) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Per (scenario, instance, metric): the (min, max) over the surrogate's training data."""
    import csv

    path = Path(folder) / "global_statistics" / "instance_target_statistics.csv"
    stats: dict[tuple[str, str, str], list[float]] = {}
    if path.is_file():
        with open(path) as fh:
            for row in csv.DictReader(fh):
                entry = stats.setdefault((row["scenario"], row["instance"], row["metric"]), [float("nan"), float("nan")])
                entry[0 if row["statistic"] == "min" else 1] = float(row["value"])
    return {k: (v[0], v[1]) for k, v in stats.items()}


def make_yahpo_task(scenario_name: str, instance: str, task_type: TaskType, pair: str | None = None, data_dir: str | None = None) -> Task:
    """Build one YAHPO task (the surrogate itself is loaded on the first evaluation)."""
    folder = yahpo_data_dir(data_dir)
    scenario = load_scenario(scenario_name, str(folder))
    spec = scenario.spec
    suffix = f"_{pair}" if task_type.multi_objective else ""
    task_id = f"{task_type.value}/yahpo/{scenario_name}_{instance}{suffix}"
    if instance not in scenario.instances():
        raise UnknownNameError(f"{task_id}: instance '{instance}' is not in YAHPO {scenario_name} (see {scenario.folder / 'config_space.json'})")
    if task_type.multi_objective:
        if pair not in spec.pairs:
            raise UnknownNameError(f"{task_id}: unknown objective pair '{pair}'; {scenario_name} offers {', '.join(spec.pairs)}")
        names: tuple[str, ...] = spec.pairs[pair]
    else:
        names = (spec.target,)
    stats = _target_statistics(str(folder))
    objectives = tuple(Objective(n, minimize=spec.outputs[n]) for n in names)
    fidelity_full = _fidelity(scenario)
    fidelity = fidelity_full if task_type.multi_fidelity else None
    space = _space(scenario, task_id)
    check = ConfigCheck(space, task_id)
    fixed = {spec.instance: instance, **spec.fixed}

    def full(config: dict[str, Any], fid: float | None) -> dict[str, Any]:
        check(config)
        check.fidelity(fidelity, fid)
        value = fidelity_full.high if fid is None else fid
        return {**config, **fixed, spec.fidelity: int(round(value)) if fidelity_full.integer else float(value)}

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Sequence[float | None], seed: int | None) -> list[Result]:
        outputs = scenario.predict([full(c, f) for c, f in zip(configs, fidelities)])
        return [Result(tuple(out[n] for n in names), info={"metrics": out}) for out in outputs]


    return Task(
        id=task_id,
        type=task_type,
        space=space,
        objectives=objectives,
        batch_function=batch_function,
        fidelity=fidelity,
        budget=default_budget(len(space)),
        runtime=_runtime_of(scenario_name),
        metadata={
            "scenario": scenario_name,
            "instance": instance,
            "surrogate": "yahpo_gym onnx",
            "objective_range": {n: stats.get((scenario_name, instance, n)) for n in names},
        },
    )
