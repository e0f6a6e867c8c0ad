"""The optimizer conformance kit: every adapter, built-in or plugin, must pass these checks.

In the spirit of scikit-learn's ``check_estimator``: :func:`check_optimizer` builds its own small probe
tasks (a mixed space with log scales, integers, categoricals, ordinals, conditions and a forbidden
clause; a multi-fidelity one; a two-objective one with a maximized objective; a multi-objective
multi-fidelity one), runs the adapter on those its capabilities claim, and checks:

``contract``        ask returns a TrialInfo with a JSON-plain config dict, numbered trials, the right
                    fidelity (None without one); tell accepts the outcome; incumbent returns (info, value) pairs
``in_space``        every asked config is a valid configuration of the space (conditions, forbiddens,
                    integer values, bounds)
``fidelity_bounds`` on multi-fidelity tasks every asked fidelity lies in [low, high] (integers when integer)
``same_seed``       the same seed gives the same trials, bit for bit, over ``same_seed_trials`` (40 by
                    default: past the initial design of model-based methods), once in this process and
                    once in a fresh interpreter with another ``PYTHONHASHSEED`` (so that an order taken
                    from a set or dict of strings, which differs per process, is caught too); left out
                    with ``same_seed_trials=0``, for an adapter whose seed is checked elsewhere
``different_seeds`` another seed gives other trials
``no_state_leak``   two runs interleaved step by step give the trials each gives alone, and the task's
                    space (including its random state) is left untouched
``failures``        crashed and non-finite trials are told and the run goes on
``multiobjective``  cost vectors are told; the incumbent is a non-dominated set of vectors
``budget``          the run loop's budget holds and the optimizer keeps proposing until it is spent
``unsupported``     task types and space features outside ``capabilities`` are refused before anything runs
``parallel``        a run of 6 trials on 3 simulated workers (asked again while trials run, told in completion order)
                    completes its budget with valid configurations, each trial logged once
``constraints``     (adapters whose ``uses_constraints`` is True; on the blackbox probe, else the first
                    single-fidelity type they support) a short run (``CONSTRAINED_TRIALS``) on the probe
                    with a constraint completes, its trials are told their constraint values, and its
                    incumbent holds feasible trials only

>>> from carps.testing import check_optimizer
>>> report = check_optimizer("random", n_trials=6)
>>> all(r.passed for r in report)
True
"""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import subprocess
import sys
import tempfile
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from carps.core.errors import UnsupportedTaskError
from carps.core.loop import run_trials
from carps.core.optimizer import Optimizer, _dominates
from carps.core.records import MemorySink
from carps.core.space import in_space
from carps.core.task import Task
from carps.core.types import Budget, Constraint, Fidelity, Objective, Result, TaskType, TrialStatus, TrialValue

#: the evaluations (counted per task object, from 0) at which a probe task crashes or returns NaN
CRASH_AT = (2,)
NAN_AT = (4,)
#: the budget of the same-seed runs: past the initial design of every model-based built-in (SMAC's is
#: 25% of the budget, Optuna's TPE and GP start after 10 trials), so that the model's proposals are compared
SAME_SEED_TRIALS = 40
#: the budget of the constrained probe run: the plumbing of constraint values is what it checks
CONSTRAINED_TRIALS = 6


@dataclass
class CheckResult:
    """The outcome of one check on one probe task."""

    name: str
    passed: bool
    message: str = ""

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}{': ' + self.message if self.message else ''}"


# probe tasks ----------------------------------------------------------------------------------------
def probe_space(categorical: bool = True, conditional: bool = True) -> Any:
    """The probe search space: as rich as the optimizer claims to handle."""
    from ConfigSpace import (
        CategoricalHyperparameter,
        ConfigurationSpace,
        EqualsCondition,
        ForbiddenAndConjunction,
        ForbiddenEqualsClause,
        InCondition,
        OrdinalHyperparameter,
        UniformFloatHyperparameter,
        UniformIntegerHyperparameter,
    )

    space = ConfigurationSpace()
    space.add(
        [
            UniformFloatHyperparameter("x", -5.0, 5.0),
            UniformFloatHyperparameter("lr", 1e-4, 1.0, log=True),
            UniformIntegerHyperparameter("width", 1, 64, log=True),
            UniformIntegerHyperparameter("depth", 1, 8),
        ]
    )
    if categorical:
        space.add(
            [
                CategoricalHyperparameter("kind", ["a", "b", "c"]),
                OrdinalHyperparameter("size", ["small", "medium", "large"]),
            ]
        )
        if conditional:
            gamma = UniformFloatHyperparameter("gamma", 0.0, 1.0)
            degree = UniformIntegerHyperparameter("degree", 2, 5)
            space.add([gamma, degree])
            space.add([EqualsCondition(gamma, space["kind"], "a"), InCondition(degree, space["kind"], ["b", "c"])])
            space.add(ForbiddenAndConjunction(ForbiddenEqualsClause(space["kind"], "c"), ForbiddenEqualsClause(space["size"], "large")))
    return space


def _base_value(config: dict[str, Any]) -> float:
    value = (config["x"] - 1.0) ** 2 + (math.log10(config["lr"]) + 2.0) ** 2 + abs(math.log2(config["width"]) - 3) + 0.1 * config["depth"]
    value += {"a": 0.0, "b": 0.5, "c": 1.0}.get(config.get("kind", "a"), 0.0)
    value += {"small": 0.3, "medium": 0.0, "large": 0.2}.get(config.get("size", "medium"), 0.0)
    value += (config["gamma"] - 0.3) ** 2 if "gamma" in config else 0.0
    value += 0.1 * config["degree"] if "degree" in config else 0.0
    return value


def probe_task(task_type: TaskType | str, categorical: bool = True, conditional: bool = True, n_trials: float = 10,
               constrained: bool = False) -> Task:
    """A fresh probe task of ``task_type`` (fresh: its failure schedule counts evaluations from 0).

    ``constrained`` adds the constraint ``x_max``: feasible when ``x <= 0`` (about half the space).

    Evaluation number 2 crashes and number 4 returns NaN, so every run exercises failure handling.
    Multi-fidelity probes have an integer fidelity ``epochs`` in [3, 27] and a budget of 0.7 * ``n_trials``
    full evaluations (at least 7, so that full-fidelity optimizers also meet the failures); multi-objective
    probes have a minimized ``loss`` and a maximized ``score``.
    """
    task_type = TaskType(task_type)
    counter = [0]
    fidelity = Fidelity("epochs", 3, 27, integer=True) if task_type.multi_fidelity else None
    objectives = (Objective("loss"), Objective("score", minimize=False)) if task_type.multi_objective else (Objective("loss"),)

    def function(config: dict[str, Any], fid: float | None, seed: int | None) -> Any:
        n = counter[0]
        counter[0] += 1
        if n in CRASH_AT:
            raise RuntimeError("probe task: injected crash")
        value = _base_value(config)
        if fid is not None:
            value += 2.0 * (1.0 - fid / 27.0) * (1.0 + 0.1 * config["depth"])
        if n in NAN_AT:
            value = float("nan")
        values: tuple[float, ...] = (value,)
        if task_type.multi_objective:
            second = (config["x"] + 1.0) ** 2 + 0.05 * config["width"]
            values = (value, -second)
        if constrained:
            return Result(values, constraints=(float(config["x"]),))
        return values if task_type.multi_objective else value

    budget = Budget(n_trials=max(7.0, 0.7 * n_trials) if task_type.multi_fidelity else n_trials)
    return Task(
        id=f"{task_type.value}/probe/{'mixed' if categorical else 'numeric'}{'_conditional' if categorical and conditional else ''}",
        type=task_type,
        space=probe_space(categorical, conditional),
        objectives=objectives,
        function=function,
        fidelity=fidelity,
        budget=budget,
        constraints=(Constraint("x_max"),) if constrained else (),
    )


# running ---------------------------------------------------------------------------------------------
@dataclass
class _Run:
    """The trials of one run: what was asked (config, fidelity) and the statuses."""

    asked: list[tuple[dict[str, Any], float | None]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    budget_used: float = 0.0
    optimizer: Optimizer | None = None

    def key(self) -> list[str]:
        return [json.dumps([c, f], sort_keys=True) for c, f in self.asked]


def _solo_run(task: Task, optimizer: Optimizer) -> _Run:
    sink = MemorySink()
    summary = run_trials(task, optimizer, sink, task.budget)
    run = _Run(optimizer=optimizer, budget_used=summary.budget_used)
    for record in sink.records:
        run.asked.append((record["config"], record["fidelity"]))
        run.statuses.append(record["status"])
    return run


class _Stepper:
    """One trial at a time, with the run loop's budget rule, so that two runs can be interleaved."""

    def __init__(self, task: Task, optimizer: Optimizer) -> None:
        self.task, self.optimizer, self.run, self.done = task, optimizer, _Run(optimizer=optimizer), False

    def step(self) -> None:
        task, run = self.task, self.run
        if self.done or run.budget_used >= task.budget.n_trials - 1e-9:
            self.done = True
            return
        info = self.optimizer.ask()
        cost = 1.0 if task.fidelity is None else task.fidelity.cost(info.fidelity if info.fidelity is not None else task.fidelity.high)
        if run.budget_used + cost > task.budget.n_trials + 1e-9:
            self.done = True
            return
        try:
            values = task.evaluate(info.config, info.fidelity, info.seed).objectives
            status = TrialStatus.OK if all(math.isfinite(v) for v in values) else TrialStatus.INVALID
        except Exception:
            values, status = None, TrialStatus.CRASHED
        costs = tuple(o.to_cost(v) for o, v in zip(task.objectives, values)) if status is TrialStatus.OK else None  # type: ignore[arg-type]
        self.optimizer.tell(info, TrialValue(costs, status, None if costs else "failed", 0.0, cost))
        run.budget_used += cost
        run.asked.append((info.config, info.fidelity))
        run.statuses.append(status.value)


def _interleaved(make: Callable[[int], tuple[Task, Optimizer]], seeds: Sequence[int]) -> list[_Run]:
    steppers = [_Stepper(*make(seed)) for seed in seeds]
    while not all(s.done for s in steppers):
        for s in steppers:
            s.step()
    return [s.run for s in steppers]


# the same run in a fresh interpreter ---------------------------------------------------------------------
@dataclass
class _RunSpec:
    """One probe run, picklable by reference so that a fresh interpreter can repeat it."""

    cls: type[Optimizer]
    params: dict[str, Any]
    task_type: TaskType
    categorical: bool
    conditional: bool
    n_trials: int
    seed: int

    def run(self) -> _Run:
        task = probe_task(self.task_type, self.categorical, self.conditional, self.n_trials)
        return _solo_run(task, self.cls.for_task(task, seed=self.seed, **self.params))


class _NotImportable(Exception):
    """The adapter class cannot be loaded by a fresh interpreter (defined in a function or in ``__main__``)."""


class _FreshInterpreter:
    """The same-seed runs of every task type, repeated in one new Python process with another string-hash seed.

    It starts at the first same-seed check and runs while this process runs its own copies.
    """

    def __init__(self, specs: list[_RunSpec]) -> None:
        cls = specs[0].cls
        if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__:
            raise _NotImportable(f"{cls.__qualname__} is defined in {'__main__' if cls.__module__ == '__main__' else 'a function'}")
        try:
            payload = pickle.dumps(specs)
        except Exception as exc:
            raise _NotImportable(f"its parameters cannot be pickled: {exc}") from exc
        env = dict(os.environ)
        # the child must import what this process imported (a test module, a plugin on sys.path)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        env["PYTHONHASHSEED"] = "1" if os.environ.get("PYTHONHASHSEED") == "0" else "0"
        # the specs go through a file, so that the child's output can be collected with communicate() at the end
        self._specs = tempfile.NamedTemporaryFile(prefix="carps-check-", suffix=".pickle", delete=False)
        self._specs.write(payload)
        self._specs.close()
        code = "import sys; from carps.testing.optimizer_checks import _run_from_file; _run_from_file(sys.argv[1])"
        self._child = subprocess.Popen(
            [sys.executable, "-c", code, self._specs.name], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        weakref.finalize(self, _stop, self._child, self._specs.name)
        self._results: dict[str, Any] | None = None

    def keys(self, task_type: TaskType) -> list[str]:
        """The trials of ``task_type``'s run; raises RuntimeError with the child's reason if it failed."""
        if self._results is None:
            out, err = self._child.communicate()
            if self._child.returncode != 0:
                last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
                raise RuntimeError(f"the fresh interpreter failed: {last[0]}")
            self._results = json.loads(out)
        result = self._results[task_type.value]
        if isinstance(result, str):
            raise RuntimeError(f"in a fresh interpreter: {result}")
        return result


def _stop(child: subprocess.Popen, path: str) -> None:
    """Clean up after a checker whose fresh interpreter was not (or not fully) waited for."""
    if child.poll() is None:
        child.kill()
        child.communicate()
    try:
        os.remove(path)
    except OSError:
        pass


def _run_from_file(path: str) -> None:
    results: dict[str, Any] = {}
    with open(path, "rb") as f:
        specs = pickle.load(f)
    for spec in specs:
        try:
            results[spec.task_type.value] = spec.run().key()
        except Exception as exc:
            results[spec.task_type.value] = f"{type(exc).__name__}: {exc}"
    sys.stdout.write(json.dumps(results))


def _first_difference(a: Sequence[str], b: Sequence[str]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


# the checker -------------------------------------------------------------------------------------------
class OptimizerChecker:
    """Runs the checks for one adapter class with fixed parameters; see :func:`check_optimizer`."""

    def __init__(
        self,
        cls: type[Optimizer],
        params: dict[str, Any] | None = None,
        n_trials: int = 10,
        seeds: tuple[int, int] = (1, 2),
        name: str | None = None,
        same_seed_trials: int = SAME_SEED_TRIALS,
    ) -> None:
        if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
            raise TypeError(f"check_optimizer needs a carps Optimizer subclass or a catalog id, got {cls!r}")
        self.cls, self.params, self.n_trials, self.seeds = cls, dict(params or {}), n_trials, seeds
        if same_seed_trials < 0:
            raise ValueError(f"same_seed_trials must be 0 (leave the same-seed check out) or a positive budget, got {same_seed_trials}")
        self.same_seed_trials = same_seed_trials
        self._fresh: _FreshInterpreter | str | None = None
        self.name = name or cls.__name__
        caps = cls.capabilities
        self.caps = caps
        self.task_types = [t for t in TaskType if t in caps.task_types]

    def make(self, task_type: TaskType, seed: int) -> tuple[Task, Optimizer]:
        task = probe_task(task_type, self.caps.categorical, self.caps.conditional, self.n_trials)
        return task, self.cls.for_task(task, seed=seed, **self.params)

    def checks(self) -> Iterator[tuple[str, Callable[[], list[CheckResult]]]]:
        """``(name, run)`` pairs, one per probe task type plus the capability check, for pytest parametrization."""
        for task_type in self.task_types:
            yield task_type.value, lambda t=task_type: self.check_task_type(t)
        yield "unsupported", self.check_unsupported

    def run_all(self) -> list[CheckResult]:
        results: list[CheckResult] = []
        for _, check in self.checks():
            results.extend(check())
        return results

    # per task type ------------------------------------------------------------------------------------
    def check_task_type(self, task_type: TaskType) -> list[CheckResult]:
        tag = f"[{task_type.value}]"
        results = [self._guard(f"contract{tag}", lambda: self._contract(task_type))]
        try:
            task_a = probe_task(task_type, self.caps.categorical, self.caps.conditional, self.n_trials)
            space_before = copy.deepcopy(task_a.space)
            random_before = task_a.space.random.get_state()
            solo = _solo_run(task_a, self.cls.for_task(task_a, seed=self.seeds[0], **self.params))
            together = _interleaved(lambda s: self.make(task_type, s), self.seeds)
        except Exception as exc:  # the adapter crashed: every remaining check fails with the reason
            return [*results, CheckResult(f"runs{tag}", False, f"{type(exc).__name__}: {exc}")]
        runs = [solo, *together]
        results.append(self._guard(f"in_space{tag}", lambda: self._in_space(task_a, runs)))
        if task_type.multi_fidelity:
            results.append(self._guard(f"fidelity_bounds{tag}", lambda: self._fidelity_bounds(task_a, runs)))
        if self.same_seed_trials > 0:
            results.append(self._same_seed(task_type, tag))
        results.append(self._different_seeds(tag, together))
        results.append(self._no_state_leak(tag, task_a, space_before, random_before, solo, together[0]))
        results.append(self._guard(f"failures{tag}", lambda: self._failures(solo)))
        results.append(self._guard(f"budget{tag}", lambda: self._budget(task_a, solo)))
        if task_type.multi_objective:
            results.append(self._guard(f"multiobjective{tag}", lambda: self._multiobjective(solo)))
        results.append(self._guard(f"parallel{tag}", lambda: self._parallel(task_type)))
        single = [t for t in self.task_types if not t.multi_fidelity]
        if single and task_type is single[0] and self.cls.uses_constraints(self.params):
            results.append(self._guard(f"constraints{tag}", lambda: self._constraints(task_type)))
        return results

    def _parallel(self, task_type: TaskType) -> None:
        from carps.core.parallel import Workers

        # 6 trials on 3 workers: every ask after the first three comes while two trials run (the libraries'
        # own pending-trial mechanisms have their own tests; this checks that every adapter copes)
        task = probe_task(task_type, self.caps.categorical, self.caps.conditional, min(self.n_trials, 6))
        opt = self.cls.for_task(task, seed=self.seeds[0], n_workers=3, **self.params)
        sink = MemorySink()
        summary = run_trials(task, opt, sink, task.budget, workers=Workers(n=3, charge_optimizer_time=False))
        trials = [r["trial"] for r in sink.records]
        assert len(trials) == len(set(trials)), f"a trial was logged twice in a parallel run: {sorted(trials)}"
        assert summary.stop_reason != "budget" or summary.budget_used >= task.budget.n_trials - 1.0 - 1e-9, (
            f"a parallel run stopped at budget {summary.budget_used} of {task.budget.n_trials}"
        )
        for record in sink.records:
            assert in_space(task.space, record["config"]), f"config outside the space in a parallel run: {record['config']}"
        ends = [r["sim_end"] for r in sink.records]
        assert ends == sorted(ends), "a parallel run told trials out of completion order"

    def _constraints(self, task_type: TaskType) -> None:
        task = probe_task(task_type, self.caps.categorical, self.caps.conditional, min(self.n_trials, CONSTRAINED_TRIALS), constrained=True)
        opt = self.cls.for_task(task, seed=self.seeds[0], **self.params)
        assert [c.name for c in opt.constraints] == ["x_max"], f"the optimizer was not given the task's constraints: {opt.constraints}"
        told: list[TrialValue] = []
        inner = opt._tell
        opt._tell = lambda info, value: (told.append(value), inner(info, value))[1]  # type: ignore[method-assign]
        run = _solo_run(task, opt)
        assert run.statuses, "no trial ran on the constrained probe"
        assert any(v.constraints for v in told), "no trial was told its constraint values"
        bad = [v.constraints for _, v in opt.incumbent() if not v.feasible]
        assert not bad, f"the incumbent holds infeasible trials (constraint values {bad})"

    @staticmethod
    def _guard(name: str, check: Callable[[], None]) -> CheckResult:
        try:
            check()
        except AssertionError as exc:
            return CheckResult(name, False, str(exc))
        except Exception as exc:
            return CheckResult(name, False, f"{type(exc).__name__}: {exc}")
        return CheckResult(name, True)

    def _contract(self, task_type: TaskType) -> None:
        from ConfigSpace.hyperparameters import IntegerHyperparameter

        task, opt = self.make(task_type, self.seeds[0])
        integers = {hp.name for hp in task.space.values() if isinstance(hp, IntegerHyperparameter)}
        infos = []
        for n in range(3):
            info = opt.ask()
            assert isinstance(info.config, dict), f"ask() returned a config of type {type(info.config).__name__}, not dict"
            assert info.trial == n, f"trial {n} was numbered {info.trial}"
            plain = json.loads(json.dumps(info.config))
            assert plain == info.config and all(type(v) in (int, float, str, bool) for v in info.config.values()), (
                f"config {info.config!r} holds values that are not plain JSON types (int, float, str, bool)"
            )
            bad_ints = [k for k in integers & info.config.keys() if type(info.config[k]) is not int]
            assert not bad_ints, f"integer hyperparameters {bad_ints} got non-int values in {info.config}"
            if task.fidelity is None:
                assert info.fidelity is None, f"asked fidelity {info.fidelity} on a task without a fidelity"
            else:
                assert info.fidelity is not None, "asked no fidelity on a multi-fidelity task"
            costs = tuple(float(n + i) for i in range(len(task.objectives)))
            cost = 1.0 if task.fidelity is None else task.fidelity.cost(info.fidelity)  # type: ignore[arg-type]
            opt.tell(info, TrialValue(costs, budget_cost=cost))
            infos.append(info)
        incumbent = opt.incumbent()
        assert isinstance(incumbent, list) and incumbent, "incumbent() returned nothing after 3 successful trials"
        assert all(len(pair) == 2 and pair[1].costs is not None for pair in incumbent), "incumbent() must list (TrialInfo, TrialValue) pairs"

    def _in_space(self, task: Task, runs: list[_Run]) -> None:
        for run in runs:
            for config, _ in run.asked:
                assert in_space(task.space, config), f"config outside the space: {config}"

    def _fidelity_bounds(self, task: Task, runs: list[_Run]) -> None:
        fid = task.fidelity
        assert fid is not None
        for run in runs:
            for _, value in run.asked:
                assert value is not None and fid.contains(value), f"fidelity {value} outside [{fid.low}, {fid.high}]"
                if fid.integer:
                    assert float(value).is_integer(), f"fidelity {value} is not an integer"

    def _same_seed_spec(self, task_type: TaskType) -> _RunSpec:
        return _RunSpec(self.cls, self.params, task_type, self.caps.categorical, self.caps.conditional, self.same_seed_trials, self.seeds[0])

    def _fresh_interpreter(self) -> _FreshInterpreter | str:
        """The fresh interpreter for every task type, started once; or why there is none."""
        if self._fresh is None:
            try:
                self._fresh = _FreshInterpreter([self._same_seed_spec(t) for t in self.task_types])
            except _NotImportable as exc:
                self._fresh = f"checked in this process only: {exc}"
        return self._fresh

    def _same_seed(self, task_type: TaskType, tag: str) -> CheckResult:
        name, seed, n = f"same_seed{tag}", self.seeds[0], self.same_seed_trials
        spec = self._same_seed_spec(task_type)
        fresh = self._fresh_interpreter()
        try:
            here = spec.run().key()
            there = fresh.keys(task_type) if isinstance(fresh, _FreshInterpreter) else spec.run().key()
            if here == there:
                return CheckResult(name, True, fresh if isinstance(fresh, str) else "")
            again = spec.run().key() if isinstance(fresh, _FreshInterpreter) else there
        except Exception as exc:
            return CheckResult(name, False, f"the {n}-trial runs crashed: {type(exc).__name__}: {exc}")
        if again != here:
            return CheckResult(name, False, f"two {n}-trial runs with seed {seed} in one process differ from trial {_first_difference(here, again)} on")
        return CheckResult(
            name,
            False,
            f"a {n}-trial run with seed {seed} in a fresh interpreter differs from trial {_first_difference(here, there)} on, though runs in one "
            "process agree: something depends on the process, such as the order of a set or dict of strings (PYTHONHASHSEED), "
            "object ids, or the clock",
        )

    def _different_seeds(self, tag: str, together: list[_Run]) -> CheckResult:
        a, b = together
        if a.key() != b.key():
            return CheckResult(f"different_seeds{tag}", True)
        return CheckResult(f"different_seeds{tag}", False, f"seeds {self.seeds[0]} and {self.seeds[1]} gave identical trials")

    def _no_state_leak(self, tag: str, task: Task, space_before: Any, random_before: Any, solo: _Run, interleaved: _Run) -> CheckResult:
        if solo.key() != interleaved.key():
            return CheckResult(f"no_state_leak{tag}", False, "a run interleaved with another run differs from the same run alone: optimizers share state (a global RNG?)")
        if task.space != space_before:
            return CheckResult(f"no_state_leak{tag}", False, "the optimizer modified the task's search space")
        after = task.space.random.get_state()
        if not (np.array_equal(random_before[1], after[1]) and random_before[2] == after[2]):
            return CheckResult(f"no_state_leak{tag}", False, "the optimizer reseeded or drew from the task's space sampler; use carps.core.space.seeded_copy")
        return CheckResult(f"no_state_leak{tag}", True)

    def _failures(self, run: _Run) -> None:
        last = max(*CRASH_AT, *NAN_AT)
        assert len(run.statuses) > last + 1, f"the run stopped after {len(run.statuses)} trials; the probe needs more than {last + 1}"
        for index in CRASH_AT:
            assert run.statuses[index] == "crashed", f"trial {index} should have crashed, status {run.statuses[index]}"
        for index in NAN_AT:
            assert run.statuses[index] == "invalid", f"trial {index} should be invalid (NaN), status {run.statuses[index]}"

    def _budget(self, task: Task, run: _Run) -> None:
        limit = task.budget.n_trials
        assert run.budget_used <= limit + 1e-9, f"spent {run.budget_used} of a budget of {limit}"
        smallest = 1.0 if task.fidelity is None else task.fidelity.cost(task.fidelity.low)
        # the loop stops only when the next ask would overspend: the optimizer must not have stalled early
        assert run.budget_used >= limit - 1.0 - 1e-9 or run.budget_used + smallest > limit, f"spent only {run.budget_used} of {limit}"

    def _multiobjective(self, run: _Run) -> None:
        opt = run.optimizer
        assert opt is not None
        front = opt.incumbent()
        assert front, "no incumbent after a multi-objective run"
        vectors = [v.costs for _, v in front]
        assert all(c is not None and len(c) == 2 for c in vectors), f"incumbent costs are not 2-vectors: {vectors}"
        for a in vectors:
            assert not any(_dominates(b, a) for b in vectors), "the incumbent holds a dominated point"  # type: ignore[arg-type]

    # capabilities ---------------------------------------------------------------------------------------
    def check_unsupported(self) -> list[CheckResult]:
        results = []
        for task_type in TaskType:
            if task_type in self.caps.task_types:
                continue
            results.append(self._refused(f"unsupported[{task_type.value}]", probe_task(task_type, self.caps.categorical, self.caps.conditional)))
        if not self.caps.categorical:
            results.append(self._refused("unsupported[categorical]", probe_task(self.task_types[0], True, False)))
        if not self.caps.conditional and self.caps.categorical:
            results.append(self._refused("unsupported[conditional]", probe_task(self.task_types[0], True, True)))
        return results or [CheckResult("unsupported", True, "supports every task type and space feature")]

    def _refused(self, name: str, task: Task) -> CheckResult:
        calls = [0]
        inner = task.function
        task.function = lambda *a: (calls.__setitem__(0, calls[0] + 1), inner(*a))[1]
        try:
            self.cls.for_task(task, seed=self.seeds[0], **self.params)
        except UnsupportedTaskError:
            return CheckResult(name, calls[0] == 0, "" if calls[0] == 0 else "the task was evaluated before the refusal")
        except Exception as exc:
            return CheckResult(name, False, f"refused with {type(exc).__name__} instead of UnsupportedTaskError: {exc}")
        return CheckResult(name, False, f"{task.type.value} task {task.id} was accepted though capabilities exclude it")


def _resolve(optimizer: str | type[Optimizer], params: dict[str, Any] | None) -> tuple[type[Optimizer], dict[str, Any], str]:
    if isinstance(optimizer, str):
        from carps.core.registry import get_registry

        entry = get_registry().optimizer(optimizer)
        return entry.load_class(), {**entry.params, **(params or {})}, optimizer
    return optimizer, dict(params or {}), getattr(optimizer, "__name__", str(optimizer))


def optimizer_checks(
    optimizer: str | type[Optimizer],
    params: dict[str, Any] | None = None,
    n_trials: int = 10,
    seeds: tuple[int, int] = (1, 2),
    same_seed_trials: int = SAME_SEED_TRIALS,
) -> list[tuple[str, Callable[[], list[CheckResult]]]]:
    """The checks as ``(name, run)`` pairs, to parametrize a pytest test with (one per task type).

    >>> [name for name, _ in optimizer_checks("random")]
    ['blackbox', 'multifidelity', 'multiobjective', 'momf', 'unsupported']
    """
    cls, merged, name = _resolve(optimizer, params)
    return list(OptimizerChecker(cls, merged, n_trials, seeds, name, same_seed_trials).checks())


def check_optimizer(
    optimizer: str | type[Optimizer],
    params: dict[str, Any] | None = None,
    n_trials: int = 10,
    seeds: tuple[int, int] = (1, 2),
    raise_on_failure: bool = True,
    same_seed_trials: int = SAME_SEED_TRIALS,
) -> list[CheckResult]:
    """Run an optimizer adapter through every conformance check on the probe tasks its capabilities claim.

    ``optimizer`` is an :class:`~carps.core.optimizer.Optimizer` subclass (with ``params`` for its
    ``_setup``) or a catalog id such as ``"optuna/tpe"`` (its catalog parameters, updated by ``params``).
    ``n_trials`` is the budget of each probe run (multi-fidelity probes get 0.7 of it in full
    evaluations). ``same_seed_trials`` is the budget of the same-seed runs: keep it at least 3 times the
    adapter's initial design, so that the model's proposals are compared too; 0 leaves the check out (for
    an adapter whose same-seed runs are checked elsewhere, such as through ``carps run`` in two
    processes). Raises ``AssertionError`` listing every failed check unless ``raise_on_failure`` is
    False; returns all results.
    """
    cls, merged, name = _resolve(optimizer, params)
    results = OptimizerChecker(cls, merged, n_trials, seeds, name, same_seed_trials).run_all()
    failed = [r for r in results if not r.passed]
    if failed and raise_on_failure:
        raise AssertionError(f"{name} fails {len(failed)} conformance check(s):\n" + "\n".join(str(r) for r in failed))
    return results
