"""The dashboard notebooks in ``analysis/`` run top to bottom on a small generated experiment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "analysis"


def run_notebook(path: Path, env: dict[str, str], cwd: Path) -> object:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits the parameters from this process
    try:
        nbclient.NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def outputs(nb: object) -> tuple[int, str]:
    """Number of PNG images and all text the notebook produced."""
    images, text = 0, []
    for cell in nb.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            images += "image/png" in data
            text.append(str(data.get("text/plain", "")) + str(data.get("text/html", "")) + out.get("text", ""))
    return images, "\n".join(text)


def test_notebooks_are_parameterised_and_hold_no_outputs() -> None:
    import nbformat

    for name in ("overview", "task_drilldown", "multiobjective", "fixed_target_and_aggregates", "parallel"):
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "carps.analysis" in src and "groupby" not in src and "rankdata" not in src  # logic lives in the library


def test_overview_notebook(toy_experiment, tmp_path: Path) -> None:
    exp, _ = toy_experiment
    nb = run_notebook(NOTEBOOKS / "overview.ipynb", {"CARPS_EXPERIMENT_DIR": str(exp)}, tmp_path)
    images, text = outputs(nb)
    assert images >= 6  # CD diagrams, over-budget, rank-over-budget and ECDF plots
    assert "optuna/tpe" in text and "rank_final" in text


def test_drilldown_notebook(toy_experiment, tmp_path: Path) -> None:
    exp, _ = toy_experiment
    nb = run_notebook(NOTEBOOKS / "task_drilldown.ipynb", {"CARPS_EXPERIMENT_DIR": str(exp), "CARPS_TASK": "blackbox/toy/sphere_1"}, tmp_path)
    images, text = outputs(nb)
    assert images == 2 and "task: blackbox/toy/sphere_1" in text and "sphere_0" not in text.split("Raw trials")[0]


def test_multiobjective_notebook(toy_experiment, tmp_path: Path) -> None:
    exp, _ = toy_experiment
    nb = run_notebook(NOTEBOOKS / "multiobjective.ipynb", {"CARPS_EXPERIMENT_DIR": str(exp)}, tmp_path)
    images, text = outputs(nb)
    assert images >= 4  # CD diagram, HV over budget (2 task types), Pareto fronts
    assert "multiobjective/toy/zdt1" in text and "reference_hv" in text and "blackbox/toy" not in text


@pytest.mark.slow  # a kernel start and a whole analysis: ~10 s
def test_fixed_target_and_aggregates_notebook(toy_experiment, tmp_path: Path) -> None:
    exp, _ = toy_experiment
    env = {"CARPS_EXPERIMENT_DIR": str(exp), "CARPS_TASK_GLOB": "blackbox/*", "CARPS_EXPORT_DIR": str(tmp_path / "ioh")}
    nb = run_notebook(NOTEBOOKS / "fixed_target_and_aggregates.ipynb", env, tmp_path)
    images, text = outputs(nb)
    # ERT, runtime ECDF, fixed budget, IQM intervals, profile, improvement matrix, heatmap, correlation
    assert images == 8
    assert "iqm_low" in text and "success_rate" in text and "q98" in text and "exported 12 runs of 3 tasks" in text
    assert sorted(p.name for p in (tmp_path / "ioh").iterdir()) == ["optuna_tpe", "random"]


@pytest.mark.slow  # a kernel start and 8 short parallel runs: ~10 s
def test_parallel_notebook(tmp_path: Path) -> None:
    from carps.launch.execute import run_to_folder
    from carps.launch.plan import make_plan

    exp = tmp_path / "async"
    plan = make_plan(["random", "optuna/tpe"], ["blackbox/bbob/f0[12]_d2_i1"], [1], n_trials=20, workers=[1, 4], parallel={"charge_optimizer_time": False})
    for spec in plan.runs:
        run_to_folder(spec, exp)
    nb = run_notebook(NOTEBOOKS / "parallel.ipynb", {"CARPS_EXPERIMENT_DIR": str(exp)}, tmp_path)
    images, text = outputs(nb)
    assert images == 1  # one task type
    assert "8 parallel runs of 2 tasks" in text and "optuna/tpe@4w" in text and "mean_rank" in text and "median_speedup" in text
