"""HyperOpt's TPE, adaptive TPE and simulated annealing behind the ask/tell interface, one trial at a time.

HyperOpt has no ask/tell API; ``fmin`` runs a whole budget. The adapter does one step of ``fmin``'s
loop per ask: new trial id, ``algo.suggest(new_ids, domain, trials, seed)`` with the seed drawn from
``numpy.random.default_rng(seed)`` exactly as ``fmin(..., rstate=default_rng(seed))`` draws it, and the
suggested trial document inserted into an in-memory ``Trials``. A tell completes that document.

The space (:func:`hyperopt_space`): floats as ``hp.uniform``/``hp.loguniform``, integers as
``hp.quniform``/``hp.qloguniform`` with step 1 over ``[lower - 0.5, upper + 0.5]`` (so the end points
are as likely as the others; the value is rounded and clipped into range), ordinals as the same kind
of integer index into their sequence (TPE then models their order), categoricals as ``hp.choice``,
constants added back. **Conditions become hyperopt's nested choices**: a hyperparameter whose one
condition is an ``EqualsCondition``/``InCondition`` on a categorical parent lives inside the branches of
the parent's ``hp.choice`` for the values that activate it (the same node in each of them), so HyperOpt
samples it, and models it, only where it is active. Any other condition (on a numeric or ordinal parent,
conjunctions of several parents) falls back to sampling the child always and dropping it where inactive
(:func:`~carps.optimizers.conditional.legalize`).

Failed trials are told as ``STATUS_FAIL``: TPE and annealing rank them as infinitely bad, without a
made-up loss. A proposal that hits a forbidden clause is never evaluated: it is told the same way and
HyperOpt is asked again.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = HyperoptOptimizer(ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]}), seed=1, algorithm="tpe")
>>> sorted(opt.ask().config)
['k', 'x']
"""

from __future__ import annotations

import datetime
import functools
import math
import random
from typing import Any, Callable

import numpy as np

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer, WaitForResults
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.conditional import first_legal, legalizer

ALGORITHMS = {"tpe": "hyperopt.tpe", "atpe": "hyperopt.atpe", "anneal": "hyperopt.anneal", "rand": "hyperopt.rand"}


def nested_parents(space: Any) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """Child -> (categorical parent, the parent's values that activate it), for the children a nested choice can hold.

    >>> from ConfigSpace import ConfigurationSpace, EqualsCondition
    >>> space = ConfigurationSpace({"kind": ["a", "b"], "x": (0.0, 1.0)})
    >>> space.add(EqualsCondition(space["x"], space["kind"], "a"))
    >>> nested_parents(space)
    {'x': ('kind', ('a',))}
    """
    from ConfigSpace import CategoricalHyperparameter, EqualsCondition, InCondition

    nested: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for condition in space.conditions:
        if isinstance(condition, EqualsCondition):
            values: tuple[Any, ...] = (condition.value,)
        elif isinstance(condition, InCondition):
            values = tuple(condition.values)
        else:  # conjunctions and numeric comparisons: propose always, drop where inactive
            continue
        if isinstance(condition.parent, CategoricalHyperparameter):
            nested[condition.child.name] = (condition.parent.name, values)
    return nested


def hyperopt_space(space: Any) -> tuple[dict[str, Any], dict[str, Callable[[float], Any]], dict[str, Any]]:
    """A hyperopt search space for ``space``, a decoder per label (hyperopt's raw value -> the config value) and the constants.

    Labels are the hyperparameter names. A categorical parent of nested children is an ``hp.choice``
    over one dict per value, holding the children that value activates.
    """
    from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter
    from ConfigSpace.hyperparameters import FloatHyperparameter, IntegerHyperparameter

    hp = require("hyperopt", extra="hyperopt").hp
    nested = nested_parents(space)
    children: dict[str, list[str]] = {}
    for child, (parent, _) in nested.items():
        children.setdefault(parent, []).append(child)
    decoders: dict[str, Callable[[float], Any]] = {}
    constants: dict[str, Any] = {}
    exprs: dict[str, Any] = {}

    def integer(name: str, low: int, high: int, log: bool) -> Any:
        decoders[name] = functools.partial(_clipped_int, low=low, high=high)
        if log:
            return hp.qloguniform(name, math.log(low - 0.5), math.log(high + 0.5), 1)
        return hp.quniform(name, low - 0.5, high + 0.5, 1)

    def expr(name: str) -> Any:
        # memoized: a child active under several values is one node shared by those branches
        if name in exprs:
            return exprs[name]
        param = space[name]
        if isinstance(param, FloatHyperparameter):
            low, high = float(param.lower), float(param.upper)
            decoders[name] = functools.partial(_clipped_float, low=low, high=high)
            node = hp.loguniform(name, math.log(low), math.log(high)) if param.log else hp.uniform(name, low, high)
        elif isinstance(param, IntegerHyperparameter):
            node = integer(name, int(param.lower), int(param.upper), param.log)
        elif isinstance(param, OrdinalHyperparameter):
            node = integer(name, 0, len(param.sequence) - 1, False)
            decoders[name] = functools.partial(_from_sequence, sequence=tuple(param.sequence), low=0, high=len(param.sequence) - 1)
        elif isinstance(param, CategoricalHyperparameter):
            choices = tuple(param.choices)
            decoders[name] = functools.partial(_from_sequence, sequence=choices, low=0, high=len(choices) - 1)
            if name in children:
                branches = [{c: expr(c) for c in children[name] if value in nested[c][1]} for value in choices]
                node = hp.choice(name, branches)
            else:
                node = hp.choice(name, list(range(len(choices))))
        else:
            raise CarpsError(f"hyperparameter '{name}' of type {type(param).__name__} has no HyperOpt equivalent")
        exprs[name] = node
        return node

    top: dict[str, Any] = {}
    for param in space.values():
        if isinstance(param, Constant):
            constants[param.name] = param.value
        elif param.name not in nested:
            top[param.name] = expr(param.name)
    if not top:
        raise CarpsError("HyperOpt needs at least one hyperparameter that is not a constant")
    return top, decoders, constants


def _clipped_float(value: float, low: float, high: float) -> float:
    # exp(log(high)) may overshoot high by a rounding error
    return min(max(float(value), low), high)


def _clipped_int(value: float, low: int, high: int) -> int:
    return min(max(int(round(value)), low), high)


def _from_sequence(value: float, sequence: tuple[Any, ...], low: int, high: int) -> Any:
    return sequence[_clipped_int(value, low, high)]


def _algorithm(name: str, **kwargs: Any) -> Callable[..., Any]:
    if name not in ALGORITHMS:
        raise CarpsError(f"unknown HyperOpt algorithm '{name}'; choose one of {sorted(ALGORITHMS)}")
    if name == "atpe":
        require("lightgbm", extra="hyperopt")  # hyperopt imports it only inside the first model-based suggest
    suggest = require(ALGORITHMS[name], extra="hyperopt").suggest
    if name == "tpe":
        kwargs.setdefault("verbose", False)  # two log lines per trial otherwise
    if name == "atpe":
        if kwargs:
            raise CarpsError(f"HyperOpt's adaptive TPE takes no parameters, got: {', '.join(sorted(kwargs))}")
        return _adaptive_tpe(suggest)
    return functools.partial(suggest, **kwargs) if kwargs else suggest


def _adaptive_tpe(suggest: Callable[..., Any]) -> Callable[..., Any]:
    """Adaptive TPE's ``suggest``, seeded, and able to start after failed trials.

    ATPE ignores the seed it is given and draws from ``random`` and ``numpy.random``: unseeded, runs
    are not reproducible, and a run would move (and depend on) every other user of those RNGs. So both
    are seeded from ``seed`` around the call and restored afterwards. And ATPE takes the minimum of
    the losses it has seen before anything else, which fails while every trial so far has failed; it
    is then shown no history at all, which makes it do what it does at the start: sample at random.
    """
    hyperopt = require("hyperopt", extra="hyperopt")

    def seeded(new_ids: list[int], domain: Any, trials: Any, seed: int) -> Any:
        if not any(t["result"].get("loss") is not None for t in trials.trials):
            trials = hyperopt.Trials()
        python_state, numpy_state = random.getstate(), np.random.get_state()
        random.seed(int(seed))
        np.random.seed(int(seed) % 2**32)
        try:
            return suggest(new_ids, domain, trials, seed)
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)

    return seeded


class SteppedHyperopt:
    """HyperOpt's ``fmin`` loop cut into its two halves: :meth:`new_trial` (suggest and insert) and :meth:`complete`.

    ``new_trial`` makes the calls one iteration of ``fmin(..., rstate=numpy.random.default_rng(seed))``
    makes before it evaluates, so the same losses give the same trials as ``fmin``.
    """

    def __init__(self, expr: Any, suggest: Callable[..., Any], seed: int) -> None:
        hyperopt = require("hyperopt", extra="hyperopt")
        self.suggest = suggest
        self.trials = hyperopt.Trials()
        # the objective is never called: carps evaluates, and complete() fills the result in
        self.domain = hyperopt.Domain(_never_called, expr)
        self.rstate = np.random.default_rng(seed)
        self._ok, self._fail, self._done = hyperopt.STATUS_OK, hyperopt.STATUS_FAIL, hyperopt.JOB_STATE_DONE

    def new_trial(self) -> dict[str, Any]:
        """The next suggested trial document, inserted into the trials (its ``misc.vals`` hold the values)."""
        trials = self.trials
        new_ids = trials.new_trial_ids(1)
        trials.refresh()
        docs = self.suggest(new_ids, self.domain, trials, self.rstate.integers(2**31 - 1))
        if not docs:
            raise CarpsError("HyperOpt suggested no trial")
        trials.insert_trial_docs(docs)
        trials.refresh()
        return trials._dynamic_trials[-1]  # the inserted copy, which trials.refresh() reads

    def complete(self, doc: dict[str, Any], loss: float | None) -> None:
        """Finish ``doc`` with ``loss``, or as ``STATUS_FAIL`` when it is ``None``."""
        # fmin stamps these with the clock; adaptive TPE subtracts them (a trial time it then never uses),
        # so a fixed stamp keeps runs reproducible
        doc["book_time"] = doc["refresh_time"] = _STAMP
        doc["state"] = self._done
        doc["result"] = {"status": self._ok, "loss": loss} if loss is not None else {"status": self._fail, "loss": None}
        self.trials.refresh()


class HyperoptOptimizer(Optimizer):
    """A HyperOpt algorithm (``tpe``, ``atpe``, ``anneal``, ``rand``) driven one trial at a time; other parameters go to its ``suggest``.

    E.g. ``n_startup_jobs``, ``gamma``, ``n_EI_candidates`` for TPE, ``avg_best_idx``, ``shrink_coef`` for annealing.

    Parallel runs: TPE and annealing are asked again while trials run (HyperOpt's model ignores
    pending trials); adaptive TPE reads the loss of every trial it sees and cannot propose while one
    is pending, so it waits for each result (a parallel run of it keeps one worker busy).
    """

    capabilities = Capabilities.of(["blackbox"])
    library = "hyperopt"
    #: rejected proposals in a row before giving up (a forbidden region that covers almost everything)
    max_rejections = 1000

    def _setup(self, algorithm: str = "tpe", **kwargs: Any) -> None:
        suggest = _algorithm(algorithm, **kwargs)
        expr, self._decoders, self._constants = hyperopt_space(self.space)
        self._hyperopt = SteppedHyperopt(expr, suggest, self.seed)
        self._legalize = legalizer(self.space)
        self._one_at_a_time = algorithm == "atpe"

    def _config(self, doc: dict[str, Any]) -> dict[str, Any]:
        # an inactive label of a nested choice has no value: it is not in the configuration
        config = {label: self._decoders[label](vals[0]) for label, vals in doc["misc"]["vals"].items() if vals}
        config.update(self._constants)
        return config

    def _ask(self) -> TrialInfo:
        if self._one_at_a_time and self.n_told < self._n_asked:
            raise WaitForResults
        # a proposal that hits a forbidden clause is completed as failed
        config, doc = first_legal(lambda: (self._config(d := self._hyperopt.new_trial()), d), self._legalize, lambda d: self._hyperopt.complete(d, None), "HyperOpt", self.max_rejections)
        return TrialInfo(config=config, handle=doc)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        cost = float(value.costs[0]) if value.ok and value.costs else math.nan  # type: ignore[index]
        self._hyperopt.complete(info.handle, cost if math.isfinite(cost) else None)


_STAMP = datetime.datetime(2000, 1, 1)


def _never_called(_: Any) -> float:
    raise RuntimeError("carps evaluates HyperOpt's trials itself")
