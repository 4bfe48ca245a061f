"""Fixed-effects panel regressions with cluster-robust errors in the fixest/reghdfe convention.

The fit is :func:`pyfixest.feols` (alternating-projections demeaning, Gaure
2013); this module checks the panel, logs every excluded row, refuses terms the
fixed effects absorb, and reports the result as an
:class:`~smekit.analysis.estimates.Estimates` so that
:func:`smekit.analysis.tables.regression_table` renders it like every other model.

Model and inference
-------------------
``y_it = x_it' b + a_i + g_t + e_it`` (``fe="twoways"``; ``"unit"`` keeps ``a_i``,
``"time"`` keeps ``g_t``, ``"none"`` fits pooled OLS with an intercept).
Clustered covariance (CRV1, Liang & Zeger 1986; Cameron & Miller 2015, eq. 11):

.. math::

    \\hat V = \\frac{G}{G - 1} \\frac{N - 1}{N - K} (\\ddot X'\\ddot X)^{-1}
    \\Big(\\sum_g \\ddot X_g' \\hat e_g \\hat e_g' \\ddot X_g\\Big) (\\ddot X'\\ddot X)^{-1}

with ``K`` the slopes plus the levels of every fixed effect *not nested* in the
cluster variable (fixest ``ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE)``;
reghdfe's default), and ``t`` statistics referred to ``t(G - 1)``. Classical
errors use ``s^2 = e'e / (N - k - k_FE)`` and ``t(N - k - k_FE)``.

linearmodels' ``PanelOLS(cov_type="clustered")`` scales the same cluster meat
differently (it counts the absorbed effects in its degrees-of-freedom
correction where fixest drops those nested in the clusters), so its clustered
SEs differ from fixest's and reghdfe's: on the demo's 30 provinces x 10 years
with province and year effects they are 4.2 % larger (linearmodels 7.1,
``tests/analysis/panel/test_panel_fe.py``); on Grunfeld's 11 firms x 20 years,
where the 20 year effects weigh more, 2.4 % smaller. smekit follows
fixest/reghdfe, the convention of the applied literature it reproduces.

Bad input
---------
* duplicated unit-period rows: :class:`~smekit.core.errors.DataError` naming them;
* unbalanced panels: used as they are (the within transformation needs no
  balance); ``n_periods`` and ``balanced`` are reported;
* rows with a missing value in any model column: excluded and logged;
* singleton fixed-effect groups (a unit or period with one observation): dropped
  iteratively as reghdfe does (Correia 2015: they carry no information on the
  slopes but shrink the SEs) and logged;
* a regressor the fixed effects absorb (time-invariant with unit effects,
  unit-invariant with time effects): :class:`~smekit.core.errors.ModelError`
  naming it, never a silently dropped term.

References
----------
Bergé, L. (2018). Efficient estimation of maximum likelihood models with
multiple fixed-effects: the R package FENmlm. *CREA Discussion Papers* (fixest).
Correia, S. (2015). Singletons, cluster-robust standard errors and fixed
effects: a bad mix. Technical note; and reghdfe (Stata module S457874).
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.
Gaure, S. (2013). OLS with multiple high dimensional category variables.
*Computational Statistics & Data Analysis*, 66, 8-18.
Grunfeld, Y. (1958). *The determinants of corporate investment*. PhD thesis,
University of Chicago (reference data of the tests).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from smekit.analysis.estimates import Estimates
from smekit.analysis.panel_prep import check_panel, panel_shape
from smekit.core.errors import DataError, ModelError

__all__ = ["FE_CHOICES", "PanelFit", "fe_columns", "fit_panel", "parse_formula"]

FE_CHOICES = ("twoways", "unit", "time", "none")
FE = Literal["twoways", "unit", "time", "none"]
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def parse_formula(formula: str, frame: pd.DataFrame | None = None) -> tuple[str, list[str]]:
    """Split ``"y ~ x1 + x2"`` into the outcome and the regressors (plain column names).

    Examples
    --------
    >>> parse_formula("y ~ x1 + L1_x2")
    ('y', ['x1', 'L1_x2'])
    """
    if formula.count("~") != 1:
        raise ModelError(f"formula {formula!r}: write it as 'y ~ x1 + x2'")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    terms = [t.strip() for t in rhs.split("+") if t.strip()]
    if not lhs or not terms:
        raise ModelError(f"formula {formula!r}: needs an outcome and at least one regressor")
    for t in [lhs, *terms]:
        if not _NAME.match(t):
            raise ModelError(
                f"formula {formula!r}: term {t!r} is not a column name",
                fix="build transformed columns first (logs and lags: smekit.analysis.panel_prep)",
            )
        if frame is not None and t not in frame.columns:
            raise DataError(f"formula {formula!r}: column {t!r} not found")
    if len(set(terms)) != len(terms) or lhs in terms:
        raise ModelError(f"formula {formula!r}: a column appears twice")
    return lhs, terms


@dataclass(frozen=True)
class PanelFit:
    """A fixed-effects panel regression.

    Attributes
    ----------
    formula, unit, time, fe, cluster
        The specification.
    clustered
        Estimates with CRV1 errors and ``t(G - 1)`` (None without ``cluster``).
    classical
        Estimates with classical errors and ``t(N - k - k_FE)``.
    nobs, n_units, n_periods, n_clusters, balanced
        Sample actually used.
    df_resid
        ``N - k - k_FE`` (residual df of the classical errors).
    r2, r2_within
        R-squared of the full model and of the within (demeaned) model.
    excluded
        Rows not used: ``row`` (0-based position in the input), ``unit``,
        ``time``, ``reason``.
    cov
        Covariance matrix of :attr:`estimates` (clustered when clustered).
    """

    formula: str
    unit: str
    time: str
    fe: str
    cluster: str | None
    classical: Estimates
    clustered: Estimates | None
    nobs: int
    n_units: int
    n_periods: int
    n_clusters: int | None
    balanced: bool
    df_resid: int
    r2: float
    r2_within: float
    excluded: pd.DataFrame = field(repr=False)
    cov: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def estimates(self) -> Estimates:
        """Clustered estimates when a cluster was given, else classical."""
        return self.clustered if self.clustered is not None else self.classical

    def to_frame(self) -> pd.DataFrame:
        return self.estimates.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """JSON keys of ``smekit panel`` (README)."""
        est = self.estimates.to_dict()
        return {
            "formula": self.formula,
            "fe": self.fe,
            "cluster": self.cluster,
            "n": self.nobs,
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "balanced": self.balanced,
            "params": est["params"],
            "bse": est["bse"],
            "bse_classical": self.classical.to_dict()["bse"],
            "pvalues": est["pvalues"],
            "conf_int": est["conf_int"],
            "df": est["df"],
            "df_resid": self.df_resid,
            "n_clusters": self.n_clusters,
            "r2": self.r2,
            "r2_within": self.r2_within,
            "n_excluded": len(self.excluded),
        }


@contextmanager
def _ordered_fixed_effects() -> Iterator[None]:
    """Make pyfixest visit the fixed effects in formula order.

    pyfixest 0.60 collects the fixed effects of a formula in a ``set``
    (``estimation.formula.utils._encode_fixed_effects``), so with two or more
    effects the order of the alternating projections, and with it the last bits
    of the estimates (about 1e-15 relative), depends on Python's hash seed and
    changes between runs. This wrapper keeps pyfixest's encoding and returns the
    effects in the order written, so a rerun gives byte-identical numbers.
    """
    try:
        from pyfixest.estimation.formula import model_matrix
    except ImportError:  # a pyfixest without this module: nothing to fix
        yield
        return
    original = getattr(model_matrix, "_encode_fixed_effects", None)
    if original is None:
        yield
        return

    def ordered(fixed_effects: str, data: pd.DataFrame) -> str:
        original(fixed_effects, data)  # interacted effects are encoded into data here
        fes = dict.fromkeys(re.split(r"\s*\+\s*", fixed_effects))
        terms = (f"__fixed_effect__({fe.replace('^', '_')})" for fe in fes)
        return f"{' + '.join(terms)} - 1"

    model_matrix._encode_fixed_effects = ordered
    try:
        yield
    finally:
        model_matrix._encode_fixed_effects = original


def _fe_part(fe: str, unit: str, time: str) -> str:
    return {"twoways": f"{unit} + {time}", "unit": unit, "time": time, "none": ""}[fe]


def _absorbed_message(term: str, data: pd.DataFrame, fe: str, unit: str, time: str) -> str:
    for col, name in ((unit, "unit"), (time, "time")):
        if fe in (name, "twoways") and (data.groupby(col)[term].nunique() <= 1).all():
            other = "period" if name == "unit" else "unit"
            return (
                f"regressor {term!r} does not vary within {col} (constant in every {name}), so "
                f"the {name} fixed effects absorb it; interact it with a {other}-varying "
                "variable or drop it"
            )
    return f"regressor {term!r} is collinear with the fixed effects and the other regressors"


def fit_panel(
    frame: pd.DataFrame,
    formula: str,
    unit: str,
    time: str,
    *,
    fe: FE = "twoways",
    cluster: str | None = None,
    alpha: float = 0.05,
    source: str | None = None,
) -> PanelFit:
    """Fit a (two-way) fixed-effects regression with classical and cluster-robust errors.

    Parameters
    ----------
    frame
        Long panel, one row per unit and period.
    formula
        ``"y ~ x1 + x2"`` with plain column names.
    unit, time
        Panel identifiers.
    fe
        ``"twoways"`` (unit and time effects), ``"unit"``, ``"time"`` or ``"none"``.
    cluster
        Cluster column (usually ``unit``), or None for classical errors only.
    alpha
        Level of the reported confidence intervals.
    source
        File name used in error messages.

    Returns
    -------
    PanelFit

    Examples
    --------
    Grunfeld's investment equation with firm and year effects, clustered by
    firm (R: plm within twoways + the fixest small-sample factor; see
    ``tests/analysis/reference/panel/panel_fe.R``):

    >>> import statsmodels.api as sm
    >>> d = sm.datasets.grunfeld.load_pandas().data
    >>> fit = fit_panel(d, "invest ~ value + capital", "firm", "year", cluster="firm")
    >>> fit.estimates.params.round(4).tolist(), fit.estimates.bse.round(4).tolist()
    ([0.1167, 0.3514], [0.0115, 0.0479])
    >>> fit.n_clusters, fit.estimates.df, fit.df_resid
    (11, 10.0, 188)
    """
    if fe not in FE_CHOICES:
        raise ModelError(f"fe must be one of {FE_CHOICES}, got {fe!r}")
    y, xs = parse_formula(formula, frame)
    check_panel(frame, unit, time, source=source)
    for c in [unit, time] + ([cluster] if cluster else []):
        if c in (y, *xs):
            raise ModelError(f"{c!r} is both an identifier and a model term")
    if cluster is not None and cluster not in frame.columns:
        raise DataError(f"cluster column {cluster!r} not found", where=source)
    for c in (y, *xs):
        if not pd.api.types.is_numeric_dtype(frame[c]):
            raise DataError(f"model column {c!r} is not numeric ({frame[c].dtype})", where=source)
    ids = list(dict.fromkeys([unit, time] + ([cluster] if cluster else [])))
    cols = [*ids, y, *xs]
    data = frame[cols].reset_index(drop=True)
    miss = data[[y, *xs]].isna().to_numpy()
    keep = ~miss.any(axis=1)
    excluded = []
    if not keep.all():
        names = np.array([y, *xs])
        for r in np.flatnonzero(~keep):
            excluded.append(
                {
                    "row": int(r),
                    "unit": data.at[r, unit],
                    "time": data.at[r, time],
                    "reason": "missing " + ", ".join(repr(str(c)) for c in names[miss[r]]),
                }
            )
        data = data.loc[keep].reset_index(drop=True)
        rows = np.flatnonzero(keep)
    else:
        rows = np.arange(len(data))
    if cluster is not None and data[cluster].isna().any():
        raise DataError(f"cluster column {cluster!r} has missing values", where=source)
    import pyfixest as pf

    fml = f"{y} ~ {' + '.join(xs)}"
    if fe != "none":
        fml += f" | {_fe_part(fe, unit, time)}"
    vcov: Any = {"CRV1": cluster} if cluster else "iid"
    with warnings.catch_warnings(), _ordered_fixed_effects():
        warnings.simplefilter("ignore")
        try:
            m = pf.feols(
                fml, data=data, vcov=vcov, fixef_rm="singleton", copy_data=False, lean=True
            )
        except ValueError as exc:
            raise ModelError(f"cannot fit {formula!r} with {fe} effects: {exc}") from None
    absorbed = list(getattr(m, "_collin_vars", []) or [])
    if absorbed:
        raise ModelError(_absorbed_message(absorbed[0], data, fe, unit, time), where=source)
    dropped = sorted(getattr(m, "_na_index", frozenset()) or ())
    for r in dropped:
        excluded.append(
            {
                "row": int(rows[r]),
                "unit": data.at[r, unit],
                "time": data.at[r, time],
                "reason": "singleton fixed-effect group",
            }
        )
    used = data.drop(index=dropped) if dropped else data
    shape = panel_shape(used, unit, time)
    names = list(m._coefnames)
    params = pd.Series(np.asarray(m._beta_hat), index=names)
    n = int(m._N)
    footer: dict[str, Any] = {
        "R² within": float(m._r2_within) if fe != "none" else float(m._r2),
        "Unit FE": "Yes" if fe in ("twoways", "unit") else "No",
        "Time FE": "Yes" if fe in ("twoways", "time") else "No",
    }
    clustered = None
    n_clusters = None
    cov = pd.DataFrame(np.asarray(m._vcov), index=names, columns=names)
    if fe == "none":
        k_fe = 0
    else:  # levels of the effects less the redundant ones (one per extra effect)
        k_fe = int(np.sum(m._k_fe)) - (len(m._k_fe) - 1)
    df_resid = n - len(names) - k_fe
    if df_resid <= 0:
        raise ModelError(f"no residual degrees of freedom ({n} rows)", where=source)
    if cluster:
        n_clusters = int(np.min(m._G))
        clustered = Estimates(
            params,
            pd.Series(np.sqrt(np.diag(m._vcov)), index=names),
            "t",
            n_clusters - 1,
            cov_type="cluster",
            nobs=n,
            stats={**footer, "Clusters": n_clusters},
            alpha=alpha,
        )
        # classical: s^2 (X'X)^-1 with s^2 = e'e / (N - k - k_FE); pyfixest's rmse^2 = e'e / N
        v_classical = float(m._rmse) ** 2 * n / df_resid * np.asarray(m._bread)
    else:
        v_classical = np.asarray(m._vcov)
    classical = Estimates(
        params,
        pd.Series(np.sqrt(np.diag(v_classical)), index=names),
        "t",
        df_resid,
        cov_type="classical",
        nobs=n,
        stats=footer,
        alpha=alpha,
    )
    return PanelFit(
        formula=formula,
        unit=unit,
        time=time,
        fe=fe,
        cluster=cluster,
        classical=classical,
        clustered=clustered,
        nobs=n,
        n_units=shape.n_units,
        n_periods=shape.n_periods,
        n_clusters=n_clusters,
        balanced=shape.balanced,
        df_resid=df_resid,
        r2=float(m._r2),
        r2_within=float(m._r2_within) if fe != "none" else float("nan"),
        excluded=pd.DataFrame(excluded, columns=["row", "unit", "time", "reason"]),
        cov=cov,
    )


def fe_columns(
    frame: pd.DataFrame,
    outcome: str,
    regressor: str,
    controls: Sequence[str],
    unit: str,
    time: str,
    *,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> dict[str, PanelFit]:
    """The four baseline columns of an S2-type table.

    1. ``outcome ~ regressor`` with unit and time effects (no controls);
    2. with the controls and time effects only;
    3. with the controls and unit effects only;
    4. with the controls and both effects (the preferred model).

    Returns a mapping ``"(1)"`` ... ``"(4)"`` to :class:`PanelFit`, ready for
    :func:`smekit.analysis.tables.regression_table`.

    Examples
    --------
    >>> import statsmodels.api as sm
    >>> d = sm.datasets.grunfeld.load_pandas().data
    >>> cols = fe_columns(d, "invest", "value", ["capital"], "firm", "year", cluster="firm")
    >>> [f.fe for f in cols.values()]
    ['twoways', 'time', 'unit', 'twoways']
    """
    rhs = " + ".join([regressor, *controls])
    specs = [
        ("(1)", f"{outcome} ~ {regressor}", "twoways"),
        ("(2)", f"{outcome} ~ {rhs}", "time"),
        ("(3)", f"{outcome} ~ {rhs}", "unit"),
        ("(4)", f"{outcome} ~ {rhs}", "twoways"),
    ]
    out = {}
    for name, fml, fe in specs:
        fit = fit_panel(frame, fml, unit, time, fe=fe, cluster=cluster, alpha=alpha)
        est = fit.estimates.with_stats(Controls="Yes" if controls and name != "(1)" else "No")
        out[name] = _replace_estimates(fit, est)
    return out


def _replace_estimates(fit: PanelFit, est: Estimates) -> PanelFit:
    from dataclasses import replace

    if fit.clustered is not None:
        return replace(fit, clustered=est)
    return replace(fit, classical=est)
