"""Fixtures of the launcher tests: the test-only ``carps_killer`` plugin (tasks that kill their process)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"


@pytest.fixture(scope="module")
def killer_plugin():
    """Put the plugin on the path (its dist-info registers the ``killer`` and ``gpuish`` families)."""
    from carps.core.registry import get_registry

    sys.path.insert(0, str(PLUGIN_DIR))
    get_registry.cache_clear()
    yield PLUGIN_DIR
    sys.path.remove(str(PLUGIN_DIR))
    for name in [m for m in sys.modules if m.startswith("carps_killer")]:
        del sys.modules[name]
    get_registry.cache_clear()


def trials_of(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "trials.jsonl").read_text().splitlines()]


def comparable(trials: list[dict]) -> list[tuple]:
    """What must match between launchers: everything but timestamps and durations."""
    return [(t["trial"], t["config"], t["objectives"], t["status"], t["budget_used"]) for t in trials]
