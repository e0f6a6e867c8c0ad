"""From ``carps run`` overrides to a launcher's options object: the CLI side of the launcher interface.

The launcher layer never sees overrides: it gets its ``options_type`` dataclass filled in here. A
field is set by ``launcher.<field>=value``, or by the shared key of the same meaning (``n_jobs``,
``max_retries``, ``wait``, ``resources.cpus_per_run``, ...; see :data:`SHARED`). A ``dict`` field takes
``launcher.<field>.<name>=value`` entries (``launcher.sbatch.account=ml``). Values are checked against
the field's type; the dataclass then checks its own rules (``__post_init__``).

>>> from carps.cli.overrides import parse_overrides
>>> from carps.launch.local import LocalOptions
>>> o = parse_overrides(["n_jobs=4"], allowed=["n_jobs"], allowed_prefixes=["launcher"])
>>> launcher_options(LocalOptions, o, "local")
LocalOptions(n_jobs=4, max_retries=2)
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Callable

from carps.cli.overrides import OverrideError, Overrides

PREFIX = "launcher"


def _ray_cpus(n_jobs: Any) -> Any:
    # n_jobs sizes a local Ray; 1 (the default of a local run) means "all cores" there
    return int(n_jobs) if isinstance(n_jobs, int) and not isinstance(n_jobs, bool) and n_jobs > 1 else None


#: field name -> (the top-level key that also sets it, conversion of its value)
SHARED: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "n_jobs": ("n_jobs", None),
    "num_cpus": ("n_jobs", _ray_cpus),
    "max_retries": ("max_retries", None),
    "wait": ("wait", None),
    "cpus_per_run": ("resources.cpus_per_run", None),
    "gpus_per_run": ("resources.gpus_per_run", None),
    "mem_gb_per_run": ("resources.mem_gb_per_run", None),
    "minutes_per_run": ("resources.minutes_per_run", None),
    # the Ray launcher's keys predate launcher.<field> and stay top-level
    "ray_address": ("ray_address", None),
    "batch_size": ("batch_size", None),
    "writer": ("writer", None),
}
#: top-level keys that only mean something to a launcher (a note says so when the chosen one ignores them)
LAUNCHER_KEYS = sorted(key for key in {key for key, _ in SHARED.values()} - {"n_jobs", "max_retries"} if not key.startswith("resources."))


def launcher_options(options_type: type, o: Overrides, launcher: str) -> Any:
    """Build ``options_type`` (a dataclass) from the overrides; one-line errors name the bad key."""
    resources = sorted(k.split(".", 1)[1] for k, _ in SHARED.values() if k.startswith("resources."))
    for key in o.prefixed("resources"):
        if key not in resources:
            raise OverrideError(f"unknown key 'resources.{key}'; valid: " + ", ".join(f"resources.{r}" for r in resources))
    hints = typing.get_type_hints(options_type)
    fields = {f.name: hints[f.name] for f in dataclasses.fields(options_type) if f.init}
    given = o.prefixed(PREFIX)
    values: dict[str, Any] = {}
    for name, kind in fields.items():
        if _is_dict(kind):
            entries = {k[len(name) + 1 :]: v for k, v in given.items() if k.startswith(name + ".")}
            if entries:
                values[name] = entries
            continue
        if name in given:
            values[name] = _check(f"{PREFIX}.{name}", given[name], kind)
        elif name in SHARED and o.get(SHARED[name][0]) is not None:
            key, convert = SHARED[name]
            value = o.get(key) if convert is None else convert(o.get(key))
            if value is not None:
                values[name] = _check(key, value, kind)
    known = set(fields) | {f"{n}.{k.split('.', 1)[1]}" for n in fields if _is_dict(fields[n]) for k in given if k.startswith(n + ".")}
    unknown = sorted(set(given) - known)
    if unknown:
        valid = ", ".join(f"{PREFIX}.{n}" + (".<name>" if _is_dict(k) else "") for n, k in fields.items())
        raise OverrideError(f"launcher={launcher} has no setting '{PREFIX}.{unknown[0]}'; its settings: {valid}")
    return options_type(**values)


def ignored_keys(options_type: type, o: Overrides) -> list[str]:
    """Launcher keys given on the command line that the chosen launcher has no field for."""
    names = {f.name for f in dataclasses.fields(options_type)}
    used = {SHARED[n][0] for n in names if n in SHARED}
    given = [k for k in LAUNCHER_KEYS if o.get(k) is not None] + sorted(f"resources.{k}" for k in o.prefixed("resources"))
    return [k for k in given if k not in used]


def _is_dict(kind: Any) -> bool:
    return kind is dict or typing.get_origin(kind) is dict


def _check(key: str, value: Any, kind: Any) -> Any:
    """``value`` if it fits the annotation ``kind`` (ints count as floats, numbers as strings when a
    string is wanted: ``launcher.partition=123``); else a one-line error naming the key."""
    import types

    union = typing.get_origin(kind) in (typing.Union, types.UnionType)
    allowed = typing.get_args(kind) if union else (kind,)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if value is None and type(None) in allowed:
        return None
    if Any in allowed or (bool in allowed and isinstance(value, bool)):
        return value
    if int in allowed and number and float(value).is_integer() and not isinstance(value, float):
        return value
    if float in allowed and number:
        return float(value)
    if str in allowed and (isinstance(value, str) or number):
        return str(value)
    names = " or ".join("null" if t is type(None) else getattr(t, "__name__", str(t)) for t in allowed)
    raise OverrideError(f"{key} must be {names}, got '{value}'")
