"""``carps calibrate`` on a small synthetic experiment whose leave-one-workload-out answer is known."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carps.cli.calibrate import main as calibrate
from carps.core.errors import CarpsError
from carps.core.records import RunFolder
from carps.optimizers.lrfree.calibration import candidate_key, leave_one_out, normalize

X = {"learning_rate": 0.001, "schedule": "cosine"}
Y = {"learning_rate": 0.01, "schedule": "cosine"}
Z = {"learning_rate": 0.1, "schedule": "linear"}
W = {"algorithm": "dog"}
BAD = {"learning_rate": 0.5, "schedule": "constant"}

# normalized costs (0 = best, 1 = worst on that workload); W is missing on c
NORMALIZED = {
    "a": {"X": 0.0, "Y": 1.0, "Z": 0.5, "W": 0.0},
    "b": {"X": 1.0, "Y": 0.0, "Z": 0.4, "W": 0.0},
    "c": {"X": 0.0, "Y": 0.2, "Z": 1.0},
}
# held-out a: mean over b, c of candidates run on both: X .5, Y .1, Z .7 -> Y (W was not run on c)
# held-out b: over a, c: X 0, Y .6, Z .75 -> X
# held-out c: over a, b: X .5, Y .5, Z .45, W 0 -> W
EXPECTED = {"a": Y, "b": X, "c": W}
CONFIGS = {"X": X, "Y": Y, "Z": Z, "W": W}


def _write_run(exp: Path, task: str, optimizer: str, seed: int, trials: list[dict], minimize: bool = True) -> None:
    folder = RunFolder(exp / task / optimizer / f"seed_{seed}")
    folder.write_all(trials)
    folder.write_run(
        {
            "schema": 1,
            "status": "done",
            "run": {"task": task, "optimizer": optimizer, "seed": seed},
            "task": {"id": task, "objectives": [{"name": "valid_error", "minimize": minimize}], "fidelity": {"name": "epochs", "low": 1, "high": 10} if task.startswith("multi") else None},
        }
    )


def _trial(i: int, config: dict, value: float | None, fidelity: float | None = None, status: str = "ok") -> dict:
    return {"trial": i, "config": config, "fidelity": fidelity, "seed": 1, "objectives": None if value is None else {"valid_error": value}, "status": status, "error": None, "budget_used": i + 1.0, "started_at": 0.0, "wall_time": 0.1}


@pytest.fixture()
def experiment(tmp_path: Path) -> Path:
    exp = tmp_path / "results" / "synthetic"
    for w, row in NORMALIZED.items():
        # raw costs: an affine map per workload (normalization must undo it) split over two runs
        scale, offset = {"a": (0.5, 0.1), "b": (0.2, 0.3), "c": (0.9, 0.0)}[w]
        items = [(CONFIGS[k], offset + scale * v) for k, v in row.items() if k != "W"]
        trials = [_trial(i, c, v) for i, (c, v) in enumerate(items)]
        trials.append(_trial(len(trials), BAD, None, status="crashed"))  # failed trials are ignored
        _write_run(exp, f"blackbox/nn/{w}", "random", 1, trials)
        if "W" in row:
            _write_run(exp, f"blackbox/nn/{w}", "lrfree/dog", 1, [_trial(0, W, offset + scale * row["W"])])
        # a low-fidelity trial that would beat everything must not count
        _write_run(exp, f"multifidelity/nn/{w}", "random", 1, [_trial(0, BAD, offset - 1.0, fidelity=2.0)])
    # a task outside the default '*/nn/*' glob is left out
    _write_run(exp, "blackbox/bbob/f01_d2_i1", "random", 1, [_trial(0, Z, -100.0)])
    return exp


def test_leave_one_out_on_the_known_table() -> None:
    scores = {w: {candidate_key(CONFIGS[k]): v for k, v in row.items()} for w, row in NORMALIZED.items()}
    chosen = leave_one_out(scores)
    assert {w: d.config for w, d in chosen.items()} == EXPECTED
    assert chosen["a"].score == pytest.approx(0.1) and chosen["a"].calibrated_on == ["b", "c"]
    assert chosen["c"].score == pytest.approx(0.0)


def test_normalize_maps_each_workload_to_unit_range() -> None:
    assert normalize({"w": {"p": 3.0, "q": 5.0, "r": 4.0}}) == {"w": {"p": 0.0, "q": 1.0, "r": 0.5}}
    assert normalize({"w": {"p": 2.0, "q": 2.0}}) == {"w": {"p": 0.0, "q": 0.0}}


def test_calibrate_command_writes_the_known_answer(experiment: Path, capsys: pytest.CaptureFixture) -> None:
    assert calibrate(["experiment=synthetic", f"results_dir={experiment.parent}"]) == 0
    doc = yaml.safe_load((experiment / "calibrated.yaml").read_text())
    assert {w: e["config"] for w, e in doc["workloads"].items()} == EXPECTED
    assert doc["objective"] == "valid_error"
    assert doc["workloads"]["a"]["score"] == pytest.approx(0.1)
    out = capsys.readouterr().out
    assert "algorithm=dog" in out and "optimizer=lrfree/calibrated" in out


def test_calibrate_respects_optimizer_filter(experiment: Path, tmp_path: Path) -> None:
    out = tmp_path / "only_random.yaml"
    calibrate(["experiment=synthetic", f"results_dir={experiment.parent}", "optimizer=random", f"out={out}"])
    doc = yaml.safe_load(out.read_text())
    assert doc["workloads"]["c"]["config"] == {"learning_rate": 0.1, "schedule": "linear"}  # Z once W is gone


def test_calibrate_needs_shared_candidates(tmp_path: Path) -> None:
    exp = tmp_path / "results" / "disjoint"
    _write_run(exp, "blackbox/nn/a", "random", 1, [_trial(0, X, 0.1)])
    _write_run(exp, "blackbox/nn/b", "random", 2, [_trial(0, Y, 0.1)])
    _write_run(exp, "blackbox/nn/c", "random", 3, [_trial(0, Z, 0.1)])
    with pytest.raises(CarpsError, match="same seeds on every workload"):
        calibrate(["experiment=disjoint", f"results_dir={exp.parent}"])
    with pytest.raises(CarpsError, match="at least two workloads"):
        leave_one_out({"a": {"x": 1.0}})


def test_study_table_reads_incumbents_after_k_trials(experiment: Path) -> None:
    from carps.cli.calibrate import study_table

    table = study_table(experiment, [1, 3, 50], ["blackbox/nn/*"]).set_index(["method", "k"])
    # workload b, random search: trials X (0.3 + 0.2 * 1.0), Y (0.3), Z (0.3 + 0.2 * 0.4) in this order
    assert table.loc[("random", 1), "b err"] == pytest.approx(0.5)
    assert table.loc[("random", 3), "b err"] == pytest.approx(0.3)
    assert ("random", 50) not in table.index  # the runs' budget does not reach 50 trials
    assert table.loc[("lrfree/dog", 1), "b err"] == pytest.approx(0.3)
    assert set(table.columns) >= {"a err", "a test", "c err", "avg rank", "seeds"}
