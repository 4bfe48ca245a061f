"""Composite indices: entropy weights, a PCA composite and equal-weight z-scores.

Each builder takes a tidy frame (one row per unit-period of a panel, or per
respondent of a survey) and a list of indicator columns, and returns a frozen
result with the score of every row (aligned with the input's index), the
weights or loadings as a tidy table, and ``to_frame()``/``to_dict()``.

Indicators are *positive* (more is better) unless named in ``negative``; a
negative indicator is reversed before it enters the index, so every index
rises with the quality it measures.

References
----------
Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
Technical Journal*, 27(3), 379-423 (entropy).
Zou, Z., Yun, Y., & Sun, J. (2006). Entropy method for determination of weight
of evaluating indicators in fuzzy synthetic evaluation for water quality
assessment. *Journal of Environmental Sciences*, 18(5), 1020-1023.
Jolliffe, I. T. (2002). *Principal component analysis* (2nd ed.), section 6.1
(Kaiser's eigenvalue-one rule; cumulative-variance rule).
Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*,
39(1), 31-36 (KMO measure of sampling adequacy).
Bartlett, M. S. (1951). The effect of standardization on a chi-square
approximation in factor analysis. *Biometrika*, 38(3/4), 337-344.
Revelle, W. (2024). *psych: Procedures for psychological, psychometric, and
personality research* (R package; ``KMO``, ``cortest.bartlett``).
OECD/JRC (2008). *Handbook on constructing composite indicators*, sections
5-6 (normalisation, weighting and aggregation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from smekit.core.errors import DataError, ModelError

__all__ = [
    "Adequacy",
    "EntropyIndex",
    "PCAIndex",
    "ZScoreIndex",
    "entropy_index",
    "pca_index",
    "sampling_adequacy",
    "zscore_index",
]

DEFAULT_SHIFT = 1e-4
"""Shift added to min-max values before logs (``x' = x01 + 0.0001``)."""


def _matrix(
    frame: pd.DataFrame, indicators: Sequence[str], negative: Sequence[str], what: str
) -> np.ndarray:
    cols = list(indicators)
    if len(cols) < 2:
        raise ModelError(f"{what} needs at least two indicators, got {cols}")
    if len(set(cols)) != len(cols):
        raise ModelError(f"{what}: indicators repeated in {cols}")
    for c in cols:
        if c not in frame.columns:
            raise DataError(
                f"{what}: indicator {c!r} not found", fix=f"columns: {list(frame)[:20]}"
            )
        if not pd.api.types.is_numeric_dtype(frame[c]):
            raise DataError(f"{what}: indicator {c!r} is not numeric ({frame[c].dtype})")
    unknown = [c for c in negative if c not in cols]
    if unknown:
        raise ModelError(f"{what}: negative indicators {unknown} are not among the indicators")
    X = frame[cols].to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(X)
    if bad.any():
        r, c = np.nonzero(bad)
        first = ", ".join(
            f"row {i + 2} column {cols[j]!r}" for i, j in list(zip(r, c, strict=True))[:3]
        )
        raise DataError(
            f"{what}: {int(bad.sum())} missing indicator values ({first})",
            fix="interpolate them first (smekit.analysis.panel_prep.interpolate_within_unit) "
            "or drop the rows",
        )
    return X


def _groups(frame: pd.DataFrame, by: str | None) -> list[tuple[Any, np.ndarray]]:
    if by is None:
        return [(None, np.arange(len(frame)))]
    if by not in frame.columns:
        raise DataError(f"period column {by!r} not found")
    codes, uniques = pd.factorize(frame[by], sort=True)
    return [(u, np.flatnonzero(codes == k)) for k, u in enumerate(uniques)]


# -- entropy weights -----------------------------------------------------------------------
@dataclass(frozen=True)
class EntropyIndex:
    """An entropy-weight index.

    Attributes
    ----------
    score
        Index value of every row, ``sum_j w_j x01_ij`` (aligned with the input).
    weights
        One row per indicator (and period when ``by`` was given): ``indicator``,
        ``direction`` (``+``/``-``), ``min``, ``max``, ``entropy`` ``e_j``,
        ``divergence`` ``d_j = 1 - e_j`` and ``weight`` ``w_j``.
    shift
        Shift added to the min-max values before the entropy.
    by
        Period column of per-period weights, or None (pooled).
    """

    score: pd.Series
    weights: pd.DataFrame
    shift: float
    by: str | None

    def to_frame(self) -> pd.DataFrame:
        """The weights table."""
        return self.weights.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "entropy",
            "shift": self.shift,
            "by": self.by,
            "weights": self.weights.replace({np.nan: None}).to_dict("records"),
        }


def entropy_index(
    frame: pd.DataFrame,
    indicators: Sequence[str],
    *,
    negative: Sequence[str] = (),
    by: str | None = None,
    shift: float = DEFAULT_SHIFT,
    name: str = "entropy_index",
) -> EntropyIndex:
    """Entropy weight method: weights from the dispersion of min-max standardised indicators.

    For ``n`` rows (all unit-periods pooled, or the rows of one period when
    ``by`` is given) and indicator ``j``:

    .. math::

        x^{01}_{ij} = \\frac{x_{ij} - \\min_i x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}}
        \\quad (\\text{negative: } \\frac{\\max_i x_{ij} - x_{ij}}{\\max - \\min}),

        p_{ij} = \\frac{x^{01}_{ij} + s}{\\sum_i (x^{01}_{ij} + s)}, \\qquad
        e_j = -\\frac{1}{\\ln n} \\sum_i p_{ij} \\ln p_{ij},

        w_j = \\frac{1 - e_j}{\\sum_k (1 - e_k)}, \\qquad
        \\text{score}_i = \\sum_j w_j x^{01}_{ij}.

    The shift ``s`` (default 0.0001) keeps ``ln p`` defined at the minimum;
    with ``s = 0`` the convention ``0 ln 0 = 0`` is used.

    Parameters
    ----------
    frame
        Data, one row per observation; indicators must be complete.
    indicators
        Indicator columns.
    negative
        Indicators where less is better (reversed in the min-max step).
    by
        Period column: weights computed period by period (min, max and ``n``
        within the period); None pools every row (weights comparable over time).
    shift
        ``s`` above (>= 0).
    name
        Name of the score series.

    Raises
    ------
    ModelError
        An indicator is constant (within a period when ``by``), so it has no
        entropy weight.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, 1.0, 1.0, 5.0],
    ...                   "c": [4.0, 3.0, 2.0, 1.0]})
    >>> res = entropy_index(d, ["a", "b", "c"], negative=["c"], shift=0.0)
    >>> res.weights["weight"].round(4).tolist()
    [0.1755, 0.649, 0.1755]
    >>> res.score.round(4).tolist()
    [0.0, 0.117, 0.234, 1.0]

    Here ``p_a = (0, 1/6, 2/6, 3/6)`` gives ``e_a = 1.0114 / ln 4 = 0.7296`` and
    ``b``, nonzero in one row only, ``e_b = 0``, so ``w = (0.2704, 1, 0.2704) / 1.5408``.
    """
    if shift < 0:
        raise ModelError(f"entropy_index: shift must be >= 0, got {shift}")
    X = _matrix(frame, indicators, negative, "entropy_index")
    cols = list(indicators)
    neg = np.array([c in set(negative) for c in cols])
    score = np.empty(len(frame))
    rows = []
    for period, idx in _groups(frame, by):
        x = X[idx]
        n = len(idx)
        if n < 2:
            raise ModelError(f"entropy_index: period {period!r} has a single row")
        lo, hi = x.min(axis=0), x.max(axis=0)
        span = hi - lo
        const = [cols[j] for j in np.flatnonzero(span == 0)]
        if const:
            at = "" if by is None else f" in {by}={period}"
            raise ModelError(
                f"entropy_index: indicators {const} are constant{at}, so they carry no weight",
                fix="drop them from the indicators",
            )
        z = np.where(neg, hi - x, x - lo) / span
        q = z + shift
        p = q / q.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(p > 0, p * np.log(p), 0.0)
        e = -plogp.sum(axis=0) / np.log(n)
        d = 1.0 - e
        w = d / d.sum()
        score[idx] = z @ w
        for j, c in enumerate(cols):
            row = {} if by is None else {by: period}
            rows.append(
                {
                    **row,
                    "indicator": c,
                    "direction": "-" if neg[j] else "+",
                    "min": float(lo[j]),
                    "max": float(hi[j]),
                    "entropy": float(e[j]),
                    "divergence": float(d[j]),
                    "weight": float(w[j]),
                }
            )
    return EntropyIndex(
        score=pd.Series(score, index=frame.index, name=name),
        weights=pd.DataFrame(rows),
        shift=float(shift),
        by=by,
    )


# -- sampling adequacy ---------------------------------------------------------------------
@dataclass(frozen=True)
class Adequacy:
    """KMO measure of sampling adequacy and Bartlett's test of sphericity.

    Attributes
    ----------
    kmo
        Overall KMO.
    msa
        Per-indicator measure of sampling adequacy.
    bartlett_chi2, bartlett_df, bartlett_p
        Bartlett's statistic, its degrees of freedom and p-value.
    n
        Rows behind the correlation matrix.
    """

    kmo: float
    msa: pd.Series
    bartlett_chi2: float
    bartlett_df: int
    bartlett_p: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "kmo": self.kmo,
            "msa": {str(k): float(v) for k, v in self.msa.items()},
            "bartlett_chi2": self.bartlett_chi2,
            "bartlett_df": self.bartlett_df,
            "bartlett_p": self.bartlett_p,
            "n": self.n,
        }


def sampling_adequacy(frame: pd.DataFrame, indicators: Sequence[str]) -> Adequacy:
    """Kaiser-Meyer-Olkin MSA and Bartlett's sphericity test of the indicators' correlations.

    With ``R`` the correlation matrix, ``S = R^{-1}`` and partial correlations
    ``q_ij = -S_ij / sqrt(S_ii S_jj)``,

    .. math::

        KMO = \\frac{\\sum_{i \\ne j} r_{ij}^2}{\\sum_{i \\ne j} r_{ij}^2
        + \\sum_{i \\ne j} q_{ij}^2}, \\qquad
        \\chi^2 = -\\left(n - 1 - \\frac{2p + 5}{6}\\right) \\ln |R|,
        \\quad df = p(p - 1)/2

    (``MSA_i`` sums over ``j`` only). Matches R ``psych::KMO`` and
    ``psych::cortest.bartlett(R, n)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=200)
    >>> d = pd.DataFrame({k: f + rng.normal(size=200) for k in "abcd"})
    >>> a = sampling_adequacy(d, list("abcd"))
    >>> 0.7 < a.kmo < 0.9, a.bartlett_df, a.bartlett_p < 1e-10
    (True, 6, True)
    """
    X = _matrix(frame, indicators, (), "sampling_adequacy")
    n, p = X.shape
    R = np.corrcoef(X, rowvar=False)
    try:
        S = np.linalg.inv(R)
    except np.linalg.LinAlgError:
        raise ModelError(
            "sampling_adequacy: the indicators' correlation matrix is singular",
            fix="drop an indicator that is a combination of others",
        ) from None
    dS = np.sqrt(np.diag(S))
    Q = -S / np.outer(dS, dS)
    off = ~np.eye(p, dtype=bool)
    r2 = np.where(off, R**2, 0.0)
    q2 = np.where(off, Q**2, 0.0)
    kmo = float(r2.sum() / (r2.sum() + q2.sum()))
    msa = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    _, logdet = np.linalg.slogdet(R)
    chi2 = float(-(n - 1 - (2 * p + 5) / 6) * logdet)
    df = p * (p - 1) // 2
    return Adequacy(
        kmo=kmo,
        msa=pd.Series(msa, index=list(indicators)),
        bartlett_chi2=chi2,
        bartlett_df=df,
        bartlett_p=float(stats.chi2.sf(chi2, df)),
        n=n,
    )


# -- PCA composite -------------------------------------------------------------------------
@dataclass(frozen=True)
class PCAIndex:
    """A PCA composite index.

    Attributes
    ----------
    score
        Composite of every row: ``sum_k (lambda_k / sum_kept lambda) F_k``.
    components
        Component scores ``F_k = Z v_k`` of the kept components (columns ``PC1``...).
    eigenvalues
        One row per component: ``component``, ``eigenvalue``, ``share``,
        ``cumulative``, ``kept``, ``weight`` (variance share among the kept).
    loadings
        Indicator x kept component: ``v_jk sqrt(lambda_k)`` (correlation of the
        standardised indicator with the component).
    adequacy
        KMO and Bartlett (:class:`Adequacy`).
    rule
        Which rule fixed the number of components.
    """

    score: pd.Series
    components: pd.DataFrame
    eigenvalues: pd.DataFrame
    loadings: pd.DataFrame
    adequacy: Adequacy
    rule: str

    @property
    def n_components(self) -> int:
        return int(self.eigenvalues["kept"].sum())

    def to_frame(self) -> pd.DataFrame:
        """The eigenvalue table."""
        return self.eigenvalues.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "pca",
            "n_components": self.n_components,
            "rule": self.rule,
            "eigenvalues": self.eigenvalues.to_dict("records"),
            "loadings": {
                str(i): {str(k): float(v) for k, v in r.items()}
                for i, r in self.loadings.iterrows()
            },
            **self.adequacy.to_dict(),
        }


def pca_index(
    frame: pd.DataFrame,
    indicators: Sequence[str],
    *,
    negative: Sequence[str] = (),
    min_eigenvalue: float = 1.0,
    min_cumulative: float = 0.85,
    name: str = "pca_index",
) -> PCAIndex:
    """PCA composite: standardise, keep the leading components, weight them by variance share.

    ``Z`` holds the indicators standardised to mean 0 and SD 1 (``n - 1``
    divisor; negative indicators multiplied by -1 first), ``Z'Z/(n-1) = V Λ V'``
    its correlation matrix. Components are taken in order of eigenvalue while
    ``λ_k > min_eigenvalue``, stopping as soon as the cumulative share of
    variance reaches ``min_cumulative``; at least one is kept. Component
    scores are ``F_k = Z v_k`` and the index is

    .. math::

        \\text{score}_i = \\sum_{k \\le K}
        \\frac{\\lambda_k}{\\sum_{l \\le K} \\lambda_l} F_{ik}.

    Each eigenvector's sign is chosen so its loadings sum to a positive number
    (the index rises with the indicators).

    Parameters
    ----------
    frame, indicators, negative
        As in :func:`entropy_index`.
    min_eigenvalue
        Kaiser's rule threshold (1 for a correlation matrix).
    min_cumulative
        Cumulative variance share at which no further component is added.
    name
        Name of the score series.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=300)
    >>> d = pd.DataFrame({k: f + 0.5 * rng.normal(size=300) for k in "abc"})
    >>> res = pca_index(d, ["a", "b", "c"])
    >>> res.n_components, round(float(np.corrcoef(res.score, f)[0, 1]), 2)
    (1, 0.95)
    """
    X = _matrix(frame, indicators, negative, "pca_index")
    cols = list(indicators)
    sign = np.array([-1.0 if c in set(negative) else 1.0 for c in cols])
    X = X * sign
    n, p = X.shape
    sd = X.std(axis=0, ddof=1)
    const = [cols[j] for j in np.flatnonzero(sd == 0)]
    if const:
        raise ModelError(f"pca_index: indicators {const} are constant", fix="drop them")
    Z = (X - X.mean(axis=0)) / sd
    R = (Z.T @ Z) / (n - 1)
    lam, V = np.linalg.eigh(R)
    order = np.argsort(lam)[::-1]
    lam, V = np.clip(lam[order], 0.0, None), V[:, order]
    V = V * np.where(V.sum(axis=0) < 0, -1.0, 1.0)
    share = lam / lam.sum()
    cum = np.cumsum(share)
    k = 0
    rule = ""
    while k < p:
        if lam[k] <= min_eigenvalue and k > 0:
            rule = f"eigenvalue > {min_eigenvalue:g}"
            break
        k += 1
        if cum[k - 1] >= min_cumulative:
            rule = f"cumulative variance >= {min_cumulative:.0%}"
            break
    if not rule:
        rule = "all components"
    if k == 1 and lam[0] <= min_eigenvalue:
        rule = "first component only (no eigenvalue above the threshold)"
    wk = lam[:k] / lam[:k].sum()
    F = Z @ V[:, :k]
    names = [f"PC{j + 1}" for j in range(p)]
    eig = pd.DataFrame(
        {
            "component": names,
            "eigenvalue": lam,
            "share": share,
            "cumulative": cum,
            "kept": np.arange(p) < k,
            "weight": np.r_[wk, np.zeros(p - k)],
        }
    )
    loadings = pd.DataFrame(V[:, :k] * np.sqrt(lam[:k]), index=cols, columns=names[:k])
    return PCAIndex(
        score=pd.Series(F @ wk, index=frame.index, name=name),
        components=pd.DataFrame(F, index=frame.index, columns=names[:k]),
        eigenvalues=eig,
        loadings=loadings,
        adequacy=sampling_adequacy(pd.DataFrame(X, columns=cols), cols),
        rule=rule,
    )


# -- z-scores ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ZScoreIndex:
    """Equal-weight z-score index: the mean of the standardised indicators.

    Attributes
    ----------
    score
        Index of every row.
    moments
        Mean and SD of every indicator (per period when ``by``).
    by
        Period column, or None (pooled).
    """

    score: pd.Series
    moments: pd.DataFrame
    by: str | None

    def to_frame(self) -> pd.DataFrame:
        return self.moments.copy()

    def to_dict(self) -> dict[str, Any]:
        return {"method": "zscore", "by": self.by, "moments": self.moments.to_dict("records")}


def zscore_index(
    frame: pd.DataFrame,
    indicators: Sequence[str],
    *,
    negative: Sequence[str] = (),
    by: str | None = None,
    name: str = "zscore_index",
) -> ZScoreIndex:
    """Mean of z-scores: ``score_i = (1/J) sum_j s_j (x_ij - mean_j) / sd_j``, ``s_j = ±1``.

    SDs use the ``n - 1`` divisor; with ``by`` the means and SDs are those of
    the row's period.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [30.0, 20.0, 10.0]})
    >>> zscore_index(d, ["a", "b"], negative=["b"]).score.tolist()
    [-1.0, 0.0, 1.0]
    """
    X = _matrix(frame, indicators, negative, "zscore_index")
    cols = list(indicators)
    sign = np.array([-1.0 if c in set(negative) else 1.0 for c in cols])
    score = np.empty(len(frame))
    rows = []
    for period, idx in _groups(frame, by):
        x = X[idx]
        m, s = x.mean(axis=0), x.std(axis=0, ddof=1)
        if (s == 0).any() or len(idx) < 2:
            at = "" if by is None else f" in {by}={period}"
            bad = [cols[j] for j in np.flatnonzero(~(s > 0))]
            raise ModelError(f"zscore_index: indicators {bad} are constant{at}")
        score[idx] = (((x - m) / s) * sign).mean(axis=1)
        for j, c in enumerate(cols):
            row = {} if by is None else {by: period}
            rows.append(
                {
                    **row,
                    "indicator": c,
                    "direction": "-" if sign[j] < 0 else "+",
                    "mean": float(m[j]),
                    "sd": float(s[j]),
                }
            )
    return ZScoreIndex(pd.Series(score, index=frame.index, name=name), pd.DataFrame(rows), by)
