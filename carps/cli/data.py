"""``carps data fetch NAME`` and ``carps data status``: download, verify and locate benchmark data."""

from __future__ import annotations

import difflib
import os
import re
import sys

from carps.cli.options import wants_help
from carps.cli.overrides import OverrideError, parse_overrides

HELP = """usage: carps data fetch NAME [url=URL] [sha256=HEX] [dir=FOLDER] [force=true]
       carps data status [dir=FOLDER]

fetch   downloads the data set's release archive, checks every file the loader reads against the
        SHA-256 manifest shipped with carps, and unpacks it into the cache folder
        (<cache>/<name>/<version>); from then on the loader finds it there. Nothing is installed
        unless everything verifies; a copy already installed and verified is kept.
status  each data set: where it is found, where it came from (its environment variable, which wins,
        or the cache), its version, and whether it verifies.

data sets:
{datasets}

keys:
  url=     download from here instead (another mirror, or file:///path/to/archive.zip)
  sha256=  also check the whole archive's SHA-256
  dir=     the cache folder (default: $CARPS_CACHE_DIR, else ~/.cache/carps on Linux,
           ~/Library/Caches/carps on macOS, %LOCALAPPDATA%\\carps\\Cache on Windows)
  force=true  download and install again even if a verified copy is there"""

SUBCOMMANDS = ("fetch", "status")
FETCH_KEYS = ["url", "sha256", "dir", "force"]


def _help() -> str:
    from carps.benchmarks.data_store import DATASETS

    lines = [f"  {d.name:<8} {d.version:<7} {d.description} ({d.license}); or set {d.env_var}" for d in DATASETS.values()]
    return HELP.format(datasets="\n".join(lines))


def main(args: list[str]) -> int:
    if not args or any(a in ("-h", "--help") for a in args):
        wants_help(["--help"], _help())
        return 0
    sub, rest = args[0], args[1:]
    if sub == "fetch":
        return fetch(rest)
    if sub == "status":
        return status(rest)
    close = difflib.get_close_matches(sub, SUBCOMMANDS, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise OverrideError(f"unknown subcommand '{sub}'{hint}; use: carps data fetch NAME | carps data status (carps data --help)")


def fetch(args: list[str]) -> int:
    from carps.benchmarks.data_store import DATASETS, cache_hint, get_dataset
    from carps.benchmarks.data_store import fetch as fetch_data

    o = parse_overrides(args, allowed=FETCH_KEYS, flags=["force"])
    if not o.positional:
        raise OverrideError(f"name the data set to fetch: carps data fetch {' | '.join(DATASETS)}")
    if len(o.positional) > 1:
        raise OverrideError(f"fetch one data set at a time, got {' '.join(o.positional)}; e.g. carps data fetch {o.positional[0]}")
    dataset = get_dataset(o.positional[0])
    force = o.get("force", "force" in o.flags)
    if not isinstance(force, bool):
        raise OverrideError(f"force must be true or false, got '{force}'")
    # the raw text: a digest of digits only would otherwise be read as a YAML number
    sha = next((a.split("=", 1)[1] for a in args if a.lstrip("-").startswith("sha256=")), None)
    if sha is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", str(sha)):
        raise OverrideError(f"sha256 must be 64 hex digits (the archive's SHA-256), got '{sha}'")
    url = o.get("url")
    cache_dir = o.get("dir")
    result = fetch_data(dataset, url=str(url) if url else None, sha256=str(sha) if sha else None, cache_dir=str(cache_dir) if cache_dir else None, force=force)
    if result.fetched:
        print(f"{dataset.name} {dataset.version}: downloaded {result.n_bytes / 1e6:.1f} MB, verified {result.n_files} files, installed in {result.path}")
    else:
        print(f"{dataset.name} {dataset.version} is already installed in {result.path} and verifies ({result.n_files} files); nothing to do (force=true fetches it again)")
    hint = cache_hint(str(cache_dir) if cache_dir else None)
    if hint:
        print(f"note: {hint}")
    if os.environ.get(dataset.env_var):
        print(f"note: {dataset.env_var}={os.environ[dataset.env_var]} is set and wins over the cache; unset it to use this copy")
    return 0


def status(args: list[str]) -> int:
    from carps.benchmarks.data_store import DATASETS
    from carps.benchmarks.data_store import status as data_status

    o = parse_overrides(args, allowed=["dir"])
    if o.positional:
        names = [n for n in o.positional if n not in DATASETS]
        if names:
            from carps.benchmarks.data_store import get_dataset

            get_dataset(names[0])  # raises with the known names
    chosen = [DATASETS[n] for n in o.positional] or list(DATASETS.values())
    cache_dir = str(o.get("dir")) if o.get("dir") else None
    rows, notes, bad = [], [], 0
    for dataset in chosen:
        st = data_status(dataset, cache_dir)
        source = st.source if st.source in ("cache", "not installed") else f"${st.source}"
        rows.append([st.name, str(st.path) if st.path else "-", source, st.version or "-", st.verdict()])
        if st.path is None:
            notes.append(f"{st.name}: not installed; {dataset.fetch_hint()}")
        elif st.problems:
            bad += 1
            fix = f"fix {dataset.env_var} or unset it" if st.source == dataset.env_var else f"carps data fetch {st.name} force=true"
            notes.append(f"{st.name}: {st.path} does not verify ({'; '.join(st.problems[:3])}); {fix}")
        if st.shadowed is not None:
            notes.append(f"{st.name}: ${dataset.env_var} wins over the fetched copy in {st.shadowed}")
    from carps.cli.listing import _table

    print(_table(rows, ["data set", "path", "source", "version", "verifies"]))
    if notes:
        print()
        print("\n".join(notes))
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
