"""Per-column work on all cores."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def map_in_threads(function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """``[function(x) for x in items]``, run in a pool of one thread per core.

    Meant for independent pieces of work made of Arrow, numpy and BLAS calls,
    which release the GIL (dictionary encoding, gathers over a million rows, one
    scale's covariance). The results keep the order of ``items``; the first
    exception raised is raised here.

    Examples
    --------
    >>> map_in_threads(len, ["a", "bb", "ccc"])
    [1, 2, 3]
    """
    workers = min(len(items), os.cpu_count() or 1)
    if workers < 2:
        return [function(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))


def shares(items: range, minimum: int = 1) -> list[range]:
    """``items`` in contiguous shares, one per core, each at least ``minimum`` long.

    For work split by rows or row blocks: every share is one unbroken stretch, so
    a share's results can be written to its own slice of a shared array.

    Examples
    --------
    >>> parts = shares(range(10))  # as many as there are cores, up to 10
    >>> [i for part in parts for i in part] == list(range(10))
    True
    >>> shares(range(3), minimum=5)  # too short to split
    [range(0, 3)]
    """
    count = max(1, min(os.cpu_count() or 1, len(items) // max(minimum, 1)))
    size = -(-len(items) // count) if len(items) else 1
    return [items[i : i + size] for i in range(0, len(items), size)] or [items]
