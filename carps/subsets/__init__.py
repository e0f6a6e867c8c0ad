"""Representative task subsets: exact discrepancy (uniform or empirical measure), subset selection,
dev/test splits, recompute.

>>> from carps.subsets import star_discrepancy, subset_discrepancy
>>> star_discrepancy([[0.5, 0.5]])
0.75
>>> subset_discrepancy([[0.5, 0.5], [0.2, 0.9]], [0, 1], measure="empirical")  # the whole set: 0
0.0
"""

from carps.subsets.discrepancy import MEASURES, brute_force_star_discrepancy, brute_force_subset_discrepancy, star_discrepancy, subset_discrepancy
from carps.subsets.selection import SelectionResult, select_subset

__all__ = ["MEASURES", "star_discrepancy", "subset_discrepancy", "brute_force_star_discrepancy", "brute_force_subset_discrepancy", "select_subset", "SelectionResult"]
