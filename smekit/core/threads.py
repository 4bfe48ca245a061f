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
