"""carps: benchmark N hyperparameter optimizers on M tasks, fairly and reproducibly.

Importing ``carps`` is cheap: heavy libraries are imported only by the adapter that needs them.
"""

__version__ = "0.1.0"
