"""pymoo's own algorithms (NSGA-II, NSGA-III, MOEA/D, SMS-EMOA, AGE-MOEA, GA, CMA-ES) behind the ask/tell interface.

pymoo optimizes real vectors in a box, so the ConfigSpace is encoded by :class:`BoxEncoding`: floats
as they are (log scales in log space), integers as ``[lower - 0.5, upper + 0.5]`` rounded to the
nearest integer (every value gets an equally wide bin; log scales in log space), categoricals and
ordinals as an index in ``[-0.5, n - 0.5]`` rounded likewise; constants are added back unchanged.
Every hyperparameter is proposed and the inactive ones are dropped (conditions).

pymoo is driven by its ask/tell interface (``algorithm.ask()``, ``algorithm.evaluator.eval``,
``algorithm.tell(infills=...)``), one generation at a time: carps' ``ask`` hands the generation's
individuals out one by one (several asks before the tells work, within a generation), ``tell``
collects their costs, and the complete generation is told to pymoo. A proposal that violates a
forbidden clause is never evaluated: it is told to pymoo as infeasible (an inequality constraint
``G = 1``; feasible trials have ``G = 0``), with the worst costs seen so far as its objectives, and so
is a failed trial. MOEA/D (no constraint handling in pymoo) and NSGA-III (whose tournament breaks
ties between equally infeasible individuals with an unseeded generator in pymoo 0.6.2) are told
the worst costs alone.

The run's seed is pymoo's ``seed`` (``algorithm.setup(problem, seed=...)``); ``cma``, behind pymoo's
CMA-ES, seeds and draws from numpy's global generator, which the adapter swaps for a private one
around every pymoo call. pymoo's termination is ``NoTermination``: carps' loop owns the budget; when
pymoo has nothing left to propose (CMA-ES converged without restarts, a GA that mates only
duplicates) the run ends there (``StopRun``). On momf tasks the multi-objective algorithms run every
trial at the highest fidelity. The loop's ``eval_batch`` (a fixed number of asks before the tells)
is not offered: pymoo's generations vary in size (MOEA/D proposes one individual at a time,
duplicates and forbidden proposals shorten a GA's), so a fixed batch would run past a generation
whose results pymoo needs first.

>>> from ConfigSpace import ConfigurationSpace
>>> opt = PymooSingleObjective(ConfigurationSpace({"x": (0.0, 1.0), "k": ["a", "b"]}), seed=1, algorithm="ga", population_size=4)
>>> sorted(opt.ask().config)
['k', 'x']
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, ClassVar, Iterator

import numpy as np

from carps.core.errors import CarpsError, require
from carps.core.optimizer import Capabilities, Optimizer, StopRun, WaitForResults
from carps.core.types import TrialInfo, TrialValue
from carps.optimizers.conditional import legalize, needs_legalizing

_FLOAT, _INT, _INDEX = 0, 1, 2


def _plain(value: Any) -> Any:
    """Python scalars instead of numpy ones, so configs stay JSON-plain."""
    return value.item() if isinstance(value, np.generic) else value


class BoxEncoding:
    """A ConfigSpace as a box of reals for pymoo, and back.

    >>> from ConfigSpace import ConfigurationSpace, Float
    >>> space = ConfigurationSpace({"n": (1, 4), "k": ["a", "b", "c"]})
    >>> space.add(Float("lr", (1e-4, 1e-1), log=True))
    >>> box = BoxEncoding(space)
    >>> back = box.decode(box.encode({"n": 3, "k": "c", "lr": 0.01}))
    >>> back["n"], back["k"], round(back["lr"], 12)  # exp(log(x)) may move x's last bit
    (3, 'c', 0.01)
    """

    def __init__(self, space: Any) -> None:
        from ConfigSpace import CategoricalHyperparameter, Constant, OrdinalHyperparameter
        from ConfigSpace.hyperparameters import FloatHyperparameter, IntegerHyperparameter

        self.names: list[str] = []
        self.constants: dict[str, Any] = {}
        kinds, logs, lower, upper, low_values, high_values = [], [], [], [], [], []
        self._choices: dict[int, tuple[Any, ...]] = {}
        for hp in space.values():
            if isinstance(hp, Constant):
                self.constants[hp.name] = _plain(hp.value)
                continue
            if isinstance(hp, FloatHyperparameter):
                kind, lo, hi = _FLOAT, float(hp.lower), float(hp.upper)
                edges = (lo, hi)
            elif isinstance(hp, IntegerHyperparameter):
                kind, lo, hi = _INT, float(hp.lower), float(hp.upper)
                edges = (lo - 0.5, hi + 0.5)  # lower >= 1 on a log scale, so the edge stays positive
            elif isinstance(hp, (CategoricalHyperparameter, OrdinalHyperparameter)):
                values = hp.choices if isinstance(hp, CategoricalHyperparameter) else hp.sequence
                self._choices[len(self.names)] = tuple(_plain(v) for v in values)
                kind, lo, hi = _INDEX, 0.0, float(len(values) - 1)
                edges = (-0.5, len(values) - 0.5)
            else:
                raise CarpsError(f"hyperparameter '{hp.name}' of type {type(hp).__name__} has no pymoo encoding")
            log = bool(getattr(hp, "log", False)) and kind != _INDEX
            self.names.append(hp.name)
            kinds.append(kind)
            logs.append(log)
            lower.append(math.log(edges[0]) if log else edges[0])
            upper.append(math.log(edges[1]) if log else edges[1])
            low_values.append(lo)
            high_values.append(hi)
        self._kinds = np.array(kinds, dtype=int)
        self._log = np.array(logs, dtype=bool)
        #: the box pymoo searches
        self.lower = np.array(lower, dtype=float)
        self.upper = np.array(upper, dtype=float)
        self._low = np.array(low_values, dtype=float)
        self._high = np.array(high_values, dtype=float)

    def __len__(self) -> int:
        return len(self.names)

    def encode(self, config: dict[str, Any]) -> np.ndarray:
        """The vector of a full assignment (an inactive hyperparameter left out encodes as its box's middle)."""
        x = (self.lower + self.upper) / 2
        for i, name in enumerate(self.names):
            if name not in config:
                continue
            value = config[name]
            if self._kinds[i] == _INDEX:
                x[i] = float(self._choices[i].index(value))
            else:
                x[i] = math.log(value) if self._log[i] else float(value)
        return x

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """The full assignment (every hyperparameter, constants included) that the vector ``x`` stands for."""
        values = np.where(self._log, np.exp(x), x)
        rounded = self._kinds != _FLOAT
        # half up, not numpy's half to even: every integer gets a bin of the same width
        values = np.where(rounded, np.floor(values + 0.5), values)
        values = np.clip(values, self._low, self._high).tolist()
        config: dict[str, Any] = {}
        for i, (name, kind, value) in enumerate(zip(self.names, self._kinds.tolist(), values)):
            if kind == _FLOAT:
                config[name] = value
            elif kind == _INT:
                config[name] = int(value)
            else:
                config[name] = self._choices[i][int(value)]
        config.update(self.constants)
        return config


def reference_directions(n_objectives: int, at_least: int) -> np.ndarray:
    """Das-Dennis reference directions: the fewest partitions that give at least ``at_least`` directions.

    >>> reference_directions(2, 20).shape, reference_directions(3, 20).shape, reference_directions(8, 20).shape
    ((20, 2), (21, 3), (36, 8))
    """
    from pymoo.util.ref_dirs import get_reference_directions

    partitions = 1
    while math.comb(partitions + n_objectives - 1, n_objectives - 1) < at_least:
        partitions += 1
    return get_reference_directions("das-dennis", n_objectives, n_partitions=partitions)


@contextlib.contextmanager
def _own_global_numpy_rng(state: list[Any]) -> Iterator[None]:
    """Run with ``state[0]`` as numpy's global random state and keep what it becomes there.

    ``cma`` (behind pymoo's CMA-ES) seeds and draws from ``np.random``'s global generator; this keeps
    those draws private to one adapter, so two runs side by side, or anything else in the process
    that uses ``np.random``, do not change each other's numbers.
    """
    outside = np.random.get_state()
    if state[0] is not None:
        np.random.set_state(state[0])
    try:
        yield
    finally:
        state[0] = np.random.get_state()
        np.random.set_state(outside)


def _check_arguments(cls: type, kwargs: dict[str, Any]) -> None:
    """Refuse a catalog argument that no ``__init__`` of the algorithm's classes names (pymoo's base swallows them)."""
    import inspect

    known = {
        name
        for klass in cls.__mro__
        if "__init__" in vars(klass)
        for name, param in inspect.signature(vars(klass)["__init__"]).parameters.items()
        if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL)
    }
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise CarpsError(f"pymoo's {cls.__name__} takes no argument {', '.join(map(repr, unknown))}; its arguments: {', '.join(sorted(known - {'self'}))}")


def _build_algorithm(name: str, n_objectives: int, population_size: int | None, kwargs: dict[str, Any]) -> Any:
    """pymoo's algorithm ``name`` with the population size and the variant's extra arguments."""
    algorithm = _construct(name, n_objectives, population_size, kwargs)
    if name != "cmaes":  # CMA-ES passes the rest on to cma as options, which cma checks itself
        _check_arguments(type(algorithm), kwargs)
    return algorithm


def _construct(name: str, n_objectives: int, population_size: int | None, kwargs: dict[str, Any]) -> Any:
    pop = None if population_size is None else int(population_size)
    if name == "cmaes":
        from pymoo.algorithms.soo.nonconvex.cmaes import CMAES

        # the LHS design CMA-ES starts from (pymoo: 20 points) is an attribute, not a constructor argument
        n_sample_points = kwargs.pop("n_sample_points", None)
        algorithm = CMAES(pop_size=pop, **kwargs)
        if n_sample_points is not None:
            algorithm.n_sample_points = int(n_sample_points)
        return algorithm
    pop = 20 if pop is None else pop
    if name == "ga":
        from pymoo.algorithms.soo.nonconvex.ga import GA

        return GA(pop_size=pop, **kwargs)
    if name == "nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(pop_size=pop, **kwargs)
    if name == "nsga3":
        from pymoo.algorithms.moo.nsga3 import NSGA3

        directions = reference_directions(n_objectives, pop)
        return NSGA3(ref_dirs=directions, pop_size=max(pop, len(directions)), **kwargs)
    if name == "moead":
        from pymoo.algorithms.moo.moead import MOEAD

        directions = reference_directions(n_objectives, pop)  # MOEA/D's population is one per direction
        kwargs.setdefault("n_neighbors", min(20, len(directions)))
        return MOEAD(ref_dirs=directions, **kwargs)
    if name == "smsemoa":
        from pymoo.algorithms.moo.sms import SMSEMOA

        return SMSEMOA(pop_size=pop, **kwargs)
    if name == "agemoea":
        require("numba", extra="subsets")  # pymoo's AGE-MOEA survival is numba-compiled (no cache: ~10 s per process)
        from pymoo.algorithms.moo.age import AGEMOEA

        return AGEMOEA(pop_size=pop, **kwargs)
    raise AssertionError(name)


class PymooOptimizer(Optimizer):
    """A pymoo algorithm by name; ``population_size`` and the algorithm's own arguments are catalog parameters."""

    library = "pymoo"
    #: the algorithms a subclass offers
    algorithms: ClassVar[tuple[str, ...]] = ()
    #: generations in a row that hold only forbidden proposals before giving up
    max_rejections = 1000
    #: algorithms told failed and forbidden trials through their costs only, without a constraint
    unconstrained: ClassVar[frozenset[str]] = frozenset({"moead", "nsga3"})

    def _setup(self, algorithm: str = "", population_size: int | None = None, **algorithm_kwargs: Any) -> None:
        if algorithm not in self.algorithms:
            raise CarpsError(f"{type(self).__name__} has no pymoo algorithm '{algorithm}'; choose one of {list(self.algorithms)}")
        if population_size is not None and int(population_size) < 2:
            raise CarpsError(f"population_size must be at least 2, got {population_size}")
        require("pymoo", extra="mo")
        from pymoo.core.individual import Individual
        from pymoo.core.population import Population
        from pymoo.core.termination import NoTermination

        self._individual_cls, self._population_cls = Individual, Population

        self._box = BoxEncoding(self.space)
        if not len(self._box):
            raise CarpsError("pymoo needs at least one hyperparameter that is not a constant")
        n_obj = len(self.objectives)
        # infeasible first where pymoo's algorithm takes constraints and stays seeded with them: MOEA/D
        # refuses constraints, and NSGA-III's tournament (pymoo 0.6.2) breaks a tie between two equally
        # infeasible individuals with an unseeded generator, so those two get the worst costs alone
        self._constrained = algorithm not in self.unconstrained
        self._problem = _told_problem(len(self._box), n_obj, int(self._constrained), self._box.lower, self._box.upper)
        self._algorithm = _build_algorithm(algorithm, n_obj, population_size, dict(algorithm_kwargs))
        self._rng_state: list[Any] | None = [None] if algorithm == "cmaes" else None
        with self._library_rng():
            # carps' loop owns the budget: pymoo never stops on its own count
            self._algorithm.setup(self._problem, seed=self.seed, termination=NoTermination())
        self._legalize = needs_legalizing(self.space)
        self._fidelity = None
        if self.fidelity is not None:  # momf: every trial at the highest fidelity
            self._fidelity = int(self.fidelity.high) if self.fidelity.integer else float(self.fidelity.high)
        self._worst: np.ndarray | None = None
        self._generation = 0
        self._pop: Any = None
        self._configs: list[dict[str, Any] | None] = []
        self._queue: list[int] = []
        self._outstanding = 0
        self._F = np.empty((0, n_obj))
        self._failed = np.empty(0, dtype=bool)
        self._told = np.empty(0, dtype=bool)

    def _library_rng(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext() if self._rng_state is None else _own_global_numpy_rng(self._rng_state)

    def _next_generation(self) -> None:
        """Ask pymoo for its next generation; forbidden proposals are settled at once, the rest queued."""
        for _ in range(self.max_rejections):
            with self._library_rng():
                asked = self._algorithm.ask()
            if asked is None:
                # pymoo has nothing left to propose (CMA-ES converged, GA mated only duplicates)
                raise StopRun
            # MOEA/D proposes one Individual at a time, and wants that very object told back
            pop = self._population_cls.create(asked) if isinstance(asked, self._individual_cls) else asked
            if len(pop) == 0:
                raise StopRun
            self._generation += 1
            self._pop = asked
            configs = [self._box.decode(x) for x in pop.get("X")]
            if self._legalize:
                configs = [legalize(self.space, c) for c in configs]
            self._configs = configs  # type: ignore[assignment]
            self._F = np.zeros((len(pop), len(self.objectives)))
            self._failed = np.array([c is None for c in configs], dtype=bool)
            self._told = self._failed.copy()
            self._queue = [i for i in reversed(range(len(configs))) if configs[i] is not None]
            self._outstanding = len(self._queue)
            if self._queue:
                return
            self._tell_generation()
        raise CarpsError(f"pymoo proposed {self.max_rejections} generations of only forbidden configurations in a row")

    def _ask(self) -> TrialInfo:
        if not self._queue:
            if self._outstanding:
                # the next generation needs this one's results: a parallel run leaves the worker idle until they come
                raise WaitForResults(f"pymoo proposes its next generation from the results of this one: tell the {self._outstanding} trial(s) still out first")
            self._next_generation()
        index = self._queue.pop()
        return TrialInfo(config=dict(self._configs[index]), fidelity=self._fidelity, handle=(self._generation, index))  # type: ignore[arg-type]

    def _tell(self, info: TrialInfo, value: TrialValue) -> None:
        generation, index = info.handle
        if generation != self._generation or self._pop is None:
            raise CarpsError(f"trial {info.trial} belongs to pymoo generation {generation}, which was already told")
        if self._told[index]:
            raise CarpsError(f"trial {info.trial} was already told")
        self._told[index] = True
        if value.ok:
            costs = np.asarray(value.costs, dtype=float)
            self._F[index] = costs
            self._worst = costs if self._worst is None else np.maximum(self._worst, costs)
        else:
            self._failed[index] = True
        self._outstanding -= 1
        if not self._outstanding and not self._queue:
            self._tell_generation()

    def _tell_generation(self) -> None:
        """Tell pymoo the complete generation: failed and forbidden ones as infeasible with the worst costs seen."""
        # before any success there is no worst cost: the failed ones then tie at 0 (and are infeasible)
        worst = np.zeros(len(self.objectives)) if self._worst is None else self._worst
        self._F[self._failed] = worst
        self._problem.told_F = self._F
        self._problem.told_G = self._failed.astype(float)[:, None]
        with self._library_rng():
            self._algorithm.evaluator.eval(self._problem, self._pop)
            self._algorithm.tell(infills=self._pop)
        self._pop = None


def _told_problem(n_var: int, n_obj: int, n_constr: int, lower: np.ndarray, upper: np.ndarray) -> Any:
    """A pymoo ``Problem`` whose evaluation returns the costs carps collected (``told_F``, ``told_G``).

    pymoo computes everything else it keeps (constraint violation, feasibility) from these, as for any problem.
    """
    from pymoo.core.problem import Problem

    class ToldProblem(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=n_var, n_obj=n_obj, n_ieq_constr=n_constr, xl=lower, xu=upper)
            self.told_F: np.ndarray | None = None
            self.told_G: np.ndarray | None = None

        def _evaluate(self, X: np.ndarray, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            out["F"] = self.told_F
            if self.n_ieq_constr:
                out["G"] = self.told_G

    return ToldProblem()


class PymooMultiObjective(PymooOptimizer):
    """NSGA-II, NSGA-III, MOEA/D, SMS-EMOA or AGE-MOEA; on momf tasks every trial runs at the highest fidelity."""

    capabilities = Capabilities.of(["multiobjective", "momf"])
    algorithms = ("nsga2", "nsga3", "moead", "smsemoa", "agemoea")


class PymooSingleObjective(PymooOptimizer):
    """pymoo's genetic algorithm (``ga``) or CMA-ES (``cmaes``, pymoo's wrapper of ``cma``) on blackbox tasks."""

    capabilities = Capabilities.of(["blackbox"])
    algorithms = ("ga", "cmaes")

