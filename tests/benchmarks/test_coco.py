"""COCO suites (bbob-constrained, -biobj, -mixint, -noisy, -largescale) against cocoex itself, on sampled tasks."""

from __future__ import annotations

import random

import numpy as np
import pytest

from carps.benchmarks import get_task
from carps.core.registry import get_registry
from carps.core.space import sample_dicts, seeded_copy
from carps.testing import check_benchmark

cocoex = pytest.importorskip("cocoex")

FAMILIES = ("bbob_constrained", "bbob_biobj", "bbob_mixint", "bbob_noisy", "bbob_largescale")
# the conformance sample of bbob_noisy covers its multi-fidelity form too
CONFORMANCE_EXTRA = {"bbob_noisy": ["multifidelity/bbob_noisy/f107_d5_i3"]}


def sampled_ids(family: str, k: int = 2, seed: int = 0) -> list[str]:
    ids = [i for i in get_registry().match_tasks(f"*/{family}/*") if not i.startswith("multifidelity/")]
    return random.Random(seed).sample(ids, k)


def fresh_problem(task):
    meta = task.metadata
    suite = cocoex.Suite(meta["suite"], f"instances: {meta['instance']}", f"dimensions: {meta['dimension']}")
    return suite, suite.get_problem_by_function_dimension_instance(meta["function"], meta["dimension"], meta["instance"])


@pytest.mark.parametrize("family", FAMILIES)
def test_values_and_constraints_equal_cocoex_on_sampled_points(family):
    for task_id in sampled_ids(family, k=2):
        task = get_task(task_id)
        suite, problem = fresh_problem(task)
        assert problem.id == task.metadata["coco_id"] and problem.dimension == len(task.space)
        for config in sample_dicts(seeded_copy(task.space, 1), 3):
            x = np.array([config[f"x{j}"] for j in range(problem.dimension)], dtype=float)
            result = task.evaluate(config, None, 7)
            if task.metadata["suite"] == "bbob-noisy":
                # a new noise draw per evaluation: the first draw of a fresh task equals cocoex's first draw
                fresh = get_task(task_id).evaluate(config, None, 7).objectives[0]
                owner, first_draw = fresh_problem(task)
                assert fresh == first_draw(x)
                continue
            np.testing.assert_allclose(result.objectives, np.atleast_1d(problem(x)), rtol=0, atol=0)
            if problem.number_of_constraints:
                np.testing.assert_allclose(result.constraints, problem.constraint(x), rtol=0, atol=0)
            else:
                assert result.constraints == ()


def test_mixint_integers_and_constrained_constraint_names():
    task = get_task("blackbox/bbob_mixint/f03_d10_i2")
    _, problem = fresh_problem(task)
    n_int = problem.number_of_integer_variables
    kinds = [type(task.space[f"x{j}"]).__name__ for j in range(10)]
    assert n_int == 8 and kinds == ["UniformIntegerHyperparameter"] * 8 + ["UniformFloatHyperparameter"] * 2
    assert [task.space[f"x{j}"].upper for j in range(n_int)] == [int(u) for u in problem.upper_bounds[:n_int]]
    constrained = get_task("blackbox/bbob_constrained/f07_d5_i3")
    assert constrained.constraint_names == tuple(f"g{k}" for k in range(fresh_problem(constrained)[1].number_of_constraints))
    assert get_registry().benchmarks["bbob_constrained"].benchmark.constrained


def test_shipped_optima_and_biobj_references_equal_cocoex(tmp_path):
    from carps.benchmarks.coco_reference import compute, reference

    for task_id in ["blackbox/bbob_constrained/f12_d3_i5", "blackbox/bbob_mixint/f20_d10_i4", "blackbox/bbob_noisy/f125_d5_i3",
                    "blackbox/bbob_largescale/f13_d80_i5", "multiobjective/bbob_biobj/f17_d2_i9"]:
        task = get_task(task_id)
        m = task.metadata
        shipped = reference(m["suite"], m["function"], m["dimension"], m["instance"])
        fresh = compute(m["suite"], m["function"], m["dimension"], m["instance"])
        if m["suite"] == "bbob-biobj":
            np.testing.assert_allclose(shipped["ideal"] + [shipped["hv"]], fresh, rtol=1e-11)
            assert [o.lower for o in task.objectives] == shipped["ideal"] and 0 < m["coco_reference_hv"] <= 1
            assert np.all(np.array(m["nadir"]) > np.array(shipped["ideal"]))
        else:
            assert task.objectives[0].lower == shipped["fopt"]
            np.testing.assert_allclose(shipped["fopt"], fresh, rtol=1e-11)


def test_noisy_runs_are_reproducible_and_draws_differ():
    a, b = get_task("blackbox/bbob_noisy/f101_d2_i1"), get_task("blackbox/bbob_noisy/f101_d2_i1")
    config = {"x0": 1.0, "x1": 2.0}
    first = [a.evaluate(config, None, 3).objectives[0] for _ in range(3)]
    assert first == [b.evaluate(config, None, 3).objectives[0] for _ in range(3)]  # same stream in a fresh task
    assert len(set(first)) == 3  # three draws


def test_catalog_grids_are_every_function_and_instance_cocoex_defines():
    for family in FAMILIES:
        bench = get_registry().benchmarks[family].benchmark
        dim = bench.dimensions[0]
        suite = cocoex.Suite(bench.spec.name, "", f"dimensions: {dim}")
        functions = sorted({p.id_function for p in suite})
        instances = sorted({p.id_instance for p in suite})
        assert bench.functions == functions and bench.instances == instances, family
        assert max(d for d in bench.dimensions) <= (40 if bench.spec.name != "bbob-largescale" else 320)


@pytest.mark.parametrize("family", FAMILIES)
def test_conformance_on_sampled_tasks(family):
    bench = get_registry().benchmarks[family].benchmark
    ids = [i for i in sampled_ids(family, k=1, seed=3) if not i.startswith("multifidelity/")] + CONFORMANCE_EXTRA.get(family, [])
    report = check_benchmark(bench, task_ids=ids, n_configs=2)
    assert report.ok


def test_noisy_multifidelity_averages_that_many_draws():
    task = get_task("multifidelity/bbob_noisy/f122_d3_i2")
    assert task.fidelity.name == "resamples" and (task.fidelity.low, task.fidelity.high) == (1, 16)
    config = {"x0": 0.5, "x1": -1.0, "x2": 2.0}
    got = task.evaluate(config, 4, seed=1).objectives[0]
    owner, problem = fresh_problem(task)
    x = np.array([0.5, -1.0, 2.0])
    assert got == pytest.approx(np.mean([problem(x) for _ in range(4)]), rel=1e-12)
    with pytest.raises(ValueError, match="resamples=17"):
        task.evaluate(config, 17, seed=1)
