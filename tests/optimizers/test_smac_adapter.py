"""SMAC variants: successive halving, the algorithm-configuration facade, multi-objective RF and MOMF.

Each test builds the adapter from its catalog entry, so that the YAML and the adapter are checked together.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from ConfigSpace import ConfigurationSpace

from carps.core.errors import CarpsError
from carps.core.registry import get_registry
from carps.core.types import Fidelity, Objective, TrialStatus, TrialValue

pytest.importorskip("smac")

SPACE = ConfigurationSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)}, seed=0)
EPOCHS = Fidelity("epochs", 3, 27, integer=True)
TWO = (Objective("loss"), Objective("score", minimize=False))


def build(optimizer_id: str, **kwargs):
    entry = get_registry().optimizer(optimizer_id)
    return entry.load_class()(SPACE, seed=1, **{**entry.params, **kwargs})


def test_mf_sh_asks_for_successive_halving_rungs():
    from smac.intensifier.successive_halving import SuccessiveHalving

    opt = build("smac/mf_sh", fidelity=EPOCHS)
    assert type(opt._smac.intensifier) is SuccessiveHalving  # not its subclass Hyperband
    asked = []
    for _ in range(26):
        info = opt.ask()
        asked.append(info)
        opt.tell(info, TrialValue(costs=(info.config["x"] + 1.0 / info.fidelity,)))
    # one bracket, eta 3 from 3 to 27 epochs: 9 configurations at 3, the best 3 at 9, the best at 27, again
    assert [i.fidelity for i in asked] == ([3] * 9 + [9] * 3 + [27]) * 2
    assert all(type(i.fidelity) is int for i in asked)
    best_three = sorted(asked[:9], key=lambda i: i.config["x"])[:3]
    assert sorted(i.config["x"] for i in asked[9:12]) == sorted(i.config["x"] for i in best_three)
    assert asked[12].config["x"] == min(i.config["x"] for i in asked[9:12])


def test_bohb_keeps_hyperband_brackets():
    from smac.intensifier.hyperband import Hyperband

    opt = build("smac/bohb", fidelity=EPOCHS)
    assert type(opt._smac.intensifier) is Hyperband
    fidelities = []
    for _ in range(22):
        info = opt.ask()
        fidelities.append(info.fidelity)
        opt.tell(info, TrialValue(costs=(info.config["x"],)))
    # the first bracket is successive halving's; the next ones start higher, which successive halving never does
    assert fidelities[:13] == [3] * 9 + [9] * 3 + [27] and fidelities[13:18] == [9] * 5


def test_mf_sh_proposes_what_smac_proposes_by_hand():
    from smac import MultiFidelityFacade, Scenario
    from smac.intensifier.successive_halving import SuccessiveHalving
    from smac.runhistory.dataclasses import TrialValue as SmacValue

    from carps.core.space import seeded_copy
    from carps.optimizers.smac_adapter import _order_local_search_start_points

    opt = build("smac/mf_sh", fidelity=EPOCHS, budget=None)
    with tempfile.TemporaryDirectory() as tmp:
        n_trials = int(opt.budget.n_trials * 27 / 3) + 1  # the adapter's trial count for a fidelity range of 9
        scenario = Scenario(seeded_copy(SPACE, 1), name="carps", output_directory=Path(tmp), deterministic=True, objectives="cost",
                            n_trials=n_trials, seed=1, min_budget=3, max_budget=27)
        smac = MultiFidelityFacade(scenario, target_function=None, logging_level=False, overwrite=True,
                                   intensifier=SuccessiveHalving(scenario, eta=3))
        _order_local_search_start_points(smac)
        for _ in range(12):
            mine, theirs = opt.ask(), smac.ask()
            assert mine.config == dict(theirs.config) and mine.fidelity == int(theirs.budget)
            cost = mine.config["x"] + mine.config["y"] / mine.fidelity
            opt.tell(mine, TrialValue(costs=(cost,)))
            smac.tell(theirs, SmacValue(cost=cost), save=False)


def test_ac_runs_the_algorithm_configuration_facade_once_per_configuration():
    from smac import AlgorithmConfigurationFacade
    from smac.intensifier.intensifier import Intensifier

    opt = build("smac/ac")
    assert type(opt._smac) is AlgorithmConfigurationFacade and type(opt._smac.intensifier) is Intensifier
    configs = []
    for _ in range(6):
        info = opt.ask()
        configs.append(info.config)
        opt.tell(info, TrialValue(costs=((info.config["x"] - 0.2) ** 2,)))
    assert configs[0] == dict(SPACE.get_default_configuration())  # the facade's initial design: the default
    # no instances and a deterministic scenario: one instance-seed pair, so nothing is run twice
    assert len({tuple(sorted(c.items())) for c in configs}) == 6
    assert len({(k.instance, k.seed) for k in opt._smac.runhistory.keys()}) == 1


def test_ac_refuses_an_initial_design_size():
    with pytest.raises(CarpsError, match="fixed initial design"):
        build("smac/ac", n_configs_per_hyperparameter=2)


def test_morf_models_the_mean_of_the_objectives_with_a_random_forest():
    from smac.model.random_forest.random_forest import RandomForest
    from smac.multi_objective.aggregation_strategy import MeanAggregationStrategy

    opt = build("smac/morf", objectives=TWO)
    assert isinstance(opt._smac._model, RandomForest)
    assert type(opt._smac.runhistory.multi_objective_algorithm) is MeanAggregationStrategy
    for _ in range(4):
        info = opt.ask()
        opt.tell(info, TrialValue(costs=(info.config["x"], 1.0 - info.config["x"])))
    assert all(len(v.cost) == 2 for v in opt._smac.runhistory.values())


def test_momf_keeps_a_full_fidelity_pareto_front():
    opt = build("smac/momf", objectives=TWO, fidelity=EPOCHS)
    assert opt._smac.intensifier._incumbent_selection == "highest_budget"
    for n in range(40):  # SMAC's default selection stops here on an assertion once two incumbents differ in budget
        info = opt.ask()
        if n == 5:
            opt.tell(info, TrialValue(costs=None, status=TrialStatus.CRASHED))
            continue
        x = info.config["x"]
        opt.tell(info, TrialValue(costs=(x + 3.0 / info.fidelity, (1.0 - x) ** 2), budget_cost=info.fidelity / 27))
    incumbents = opt._smac.intensifier.get_incumbents()
    assert len(incumbents) >= 2
    for config in incumbents:
        assert {k.budget for k in opt._smac.runhistory.get_trials(config)} >= {27.0}


def test_bad_intensifier_parameters_are_one_clear_error():
    with pytest.raises(CarpsError, match="unknown SMAC intensifier"):
        build("smac/bohb", fidelity=EPOCHS, intensifier="asha")
    with pytest.raises(CarpsError, match="no multi-fidelity intensifier"):
        build("smac/hpo", intensifier="successive_halving")
