"""Run small torch computations (GP fits on a few dozen points) on a fixed number of threads.

Thread start-up and contention cost more than they save on problems this small: on a shared
2-core machine a BoTorch GP step took 3-10x longer with torch's default thread count than with one.
The previous setting is restored afterwards, so other torch users in the process are unaffected.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Limit torch to ``n`` intra-op threads inside the block (``None``: leave it alone).

    >>> with torch_threads(None):
    ...     pass
    """
    if n is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)
