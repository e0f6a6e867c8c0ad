"""carps-hillclimb: a restarting hill climber as a carps optimizer (an example plugin).

carps finds the optimizer through the entry point ``hillclimb = "carps_hillclimb:CATALOG_DIR"`` in the
group ``carps.optimizers``: the object is the folder of catalog YAML files, one per variant; a file's
path in the folder, without ``.yaml``, is the variant's id (``hillclimb.yaml`` -> ``hillclimb``).
"""

from pathlib import Path

from carps_hillclimb.optimizer import HillClimber

CATALOG_DIR = Path(__file__).parent / "catalog"
"""The catalog folder registered in the ``carps.optimizers`` entry point group."""

__all__ = ["CATALOG_DIR", "HillClimber"]
__version__ = "0.1.0"
