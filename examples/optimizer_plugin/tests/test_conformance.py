"""The plugin's own test: carps' conformance kit, as every optimizer plugin should run it."""

from carps.testing import check_optimizer

from carps_hillclimb import HillClimber


def test_hillclimber_passes_the_carps_conformance_kit():
    check_optimizer(HillClimber, {"patience": 4})


def test_the_catalog_variants_pass_too():
    # by id, once the package is installed: the catalog parameters are used
    for optimizer_id in ("hillclimb", "hillclimb_greedy"):
        check_optimizer(optimizer_id)
