"""The nn workloads: each reaches its target with a known-good configuration; CPU runs are reproducible."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from carps.benchmarks.nn import NNBenchmark, make_nn_task  # noqa: E402
from carps.benchmarks.nn.algorithms import tuned_space  # noqa: E402
from carps.benchmarks.nn.training import train  # noqa: E402
from carps.benchmarks.nn.workloads import WORKLOADS, markov_bayes_accuracy  # noqa: E402
from carps.core.types import TaskType  # noqa: E402

# (learning rate, epochs, seed) of NadamW with cosine decay: shorter than the workloads' defaults
KNOWN_GOOD = {
    "digits_mlp": (1e-2, 8, 1),
    "digits_cnn": (1e-2, 5, 1),
    "digits_resnet": (1e-2, 5, 0),
    "cancer_mlp": (1e-2, 5, 1),
    "friedman_mlp": (1e-2, 12, 0),
    "markov_gru": (5e-2, 10, 1),
}


def good_config(lr: float) -> dict:
    return dict(tuned_space().get_default_configuration(), learning_rate=lr)


def test_six_workloads_of_different_kinds() -> None:
    assert set(KNOWN_GOOD) == set(WORKLOADS)
    assert {w.kind for w in WORKLOADS.values()} == {"classification", "regression", "sequence"}


@pytest.mark.parametrize("name", sorted(KNOWN_GOOD))
def test_known_good_configuration_reaches_target(name: str) -> None:
    lr, epochs, seed = KNOWN_GOOD[name]
    out = train(name, good_config(lr), epochs=epochs, seed=seed)
    wl = WORKLOADS[name]
    assert out["reached_target"], (name, out["curve"])
    assert out["steps_to_target"] < out["steps"] == epochs * wl.steps_per_epoch()
    assert max(out["curve"]) >= wl.target
    # the final model generalizes: the test metric is near the validation metric
    assert out["test_metric"] > wl.target - 0.06
    assert out["valid_loss"] < out["initial_valid_loss"]
    assert 0.0 <= out["valid_error"] <= 1.0 and out["train_time"] > 0


def test_default_config_misses_target_on_markov_gru() -> None:
    # the default learning rate (1e-3) is far too small here: steps_to_target is then the whole budget
    out = train("markov_gru", epochs=2, seed=0)
    assert not out["reached_target"] and out["steps_to_target"] == out["steps"]
    assert out["valid_metric"] < markov_bayes_accuracy()


def test_cpu_runs_are_deterministic_for_a_seed() -> None:
    a = train("digits_cnn", good_config(3e-3), epochs=2, seed=7)
    b = train("digits_cnn", good_config(3e-3), epochs=2, seed=7)
    c = train("digits_cnn", good_config(3e-3), epochs=2, seed=8)
    keys = ("valid_metric", "test_metric", "valid_loss", "curve", "steps_to_target")
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}
    assert a["valid_loss"] != c["valid_loss"]


def test_blown_up_run_scores_like_the_mean_predictor() -> None:
    # a huge first DoG step wrecks the regression net: R^2 far below 0, valid_error clipped to 1
    out = train("friedman_mlp", epochs=1, seed=0, algorithm="dog", options={"init_eta": 1e6})
    assert out["valid_metric"] < 0 and out["valid_error"] == 1.0


def test_multifidelity_task_reports_what_the_issue_asks() -> None:
    task = make_nn_task("cancer_mlp", TaskType.MULTIFIDELITY, device="cpu")
    assert task.fidelity is not None and task.fidelity.high == WORKLOADS["cancer_mlp"].max_epochs
    assert task.objectives[0].name == "valid_error" and task.objectives[0].minimize
    assert "dog" in task.algorithms
    result = task.evaluate(good_config(1e-2), fidelity=3, seed=1)
    for key in ("valid_metric", "test_metric", "valid_loss", "train_time", "steps_to_target", "curve", "device"):
        assert key in result.info
    assert result.info["steps"] == 3 * task.metadata["steps_per_epoch"] and len(result.info["curve"]) == 3
    assert result.objectives[0] == pytest.approx(1 - result.info["valid_metric"])


def test_family_ids_and_unknown_names() -> None:
    bench = NNBenchmark()
    assert len(bench.task_ids()) == 12
    with pytest.raises(Exception, match="not an nn task"):
        bench.get_task("blackbox/nn/nope")
    with pytest.raises(Exception, match="unknown nn workload"):
        NNBenchmark(workloads=["nope"])


def test_listing_tasks_does_not_import_torch() -> None:
    code = "import sys; from carps.benchmarks import list_tasks; ids = list_tasks('*/nn/*'); assert len(ids) == 12, ids; assert 'torch' not in sys.modules and 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
