"""Data sets that carps can download itself (``carps data fetch NAME``) and how they are found later.

A :class:`DataSet` names a release archive, the environment variable that points at a copy the user
keeps elsewhere, and a manifest: the SHA-256 of every file the loader reads. ``fetch`` downloads the
archive to a temporary file, unpacks it into a temporary folder next to the target, checks every
manifest file, writes a marker and only then renames the folder into place, so that the cache holds
either a verified copy or nothing. ``locate`` is the lookup the loaders use: environment variable,
else the verified copy in the cache, else None.

The cache is ``<cache>/<name>/<version>/`` (``<cache>`` from :func:`~carps.benchmarks.data_dir.user_cache_dir`).

>>> sorted(DATASETS)
['yahpo']
>>> DATASETS["yahpo"].env_var
'CARPS_YAHPO_DATA'
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Iterable

from carps.benchmarks.data_dir import CACHE_ENV, user_cache_dir
from carps.core.errors import CarpsError, UnknownNameError

MARKER = ".carps-data.json"  # written into an installed copy once it has been verified
CHUNK = 1 << 20
_HERE = Path(__file__).resolve().parent


class MissingDataError(CarpsError):
    """A task needs a data set that is not installed (or not where its setting points); the message names the fix."""


@dataclass(frozen=True)
class DataSet:
    """A downloadable data set: where its release lives and which files prove a copy is complete."""

    name: str
    version: str
    url: str
    env_var: str
    manifest: Path  # JSON: {"files": {"relative/path": {"sha256": ..., "size": ...}}}
    description: str = ""
    license: str = ""

    def files(self) -> dict[str, dict[str, Any]]:
        data = json.loads(self.manifest.read_text())
        return dict(data["files"])

    def fetch_hint(self) -> str:
        return f"run `carps data fetch {self.name}` or set {self.env_var}=/path/to/{self.name}_data"


DATASETS: dict[str, DataSet] = {
    "yahpo": DataSet(
        name="yahpo",
        version="1.0.2",
        url="https://github.com/slds-lmu/yahpo_data/archive/refs/tags/v1.0.2.zip",
        env_var="CARPS_YAHPO_DATA",
        manifest=_HERE / "yahpo_manifest.json",
        description="YAHPO Gym surrogate models (ONNX), search spaces and encodings",
        license="Apache-2.0, (c) the YAHPO Gym authors",
    ),
}


def get_dataset(name: str) -> DataSet:
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownNameError(f"unknown data set '{name}'; known: {', '.join(DATASETS)} (see: carps data status)") from None


# lookup -----------------------------------------------------------------------
def install_dir(dataset: DataSet, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where ``fetch`` puts (or has put) the data set: ``<cache>/<name>/<version>``."""
    return user_cache_dir(cache_dir) / dataset.name / dataset.version


def installed_copy(dataset: DataSet, cache_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The fetched copy in the cache if it was verified when installed (its marker is there), else None."""
    folder = install_dir(dataset, cache_dir)
    return folder if (folder / MARKER).is_file() else None


def locate(dataset: DataSet, cache_dir: str | os.PathLike[str] | None = None) -> tuple[Path, str] | None:
    """``($ENV_VAR, env var name)`` if set, else ``(fetched copy, "cache")``, else None."""
    chosen = os.environ.get(dataset.env_var)
    if chosen:
        return Path(chosen).expanduser(), dataset.env_var
    copy = installed_copy(dataset, cache_dir)
    return (copy, "cache") if copy else None


# verification -----------------------------------------------------------------
def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(folder: Path, files: dict[str, dict[str, Any]]) -> list[str]:
    """Problems of ``folder`` against manifest ``files`` (empty when every file is there, byte for byte)."""
    problems = []
    for rel, want in sorted(files.items()):
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif "size" in want and path.stat().st_size != want["size"]:
            problems.append(f"{rel} has {path.stat().st_size} bytes, expected {want['size']}")
        elif file_digest(path) != want["sha256"]:
            problems.append(f"{rel} has the wrong SHA-256 (corrupted or another release)")
    return problems


def build_manifest(folder: Path, files: Iterable[str], name: str, version: str) -> dict[str, Any]:
    """The manifest of ``files`` (paths relative to ``folder``); how ``yahpo_manifest.json`` was made."""
    entries = {}
    for rel in sorted(files):
        path = folder / rel
        entries[rel] = {"sha256": file_digest(path), "size": path.stat().st_size}
    return {"dataset": name, "version": version, "files": entries}


def read_version(folder: Path, marker: dict[str, Any] | None = None) -> str | None:
    """The release of a copy: from its marker, else its ``VERSION`` file (``VERSION:1.0.2``)."""
    if marker and marker.get("version"):
        return str(marker["version"])
    path = folder / "VERSION"
    if path.is_file():
        text = path.read_text(errors="replace").strip()
        return text.split(":", 1)[-1].strip() or None
    return None


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None


# status -----------------------------------------------------------------------
@dataclass
class DataStatus:
    """Where a data set is found, how it got there, and whether it verifies."""

    name: str
    path: Path | None
    source: str  # the env var name, "cache" or "not installed"
    version: str | None
    problems: list[str] | None  # None: not checked (nothing installed)
    shadowed: Path | None = None  # a fetched copy that the env var hides

    @property
    def ok(self) -> bool:
        return self.path is not None and not self.problems

    def verdict(self) -> str:
        if self.path is None:
            return "-"
        if not self.problems:
            return "verified"
        return f"FAILED: {self.problems[0]}" + (f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else "")


def status(dataset: DataSet, cache_dir: str | os.PathLike[str] | None = None, check: bool = True) -> DataStatus:
    """The data set's state; ``check`` hashes every manifest file (a second or so for YAHPO)."""
    found = locate(dataset, cache_dir)
    copy = installed_copy(dataset, cache_dir)
    if found is None:
        return DataStatus(dataset.name, None, "not installed", None, None)
    path, source = found
    marker = read_marker(path) if source == "cache" else None
    problems = None
    if check:
        problems = [f"{path} does not exist"] if not path.is_dir() else verify(path, dataset.files())
    shadowed = copy if source != "cache" and copy is not None else None
    return DataStatus(dataset.name, path, source, read_version(path, marker) if path.is_dir() else None, problems, shadowed)


# fetch ------------------------------------------------------------------------
@dataclass
class FetchResult:
    path: Path
    fetched: bool  # False: a verified copy was already there
    n_files: int
    n_bytes: int = 0


class _Progress:
    """Bytes / total on stderr once a download takes more than a second (a rewritten line on a terminal)."""

    def __init__(self, label: str, total: int | None, stream: IO[str] | None) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.start = self.last = time.monotonic()
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, done: int, final: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not final and (now - self.start < 1.0 or now - self.last < (0.5 if self.tty else 10.0)):
            return
        if final and not self.shown:
            return
        self.last, self.shown = now, True
        total = f" / {self.total / 1e6:.1f} MB ({100 * done / self.total:.0f}%)" if self.total else " MB"
        line = f"downloading {self.label}: {done / 1e6:.1f}{total}"
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


def _download(url: str, target: Path, label: str, stream: IO[str] | None) -> tuple[int, str]:
    """Write ``url`` to ``target``; the number of bytes and their SHA-256. A short read is an error."""
    import http.client
    import urllib.error
    import urllib.request

    h = hashlib.sha256()
    n, total = 0, None
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(target, "wb") as out:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            progress = _Progress(label, total, stream)
            for chunk in iter(lambda: resp.read(CHUNK), b""):
                out.write(chunk)
                h.update(chunk)
                n += len(chunk)
                progress(n)
            progress(n, final=True)
    except urllib.error.HTTPError as exc:
        raise CarpsError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise CarpsError(f"cannot download {url}: {exc.reason}; check the address and your network") from None
    except http.client.IncompleteRead as exc:
        raise CarpsError(f"the download of {url} is truncated: got {n + len(exc.partial)} of {total} bytes; run the command again") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise CarpsError(f"the download of {url} broke off ({type(exc).__name__}: {exc}); run the command again") from None
    if total is not None and n != total:
        raise CarpsError(f"the download of {url} is truncated: got {n} of {total} bytes; run the command again")
    return n, h.hexdigest()


def _unpack(archive: Path, into: Path, url: str) -> Path:
    """Unpack a zip archive into ``into``; the folder holding the data (the archive's single top folder)."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            for name in names:
                parts = PurePosixPath(name).parts
                if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                    raise CarpsError(f"archive from {url} holds an unsafe path '{name}'; refusing to unpack it")
            zf.extractall(into)
    except zipfile.BadZipFile as exc:
        raise CarpsError(f"the archive from {url} is truncated or corrupted ({exc}); run the command again") from None
    except (EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise CarpsError(f"cannot unpack the archive from {url}: {type(exc).__name__}: {exc}") from None
    tops = {PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts}
    if len(tops) == 1 and (into / next(iter(tops))).is_dir():
        return into / next(iter(tops))
    return into


def fetch(
    dataset: DataSet,
    url: str | None = None,
    sha256: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    progress: IO[str] | None = sys.stderr,
) -> FetchResult:
    """Download, verify and install ``dataset`` into the cache; a verified copy there is kept unless ``force``.

    On any failure nothing is left behind: not the download, not a half-unpacked folder.
    """
    url = url or dataset.url
    files = dataset.files()
    target = install_dir(dataset, cache_dir)
    if not force and (target / MARKER).is_file() and not verify(target, files):
        return FetchResult(target, False, len(files))
    parent = target.parent
    created = [p for p in (parent, *parent.parents) if not p.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".partial-{dataset.version}-", dir=parent))
    archive = staging.with_name(staging.name + ".download")
    old: Path | None = None
    try:
        n_bytes, digest = _download(url, archive, f"{dataset.name} {dataset.version}", progress)
        if sha256 and digest != sha256.lower():
            raise CarpsError(f"the archive from {url} has SHA-256 {digest}, not the sha256= given ({sha256}); nothing was installed")
        root = _unpack(archive, staging / "unpacked", url)
        archive.unlink()
        problems = verify(root, files)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            raise CarpsError(f"the data from {url} does not match the {dataset.name} {dataset.version} manifest: {problems[0]}{more}; nothing was installed")
        marker = {"name": dataset.name, "version": dataset.version, "url": url, "archive_sha256": digest, "archive_bytes": n_bytes, "fetched": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (root / MARKER).write_text(json.dumps(marker, indent=1) + "\n")
        if target.exists():  # force, or a copy that no longer verifies: move it aside, then swap
            old = Path(tempfile.mkdtemp(prefix=f".old-{dataset.version}-", dir=parent))
            os.replace(target, old / "copy")
        os.replace(root, target)
        return FetchResult(target, True, len(files), n_bytes)
    except BaseException:
        if old is not None and (old / "copy").exists() and not target.exists():
            os.replace(old / "copy", target)  # put the previous copy back
        raise
    finally:
        archive.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        for folder in created:  # folders this call made and left empty
            try:
                folder.rmdir()
            except OSError:
                pass


def cache_hint(cache_dir: str | os.PathLike[str] | None) -> str | None:
    """When ``dir=`` differs from the default cache, what the loader needs to find the copy."""
    if cache_dir is None or user_cache_dir(cache_dir) == user_cache_dir():
        return None
    return f"the loaders look in {user_cache_dir()}; to use this copy set {CACHE_ENV}={user_cache_dir(cache_dir)}"
