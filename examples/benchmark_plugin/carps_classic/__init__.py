"""carps-classic: classic test functions as a carps benchmark family (an example plugin).

carps finds the family through the entry point ``classic = "carps_classic:CATALOG_DIR"`` in the group
``carps.benchmarks``: the object is the folder of catalog YAML files, one per family.
"""

from pathlib import Path

CATALOG_DIR = Path(__file__).parent / "catalog"
"""The catalog folder registered in the ``carps.benchmarks`` entry point group."""

__version__ = "0.1.0"
