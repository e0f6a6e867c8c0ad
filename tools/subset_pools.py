"""Write the task pool of each task type's subsets: ``subsets/<type>/pool.yaml`` (``task=subset/<type>/pool``).

The pool is what the performance matrix is run on and the subsets are chosen from. It is every task
of the type's synthetic family (cheap, known optima), every engineering and planning problem, and a
seeded sample of the YAHPO surrogates (stratified over scenarios) and of the scikit-learn tasks. The
sample sizes keep the three-seed matrix of one type within about 10 minutes of 16 cores, and sampled
tasks too slow for that are dropped (``TOO_SLOW``); the families left out and why are in
docs/subsets.md.

    python tools/subset_pools.py            # rewrite the four pool.yaml files (needs CARPS_YAHPO_DATA only to list YAHPO)
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEED = 0
# (family glob, how many: None = all) per task type; the synthetic family first
POOLS: dict[str, list[tuple[str, int | None]]] = {
    "blackbox": [("bbob/f*_d[25]_i[12]", None), ("yahpo/*", 60), ("engineering/*", None), ("planning/*", None), ("sklearn/*", 8)],
    "multifidelity": [("mfsynth/*", None), ("yahpo/*", 60), ("sklearn/*", 6)],
    "multiobjective": [("pymoo/*", None), ("engineering/*", None), ("yahpo/*", 90), ("sklearn/*", 6)],
    "momf": [("momfsynth/*", None), ("yahpo/*", 90), ("sklearn/*", 6)],
}

# sampled tasks whose runs are too slow for that budget: seconds of one random-search run at the task's
# own budget on the shared 2-core machine (three runs at a time); the matrix runs every task 24 times
# (8 optimizers x 3 seeds), and et_hastie_iterations alone would take 2.3 core-hours (docs/subsets.md)
TOO_SLOW: dict[str, float] = {
    "multifidelity/sklearn/et_hastie_iterations": 340,
    "multifidelity/sklearn/lgbm_breast_cancer_iterations": 60,
    "multifidelity/sklearn/adaboost_wine_trainsize": 52,
    "multifidelity/sklearn/gb_diabetes_trainsize": 45,
}


def scenario(task_id: str) -> str:
    """The YAHPO scenario (``lcbench``, ``rbv2_xgboost``...) or the sklearn model of a task id."""
    name = task_id.split("/")[2]
    parts = name.split("_")
    return "_".join(parts[:2]) if parts[0] in ("rbv2", "iaml") else parts[0]


def stratified_sample(ids: list[str], n: int, rng: random.Random) -> list[str]:
    """``n`` ids spread evenly over scenarios (round robin over seeded shuffles of each scenario)."""
    groups: dict[str, list[str]] = {}
    for t in sorted(ids):
        groups.setdefault(scenario(t), []).append(t)
    for g in groups.values():
        rng.shuffle(g)
    out: list[str] = []
    while len(out) < n and any(groups.values()):
        for key in sorted(groups):
            if groups[key] and len(out) < n:
                out.append(groups[key].pop())
    return sorted(out)


def pool(task_type: str) -> list[str]:
    from carps.core.registry import get_registry

    reg = get_registry()
    rng = random.Random(SEED)
    out: list[str] = []
    for pattern, n in POOLS[task_type]:
        # a measured-time objective differs between machines and runs: no reproducible matrix entry
        ids = [t for t in reg.match_tasks(f"{task_type}/{pattern}") if not t.endswith("_time")]
        # the sample is drawn before the slow tasks are dropped, so dropping one changes no other pick
        out.extend(t for t in (ids if n is None else stratified_sample(ids, n, rng)) if t not in TOO_SLOW)
    return out


def main() -> int:
    for task_type in POOLS:
        ids = pool(task_type)
        path = ROOT / "subsets" / task_type / "pool.yaml"
        head = f"# the task pool of the {task_type} subsets, written by tools/subset_pools.py\n"
        path.write_text(head + yaml.safe_dump({"tasks": ids}, sort_keys=False))
        print(f"{path.relative_to(ROOT)}: {len(ids)} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
