"""The performance matrix of multi-objective types is built from one hypervolume per run; it must
equal the last value of the full HV-regret trajectories that the analysis and report use."""

from __future__ import annotations

import numpy as np
import pytest

from carps.analysis import hypervolume as hv
from carps.analysis.gather import experiment_dir, load_experiment
from carps.analysis.performance import per_run


@pytest.fixture(scope="module")
def mo_experiment(tmp_path_factory):
    pytest.importorskip("pymoo")
    pytest.importorskip("moocore")
    from carps.cli.main import main as carps

    results = tmp_path_factory.mktemp("mo") / "results"
    # 2, 3 and 5 objectives, and a momf task whose low-fidelity points must not count
    tasks = "multiobjective/pymoo/dtlz2_m2_d11,multiobjective/pymoo/dtlz2_m3_d12,multiobjective/pymoo/dtlz2_m5_d14,momf/momfsynth/zdt1_d5_s025"
    rc = carps(["run", "optimizer=random,optuna/nsga2", f"task={tasks}", "seed=1,2", "n_trials=25", "experiment=mo", f"results_dir={results}", "quiet=true"])
    assert rc == 0
    return results


@pytest.mark.parametrize("known_fronts", [True, False])
def test_final_regrets_equal_the_last_trajectory_value(mo_experiment, known_fronts):
    trials, runs = load_experiment(experiment_dir("mo", mo_experiment))
    fronts = hv.known_front if known_fronts else None
    fast = hv.final_regrets(trials, runs, fronts).sort_values(["task_id", "optimizer", "seed"]).reset_index(drop=True)
    slow = per_run(hv.hypervolume_trajectories(trials, runs, fronts)).sort_values(["task_id", "optimizer", "seed"]).reset_index(drop=True)
    assert len(fast) == len(slow) == 14  # optuna/nsga2 skips the momf task
    assert fast[["task_id", "optimizer", "seed"]].astype(str).equals(slow[["task_id", "optimizer", "seed"]].astype(str))
    np.testing.assert_allclose(fast["final"].to_numpy(), slow["final"].to_numpy(), atol=1e-12)
    # the runs are not all alike, so the comparison means something
    assert fast["final"].std() > 0.01


def test_matrix_of_a_multiobjective_experiment(mo_experiment):
    from carps.subsets.performance import from_experiment

    mat = from_experiment("mo", "multiobjective", mo_experiment)
    assert mat.shape == (3, 2) and list(mat.columns) == ["optuna/nsga2", "random"]
    assert ((mat >= 0) & (mat <= 1)).all().all()
    momf = from_experiment("mo", "momf", mo_experiment, known_fronts=False)
    assert list(momf.index) == ["momf/momfsynth/zdt1_d5_s025"]
