"""Hydra-style ``key=value`` overrides: the argument grammar shared by every carps command.

``seed=1,2,3`` is a sweep (a list), ``optimizer.n_initial=10`` sets a nested key, values are read as
YAML scalars (``n_trials=50`` is an int, ``trial_timeout=null`` is None). Flags (``--resume``) are kept
apart. Malformed input raises :class:`OverrideError` with a one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from carps.core.errors import CarpsError


class OverrideError(CarpsError):
    """A command-line override that cannot be understood."""


@dataclass
class Overrides:
    """Parsed command-line arguments: ``values`` by key, ``flags`` (without dashes), ``positional`` words."""

    values: dict[str, Any] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    positional: list[str] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def list(self, key: str, default: Iterable[Any] = ()) -> list[Any]:
        """The value as a list (a single value or a comma sweep)."""
        value = self.values.get(key)
        if value is None:
            return list(default)
        return value if isinstance(value, list) else [value]

    def ints(self, key: str, default: Iterable[int] = ()) -> list[int]:
        out = []
        for v in self.list(key, default):
            if isinstance(v, bool) or not isinstance(v, int):
                raise OverrideError(f"{key} must be integers (e.g. {key}=1,2,3), got '{v}'")
            out.append(v)
        return out

    def number(self, key: str, default: float | None = None, positive: bool = True) -> float | None:
        v = self.values.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (positive and v <= 0):
            raise OverrideError(f"{key} must be a {'positive ' if positive else ''}number (e.g. {key}=10), got '{v}'")
        return v

    def prefixed(self, prefix: str) -> dict[str, Any]:
        """Values of ``prefix.<name>`` keys, by name."""
        p = prefix + "."
        return {k[len(p):]: v for k, v in self.values.items() if k.startswith(p)}


def parse_scalar(text: str) -> Any:
    import yaml

    if text == "":
        return ""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, bool, type(None))) else text


def parse_overrides(args: Iterable[str], allowed: Iterable[str] = (), allowed_prefixes: Iterable[str] = (), flags: Iterable[str] = ()) -> Overrides:
    """Parse ``key=value`` tokens, checking keys against ``allowed`` and ``allowed_prefixes``.

    >>> o = parse_overrides(["seed=1,2", "task=blackbox/*", "--resume"], allowed=["seed", "task"], flags=["resume"])
    >>> o.values, sorted(o.flags)
    ({'seed': [1, 2], 'task': 'blackbox/*'}, ['resume'])
    """
    allowed = list(allowed)
    prefixes = tuple(p + "." for p in allowed_prefixes)
    flag_names = set(flags)
    out = Overrides()
    for token in args:
        if token.startswith("--"):
            name = token[2:]
            if "=" in name:  # --key=value is accepted as key=value
                token = name
            else:
                if name not in flag_names:
                    raise OverrideError(f"unknown flag '{token}'{_hint(name, flag_names, '--')}")
                out.flags.add(name)
                continue
        if "=" not in token:
            out.positional.append(token)
            continue
        key, _, raw = token.partition("=")
        key = key.strip().lstrip("+")
        if not key or not key.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise OverrideError(f"malformed override '{token}': expected key=value, e.g. seed=1,2,3")
        if key not in allowed and not key.startswith(prefixes):
            raise OverrideError(f"unknown key '{key}' in '{token}'{_hint(key, allowed, '')}; valid keys: {', '.join(allowed)}")
        if raw == "":
            raise OverrideError(f"'{token}' has no value; write {key}=<value>")
        parts = _split_commas(raw)
        values = [parse_scalar(p) for p in parts]
        out.values[key] = values if len(values) > 1 else values[0]
    return out


def _split_commas(raw: str) -> list[str]:
    # commas inside [...] (glob character classes) do not split
    parts, depth, current = [], 0, []
    for ch in raw:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    if any(p == "" for p in parts):
        raise OverrideError(f"empty item in comma list '{raw}'")
    return parts


def _hint(name: str, choices: Iterable[str], prefix: str) -> str:
    import difflib  # only for error messages

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {prefix}{close[0]}?)" if close else ""
