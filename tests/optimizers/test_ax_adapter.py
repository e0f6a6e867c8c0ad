"""The Ax adapter: space mapping, Ax's own proposals, forbidden clauses, failures, seeding, objectives, quiet logging."""

from __future__ import annotations

import math

import pytest
from ConfigSpace import (
    CategoricalHyperparameter,
    ConfigurationSpace,
    Constant,
    EqualsCondition,
    ForbiddenEqualsClause,
    OrdinalHyperparameter,
    UniformFloatHyperparameter,
    UniformIntegerHyperparameter,
)

from carps.core.errors import CarpsError
from carps.core.space import in_space
from carps.core.types import Objective, TrialStatus, TrialValue

pytest.importorskip("ax")

from carps.optimizers.ax_adapter import AxBoTorch, ax_parameters  # noqa: E402


def mixed_space() -> ConfigurationSpace:
    space = ConfigurationSpace()
    space.add([
        UniformFloatHyperparameter("lr", 1e-5, 1e-1, log=True),
        UniformFloatHyperparameter("x", -2.0, 3.0),
        UniformIntegerHyperparameter("units", 8, 512, log=True),
        UniformIntegerHyperparameter("depth", 1, 6),
        CategoricalHyperparameter("act", ["relu", "tanh", "gelu"]),
        CategoricalHyperparameter("mixed", [1, "two", 3.0]),
        OrdinalHyperparameter("size", ["s", "m", "l"]),
        Constant("opt", "adam"),
    ])
    return space


def loss(config: dict) -> float:
    return (math.log10(config["lr"]) + 3) ** 2 + (config["x"] - 1) ** 2 + 0.1 * config["depth"] + (config["act"] != "relu") + ["s", "m", "l"].index(config["size"]) * 0.2


def _ask_and_tell(opt: AxBoTorch) -> dict:
    info = opt.ask()
    opt.tell(info, TrialValue(costs=(sum(v for v in info.config.values() if isinstance(v, float)),)))
    return info.config


def test_space_reaches_ax_with_log_scales_integers_order_and_constants():
    from ax.core.parameter import ChoiceParameter, FixedParameter, ParameterType, RangeParameter

    opt = AxBoTorch(mixed_space(), seed=0)
    params = opt._client._experiment.search_space.parameters
    assert isinstance(params["lr"], RangeParameter) and params["lr"].log_scale and params["lr"].parameter_type == ParameterType.FLOAT
    assert (params["lr"].lower, params["lr"].upper) == (1e-5, 1e-1)
    assert isinstance(params["x"], RangeParameter) and not params["x"].log_scale
    assert params["units"].parameter_type == ParameterType.INT and params["units"].log_scale and (params["units"].lower, params["units"].upper) == (8, 512)
    assert params["depth"].parameter_type == ParameterType.INT and not params["depth"].log_scale
    assert isinstance(params["act"], ChoiceParameter) and not params["act"].is_ordered and params["act"].values == ["relu", "tanh", "gelu"]
    # values of no common Ax type go in as indices; ordinals as ordered indices, which Ax never re-sorts
    assert params["mixed"].values == [0, 1, 2] and not params["mixed"].is_ordered
    assert isinstance(params["size"], ChoiceParameter) and params["size"].is_ordered and params["size"].values == [0, 1, 2]
    assert isinstance(params["opt"], FixedParameter) and params["opt"].value == "adam"
    _, decode = ax_parameters(mixed_space())
    assert decode == {"mixed": (1, "two", 3.0), "size": ("s", "m", "l")}


def test_configs_carry_the_space_values_not_indices():
    opt = AxBoTorch(mixed_space(), seed=3, initialization_budget=8)
    configs = [_ask_and_tell(opt) for _ in range(6)]  # all Sobol: Ax asks for data after 5 pending trials
    assert all(in_space(mixed_space(), c) for c in configs)
    assert {c["size"] for c in configs} <= {"s", "m", "l"} and len({c["size"] for c in configs}) > 1
    assert {c["mixed"] for c in configs} <= {1, "two", 3.0}
    assert all(c["opt"] == "adam" for c in configs)


def _drive_client_by_hand(seed: int, n: int, initialization_budget: int) -> list[dict]:
    """Ax's Client as a user writes it, on the same problem the adapter gets."""
    from ax.api.client import Client
    from ax.api.configs import RangeParameterConfig

    client = Client(random_seed=seed)
    # in the space's order (ConfigSpace sorts names): Sobol's dimensions follow the parameter order
    client.configure_experiment(parameters=[RangeParameterConfig("lr", (1e-5, 1e-1), "float", scaling="log"), RangeParameterConfig("x", (-2.0, 3.0), "float")])
    client.configure_optimization(objective="-loss")
    client.configure_generation_strategy(initialization_budget=initialization_budget, initialization_random_seed=seed)
    asked = []
    for _ in range(n):
        ((index, params),) = client.get_next_trials(max_trials=1).items()
        client.complete_trial(index, {"loss": (params["x"] - 1) ** 2 + (math.log10(params["lr"]) + 3) ** 2})
        asked.append(dict(params))
    return asked


@pytest.mark.slow
def test_adapter_proposes_what_ax_proposes_by_hand_including_botorch_steps():
    space = ConfigurationSpace()
    space.add([UniformFloatHyperparameter("x", -2.0, 3.0), UniformFloatHyperparameter("lr", 1e-5, 1e-1, log=True)])
    opt = AxBoTorch(space, seed=7, initialization_budget=3)
    ours = []
    for _ in range(5):  # 3 initial (centre + Sobol) + 2 BoTorch proposals
        info = opt.ask()
        opt.tell(info, TrialValue(costs=((info.config["x"] - 1) ** 2 + (math.log10(info.config["lr"]) + 3) ** 2,)))
        ours.append(info.config)
    assert ours == _drive_client_by_hand(seed=7, n=5, initialization_budget=3)
    assert opt._client._generation_strategy.current_node_name == "MBM"


def test_same_seed_same_trials_other_seed_other_trials():
    def first(seed: int) -> list[dict]:
        opt = AxBoTorch(mixed_space(), seed=seed)
        return [opt.ask().config for _ in range(4)]

    assert first(1) == first(1)
    assert first(1)[1:] != first(2)[1:]  # the first trial is the centre of the space whatever the seed


def test_inactive_hyperparameters_are_dropped_and_forbidden_proposals_abandoned():
    from ax.core.base_trial import TrialStatus as AxStatus

    space = ConfigurationSpace()
    kind = CategoricalHyperparameter("kind", ["a", "b"])
    gamma = UniformFloatHyperparameter("gamma", 0.0, 1.0)
    x = UniformFloatHyperparameter("x", 0.0, 1.0)
    space.add([kind, gamma, x])
    space.add(EqualsCondition(gamma, kind, "a"))
    space.add(ForbiddenEqualsClause(kind, "b"))  # half of every flat sample is forbidden
    opt = AxBoTorch(space, seed=0, initialization_budget=8)
    configs = [_ask_and_tell(opt) for _ in range(5)]
    assert all(in_space(space, c) for c in configs)
    assert all(c["kind"] == "a" and "gamma" in c for c in configs)
    statuses = [t.status for t in opt._client._experiment.trials.values()]
    assert AxStatus.ABANDONED in statuses  # forbidden ones went back to Ax, not to the task
    # with kind "b" allowed, gamma goes when kind is "b"
    space2 = ConfigurationSpace()
    space2.add([CategoricalHyperparameter("kind", ["a", "b"]), UniformFloatHyperparameter("gamma", 0.0, 1.0)])
    space2.add(EqualsCondition(space2["gamma"], space2["kind"], "a"))
    opt2 = AxBoTorch(space2, seed=0, initialization_budget=8)
    configs2 = [_ask_and_tell(opt2) for _ in range(6)]
    assert all(("gamma" in c) == (c["kind"] == "a") for c in configs2) and {c["kind"] for c in configs2} == {"a", "b"}


def test_failed_trials_are_marked_failed_and_successes_completed_with_their_cost():
    from ax.core.base_trial import TrialStatus as AxStatus

    opt = AxBoTorch(mixed_space(), seed=0)
    good, bad = opt.ask(), opt.ask()
    opt.tell(good, TrialValue(costs=(1.25,)))
    opt.tell(bad, TrialValue(costs=None, status=TrialStatus.CRASHED, error="boom"))
    trials = opt._client._experiment.trials
    assert trials[good.handle].status == AxStatus.COMPLETED and trials[bad.handle].status == AxStatus.FAILED
    data = opt._client._experiment.lookup_data(trial_indices=[good.handle]).df
    assert list(data["metric_name"]) == ["c0"] and list(data["mean"]) == [1.25]


def test_several_objectives_are_all_minimized_in_one_multi_objective_config():
    from ax.core.optimization_config import MultiObjectiveOptimizationConfig

    opt = AxBoTorch(mixed_space(), objectives=(Objective("loss"), Objective("score", minimize=False)), seed=0)
    config = opt._client._experiment.optimization_config
    assert isinstance(config, MultiObjectiveOptimizationConfig)
    assert config.objective.is_multi_objective
    assert config.objective.metric_weights == [("c0", -1.0), ("c1", -1.0)]  # both minimized: costs are already minimization form


def test_ax_info_logging_is_off(capfd):
    opt = AxBoTorch(mixed_space(), seed=0)
    info = opt.ask()
    opt.tell(info, TrialValue(costs=(loss(info.config),)))
    out, err = capfd.readouterr()
    assert "INFO" not in out + err


def test_bad_method_is_one_clear_error():
    with pytest.raises(CarpsError, match="unknown Ax method"):
        AxBoTorch(mixed_space(), seed=0, method="best")
