"""Build a wheelhouse: a folder of wheels from which carps installs with no internet (cluster nodes).

    python tools/wheelhouse.py --dest wheelhouse --extras all --python 3.12 --platform manylinux_2_28_x86_64
    # on the cluster, where only the folder is reachable:
    python3.12 -m venv venv && venv/bin/pip install --no-index --find-links wheelhouse 'carps[all]'

``make wheelhouse PY=3.12 PLATFORM=manylinux_2_28_x86_64`` runs the same. Steps: build carps' own wheel
from this checkout; resolve ``carps[EXTRAS]`` for the target Python and platform with wheels only
(``--only-binary=:all:``, so nothing needs a compiler on the cluster), building a wheel here of each
dependency published only as a source archive (which works for the target when it is pure Python; a
compiled one is reported: build it on a machine like the nodes); then ``pip download`` it all.
Without ``--python`` and ``--platform`` the wheels are for the interpreter running this script.

``--torch-index https://download.pytorch.org/whl/cpu`` takes torch from PyTorch's CPU index (about
200 MB instead of several GB of CUDA libraries); leave it out for GPU nodes.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# pip's words for a requirement it found no wheel of
_NO_WHEEL = re.compile(r"(?:Could not find a version that satisfies the requirement|No matching distribution found for) ([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?[^\s)]*)")


def pip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise SystemExit(f"pip {' '.join(args[:2])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def build_carps(dest: Path) -> Path:
    """carps' own wheel from this checkout (with the catalogs inside)."""
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    pip("wheel", "--no-deps", "-q", *isolation, "-w", str(dest), str(REPO))
    return max(dest.glob("carps-*.whl"), key=lambda p: p.stat().st_mtime)


_MANYLINUX = re.compile(r"^manylinux(?:_2_(\d+)|(2014|2010|1))_(\w+)$")
_LEGACY = {"2014": 17, "2010": 12, "1": 5}


def platform_tags(platform: str) -> list[str]:
    """Every tag a machine of ``platform`` installs: pip takes ``--platform`` literally, but a
    ``manylinux_2_28`` node also runs wheels built for older glibc (``manylinux2014`` = 2.17, ...).

    >>> platform_tags("manylinux_2_18_x86_64")[:4]
    ['manylinux_2_18_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'manylinux_2_16_x86_64']
    >>> platform_tags("macosx_11_0_arm64")
    ['macosx_11_0_arm64']
    """
    match = _MANYLINUX.match(platform)
    if match is None:
        return [platform]
    glibc = int(match.group(1)) if match.group(1) else _LEGACY[match.group(2)]
    arch = match.group(3)
    tags = []
    for minor in range(glibc, 4, -1):
        tags.append(f"manylinux_2_{minor}_{arch}")
        legacy = next((name for name, m in _LEGACY.items() if m == minor), None)
        if legacy:
            tags.append(f"manylinux{legacy}_{arch}")
    return tags


def target_flags(python: str | None, platforms: list[str]) -> list[str]:
    flags = ["--only-binary=:all:"]
    if python:
        flags += ["--python-version", python, "--implementation", "cp"]
    for platform in dict.fromkeys(tag for p in platforms for tag in platform_tags(p)):
        flags += ["--platform", platform]
    return flags


def download(dest: Path, wheel: Path, extras: str, flags: list[str], index: list[str]) -> None:
    """Every wheel carps[extras] needs, into ``dest``.

    First the requirements are resolved without downloading (``pip install --dry-run`` reads only the
    wheels' metadata): a requirement with no wheel for the target is built here from its source
    archive (pure Python works anywhere) and the resolution tried again, which takes seconds. Then one
    ``pip download`` fetches everything.
    """
    requirement = f"carps[{extras}] @ {wheel.as_uri()}" if extras else f"carps @ {wheel.as_uri()}"
    sources = ["--find-links", str(dest), *index]
    built: set[str] = set()
    while True:
        done = pip("install", "-q", "--dry-run", "--ignore-installed", *sources, *flags, requirement, check=False)
        if done.returncode == 0:
            break
        match = _NO_WHEEL.search(done.stderr + done.stdout)
        if match is None or match.group(1) in built:
            raise SystemExit(f"pip cannot resolve {requirement} for the target:\n{done.stderr[-3000:]}")
        name = match.group(1)
        built.add(name)
        print(f"no wheel of {name} for the target: building one from its source archive", file=sys.stderr)
        made = pip("wheel", "--no-deps", "-q", "-w", str(dest), *index, name, check=False)
        if made.returncode != 0:
            raise SystemExit(f"{name} has no wheel for the target and could not be built here:\n{made.stderr[-2000:]}")
        project = re.split(r"[<>=!~;\[ ]", name)[0].replace("-", "_").lower()
        compiled = [p.name for p in dest.glob("*.whl") if p.name.lower().startswith(project + "-") and not p.name.endswith("-none-any.whl")]
        if compiled and len(flags) > 1:  # built for this machine, but the target is another
            raise SystemExit(f"{name} is compiled ({compiled[0]}): build its wheel on a machine like the cluster's nodes and put it in {dest}")
    pip("download", "-q", "--dest", str(dest), *sources, *flags, requirement)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", default="wheelhouse", help="folder for the wheels (default: wheelhouse)")
    parser.add_argument("--extras", default="all", help="carps extras, comma-separated (default: all); '' for the base package")
    parser.add_argument("--python", help="target Python version, e.g. 3.12 (default: this interpreter's)")
    parser.add_argument("--platform", action="append", default=[], help="target platform tag, e.g. manylinux_2_28_x86_64 (the nodes' glibc; older manylinux tags are included; repeatable)")
    parser.add_argument("--torch-index", help="extra index for torch, e.g. https://download.pytorch.org/whl/cpu")
    args = parser.parse_args(argv)
    dest = Path(args.dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    wheel = build_carps(dest)
    index = ["--extra-index-url", args.torch_index] if args.torch_index else []
    download(dest, wheel, args.extras, target_flags(args.python, args.platform), index)
    wheels = sorted(dest.glob("*.whl"))
    size = sum(p.stat().st_size for p in wheels) / 1024**2
    extras = f"[{args.extras}]" if args.extras else ""
    print(f"{len(wheels)} wheels ({size:.0f} MB) in {dest}\ninstall offline with: pip install --no-index --find-links {dest} 'carps{extras}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
