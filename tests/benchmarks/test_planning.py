"""Rover trajectory planning and robot pushing: the published cost and reward definitions, checked independently."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carps.benchmarks import get_task
from carps.benchmarks.planning import PUSH_SPACE, push_initial_distance, rover_route, rover_trees
from carps.testing import check_benchmark


def test_straight_rover_route_costs_its_line_integral():
    # 30 collinear points: the smoothing spline is the segment from start to goal itself
    line = np.linspace(0.05, 0.95, 30)
    x01 = (np.c_[line, line].ravel() + 0.1) / 1.2
    reward = get_task("blackbox/planning/rover").evaluate({f"x{j}": float(v) for j, v in enumerate(x01)}, seed=0).objectives[0]
    points = rover_route(x01, seed=0)
    assert np.abs(points[:, 0] - points[:, 1]).max() < 1e-3  # on the diagonal
    # the published estimate along the route: trapezoidal rule over its 1,000 points, with the tree test written here
    centres = rover_trees()
    in_tree = np.zeros(len(points), dtype=bool)
    for c in centres:
        in_tree |= ((points >= c - 0.025) & (points < c + 0.025)).all(axis=1)
    rate = 0.05 + 20.0 * in_tree
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    misses = 10 * (np.abs(points[0] - 0.05).sum() + np.abs(points[-1] - 0.95).sum())
    expected = 5.0 - float(np.sum(steps * 0.5 * (rate[:-1] + rate[1:]))) - misses
    assert in_tree.any() and reward == pytest.approx(expected, abs=1e-9)
    assert steps.sum() == pytest.approx(math.dist((0.05, 0.05), (0.95, 0.95)), rel=0.05)
    assert len(centres) == 113 and reward < 5.0


def test_rover_pays_for_leaving_the_map_and_missing_the_goal():
    task = get_task("blackbox/planning/rover")
    inside = task.evaluate({f"x{j}": 0.5 for j in range(60)}, seed=1).objectives[0]  # every point at the centre
    # the route collapses to (0.5, 0.5): only the L1 misses of start and goal count (10 * (0.9 + 0.9))
    assert inside == pytest.approx(5.0 - 18.0, abs=0.05)
    assert task.evaluate({f"x{j}": 0.0 for j in range(60)}, seed=1).objectives[0] < inside  # outside the map


def test_robot_push_rewards_moving_the_objects_towards_their_goals():
    task = get_task("blackbox/planning/robot_push")
    idle = {n: lo for n, (lo, hi) in PUSH_SPACE.items()}
    idle.update(r1_x=-5.0, r1_y=-5.0, r1_vx=-10.0, r1_vy=-10.0, r2_x=5.0, r2_y=-5.0, r2_vx=10.0, r2_vy=-10.0, r1_time=2.0, r2_time=2.0,
                r1_torque=0.0, r2_torque=0.0)
    assert task.evaluate(idle, seed=0).objectives[0] == pytest.approx(0.0, abs=1e-9)  # hands move away: nothing moves
    push = dict(idle, r2_x=0.0, r2_y=-4.5, r2_vx=0.0, r2_vy=6.0, r2_time=10.0, r2_angle=0.0)  # from under the disc, upwards
    reward = task.evaluate(push, seed=0).objectives[0]
    assert 0.5 < reward <= push_initial_distance() == task.objectives[0].upper
    assert task.evaluate(push, seed=0).objectives == (reward,) and task.evaluate(push, seed=1).objectives != (reward,)


def test_planning_family_conforms():
    assert check_benchmark("planning", n_configs=2).ok
