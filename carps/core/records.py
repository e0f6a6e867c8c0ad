"""Results on disk: one folder per run with ``run.json`` and ``trials.jsonl``.

``trials.jsonl`` gets one JSON object per trial, appended and flushed as soon as the trial ends, so
a killed process loses at most the line it was writing; readers drop a half-written last line.
``run.json`` is replaced atomically (write + rename), so it is always either the old or the new one.

Schema (``SCHEMA_VERSION``) of a trial record::

    trial, config, fidelity, seed, objectives {name: value}, status, error,
    budget_used, started_at, wall_time, info (optional),
    constraints {name: value} and feasible (only on constrained tasks; since schema 2)

A constrained task's trial is feasible when every constraint value is at most 0; ``feasible`` is
null (and ``constraints`` may be) for a trial that failed. Readers treat a record without these
fields (an unconstrained task, or a schema 1 run) as feasible whenever its status is ``ok``, so
results written under schema 1 still load unchanged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Protocol

SCHEMA_VERSION = 2  # 2: constraints and feasible on constrained tasks' trials
RUN_FILE = "run.json"
TRIALS_FILE = "trials.jsonl"


def _json_default(obj: Any) -> Any:
    # numpy scalars and arrays that adapters or objective functions may hand back
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 0) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


try:  # orjson encodes a trial record ~10x faster than the json module; both give the same JSON
    import orjson

    _ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS

    def dumps_bytes(obj: Any) -> bytes:
        return orjson.dumps(obj, default=_json_default, option=_ORJSON_OPTIONS)

except ImportError:  # pragma: no cover - orjson is a core dependency, this keeps odd installs working

    def dumps_bytes(obj: Any) -> bytes:
        return json.dumps(obj, default=_json_default, separators=(",", ":")).encode()


def dumps(obj: Any) -> str:
    """One record as compact JSON (numpy values become plain numbers)."""
    return dumps_bytes(obj).decode()


def encode_run(run: dict[str, Any]) -> str:
    """The text of ``run.json`` for a run record."""
    return json.dumps(run, default=_json_default, indent=1)


class TrialSink(Protocol):
    """Where the run loop sends each finished trial record."""

    def write(self, record: dict[str, Any]) -> None: ...


class MemorySink:
    """Keeps records in memory (for library use and for workers that send results back)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any]) -> None:
        self.records.append(record)


class RunFolder:
    """The on-disk folder of one run.

    >>> import tempfile
    >>> folder = RunFolder(Path(tempfile.mkdtemp()))
    >>> folder.status() is None
    True
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._trials_handle: Any = None

    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def trials_file(self) -> Path:
        return self.path / TRIALS_FILE

    # run.json -----------------------------------------------------------------
    def read_run(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.run_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def status(self) -> str | None:
        run = self.read_run()
        return None if run is None else run.get("status")

    def write_run(self, run: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.run_file.with_suffix(".json.tmp")
        with open(tmp, "w") as fh:
            fh.write(encode_run(run))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.run_file)

    # trials.jsonl -------------------------------------------------------------
    def read_trials(self) -> list[dict[str, Any]]:
        """All complete trial records; a torn last line (killed mid-write) is ignored."""
        return read_trials(self.trials_file)

    def repair_trials(self) -> list[dict[str, Any]]:
        """Cut a torn last line off the file so appending continues cleanly; return the records."""
        if not self.trials_file.exists():
            return []
        data = self.trials_file.read_bytes()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            with open(self.trials_file, "r+b") as fh:
                fh.truncate(end)
        return _parse_lines(data[:end].decode())

    def reset_trials(self, keep_as: str) -> None:
        """Move existing trials aside (never delete results) before a run starts over."""
        if self.trials_file.exists():
            os.replace(self.trials_file, self.path / keep_as)

    def write(self, record: dict[str, Any]) -> None:
        if self._trials_handle is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._trials_handle = open(self.trials_file, "ab", buffering=1 << 16)
        self._trials_handle.write(dumps_bytes(record) + b"\n")
        self._trials_handle.flush()

    def write_all(self, records: Iterable[dict[str, Any]]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.trials_file, "wb") as fh:
            fh.writelines(dumps_bytes(r) + b"\n" for r in records)
            fh.flush()
            os.fsync(fh.fileno())

    def close(self) -> None:
        if self._trials_handle is not None:
            self._trials_handle.close()
            self._trials_handle = None


def read_trials(path: Path) -> list[dict[str, Any]]:
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    return _parse_lines(text[: text.rfind("\n") + 1])


def _parse_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
