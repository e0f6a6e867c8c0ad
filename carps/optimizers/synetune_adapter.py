"""Syne Tune 0.16 schedulers and searchers behind the ask/tell interface.

Four adapters, one per kind of task:

- :class:`SyneTuneBlackbox`: a single-objective searcher (``bore``, ``kde``: TPE-like kernel density
  estimators, ``cqr``: conformal quantile regression, ``regularized_evolution``) in Syne Tune's
  ``SingleObjectiveScheduler``, driven through Syne Tune's own ``AskTellScheduler``;
- :class:`SyneTuneMultiObjective`: ``MultiObjectiveRegularizedEvolution`` (non-dominated sort or
  linear scalarization as the priority) or multi-objective random search in a ``SingleFidelityScheduler``,
  through ``AskTellScheduler`` as well;
- :class:`SyneTuneMultiFidelity`: ``AsynchronousSuccessiveHalving`` with a searcher (``random_search``:
  ASHA, ``kde``: Syne Tune's BOHB, ``bore``, ``cqr``) and one bracket (ASHA) or all of them (asynchronous Hyperband);
- :class:`SyneTuneMOASHA`: ``MOASHA`` on multi-objective multi-fidelity tasks.

Space. Floats become ``uniform``/``loguniform``, integers ``randint``/``lograndint``, categoricals
``choice`` (values of mixed types are handed to Syne Tune as string labels and mapped back), ordinals
``ordinal`` (``kind="nn"`` for strictly increasing numbers, which Syne Tune then treats as a finite
numeric range, ``kind="equal"`` otherwise), constants stay plain values. Priors (normal/beta
hyperparameters) are dropped: Syne Tune's domains have none. Syne Tune knows no conditions: every
hyperparameter is proposed and the inactive ones are dropped before evaluation (Syne Tune is still
told the full configuration it proposed). Numeric values are clipped to the ConfigSpace bounds
(``exp(log(x))`` can miss a bound by one ulp) and become Python scalars.

Forbidden clauses. Single-fidelity methods: a proposal that violates one is told as the worst cost
seen so far, without being evaluated, and the next proposal is asked; before the first success such
proposals (and failed trials) wait and are told once a worst cost exists. Multi-fidelity methods:
the proposal is dropped before Syne Tune adds it as a trial (no bracket, no rung entry), since a
made-up result would enter the rungs and decide other trials' promotions.

Fidelity (multi-fidelity). Syne Tune 0.16 ships ASHA and MOASHA of the *stopping* type only (no
promotion type, no synchronous Hyperband, no MOBSTER or Hyper-Tune). A Syne Tune trial is a
training run that reports a result at every resource level and is stopped early; here it becomes a
chain of carps trials, one per rung it reaches, each evaluated from scratch at that rung's level:
the task's ``fidelity.low`` is the grace period (the lowest rung), ``fidelity.high`` is ``max_t``,
rungs are ``low * reduction_factor**k`` and a trial that passes the top rung ends at ``max_t``.
Syne Tune's bracket rule decides only at rungs, so reporting only there gives the decisions a
per-epoch report would. After each carps trial the scheduler's ``on_trial_result`` says CONTINUE
(the next carps trial is the same configuration at the next rung) or STOP (the chain ends and the
trial is removed, as Syne Tune's tuner removes it). Each carps trial is charged for the level it
ran at, so a configuration stopped at a rung has paid for every rung it reached. On an integer
fidelity a rung is run at the first integer level at or above it (where an epoch-reporting trial
first meets it). A failed trial goes through Syne Tune's own failure path (``on_trial_error``) and
its chain ends.

Failures (single fidelity) are told with the worst cost seen so far, per objective.

Defaults that differ from Syne Tune's: the ``kde`` searcher (alone and in BOHB) starts modelling
after d + 1 observations instead of d (with d its KDE is never fitted before ``top_n_percent`` of
the data exceeds d, see ``_searcher_defaults``). ``cqr`` builds what ``syne_tune.optimizer.baselines.CQR``
builds (and ASHA with ``cqr`` or ``bore``, ``ASHACQR`` and ``ASHABORE``). CQR's surrogate imports Syne
Tune's blackbox repository and with it ``huggingface_hub`` (in the ``synetune`` extra); importing it
downloads nothing and needs no network.

Seeding. ``random_seed`` seeds every scheduler and searcher. Syne Tune also draws from numpy's
*global* generator in many places (random configurations of BORE and random search, Hyperband's
bracket choice, BORE's differential evolution, CQR's sampler); each adapter keeps a private global
state, seeded from the run's seed, that it swaps in around every Syne Tune call and out again
afterwards, so runs are deterministic and never disturb each other or the caller's numpy state.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = SyneTuneBlackbox(ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]}), seed=1, searcher="regularized_evolution")
>>> sorted(opt.ask().config)
['k', 'x']
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer, StopRun
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.conditional import first_legal, legalize, needs_legalizing

#: Syne Tune's trials carry a creation time that no decision reads; a fixed one keeps the clock out
_EPOCH = datetime.datetime(2000, 1, 1)


# space ------------------------------------------------------------------------------------------------
@dataclass
class SyneTuneSpace:
    """A ConfigSpace as Syne Tune's ``config_space`` dict, and the way back to ConfigSpace values."""

    config_space: dict[str, Any]
    #: per hyperparameter: Syne Tune's value -> the ConfigSpace value (bounds, labels, Python scalars)
    decoders: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    def to_values(self, config: dict[str, Any]) -> dict[str, Any]:
        """The values of a Syne Tune configuration in ConfigSpace terms (every hyperparameter, active or not)."""
        return {name: self.decoders[name](config[name]) for name in self.decoders}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _clipped(lower: float, upper: float, cast: type) -> Callable[[Any], Any]:
    return lambda value: cast(min(max(cast(value), lower), upper))


def synetune_space(space: Any) -> SyneTuneSpace:
    """Syne Tune domains for ``space`` (see the module docstring for the mapping).

    >>> from ConfigSpace import ConfigurationSpace, Float
    >>> mapped = synetune_space(ConfigurationSpace({"n": (1, 8), "lr": Float("lr", (1e-4, 1.0), log=True)}))
    >>> sorted(type(d).__name__ for d in mapped.config_space.values())
    ['Float', 'Integer']
    """
    from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter
    from ConfigSpace.hyperparameters import FloatHyperparameter, IntegerHyperparameter

    sp = require("syne_tune.config_space", extra="synetune")
    domains: dict[str, Any] = {}
    decoders: dict[str, Callable[[Any], Any]] = {}
    for hp in space.values():
        name = hp.name
        if isinstance(hp, FloatHyperparameter):
            lower, upper = float(hp.lower), float(hp.upper)
            domains[name] = (sp.loguniform if hp.log else sp.uniform)(lower, upper)
            decoders[name] = _clipped(lower, upper, float)
        elif isinstance(hp, IntegerHyperparameter):
            lower, upper = int(hp.lower), int(hp.upper)
            domains[name] = (sp.lograndint if hp.log else sp.randint)(lower, upper)
            decoders[name] = _clipped(lower, upper, int)
        elif isinstance(hp, (CategoricalHyperparameter, OrdinalHyperparameter)):
            values = [_plain(v) for v in (hp.choices if isinstance(hp, CategoricalHyperparameter) else hp.sequence)]
            same_type = len({type(v) for v in values}) == 1 and isinstance(values[0], (str, int, float, bool))
            labels = values if same_type else [str(i) for i in range(len(values))]
            if isinstance(hp, CategoricalHyperparameter):
                domains[name] = sp.choice(labels)
            else:
                numeric = same_type and isinstance(values[0], (int, float)) and not isinstance(values[0], bool)
                increasing = numeric and all(a < b for a, b in zip(values, values[1:]))
                domains[name] = sp.ordinal(labels, kind="nn" if increasing and len(values) > 1 else "equal")
            by_label = dict(zip(labels, values))
            decoders[name] = lambda label, by_label=by_label: by_label[_plain(label)]
        elif isinstance(hp, Constant):
            domains[name] = _plain(hp.value)
            decoders[name] = lambda value, constant=_plain(hp.value): constant
        else:
            raise CarpsError(f"hyperparameter '{name}' of type {type(hp).__name__} has no Syne Tune equivalent")
    return SyneTuneSpace(domains, decoders)


# numpy's global generator ----------------------------------------------------------------------------
class PrivateGlobalRandom:
    """A numpy global-generator state of one's own, swapped in around library calls.

    Syne Tune samples random configurations, brackets and more from ``np.random`` itself, whatever
    seed its objects got. Inside ``with`` the global generator continues this object's stream; on
    exit that stream is saved and the caller's state comes back untouched.

    >>> rng = PrivateGlobalRandom(3)
    >>> with rng:
    ...     a = np.random.rand()
    >>> np.random.RandomState(3).rand() == a
    True
    """

    def __init__(self, seed: int) -> None:
        self._state = np.random.RandomState(seed).get_state()
        self._outer: Any = None

    def __enter__(self) -> PrivateGlobalRandom:
        self._outer = np.random.get_state()
        np.random.set_state(self._state)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._state = np.random.get_state()
        np.random.set_state(self._outer)
        self._outer = None


# adapters ---------------------------------------------------------------------------------------------
def _quiet_syne_tune() -> None:
    # Syne Tune logs a warning for every failed trial and every degenerate model fit; carps records those itself
    logging.getLogger("syne_tune").setLevel(logging.ERROR)


class _SyneTuneBase(Optimizer):
    """What every Syne Tune adapter shares: the mapped space, the private global RNG, legal configs."""

    library = "syne-tune"
    #: rejected proposals in a row before giving up (a forbidden region that covers almost everything)
    max_rejections = 1000

    def _prepare(self) -> None:
        require("syne_tune", extra="synetune")
        _quiet_syne_tune()
        self._mapped = synetune_space(self.space)
        self._legalize = needs_legalizing(self.space)
        self._random = PrivateGlobalRandom(self.seed)
        self._metrics = [f"cost_{i}" for i in range(len(self.objectives))]

    @contextlib.contextmanager
    def _calling(self) -> Iterator[None]:
        """Around every Syne Tune call: the private global RNG, and no FutureWarning from statsmodels' KDE
        (it announces the default generator it will take in 2028, once per fit; the KDEs here get their bandwidth by rule, not by sampling)."""
        with self._random, warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield

    def _legal(self, config: dict[str, Any]) -> dict[str, Any] | None:
        """The configuration carps evaluates for a Syne Tune proposal, or None if it violates a forbidden clause."""
        values = self._mapped.to_values(config)
        return legalize(self.space, values) if self._legalize else values

    def _result(self, costs: list[float]) -> dict[str, float]:
        return dict(zip(self._metrics, costs))

    def _searcher_defaults(self, searcher: str, searcher_kwargs: dict[str, Any]) -> dict[str, Any]:
        if searcher == "kde" and searcher_kwargs.get("num_min_data_points") is None:
            # Syne Tune's default (the number of hyperparameters d) gives a "good" set of d points, and
            # its KDE is only fitted on more than d: with the default it stays random search until
            # top_n_percent of the data exceeds d (60 trials on 8 dimensions); d + 1 lets it fit
            n_domains = sum(1 for d in self._mapped.config_space.values() if hasattr(d, "sample"))
            searcher_kwargs = {**searcher_kwargs, "num_min_data_points": n_domains + 1}
        return searcher_kwargs


class _SingleFidelity(_SyneTuneBase):
    """A Syne Tune single-fidelity scheduler through ``AskTellScheduler``, with worst-cost imputation."""

    def _start(self, scheduler: Any) -> None:
        from syne_tune.optimizer.schedulers.ask_tell_scheduler import AskTellScheduler

        self._ask_tell = AskTellScheduler(base_scheduler=scheduler)
        self._worst: list[float] | None = None
        self._unpriced: list[Any] = []  # Syne Tune trials to tell once a worst cost exists

    def _proposal(self) -> tuple[dict[str, Any], Any]:
        with self._calling():
            trial = self._ask_tell.ask()
        return trial.config, trial

    def _ask(self) -> TrialInfo:
        config, trial = first_legal(self._proposal, self._legal, self._tell_worst, "Syne Tune", self.max_rejections)
        return TrialInfo(config=config, handle=trial)

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        if not value.ok:
            self._tell_worst(info.handle)
            return
        costs = [float(c) for c in value.costs]  # type: ignore[union-attr]
        self._worst = costs if self._worst is None else [max(w, c) for w, c in zip(self._worst, costs)]
        with self._calling():
            self._ask_tell.tell(info.handle, self._result(costs))
        self._flush()

    def _tell_worst(self, trial: Any) -> None:
        self._unpriced.append(trial)
        if self._worst is not None:
            self._flush()

    def _flush(self) -> None:
        if not self._unpriced:
            return
        result = self._result(self._worst)  # type: ignore[arg-type]
        with self._calling():
            for trial in self._unpriced:
                self._ask_tell.tell(trial, dict(result))
        self._unpriced.clear()


def _check_cqr(searcher: str) -> None:
    if searcher != "cqr":
        return
    try:
        import syne_tune.blackbox_repository  # noqa: F401  (CQR's surrogate imports it, and it imports huggingface_hub)
    except ImportError as exc:
        raise CarpsError(
            f"Syne Tune's CQR searcher needs its blackbox repository, which failed to import ({exc}); "
            'install huggingface_hub with pip install "carps[synetune]"'
        ) from exc


#: single-objective searchers by the names of Syne Tune's searcher factory
BLACKBOX_SEARCHERS = ("bore", "kde", "cqr", "regularized_evolution", "random_search")


class SyneTuneBlackbox(_SingleFidelity):
    """A single-objective Syne Tune searcher; ``searcher`` names it, the other parameters are its own arguments."""

    capabilities = Capabilities.of(["blackbox"], parallel=True)

    def _setup(self, searcher: str = "bore", **searcher_kwargs: Any) -> None:
        if searcher not in BLACKBOX_SEARCHERS:
            raise CarpsError(f"unknown Syne Tune searcher '{searcher}'; choose one of {', '.join(BLACKBOX_SEARCHERS)}")
        self._prepare()
        _check_cqr(searcher)
        from syne_tune.optimizer.schedulers.single_objective_scheduler import SingleObjectiveScheduler

        with self._calling():
            try:
                scheduler = SingleObjectiveScheduler(
                    self._mapped.config_space,
                    metric=self._metrics[0],
                    do_minimize=True,
                    searcher=searcher,
                    random_seed=self.seed,
                    searcher_kwargs={"random_seed": self.seed, **self._searcher_defaults(searcher, searcher_kwargs)},
                )
            except TypeError as exc:
                raise CarpsError(f"Syne Tune searcher '{searcher}' rejected its parameters: {exc}") from exc
        self._start(scheduler)


class SyneTuneMultiObjective(_SingleFidelity):
    """Syne Tune's multi-objective searchers: ``regularized_evolution`` (with a ``priority`` of :data:`PRIORITIES`) or ``random_search``."""

    capabilities = Capabilities.of(["multiobjective"], parallel=True)

    def _setup(self, searcher: str = "regularized_evolution", priority: str = "non_dominated", **searcher_kwargs: Any) -> None:
        self._prepare()
        from syne_tune.optimizer.schedulers.single_fidelity_scheduler import SingleFidelityScheduler

        if searcher == "regularized_evolution":
            from syne_tune.optimizer.schedulers.multiobjective import MultiObjectiveRegularizedEvolution

            searcher_kwargs["multiobjective_priority"] = _priority(priority, len(self._metrics))
            searcher_cls: Any = MultiObjectiveRegularizedEvolution
        elif searcher == "random_search":
            from syne_tune.optimizer.schedulers.searchers.random_searcher import MultiObjectiveRandomSearcher

            searcher_cls = MultiObjectiveRandomSearcher
        else:
            raise CarpsError(f"unknown Syne Tune multi-objective searcher '{searcher}'; choose regularized_evolution or random_search")
        with self._calling():
            try:
                searcher_obj = searcher_cls(self._mapped.config_space, random_seed=self.seed, **searcher_kwargs)
            except TypeError as exc:
                raise CarpsError(f"Syne Tune searcher '{searcher}' rejected its parameters: {exc}") from exc
            scheduler = SingleFidelityScheduler(self._mapped.config_space, metrics=self._metrics, do_minimize=True, searcher=searcher_obj, random_seed=self.seed)
        self._start(scheduler)


PRIORITIES = ("non_dominated_rank", "non_dominated", "linear")


def _priority(name: str, n_objectives: int) -> Any:
    from syne_tune.optimizer.schedulers.multiobjective.multiobjective_priority import LinearScalarizationPriority, NonDominatedPriority

    if name == "non_dominated_rank":
        return NonDominatedRank(NonDominatedPriority())
    if name == "non_dominated":  # as shipped: an order where its callers expect scores (NonDominatedRank)
        return NonDominatedPriority()
    if name == "linear":
        # equal weights: the mean of the costs (the costs are not normalized first)
        return LinearScalarizationPriority(weights=np.ones(n_objectives))
    raise CarpsError(f"unknown Syne Tune multi-objective priority '{name}'; choose one of {', '.join(PRIORITIES)}")


class NonDominatedRank:
    """Syne Tune's non-dominated sort as one score per item: its position in the sort (lower is better).

    That is what Syne Tune's ``MOPriority`` documents and what MOASHA and the multi-objective
    regularized evolution read. Syne Tune 0.16's ``NonDominatedPriority`` returns the sorted order
    itself (item indices, best first), so a caller reading it as scores ranks items by where the
    others landed: MOASHA then stops a new trial that dominates every other one, and the evolution
    picks parents regardless of their rank (docs/optimizers.md). This wraps the library's sort and
    inverts its order; the sort itself is Syne Tune's.

    >>> import numpy as np
    >>> from syne_tune.optimizer.schedulers.multiobjective.multiobjective_priority import NonDominatedPriority
    >>> NonDominatedRank(NonDominatedPriority())(np.array([[3.0, 3.0], [1.0, 2.0], [2.0, 1.0]])).tolist()
    [2, 0, 1]
    """

    def __init__(self, sort: Any) -> None:
        self.sort = sort

    def __call__(self, objectives: np.ndarray) -> np.ndarray:
        order = np.asarray(self.sort(objectives), dtype=int)
        ranks = np.empty(len(order), dtype=int)
        ranks[order] = np.arange(len(order))
        return ranks


class _Rungs(_SyneTuneBase):
    """A stopping-type Syne Tune scheduler (ASHA, MOASHA) as chains of carps trials, one per rung (module docstring)."""

    def _fidelity_range(self, grace_period: float | None) -> tuple[float, float]:
        fid = self.fidelity
        if fid is None:
            raise CarpsError(f"{type(self).__name__} needs a task with a fidelity")
        low = fid.low if grace_period is None else float(grace_period)
        if not 0 < low <= fid.high:
            raise CarpsError(f"Syne Tune's grace period (the lowest rung) must lie in (0, {fid.high}], got {low}; pass grace_period=... for a fidelity that starts at 0")
        if fid.integer:
            return int(math.ceil(low - 1e-9)), int(fid.high)
        return low, float(fid.high)

    def _start(self, scheduler: Any) -> None:
        self._scheduler = scheduler
        self._n_trials = 0
        self._continuing: list[tuple[Any, dict[str, Any], float]] = []  # (trial, config, next level)

    def _level(self, milestone: float) -> float:
        fid = self.fidelity
        level = min(max(milestone, fid.low), fid.high)  # type: ignore[union-attr]
        # an epoch-reporting trial first meets a rung at the first integer epoch at or above it
        return min(int(math.ceil(level - 1e-9)), int(fid.high)) if fid.integer else float(level)  # type: ignore[union-attr]

    def _next_level(self, trial: Any, done: float | None) -> float:
        """The level of the trial's next rung after ``done`` (its first one for None); ``max_t`` after the top rung."""
        milestones = sorted(m for m, _ in self._scheduler.trial_info[trial.trial_id].rungs)
        for milestone in milestones:
            if done is None or self._level(milestone) > done:
                return self._level(milestone)
        return self._level(self._scheduler.max_t)

    def _ask(self) -> TrialInfo:
        from syne_tune.backend.trial_status import Trial

        if self._continuing:
            trial, config, level = self._continuing.pop()
            return TrialInfo(config=config, fidelity=level, handle=(trial, level))
        # a rejected suggestion is never added: the scheduler keeps no record of proposals it has not started
        legal, suggestion = first_legal(self._suggestion, self._legal, lambda s: None, "Syne Tune", self.max_rejections)
        trial = Trial(trial_id=self._n_trials, config=suggestion.config, creation_time=_EPOCH)
        self._n_trials += 1
        with self._calling():
            self._scheduler.on_trial_add(trial)
        level = self._next_level(trial, None)
        return TrialInfo(config=legal, fidelity=level, handle=(trial, level))

    def _suggestion(self) -> tuple[dict[str, Any], Any]:
        with self._calling():
            suggestion = self._scheduler.suggest()
        if suggestion is None:
            raise StopRun
        return suggestion.config, suggestion

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        from syne_tune.optimizer.scheduler import SchedulerDecision

        trial, level = info.handle
        with self._calling():
            if not value.ok:
                self._scheduler.on_trial_error(trial)
                self._scheduler.on_trial_remove(trial)
                return
            result = self._result([float(c) for c in value.costs])  # type: ignore[union-attr]
            result[self._scheduler.time_attr] = level
            decision = self._scheduler.on_trial_result(trial, result)
            if decision == SchedulerDecision.CONTINUE:
                self._continuing.append((trial, info.config, self._next_level(trial, level)))
            else:
                self._scheduler.on_trial_remove(trial)


#: searchers ASHA can propose with (Syne Tune fits them on each trial's last result)
MULTIFIDELITY_SEARCHERS = ("random_search", "kde", "bore", "cqr")


def _n_brackets(brackets: int | str, low: float, high: float, reduction_factor: float) -> int:
    most = int(math.log(high / low) / math.log(reduction_factor) + 1e-9) + 1
    if brackets == "all":
        return most
    if not isinstance(brackets, int) or brackets < 1:
        raise CarpsError(f"brackets must be a positive integer or 'all', got {brackets!r}")
    return min(brackets, most)


class SyneTuneMultiFidelity(_Rungs):
    """Syne Tune's asynchronous successive halving; ``searcher`` proposes, ``brackets`` > 1 (or ``all``) makes it asynchronous Hyperband.

    Other parameters: ``reduction_factor`` (eta), ``grace_period`` (the lowest rung; the task's
    ``fidelity.low`` by default), and the searcher's own arguments.
    """

    capabilities = Capabilities.of(["multifidelity"], parallel=True)

    def _setup(
        self,
        searcher: str = "random_search",
        brackets: int | str = 1,
        reduction_factor: float = 3,
        grace_period: float | None = None,
        **searcher_kwargs: Any,
    ) -> None:
        if searcher not in MULTIFIDELITY_SEARCHERS:
            raise CarpsError(f"unknown Syne Tune multi-fidelity searcher '{searcher}'; choose one of {', '.join(MULTIFIDELITY_SEARCHERS)}")
        self._prepare()
        _check_cqr(searcher)
        from syne_tune.optimizer.schedulers.asha import AsynchronousSuccessiveHalving

        low, high = self._fidelity_range(grace_period)
        with self._calling():
            try:
                scheduler = AsynchronousSuccessiveHalving(
                    self._mapped.config_space,
                    metric=self._metrics[0],
                    do_minimize=True,
                    searcher=searcher,
                    time_attr=self.fidelity.name,  # type: ignore[union-attr]
                    max_t=high,
                    grace_period=low,
                    reduction_factor=reduction_factor,
                    brackets=_n_brackets(brackets, low, high, reduction_factor),
                    random_seed=self.seed,
                    searcher_kwargs=self._searcher_defaults(searcher, searcher_kwargs),
                )
            except TypeError as exc:
                raise CarpsError(f"Syne Tune searcher '{searcher}' rejected its parameters: {exc}") from exc
        self._start(scheduler)


class SyneTuneMOASHA(_Rungs):
    """Syne Tune's multi-objective ASHA (random proposals; rungs ranked by a ``priority`` of :data:`PRIORITIES`)."""

    capabilities = Capabilities.of(["momf"], parallel=True)

    def _setup(self, priority: str = "non_dominated", brackets: int | str = 1, reduction_factor: float = 3, grace_period: float | None = None) -> None:
        self._prepare()
        from syne_tune.optimizer.schedulers.multiobjective.moasha import MOASHA

        low, high = self._fidelity_range(grace_period)
        with self._calling():
            scheduler = MOASHA(
                self._mapped.config_space,
                metrics=self._metrics,
                do_minimize=True,
                time_attr=self.fidelity.name,  # type: ignore[union-attr]
                multiobjective_priority=_priority(priority, len(self._metrics)),
                max_t=high,
                grace_period=low,
                reduction_factor=reduction_factor,
                brackets=_n_brackets(brackets, low, high, reduction_factor),
                random_seed=self.seed,
            )
        self._start(scheduler)
