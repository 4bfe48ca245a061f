"""The Mahalanobis outlier rule: squared distances and chi-square p-values.

References
----------
Mahalanobis, P. C. (1936). On the generalised distance in statistics.
*Proceedings of the National Institute of Sciences of India*, 2, 49-55.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

_BLOCK = 65_536


def _row_block(values: np.ndarray | pd.DataFrame, start: int) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        return values.iloc[start : start + _BLOCK].to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(values[start : start + _BLOCK], dtype="float64")


def mahalanobis(
    values: np.ndarray | pd.DataFrame, use: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Squared Mahalanobis distances and their chi-square p-values.

    .. math::

        D_i^2 = (x_i - \bar x)^\top S^{-1} (x_i - \bar x), \qquad
        p_i = P(\chi^2_k > D_i^2)

    with ``k`` the number of columns, ``x̄`` and ``S`` (``n - 1`` denominator)
    estimated on the complete rows where ``use`` is true. Distances are returned
    for every complete row (NaN elsewhere). For complete data ``D^2`` equals R's
    ``psych::outlier(x, plot = FALSE)`` and ``p`` equals
    ``pchisq(D2, df = ncol(x), lower.tail = FALSE)``. The data are read in row
    blocks, so a frame of small integer columns is never converted whole.

    Parameters
    ----------
    values
        ``(n, k)`` array or frame (NaN or ``<NA>`` = missing).
    use
        Boolean mask of the rows that estimate the mean and covariance (default: all).

    Returns
    -------
    (d2, p)
        Float arrays of length n.

    References
    ----------
    Mahalanobis, P. C. (1936). On the generalised distance in statistics.
    *Proceedings of the National Institute of Sciences of India*, 2, 49-55.
    Revelle, W. (2024). *psych: Procedures for Psychological, Psychometric, and
    Personality Research*, function ``outlier``. R package.

    Examples
    --------
    Four corners of a square and its centre: the covariance is the identity, so
    each corner is at ``D^2 = 1 + 1 = 2`` and the centre at 0:

    >>> x = np.array([[0, 0], [0, 2], [2, 0], [2, 2], [1, 1]], dtype=float)
    >>> d2, p = mahalanobis(x)
    >>> d2.round(6).tolist()
    [2.0, 2.0, 2.0, 2.0, 0.0]
    >>> round(float(p[0]), 6)  # P(chi2 with 2 df > 2) = exp(-1)
    0.367879
    """
    n, k = values.shape
    d2 = np.full(n, np.nan)
    p = np.full(n, np.nan)
    if k == 0 or n == 0:
        return d2, p
    use = np.ones(n, dtype=bool) if use is None else np.asarray(use, dtype=bool)
    complete = np.zeros(n, dtype=bool)
    # one pass: sums and cross-products about a shift (the first block's mean) for accuracy
    shift: np.ndarray | None = None
    total = np.zeros(k)
    cross = np.zeros((k, k))
    m = 0
    for start in range(0, n, _BLOCK):
        block = _row_block(values, start)
        ok = ~np.isnan(block).any(axis=1)
        complete[start : start + len(block)] = ok
        rows = block[ok & use[start : start + len(block)]]
        if not len(rows):
            continue
        if shift is None:
            shift = rows.mean(axis=0)
        c = rows - shift
        total += c.sum(axis=0)
        cross += c.T @ c
        m += len(rows)
    if shift is None or m <= k + 1:
        return d2, p
    centre = total / m
    cov = (cross - m * np.outer(centre, centre)) / (m - 1)
    mu = shift + centre
    inv = np.linalg.pinv(cov)
    for start in range(0, n, _BLOCK):
        rows = complete[start : start + _BLOCK]
        if not rows.any():
            continue
        diff = _row_block(values, start)[rows] - mu
        d2[start + np.flatnonzero(rows)] = ((diff @ inv) * diff).sum(axis=1)
    p[complete] = stats.chi2.sf(d2[complete], df=k)
    return d2, p
