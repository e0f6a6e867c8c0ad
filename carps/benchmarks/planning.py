"""Planning: rover trajectory planning (60-d) and two-robot pushing (14-d, Box2D), from their published definitions.

Both come from Wang, Gehring, Kohli and Jegelka, *Batched Large-scale Bayesian Optimization in
High-dimensional Spaces* (AISTATS 2018), and were used again by Eriksson et al. (TuRBO, 2019).
They are rebuilt here from the paper's definitions, in-process:

- ``blackbox/planning/rover``: 30 points in the plane (60 values, each in [0, 1], mapped to
  [-0.1, 1.1]) are fitted by a cubic smoothing B-spline (SciPy's ``splprep`` with its default
  smoothing), the rover's route from start (0.05, 0.05) to goal (0.95, 0.95). The cost is the line
  integral along the route (trapezoidal rule on 1,000 points) of 0.05 everywhere plus 20 inside any
  of 113 square trees (half-width 0.025, centres in ``rover_trees.json``) or outside the unit
  square, plus 10 times the L1 distance of the route's ends from start and goal. The reward is
  ``5 - cost`` (maximized, at most 5). Before fitting, the points are jittered by N(0, 1e-4), as in
  the original (it keeps the spline fit away from repeated points); the jitter is drawn from the
  trial seed.
- ``blackbox/planning/robot_push``: two robots (rectangular hands) push two objects (a square of
  half-width 0.5 from (0, 2), a disc of radius 1 from (0, -2)) towards the goals (4, 3.5) and
  (-4, 3.5) on a table with friction, in a Box2D world at 100 steps per second. Each robot gets a
  start position, start angle, velocity, torque and a pushing time; the world runs for the longer
  pushing time plus one second. The reward is the initial distance of both objects to their goals
  minus the final distances (maximized, at most that initial distance). As in the original, each
  robot's velocity gets N(0, 0.01) noise, drawn from the trial seed.

>>> from carps.benchmarks import get_task
>>> task = get_task("blackbox/planning/rover")  # doctest: +SKIP
>>> len(task.space), task.objectives[0].upper  # doctest: +SKIP
(60, 5.0)
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from carps.benchmarks.budget import default_trials
from carps.benchmarks.config_check import ConfigCheck
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Budget, Objective, TaskType

TASKS = ("rover", "robot_push")
ROVER_START, ROVER_GOAL = (0.05, 0.05), (0.95, 0.95)
ROVER_OFFSET = 5.0
PUSH_STARTS = ((0.0, 2.0), (0.0, -2.0))
PUSH_GOALS = ((4.0, 3.5), (-4.0, 3.5))
#: the 14 parameters of robot pushing: per robot start x/y, velocity x/y, pushing time (s), start angle; then both torques
PUSH_SPACE = {
    **{f"r{k}_{name}": bounds for k in (1, 2) for name, bounds in
       (("x", (-5.0, 5.0)), ("y", (-5.0, 5.0)), ("vx", (-10.0, 10.0)), ("vy", (-10.0, 10.0)), ("time", (2.0, 30.0)), ("angle", (0.0, 2 * math.pi)))},
    "r1_torque": (-5.0, 5.0),
    "r2_torque": (-5.0, 5.0),
}


class Planning(BenchmarkFamily):
    """Rover trajectory planning and robot pushing.

    >>> family = Planning()
    >>> family.family = "planning"
    >>> family.task_ids()
    ['blackbox/planning/rover', 'blackbox/planning/robot_push']
    """

    def task_ids(self) -> list[str]:
        return [f"blackbox/{self.family or 'planning'}/{name}" for name in TASKS]

    def get_task(self, task_id: str) -> Task:
        if task_id not in self.task_ids():
            raise UnknownNameError(f"'{task_id}' is not a planning task; they are: {', '.join(self.task_ids())}")
        return rover_task(task_id) if task_id.endswith("/rover") else robot_push_task(task_id)


@lru_cache(maxsize=1)
def rover_trees() -> Any:
    import numpy as np

    return np.array(json.loads(Path(__file__).with_name("rover_trees.json").read_text())["centres"])


def rover_route(x: Any, seed: int | None, n_points: int = 1000) -> Any:
    """The route (``n_points x 2``) that the 60 values in [0, 1] describe."""
    import numpy as np
    from scipy.interpolate import splev, splprep

    points = np.asarray(x, dtype=float) * 1.2 - 0.1
    points = points + np.random.default_rng(0 if seed is None else int(seed)).normal(0.0, 1e-4, points.shape)
    tck, _ = splprep(points.reshape(-1, 2).T, k=3)
    return np.vstack(splev(np.linspace(0.0, 1.0, n_points), tck)).T


def rover_cost_rate(points: Any) -> Any:
    """Cost per unit length at each point: 0.05, plus 20 inside a tree or outside the unit square."""
    import numpy as np

    centres = rover_trees()
    inside_tree = np.any(np.all((points[:, None, :] >= centres[None] - 0.025) & (points[:, None, :] < centres[None] + 0.025), axis=2), axis=1)
    outside = ~np.all((points >= 0.0) & (points < 1.0), axis=1)
    return 0.05 + 20.0 * (inside_tree | outside)


def rover_reward(x: Any, seed: int | None) -> float:
    """``5 - cost`` of the route (see the module docstring)."""
    import numpy as np

    route = rover_route(x, seed)
    rate = rover_cost_rate(route)
    length = np.linalg.norm(np.diff(route, axis=0), axis=1)
    cost = float(np.sum(length * 0.5 * (rate[:-1] + rate[1:])))
    cost += 10.0 * float(np.abs(route[0] - ROVER_START).sum() + np.abs(route[-1] - ROVER_GOAL).sum())
    return ROVER_OFFSET - cost


def rover_task(task_id: str) -> Task:
    from ConfigSpace import ConfigurationSpace, Float

    names = [f"x{j}" for j in range(60)]
    space = ConfigurationSpace({n: Float(n, (0.0, 1.0)) for n in names})
    check = ConfigCheck(space, task_id)

    def function(config: dict[str, Any], fidelity: float | None, seed: int | None) -> float:
        check(config)
        return rover_reward([config[n] for n in names], seed)

    return Task(id=task_id, type=TaskType.BLACKBOX, space=space, objectives=(Objective("reward", minimize=False, upper=ROVER_OFFSET),),
                function=function, budget=Budget(n_trials=default_trials(60)), metadata={"source": "Wang et al. 2018, rover trajectory planning"})


def push_initial_distance() -> float:
    return sum(math.dist(s, g) for s, g in zip(PUSH_STARTS, PUSH_GOALS))


def robot_push(params: dict[str, float], seed: int | None) -> float:
    """The pushing reward of one set of the 14 parameters (see the module docstring)."""
    import numpy as np

    box2d = require("Box2D", extra="control")
    world = box2d.b2World(gravity=(0.0, 0.0), doSleep=True)
    table = world.CreateStaticBody(position=(0, 0), shapes=box2d.b2PolygonShape(box=(500, 500)))

    def pushed(shape: Any, position: tuple[float, float]) -> Any:
        body = world.CreateDynamicBody(position=position)
        body.CreateFixture(shape=shape, density=0.05, friction=0.01)
        world.CreateFrictionJoint(bodyA=table, bodyB=body, maxForce=5, maxTorque=2)  # table friction
        return body

    objects = [pushed(box2d.b2PolygonShape(box=(0.5, 0.5)), PUSH_STARTS[0]), pushed(box2d.b2CircleShape(radius=1), PUSH_STARTS[1])]
    rng = np.random.default_rng(0 if seed is None else int(seed))
    hands, velocities, steps = [], [], []
    for k in (1, 2):
        hand = world.CreateDynamicBody(position=(params[f"r{k}_x"], params[f"r{k}_y"]), angle=params[f"r{k}_angle"])
        hand.CreateFixture(shape=box2d.b2PolygonShape(box=(1, 0.3)), density=0.1, friction=0.1)
        world.CreateFrictionJoint(bodyA=table, bodyB=hand, maxForce=2, maxTorque=2)
        hands.append(hand)
        velocities.append(box2d.b2Vec2(params[f"r{k}_vx"] + rng.normal(0, 0.01), params[f"r{k}_vy"] + rng.normal(0, 0.01)))
        steps.append(int(params[f"r{k}_time"] * 10))  # as published: the time parameter times 10 is the number of pushing steps
    torques = [params["r1_torque"], params["r2_torque"]]
    for t in range(max(steps) + 100):
        for hand, velocity, torque, n in zip(hands, velocities, torques, steps):
            if t < n:  # a controller that drives the hand towards the commanded velocities
                hand.ApplyTorque(hand.mass * (torque - hand.angularVelocity) * 30.0, wake=True)
                hand.ApplyForce(hand.mass * (velocity - hand.linearVelocity) * 30.0, hand.position, wake=True)
        world.Step(1.0 / 100, 10, 10)
    final = sum(math.dist(tuple(body.position), goal) for body, goal in zip(objects, PUSH_GOALS))
    return push_initial_distance() - final


def robot_push_task(task_id: str) -> Task:
    from ConfigSpace import ConfigurationSpace, Float

    space = ConfigurationSpace({n: Float(n, b) for n, b in PUSH_SPACE.items()})
    check = ConfigCheck(space, task_id)

    def function(config: dict[str, Any], fidelity: float | None, seed: int | None) -> float:
        check(config)
        return robot_push({n: float(config[n]) for n in PUSH_SPACE}, seed)

    return Task(id=task_id, type=TaskType.BLACKBOX, space=space, objectives=(Objective("reward", minimize=False, upper=push_initial_distance()),),
                function=function, budget=Budget(n_trials=default_trials(14)), metadata={"source": "Wang et al. 2018, robot pushing (Box2D)"})
