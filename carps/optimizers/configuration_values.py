"""The values of a ConfigSpace ``Configuration`` exactly as ConfigSpace itself presents them.

``Configuration[name]`` rounds float values to 13 decimals (``ConfigSpace``'s ``ROUND_PLACES``); a
library that hands out Configurations (SMAC, DEHB) passes those rounded values to its own target
functions. carps' fast vector conversion does not round, so adapters of such libraries round the
float columns the same way: the task then sees bit for bit what the library's own loop would give it.

>>> from ConfigSpace import ConfigurationSpace
>>> space = ConfigurationSpace({"x": (0.0, 1.0), "n": (1, 5)}, seed=3)
>>> config = space.sample_configuration()
>>> configuration_values(config) == {"x": config["x"], "n": config["n"]}
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carps.core.space import configuration_to_dict


def float_names(space: Any) -> tuple[str, ...]:
    """The names of the float hyperparameters of ``space`` (those ConfigSpace rounds)."""
    from ConfigSpace.hyperparameters import FloatHyperparameter

    return tuple(hp.name for hp in space.values() if isinstance(hp, FloatHyperparameter))


def configuration_values(configuration: Any, floats: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A plain dict of ``configuration``'s active values, floats rounded as ``Configuration[name]`` rounds them.

    Pass ``floats`` (from :func:`float_names`) in hot paths to skip looking them up.
    """
    from ConfigSpace.hyperparameters.hp_components import ROUND_PLACES

    values = configuration_to_dict(configuration)
    for name in float_names(configuration.config_space) if floats is None else floats:
        if name in values:
            values[name] = float(np.round(values[name], ROUND_PLACES))
    return values
