"""HPO-B (Pineda Arango et al. 2021) read from its meta-dataset JSON files.

HPO-B's ``meta-test-dataset.json`` (and ``meta-train-``/``meta-validation-``) maps
``search_space_id -> dataset_id -> {"X": [[...]], "y": [[...]]}``: recorded evaluations of a model
family on an OpenML dataset, with ``X`` scaled to [0, 1] and ``y`` the accuracy (maximized). Point
``CARPS_HPOB_DATA`` (or the catalog's ``data_dir``) at the folder holding those files
(``hpob-data`` of the HPO-B repository).

Tasks ``blackbox/hpob/<search_space>_<dataset>`` have the space ``x0..x{d-1}`` in [0, 1]; a
configuration is answered with the recorded accuracy of its nearest recorded point (Euclidean), so
every answer is a real evaluation. ``Result.info`` names the index of that point and its distance.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Sequence

from carps.benchmarks.budget import default_budget
from carps.benchmarks.config_check import ConfigCheck
from carps.benchmarks.data_dir import configured_data_dir, require_data_dir
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import CarpsError, UnknownNameError
from carps.core.task import Task
from carps.core.types import Objective, Result, TaskType

ENV_VAR = "CARPS_HPOB_DATA"
SOURCE = "https://github.com/releaunifreiburg/HPO-B (hpob-data.zip, linked from its README)"
SPLITS = {"test": "meta-test-dataset.json", "validation": "meta-validation-dataset.json", "train": "meta-train-dataset.json"}
_ID = re.compile(r"^blackbox/hpob/(\d+)_(\d+)$")


@lru_cache(maxsize=4)
def load_meta_dataset(path: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The parsed meta-dataset file (read once per process)."""
    with open(path) as fh:
        return json.load(fh)


class HPOB(BenchmarkFamily):
    """The (search space, dataset) pairs of one HPO-B split; none when no data folder is configured."""

    needs_download = True

    def __init__(self, data_dir: str | None = None, split: str = "test", search_spaces: Sequence[str] | None = None) -> None:
        super().__init__(data_dir=data_dir, split=split, search_spaces=search_spaces)
        if split not in SPLITS:
            raise CarpsError(f"hpob split '{split}' is unknown; choose one of {', '.join(SPLITS)}")
        self.data_dir = configured_data_dir(data_dir, ENV_VAR)
        self.split = split
        self.search_spaces = [str(s) for s in search_spaces] if search_spaces else None

    def meta_dataset(self) -> dict[str, dict[str, dict[str, Any]]]:
        root = require_data_dir(self.data_dir, ENV_VAR, "HPO-B", SOURCE)
        path = root / SPLITS[self.split]
        if not path.is_file():
            raise CarpsError(f"HPO-B file {path} is missing; download hpob-data from {SOURCE}")
        return load_meta_dataset(str(path))

    def task_ids(self) -> list[str]:
        if self.data_dir is None:
            return []
        data = self.meta_dataset()
        spaces = self.search_spaces or sorted(data, key=int)
        return [f"blackbox/hpob/{s}_{d}" for s in spaces if s in data for d in sorted(data[s], key=int)]

    def get_task(self, task_id: str) -> Task:
        match = _ID.match(task_id)
        if not match:
            raise UnknownNameError(f"'{task_id}' is not an HPO-B task id; they look like blackbox/hpob/5971_10093")
        space_id, dataset_id = match.groups()
        data = self.meta_dataset()
        if space_id not in data or dataset_id not in data[space_id]:
            raise UnknownNameError(f"{task_id}: search space {space_id} / dataset {dataset_id} is not in HPO-B's {SPLITS[self.split]}")
        return make_hpob_task(space_id, dataset_id, data[space_id][dataset_id])


def make_hpob_task(space_id: str, dataset_id: str, entry: dict[str, Any]) -> Task:
    """A nearest-recorded-point task over one HPO-B (search space, dataset) pair."""
    import numpy as np
    from ConfigSpace import ConfigurationSpace, Float

    task_id = f"blackbox/hpob/{space_id}_{dataset_id}"
    X = np.asarray(entry["X"], dtype=float)
    y = np.asarray(entry["y"], dtype=float).reshape(-1)
    if X.ndim != 2 or len(X) != len(y) or len(y) == 0:
        raise CarpsError(f"{task_id}: malformed HPO-B entry (X {X.shape}, y {y.shape})")
    dim = X.shape[1]
    names = [f"x{j}" for j in range(dim)]
    space = ConfigurationSpace({n: Float(n, (0.0, 1.0)) for n in names})
    check = ConfigCheck(space, task_id)

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Any, seed: int | None) -> list[Result]:
        for config in configs:
            check(config)
        q = np.array([[c[n] for n in names] for c in configs], dtype=float).reshape(len(configs), dim)
        d2 = ((q[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
        nearest = d2.argmin(axis=1)
        return [Result((float(y[i]),), info={"index": int(i), "distance": float(np.sqrt(d2[k, i]))}) for k, i in enumerate(nearest)]

    def function(config: dict[str, Any], fidelity: float | None, seed: int | None) -> Result:
        return batch_function([config], [fidelity], seed)[0]

    return Task(
        id=task_id,
        type=TaskType.BLACKBOX,
        space=space,
        objectives=(Objective("accuracy", minimize=False, lower=float(y.min()), upper=float(y.max())),),
        function=function,
        batch_function=batch_function,
        budget=default_budget(dim),
        metadata={"search_space": space_id, "dataset": dataset_id, "n_recorded": int(len(y)), "best_recorded": float(y.max())},
    )
