"""What the conformance kit cannot see: conversions, rung schedules, library quirks, catalog wiring."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from ConfigSpace import (
    CategoricalHyperparameter,
    ConfigurationSpace,
    Constant,
    OrdinalHyperparameter,
    UniformFloatHyperparameter,
    UniformIntegerHyperparameter,
)

from carps.core.errors import MissingDependencyError, UnsupportedTaskError
from carps.core.registry import get_registry
from carps.core.types import Fidelity, TaskType, TrialStatus, TrialValue
from carps.testing.optimizer_checks import probe_task


def mixed_space() -> ConfigurationSpace:
    space = ConfigurationSpace()
    space.add([
        UniformFloatHyperparameter("lr", 1e-5, 1e-1, log=True),
        UniformIntegerHyperparameter("units", 8, 512, log=True),
        CategoricalHyperparameter("act", ["relu", "tanh"]),
        OrdinalHyperparameter("size", ["s", "m", "l"]),
        Constant("opt", "adam"),
    ])
    return space


# optuna ------------------------------------------------------------------------------------------------
def test_optuna_distributions_keep_log_scales_integers_and_order():
    import optuna.distributions as d

    from carps.optimizers.optuna_adapter import optuna_distributions, ordinal_sequences

    dists = optuna_distributions(mixed_space(), ordinal_as_index=True)
    assert dists["lr"] == d.FloatDistribution(1e-5, 1e-1, log=True)
    assert dists["units"] == d.IntDistribution(8, 512, log=True)
    assert dists["act"] == d.CategoricalDistribution(["relu", "tanh"])
    assert dists["size"] == d.IntDistribution(0, 2)  # an index: samplers keep the order
    assert dists["opt"] == d.CategoricalDistribution(["adam"])
    assert ordinal_sequences(mixed_space()) == {"size": ("s", "m", "l")}
    assert optuna_distributions(mixed_space())["size"] == d.CategoricalDistribution(["s", "m", "l"])


def test_optuna_configs_carry_ordinal_values_not_indices():
    from carps.optimizers.optuna_adapter import OptunaOptimizer

    opt = OptunaOptimizer(mixed_space(), seed=0, sampler="tpe")
    sizes = {opt.ask().config["size"] for _ in range(20)}
    assert sizes <= {"s", "m", "l"} and len(sizes) > 1


@pytest.mark.parametrize(("fidelity", "rungs"), [
    (Fidelity("epochs", 3, 27, integer=True), [3, 9, 27]),
    (Fidelity("epochs", 1, 100, integer=True), [1, 3, 9, 27, 81, 100]),
    (Fidelity("fraction", 0.1, 1.0), [0.1, 0.1 * 3, 0.1 * 9, 1.0]),
])
def test_optuna_hyperband_rungs_end_at_the_highest_fidelity(fidelity, rungs):
    from carps.optimizers.optuna_adapter import OptunaHyperband

    opt = OptunaHyperband(ConfigurationSpace({"x": (0.0, 1.0)}), fidelity=fidelity, seed=0)
    assert opt._rungs == rungs


def test_optuna_hyperband_promotes_the_same_config_to_the_next_rung():
    from carps.optimizers.optuna_adapter import OptunaHyperband

    opt = OptunaHyperband(ConfigurationSpace({"x": (0.0, 1.0)}), fidelity=Fidelity("epochs", 3, 27, integer=True), seed=0)
    first = opt.ask()
    assert first.fidelity == 3
    opt.tell(first, TrialValue(costs=(0.0,)))  # the best value so far is never pruned
    second = opt.ask()
    assert second.config == first.config and second.fidelity == 9
    opt.tell(second, TrialValue(costs=None, status=TrialStatus.CRASHED))  # a failure ends the Optuna trial
    assert opt.ask().fidelity == 3


def test_optuna_qmc_depends_on_the_seed():
    from carps.optimizers.optuna_adapter import OptunaOptimizer

    space = ConfigurationSpace({"x": (0.0, 1.0)})
    a, b = (OptunaOptimizer(space, seed=s, sampler="qmc") for s in (1, 2))
    assert [a.ask().config for _ in range(4)] != [b.ask().config for _ in range(4)]


# smac --------------------------------------------------------------------------------------------------
def test_every_smac_facade_runs_without_pyrfr():
    from carps.optimizers.smac_adapter import SMACBlackbox, SMACMultiFidelity

    if importlib.util.find_spec("pyrfr") is not None:
        pytest.skip("pyrfr is installed here, so this cannot show that the facades run without it")
    space = ConfigurationSpace({"x": (0.0, 1.0)})
    for facade in ("hpo", "blackbox", "random"):
        info = SMACBlackbox(space, seed=1, facade=facade).ask()
        assert 0.0 <= info.config["x"] <= 1.0
    for facade in ("hyperband", "multifidelity"):
        info = SMACMultiFidelity(space, fidelity=Fidelity("epochs", 1, 9, integer=True), seed=1, facade=facade).ask()
        assert type(info.fidelity) is int and 1 <= info.fidelity <= 9


def test_smac_parego_refuses_momf_before_running():
    from carps.optimizers.smac_adapter import SMACParEGO

    with pytest.raises(UnsupportedTaskError, match="momf"):
        SMACParEGO.for_task(probe_task("momf"), seed=1)


def test_smac_tells_failures_with_the_worst_cost_seen():
    from carps.optimizers.smac_adapter import SMACBlackbox

    opt = SMACBlackbox(ConfigurationSpace({"x": (0.0, 1.0)}), seed=1, facade="random")
    failed = opt.ask()
    opt.tell(failed, TrialValue(costs=None, status=TrialStatus.CRASHED))  # waits for a first success
    for cost in (3.0, 5.0):
        info = opt.ask()
        opt.tell(info, TrialValue(costs=(cost,)))
    costs = {k.config_id: v.cost for k, v in opt._smac.runhistory.items()}
    assert sorted(costs.values()) == [3.0, 5.0, 5.0] or sorted(costs.values()) == [3.0, 3.0, 5.0]


# nevergrad, botorch, dehb -------------------------------------------------------------------------------
def test_nevergrad_keeps_constants_and_plain_python_values():
    from carps.optimizers.nevergrad_adapter import NevergradOptimizer

    config = NevergradOptimizer(mixed_space(), seed=0, optimizer="NGOpt").ask().config
    assert config["opt"] == "adam" and type(config["units"]) is int and type(config["lr"]) is float
    assert 1e-5 <= config["lr"] <= 1e-1 and config["size"] in ("s", "m", "l")


def test_botorch_leaves_torch_global_state_alone():
    import torch

    from carps.optimizers.botorch_adapter import BoTorchGP

    threads = torch.get_num_threads()
    torch.set_num_threads(3)  # not the adapter's 1 (the tests' processes default to one thread)
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    try:
        opt = BoTorchGP(ConfigurationSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)}), seed=0, n_initial=3)
        for _ in range(5):
            info = opt.ask()
            opt.tell(info, TrialValue(costs=((info.config["x"] - 0.2) ** 2 + info.config["y"],)))
        assert torch.equal(torch.random.get_rng_state(), before) and torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(threads)


def test_dehb_gets_integer_fidelities_on_its_rungs():
    from carps.optimizers.dehb_adapter import DEHBOptimizer

    opt = DEHBOptimizer(mixed_space(), fidelity=Fidelity("epochs", 3, 27, integer=True), seed=0)
    seen = set()
    for _ in range(15):
        info = opt.ask()
        seen.add(info.fidelity)
        opt.tell(info, TrialValue(costs=(info.config["lr"],)))
    assert seen <= {3, 9, 27} and 3 in seen


def test_missing_library_names_the_extra(monkeypatch):
    from carps.optimizers.nevergrad_adapter import NevergradOptimizer

    monkeypatch.setitem(sys.modules, "nevergrad", None)  # import nevergrad now raises ImportError
    with pytest.raises(MissingDependencyError, match=r"carps\[nevergrad\]"):
        NevergradOptimizer(ConfigurationSpace({"x": (0.0, 1.0)}), seed=0)


def test_missing_dehb_names_its_extra(monkeypatch):
    from carps.optimizers.dehb_adapter import DEHBOptimizer

    monkeypatch.setitem(sys.modules, "dehb", None)
    with pytest.raises(MissingDependencyError, match=r"carps\[dehb\]"):
        DEHBOptimizer(ConfigurationSpace({"x": (0.0, 1.0)}), fidelity=Fidelity("e", 1, 9), seed=0)


# the catalog -------------------------------------------------------------------------------------------
FAMILY_DEFAULTS = {
    "smac": {"blackbox": "smac/hpo", "multifidelity": "smac/bohb", "multiobjective": "smac/parego", "momf": "smac/momf"},
    "optuna": {"blackbox": "optuna/tpe", "multifidelity": "optuna/hyperband", "multiobjective": "optuna/motpe", "momf": "optuna/tpe_full_fidelity"},
    "bo": {"blackbox": "bo/gp", "multifidelity": None, "multiobjective": "bo/gp", "momf": None},
    "dehb": {"blackbox": None, "multifidelity": "dehb", "multiobjective": None, "momf": None},
    "nevergrad": {"blackbox": "nevergrad/ngopt", "multifidelity": None, "multiobjective": None, "momf": None},
    "synetune": {"blackbox": "synetune/bore", "multifidelity": "synetune/bohb", "multiobjective": "synetune/mo_rea_ranked", "momf": "synetune/moasha_ranked"},
}


@pytest.mark.parametrize("family", sorted(FAMILY_DEFAULTS))
def test_a_family_name_picks_a_variant_for_every_task_type_it_handles(family):
    registry = get_registry()
    for task_type, expected in FAMILY_DEFAULTS[family].items():
        assert registry.resolve_optimizer(family, TaskType(task_type)) == expected, (family, task_type)


def test_recommended_for_never_claims_more_than_the_class_supports():
    for entry in get_registry().optimizers.values():
        caps = entry.load_class().capabilities
        assert {TaskType(t) for t in entry.recommended_for} <= caps.task_types, entry.id
        assert entry.description, f"{entry.id} has no description"
