"""JSON-ready values shared by every result type's ``to_dict()``.

:func:`jsonable` turns one number into plain Python (NaN and infinity become
``None``); :func:`json_ready` does the same through nested dicts, lists,
numpy arrays and pandas objects. The README promises ``null`` for every
missing or infinite statistic; these two keep that promise in one place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """Plain-python, JSON-ready version of a number (NaN and inf become ``None``).

    Examples
    --------
    >>> jsonable(np.float64("nan")), jsonable(np.int64(3)), jsonable(np.True_)
    (None, 3, True)
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def json_ready(value: Any) -> Any:
    """A value made JSON-ready: NaN, infinity and ``<NA>`` become ``None``.

    Handles nested dicts, lists and tuples, numpy scalars and arrays, and pandas
    Series and DataFrames (as lists of records); the survey result types build
    their ``to_dict()`` with it.

    Examples
    --------
    >>> json_ready({"alpha": np.float64("nan"), "n": np.int64(3), "ci": (0.5, np.inf)})
    {'alpha': None, 'n': 3, 'ci': [0.5, None]}
    """
    if isinstance(value, pd.DataFrame):
        return [json_ready(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
