"""The Mahalanobis outlier rule: squared distances and chi-square p-values.

References
----------
Mahalanobis, P. C. (1936). On the generalised distance in statistics.
*Proceedings of the National Institute of Sciences of India*, 2, 49-55.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from smekit.core.threads import map_in_threads, shares
from smekit.survey.item_matrix import ItemColumns, crossproduct, float_block

_BLOCK = 65_536


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
    blocks (:func:`~smekit.survey.item_matrix.float_block`), so a frame of small
    integer columns is never converted to float whole.

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
    columns = ItemColumns.of(values)
    complete = columns.complete()
    fit = complete & use
    m = int(fit.sum())
    if m <= k + 1:
        return d2, p
    # sums and cross-products of the fitting rows about a shift (the mean of the
    # first block's fitting rows), for accuracy
    first = int(np.argmax(fit)) // _BLOCK * _BLOCK
    shift = float_block(columns, first, first + _BLOCK, rows=fit[first : first + _BLOCK]).mean(
        axis=0
    )

    def sums(span: range) -> tuple[np.ndarray, np.ndarray]:
        buffer = np.empty((_BLOCK, k), order="F")
        total, cross = np.zeros(k), np.zeros((k, k))
        for start in span:
            rows = fit[start : start + _BLOCK]
            if rows.any():
                c = float_block(columns, start, start + _BLOCK, buffer, minus=shift, rows=rows)
                total += c.sum(axis=0)
                cross += crossproduct(c)
        return total, cross

    # the blocks are independent: each core takes a share and the sums are added
    parts = map_in_threads(sums, shares(range(first, n, _BLOCK)))
    total = sum(t for t, _ in parts)
    cross = sum(c for _, c in parts)
    centre = total / m
    cov = (cross - m * np.outer(centre, centre)) / (m - 1)
    mu = shift + centre
    inv = np.linalg.pinv(cov)

    def distances(span: range) -> None:
        buffer = np.empty((_BLOCK, k), order="F")
        for start in span:
            if not complete[start : start + _BLOCK].any():
                continue
            # centred rows, transposed: (k, rows) in C order, so both products run on
            # contiguous memory; rows with a missing answer stay NaN, set aside below
            diff = float_block(columns, start, start + _BLOCK, buffer, minus=mu).T
            block = d2[start : start + diff.shape[1]]
            block[:] = np.einsum("ij,ij->j", inv @ diff, diff)
            p[start : start + len(block)] = special.chdtrc(k, block)  # P(chi2_k > D^2)

    # each share writes its own rows of d2 and p
    map_in_threads(distances, shares(range(0, n, _BLOCK)))
    d2[~complete] = np.nan
    p[~complete] = np.nan
    return d2, p
