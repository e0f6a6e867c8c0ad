"""Control with Gymnasium: the lunar lander's 12-parameter heuristic and linear MuJoCo locomotion policies.

Tasks (``<type>/control/<name>``):

- ``blackbox/control/lunar_lander``: the 12 weights (each in [0, 2]) of the parametrized version of
  Gymnasium's lunar-lander heuristic used by Eriksson et al. (TuRBO, NeurIPS 2019), on
  ``LunarLander-v3``; ``multifidelity/control/lunar_lander`` takes the number of episodes as fidelity.
- ``blackbox/control/<env>_linear`` for Swimmer, Hopper, HalfCheetah and Ant (``-v5``, MuJoCo through
  the ``mujoco`` package): a deterministic linear policy ``a = clip(W s, low, high)`` with every entry
  of ``W`` in [-1, 1] (Mania et al., ARS, 2018, without observation normalization). Ant leaves the
  contact forces out of its observation (27 values), as ARS does.

The objective is ``return`` (maximized): the mean undiscounted return over a fixed number of episodes
(catalog ``episodes``). Episode ``k`` of a trial with seed ``s`` starts from
``env.reset(seed=...)`` with the ``k``-th number of ``numpy.random.SeedSequence(s)``, so a trial is
reproducible from its seed and different seeds see different starts. One environment per task is
built on first use and reset for every episode.

>>> from carps.benchmarks import get_task
>>> task = get_task("blackbox/control/lunar_lander")  # doctest: +SKIP
>>> len(task.space)  # doctest: +SKIP
12
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from carps.benchmarks.budget import default_trials
from carps.benchmarks.config_check import ConfigCheck, InvalidConfigError
from carps.core.benchmark import BenchmarkFamily
from carps.core.errors import MissingDependencyError, UnknownNameError, require
from carps.core.task import Task
from carps.core.types import Budget, Fidelity, Objective, TaskType


@dataclass(frozen=True)
class Environment:
    """One Gymnasium environment and its policy."""

    env_id: str
    policy: str  # "heuristic" (lunar lander) or "linear"
    kwargs: dict[str, Any] = field(default_factory=dict)


ENVIRONMENTS: dict[str, Environment] = {
    "lunar_lander": Environment("LunarLander-v3", "heuristic"),
    "swimmer_linear": Environment("Swimmer-v5", "linear"),
    "hopper_linear": Environment("Hopper-v5", "linear"),
    "halfcheetah_linear": Environment("HalfCheetah-v5", "linear"),
    "ant_linear": Environment("Ant-v5", "linear", {"include_cfrc_ext_in_observation": False}),
}
#: observation and action sizes of the linear-policy environments (so ``task_ids`` and spaces need no import)
LINEAR_SHAPES = {"swimmer_linear": (8, 2), "hopper_linear": (11, 3), "halfcheetah_linear": (17, 6), "ant_linear": (27, 8)}
DEFAULT_EPISODES = {"lunar_lander": 10, "swimmer_linear": 3, "hopper_linear": 3, "halfcheetah_linear": 3, "ant_linear": 3}


def lunar_lander_action(w: Sequence[float], s: Sequence[float]) -> int:
    """The parametrized heuristic: Gymnasium's ``heuristic`` with its 12 constants as weights.

    ``w = (0.5, 1.0, 0.4, 0.55, 0.5, 1.0, 0.5, 0.5, 0.5, 0.05, 0.05, 0.05)`` is Gymnasium's own controller.

    >>> lunar_lander_action([0.5, 1.0, 0.4, 0.55, 0.5, 1.0, 0.5, 0.5, 0.5, 0.05, 0.05, 0.05], [0, 1, 0, -1.5, 0, 0, 0, 0])  # falling fast: main engine
    2
    """
    angle_target = min(max(s[0] * w[0] + s[2] * w[1], -w[2]), w[2])  # point towards the pad, within limits
    hover_target = w[3] * abs(s[0])
    angle_todo = (angle_target - s[4]) * w[4] - s[5] * w[5]
    hover_todo = (hover_target - s[1]) * w[6] - s[3] * w[7]
    if s[6] or s[7]:  # a leg touches the ground: stop turning, only brake the fall
        angle_todo = 0.0
        hover_todo = -s[3] * w[8]
    if hover_todo > abs(angle_todo) and hover_todo > w[9]:
        return 2  # main engine
    if angle_todo < -w[10]:
        return 3  # right engine
    if angle_todo > w[11]:
        return 1  # left engine
    return 0


class Control(BenchmarkFamily):
    """Gymnasium control tasks; ``environments`` chooses them, ``episodes`` overrides episodes per task.

    >>> family = Control(environments=["lunar_lander", "swimmer_linear"])
    >>> family.family = "control"
    >>> family.task_ids()
    ['blackbox/control/lunar_lander', 'multifidelity/control/lunar_lander', 'blackbox/control/swimmer_linear']
    """

    def __init__(self, environments: Sequence[str] | None = None, episodes: dict[str, int] | None = None) -> None:
        super().__init__(environments=environments, episodes=episodes)
        self.environments = list(environments or ENVIRONMENTS)
        unknown = [e for e in self.environments if e not in ENVIRONMENTS]
        if unknown:
            raise UnknownNameError(f"unknown control environment(s) {unknown}; choose from {', '.join(ENVIRONMENTS)}")
        self.episodes = {**DEFAULT_EPISODES, **(episodes or {})}

    def task_ids(self) -> list[str]:
        family = self.family or "control"
        ids = []
        for name in self.environments:
            ids.append(f"blackbox/{family}/{name}")
            if ENVIRONMENTS[name].policy == "heuristic":
                ids.append(f"multifidelity/{family}/{name}")
        return ids

    def get_task(self, task_id: str) -> Task:
        if task_id not in self.task_ids():
            raise UnknownNameError(f"'{task_id}' is not a control task; they are: {', '.join(self.task_ids())}")
        ttype, _, name = task_id.split("/")
        return make_control_task(task_id, name, self.episodes[name], multi_fidelity=ttype == TaskType.MULTIFIDELITY.value)


def _control_library(name: str) -> Any:
    """gymnasium or mujoco; the control extra installs them on Python 3.11+ only (see pyproject.toml)."""
    import sys

    if sys.version_info < (3, 11):
        raise MissingDependencyError(
            f"the control tasks need Python 3.11 or newer (this is Python {sys.version_info.major}.{sys.version_info.minor}): "
            "on 3.10 pip cannot resolve Gymnasium's MuJoCo and Box2D extras together with the rest of carps[all]"
        )
    return require(name, extra="control")


def _route_mujoco_warnings() -> None:
    """MuJoCo appends its warnings to ``MUJOCO_LOG.TXT`` in the working directory (Ant's model warns on
    every load); send them to Python's ``warnings`` instead, unless someone installed a handler already."""
    import warnings

    mujoco = _control_library("mujoco")
    if mujoco.get_mju_user_warning() is None:
        mujoco.set_mju_user_warning(lambda text: warnings.warn(f"MuJoCo: {text}", RuntimeWarning, stacklevel=2))


def episode_seeds(seed: int | None, n: int) -> list[int]:
    """The reset seeds of a trial's episodes (see the module docstring)."""
    import numpy as np

    return [int(s) for s in np.random.SeedSequence(0 if seed is None else int(seed)).generate_state(n)]


def make_control_task(task_id: str, name: str, episodes: int, multi_fidelity: bool = False) -> Task:
    import numpy as np
    from ConfigSpace import ConfigurationSpace, Float

    spec = ENVIRONMENTS[name]
    if spec.policy == "heuristic":
        names = [f"w{k}" for k in range(12)]
        space = ConfigurationSpace({n: Float(n, (0.0, 2.0)) for n in names})
    else:
        n_obs, n_act = LINEAR_SHAPES[name]
        names = [f"w{a}_{o}" for a in range(n_act) for o in range(n_obs)]
        space = ConfigurationSpace({n: Float(n, (-1.0, 1.0)) for n in names})
    check = ConfigCheck(space, task_id)
    envs: list[Any] = []  # built on first evaluation: creating a MuJoCo environment costs tens of milliseconds

    def env() -> Any:
        if not envs:
            gym = _control_library("gymnasium")
            if spec.policy == "linear":
                _route_mujoco_warnings()
            envs.append(gym.make(spec.env_id, **spec.kwargs))
        return envs[0]

    def policy(config: dict[str, Any]) -> Any:
        w = np.array([config[n] for n in names], dtype=float)
        if spec.policy == "heuristic":
            return lambda s: lunar_lander_action(w, s)
        n_obs, n_act = LINEAR_SHAPES[name]
        W = w.reshape(n_act, n_obs)
        space_ = env().action_space
        return lambda s: np.clip(W @ s, space_.low, space_.high)

    def function(config: dict[str, Any], fidelity: float | None, seed: int | None) -> float:
        check(config)
        n = episodes
        if multi_fidelity:
            if fidelity is None or not (1 <= fidelity <= episodes) or float(fidelity) != int(fidelity):
                raise InvalidConfigError(f"{task_id}: fidelity episodes={fidelity} must be an integer in [1, {episodes}]")
            n = int(fidelity)
        act = policy(config)
        e = env()
        returns = []
        for s in episode_seeds(seed, n):
            obs, _ = e.reset(seed=s)
            total, done = 0.0, False
            while not done:
                obs, reward, terminated, truncated, _ = e.step(act(obs))
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        return float(np.mean(returns))

    return Task(
        id=task_id,
        type=TaskType.MULTIFIDELITY if multi_fidelity else TaskType.BLACKBOX,
        space=space,
        objectives=(Objective("return", minimize=False),),
        function=function,
        fidelity=Fidelity("episodes", 1, episodes, integer=True) if multi_fidelity else None,
        budget=Budget(n_trials=default_trials(len(names))),
        metadata={"env_id": spec.env_id, "policy": spec.policy, "episodes": episodes},
    )
