"""Print pip's configured package sources as options of ``uv pip`` (one per line: option, then value).

uv reads no pip configuration, so ``make install`` and the resolution test hand it the index URLs, wheel
folders and constraint files that ``pip config list`` shows here (a machine with a local wheel mirror
keeps using it), and pip's way of choosing among several indexes (the best match over all of them).

    python tools/pip_indexes.py      # e.g. --index-strategy unsafe-best-match --find-links /opt/wheels
"""

from __future__ import annotations

import re
import subprocess
import sys

#: pip setting -> uv option (a setting may hold several space-separated values)
OPTIONS = {"index-url": "--index-url", "extra-index-url": "--extra-index-url", "find-links": "--find-links", "constraint": "--constraint"}


def uv_options() -> list[str]:
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=True).stdout
    pairs = [(OPTIONS[key], item) for key, value in re.findall(r"^\S*?\.?([a-z-]+)='(.*)'$", listed, flags=re.MULTILINE)
             if key in OPTIONS for item in value.split()]
    # pip takes the best match over every index; uv's default stops at the first index that has the name
    return ["--index-strategy", "unsafe-best-match", *(word for pair in dict.fromkeys(pairs) for word in pair)]


if __name__ == "__main__":
    print("\n".join(uv_options()))
