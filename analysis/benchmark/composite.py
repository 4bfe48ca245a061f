"""The composite index of a benchmark: min-max normalised, weighted dimension scores.

Equal, entropy or PCA weights (OECD & JRC 2008); scaled to 0-100.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smekit.core.errors import DataError

__all__ = ["COMPOSITE", "INDEX_METHODS", "CompositeIndex", "composite_index"]

INDEX_METHODS = ("equal", "entropy", "pca")
COMPOSITE = "composite"


@dataclass(frozen=True)
class CompositeIndex:
    """A composite index over the dimensions: weights, normalisation and values.

    Attributes
    ----------
    method
        ``"equal"``, ``"entropy"`` or ``"pca"``.
    weights
        Dimension -> weight (sums to 1).
    minimum, maximum
        Dimension -> the minimum and maximum used for min-max normalisation.
    values
        Firm index -> composite index (0-100).
    """

    method: str
    weights: pd.Series
    minimum: pd.Series
    maximum: pd.Series
    values: pd.Series = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "dimension": self.weights.index,
                "weight": self.weights.to_numpy(),
                "min": self.minimum.to_numpy(),
                "max": self.maximum.to_numpy(),
            }
        ).assign(method=self.method)


def composite_index(scores: pd.DataFrame, method: str = "equal") -> CompositeIndex:
    r"""Composite index over dimension scores, scaled to 0-100.

    ``"equal"`` and ``"entropy"`` min-max normalise each dimension over the
    firms and weight the normalised scores:

    .. math:: I_i = 100 \sum_j w_j \frac{x_{ij} - \min_i x_{ij}}{\max_i x_{ij} - \min_i x_{ij}}

    with :math:`w_j = 1/m` (equal) or the entropy weights of
    :func:`smekit.analysis.indices.entropy_index` (Shannon entropy of the
    normalised scores; a dimension that separates firms more weighs more).
    ``"pca"`` takes :func:`smekit.analysis.indices.pca_index` (standardised
    scores, leading components weighted by variance share) and rescales it to
    0-100 by min-max; its recorded weights are the implied weights of the
    standardised dimensions, ``V_K w_K``, normalised to sum to one. A
    dimension with no spread normalises to 0 under equal weights.

    Parameters
    ----------
    scores
        One row per firm, one column per dimension, no missing values.
    method
        ``"equal"``, ``"entropy"`` or ``"pca"``.

    References
    ----------
    OECD & JRC (2008). *Handbook on constructing composite indicators*,
    sections 5 (normalisation) and 6 (weighting).

    Examples
    --------
    >>> s = pd.DataFrame({"a": [1.0, 3.0, 5.0], "b": [2.0, 2.0, 4.0]})
    >>> composite_index(s).values.tolist()
    [0.0, 25.0, 100.0]
    """
    if method not in INDEX_METHODS:
        raise DataError(f"unknown index method {method!r}", fix=f"use one of {INDEX_METHODS}")
    if scores.isna().any().any():
        raise DataError("the composite index needs every dimension score of every firm")
    cols = list(scores.columns)
    lo, hi = scores.min(), scores.max()
    if method == "pca":
        from smekit.analysis.indices import pca_index

        res = pca_index(scores, cols)
        kept = res.eigenvalues["kept"].to_numpy()
        wk = res.eigenvalues["weight"].to_numpy()[kept]
        implied = res.loadings.to_numpy() / np.sqrt(res.eigenvalues["eigenvalue"].to_numpy()[kept])
        weights = pd.Series(implied @ wk, index=cols)
        raw = res.score.to_numpy()
        span = raw.max() - raw.min()
        values = 100.0 * (raw - raw.min()) / span if span > 0 else np.zeros(len(raw))
        return CompositeIndex(
            method=method,
            weights=weights / float(weights.sum()),
            minimum=lo,
            maximum=hi,
            values=pd.Series(values, index=scores.index, name=COMPOSITE),
        )
    span = (hi - lo).where(hi > lo, np.inf)
    normalised = (scores - lo) / span
    if method == "entropy":
        from smekit.analysis.indices import entropy_index

        table = entropy_index(scores, cols).weights
        weights = pd.Series(table["weight"].to_numpy(dtype=float), index=cols)
    else:
        weights = pd.Series(1.0 / len(cols), index=cols)
    weights = weights / float(weights.sum())
    values = 100.0 * normalised.to_numpy() @ weights.to_numpy()
    return CompositeIndex(
        method=method,
        weights=weights,
        minimum=lo,
        maximum=hi,
        values=pd.Series(values, index=scores.index, name=COMPOSITE),
    )
