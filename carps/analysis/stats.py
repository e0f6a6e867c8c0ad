"""Significance of rank differences: Friedman test and the Nemenyi critical difference (Demšar, 2006).

Both take a complete *score matrix*: one row per task (block), one column per optimizer, lower is
better. Ranks within a row are averaged over ties, as :func:`scipy.stats.rankdata` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np


# q_alpha = studentized range quantile (infinite degrees of freedom) / sqrt(2), for k = 2..30, as
# scipy.stats.studentized_range gives it (tests check every entry). A table, because importing
# scipy.stats costs more than a whole analysis of a small experiment; other alphas/k ask scipy.
_Q_TABLE = {
    0.01: (2.5758293035, 2.9134943378, 3.1132503453, 3.2546859715, 3.3637403685, 3.4522128234, 3.5264706985, 3.5903386986,
           3.6462915484, 3.6960208999, 3.7407331678, 3.7813182411, 3.8184508563, 3.8526544765, 3.8843431545, 3.9138498871,
           3.9414463675, 3.9673570833, 3.9917695942, 4.0148421653, 4.0367095313, 4.0574873140, 4.0772754533, 4.0961609035,
           4.1142197763, 4.1315190608, 4.1481180164, 4.1640693110, 4.1794199576),
    0.05: (1.9599639845, 2.3437005864, 2.5690317725, 2.7277743709, 2.8497054196, 2.9483200175, 3.0308784496, 3.1017303413,
           3.1636835771, 3.2186536073, 3.2680039245, 3.3127385934, 3.3536177519, 3.3912302838, 3.4260413794, 3.4584247073,
           3.4886847994, 3.5170730087, 3.5437991315, 3.5690400300, 3.5929461370, 3.6156464372, 3.6372523317, 3.6578606731,
           3.6775561759, 3.6964133492, 3.7144980614, 3.7318688169, 3.7485778068),
    0.10: (1.6448536270, 2.0522927305, 2.2913414969, 2.4595157643, 2.5885206019, 2.6927321010, 2.7798836082, 2.8546064312,
           2.9198888401, 2.9777682513, 3.0296941832, 3.0767334683, 3.1196933331, 3.1591988189, 3.1957434330, 3.2297234009,
           3.2614614896, 3.2912239866, 3.3192330595, 3.3456759245, 3.3707117596, 3.3944769972, 3.4170894284, 3.4386514268,
           3.4592525062, 3.4789713718, 3.4978775802, 3.5160328936, 3.5334923935),
}


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Rank each row (1 = lowest score; ties share the average rank), as ``scipy.stats.rankdata`` does.

    The rank of a value is the number of smaller values in its row plus the mean position among its
    equals: ``less + (equal + 1) / 2``.

    >>> rank_rows(np.array([[0.1, 0.3, 0.1]]))
    array([[1.5, 3. , 1.5]])
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2:
        raise ValueError("rank_rows needs a 2-d tasks x optimizers matrix")
    ranks = np.empty_like(x)
    step = max(1, (1 << 22) // max(1, x.shape[1] ** 2))  # bound the n x k x k comparison arrays
    for s in range(0, len(x), step):
        block = x[s : s + step]
        less = (block[:, None, :] < block[:, :, None]).sum(axis=2)
        equal = (block[:, None, :] == block[:, :, None]).sum(axis=2)
        ranks[s : s + step] = less + (equal + 1) / 2.0
    return ranks


def friedman(scores: np.ndarray) -> tuple[float, float]:
    """Friedman chi-square statistic and p-value of an ``n_tasks x k`` score matrix (tie-corrected).

    Same value as ``scipy.stats.friedmanchisquare(*scores.T)``; needs k >= 2 and n_tasks >= 1.

    >>> s, p = friedman(np.array([[1, 2, 3], [1, 2, 3], [1, 3, 2], [1, 2, 3]]))
    >>> round(s, 3), round(p, 4)
    (6.5, 0.0388)
    """
    from scipy.special import chdtrc  # chi-square survival function

    x = np.asarray(scores, dtype=float)
    n, k = x.shape
    if k < 2 or n < 1:
        return float("nan"), float("nan")
    ranks = rank_rows(x)
    rank_sums = ranks.sum(axis=0)
    stat = 12.0 / (n * k * (k + 1)) * np.sum(rank_sums**2) - 3.0 * n * (k + 1)
    # tie correction: 1 - sum(t^3 - t) / (n k (k^2 - 1)) over groups of tied values in each row;
    # a value tied with t values adds t^2 - 1 to the row sum of (equal counts^2 - 1) (t values x (t^2 - 1) / t)
    equal = (x[:, None, :] == x[:, :, None]).sum(axis=2).astype(float)
    ties = float(np.sum(equal**2 - 1.0))
    correction = 1.0 - ties / (n * k * (k * k - 1))
    if correction <= 0:  # every row fully tied: no evidence of any difference
        return 0.0, 1.0
    stat /= correction
    return float(stat), float(chdtrc(k - 1, stat))


@lru_cache(maxsize=256)
def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Critical value q_alpha of the Nemenyi test: the studentized range quantile over sqrt(2).

    >>> round(nemenyi_q(5), 3)  # Demšar (2006), Table 5: 2.728
    2.728
    """
    if k < 2:
        return float("nan")
    for a, table in _Q_TABLE.items():
        if abs(alpha - a) < 1e-12 and k - 2 < len(table):
            return table[k - 2]
    from scipy.stats import studentized_range

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
