"""Cheap synthetic multi-fidelity tasks with known optima: single-objective (``mfsynth``) and
multi-objective (``momfsynth``).

Fidelity ``z`` runs over [0.01, 1]; at ``z = 1`` every function is the textbook one, so its known
optimum (``Objective.lower``) or Pareto front holds there. The *strength* ``s`` of the fidelity bias
controls how well low fidelities predict high ones (larger ``s``: lower correlation); task names end
in ``s025``, ``s050``, ``s100`` or ``s200`` for ``s = 0.25 .. 2``.

- Parametric forms after Kandasamy et al. (2017): Branin with ``b, c, t`` perturbed in proportion to
  ``e = s * (1 - z)``; Hartmann-3/6 with ``alpha + 0.5 e [-1, 1, 1, -1]``.
- Blended forms for Forrester (with Forrester et al.'s 2007 low-fidelity model) and for d-dimensional
  functions (Rosenbrock, Styblinski-Tang, Ackley, Levy, Rastrigin, whose low-fidelity model is the
  function shifted by 20% of the domain per axis): ``(1 - w) f_high + w f_low`` with
  ``w = min(1, s (1 - z) / 2)``, so the low-fidelity optimum moves away as fidelity drops.
- momf: ZDT and DTLZ problems (through pymoo) whose objectives get a smooth bias of amplitude
  ``s * (1 - z)`` times the Pareto front's range; the z=1 front is pymoo's.

>>> from carps.benchmarks.synthetic import make_mf_task
>>> task = make_mf_task("branin", 2, "s100")
>>> round(task.evaluate({"x0": 3.14159265, "x1": 2.275}, fidelity=1.0).objectives[0], 6)
0.397887
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from carps.benchmarks.budget import default_budget
from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError
from carps.core.task import Task
from carps.core.types import Fidelity, Objective, TaskType

STRENGTHS = {"s025": 0.25, "s050": 0.5, "s100": 1.0, "s200": 2.0}
FIDELITY = Fidelity("z", 0.01, 1.0, log=True)

# ---------------------------------------------------------------------------------------------
# single-objective functions: f(X, z, s) on a batch X (n x d); z is a vector of fidelities


def _branin(x: np.ndarray, z: np.ndarray, s: float) -> np.ndarray:
    e = 10 * s * (1.0 - z)  # Kandasamy et al.'s perturbations, ten-fold so the optimum visibly moves
    b = 5.1 / (4 * math.pi**2) - 0.01 * e
    c = 5 / math.pi - 0.1 * e
    t = 1 / (8 * math.pi) + 0.05 * e
    x1, x2 = x[:, 0], x[:, 1]
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * np.cos(x1) + 10


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array(
    [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
)
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H_SIGNS = np.array([-1.0, 1.0, 1.0, -1.0])  # reweights the four basins, so their ranking changes


def _hartmann(a: np.ndarray, p: np.ndarray) -> Callable[[np.ndarray, np.ndarray, float], np.ndarray]:
    def f(x: np.ndarray, z: np.ndarray, s: float) -> np.ndarray:
        alpha = _H_ALPHA[None, :] + 0.5 * s * (1.0 - z)[:, None] * _H_SIGNS[None, :]
        inner = np.einsum("ij,nij->ni", a, (x[:, None, :] - p[None, :, :]) ** 2)
        return -(alpha * np.exp(-inner)).sum(axis=1)

    return f


def _forrester(x: np.ndarray, z: np.ndarray, s: float) -> np.ndarray:
    u = x[:, 0]
    high = (6 * u - 2) ** 2 * np.sin(12 * u - 4)
    low = 0.5 * high + 10 * (u - 0.5) + 5  # Forrester's low-fidelity model
    w = _weight(z, s)
    return (1 - w) * high + w * low


def _rosenbrock(x: np.ndarray) -> np.ndarray:
    return (100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2).sum(axis=1)


def _styblinski_tang(x: np.ndarray) -> np.ndarray:
    return 0.5 * (x**4 - 16 * x**2 + 5 * x).sum(axis=1)


def _ackley(x: np.ndarray) -> np.ndarray:
    d = x.shape[1]
    return -20 * np.exp(-0.2 * np.sqrt((x**2).sum(axis=1) / d)) - np.exp(np.cos(2 * math.pi * x).sum(axis=1) / d) + 20 + math.e


def _levy(x: np.ndarray) -> np.ndarray:
    w = 1 + (x - 1) / 4
    head = np.sin(math.pi * w[:, 0]) ** 2
    mid = ((w[:, :-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:, :-1] + 1) ** 2)).sum(axis=1)
    tail = (w[:, -1] - 1) ** 2 * (1 + np.sin(2 * math.pi * w[:, -1]) ** 2)
    return head + mid + tail


def _rastrigin(x: np.ndarray) -> np.ndarray:
    return 10 * x.shape[1] + (x**2 - 10 * np.cos(2 * math.pi * x)).sum(axis=1)


@dataclass(frozen=True)
class MFFunction:
    """A function with its box, known optimum and, for the classic ones, fixed dimension."""

    evaluate: Callable[[np.ndarray, np.ndarray, float], np.ndarray]
    bounds: tuple[float, float] | list[tuple[float, float]]
    optimum: Callable[[int], float]
    argmin: Callable[[int], list[float]]
    dimension: int | None = None  # None: any dimension >= 2


def _weight(z: np.ndarray, s: float) -> np.ndarray:
    """Weight of the low-fidelity model: 0 at z = 1, up to 1 at low z for s = 2."""
    return np.minimum(1.0, 0.5 * s * (1.0 - z))


def _shifted(f: Callable[[np.ndarray], np.ndarray], low: float, high: float) -> Callable[[np.ndarray, np.ndarray, float], np.ndarray]:
    def g(x: np.ndarray, z: np.ndarray, s: float) -> np.ndarray:
        direction = np.where(np.arange(x.shape[1]) % 2 == 0, 1.0, -1.0)
        w = _weight(z, s)
        return (1 - w) * f(x) + w * f(x - 0.2 * (high - low) * direction[None, :])

    return g


MF_FUNCTIONS: dict[str, MFFunction] = {
    "branin": MFFunction(_branin, [(-5.0, 10.0), (0.0, 15.0)], lambda d: 0.39788735772973816, lambda d: [math.pi, 2.275], 2),
    "hartmann3": MFFunction(_hartmann(_H3_A, _H3_P), (0.0, 1.0), lambda d: -3.8627797869493365, lambda d: [0.114614, 0.555649, 0.852547], 3),
    "hartmann6": MFFunction(
        _hartmann(_H6_A, _H6_P), (0.0, 1.0), lambda d: -3.322368011391339, lambda d: [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573], 6
    ),
    "forrester": MFFunction(_forrester, (0.0, 1.0), lambda d: -6.020740055767083, lambda d: [0.7572487144081974], 1),
    "rosenbrock": MFFunction(_shifted(_rosenbrock, -5.0, 10.0), (-5.0, 10.0), lambda d: 0.0, lambda d: [1.0] * d),
    "styblinski_tang": MFFunction(_shifted(_styblinski_tang, -5.0, 5.0), (-5.0, 5.0), lambda d: -39.16616570377142 * d, lambda d: [-2.903534027771178] * d),
    "ackley": MFFunction(_shifted(_ackley, -32.768, 32.768), (-32.768, 32.768), lambda d: 0.0, lambda d: [0.0] * d),
    "levy": MFFunction(_shifted(_levy, -10.0, 10.0), (-10.0, 10.0), lambda d: 0.0, lambda d: [1.0] * d),
    "rastrigin": MFFunction(_shifted(_rastrigin, -5.12, 5.12), (-5.12, 5.12), lambda d: 0.0, lambda d: [0.0] * d),
}

_MF_ID = re.compile(r"^multifidelity/mfsynth/([a-z_0-9]+?)_d(\d+)_(s\d{3})$")
_MOMF_ID = re.compile(r"^momf/momfsynth/(zdt\d|dtlz\d)(?:_m(\d+))?_d(\d+)_(s\d{3})$")


class SyntheticMF(BenchmarkFamily):
    """Multi-fidelity functions; ``functions`` maps a name to its dimensions, ``strengths`` picks the bias levels."""

    def __init__(self, functions: dict[str, list[int]], strengths: Sequence[str] = tuple(STRENGTHS)) -> None:
        super().__init__(functions=functions, strengths=strengths)
        unknown = set(functions) - set(MF_FUNCTIONS) or set(strengths) - set(STRENGTHS)
        if unknown:
            raise UnknownNameError(f"mfsynth catalog names unknown entries {sorted(unknown)}; functions: {', '.join(MF_FUNCTIONS)}; strengths: {', '.join(STRENGTHS)}")
        self.functions = {k: [int(d) for d in v] for k, v in functions.items()}
        self.strengths = list(strengths)

    def task_ids(self) -> list[str]:
        return [f"multifidelity/mfsynth/{f}_d{d}_{s}" for f, dims in self.functions.items() for d in dims for s in self.strengths]

    def get_task(self, task_id: str) -> Task:
        match = _MF_ID.match(task_id)
        if not match:
            raise UnknownNameError(f"'{task_id}' is not an mfsynth task id; they look like multifidelity/mfsynth/branin_d2_s100")
        name, dim, strength = match.group(1), int(match.group(2)), match.group(3)
        return make_mf_task(name, dim, strength)


def make_mf_task(name: str, dim: int, strength: str) -> Task:
    """One single-objective multi-fidelity task; ``strength`` is a key of :data:`STRENGTHS`."""
    from ConfigSpace import ConfigurationSpace, Float

    task_id = f"multifidelity/mfsynth/{name}_d{dim}_{strength}"
    fn = MF_FUNCTIONS.get(name)
    if fn is None or strength not in STRENGTHS or (fn.dimension is not None and fn.dimension != dim) or dim < 1:
        raise UnknownNameError(f"unknown mfsynth task '{task_id}'; functions: {', '.join(MF_FUNCTIONS)}; strengths: {', '.join(STRENGTHS)}")
    s = STRENGTHS[strength]
    bounds = fn.bounds if isinstance(fn.bounds, list) else [fn.bounds] * dim
    names = [f"x{j}" for j in range(dim)]
    space = ConfigurationSpace({n: Float(n, (float(lo), float(hi))) for n, (lo, hi) in zip(names, bounds)})
    check = ConfigCheck(space, task_id)

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Sequence[float | None], seed: int | None) -> list[float]:
        for config, z in zip(configs, fidelities):
            check(config)
            check.fidelity(FIDELITY, z)
        x = np.array([[c[n] for n in names] for c in configs], dtype=float).reshape(len(configs), dim)
        z = np.array([FIDELITY.high if f is None else f for f in fidelities], dtype=float)
        return fn.evaluate(x, z, s).tolist()


    return Task(
        id=task_id,
        type=TaskType.MULTIFIDELITY,
        space=space,
        objectives=(Objective("y", minimize=True, lower=fn.optimum(dim)),),
        batch_function=batch_function,
        fidelity=FIDELITY,
        budget=default_budget(dim),
        metadata={"function": name, "dimension": dim, "strength": s, "optimum_x": fn.argmin(dim)},
    )


# ---------------------------------------------------------------------------------------------
# multi-objective multi-fidelity


class SyntheticMOMF(BenchmarkFamily):
    """ZDT/DTLZ with a fidelity bias; ``zdt``: problem -> dimensions, ``dtlz``: problem -> [n_obj, n_var] pairs."""

    def __init__(self, zdt: dict[str, list[int]], dtlz: dict[str, list[list[int]]], strengths: Sequence[str] = tuple(STRENGTHS)) -> None:
        super().__init__(zdt=zdt, dtlz=dtlz, strengths=strengths)
        self.grid: list[tuple[str, int | None, int]] = [(k, None, int(d)) for k, dims in zdt.items() for d in dims]
        self.grid += [(k, int(m), int(d)) for k, pairs in dtlz.items() for m, d in pairs]
        self.strengths = list(strengths)

    def task_ids(self) -> list[str]:
        return [momf_task_id(p, m, d, s) for p, m, d in self.grid for s in self.strengths]

    def get_task(self, task_id: str) -> Task:
        match = _MOMF_ID.match(task_id)
        if not match:
            raise UnknownNameError(f"'{task_id}' is not a momfsynth task id; they look like momf/momfsynth/zdt1_d10_s100 or momf/momfsynth/dtlz2_m3_d12_s050")
        name, m, d, strength = match.groups()
        return make_momf_task(name, int(m) if m else None, int(d), strength)


def momf_task_id(name: str, n_obj: int | None, n_var: int, strength: str) -> str:
    middle = f"_m{n_obj}" if n_obj is not None else ""
    return f"momf/momfsynth/{name}{middle}_d{n_var}_{strength}"


def _bias_phases(name: str, n_obj: int, n_var: int) -> np.ndarray:
    # fixed per problem so every run sees the same low-fidelity landscape
    seed = sum(ord(c) for c in name) * 1009 + n_obj * 101 + n_var
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(n_obj, n_var))


def make_momf_task(name: str, n_obj: int | None, n_var: int, strength: str) -> Task:
    """One multi-objective multi-fidelity task built on a pymoo problem."""
    from ConfigSpace import ConfigurationSpace, Float

    from carps.benchmarks.pymoo_problems import _front, pymoo_problem

    task_id = momf_task_id(name, n_obj, n_var, strength)
    if strength not in STRENGTHS or not name.startswith(("zdt", "dtlz")) or name == "zdt5":
        raise UnknownNameError(f"unknown momfsynth task '{task_id}'; problems: zdt1-4, zdt6, dtlz1-7; strengths: {', '.join(STRENGTHS)}")
    try:
        problem = pymoo_problem(name, n_obj, n_var)
    except (ValueError, TypeError) as exc:
        raise UnknownNameError(f"{task_id}: pymoo rejects this combination: {exc}") from None
    s = STRENGTHS[strength]
    names = [f"x{j}" for j in range(n_var)]
    xl, xu = np.asarray(problem.xl, float), np.asarray(problem.xu, float)
    space = ConfigurationSpace({n: Float(n, (float(lo), float(hi))) for n, lo, hi in zip(names, xl, xu)})
    check = ConfigCheck(space, task_id)
    phases = _bias_phases(name, problem.n_obj, n_var)
    scale: list[np.ndarray] = []

    def front_range() -> np.ndarray:
        if not scale:
            front = _front(name, n_obj, n_var)
            scale.append(np.maximum(front.max(axis=0) - front.min(axis=0), 1e-9))
        return scale[0]

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Sequence[float | None], seed: int | None) -> list[list[float]]:
        for config, z in zip(configs, fidelities):
            check(config)
            check.fidelity(FIDELITY, z)
        x = np.array([[c[n] for n in names] for c in configs], dtype=float).reshape(len(configs), n_var)
        z = np.array([FIDELITY.high if f is None else f for f in fidelities], dtype=float)
        f = np.atleast_2d(problem.evaluate(x))
        u = (x - xl) / (xu - xl)
        bias = np.cos(2 * math.pi * (u[:, None, :] + phases[None, :, :])).mean(axis=2)  # n x m, in [-1, 1]
        return (f + (s * (1.0 - z))[:, None] * front_range()[None, :] * bias).tolist()


    return Task(
        id=task_id,
        type=TaskType.MOMF,
        space=space,
        objectives=tuple(Objective(f"f{i + 1}") for i in range(problem.n_obj)),
        batch_function=batch_function,
        fidelity=FIDELITY,
        budget=default_budget(n_var),
        metadata={"problem": name, "n_obj": problem.n_obj, "n_var": n_var, "strength": s, "known_front": "carps.benchmarks.synthetic.known_front"},
    )


def known_front(task_id: str) -> np.ndarray:
    """The full-fidelity Pareto front of a momfsynth task (that of the underlying pymoo problem)."""
    from carps.benchmarks.pymoo_problems import _front

    match = _MOMF_ID.match(task_id)
    if not match:
        raise UnknownNameError(f"'{task_id}' is not a momfsynth task id")
    name, m, d, _ = match.groups()
    return _front(name, int(m) if m else None, int(d)).copy()
