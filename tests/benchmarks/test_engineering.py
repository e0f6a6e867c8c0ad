"""Engineering design problems against BoTorch and pymoo on sampled points, known optima, and conformance."""

from __future__ import annotations

import numpy as np
import pytest

from carps.benchmarks import get_task
from carps.core.registry import get_registry
from carps.core.space import sample_dicts, seeded_copy
from carps.testing import check_benchmark

torch = pytest.importorskip("torch")
pytest.importorskip("botorch")
pytest.importorskip("pymoo")


def points(task, n=4):
    configs = sample_dicts(seeded_copy(task.space, 5), n)
    return configs, np.array([[c[f"x{j}"] for j in range(len(task.space))] for c in configs])


@pytest.mark.parametrize("name,cls,kwargs", [
    ("pressure_vessel", "PressureVessel", {}), ("speed_reducer", "SpeedReducer", {}), ("keane_bump_d10", "KeaneBumpFunction", {"dim": 10}),
    ("disc_brake", "DiscBrake", {}), ("penicillin", "Penicillin", {}), ("car_side_impact", "CarSideImpact", {}),
])
def test_values_equal_botorch(name, cls, kwargs):
    from botorch.test_functions import multi_objective, synthetic

    ttype = "multiobjective" if hasattr(multi_objective, cls) else "blackbox"
    task = get_task(f"{ttype}/engineering/{name}")
    problem = (getattr(synthetic, cls, None) or getattr(multi_objective, cls))(**kwargs)
    configs, X = points(task)
    T = torch.tensor(X, dtype=torch.float64)
    expected = problem.evaluate_true(T).numpy().reshape(len(X), -1)
    got = np.array([task.evaluate(c).objectives for c in configs])
    signs = np.array([1.0 if o.minimize else -1.0 for o in task.objectives])
    np.testing.assert_allclose(got * signs, expected, rtol=1e-12)
    if task.constraints:
        slack = problem.evaluate_slack_true(T).numpy()
        got_g = np.array([task.evaluate(c).constraints for c in configs])
        np.testing.assert_allclose(got_g, -slack, rtol=1e-12)
        assert [all(g <= 0 for g in task.evaluate(c).constraints) for c in configs] == problem.is_feasible(T).tolist()


@pytest.mark.parametrize("name", ["bnh", "osy", "tnk", "srn"])
def test_values_equal_pymoo(name):
    from pymoo.problems import get_problem

    task = get_task(f"multiobjective/engineering/{name}")
    configs, X = points(task)
    F, G = get_problem(name).evaluate(X, return_values_of=["F", "G"])
    results = task.evaluate_batch(configs)
    np.testing.assert_allclose([r.objectives for r in results], F, rtol=1e-12)
    np.testing.assert_allclose([r.constraints for r in results], G, rtol=1e-12)


def test_known_optima_of_the_classic_designs():
    # the published optimum of the tension/compression spring (Coello and Mezura-Montes 2002): 0.012681 at
    # (0.051690, 0.356750, 11.287126); it lies on the boundary, so feasibility holds to the printed precision
    task = get_task("blackbox/engineering/tension_compression_spring")
    assert task.objectives[0].lower == pytest.approx(0.012681)
    result = task.evaluate({"x0": 0.051690, "x1": 0.356750, "x2": 11.287126})
    assert result.objectives[0] == pytest.approx(0.012665, rel=2e-3) and max(result.constraints) < 1e-4
    keane = get_task("blackbox/engineering/keane_bump_d2")
    assert keane.objectives[0].lower == pytest.approx(-0.365) and get_task("blackbox/engineering/keane_bump_d5").objectives[0].lower is None


def test_family_lists_its_tasks_and_passes_conformance_on_a_sample():
    family = get_registry().benchmarks["engineering"].benchmark
    ids = family.task_ids()
    assert len(ids) == 21 and sum(i.startswith("blackbox/") for i in ids) == 12
    report = check_benchmark(family, task_ids=["blackbox/engineering/welded_beam", "multiobjective/engineering/vehicle_safety",
                                               "multiobjective/engineering/osy", "blackbox/engineering/keane_bump_d30"], n_configs=2)
    assert report.ok
