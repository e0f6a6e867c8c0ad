"""The launcher interface: built-ins and a plugin launcher (entry point group ``carps.launchers``) behind
one protocol, options built by the CLI from ``launcher.<field>=`` and the shared keys, clear errors."""

from __future__ import annotations

import json
import subprocess

import pytest

from carps.cli.launch_options import ignored_keys, launcher_options
from carps.cli.overrides import OverrideError, parse_overrides
from carps.cli.run import KEYS, PREFIXES
from carps.core.errors import CarpsError, UnknownNameError
from carps.launch.launcher import Launcher, get_launcher, launcher_names
from tests.conftest import carps_cmd


def _options(launcher: str, *args: str):
    cls = get_launcher(launcher)
    return launcher_options(cls.options_type, parse_overrides(args, allowed=KEYS, allowed_prefixes=PREFIXES), launcher)


def test_builtin_launchers_implement_the_protocol():
    for name in ("local", "ray", "slurm"):
        cls = get_launcher(name)
        assert cls.name == name
        assert isinstance(cls(cls.options_type()), Launcher)
    assert _options("local", "n_jobs=3", "max_retries=0").n_jobs == 3
    assert _options("ray", "n_jobs=4", "batch_size=8").num_cpus == 4
    assert _options("slurm", "launcher.partition=gpu", "wait=false").wait is False


def test_a_launcher_plugin_registers_through_entry_points_and_gets_its_options_from_the_cli(killer_plugin, tmp_path, cli_env):
    assert "inline" in launcher_names()
    cls = get_launcher("inline")
    opts = _options("inline", "launcher.reverse=true", "launcher.tag=7", "launcher.note.owner=me", "max_retries=3")
    assert (opts.reverse, opts.tag, opts.note, opts.max_retries) == (True, "7", {"owner": "me"}, 3)
    assert isinstance(cls(opts), Launcher)

    env = dict(cli_env, PYTHONPATH=str(killer_plugin))
    args = [*carps_cmd(), "run", "optimizer=random", "task=blackbox/killer/ok_[0-1]", "experiment=p", "launcher=inline", "launcher.reverse=true",
            "launcher.note.owner=me", "writer=driver", "quiet=true"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "note: writer do not apply to launcher=inline" in done.stderr
    exp = tmp_path / "results" / "p"
    assert json.loads((exp / "inline_options.json").read_text()) == {"reverse": True, "tag": "inline", "max_retries": 0, "note": {"owner": "me"}}
    assert len(list(exp.rglob("run.json"))) == 2
    status = subprocess.run([*carps_cmd(), "status", "experiment=p"], env=env, capture_output=True, text=True, timeout=60)
    assert "total: 2 runs: 2 done, 0 failed, 0 pending, 0 running, 0 missing" in status.stdout, status.stdout + status.stderr

    bad = subprocess.run([*args[:-3], "launcher.revers=true"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "carps run: error: launcher=inline has no setting 'launcher.revers'; its settings: launcher.reverse, launcher.tag, launcher.max_retries, launcher.note.<name>"
    )


def test_unknown_launchers_and_bad_settings_are_one_line_errors():
    with pytest.raises(UnknownNameError, match=r"unknown launcher 'slrum' \(did you mean 'slurm'\?\); launchers: local, ray, slurm"):
        get_launcher("slrum")
    with pytest.raises(OverrideError, match=r"unknown key 'resources.gpu'; valid: resources.cpus_per_run, resources.gpus_per_run"):
        _options("ray", "resources.gpu=1")
    with pytest.raises(CarpsError, match=r"n_jobs must be int, got '2.5'"):
        _options("local", "n_jobs=2.5")
    with pytest.raises(CarpsError, match=r"n_jobs must be a positive integer, got '0'"):
        _options("local", "n_jobs=0")
    o = parse_overrides(["resources.gpus_per_run=1", "ray_address=auto"], allowed=KEYS, allowed_prefixes=PREFIXES)
    assert ignored_keys(get_launcher("local").options_type, o) == ["ray_address", "resources.gpus_per_run"]
    assert ignored_keys(get_launcher("slurm").options_type, o) == ["ray_address"]


def test_a_run_on_real_workers_asks_the_cluster_for_a_core_per_worker():
    from carps.launch.plan import RunSpec
    from carps.launch.ray_launcher import RayOptions
    from carps.launch.ray_launcher import run_resources as ray_resources
    from carps.launch.slurm import SlurmOptions
    from carps.launch.slurm import run_resources as slurm_resources

    real = RunSpec("random", "blackbox/bbob/f01_d2_i1", 1, n_workers=4, clock="real")
    simulated = RunSpec("random", "blackbox/bbob/f01_d2_i1", 1, n_workers=4)
    assert ray_resources(real, RayOptions()).cpus == 4 and slurm_resources(real, SlurmOptions()).cpus == 4
    assert ray_resources(simulated, RayOptions()).cpus == 1 and slurm_resources(simulated, SlurmOptions()).cpus == 1
    assert ray_resources(real, RayOptions(cpus_per_run=2)).cpus == 2  # an explicit setting wins
