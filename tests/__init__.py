# A regular package, so `from tests.conftest import ...` finds this folder even when a dependency
# installs a stray top-level `tests` package into site-packages (skelo, pulled in by iohinspector, does).
