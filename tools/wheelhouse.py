"""Build a wheelhouse: a folder of wheels from which carps installs with no internet (cluster nodes).

    python tools/wheelhouse.py --dest wheelhouse --extras all --python 3.12 --platform manylinux_2_28_x86_64
    # on the cluster, where only the folder is reachable:
    python3.12 -m venv venv && venv/bin/pip install --no-index --find-links wheelhouse 'carps[all]'

``make wheelhouse PY=3.12 PLATFORM=manylinux_2_28_x86_64`` runs the same. Steps: build carps' own wheel
from this checkout; resolve ``carps[EXTRAS]`` once here to find the dependencies published only as
source archives and build their wheels in one ``pip wheel`` (pure Python ones suit any target; a
compiled one is reported when the target is another machine: build it on a machine like the nodes);
then one ``pip download`` of everything else as wheels for the target (``--only-binary=:all:``, so
nothing needs a compiler on the cluster). Without ``--python`` and ``--platform`` the wheels are for
the interpreter running this script.

``--torch-index https://download.pytorch.org/whl/cpu`` takes torch from PyTorch's CPU index (about
200 MB instead of several GB of CUDA libraries); leave it out for GPU nodes. ``--constraint FILE``
passes pins to every resolution (for example ``torch==2.13.0`` where that build is the one wanted).
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


def source_only(requirement: str, sources: list[str], constraints: list[str]) -> list[str]:
    """``name==version`` of every dependency that pip would take from a source archive.

    One resolution here, with source archives allowed (``pip install --dry-run --report`` reads only
    metadata). The target's resolution (``--only-binary``) cannot fall back to a source archive: a
    dependency without a wheel makes pip backtrack through every older release of everything that
    needs it, which is what took the old one-at-a-time approach close to an hour on ``carps[all]``.
    """
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        pip("install", "-q", "--dry-run", "--ignore-installed", "--report", str(report), *sources, *constraints, requirement)
        resolved = json.loads(report.read_text())["install"]
    pins = []
    for item in resolved:
        url = item.get("download_info", {}).get("url", "")
        name = item["metadata"]["name"]
        if name.lower() != "carps" and not url.endswith(".whl"):
            pins.append(f"{name}=={item['metadata']['version']}")
    return pins


def build_source_only(dest: Path, pins: list[str], index: list[str], cross: bool) -> None:
    """Wheels of ``pins`` built here in one ``pip wheel``; for another target they must be pure Python."""
    if not pins:
        return
    print(f"building wheels of {len(pins)} dependencies published as source archives only: {', '.join(pins)}", file=sys.stderr)
    pip("wheel", "--no-deps", "-q", "-w", str(dest), *index, *pins)
    if not cross:
        return
    for pin in pins:
        project = pin.partition("==")[0].replace("-", "_").lower()
        compiled = [p.name for p in dest.glob("*.whl") if p.name.lower().startswith(project + "-") and not p.name.endswith("-none-any.whl")]
        if compiled:
            raise SystemExit(f"{pin} is compiled ({compiled[0]}): build its wheel on a machine like the cluster's nodes and put it in {dest}")


def download(dest: Path, wheel: Path, extras: str, flags: list[str], index: list[str], constraints: list[str]) -> None:
    """Every wheel carps[extras] needs, into ``dest``: one resolution to find the dependencies that
    have no wheel, one ``pip wheel`` that builds them, one ``pip download`` of the rest for the target."""
    requirement = f"carps[{extras}] @ {wheel.as_uri()}" if extras else f"carps @ {wheel.as_uri()}"
    sources = ["--find-links", str(dest), *index]
    cross = len(flags) > 1  # --only-binary plus target flags
    build_source_only(dest, source_only(requirement, sources, constraints), index, cross)
    done = pip("download", "-q", "--dest", str(dest), *sources, *constraints, *flags, requirement, check=False)
    if done.returncode != 0:
        match = _NO_WHEEL.search(done.stderr + done.stdout)
        hint = f" ({match.group(1)} has no wheel for the target: build one on a machine like the nodes and put it in {dest})" if match else ""
        raise SystemExit(f"pip cannot download {requirement} for the target{hint}:\n{done.stderr[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", default="wheelhouse", help="folder for the wheels (default: wheelhouse)")
    parser.add_argument("--extras", default="all", help="carps extras, comma-separated (default: all); '' for the base package")
    parser.add_argument("--python", help="target Python version, e.g. 3.12 (default: this interpreter's)")
    parser.add_argument("--platform", action="append", default=[], help="target platform tag, e.g. manylinux_2_28_x86_64 (the nodes' glibc; older manylinux tags are included; repeatable)")
    parser.add_argument("--torch-index", help="extra index for torch, e.g. https://download.pytorch.org/whl/cpu")
    parser.add_argument("--constraint", action="append", default=[], help="a pip constraints file (pins, e.g. torch==2.13.0 for a CPU build); repeatable")
    args = parser.parse_args(argv)
    dest = Path(args.dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    wheel = build_carps(dest)
    index = ["--extra-index-url", args.torch_index] if args.torch_index else []
    constraints = [flag for path in args.constraint for flag in ("--constraint", str(Path(path).resolve()))]
    download(dest, wheel, args.extras, target_flags(args.python, args.platform), index, constraints)
    wheels = sorted(dest.glob("*.whl"))
    size = sum(p.stat().st_size for p in wheels) / 1024**2
    extras = f"[{args.extras}]" if args.extras else ""
    print(f"{len(wheels)} wheels ({size:.0f} MB) in {dest}\ninstall offline with: pip install --no-index --find-links {dest} 'carps{extras}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
