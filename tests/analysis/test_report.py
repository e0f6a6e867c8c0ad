"""The report: self-contained HTML with every section, CSV/LaTeX exports, the CLI, and a real browser render."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carps.analysis.pipeline import ranking_table
from carps.analysis.report import render_html, to_latex, to_markdown, write_report
from carps.cli.main import main as carps_main

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report_html(toy_analysis, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    write_report(toy_analysis, out, title="toy report", max_task_plots=4)
    return out


def test_every_task_type_has_its_sections(report_html: Path) -> None:
    text = report_html.read_text()
    for ttype in ("blackbox", "multifidelity", "multiobjective", "momf"):
        assert f"id='type-{ttype}'" in text and f"id='ranking-{ttype}'" in text and f"id='budget-{ttype}'" in text
    for ttype in ("blackbox", "multiobjective"):  # two optimizers: CD diagrams
        assert re.search(rf"id='cd-{ttype}'>.*?critical-difference diagram", text, re.S)
    assert "id='mo-multiobjective'" in text and "id='mo-momf'" in text and "Pareto fronts" in text
    assert "id='overview'" in text and "<table class='ranking'>" in text


def test_fixed_target_robust_and_per_task_sections(report_html: Path) -> None:
    text = report_html.read_text()
    for ttype in ("blackbox", "multifidelity", "multiobjective", "momf"):
        for section in ("fixed-target", "robust", "heatmap"):
            assert f"id='{section}-{ttype}'" in text, (section, ttype)
    bb = text[text.index("id='type-blackbox'"):text.index("id='type-momf'") if text.index("id='type-momf'") > text.index("id='type-blackbox'") else len(text)]
    assert "<th>ERT to 0.01</th>" in bb and "<table class='fixed-budget'>" in bb and "<th>Q98</th>" in bb
    assert "<table class='robust'>" in bb and bb.count("<table class='matrix'>") == 2  # probability of improvement, Spearman
    for caption in ("ERT (in run budgets", "share of (task, target) pairs reached", "95% stratified bootstrap CIs", "seed-mean final score per task"):
        assert caption in bb, caption


def test_html_is_self_contained(report_html: Path) -> None:
    text = report_html.read_text()
    sources = re.findall(r"(?:src|href)=['\"]([^'\"]+)['\"]", text)
    assert sources and all(s.startswith(("data:image/png;base64,", "#")) for s in sources)
    assert "http://" not in text and "https://" not in text and "<script" not in text and "@import" not in text
    images = [s for s in sources if s.startswith("data:")]
    assert len(images) >= 15
    for uri in images[:5]:
        assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_ranking_table_and_exports(toy_analysis, tmp_path: Path) -> None:
    table = ranking_table(toy_analysis)
    bb = table[table["task_type"] == "blackbox"]
    assert set(bb["optimizer"]) == {"random", "optuna/tpe"} and (bb["n_tasks"] == 3).all()
    assert bb["rank_final"].sum() == pytest.approx(3.0)  # ranks 1..2 average to 1.5 each over tasks
    assert (table["rank_final_low"] <= table["rank_final"] + 1e-12).all() and (table["rank_final"] <= table["rank_final_high"] + 1e-12).all()
    csv = write_report(toy_analysis, tmp_path / "r.csv", "csv")
    pd.testing.assert_frame_equal(pd.read_csv(csv), table, check_dtype=False)
    tex = write_report(toy_analysis, tmp_path / "r.tex", "latex").read_text()
    assert tex.startswith(r"\begin{tabular}") and tex.count(r"\\") == len(table) + 1 and "optuna/tpe" in tex
    assert tex == to_latex(table)


def test_markdown_ranking_shows_failures_beside_the_ranks(toy_analysis, tmp_path: Path) -> None:
    import dataclasses

    from carps.analysis.report import run_health

    table = ranking_table(toy_analysis)
    md = write_report(toy_analysis, tmp_path / "r.md", "markdown").read_text()
    assert md == to_markdown(toy_analysis)
    for ttype, block in table.groupby("task_type"):
        assert f"### {ttype}" in md
        assert all(f"| `{o}` |" in md for o in block["optimizer"])
    assert "problems" in md and run_health(toy_analysis)["problems"].eq("").all()
    # a third of one optimizer's trials crash on one task, and one of its runs there fails: both are named
    trials, runs = toy_analysis.trials.copy(), toy_analysis.runs.copy()
    task = sorted(trials.loc[trials["task_type"] == "blackbox", "task_id"].unique())[0]
    rows = trials.index[(trials["task_id"] == task) & (trials["optimizer"] == "random")]
    trials["status"] = trials["status"].astype(str)
    trials.loc[rows[::3], "status"] = "crashed"
    runs["status"], runs["error"] = runs["status"].astype(str), runs["error"].astype(object)
    failed_run = runs.index[(runs["task_id"] == task) & (runs["optimizer"] == "random")][0]
    runs.loc[failed_run, ["status", "error"]] = ["failed", "RuntimeError: the library hung\nTraceback ..."]
    health = run_health(dataclasses.replace(toy_analysis, trials=trials, runs=runs)).set_index(["task_type", "optimizer"])
    row = health.loc[("blackbox", "random")]
    assert row["runs_failed"] == 1 and row["trials_failed"] == len(rows[::3])
    assert row["problems"] == f"{task}: 1 run(s) RuntimeError: the library hung"
    assert health.loc[("blackbox", "optuna/tpe"), "problems"] == ""


def test_cli_report_with_filters(toy_experiment, tmp_path: Path, capsys) -> None:
    exp, _ = toy_experiment
    out = tmp_path / "bb.html"
    assert carps_main(["report", f"experiment={exp.name}", f"results_dir={exp.parent}", "task=blackbox/*", "optimizer=random,optuna/*", f"out={out}", "task_plots=2"]) == 0
    text = out.read_text()
    assert "id='type-blackbox'" in text and "id='type-momf'" not in text
    assert carps_main(["report", f"experiment={exp.name}", f"results_dir={exp.parent}", "task=blackbox/*", "format=latex", f"out={tmp_path}"]) == 0
    assert (tmp_path / "ranking.tex").read_text().startswith(r"\begin{tabular}")
    assert carps_main(["report", f"experiment={exp.name}", f"results_dir={exp.parent}", "format=pdf"]) == 2
    assert "format must be one of html, csv, latex, markdown" in capsys.readouterr().err


@pytest.mark.browser
def test_report_renders_in_headless_chromium(report_html: Path, tmp_path: Path) -> None:
    """Chromium loads the page offline, decodes every image and draws a non-blank page."""
    exe = chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")
    # a copy with a probe script that writes what the browser rendered into the DOM
    probe = (
        "<script>window.addEventListener('load',()=>{const im=[...document.images];"
        "const ok=im.filter(i=>i.complete&&i.naturalWidth>0).length;"
        "const secs=[...document.querySelectorAll('section')].filter(s=>s.getBoundingClientRect().height>0).map(s=>s.id);"
        "document.body.setAttribute('data-probe',JSON.stringify({images:im.length,decoded:ok,sections:secs}));});</script>"
    )
    page = tmp_path / "probe.html"
    page.write_text(report_html.read_text().replace("</body>", probe + "</body>"))
    base = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"data-probe=\"([^\"]+)\"", dom)
    assert found, f"no probe result in the rendered DOM: {dom[:300]}"
    import html
    import json

    probe_result = json.loads(html.unescape(found.group(1)))
    assert probe_result["images"] >= 15 and probe_result["decoded"] == probe_result["images"]
    assert {"overview", "type-blackbox", "type-multiobjective", "type-momf", "type-multifidelity"} <= set(probe_result["sections"])
    shot = tmp_path / "report.png"
    subprocess.run([*base, "--window-size=1280,2400", f"--screenshot={shot}", report_html.as_uri()], capture_output=True, timeout=120)
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] == 2400 and pixels.shape[1] == 1280
    assert np.std(pixels[..., :3]) > 0.05  # not a blank page


def test_render_html_without_multi_objective_tasks(toy_analysis) -> None:
    from carps.analysis.gather import select
    from carps.analysis.pipeline import analyze

    trials, runs = select(toy_analysis.trials, toy_analysis.runs, task="blackbox/*")
    text = render_html(analyze(trials, runs, n_boot=50), max_task_plots=1)
    assert "id='type-blackbox'" in text and "Multi-objective" not in text


def test_every_plot_function_draws(toy_analysis) -> None:
    from carps.analysis import plots

    r = toy_analysis
    colors = plots.optimizer_colors(r.optimizers)
    figs = [
        plots.plot_run_trajectories(r.trajectories, "blackbox/toy/sphere_1", colors),
        plots.plot_task_curves(r.curves, "blackbox/toy/sphere_1", colors, log=True),
        plots.plot_over_budget(r.over_budget[r.over_budget["task_type"] == "blackbox"], "bb", colors=colors),
        plots.plot_rank_over_budget(r.rank_over_budget[r.rank_over_budget["task_type"] == "blackbox"], colors=colors),
        plots.plot_pareto_fronts(r.fronts, "multiobjective/toy/zdt1", r.mo_references["multiobjective/toy/zdt1"]["front"], colors=colors),
        plots.plot_cd_diagram(r.cd["auc"]["blackbox"], "bb"),
    ]
    lines = [len(f.axes[0].lines) for f in figs[:4]]
    assert lines[0] >= 2 * 2 + 2 and all(n >= 2 for n in lines)  # 2 optimizers x 2 seeds (+ legend handles)
    for fig in figs:
        assert plots.to_png(fig)[:4] == b"\x89PNG"
