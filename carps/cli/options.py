"""Options several commands share: where results live and which experiment is meant."""

from __future__ import annotations

import os
from pathlib import Path

from carps.cli.overrides import Overrides

RESULTS_ENV = "CARPS_RESULTS_DIR"


def results_dir(overrides: Overrides) -> Path:
    """``results_dir=`` override, else ``$CARPS_RESULTS_DIR``, else ``./results``."""
    return Path(overrides.get("results_dir") or os.environ.get(RESULTS_ENV) or "results")


def wants_help(args: list[str], text: str) -> bool:
    if any(a in ("-h", "--help") for a in args):
        print(text)
        return True
    return False
