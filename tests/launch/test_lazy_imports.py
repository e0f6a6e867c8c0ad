"""``carps run`` of one optimizer on BBOB does not import what it does not need.

Only modules that were made lazy on purpose are checked (each for the reason noted), so that this
fails when someone imports one of them eagerly again; see docs/optimizers.md, "start-up time".
"""

from __future__ import annotations

import json
import subprocess
import sys

# module -> what imports it lazily now
LAZY = {
    "multiprocessing": "carps.launch.local: only a pool (n_jobs > 1) needs it",
    "concurrent.futures.process": "carps.launch.local: only a pool (n_jobs > 1) needs it",
    "difflib": "carps.core.registry / carps.cli.overrides: only 'did you mean' hints need it",
}

PROBE = """
import json, sys
import carps.cli.run, carps.cli.main
from carps.cli.overrides import parse_overrides
from carps.launch import execute, local, progress
from carps.launch.plan import make_plan
parse_overrides(["optimizer=optuna/tpe", "task=blackbox/bbob/f01_d2_i1", "n_trials=200", "seed=1"], allowed=carps.cli.run.KEYS, allowed_prefixes=carps.cli.run.PREFIXES)
plan = make_plan(["optuna/tpe"], ["blackbox/bbob/f01_d2_i1"], [1], n_trials=200)
assert len(plan.runs) == 1
progress.RunProgress(plan.runs, enabled=False)
print(json.dumps(sorted(sys.modules)))
"""


def test_planning_an_optuna_bbob_run_imports_no_lazy_module():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    eager = {name: why for name, why in LAZY.items() if name in loaded}
    assert not eager, f"imported at start-up although only needed later: {eager}"
