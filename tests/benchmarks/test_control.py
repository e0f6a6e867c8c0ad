"""Gymnasium control tasks: the parametrized lunar-lander heuristic equals Gymnasium's at its constants, linear
policies equal a direct Gymnasium rollout, seeded episodes, the episodes fidelity, and conformance."""

from __future__ import annotations

import numpy as np
import pytest

from carps.benchmarks.control import Control, episode_seeds
from carps.testing import check_benchmark

gym = pytest.importorskip("gymnasium")
pytest.importorskip("Box2D")

GYMNASIUM_CONSTANTS = [0.5, 1.0, 0.4, 0.55, 0.5, 1.0, 0.5, 0.5, 0.5, 0.05, 0.05, 0.05]


def family(episodes: int = 2) -> Control:
    fam = Control(episodes={name: episodes for name in ("lunar_lander", "swimmer_linear", "hopper_linear", "halfcheetah_linear", "ant_linear")})
    fam.family = "control"
    return fam


def lander_config(weights):
    return {f"w{k}": float(v) for k, v in enumerate(weights)}


def test_heuristic_at_gymnasium_constants_is_gymnasiums_heuristic():
    from gymnasium.envs.box2d.lunar_lander import heuristic

    task = family(2).get_task("blackbox/control/lunar_lander")
    env = gym.make("LunarLander-v3")
    returns = []
    for s in episode_seeds(4, 2):
        obs, _ = env.reset(seed=s)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(heuristic(env.unwrapped, obs))
            total += reward
            done = terminated or truncated
        returns.append(total)
    assert task.evaluate(lander_config(GYMNASIUM_CONSTANTS), seed=4).objectives[0] == pytest.approx(np.mean(returns), abs=1e-9)
    assert np.mean(returns) > 100  # Gymnasium's heuristic lands


def test_linear_policy_equals_a_direct_rollout():
    task = family(1).get_task("blackbox/control/hopper_linear")
    rng = np.random.default_rng(0)
    W = rng.uniform(-1, 1, size=(3, 11))
    config = {f"w{a}_{o}": float(W[a, o]) for a in range(3) for o in range(11)}
    env = gym.make("Hopper-v5")
    obs, _ = env.reset(seed=episode_seeds(9, 1)[0])
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(np.clip(W @ obs, -1, 1))
        total += reward
        done = terminated or truncated
    assert task.evaluate(config, seed=9).objectives[0] == pytest.approx(total, abs=1e-9)


def test_episodes_come_from_the_seed_and_the_fidelity_counts_them():
    fam = family(3)
    bb, mf = fam.get_task("blackbox/control/lunar_lander"), fam.get_task("multifidelity/control/lunar_lander")
    config = lander_config([0.6, 0.9, 0.4, 0.5, 0.5, 1.1, 0.5, 0.4, 0.6, 0.05, 0.05, 0.05])
    a = bb.evaluate(config, seed=1).objectives[0]
    assert a == bb.evaluate(config, seed=1).objectives[0] != bb.evaluate(config, seed=2).objectives[0]
    assert mf.evaluate(config, 3, seed=1).objectives[0] == a
    one = mf.evaluate(config, 1, seed=1).objectives[0]
    assert episode_seeds(1, 1) == episode_seeds(1, 3)[:1] and one != a
    with pytest.raises(ValueError, match="episodes=1.5"):
        mf.evaluate(config, 1.5, seed=1)


def test_catalog_lists_blackbox_and_multifidelity_tasks():
    from carps.core.registry import get_registry

    ids = get_registry().benchmarks["control"].benchmark.task_ids()
    assert ids == ["blackbox/control/lunar_lander", "multifidelity/control/lunar_lander", "blackbox/control/swimmer_linear",
                   "blackbox/control/hopper_linear", "blackbox/control/halfcheetah_linear", "blackbox/control/ant_linear"]


@pytest.mark.slow
def test_conformance_on_the_lander_and_a_linear_policy():
    report = check_benchmark(family(1), task_ids=["blackbox/control/lunar_lander", "multifidelity/control/lunar_lander", "blackbox/control/ant_linear"], n_configs=2)
    assert report.ok
