"""Representative task subsets: exact star discrepancy, subset selection, dev/test splits, recompute.

>>> from carps.subsets import star_discrepancy
>>> star_discrepancy([[0.5, 0.5]])
0.75
"""

from carps.subsets.discrepancy import brute_force_star_discrepancy, star_discrepancy
from carps.subsets.selection import SelectionResult, select_subset

__all__ = ["star_discrepancy", "brute_force_star_discrepancy", "select_subset", "SelectionResult"]
