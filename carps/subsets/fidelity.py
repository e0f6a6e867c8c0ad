"""How well subsets chosen under each measure represent a task type: discrepancy against k, and rank fidelity.

For every measure and subset size k, dev/test splits are chosen (:func:`~carps.subsets.split.select_dev_test`,
one per seed) and each half is scored by its discrepancy under both measures and by its rank fidelity: the Kendall
tau between the average ranks of the held-out optimizers (those not used to place the tasks) on the
subset and on all tasks (:func:`~carps.subsets.recompute.rank_fidelity`). Random k-subsets give the
baseline each number should beat.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> base = rng.random(40) ** 2
>>> m = pd.DataFrame({o: np.clip(base + s * rng.random(40), 0, 1) for o, s in [("r1", .1), ("r2", .2), ("a", .05), ("b", .3), ("c", .5)]}, index=[f"t{i}" for i in range(40)])
>>> table = study(m, ["r1", "r2"], ks=[5], time_limit=0.5, random_draws=20)
>>> sorted(set(table["selected_for"]))
['empirical', 'random', 'uniform']
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from carps.core.errors import CarpsError
from carps.subsets.discrepancy import MEASURES, check_measure, subset_discrepancy
from carps.subsets.performance import reference_points
from carps.subsets.recompute import rank_fidelity
from carps.subsets.split import select_dev_test

COLUMNS = ["selected_for", "k", "uniform", "empirical", "tau", "tau_min", "n_tau"]


def study(
    matrix: Any,
    reference: Sequence[str],
    ks: Sequence[int] = (5, 10, 20, 30),
    measures: Sequence[str] = MEASURES,
    transform: str = "log",
    seed: int = 0,
    time_limit: float = 5.0,
    random_draws: int = 200,
    seeds: int = 1,
    evaluations: int | None = None,
) -> Any:
    """One row per (selection measure or ``random``, k): mean discrepancy of the dev and test halves of
    ``seeds`` splits (seeds ``seed``, ``seed + 1``, ...) under both measures, their mean and smallest rank
    fidelity (``tau``, ``tau_min``; NaN without two held-out optimizers) and how many subsets the tau
    averages (``n_tau``). ``evaluations`` adds a reproducible cap (exact evaluations per split) to ``time_limit``."""
    import pandas as pd

    for m in measures:
        check_measure(m)
    tasks, points = reference_points(matrix, list(reference), transform)
    ks = [int(k) for k in ks if 2 * int(k) <= len(tasks)]
    if not ks:
        raise CarpsError(f"every k needs at least 2k tasks; the matrix has {len(tasks)} with results for all reference optimizers")
    rows = []
    rng = np.random.default_rng(seed)
    for k in ks:
        for measure in measures:
            halves = []
            for s in range(seed, seed + max(1, int(seeds))):
                split = select_dev_test(points, k, seed=s, time_limit=time_limit, measure=measure, evaluations=evaluations)
                halves += [split.dev, split.test]
            rows.append(_score(matrix, reference, tasks, points, halves, measure, k))
        draws = [rng.choice(len(tasks), size=k, replace=False) for _ in range(random_draws)]
        rows.append(_score(matrix, reference, tasks, points, draws, "random", k))
    return pd.DataFrame(rows, columns=COLUMNS)


def _score(matrix: Any, reference: Sequence[str], tasks: list[str], points: np.ndarray, subsets: list[np.ndarray], label: str, k: int) -> list[Any]:
    values = {m: float(np.mean([subset_discrepancy(points, s, m) for s in subsets])) for m in MEASURES}
    taus = [rank_fidelity(matrix, [tasks[i] for i in s], reference) for s in subsets]
    taus = [t for t in taus if t is not None]
    return [label, k, values["uniform"], values["empirical"], float(np.mean(taus)) if taus else np.nan, float(np.min(taus)) if taus else np.nan, len(taus)]


def markdown(tables: dict[str, Any]) -> str:
    """The study tables of several task types as one markdown table (a row per type, k and selection).

    >>> import pandas as pd
    >>> t = pd.DataFrame([["uniform", 5, 0.3, 0.1, 1.0, 1.0, 2]], columns=COLUMNS)
    >>> print(markdown({"blackbox": t}).splitlines()[2])
    | blackbox | 5 | uniform | 0.300 | 0.100 | 1.00 (1.00) |
    """
    lines = [
        "| task type | k | selected for | D* uniform | D* empirical | rank fidelity tau, mean (min) |",
        "|---|---:|---|---:|---:|---|",
    ]
    for task_type, table in tables.items():
        for row in table.itertuples(index=False):
            tau = "-" if not np.isfinite(row.tau) else f"{row.tau:.2f} ({row.tau_min:.2f})"
            lines.append(f"| {task_type} | {row.k} | {row.selected_for} | {row.uniform:.3f} | {row.empirical:.3f} | {tau} |")
    return "\n".join(lines)
