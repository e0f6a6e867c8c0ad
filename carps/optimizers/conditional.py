"""Legal configurations from libraries that know nothing of conditions and forbidden clauses.

Optuna and Nevergrad sample every hyperparameter of a flat space. :func:`legalize` turns such a full
assignment into a configuration of the real ConfigSpace: hyperparameters whose conditions are not met
are dropped, and an assignment that hits a forbidden clause is rejected (``None``) so the adapter can
ask its library again instead of evaluating something outside the space.

>>> from ConfigSpace import ConfigurationSpace, EqualsCondition
>>> space = ConfigurationSpace({"kind": ["a", "b"], "x": (0.0, 1.0)})
>>> space.add(EqualsCondition(space["x"], space["kind"], "a"))
>>> legalize(space, {"kind": "b", "x": 0.3})
{'kind': 'b'}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeVar

from carps.core.errors import CarpsError

if TYPE_CHECKING:
    from ConfigSpace import ConfigurationSpace


def needs_legalizing(space: ConfigurationSpace) -> bool:
    """Whether a flat sample of ``space`` can be illegal (the space has conditions or forbiddens)."""
    return bool(space.conditions) or bool(space.forbidden_clauses)


def legalize(space: ConfigurationSpace, values: dict[str, Any]) -> dict[str, Any] | None:
    """``values`` with inactive hyperparameters dropped, or ``None`` if it violates a forbidden clause."""
    from ConfigSpace.util import deactivate_inactive_hyperparameters

    try:
        configuration = deactivate_inactive_hyperparameters(values, space)
        configuration.check_valid_configuration()
    except ValueError:  # ForbiddenValueError and friends are ValueErrors
        return None
    # the library's own values, not ConfigSpace's vector round trip of them (which may move the last bit)
    return {name: values[name] for name in configuration}


H = TypeVar("H")

#: proposals in a row that may hit a forbidden clause before an adapter gives up
MAX_REJECTIONS = 1000


def first_legal(
    propose: Callable[[], tuple[dict[str, Any], H]],
    make_legal: Callable[[dict[str, Any]], dict[str, Any] | None] | None,
    reject: Callable[[H], None],
    library: str,
    limit: int = MAX_REJECTIONS,
) -> tuple[dict[str, Any], H]:
    """The first proposal whose configuration is legal, as ``(config, handle)``.

    ``propose()`` asks the library once and returns the configuration with the library's own handle;
    ``make_legal`` turns it into a legal configuration or ``None`` (``None``: every proposal is legal);
    each rejected proposal goes to ``reject(handle)`` (usually told to the library as a failure) before
    the next one. After ``limit`` rejections in a row it raises a one-line error naming the library.

    >>> from ConfigSpace import ConfigurationSpace, ForbiddenEqualsClause
    >>> space = ConfigurationSpace({"kind": ["a", "b", "c"]})
    >>> space.add(ForbiddenEqualsClause(space["kind"], "b"))
    >>> proposals = iter([{"kind": "b"}, {"kind": "c"}])
    >>> rejected = []
    >>> first_legal(lambda: (c := next(proposals), c["kind"]), lambda c: legalize(space, c), rejected.append, "demo")
    ({'kind': 'c'}, 'c')
    >>> rejected
    ['b']
    """
    for _ in range(limit):
        config, handle = propose()
        legal = config if make_legal is None else make_legal(config)
        if legal is not None:
            return legal, handle
        reject(handle)
    raise CarpsError(f"{library} proposed {limit} forbidden configurations in a row; the space's forbidden clauses exclude almost everything")


def legalizer(space: ConfigurationSpace) -> Callable[[dict[str, Any]], dict[str, Any] | None] | None:
    """``make_legal`` of :func:`first_legal` for flat samples of ``space``; None when every sample is legal."""
    if not needs_legalizing(space):
        return None
    return lambda values: legalize(space, values)
