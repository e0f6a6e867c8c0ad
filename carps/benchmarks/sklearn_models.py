"""Real machine learning: scikit-learn models on the datasets bundled with scikit-learn, scored by
cross-validation. Nothing is downloaded.

Task ids (``<model>_<dataset>`` plus suffixes):

- ``blackbox/sklearn/svm_digits``: minimize the 5-fold CV error (classification: 1 - accuracy;
  regression: RMSE). The "linear" model is L2 logistic regression (classification) or an elastic net
  (regression), regularized by ``alpha``.
- ``multifidelity/sklearn/svm_digits_trainsize``: fidelity ``trainsize`` in [0.1, 1], the fraction
  of each training fold used; ``multifidelity/sklearn/rf_digits_iterations``: fidelity
  ``iterations`` (trees, boosting rounds or epochs) for iterative models.
- ``multiobjective/sklearn/svm_digits_size`` / ``..._time``: CV error vs model size (stored
  numbers: tree nodes, weights, support vectors x features, ...) or vs fit time (seconds, measured).
- ``momf/sklearn/svm_digits_trainsize_size`` / ``..._trainsize_time``: both.

Splits and models are seeded with the trial's ``seed`` (0 if None), so everything but measured times
is deterministic. Models are fitted on one thread (BLAS/OpenMP limited through threadpoolctl); the
run loop's per-trial timeout interrupts a fit between Python-level steps (trees, stages, epochs,
folds). ``Result.info`` reports the real wall time, fit time and model size.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

from carps.benchmarks.budget import default_budget
from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Fidelity, Objective, Result, TaskType

DATASETS = {"iris": "classification", "wine": "classification", "breast_cancer": "classification", "digits": "classification", "diabetes": "regression"}
N_FOLDS = 5
TRAINSIZE = Fidelity("trainsize", 0.1, 1.0)
ITERATIONS = Fidelity("iterations", 4, 128, log=True, integer=True)
_ID = re.compile(r"^(blackbox|multifidelity|multiobjective|momf)/sklearn/([a-z]+)_([a-z_]+?)(?:_(trainsize|iterations))?(?:_(size|time))?$")


@dataclass(frozen=True)
class ModelSpec:
    """A model: its search space (``name -> (kind, range or choices, log)``), builder and size measure."""

    space: dict[str, tuple[str, Any, bool]]
    build: Callable[[dict[str, Any], bool, int], Any]  # (config, classification, seed) -> estimator
    iterations: str | None = None  # hyperparameter that is the iterations fidelity, if any
    regression_only: tuple[str, ...] = ()  # hyperparameters that classification models do not have


def _scaled(estimator: Any) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), estimator)


def _svm(c: dict[str, Any], classification: bool, seed: int) -> Any:
    from sklearn.svm import SVC, SVR

    if classification:
        return _scaled(SVC(C=c["C"], gamma=c["gamma"], kernel="rbf", random_state=seed))
    return _scaled(SVR(C=c["C"], gamma=c["gamma"], epsilon=c["epsilon"], kernel="rbf"))


def _forest(extra: bool) -> Callable[[dict[str, Any], bool, int], Any]:
    def build(c: dict[str, Any], classification: bool, seed: int) -> Any:
        from sklearn import ensemble

        name = ("ExtraTrees" if extra else "RandomForest") + ("Classifier" if classification else "Regressor")
        criterion = c["criterion"] if classification else {"gini": "squared_error", "entropy": "absolute_error"}[c["criterion"]]
        return getattr(ensemble, name)(
            n_estimators=c["n_estimators"], max_depth=c["max_depth"], min_samples_split=c["min_samples_split"],
            min_samples_leaf=c["min_samples_leaf"], max_features=c["max_features"], criterion=criterion, n_jobs=1, random_state=seed,
        )

    return build


def _gb(c: dict[str, Any], classification: bool, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
    return cls(
        max_iter=c["max_iter"], learning_rate=c["learning_rate"], max_leaf_nodes=c["max_leaf_nodes"], min_samples_leaf=c["min_samples_leaf"],
        l2_regularization=c["l2_regularization"], early_stopping=False, random_state=seed,
    )


def _mlp(c: dict[str, Any], classification: bool, seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if classification else MLPRegressor
    return _scaled(cls(
        hidden_layer_sizes=(c["units"],) * c["layers"], alpha=c["alpha"], learning_rate_init=c["learning_rate_init"],
        batch_size=c["batch_size"], max_iter=c["max_iter"], random_state=seed,
    ))


def _knn(c: dict[str, Any], classification: bool, seed: int) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsClassifier if classification else KNeighborsRegressor
    return _scaled(cls(n_neighbors=c["n_neighbors"], weights=c["weights"], p=c["p"]))


def _linear(c: dict[str, Any], classification: bool, seed: int) -> Any:
    from sklearn.linear_model import ElasticNet, LogisticRegression

    if classification:  # L2 logistic regression: lbfgs is 10x faster than elastic-net solvers here
        return _scaled(LogisticRegression(C=1.0 / c["alpha"], max_iter=200, random_state=seed))
    return _scaled(ElasticNet(alpha=c["alpha"], l1_ratio=c["l1_ratio"], max_iter=2000, random_state=seed))


def _tree(c: dict[str, Any], classification: bool, seed: int) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if classification:
        return DecisionTreeClassifier(max_depth=c["max_depth"], min_samples_split=c["min_samples_split"], min_samples_leaf=c["min_samples_leaf"],
                                      max_features=c["max_features"], criterion=c["criterion"], random_state=seed)
    criterion = {"gini": "squared_error", "entropy": "absolute_error"}[c["criterion"]]
    return DecisionTreeRegressor(max_depth=c["max_depth"], min_samples_split=c["min_samples_split"], min_samples_leaf=c["min_samples_leaf"],
                                 max_features=c["max_features"], criterion=criterion, random_state=seed)


def _adaboost(c: dict[str, Any], classification: bool, seed: int) -> Any:
    from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if classification:
        return AdaBoostClassifier(DecisionTreeClassifier(max_depth=c["max_depth"], random_state=seed), n_estimators=c["n_estimators"],
                                  learning_rate=c["learning_rate"], random_state=seed)
    return AdaBoostRegressor(DecisionTreeRegressor(max_depth=c["max_depth"], random_state=seed), n_estimators=c["n_estimators"],
                             learning_rate=c["learning_rate"], random_state=seed)


_FOREST_SPACE = {
    "n_estimators": ("int", (4, 128), True),
    "max_depth": ("int", (1, 30), False),
    "min_samples_split": ("int", (2, 20), False),
    "min_samples_leaf": ("int", (1, 20), False),
    "max_features": ("float", (0.05, 1.0), False),
    "criterion": ("cat", ["gini", "entropy"], False),
}

MODELS: dict[str, ModelSpec] = {
    "svm": ModelSpec({"C": ("float", (1e-2, 1e3), True), "gamma": ("float", (1e-4, 1e1), True), "epsilon": ("float", (1e-3, 1.0), True)}, _svm,
                     regression_only=("epsilon",)),
    "rf": ModelSpec(_FOREST_SPACE, _forest(False), iterations="n_estimators"),
    "et": ModelSpec(_FOREST_SPACE, _forest(True), iterations="n_estimators"),
    "gb": ModelSpec({
        "max_iter": ("int", (4, 128), True), "learning_rate": ("float", (1e-3, 1.0), True), "max_leaf_nodes": ("int", (2, 64), True),
        "min_samples_leaf": ("int", (1, 50), True), "l2_regularization": ("float", (1e-6, 10.0), True),
    }, _gb, iterations="max_iter"),
    "mlp": ModelSpec({
        "units": ("int", (8, 128), True), "layers": ("int", (1, 3), False), "alpha": ("float", (1e-6, 1e-1), True),
        "learning_rate_init": ("float", (1e-4, 1e-1), True), "batch_size": ("int", (16, 128), True), "max_iter": ("int", (4, 128), True),
    }, _mlp, iterations="max_iter"),
    "knn": ModelSpec({"n_neighbors": ("int", (1, 50), True), "weights": ("cat", ["uniform", "distance"], False), "p": ("int", (1, 2), False)}, _knn),
    "linear": ModelSpec({"alpha": ("float", (1e-6, 10.0), True), "l1_ratio": ("float", (0.0, 1.0), False)}, _linear, regression_only=("l1_ratio",)),
    "dt": ModelSpec({k: v for k, v in _FOREST_SPACE.items() if k != "n_estimators"}, _tree),
    "adaboost": ModelSpec({"n_estimators": ("int", (4, 128), True), "learning_rate": ("float", (1e-2, 2.0), True), "max_depth": ("int", (1, 5), False)},
                          _adaboost, iterations="n_estimators"),
}


def model_size(estimator: Any) -> float:
    """How many numbers a fitted model stores: tree nodes, network weights, support vectors x features, ..."""
    est = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if hasattr(est, "tree_"):
        return float(est.tree_.node_count)
    if hasattr(est, "estimators_") and not hasattr(est, "_predictors"):
        return float(sum(model_size(e) for e in est.estimators_))
    if hasattr(est, "_predictors"):  # histogram gradient boosting
        return float(sum(len(p.nodes) for stage in est._predictors for p in stage))
    if hasattr(est, "coefs_"):
        return float(sum(w.size for w in est.coefs_) + sum(b.size for b in est.intercepts_))
    if hasattr(est, "support_vectors_"):
        return float(est.support_vectors_.size)
    if hasattr(est, "_fit_X"):
        return float(est._fit_X.size)
    if hasattr(est, "coef_"):
        import numpy as np

        return float(np.count_nonzero(est.coef_) + np.size(getattr(est, "intercept_", 0)))
    raise TypeError(f"no size measure for {type(est).__name__}")


@lru_cache(maxsize=None)
def load_dataset(name: str) -> tuple[Any, Any, bool]:
    """``(X, y, is_classification)`` of a dataset bundled with scikit-learn."""
    require("sklearn", extra="sklearn")
    from sklearn import datasets

    if name not in DATASETS:
        raise UnknownNameError(f"unknown sklearn dataset '{name}'; bundled ones: {', '.join(DATASETS)}")
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return X, y, DATASETS[name] == "classification"


class SklearnModels(BenchmarkFamily):
    """``models`` x ``datasets`` for the task ``types`` of the catalog."""

    def __init__(self, models: Sequence[str] = tuple(MODELS), datasets: Sequence[str] = tuple(DATASETS), types: Sequence[str] = tuple(t.value for t in TaskType)) -> None:
        super().__init__(models=models, datasets=datasets, types=types)
        bad = (set(models) - set(MODELS)) | (set(datasets) - set(DATASETS))
        if bad:
            raise UnknownNameError(f"sklearn catalog names unknown models/datasets {sorted(bad)}; models: {', '.join(MODELS)}; datasets: {', '.join(DATASETS)}")
        self.models, self.datasets, self.types = list(models), list(datasets), [TaskType(t) for t in types]

    def task_ids(self) -> list[str]:
        ids = []
        for task_type in self.types:
            for model in self.models:
                for data in self.datasets:
                    base = f"{task_type.value}/sklearn/{model}_{data}"
                    fids = ["trainsize"] + (["iterations"] if MODELS[model].iterations and task_type is TaskType.MULTIFIDELITY else [])
                    if task_type is TaskType.BLACKBOX:
                        ids.append(base)
                    elif task_type is TaskType.MULTIFIDELITY:
                        ids.extend(f"{base}_{f}" for f in fids)
                    elif task_type is TaskType.MULTIOBJECTIVE:
                        ids.extend(f"{base}_{o}" for o in ("size", "time"))
                    else:
                        ids.extend(f"{base}_trainsize_{o}" for o in ("size", "time"))
        return ids

    def get_task(self, task_id: str) -> Task:
        match = _ID.match(task_id)
        if not match:
            raise UnknownNameError(f"'{task_id}' is not an sklearn task id; they look like blackbox/sklearn/svm_digits or momf/sklearn/rf_wine_trainsize_size")
        task_type, model, data, fid, second = match.groups()
        return make_sklearn_task(model, data, TaskType(task_type), fid, second)


def _space(model: ModelSpec, classification: bool, drop: str | None, task_id: str) -> Any:
    from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer

    space = ConfigurationSpace(name=task_id)
    for name, (kind, spec, log) in model.space.items():
        if name == drop or (classification and name in model.regression_only):
            continue
        if kind == "cat":
            space.add(Categorical(name, spec))
        elif kind == "int":
            space.add(Integer(name, spec, log=log))
        else:
            space.add(Float(name, spec, log=log))
    return space


def make_sklearn_task(model_name: str, dataset: str, task_type: TaskType, fidelity_kind: str | None = None, second: str | None = None) -> Task:
    """One sklearn task; ``fidelity_kind`` is ``trainsize``/``iterations``, ``second`` the second objective ``size``/``time``."""
    task_id = f"{task_type.value}/sklearn/{model_name}_{dataset}" + (f"_{fidelity_kind}" if fidelity_kind else "") + (f"_{second}" if second else "")
    model = MODELS.get(model_name)
    ok = model is not None and dataset in DATASETS
    ok = ok and (fidelity_kind is not None) == task_type.multi_fidelity and (second is not None) == task_type.multi_objective
    ok = ok and not (fidelity_kind == "iterations" and (model is None or model.iterations is None))
    if not ok:
        raise UnknownNameError(f"unknown sklearn task '{task_id}'; models: {', '.join(MODELS)}; datasets: {', '.join(DATASETS)}")
    assert model is not None
    classification = DATASETS[dataset] == "classification"
    fidelity = TRAINSIZE if fidelity_kind == "trainsize" else ITERATIONS if fidelity_kind == "iterations" else None
    space = _space(model, classification, model.iterations if fidelity_kind == "iterations" else None, task_id)
    check = ConfigCheck(space, task_id)
    score = Objective("error" if classification else "rmse", minimize=True, lower=0.0, upper=1.0 if classification else None)
    objectives = (score,) if second is None else (score, Objective("model_size" if second == "size" else "fit_time", minimize=True, lower=0.0))

    def function(config: dict[str, Any], fid: float | None, seed: int | None) -> Result:
        check(config)
        check.fidelity(fidelity, fid)
        params = dict(config)
        trainsize = 1.0
        if fidelity_kind == "iterations":
            params[model.iterations] = int(round(fid if fid is not None else ITERATIONS.high))
        elif fidelity_kind == "trainsize":
            trainsize = float(fid if fid is not None else TRAINSIZE.high)
        elif model.iterations and model.iterations not in params:
            params[model.iterations] = int(ITERATIONS.high)
        cv = cross_validate(model, params, dataset, trainsize, 0 if seed is None else int(seed))
        values = [cv["error"]]
        if second is not None:
            values.append(cv["model_size"] if second == "size" else cv["fit_time"])
        return Result(tuple(values), info=cv)

    return Task(
        id=task_id,
        type=task_type,
        space=space,
        objectives=objectives,
        function=function,
        fidelity=fidelity,
        budget=default_budget(len(space)),
        metadata={"model": model_name, "dataset": dataset, "n_folds": N_FOLDS, "measured_objectives": ["fit_time"] if second == "time" else []},
    )


def cross_validate(model: ModelSpec, params: dict[str, Any], dataset: str, trainsize: float, seed: int) -> dict[str, float]:
    """Mean CV error (1 - accuracy, or RMSE), model size and fit time over ``N_FOLDS`` seeded folds."""
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import KFold, StratifiedKFold
    from threadpoolctl import threadpool_limits

    X, y, classification = load_dataset(dataset)
    splitter = (StratifiedKFold if classification else KFold)(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    rng = np.random.default_rng(seed)
    errors, sizes, fit_times = [], [], []
    t_start = time.perf_counter()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for train, test in splitter.split(X, y):
            if trainsize < 1.0:
                keep = max(int(math.ceil(trainsize * len(train))), 10)
                train = rng.permutation(train)[:keep]
                if classification:  # every class must be seen at least once
                    missing = np.setdiff1d(np.unique(y), np.unique(y[train]))
                    train = np.concatenate([train, [np.flatnonzero(y == c)[0] for c in missing]]).astype(int)
            p = dict(params)
            for key in ("n_neighbors", "batch_size"):  # cannot exceed the (sub-sampled) training fold
                if key in p:
                    p[key] = min(p[key], len(train))
            estimator = model.build(p, classification, seed)
            t0 = time.perf_counter()
            estimator.fit(X[train], y[train])
            fit_times.append(time.perf_counter() - t0)
            pred = estimator.predict(X[test])
            errors.append(float(np.mean(pred != y[test])) if classification else float(np.sqrt(np.mean((pred - y[test]) ** 2))))
            sizes.append(model_size(estimator))
    return {
        "error": float(np.mean(errors)),
        "model_size": float(np.mean(sizes)),
        "fit_time": float(np.mean(fit_times)),
        "wall_time": time.perf_counter() - t_start,
    }
