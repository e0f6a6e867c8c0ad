"""Dev/test splits, recompute from a performance table, the CLI, and subsets as task selectors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import star_discrepancy
from carps.subsets.performance import performance_matrix, reference_points
from carps.subsets.recompute import rank_fidelity, recompute
from carps.subsets.split import select_dev_test


def test_split_halves_are_disjoint_and_both_good():
    pts = np.random.default_rng(0).random((300, 3)) ** 2
    split = select_dev_test(pts, k=10, seed=0, restarts=1)
    assert len(split.dev) == len(split.test) == 10 and not set(split.dev) & set(split.test)
    assert split.dev_discrepancy == pytest.approx(star_discrepancy(pts[split.dev]))
    rng = np.random.default_rng(1)
    typical = np.median([star_discrepancy(pts[rng.choice(300, 10, replace=False)]) for _ in range(50)])
    assert max(split.dev_discrepancy, split.test_discrepancy) < typical


def test_split_needs_2k_points():
    with pytest.raises(CarpsError, match="at least 20"):
        select_dev_test(np.random.default_rng(0).random((15, 3)), k=10, restarts=1)


def _tidy(n_tasks=60, seeds=(1, 2)):
    rng = np.random.default_rng(0)
    rows = []
    for t in range(n_tasks):
        base = rng.random()
        for opt, noise in [("random", 0.3), ("optuna/tpe", 0.2), ("nevergrad/cma", 0.25), ("a", 0.1), ("b", 0.15), ("c", 0.2)]:
            for s in seeds:
                rows.append({"task_id": f"blackbox/bbob/f{t:02d}", "optimizer": opt, "seed": s, "value": float(np.clip(base + noise * rng.random() - 0.1, 0, 1))})
    return pd.DataFrame(rows)


def test_performance_matrix_and_reference_points():
    mat = performance_matrix(_tidy(5))
    assert mat.shape == (5, 6)
    tasks, pts = reference_points(mat, ["random", "optuna/tpe"], transform="log")
    assert len(tasks) == 5 and pts.shape == (5, 2) and pts.min() >= 0 and pts.max() <= 1
    with pytest.raises(CarpsError, match="have no results"):
        reference_points(mat, ["smac/hpo"])


def test_rank_fidelity_of_the_full_set_is_one():
    mat = performance_matrix(_tidy(20))
    assert rank_fidelity(mat, list(mat.index), ["random", "optuna/tpe", "nevergrad/cma"]) == pytest.approx(1.0)
    assert rank_fidelity(mat, list(mat.index), list(mat.columns)) is None


def test_recompute_writes_selectors_and_metadata(tmp_path):
    mat = performance_matrix(_tidy(60))
    meta = recompute(mat, "blackbox", ["random", "optuna/tpe", "nevergrad/cma"], [5, 10], out_dir=tmp_path, seed=0, evaluations=400)
    folder = tmp_path / "blackbox"
    for name in ["k5_dev", "k5_test", "k10_dev", "k10_test"]:
        data = yaml.safe_load((folder / f"{name}.yaml").read_text())
        assert len(data["tasks"]) == int(name[1:].split("_")[0]) and set(data["tasks"]) <= set(mat.index)
    stored = yaml.safe_load((folder / "metadata.yaml").read_text())
    assert stored["reference"] == ["random", "optuna/tpe", "nevergrad/cma"] and stored["data_hash"] == meta["data_hash"]
    assert set(stored["subsets"]["k10"]["dev"]["tasks"]).isdisjoint(stored["subsets"]["k10"]["test"]["tasks"])
    assert (folder / "performance.csv").exists() and "| 10 |" in (folder / "report.md").read_text()
    # offline recomputation from the saved matrix gives the same hash
    again = pd.read_csv(folder / "performance.csv", index_col=0)
    from carps.subsets.performance import matrix_hash

    assert matrix_hash(again) == meta["data_hash"]


def test_cli_recompute_from_matrix_and_errors(tmp_path, capsys):
    from carps.cli.subsets import main

    mat = performance_matrix(_tidy(40))
    path = tmp_path / "perf.csv"
    mat.to_csv(path, index_label="task_id")
    rc = main(["recompute", f"matrix={path}", "task_type=blackbox", "reference=random,optuna/tpe,nevergrad/cma", "k=5", f"out={tmp_path}", "evaluations=300"])
    assert rc == 0 and "k5: dev D*=" in capsys.readouterr().out
    assert (tmp_path / "blackbox" / "k5_test.yaml").exists()
    with pytest.raises(CarpsError, match="task_type"):
        main(["recompute", f"matrix={path}", "reference=random", "k=5"])
    with pytest.raises(CarpsError, match="unknown subsets action"):
        main(["compute"])
    with pytest.raises(CarpsError, match="experiment=NAME"):
        main(["recompute", "task_type=blackbox", "reference=random", "k=5"])


def test_recompute_twice_with_an_evaluation_budget_gives_identical_subsets(tmp_path):
    mat = performance_matrix(_tidy(40))
    reference = ["random", "optuna/tpe", "nevergrad/cma"]
    metas = [recompute(mat, "blackbox", reference, [5, 8], out_dir=tmp_path / name, evaluations=400, measure="empirical", transform="log") for name in ("a", "b")]
    for name in ["k5_dev", "k5_test", "k8_dev", "k8_test"]:
        first, second = ((tmp_path / run / "blackbox" / f"{name}.yaml").read_text() for run in ("a", "b"))
        assert first == second
    assert metas[0]["subsets"] == metas[1]["subsets"]
    stored = yaml.safe_load((tmp_path / "a" / "blackbox" / "metadata.yaml").read_text())
    assert stored["evaluations_per_k"] == 400 and stored["time_limit_per_k"] is None
    assert all(0 < entry["evaluations"] <= 400 for entry in stored["subsets"].values())


def test_cli_evaluations_key(tmp_path, capsys):
    from carps.cli.subsets import main

    path = tmp_path / "perf.csv"
    performance_matrix(_tidy(30)).to_csv(path, index_label="task_id")
    args = ["recompute", f"matrix={path}", "task_type=blackbox", "reference=random,optuna/tpe", "k=4", "measure=empirical"]
    for run in ("a", "b"):
        assert main(args + [f"out={tmp_path / run}", "evaluations=300"]) == 0
    assert (tmp_path / "a" / "blackbox" / "k4_dev.yaml").read_text() == (tmp_path / "b" / "blackbox" / "k4_dev.yaml").read_text()
    assert yaml.safe_load((tmp_path / "a" / "blackbox" / "metadata.yaml").read_text())["evaluations_per_k"] == 300
    for bad in ("evaluations=many", "evaluations=2", "evaluations=1.5"):
        with pytest.raises(CarpsError, match="evaluations must be a whole number"):
            main(args + [f"out={tmp_path / 'c'}", bad])


@pytest.mark.slow
def test_shipped_blackbox_k10_is_reproduced_by_the_documented_command(tmp_path):
    """docs/subsets.md's offline command, restricted to k=10, gives the shipped k10 dev and test subsets."""
    from carps.cli.subsets import main
    from carps.core.registry import builtin_catalog_dir
    from carps.subsets.recompute import DEFAULT_EVALUATIONS

    shipped = builtin_catalog_dir("subsets") / "blackbox"
    meta = yaml.safe_load((shipped / "metadata.yaml").read_text())
    # the shipped subsets were made with the default, reproducible stopping rule only
    assert meta["evaluations_per_k"] == DEFAULT_EVALUATIONS and meta["time_limit_per_k"] is None and meta["seed"] == 0
    rc = main([
        "recompute", f"matrix={shipped / 'performance.csv'}", "task_type=blackbox", f"reference={','.join(meta['reference'])}",
        "k=10", f"transform={meta['transform']}", f"measure={meta['measure']}", f"out={tmp_path}",
    ])
    assert rc == 0
    for half in ("dev", "test"):
        again = yaml.safe_load((tmp_path / "blackbox" / f"k10_{half}.yaml").read_text())
        assert again["tasks"] == yaml.safe_load((shipped / f"k10_{half}.yaml").read_text())["tasks"]
        assert again["discrepancy"] == meta["subsets"]["k10"][half]["discrepancy"]


def test_registry_reads_written_subsets(tmp_path):
    from carps.core.registry import Registry, builtin_catalog_dir

    mat = performance_matrix(_tidy(30))
    recompute(mat, "blackbox", ["random", "optuna/tpe"], [5], out_dir=tmp_path, evaluations=300)
    reg = Registry([builtin_catalog_dir("optimizers")], [builtin_catalog_dir("benchmarks")], [tmp_path])
    assert "subset/blackbox/k5_dev" in reg.subset_names() and "subset/blackbox/k5_test" in reg.subset_names()
    dev = yaml.safe_load(Path(tmp_path / "blackbox" / "k5_dev.yaml").read_text())["tasks"]
    assert reg.subset_tasks("subset/blackbox/k5_dev") == dev


def test_recompute_from_a_real_experiment(tmp_path, capsys):
    """End to end: carps run writes run folders, carps subsets recompute reads them through the analysis pipeline."""
    pytest.importorskip("ioh")
    from carps.cli.main import main as carps

    results = tmp_path / "results"
    rc = carps(["run", "optimizer=random,optuna/random", "task=blackbox/bbob/f0[1-6]_d2_i1", "n_trials=6", "experiment=tiny", f"results_dir={results}", "quiet=true"])
    assert rc == 0
    rc = carps(["subsets", "recompute", "experiment=tiny", f"results_dir={results}", "task_type=blackbox", "reference=random,optuna/random", "k=2", f"out={tmp_path / 'subsets'}", "transform=minmax", "evaluations=300"])
    assert rc == 0
    meta = yaml.safe_load((tmp_path / "subsets" / "blackbox" / "metadata.yaml").read_text())
    assert meta["n_tasks"] == 6 and meta["source"] == "experiment tiny"
    assert meta["evaluations_per_k"] == 300 and meta["time_limit_per_k"] is None
    assert len(meta["subsets"]["k2"]["dev"]["tasks"]) == 2


def test_empirical_split_and_recompute_record_both_measures(tmp_path):
    from carps.subsets.discrepancy import subset_discrepancy

    pts = np.random.default_rng(2).random((120, 3)) ** 2
    split = select_dev_test(pts, k=6, seed=0, restarts=1, measure="empirical")
    assert split.measure == "empirical" and not set(split.dev) & set(split.test)
    assert split.test_discrepancy == pytest.approx(subset_discrepancy(pts, split.test, "empirical"))
    mat = performance_matrix(_tidy(40))
    meta = recompute(mat, "blackbox", ["random", "optuna/tpe", "nevergrad/cma"], [5], out_dir=tmp_path, time_limit=1, measure="empirical", transform="log")
    assert meta["measure"] == "empirical"
    dev = meta["subsets"]["k5"]["dev"]
    assert dev["discrepancy"] == dev["discrepancies"]["empirical"] and set(dev["discrepancies"]) == {"uniform", "empirical"}
    assert "empirical" in (tmp_path / "blackbox" / "report.md").read_text()


def test_cli_fidelity_over_a_subsets_folder(tmp_path, capsys):
    from carps.cli.subsets import main

    mat = performance_matrix(_tidy(40))
    recompute(mat, "blackbox", ["random", "optuna/tpe", "nevergrad/cma"], [5], out_dir=tmp_path, time_limit=0.5, transform="log")
    out = tmp_path / "fidelity.md"
    assert main(["fidelity", f"dir={tmp_path}", "k=5", "time_limit=0.5", "draws=10", f"out={out}"]) == 0
    text = capsys.readouterr().out
    for label in ("| blackbox | 5 | uniform |", "| blackbox | 5 | empirical |", "| blackbox | 5 | random |"):
        assert label in text
    assert out.read_text().strip() == text.strip()
    with pytest.raises(CarpsError, match="no performance.csv"):
        main(["fidelity", f"dir={tmp_path}", "task_type=momf"])
