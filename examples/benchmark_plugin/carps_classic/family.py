"""The ``classic`` benchmark family: textbook test functions with known optima.

Task ids (``<type>/<family>/<name>``):

- ``blackbox/classic/branin``, ``blackbox/classic/camel``, ``blackbox/classic/hartmann3``,
  ``blackbox/classic/hartmann6``, ``blackbox/classic/rosenbrock_d<d>`` (``d`` from the catalog);
- ``multifidelity/classic/branin_mf``: Branin whose coefficients approach the true ones as the
  fidelity ``accuracy`` grows from 0.1 to 1 (a trial at accuracy ``a`` costs ``a`` of a full one).

Every function is written for a batch (rows of an ``(n, d)`` array), so tasks offer a vectorized
``batch_function`` next to the one-configuration ``function``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError
from carps.core.task import Task
from carps.core.types import Budget, Fidelity, Objective, TaskType

Batch = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (X of shape (n, d), fidelities of shape (n,)) -> (n,)


def _branin_at(x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Branin with its quadratic and linear coefficients lowered by ``shift`` (0 gives the true function)."""
    b = 5.1 / (4 * math.pi**2) - shift
    c = 5 / math.pi - shift
    x1, x2 = x[:, 0], x[:, 1]
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * np.cos(x1) + 10


def branin(x: np.ndarray, fidelity: np.ndarray) -> np.ndarray:
    return _branin_at(x, np.zeros(len(x)))


def branin_mf(x: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    # at accuracy 1 this is exactly Branin; lower accuracy biases the landscape smoothly
    return _branin_at(x, 0.1 * (1.0 - accuracy))


def camel(x: np.ndarray, fidelity: np.ndarray) -> np.ndarray:
    x1, x2 = x[:, 0], x[:, 1]
    return (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
_H6_A = np.array(
    [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _hartmann(x: np.ndarray, a: np.ndarray, p: np.ndarray) -> np.ndarray:
    # (n, 1, d) - (4, d) -> (n, 4, d): the four Gaussian-like bumps at once
    inner = np.sum(a * (x[:, None, :] - p) ** 2, axis=2)
    return -np.exp(-inner) @ _H_ALPHA


def hartmann3(x: np.ndarray, fidelity: np.ndarray) -> np.ndarray:
    return _hartmann(x, _H3_A, _H3_P)


def hartmann6(x: np.ndarray, fidelity: np.ndarray) -> np.ndarray:
    return _hartmann(x, _H6_A, _H6_P)


def rosenbrock(x: np.ndarray, fidelity: np.ndarray) -> np.ndarray:
    return np.sum(100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (x[:, :-1] - 1) ** 2, axis=1)


@dataclass(frozen=True)
class Problem:
    """One test function: its box, its known minimum and where it is attained."""

    function: Batch
    bounds: Sequence[tuple[float, float]]
    optimum: float
    optimum_x: Sequence[float]


def _problems(rosenbrock_dimensions: Sequence[int]) -> dict[str, Problem]:
    problems = {
        "branin": Problem(branin, [(-5, 10), (0, 15)], 0.39788735772973, [math.pi, 2.275]),
        "camel": Problem(camel, [(-3, 3), (-2, 2)], -1.03162845348988, [0.0898420131, -0.7126564032]),
        "hartmann3": Problem(hartmann3, [(0, 1)] * 3, -3.86277978733266, [0.1145889, 0.5556489, 0.852547]),
        "hartmann6": Problem(
            hartmann6, [(0, 1)] * 6, -3.32236801141552, [0.2016895, 0.1500107, 0.476874, 0.2753324, 0.3116516, 0.6573005]
        ),
    }
    for d in rosenbrock_dimensions:
        problems[f"rosenbrock_d{d}"] = Problem(rosenbrock, [(-5, 10)] * d, 0.0, [1.0] * d)
    return problems


class ClassicFunctions(BenchmarkFamily):
    """Classic test functions; ``rosenbrock_dimensions`` (from the catalog YAML) picks the Rosenbrock tasks.

    >>> family = ClassicFunctions(rosenbrock_dimensions=[2])
    >>> family.task_ids()[:2]
    ['blackbox/classic/branin', 'blackbox/classic/camel']
    >>> round(family.get_task("blackbox/classic/rosenbrock_d2").evaluate({"x0": 1.0, "x1": 1.0}).objectives[0], 6)
    0.0
    """

    def __init__(self, rosenbrock_dimensions: Sequence[int] = (2, 5, 10)) -> None:
        super().__init__(rosenbrock_dimensions=list(rosenbrock_dimensions))
        self.rosenbrock_dimensions = [int(d) for d in rosenbrock_dimensions]

    def task_ids(self) -> list[str]:
        # cheap on purpose: `carps list tasks` calls this for every installed family
        names = ["branin", "camel", "hartmann3", "hartmann6"] + [f"rosenbrock_d{d}" for d in self.rosenbrock_dimensions]
        return [f"blackbox/classic/{n}" for n in names] + ["multifidelity/classic/branin_mf"]

    def get_task(self, task_id: str) -> Task:
        if task_id not in self.task_ids():
            raise UnknownNameError(f"'{task_id}' is not a classic task; choose one of: {', '.join(self.task_ids())}")
        kind, _, name = task_id.split("/")
        if kind == "multifidelity":
            base = _problems([])["branin"]
            problem = Problem(branin_mf, base.bounds, base.optimum, base.optimum_x)
            fidelity = Fidelity("accuracy", 0.1, 1.0)
        else:
            problem = _problems(self.rosenbrock_dimensions)[name]
            fidelity = None
        return _make_task(task_id, problem, fidelity)


def _make_task(task_id: str, problem: Problem, fidelity: Fidelity | None) -> Task:
    from ConfigSpace import ConfigurationSpace, Float

    names = [f"x{i}" for i in range(len(problem.bounds))]
    space = ConfigurationSpace({n: Float(n, (float(lo), float(hi))) for n, (lo, hi) in zip(names, problem.bounds)})
    # a closed-form function returns a plausible number for any input: refuse what lies outside the space
    check = ConfigCheck(space, task_id)

    def batch_function(configs: Sequence[dict[str, Any]], fidelities: Sequence[float | None], seed: int | None) -> list[float]:
        for config, value in zip(configs, fidelities):
            check(config)
            check.fidelity(fidelity, value)
        x = np.array([[c[n] for n in names] for c in configs], dtype=float).reshape(len(configs), len(names))
        f = np.array([1.0 if v is None else v for v in fidelities], dtype=float)
        return problem.function(x, f).tolist()

    def function(config: dict[str, Any], fidelity_value: float | None, seed: int | None) -> float:
        return batch_function([config], [fidelity_value], seed)[0]

    dim = len(names)
    return Task(
        id=task_id,
        type=TaskType.MULTIFIDELITY if fidelity else TaskType.BLACKBOX,
        space=space,
        objectives=(Objective("y", minimize=True, lower=problem.optimum),),
        function=function,
        batch_function=batch_function,
        fidelity=fidelity,
        budget=Budget(n_trials=10 * dim + 20),
        metadata={"optimum_x": list(problem.optimum_x), "dimension": dim},
    )
