"""Significance of rank differences: Friedman test and the Nemenyi critical difference (Demšar, 2006).

Both take a complete *score matrix*: one row per task (block), one column per optimizer, lower is
better. Ranks within a row are averaged over ties, as :func:`scipy.stats.rankdata` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Rank each row (1 = lowest score; ties share the average rank).

    >>> rank_rows(np.array([[0.1, 0.3, 0.1]]))
    array([[1.5, 3. , 1.5]])
    """
    from scipy.stats import rankdata

    return rankdata(np.asarray(scores, dtype=float), method="average", axis=1)


def friedman(scores: np.ndarray) -> tuple[float, float]:
    """Friedman chi-square statistic and p-value of an ``n_tasks x k`` score matrix (tie-corrected).

    Same value as ``scipy.stats.friedmanchisquare(*scores.T)``; needs k >= 2 and n_tasks >= 1.

    >>> s, p = friedman(np.array([[1, 2, 3], [1, 2, 3], [1, 3, 2], [1, 2, 3]]))
    >>> round(s, 3), round(p, 4)
    (6.5, 0.0388)
    """
    from scipy.stats import chi2

    x = np.asarray(scores, dtype=float)
    n, k = x.shape
    if k < 2 or n < 1:
        return float("nan"), float("nan")
    ranks = rank_rows(x)
    rank_sums = ranks.sum(axis=0)
    stat = 12.0 / (n * k * (k + 1)) * np.sum(rank_sums**2) - 3.0 * n * (k + 1)
    # tie correction: 1 - sum(t^3 - t) / (n k (k^2 - 1)) over groups of tied values in each row
    ties = 0.0
    for row in np.sort(x, axis=1):
        _, counts = np.unique(row, return_counts=True)
        ties += float(np.sum(counts.astype(float) ** 3 - counts))
    correction = 1.0 - ties / (n * k * (k * k - 1))
    if correction <= 0:  # every row fully tied: no evidence of any difference
        return 0.0, 1.0
    stat /= correction
    return float(stat), float(chi2.sf(stat, k - 1))


@lru_cache(maxsize=256)
def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Critical value q_alpha of the Nemenyi test: the studentized range quantile over sqrt(2).

    >>> round(nemenyi_q(5), 3)  # Demšar (2006), Table 5: 2.728
    2.728
    """
    from scipy.stats import studentized_range

    if k < 2:
        return float("nan")
    return float(studentized_range.ppf(1.0 - alpha, k, np.inf) / np.sqrt(2.0))


def critical_difference(k: int, n_tasks: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of average ranks: ``q_alpha * sqrt(k (k + 1) / (6 N))``.

    >>> round(critical_difference(4, 14), 3)  # 2.569 * sqrt(20 / 84)
    1.254
    """
    if k < 2 or n_tasks < 1:
        return float("nan")
    return nemenyi_q(k, alpha) * float(np.sqrt(k * (k + 1) / (6.0 * n_tasks)))


def cliques(mean_ranks: dict[str, float], cd: float) -> list[list[str]]:
    """Maximal groups of optimizers whose average ranks differ by less than ``cd`` (not significantly different).

    >>> cliques({"a": 1.0, "b": 1.5, "c": 3.0}, cd=1.0)
    [['a', 'b']]
    """
    names = sorted(mean_ranks, key=lambda n: mean_ranks[n])
    r = [mean_ranks[n] for n in names]
    groups: list[tuple[int, int]] = []
    for i in range(len(names)):
        j = i
        while j + 1 < len(names) and r[j + 1] - r[i] < cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in groups):
            groups.append((i, j))
    return [names[a : b + 1] for a, b in groups]


@dataclass
class CDResult:
    """Everything a critical-difference diagram shows, for one task type and metric."""

    mean_ranks: dict[str, float]
    n_tasks: int
    cd: float
    alpha: float
    statistic: float
    p_value: float
    cliques: list[list[str]] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        """Whether the Friedman test rejects 'all optimizers perform alike' at level alpha."""
        return bool(self.p_value < self.alpha)


def cd_test(scores: np.ndarray, optimizers: list[str], alpha: float = 0.05) -> CDResult:
    """Friedman test, average ranks, Nemenyi CD and cliques of an ``n_tasks x k`` score matrix."""
    x = np.asarray(scores, dtype=float)
    n, k = x.shape
    ranks = rank_rows(x) if n else np.zeros((0, k))
    mean = {o: float(v) for o, v in zip(optimizers, ranks.mean(axis=0))} if n else {o: float("nan") for o in optimizers}
    stat, p = friedman(x) if n else (float("nan"), float("nan"))
    cd = critical_difference(k, n, alpha)
    return CDResult(mean, n, cd, alpha, stat, p, cliques(mean, cd) if n else [])
