"""Leave-one-workload-out calibration: one default configuration per workload, chosen on the others.

Input is a table of full-fidelity outcomes ``scores[workload][candidate] = cost`` (lower is better),
where a candidate is a configuration's canonical JSON text. Costs are min-max normalized per
workload over every candidate seen there (0 = best seen, 1 = worst seen), so workloads with
different metrics weigh the same. For a held-out workload ``w`` the calibrated default is the
candidate evaluated on *every other* workload with the lowest mean normalized cost over them; it
need not have been evaluated on ``w`` itself, and ``w``'s results never influence its choice.

Candidates shared across workloads arise naturally because every nn task has the same search
space: random search with the same seed draws the same configurations on every workload, and the
LR-free baselines are the same named configuration everywhere.

>>> scores = {"a": {"x": 0.1, "y": 0.3}, "b": {"x": 0.2, "y": 0.1}, "c": {"x": 0.5, "y": 0.4}}
>>> {w: d.candidate for w, d in leave_one_out(scores).items()}
{'a': 'y', 'b': 'x', 'c': 'x'}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from carps.core.errors import CarpsError

CALIBRATION_SCHEMA = 1


def candidate_key(config: Mapping[str, Any]) -> str:
    """The canonical text of a configuration (same values, same key, whatever the key order)."""
    return json.dumps(dict(config), sort_keys=True, separators=(",", ":"))


def normalize(scores: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Per workload, costs mapped to [0, 1] by the best and worst seen there (all 0 when they are equal)."""
    out: dict[str, dict[str, float]] = {}
    for workload, row in scores.items():
        lo, hi = min(row.values()), max(row.values())
        span = hi - lo
        out[workload] = {c: (v - lo) / span if span > 0 else 0.0 for c, v in row.items()}
    return out


@dataclass
class Default:
    """The calibrated default of one workload and how it was chosen."""

    candidate: str
    score: float  # mean normalized cost over the workloads it was chosen on
    calibrated_on: list[str] = field(default_factory=list)
    n_candidates: int = 0

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.candidate)


def best_on(normalized: Mapping[str, Mapping[str, float]], workloads: list[str]) -> Default | None:
    """The candidate with the lowest mean normalized cost over ``workloads``, among those run on all of them."""
    if not workloads:
        return None
    shared = set(normalized[workloads[0]])
    for w in workloads[1:]:
        shared &= set(normalized[w])
    if not shared:
        return None
    mean = {c: sum(normalized[w][c] for w in workloads) / len(workloads) for c in shared}
    # ties go to the lexicographically first candidate, so the answer never depends on dict order
    best = min(sorted(mean), key=lambda c: mean[c])
    return Default(best, mean[best], list(workloads), len(shared))


def leave_one_out(scores: Mapping[str, Mapping[str, float]]) -> dict[str, Default]:
    """For each workload, the best candidate on average over all the others."""
    workloads = sorted(scores)
    if len(workloads) < 2:
        raise CarpsError(f"calibration needs results on at least two workloads, found {workloads or 'none'}")
    normalized = normalize(scores)
    out: dict[str, Default] = {}
    for held_out in workloads:
        others = [w for w in workloads if w != held_out]
        chosen = best_on(normalized, others)
        if chosen is None:
            raise CarpsError(
                f"no configuration was evaluated on all of {others} (needed to calibrate {held_out}): "
                "run random search with the same seeds on every workload, e.g. carps run optimizer=random task='blackbox/nn/*' seed=1"
            )
        out[held_out] = chosen
    return out


def calibration_document(scores: Mapping[str, Mapping[str, float]], experiment: str = "", objective: str = "") -> dict[str, Any]:
    """The content of a calibration file: per-workload defaults plus the best over all workloads."""
    defaults = leave_one_out(scores)
    overall = best_on(normalize(scores), sorted(scores))

    def entry(d: Default) -> dict[str, Any]:
        return {"config": d.config, "score": round(d.score, 6), "calibrated_on": d.calibrated_on, "n_candidates": d.n_candidates}

    return {
        "schema": CALIBRATION_SCHEMA,
        "experiment": experiment,
        "objective": objective,
        "method": "leave-one-workload-out; mean min-max-normalized cost over the other workloads",
        "workloads": {w: entry(d) for w, d in defaults.items()},
        "all": entry(overall) if overall is not None else None,
    }


def write_calibration(document: dict[str, Any], path: Path) -> Path:
    import yaml

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def load_calibration(path: Path) -> dict[str, Any]:
    """Read a calibration file written by ``carps calibrate``; a clear error if it is missing or malformed."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise CarpsError(f"calibration file {path} does not exist; write it with: carps calibrate experiment=NAME")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict) or not isinstance(data.get("workloads"), dict):
        raise CarpsError(f"{path} is not a calibration file (no 'workloads' mapping); write one with: carps calibrate experiment=NAME")
    return data
