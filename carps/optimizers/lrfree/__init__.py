"""Learning-rate-free baselines and the calibrated cross-workload default (catalog ``lrfree/*``).

Each baseline spends one full-fidelity trial per seed and then ends its run, so an analysis can
compare "no tuning" against "k trials of tuning" on the same budget axis. See docs/lrfree.md.
"""

from carps.optimizers.lrfree.baseline import CalibratedDefault, LRFreeBaseline, OneShot

__all__ = ["CalibratedDefault", "LRFreeBaseline", "OneShot"]
