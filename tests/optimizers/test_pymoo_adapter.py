"""The pymoo adapter: the box encoding, pymoo's own algorithms driven by hand, generations, failures."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pymoo")

from ConfigSpace import (  # noqa: E402
    Categorical,
    ConfigurationSpace,
    Constant,
    EqualsCondition,
    Float,
    ForbiddenEqualsClause,
    Integer,
    OrdinalHyperparameter,
)

from carps.core.errors import CarpsError  # noqa: E402
from carps.core.optimizer import StopRun  # noqa: E402
from carps.core.space import in_space  # noqa: E402
from carps.core.types import Fidelity, Objective, TrialStatus, TrialValue  # noqa: E402
from carps.optimizers.pymoo_adapter import (  # noqa: E402
    BoxEncoding,
    PymooMultiObjective,
    PymooSingleObjective,
    reference_directions,
)

TWO = (Objective("a"), Objective("b"))


def mixed_space() -> ConfigurationSpace:
    space = ConfigurationSpace()
    space.add(
        [
            Float("x", (-2.0, 3.0)),
            Float("lr", (1e-4, 1e-1), log=True),
            Integer("n", (1, 4)),
            Integer("width", (1, 64), log=True),
            Categorical("kind", ["a", "b", "c"]),
            OrdinalHyperparameter("size", ["s", "m", "l"]),
            Constant("fixed", "yes"),
        ]
    )
    return space


# the encoding ----------------------------------------------------------------------------------------
def test_box_bounds_log_scales_integer_bins_and_indices() -> None:
    box = BoxEncoding(mixed_space())
    assert box.names == ["kind", "lr", "n", "size", "width", "x"]  # the space's order; the constant is not searched
    bounds = {
        "x": (-2.0, 3.0),
        "lr": (math.log(1e-4), math.log(1e-1)),
        "n": (0.5, 4.5),
        "width": (math.log(0.5), math.log(64.5)),
        "kind": (-0.5, 2.5),
        "size": (-0.5, 2.5),
    }
    assert np.allclose(box.lower, [bounds[n][0] for n in box.names])
    assert np.allclose(box.upper, [bounds[n][1] for n in box.names])


def test_round_trip_of_every_kind() -> None:
    box = BoxEncoding(mixed_space())
    config = {"x": 0.25, "lr": 0.003, "n": 3, "width": 17, "kind": "c", "size": "m"}
    back = box.decode(box.encode(config))
    assert back.pop("fixed") == "yes"
    assert back.pop("lr") == pytest.approx(0.003, rel=1e-12)
    assert back == {k: v for k, v in config.items() if k != "lr"}
    assert type(back["n"]) is int and type(back["width"]) is int


def test_decoding_rounds_to_equally_wide_bins_and_clamps_the_edges() -> None:
    box = BoxEncoding(ConfigurationSpace({"n": (1, 4), "kind": ["a", "b", "c"]}))
    assert box.names == ["kind", "n"]
    cases = {(0.5, -0.5): (1, "a"), (1.49, 0.49): (1, "a"), (1.5, 0.5): (2, "b"), (4.5, 2.5): (4, "c"), (3.6, 1.7): (4, "c")}
    for (n_value, kind_index), (n, kind) in cases.items():
        assert box.decode(np.array([kind_index, n_value])) == {"n": n, "kind": kind}, x
    # a log-scaled float at its upper edge stays in the space although exp(log(u)) may exceed u
    log_box = BoxEncoding(ConfigurationSpace({"lr": Float("lr", (1e-4, 0.3), log=True)}))
    assert log_box.decode(log_box.upper.copy())["lr"] <= 0.3


def test_reference_directions_are_sized_by_the_number_of_objectives() -> None:
    assert reference_directions(2, 20).shape == (20, 2)
    assert reference_directions(3, 20).shape == (21, 3)
    assert reference_directions(8, 20).shape == (36, 8)
    assert np.allclose(reference_directions(5, 10).sum(axis=1), 1.0)


# pymoo's own algorithm, driven by hand --------------------------------------------------------------
def _space() -> ConfigurationSpace:
    space = ConfigurationSpace()
    space.add([Float("x", (0.0, 1.0)), Float("lr", (1e-4, 1.0), log=True)])
    return space


def _costs(x: float, lr: float, n_obj: int) -> list[float]:
    return [(x - 0.3) ** 2 + math.log(lr) ** 2 / 10, (x - 0.8) ** 2 + lr][:n_obj]


def _by_hand(algorithm, n_obj: int, n_generations: int, seed: int) -> list[list[float]]:
    """pymoo's documented ask/tell loop on the same box, with the values decoded by hand."""
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.core.termination import NoTermination
    from pymoo.problems.static import StaticProblem

    # the box of (lr, x), ConfigSpace's order of the names
    problem = Problem(n_var=2, n_obj=n_obj, n_ieq_constr=1, xl=np.array([math.log(1e-4), 0.0]), xu=np.array([0.0, 1.0]))
    algorithm.setup(problem, seed=seed, termination=NoTermination())
    proposed = []
    for _ in range(n_generations):
        pop = algorithm.ask()
        values = [[float(x), float(min(math.exp(log_lr), 1.0))] for log_lr, x in pop.get("X")]
        proposed += values
        F = np.array([_costs(x, lr, n_obj) for x, lr in values])
        Evaluator().eval(StaticProblem(problem, F=F, G=np.zeros((len(F), 1))), pop)
        algorithm.tell(infills=pop)
    return proposed


def _through_adapter(opt, n_trials: int, n_obj: int) -> list[list[float]]:
    proposed = []
    for _ in range(n_trials):
        info = opt.ask()
        proposed.append([info.config["x"], info.config["lr"]])
        opt.tell(info, TrialValue(costs=tuple(_costs(info.config["x"], info.config["lr"], n_obj))))
    return proposed


@pytest.mark.parametrize("name", ["nsga2", "smsemoa"])
def test_multi_objective_proposals_are_pymoos_own(name: str) -> None:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.algorithms.moo.sms import SMSEMOA

    cls = {"nsga2": NSGA2, "smsemoa": SMSEMOA}[name]
    expected = _by_hand(cls(pop_size=6), 2, 3, seed=7)
    opt = PymooMultiObjective(_space(), TWO, seed=7, algorithm=name, population_size=6)
    assert np.allclose(_through_adapter(opt, len(expected), 2), expected, rtol=0, atol=1e-12)
    other = PymooMultiObjective(_space(), TWO, seed=8, algorithm=name, population_size=6)
    assert not np.allclose(_through_adapter(other, len(expected), 2), expected)


def test_ga_proposals_are_pymoos_own() -> None:
    from pymoo.algorithms.soo.nonconvex.ga import GA

    expected = _by_hand(GA(pop_size=5), 1, 3, seed=3)
    opt = PymooSingleObjective(_space(), seed=3, algorithm="ga", population_size=5)
    assert np.allclose(_through_adapter(opt, len(expected), 1), expected, rtol=0, atol=1e-12)


def test_cmaes_proposals_are_pymoos_own_and_leave_numpys_global_generator_alone() -> None:
    from pymoo.algorithms.soo.nonconvex.cmaes import CMAES

    hand = CMAES(pop_size=4)
    hand.n_sample_points = 4
    state = np.random.get_state()
    expected = _by_hand(hand, 1, 4, seed=5)  # cma seeds and draws from np.random itself
    np.random.set_state(state)
    np.random.seed(123)
    before = np.random.get_state()
    opt = PymooSingleObjective(_space(), seed=5, algorithm="cmaes", population_size=4, n_sample_points=4)
    assert np.allclose(_through_adapter(opt, len(expected), 1), expected, rtol=0, atol=1e-12)
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1]) and before[2] == after[2], "the adapter moved np.random's global state"


def test_nsga3_and_moead_use_reference_directions_for_the_objectives() -> None:
    three = (Objective("a"), Objective("b"), Objective("c"))
    nsga3 = PymooMultiObjective(_space(), three, seed=1, algorithm="nsga3", population_size=20)
    assert nsga3._algorithm.ref_dirs.shape == (21, 3) and nsga3._algorithm.pop_size == 21
    moead = PymooMultiObjective(_space(), three, seed=1, algorithm="moead", population_size=20)
    assert moead._algorithm.ref_dirs.shape == (21, 3)
    # MOEA/D proposes one offspring per generation after its initial population
    for _ in range(21 + 2):
        info = moead.ask()
        moead.tell(info, TrialValue(costs=(info.config["x"], 1 - info.config["x"], info.config["lr"])))
    assert moead._generation == 3


# generations, handed out one by one -------------------------------------------------------------------
def test_a_generation_is_handed_out_one_by_one_and_told_to_pymoo_when_complete() -> None:
    opt = PymooMultiObjective(_space(), TWO, seed=2, algorithm="nsga2", population_size=4)
    asks = []
    original_ask, original_tell = opt._algorithm.ask, opt._algorithm.tell
    opt._algorithm.ask = lambda: asks.append("ask") or original_ask()
    opt._algorithm.tell = lambda **kw: asks.append("tell") or original_tell(**kw)
    infos = [opt.ask() for _ in range(4)]  # several asks before the tells
    assert asks == ["ask"]
    X = opt._pop.get("X")
    assert np.allclose([[math.log(i.config["lr"]), i.config["x"]] for i in infos], X)
    with pytest.raises(CarpsError, match="tell the 4 trial"):
        opt.ask()
    for info in reversed(infos[1:]):  # any order
        opt.tell(info, TrialValue(costs=(info.config["x"], 1.0)))
    assert asks == ["ask"]
    opt.tell(infos[0], TrialValue(costs=(0.0, 1.0)))
    assert asks == ["ask", "tell"]
    opt.ask()
    assert asks == ["ask", "tell", "ask"]


def test_asking_everything_first_gives_what_alternating_gives() -> None:
    def run(batched: bool) -> list[dict]:
        opt = PymooMultiObjective(_space(), TWO, seed=4, algorithm="nsga2", population_size=4)
        seen = []
        for _ in range(3):
            infos = [opt.ask() for _ in range(4)] if batched else []
            for k in range(4):
                info = infos[k] if batched else opt.ask()
                opt.tell(info, TrialValue(costs=tuple(_costs(info.config["x"], info.config["lr"], 2))))
                seen.append(info.config)
        return seen

    assert run(True) == run(False)


def test_a_trial_of_an_earlier_generation_is_refused() -> None:
    opt = PymooSingleObjective(_space(), seed=1, algorithm="ga", population_size=2)
    first = [opt.ask() for _ in range(2)]
    for info in first:
        opt.tell(info, TrialValue(costs=(1.0,)))
    with pytest.raises(CarpsError, match="already told"):
        opt.tell(first[0], TrialValue(costs=(1.0,)))


def test_pymoo_with_nothing_left_to_propose_ends_the_run() -> None:
    opt = PymooSingleObjective(_space(), seed=1, algorithm="ga", population_size=2)
    opt._algorithm.ask = lambda: None
    with pytest.raises(StopRun):
        opt.ask()


# conditions, forbidden clauses, failures --------------------------------------------------------------
def _conditional_space() -> ConfigurationSpace:
    space = ConfigurationSpace({"kind": ["a", "b"], "x": (0.0, 1.0), "y": (0.0, 1.0)})
    space.add(EqualsCondition(space["x"], space["kind"], "a"))
    space.add(ForbiddenEqualsClause(space["kind"], "b"))
    return space


def test_inactive_values_are_dropped_and_forbidden_proposals_are_told_infeasible_unevaluated() -> None:
    space = _conditional_space()
    opt = PymooSingleObjective(space, seed=0, algorithm="ga", population_size=8)
    asked = [opt.ask()]
    asked += [opt.ask() for _ in range(len(opt._queue))]  # the rest of the first generation's legal members
    pop = opt._pop
    kinds = [BoxEncoding(space).decode(x)["kind"] for x in pop.get("X")]
    assert "b" in kinds, "the seed should give a forbidden proposal"
    assert len(asked) == kinds.count("a")
    assert all(info.config["kind"] == "a" and "x" in info.config and in_space(space, info.config) for info in asked)
    for info in asked:
        opt.tell(info, TrialValue(costs=(info.config["y"] + 1.0,)))
    told = opt._algorithm.off
    G, F = told.get("G")[:, 0], told.get("F")[:, 0]
    forbidden = np.array([k == "b" for k in kinds])
    assert np.array_equal(G, forbidden.astype(float))  # infeasible: constraint violated
    worst = max(info.config["y"] + 1.0 for info in asked)
    assert np.allclose(F[forbidden], worst)  # and the worst cost seen as its objective


def test_failed_trials_get_the_worst_costs_seen_and_a_violated_constraint() -> None:
    opt = PymooMultiObjective(_space(), TWO, seed=1, algorithm="nsga2", population_size=4)
    infos = [opt.ask() for _ in range(4)]
    opt.tell(infos[0], TrialValue(None, TrialStatus.CRASHED, "boom"))
    opt.tell(infos[1], TrialValue(costs=(1.0, 5.0)))
    opt.tell(infos[2], TrialValue(None, TrialStatus.INVALID, "nan"))
    opt.tell(infos[3], TrialValue(costs=(3.0, 2.0)))
    told = opt._algorithm.off
    assert told.get("F").tolist() == [[3.0, 5.0], [1.0, 5.0], [3.0, 5.0], [3.0, 2.0]]
    assert told.get("G")[:, 0].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_failures_before_any_success_tie_at_zero_and_moead_gets_costs_only() -> None:
    opt = PymooMultiObjective(_space(), TWO, seed=1, algorithm="moead", population_size=3)
    assert not opt._problem.has_constraints()  # pymoo's MOEA/D refuses constraints
    for _ in range(3):
        opt.tell(opt.ask(), TrialValue(None, TrialStatus.CRASHED, "boom"))
    assert opt._algorithm.pop.get("F").tolist() == [[0.0, 0.0]] * 3
    info = opt.ask()
    opt.tell(info, TrialValue(costs=(2.0, 4.0)))
    crashed = opt.ask()
    opt.tell(crashed, TrialValue(None, TrialStatus.TIMEOUT, "slow"))
    assert opt._algorithm.off.F.tolist() == [2.0, 4.0]


# task types and parameters ----------------------------------------------------------------------------
def test_momf_trials_run_at_the_highest_fidelity() -> None:
    opt = PymooMultiObjective(_space(), TWO, fidelity=Fidelity("epochs", 1, 27, integer=True), seed=1, algorithm="nsga2", population_size=4)
    info = opt.ask()
    assert info.fidelity == 27 and type(info.fidelity) is int


def test_bad_parameters_are_one_line_errors() -> None:
    with pytest.raises(CarpsError, match="no pymoo algorithm 'nsga2'"):
        PymooSingleObjective(_space(), seed=1, algorithm="nsga2")
    with pytest.raises(CarpsError, match="population_size must be at least 2"):
        PymooMultiObjective(_space(), TWO, seed=1, algorithm="nsga2", population_size=1)
    with pytest.raises(CarpsError, match="NSGA2 takes no argument 'pop'"):
        PymooMultiObjective(_space(), TWO, seed=1, algorithm="nsga2", pop=4)
    with pytest.raises(CarpsError, match="not a constant"):
        PymooSingleObjective(ConfigurationSpace({"c": Constant("c", 1)}), seed=1, algorithm="ga")
