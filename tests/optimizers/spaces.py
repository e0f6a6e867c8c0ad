"""Search spaces that several adapter tests share."""

from __future__ import annotations

from ConfigSpace import (
    CategoricalHyperparameter,
    ConfigurationSpace,
    Constant,
    OrdinalHyperparameter,
    UniformFloatHyperparameter,
    UniformIntegerHyperparameter,
)


def mixed_space() -> ConfigurationSpace:
    """Log-scale and plain floats and integers, a categorical, an ordinal and a constant, no conditions."""
    space = ConfigurationSpace()
    space.add([
        UniformFloatHyperparameter("lr", 1e-5, 1e-1, log=True),
        UniformFloatHyperparameter("x", -2.0, 3.0),
        UniformIntegerHyperparameter("units", 8, 512, log=True),
        UniformIntegerHyperparameter("depth", 1, 6),
        CategoricalHyperparameter("act", ["relu", "tanh"]),
        OrdinalHyperparameter("size", ["s", "m", "l"]),
        Constant("opt", "adam"),
    ])
    return space
