"""Internal-consistency reliability of multi-item scales.

Cronbach's alpha with the Feldt confidence interval, McDonald's omega total
from a one-factor model, corrected item-total correlations and
alpha-if-item-deleted. All statistics come from the item covariance matrix,
so a million responses cost one pass over the data.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika*, 16(3), 297-334.
Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.
McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor
analysis. *Psychometrika*, 32(4), 443-482.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from smekit.core.errors import DataError
from smekit.core.threads import map_in_threads
from smekit.survey.descriptives import json_ready
from smekit.survey.item_matrix import ItemColumns, crossproduct, float_block, present_means

NanPolicy = Literal["pairwise", "listwise"]


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale.

    Attributes
    ----------
    construct
        Scale name.
    n
        Respondents used (complete cases for listwise; respondents with any
        answer for pairwise).
    k
        Number of items.
    alpha, alpha_ci
        Cronbach's alpha and its Feldt confidence interval.
    omega
        McDonald's omega total from a one-factor maximum-likelihood model
        (NaN with fewer than three items).
    items
        One row per item: ``item``, ``mean``, ``sd``, ``loading`` (standardised
        one-factor loading), ``r_drop`` (corrected item-total correlation) and
        ``alpha_if_deleted``.
    """

    construct: str
    n: int
    k: int
    alpha: float
    alpha_ci: tuple[float, float]
    omega: float
    items: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per item (:attr:`items`)."""
        return self.items

    def to_dict(self) -> dict:
        """JSON-ready: the scale statistics and one record per item (NaN becomes ``None``)."""
        return json_ready(
            {
                "construct": self.construct,
                "n": self.n,
                "k": self.k,
                "alpha": self.alpha,
                "alpha_ci": list(self.alpha_ci),
                "omega": self.omega,
                "items": self.items,
            }
        )


@dataclass(frozen=True)
class ReliabilityReport:
    """Reliability of several scales."""

    scales: tuple[ScaleReliability, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per scale: construct, n, k, alpha, CI, omega."""
        return pd.DataFrame(
            [
                {
                    "construct": s.construct,
                    "n": s.n,
                    "k": s.k,
                    "alpha": s.alpha,
                    "alpha_ci_low": s.alpha_ci[0],
                    "alpha_ci_high": s.alpha_ci[1],
                    "omega": s.omega,
                }
                for s in self.scales
            ]
        )

    def items_frame(self) -> pd.DataFrame:
        """One row per item of every scale."""
        frames = [s.items.assign(construct=s.construct) for s in self.scales]
        if not frames:
            return pd.DataFrame(
                columns=["construct", "item", "mean", "sd", "loading", "r_drop", "alpha_if_deleted"]
            )
        out = pd.concat(frames, ignore_index=True)
        return out[["construct", *[c for c in out.columns if c != "construct"]]]

    def to_dict(self) -> dict:
        """JSON-ready: construct -> :meth:`ScaleReliability.to_dict`."""
        return {s.construct: s.to_dict() for s in self.scales}


def _covariance(items: pd.DataFrame, nan_policy: NanPolicy) -> tuple[np.ndarray, int, np.ndarray]:
    """Item covariance matrix, respondents counted, and item means (``n - 1`` denominators).

    ``n`` counts the respondents with at least one answer (pairwise) or with all
    answers (listwise); the means are those of each item's own answers.
    """
    columns = ItemColumns.of(items)
    if nan_policy == "listwise":
        x = items.to_numpy(dtype=np.float64, na_value=np.nan)
        x = x[~np.isnan(x).any(axis=1)]
        n = x.shape[0]
        if n < 2:
            return np.full((x.shape[1], x.shape[1]), np.nan), n, x.mean(axis=0)
        return np.cov(x, rowvar=False), n, x.mean(axis=0)
    unanswered = np.ones(columns.n_rows, dtype=bool)
    for mask in columns.missing:
        if mask is None:
            unanswered[:] = False
            break
        unanswered &= mask
    n = columns.n_rows - int(np.count_nonzero(unanswered))
    means = present_means(columns)[1]
    return _pairwise_cov(columns, means), n, means


def pairwise_cov(x: np.ndarray | pd.DataFrame | ItemColumns) -> np.ndarray:
    """Pairwise-complete covariance matrix, as R ``cov(x, use = "pairwise")``.

    For columns ``j`` and ``l`` and the ``n_jl`` rows where both are present,
    ``C_jl = (sum z_j z_l - sum z_j sum z_l / n_jl) / (n_jl - 1)`` with ``z`` each
    column centred on the mean of its answers (for accuracy), the sums taken over
    those rows; NaN where fewer than two rows are shared. One pass over the data:
    the centred values ``Z`` (0 where missing) and the presence indicators ``M``
    side by side give all three sums in one cross-product, ``[Z M]' [Z M]``.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
    >>> pairwise_cov(x).round(4).tolist()  # var(x1) uses 4 rows; the rest rows 1, 3, 4
    [[1.6667, 1.8333], [1.8333, 2.3333]]
    """
    columns = x if isinstance(x, ItemColumns) else ItemColumns.of(x)
    return _pairwise_cov(columns, present_means(columns)[1])


def _pairwise_cov(columns: ItemColumns, means: np.ndarray) -> np.ndarray:
    k = len(columns.values)
    rows = columns.n_rows
    centre = np.nan_to_num(means)  # a column with no answers: nothing to centre
    block = 65_536  # rows at a time: the temporaries stay small for a million rows
    buffer = np.empty((min(max(rows, 1), block), 2 * k), order="F")
    both = np.zeros((2 * k, 2 * k))
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        part = buffer[: stop - start]
        float_block(columns, start, stop, part[:, :k], minus=centre, missing=0.0)
        present = part[:, k:]
        present[:] = 1.0
        for j, mask in enumerate(columns.missing):
            if mask is not None:
                np.copyto(present[:, j], 0.0, where=mask[start:stop])
        both += crossproduct(part)
    sxy, sx, n = both[:k, :k], both[:k, k:], both[k:, k:]
    # sx[j, l]: sum of z_j over the rows where column l is present
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * sx.T / n) / (n - 1)
    cov[n < 2] = np.nan
    return cov


def alpha_from_cov(cov: np.ndarray) -> float:
    r"""Cronbach's alpha from an item covariance matrix.

    .. math::

        \alpha = \frac{k}{k - 1} \left(1 - \frac{\operatorname{tr} C}{\sum_{jl} C_{jl}}\right)

    with ``C`` the ``k x k`` item covariance (or correlation) matrix; NaN with
    fewer than two items or a non-positive total variance.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika*, 16(3), 297-334.

    Examples
    --------
    Four items correlating 0.49 (loadings 0.7 on one factor):

    >>> c = np.full((4, 4), 0.49)
    >>> np.fill_diagonal(c, 1.0)
    >>> round(alpha_from_cov(c), 6)
    0.793522
    """
    k = cov.shape[0]
    total = cov.sum()
    if k < 2 or not np.isfinite(total) or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    r"""Feldt (1965; Feldt et al., 1987) confidence interval of coefficient alpha.

    .. math::

        \left[1 - (1 - \alpha) F_{1 - t}(n - 1, (n - 1)(k - 1)),\;
        1 - (1 - \alpha) F_{t}(n - 1, (n - 1)(k - 1))\right], \quad t = (1 - \text{level}) / 2

    with ``F_q`` the F quantiles; this is the interval reported by pingouin and
    R ``psych::alpha``.

    References
    ----------
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference
    for coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.

    Examples
    --------
    pingouin's ``cronbach_wide_missing`` data (n = 12, k = 11, alpha 0.7327): R
    ``psych::alpha`` reports the interval [0.435, 0.909]:

    >>> [round(v, 3) for v in feldt_ci(0.732661, 12, 11)]
    [0.435, 0.909]
    """
    if not np.isfinite(alpha) or n < 2 or k < 2:
        return (float("nan"), float("nan"))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    lower = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return (float(lower), float(upper))


def one_factor_ml(corr: np.ndarray) -> np.ndarray:
    """Standardised loadings of a one-factor model fitted by maximum likelihood.

    Minimises the ML discrepancy ``log|Sigma| + tr(R Sigma^-1)`` over the
    uniquenesses, with the loadings for given uniquenesses taken from the
    leading eigenvector of ``Psi^-1/2 R Psi^-1/2`` (Jöreskog, 1967), the same
    estimator as ``factanal`` in R and ``sklearn.decomposition.FactorAnalysis``.
    The sign is chosen so that the loadings sum to a positive number.
    """
    p = corr.shape[0]

    def loadings(psi: np.ndarray) -> np.ndarray:
        s = 1 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(corr * np.outer(s, s))
        lam = max(vals[-1] - 1.0, 0.0)
        return np.sqrt(psi) * vecs[:, -1] * np.sqrt(lam)

    def objective(psi: np.ndarray) -> float:
        s = 1 / np.sqrt(psi)
        vals = np.linalg.eigvalsh(corr * np.outer(s, s))
        e = np.maximum(vals[:-1], 1e-12)  # all but the largest (one factor)
        return float(np.sum(np.log(e) - e) - (p - 1))

    start = np.clip((1 - 0.5 / np.diag(np.linalg.pinv(corr))), 0.005, 0.995)
    start = 1 - start
    res = optimize.minimize(
        lambda v: -objective(v),
        start,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * p,
        options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 1000},
    )
    lam = loadings(res.x)
    return lam if lam.sum() >= 0 else -lam


def _nearest_correlation(corr: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Clip non-positive eigenvalues (pairwise-deleted matrices can be indefinite)."""
    vals, vecs = np.linalg.eigh(corr)
    if vals.min() > floor:
        return corr
    fixed = (vecs * np.maximum(vals, floor)) @ vecs.T
    d = 1 / np.sqrt(np.diag(fixed))
    return fixed * np.outer(d, d)


def omega_total(corr: np.ndarray) -> tuple[float, np.ndarray]:
    r"""McDonald's omega total from a one-factor model of the item correlations.

    ``omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))`` with standardised loadings
    ``l`` (McDonald, 1999, eq. 6.20b); returns (omega, loadings). The loadings
    come from :func:`one_factor_ml`; NaN with fewer than three items.

    .. math::

        \omega_t = \frac{S^2}{S^2 + \sum_j (1 - \lambda_j^2)}, \quad S = \sum_j \lambda_j

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.

    Examples
    --------
    For four items with population loadings 0.7 (correlations 0.49) the model is
    recovered exactly and ``omega = 2.8^2 / (2.8^2 + 4 (1 - 0.49)) = 0.7935``,
    equal to alpha for tau-equivalent items:

    >>> c = np.full((4, 4), 0.49)
    >>> np.fill_diagonal(c, 1.0)
    >>> omega, loadings = omega_total(c)
    >>> round(omega, 4), loadings.round(4).tolist()
    (0.7935, [0.7, 0.7, 0.7, 0.7])
    """
    if corr.shape[0] < 3 or not np.isfinite(corr).all():
        return float("nan"), np.full(corr.shape[0], np.nan)
    corr = _nearest_correlation(corr)
    try:
        lam = one_factor_ml(corr)
    except np.linalg.LinAlgError:
        return float("nan"), np.full(corr.shape[0], np.nan)
    s = lam.sum() ** 2
    return float(s / (s + np.sum(1 - lam**2))), lam


def scale_reliability(
    items: pd.DataFrame,
    construct: str = "scale",
    *,
    nan_policy: NanPolicy = "pairwise",
    ci: float = 0.95,
) -> ScaleReliability:
    """Reliability statistics for one scale.

    Parameters
    ----------
    items
        One column per item (already reverse-coded), one row per respondent.
    construct
        Name of the scale, for the report.
    nan_policy
        ``"pairwise"`` (default, as R ``psych::alpha``) uses pairwise-complete
        covariances; ``"listwise"`` keeps complete rows only.
    ci
        Confidence level of the Feldt interval.

    Returns
    -------
    ScaleReliability
        Alpha (:func:`alpha_from_cov`) with its Feldt interval (:func:`feldt_ci`),
        omega total (:func:`omega_total`) and, per item, the corrected item-total
        correlation ``r_drop = cov(x_j, X_-j) / sqrt(var(x_j) var(X_-j))``
        (``X_-j`` the sum of the other items) and alpha if the item is deleted.

    References
    ----------
    Cronbach (1951); Feldt et al. (1987); McDonald (1999) (see the module).
    Revelle, W. (2024). *psych*, function ``alpha``. R package.

    Examples
    --------
    pingouin's ``cronbach_wide_missing`` data (12 respondents, 11 binary items,
    ``.`` = missing). pingouin's documentation quotes R
    ``psych::alpha(data, use = "pairwise")``: alpha 0.732661, 95% CI [0.435, 0.909]:

    >>> import numpy as np, pandas as pd
    >>> rows = ["11111111111", "11111111010", ".011.111100", "11101101100",
    ...         "11111000100", "01.01111000", "11110010000", "11111000000",
    ...         "01011000010", "10010100.00", "11100000000", "10010000000"]
    >>> df = pd.DataFrame([[np.nan if c == "." else int(c) for c in r] for r in rows])
    >>> res = scale_reliability(df)
    >>> round(res.alpha, 6), [round(v, 3) for v in res.alpha_ci], res.n, res.k
    (0.732661, [0.435, 0.909], 12, 11)
    """
    if items.shape[1] < 2:
        raise DataError(f"scale '{construct}' needs at least two items for reliability")
    cov, n, means = _covariance(items, nan_policy)
    k = cov.shape[0]
    a = alpha_from_cov(cov)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    omega, lam = omega_total(corr)
    r_drop, a_del = [], []
    for j in range(k):
        keep = np.arange(k) != j
        rest_var = cov[np.ix_(keep, keep)].sum()
        cov_j_rest = cov[j, keep].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            r_drop.append(float(cov_j_rest / np.sqrt(cov[j, j] * rest_var)))
        a_del.append(alpha_from_cov(cov[np.ix_(keep, keep)]) if k > 2 else float("nan"))
    table = pd.DataFrame(
        {
            "item": [str(c) for c in items.columns],
            "mean": means,
            "sd": sd,
            "loading": lam,
            "r_drop": r_drop,
            "alpha_if_deleted": a_del,
        }
    )
    return ScaleReliability(
        construct=construct,
        n=n,
        k=k,
        alpha=a,
        alpha_ci=feldt_ci(a, n, k, ci),
        omega=omega,
        items=table,
    )


def reliability(
    scales: dict[str, pd.DataFrame], *, nan_policy: NanPolicy = "pairwise", ci: float = 0.95
) -> ReliabilityReport:
    """Reliability of several scales: ``{construct: items frame}``.

    Scales with fewer than two items are left out. See :func:`scale_reliability`.

    Examples
    --------
    Item variances 2.5, 2.3 and 1.5, variance of the sum 17.3, so
    ``alpha = 3/2 (1 - 6.3 / 17.3) = 0.9538``; a one-item scale is left out:

    >>> import pandas as pd
    >>> c = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> rep = reliability({"scale": c, "single": c[["a"]]})
    >>> [s.construct for s in rep.scales], round(rep.scales[0].alpha, 4)
    (['scale'], 0.9538)
    """
    wanted = [(name, df) for name, df in scales.items() if df.shape[1] >= 2]

    def one(scale: tuple[str, pd.DataFrame]) -> ScaleReliability:
        return scale_reliability(scale[1], scale[0], nan_policy=nan_policy, ci=ci)

    # each scale is a pass over its own columns: the scales run side by side
    return ReliabilityReport(tuple(map_in_threads(one, wanted)))
