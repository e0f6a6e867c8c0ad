"""Where benchmark families that need their own data find it: a catalog parameter, an environment
variable, or (for data sets that ``carps data fetch`` installs) the user's cache folder.

>>> import os
>>> configured_data_dir(None, "CARPS_NO_SUCH_VARIABLE") is None
True
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from carps.core.errors import CarpsError


CACHE_ENV = "CARPS_CACHE_DIR"


def user_cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """carps' cache folder: ``override``, else ``$CARPS_CACHE_DIR``, else the platform's convention.

    Linux and other Unixes: ``$XDG_CACHE_HOME/carps`` or ``~/.cache/carps``; macOS:
    ``~/Library/Caches/carps``; Windows: ``%LOCALAPPDATA%\\carps\\Cache``.
    """
    chosen = override or os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "carps" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "carps"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "carps"


def configured_data_dir(data_dir: str | os.PathLike[str] | None, env_var: str) -> Path | None:
    """``data_dir`` if given, else ``$env_var``, else None (the family then offers no tasks)."""
    chosen = data_dir or os.environ.get(env_var)
    return Path(chosen).expanduser() if chosen else None


def require_data_dir(data_dir: Path | None, env_var: str, what: str, source: str) -> Path:
    """The folder, or a one-line error that says how to configure it and where to get the data."""
    if data_dir is None:
        raise CarpsError(f"{what} needs its data: set {env_var}=/path/to/data or the catalog's params.data_dir (get the data from {source})")
    if not data_dir.is_dir():
        raise CarpsError(f"{what} data folder {data_dir} does not exist; download the data from {source} and point {env_var} at it")
    return data_dir
