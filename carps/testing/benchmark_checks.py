"""The benchmark conformance kit: run a family (or single tasks) through the checks every adapter must pass.

>>> from carps.testing import check_benchmark
>>> report = check_benchmark("multifidelity/mfsynth/branin_d2_s100")
>>> report.ok, len(report.passed) > 5
(True, True)

Checks per task:

- ``id``: ``<type>/<family>/<name>`` with the task's own type.
- ``objectives``: at least one, unique names, as many as the type asks, ``lower <= upper``.
- ``fidelity``: present exactly on multi-fidelity types, ``0 < low <= high``; a budget above zero.
- ``space_round_trip``: sampled configs and the default survive dict -> Configuration -> dict.
- ``evaluate``: every objective is a finite float, at the lowest and highest fidelity too.
- ``determinism``: the same config and seed give the same values (objectives the task lists in
  ``metadata["measured_objectives"]``, such as fit times, or in ``metadata["noisy_objectives"]``,
  whose every evaluation is a new draw, are exempt).
- ``constraints``: a constrained task returns one finite float per constraint, with unique names;
  an unconstrained one returns none.
- ``bounds``: full-fidelity values lie within the objectives' declared ``lower``/``upper`` (on a
  constrained task, the values of feasible results: bounds hold over the feasible region).
- ``corners``: configurations at the edges of the space evaluate to finite values.
- ``batch``: ``evaluate_batch`` agrees with ``evaluate`` (relative 1e-3: batched surrogates round differently).
- ``out_of_space``: a value beyond a bound, a wrong category, an unknown name and an out-of-range
  fidelity each raise an error (``ValueError`` or ``CarpsError``) that names the culprit.

Per family: ids unique and well formed, ``task_ids()`` cheap (under ``max_list_seconds``).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import CarpsError
from carps.core.space import configuration_to_dict, sample_dicts, seeded_copy, to_configuration
from carps.core.task import Task
from carps.core.types import TaskType


class BenchmarkCheckError(AssertionError):
    """At least one conformance check failed; the message lists every failure."""


@dataclass
class CheckReport:
    """Outcome of :func:`check_benchmark`: passed checks as ``(task_id, check)``, failures with reasons."""

    passed: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        lines = [f"{len(self.tasks)} task(s), {len(self.passed)} checks passed, {len(self.failed)} failed"]
        lines += [f"  FAIL {task} [{check}]: {why}" for task, check, why in self.failed]
        return "\n".join(lines)


def check_benchmark(
    target: BenchmarkFamily | Task | str | Sequence[Task],
    *,
    tasks_per_type: int = 2,
    task_ids: Iterable[str] | None = None,
    n_configs: int = 3,
    seed: int = 0,
    max_list_seconds: float = 2.0,
    raise_on_failure: bool = True,
) -> CheckReport:
    """Check a benchmark family, a task, a task id, a family name, or a list of tasks.

    For a family, ``tasks_per_type`` tasks of each task type are drawn (seeded) unless ``task_ids``
    names the ones to check. Raises :class:`BenchmarkCheckError` listing every failure unless
    ``raise_on_failure`` is False.
    """
    report = CheckReport()
    family, tasks = _resolve(target, report, tasks_per_type, task_ids, seed, max_list_seconds)
    for task in tasks:
        report.tasks.append(task.id)
        for name, check in _TASK_CHECKS:
            try:
                check(task, n_configs, seed)
            except Exception as exc:  # a check fails in any way: record it and go on
                report.failed.append((task.id, name, f"{type(exc).__name__}: {exc}"))
            else:
                report.passed.append((task.id, name))
    if raise_on_failure and report.failed:
        raise BenchmarkCheckError(report.summary())
    return report


# --- choosing tasks ----------------------------------------------------------------------------


def _resolve(target: Any, report: CheckReport, per_type: int, task_ids: Iterable[str] | None, seed: int, max_list_seconds: float) -> tuple[Any, list[Task]]:
    if isinstance(target, Task):
        return None, [target]
    if isinstance(target, (list, tuple)):
        return None, list(target)
    if isinstance(target, str):
        from carps.core.registry import get_registry

        registry = get_registry()
        if target in registry.benchmarks:
            target = registry.benchmarks[target].benchmark
        else:
            return None, [registry.get_task(target)]
    if not isinstance(target, BenchmarkFamily):
        raise TypeError(f"check_benchmark takes a BenchmarkFamily, a Task, a task id or a family name, not {type(target).__name__}")
    ids = _check_family_ids(target, report, max_list_seconds)
    chosen = list(task_ids) if task_ids is not None else _sample_ids(ids, per_type, seed)
    return target, [target.get_task(i) for i in chosen]


def _check_family_ids(family: BenchmarkFamily, report: CheckReport, max_list_seconds: float) -> list[str]:
    name = f"family:{family.family or type(family).__name__}"
    t0 = time.perf_counter()
    ids = family.task_ids()
    elapsed = time.perf_counter() - t0
    problems = []
    if elapsed > max_list_seconds:
        problems.append(f"task_ids() took {elapsed:.2f} s (limit {max_list_seconds} s): it must not load models or data")
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} duplicate task ids")
    types = {t.value for t in TaskType}
    bad = [i for i in ids if len(i.split("/")) != 3 or i.split("/")[0] not in types or (family.family and i.split("/")[1] != family.family)]
    if bad:
        problems.append(f"{len(bad)} ids are not <type>/{family.family or '<family>'}/<name>, e.g. {bad[0]}")
    if problems:
        report.failed.extend((name, "task_ids", p) for p in problems)
    else:
        report.passed.append((name, "task_ids"))
    return ids


def _sample_ids(ids: list[str], per_type: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    chosen = []
    for task_type in TaskType:
        of_type = [i for i in ids if i.startswith(task_type.value + "/")]
        chosen += rng.sample(of_type, min(per_type, len(of_type)))
    return chosen


# --- the checks ---------------------------------------------------------------------------------


def _configs(task: Task, n: int, seed: int) -> list[dict[str, Any]]:
    return sample_dicts(seeded_copy(task.space, seed), n)


def _fidelities(task: Task) -> list[float | None]:
    return [None] if task.fidelity is None else [task.fidelity.low, task.fidelity.high]


def _measured(task: Task) -> set[int]:
    names = set(task.metadata.get("measured_objectives", ())) | set(task.metadata.get("noisy_objectives", ()))
    return {k for k, o in enumerate(task.objectives) if o.name in names}


def _check_id(task: Task, n: int, seed: int) -> None:
    parts = task.id.split("/")
    assert len(parts) == 3 and all(parts), f"id '{task.id}' is not <type>/<family>/<name>"
    assert parts[0] == task.type.value, f"id starts with '{parts[0]}' but the task type is {task.type.value}"


def _check_objectives(task: Task, n: int, seed: int) -> None:
    names = task.objective_names
    assert names and len(set(names)) == len(names), f"objective names must be unique and non-empty: {names}"
    assert task.type.multi_objective == (len(names) > 1), f"{len(names)} objective(s) for type {task.type.value}"
    for o in task.objectives:
        if o.lower is not None and o.upper is not None:
            assert o.lower <= o.upper, f"objective {o.name}: lower {o.lower} > upper {o.upper}"


def _check_fidelity(task: Task, n: int, seed: int) -> None:
    f = task.fidelity
    assert (f is not None) == task.type.multi_fidelity, f"fidelity {f} does not fit type {task.type.value}"
    if f is not None:
        assert 0 < f.low <= f.high, f"fidelity bounds [{f.low}, {f.high}] must satisfy 0 < low <= high"
        assert math.isclose(f.cost(f.high), 1.0), "a full-fidelity trial must cost 1"
    assert task.budget.n_trials > 0, "the default budget must allow at least one trial"


def _check_round_trip(task: Task, n: int, seed: int) -> None:
    configs = _configs(task, n, seed) + [configuration_to_dict(task.space.get_default_configuration())]
    for config in configs:
        back = configuration_to_dict(to_configuration(task.space, config))
        assert back.keys() == config.keys(), f"round trip changed the keys: {sorted(config)} -> {sorted(back)}"
        for key, value in config.items():
            same = value == back[key] or (isinstance(value, float) and math.isclose(value, back[key], rel_tol=1e-9, abs_tol=1e-12))
            assert same, f"round trip changed {key}: {value!r} -> {back[key]!r}"


def _check_evaluate(task: Task, n: int, seed: int) -> None:
    for config in _configs(task, n, seed):
        for fidelity in _fidelities(task):
            values = task.evaluate(config, fidelity, seed).objectives
            assert len(values) == len(task.objectives), f"{len(values)} values for {len(task.objectives)} objectives"
            assert all(isinstance(v, float) and math.isfinite(v) for v in values), f"non-finite or non-float values {values} at fidelity {fidelity}"


def _check_determinism(task: Task, n: int, seed: int) -> None:
    skip = _measured(task)
    config = _configs(task, 1, seed + 1)[0]
    for fidelity in _fidelities(task):
        a = task.evaluate(config, fidelity, seed).objectives
        b = task.evaluate(config, fidelity, seed).objectives
        assert [v for k, v in enumerate(a) if k not in skip] == [v for k, v in enumerate(b) if k not in skip], f"same config and seed gave {a} then {b}"


def _check_constraints(task: Task, n: int, seed: int) -> None:
    names = task.constraint_names
    assert len(set(names)) == len(names), f"constraint names must be unique: {names}"
    high = task.fidelity.high if task.fidelity else None
    for config in _configs(task, n, seed + 4):
        limits = task.evaluate(config, high, seed).constraints
        assert len(limits) == len(names), f"{len(limits)} constraint values for {len(names)} constraints"
        assert all(isinstance(c, float) and math.isfinite(c) for c in limits), f"non-finite or non-float constraint values {limits}"


def _check_bounds(task: Task, n: int, seed: int) -> None:
    high = task.fidelity.high if task.fidelity else None
    for config in _configs(task, n, seed + 2):
        result = task.evaluate(config, high, seed)
        if any(c > 0.0 for c in result.constraints):
            continue  # an objective's known bounds hold over the feasible region only
        values = result.objectives
        for o, v in zip(task.objectives, values):
            if o.lower is not None:
                assert v >= o.lower - 1e-9 * (1 + abs(o.lower)), f"{o.name}={v} is below its declared lower bound {o.lower}"
            if o.upper is not None:
                assert v <= o.upper + 1e-9 * (1 + abs(o.upper)), f"{o.name}={v} is above its declared upper bound {o.upper}"


def _edge_configs(task: Task) -> list[dict[str, Any]]:
    """The default config with every numeric hyperparameter at its lower (then upper) bound, where valid."""
    default = configuration_to_dict(task.space.get_default_configuration())
    edges = []
    for side in ("lower", "upper"):
        config = dict(default)
        for name, value in default.items():
            hp = task.space[name]
            if hasattr(hp, side) and isinstance(value, (int, float)):
                config[name] = type(value)(getattr(hp, side))
        edges.append(config)
    return [c for c in edges if _valid(task, c)]


def _valid(task: Task, config: dict[str, Any]) -> bool:
    try:
        to_configuration(task.space, config)
    except Exception:
        return False
    return True


def _check_corners(task: Task, n: int, seed: int) -> None:
    for config in _edge_configs(task):
        values = task.evaluate(config, task.fidelity.high if task.fidelity else None, seed).objectives
        assert all(math.isfinite(v) for v in values), f"non-finite values {values} at the edge config {config}"


def _check_batch(task: Task, n: int, seed: int) -> None:
    skip = _measured(task)
    configs = _configs(task, n, seed + 3)
    fidelities = [task.fidelity.high if task.fidelity else None] * len(configs)
    if task.fidelity is not None and len(configs) > 1:
        fidelities[0] = task.fidelity.low
    batch = task.evaluate_batch(configs, fidelities, seed)
    assert len(batch) == len(configs), f"evaluate_batch returned {len(batch)} results for {len(configs)} configs"
    for config, fidelity, result in zip(configs, fidelities, batch):
        single = task.evaluate(config, fidelity, seed).objectives
        for k, (a, b) in enumerate(zip(result.objectives, single)):
            if k not in skip:
                assert math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-6), f"batch gave {result.objectives}, single {single}"


def _expect_rejection(evaluate: Callable[[], Any], culprit: str, what: str) -> None:
    try:
        evaluate()
    except (ValueError, CarpsError) as exc:
        assert culprit in str(exc), f"{what}: the error does not name '{culprit}': {exc}"
        return
    raise AssertionError(f"{what} was accepted; it must raise ValueError or CarpsError naming '{culprit}'")


def _check_out_of_space(task: Task, n: int, seed: int) -> None:
    default = configuration_to_dict(task.space.get_default_configuration())
    fidelity = task.fidelity.high if task.fidelity else None
    for name, value in default.items():
        hp = task.space[name]
        if hasattr(hp, "upper") and isinstance(value, (int, float)):
            width = float(hp.upper) - float(hp.lower)
            bad = type(value)(float(hp.upper) + max(width, 1.0))
            _expect_rejection(lambda: task.evaluate({**default, name: bad}, fidelity, seed), name, f"{name}={bad} (above its upper bound)")
            break
    for name, value in default.items():
        if hasattr(task.space[name], "choices"):
            _expect_rejection(lambda: task.evaluate({**default, name: "__not_a_choice__"}, fidelity, seed), name, f"{name}='__not_a_choice__'")
            break
    _expect_rejection(lambda: task.evaluate({**default, "__no_such_hyperparameter__": 1.0}, fidelity, seed), "__no_such_hyperparameter__", "an unknown hyperparameter")
    if task.fidelity is not None:
        too_high = task.fidelity.high * 2 + 1
        _expect_rejection(lambda: task.evaluate(default, too_high, seed), task.fidelity.name, f"fidelity {too_high}")


_TASK_CHECKS: list[tuple[str, Callable[[Task, int, int], None]]] = [
    ("id", _check_id),
    ("objectives", _check_objectives),
    ("fidelity", _check_fidelity),
    ("space_round_trip", _check_round_trip),
    ("evaluate", _check_evaluate),
    ("determinism", _check_determinism),
    ("constraints", _check_constraints),
    ("bounds", _check_bounds),
    ("corners", _check_corners),
    ("batch", _check_batch),
    ("out_of_space", _check_out_of_space),
]
