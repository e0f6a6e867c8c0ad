"""The example benchmark plugin (examples/benchmark_plugin), really installed by pip, end to end.

pip builds the package and installs it into a temporary ``--target`` folder (see ``plugin_env.py``):
the entry point, the catalog YAML and the family class then reach carps exactly as after a user's
``pip install``; the CLI runs in subprocesses that see it through ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from plugin_env import installed_plugin  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "examples" / "benchmark_plugin"
CLI = [sys.executable, "-m", "carps.cli.main"]
BLACKBOX = ["branin", "camel", "hartmann3", "hartmann6", "rosenbrock_d2", "rosenbrock_d5", "rosenbrock_d10"]

# literature values: (minimizer, minimum) of each classic function
REFERENCE = {
    "branin": ([-3.14159265359, 12.275], 0.397887357729739),
    "camel": ([-0.0898420131, 0.7126564032], -1.031628453489877),
    "hartmann3": ([0.114614, 0.555649, 0.852547], -3.86278),
    "hartmann6": ([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573], -3.32237),
    "rosenbrock_d5": ([1.0] * 5, 0.0),
}


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    if importlib.util.find_spec("carps_classic") is not None:
        pytest.fail("carps_classic is already importable (installed in this environment?): the test would not test the install; pip uninstall carps-classic")
    with installed_plugin(PLUGIN, tmp_path_factory.mktemp("plugin-site")) as env:
        yield env
    assert importlib.util.find_spec("carps_classic") is None, "the plugin is still visible after the test"


def carps(env: dict, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"carps {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_entry_point_names_the_shipped_catalog_folder(plugin):
    (ep,) = [ep for ep in entry_points(group="carps.benchmarks") if ep.name == "classic"]
    assert ep.value == "carps_classic:CATALOG_DIR"
    folder = Path(ep.load())
    assert (folder / "classic.yaml").is_file()
    assert PLUGIN not in folder.parents  # the installed copy, not the source tree


def test_cli_lists_the_plugin_family_and_its_tasks(plugin):
    listed = carps(plugin, "list", "tasks", "*/classic/*").stdout.split()
    assert [t for t in listed if "/classic/" in t] == [f"blackbox/classic/{n}" for n in BLACKBOX] + ["multifidelity/classic/branin_mf"]
    benchmarks = carps(plugin, "list", "benchmarks").stdout
    assert "classic" in benchmarks and "bbob" in benchmarks  # next to the built-in families


def test_cli_runs_the_plugin_tasks(plugin, tmp_path):
    env = {**plugin, "CARPS_RESULTS_DIR": str(tmp_path)}
    carps(env, "run", "optimizer=random", "task=blackbox/classic/branin,multifidelity/classic/branin_mf", "seed=1", "n_trials=6", "quiet=true", "experiment=plugin")
    for task_id, lower in [("blackbox/classic/branin", 0.3978873), ("multifidelity/classic/branin_mf", 0.3978873)]:
        run = tmp_path / "plugin" / task_id / "random" / "seed_1"
        trials = [json.loads(line) for line in (run / "trials.jsonl").read_text().splitlines()]
        assert len(trials) == 6 and all(t["status"] == "ok" for t in trials)
        assert all(t["objectives"]["y"] >= lower for t in trials)
    # a rerun finds everything done (the plugin's tasks resume like built-in ones)
    again = carps(env, "run", "optimizer=random", "task=blackbox/classic/branin", "seed=1", "n_trials=6", "quiet=true", "experiment=plugin")
    assert re.search(r"\b0 done\b.*\b1 skipped\b", again.stderr), again.stderr
    assert len((tmp_path / "plugin" / "blackbox/classic/branin" / "random" / "seed_1" / "trials.jsonl").read_text().splitlines()) == 6


def test_get_task_reproduces_the_literature_optima(plugin):
    from carps.benchmarks import get_task

    for name, (x, minimum) in REFERENCE.items():
        task = get_task(f"blackbox/classic/{name}")
        value = task.evaluate(dict(zip(task.space, x))).objectives[0]
        assert value == pytest.approx(minimum, abs=2e-5), name
        assert value >= task.objectives[0].lower - 1e-12, f"{name}: a value below the recorded lower bound"


def test_batch_and_fidelity(plugin):
    from carps.benchmarks import get_task
    from carps.core.space import sample_dicts, seeded_copy

    task = get_task("multifidelity/classic/branin_mf")
    configs = sample_dicts(seeded_copy(task.space, 0), 50)
    fidelities = [0.1 + 0.9 * i / 49 for i in range(50)]
    batch = [r.objectives for r in task.evaluate_batch(configs, fidelities)]
    assert batch == [task.evaluate(c, f).objectives for c, f in zip(configs, fidelities)]
    at = {"x0": 2.0, "x1": 5.0}
    assert task.evaluate(at, 1.0).objectives == get_task("blackbox/classic/branin").evaluate(at).objectives
    assert task.evaluate(at, 0.1).objectives != task.evaluate(at, 1.0).objectives
    assert task.fidelity.cost(0.5) == pytest.approx(0.5)


def test_check_benchmark_passes(plugin):
    from carps.testing import check_benchmark

    report = check_benchmark("classic", tasks_per_type=10, raise_on_failure=False)  # every task of the family
    assert report.ok, report.summary()
    assert len(report.tasks) == 8 and len(report.passed) > 8 * 9


def test_out_of_space_is_refused_by_name(plugin):
    from carps.benchmarks import get_task
    from carps.core import CarpsError

    task = get_task("multifidelity/classic/branin_mf")
    with pytest.raises(CarpsError, match="x0"):
        task.evaluate({"x0": 11.0, "x1": 1.0})
    with pytest.raises(CarpsError, match="accuracy"):
        task.evaluate({"x0": 1.0, "x1": 1.0}, fidelity=2.0)


def test_docs_quote_the_example_files_verbatim():
    doc = (REPO / "docs" / "benchmarks-plugins.md").read_text()
    assert (PLUGIN / "carps_classic" / "catalog" / "classic.yaml").read_text().strip() in doc
    pyproject = (PLUGIN / "pyproject.toml").read_text()
    section = pyproject[pyproject.index('[project.entry-points."carps.benchmarks"]'):].split("\n\n")[0].strip()
    assert section in doc
    assert 'CATALOG_DIR = Path(__file__).parent / "catalog"' in (PLUGIN / "carps_classic" / "__init__.py").read_text()
