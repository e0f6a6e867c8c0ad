"""Analysis of constrained tasks: feasible trials only, old (schema 1) results still load, feasibility in the report."""

from __future__ import annotations

import json

import numpy as np
from ConfigSpace import ConfigurationSpace

from carps.analysis.gather import gather
from carps.analysis.normalize import eligible, incumbent_trajectories, reference_bounds
from carps.analysis.pipeline import analyze
from carps.analysis.report import feasibility, render_html, to_markdown
from carps.core.task import Task
from carps.core.types import Budget, Objective, Result, TaskType
from tests.analysis.conftest import record, run_task, write_run


def constrained(i: int, objectives: dict, feasible: bool, used: float) -> dict:
    rec = record(i, objectives, used)
    rec["constraints"] = {"g": -1.0 if feasible else 1.0}
    rec["feasible"] = feasible
    return rec


def test_infeasible_trials_are_never_incumbents_and_schema1_runs_still_load(tmp_path):
    exp = tmp_path / "exp"
    # a schema 2 run of a constrained task: the best value (0.0) is infeasible
    recs = [constrained(0, {"y": 5.0}, True, 1), constrained(1, {"y": 0.0}, False, 2), constrained(2, {"y": 3.0}, True, 3)]
    folder = write_run(exp, "blackbox/toy/c", "opt", 1, recs, budget=3)
    run = json.loads((folder / "run.json").read_text())
    run["schema"], run["task"]["constraints"] = 2, ["g"]
    (folder / "run.json").write_text(json.dumps(run))
    # a schema 1 run, written before constraints existed: no constraint fields at all
    write_run(exp, "blackbox/toy/old", "opt", 1, [record(0, {"y": 2.0}, 1), record(1, {"y": 1.0}, 2), record(2, None, 3, status="crashed")], budget=3)
    trials, runs = gather(exp)
    c = trials[trials["task_id"] == "blackbox/toy/c"].sort_values("trial")
    old = trials[trials["task_id"] == "blackbox/toy/old"].sort_values("trial")
    assert c["feasible"].tolist() == [True, False, True]
    assert old["feasible"].tolist() == [True, True, False]  # ok trials of old runs are feasible, a crash is not
    assert dict(zip(runs["task_id"].astype(str), runs["n_constraints"])) == {"blackbox/toy/c": 1, "blackbox/toy/old": 0}
    assert eligible(trials).sum() == 4
    bounds = reference_bounds(trials, runs).set_index("task_id")
    assert bounds.loc["blackbox/toy/c", "best_seen"] == 3.0  # not the infeasible 0.0
    traj = incumbent_trajectories(trials, runs)
    inc = traj[traj["task_id"] == "blackbox/toy/c"].sort_values("trial")["incumbent"].tolist()
    assert inc[1] == inc[0]  # the infeasible trial does not improve the incumbent
    # a parquet table of an older carps has no feasible column: everything ok is eligible
    assert eligible(trials.drop(columns="feasible")).sum() == 5


def disc_mo_task() -> Task:
    """Two objectives (x, y), feasible only when x + y >= 1: the infeasible corner (0, 0) dominates everything."""
    return Task(
        id="multiobjective/toy/cdisc",
        type=TaskType.MULTIOBJECTIVE,
        space=ConfigurationSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)}),
        objectives=(Objective("f1"), Objective("f2")),
        constraints=("sum",),
        function=lambda c, f, s: Result((c["x"], c["y"]), constraints=(1.0 - c["x"] - c["y"],)),
        budget=Budget(n_trials=30),
    )


def test_hypervolume_and_report_count_feasible_points_only(tmp_path):
    exp = tmp_path / "mo"
    task = disc_mo_task()
    for seed in (1, 2):
        run_task(exp, task, "random", seed, n_trials=30)
    trials, runs = gather(exp)
    assert 0 < trials["feasible"].sum() < len(trials)
    result = analyze(trials, runs, n_boot=50, known_fronts=None)
    fronts = result.fronts
    assert len(fronts) and np.all(fronts["cost_0"] + fronts["cost_1"] >= 1.0 - 1e-12)
    ref = result.mo_references["multiobjective/toy/cdisc"]
    assert np.all(ref["ideal"] >= 0.0) and ref["ideal"].sum() >= 0.0
    feasible_pts = trials.loc[trials["feasible"], ["cost_0", "cost_1"]].to_numpy()
    assert np.allclose(ref["ideal"], feasible_pts.min(axis=0))  # infeasible points do not set the ideal
    table = feasibility(result)
    assert table["optimizer"].tolist() == ["random"] and np.isclose(table["feasible_rate"].iloc[0], trials["feasible"].mean())
    assert "Feasible trials on constrained tasks: `random`" in to_markdown(result)
    assert "(every run found one)" in to_markdown(result)  # 30 random trials, about half feasible: no run without one
    assert "Feasibility on constrained tasks" in render_html(result)
