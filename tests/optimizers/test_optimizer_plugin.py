"""The example optimizer plugin (examples/optimizer_plugin), really installed by pip, end to end.

pip builds the package and installs it into a temporary ``--target`` folder (tests/library/plugin_env.py):
the entry point, the catalog YAML and the adapter class then reach carps exactly as after a user's
``pip install``; the CLI and the plugin's own test suite run in subprocesses that see it through
``PYTHONPATH``. Nothing is left in the virtual environment.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "library"))
from plugin_env import installed_plugin  # noqa: E402

PLUGIN = REPO / "examples" / "optimizer_plugin"
CLI = [sys.executable, "-m", "carps.cli.main"]


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    if importlib.util.find_spec("carps_hillclimb") is not None:
        pytest.fail("carps_hillclimb is already importable (installed in this environment?): pip uninstall carps-hillclimb")
    with installed_plugin(PLUGIN, tmp_path_factory.mktemp("optimizer-plugin-site")) as env:
        yield env
    assert importlib.util.find_spec("carps_hillclimb") is None, "the plugin is still visible after the test"


def carps(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"carps {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_entry_point_names_the_installed_catalog_folder(plugin):
    (ep,) = [ep for ep in entry_points(group="carps.optimizers") if ep.name == "hillclimb"]
    folder = Path(ep.load())
    assert (folder / "hillclimb.yaml").is_file()
    assert PLUGIN not in folder.parents  # the installed copy, not the source tree


def test_cli_lists_the_plugin_variants_next_to_the_builtin_ones(plugin):
    rows = {line.split()[0]: line for line in carps(plugin, "list", "optimizers").stdout.splitlines() if line.strip()}
    assert "hillclimb" in rows and "hillclimb_greedy" in rows and "smac/hpo" in rows
    assert "blackbox" in rows["hillclimb"] and "example plugin" in rows["hillclimb"]


def test_cli_runs_the_plugin_optimizer_on_a_bbob_task(plugin, tmp_path):
    from carps.benchmarks import get_task
    from carps.core.space import in_space

    carps(plugin, "run", "optimizer=hillclimb", "task=blackbox/bbob/f01_d2_i1", "seed=3", "n_trials=12", "quiet=true",
          "experiment=plugin", f"results_dir={tmp_path}")
    run = tmp_path / "plugin" / "blackbox/bbob/f01_d2_i1" / "hillclimb" / "seed_3"
    trials = [json.loads(line) for line in (run / "trials.jsonl").read_text().splitlines()]
    assert [t["trial"] for t in trials] == list(range(12)) and all(t["status"] == "ok" for t in trials)
    space = get_task("blackbox/bbob/f01_d2_i1").space
    assert all(in_space(space, t["config"]) for t in trials)
    # the same command with another seed gives other trials (the plugin's seed reaches the adapter)
    carps(plugin, "run", "optimizer=hillclimb", "task=blackbox/bbob/f01_d2_i1", "seed=4", "n_trials=12", "quiet=true",
          "experiment=plugin", f"results_dir={tmp_path}")
    other = (tmp_path / "plugin" / "blackbox/bbob/f01_d2_i1" / "hillclimb" / "seed_4" / "trials.jsonl").read_text()
    assert [json.loads(line)["config"] for line in other.splitlines()] != [t["config"] for t in trials]


def test_an_unsupported_task_type_is_refused_before_running(plugin, tmp_path):
    from carps.core.errors import UnsupportedTaskError
    from carps.core.registry import get_registry
    from carps.testing.optimizer_checks import probe_task

    cls = get_registry().optimizer("hillclimb").load_class()
    with pytest.raises(UnsupportedTaskError, match="multiobjective"):
        cls.for_task(probe_task("multiobjective"), seed=1)


def test_the_plugin_own_conformance_tests_pass(plugin):
    # what the plugin author runs in their repository: carps' conformance kit on their adapter
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(PLUGIN / "tests")],
                          env=plugin, capture_output=True, text=True, timeout=600, cwd=PLUGIN.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
