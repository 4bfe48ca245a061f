"""Moderation: interaction models, their joint F test, and simple slopes.

:func:`interaction_model` adds pairwise products of chosen predictors to a
linear model (``x1:x2`` in formula notation), mean-centred on the estimation
sample by default (Aiken & West 1991), fits the main-effects and the
interaction model on the same rows, and tests the product terms jointly with
the nested-model F test of R's ``anova(m0, m1)``
(:func:`smekit.analysis.nested_f.nested_f_test`). :func:`simple_slopes` gives
the slope of one predictor at chosen values of a moderator with its standard
error from the coefficient covariance.

Both models come from one blocked Householder QR of ``[1 | X | products | y]``
(:mod:`smekit.analysis.lstsq`, through :mod:`smekit.analysis.linear_fit`): the
product columns are generated one row block at a time and never stored, so
with 8 predictors and all 28 pairs a 1,000,000-row model needs a few MB of
working memory beyond the design, not the 300 MB an explicit interaction
matrix would take; the main-effects model is the leading part of the same
factor.

References
----------
Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and
Interpreting Interactions*. Sage.
Chambers, J. M., & Hastie, T. J. (1992). *Statistical Models in S*, chapter 4
(``anova`` for nested linear models). Wadsworth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.design import INTERCEPT, Design, build_design, require_finite
from smekit.analysis.estimates import Estimates
from smekit.analysis.linear_fit import LinearFit, factor_blocks, fit_factor, leading_factor
from smekit.analysis.nested_f import FTest, nested_f_test
from smekit.core.errors import ModelError

_BLOCK = 8_192


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class InteractionResult:
    """Main-effects and interaction models fitted on the same rows.

    Attributes
    ----------
    outcome
        Response variable.
    predictors, controls
        Predictors (possibly centred) and control terms as given.
    pairs
        Predictor pairs whose products were added.
    products
        Names of the product terms, ``"x1:x2"``.
    centered
        Whether predictors were mean-centred before forming products.
    means, sds
        Estimation-sample mean and standard deviation (``ddof=1``) of each
        predictor, in its original units.
    n, n_dropped
        Rows used, and rows dropped by listwise deletion.
    main, interaction
        Coefficient tables (``term, coef, se, t, p, ci_low, ci_high``).
    main_fit, interaction_fit
        Fit statistics: ``rsquared, adj_rsquared, ssr, df_resid, sigma``.
    f_test
        Joint F test of the product terms (R ``anova(m0, m1)``).
    cov
        Coefficient covariance matrix of the interaction model.
    alpha
        Level of the confidence intervals is ``1 - alpha``.
    """

    outcome: str
    predictors: tuple[str, ...]
    controls: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    products: tuple[str, ...]
    centered: bool
    means: dict[str, float]
    sds: dict[str, float]
    n: int
    n_dropped: int
    main: pd.DataFrame
    interaction: pd.DataFrame
    main_fit: dict[str, float]
    interaction_fit: dict[str, float]
    f_test: FTest
    cov: pd.DataFrame = field(repr=False)
    alpha: float = 0.05

    def estimates(self, model: str = "interaction") -> Estimates:
        """Coefficients of the ``"interaction"`` (default) or ``"main"`` model, t on its df."""
        if model not in ("interaction", "main"):
            raise ModelError(f"model must be 'interaction' or 'main', got {model!r}")
        table = self.interaction if model == "interaction" else self.main
        fit = self.interaction_fit if model == "interaction" else self.main_fit
        terms = table["term"].astype(str).to_numpy()
        return Estimates(
            pd.Series(table["coef"].to_numpy(), index=terms),
            pd.Series(table["se"].to_numpy(), index=terms),
            "t",
            fit["df_resid"],
            nobs=self.n,
            stats={"R²": fit["rsquared"], "Adj. R²": fit["adj_rsquared"]},
            alpha=self.alpha,
        )

    @property
    def delta_rsquared(self) -> float:
        """Increase in R-squared from adding the product terms."""
        return self.interaction_fit["rsquared"] - self.main_fit["rsquared"]

    def to_frame(self) -> pd.DataFrame:
        """Both coefficient tables stacked, with a ``model`` column."""
        return pd.concat(
            [self.main.assign(model="main"), self.interaction.assign(model="interaction")],
            ignore_index=True,
        )[["model", "term", "coef", "se", "t", "p", "ci_low", "ci_high"]]

    def to_dict(self) -> dict:
        def model(table: pd.DataFrame, fit: dict[str, float]) -> dict:
            terms = table["term"].astype(str)
            return {
                "params": dict(zip(terms, table["coef"].astype(float), strict=True)),
                "bse": dict(zip(terms, table["se"].astype(float), strict=True)),
                "pvalues": dict(zip(terms, table["p"].astype(float), strict=True)),
                **{k: float(v) for k, v in fit.items()},
            }

        return {
            "n": int(self.n),
            "centered": bool(self.centered),
            "products": list(self.products),
            "means": {k: float(v) for k, v in self.means.items()},
            "main": model(self.main, self.main_fit),
            "interaction": model(self.interaction, self.interaction_fit),
            "f_test": self.f_test.to_dict(),
            "delta_rsquared": float(self.delta_rsquared),
        }


@dataclass(frozen=True)
class SimpleSlopes:
    """Slopes of a focal predictor at values of a moderator.

    Attributes
    ----------
    focal, moderator
        Predictor names.
    table
        One row per moderator value: ``label, moderator_value`` (original
        units), ``slope, se, t, p, ci_low, ci_high``.
    df
        Residual degrees of freedom of the t tests.
    """

    focal: str
    moderator: str
    table: pd.DataFrame
    df: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        return {
            "focal": self.focal,
            "moderator": self.moderator,
            "df": int(self.df),
            "slopes": [
                {k: (v if isinstance(v, str) else float(v)) for k, v in row.items()}
                for row in self.table.to_dict(orient="records")
            ],
        }


# --------------------------------------------------------------------------- fitting


def _product_name(a: str, b: str) -> str:
    return f"{a}:{b}"


def _resolve_pairs(
    predictors: Sequence[str], pairs: Iterable[Sequence[str]] | None
) -> list[tuple[str, str]]:
    if pairs is None:
        out = list(combinations(predictors, 2))
    else:
        out = []
        for pair in pairs:
            pair = tuple(pair)
            if len(pair) != 2:
                raise ModelError(f"interaction pair {pair!r} must name exactly two predictors")
            a, b = pair
            for v in (a, b):
                if v not in predictors:
                    raise ModelError(
                        f"interaction pair ({a!r}, {b!r}) names '{v}', which is not a predictor",
                        fix=f"predictors are {list(predictors)}",
                    )
            if a == b:
                raise ModelError(
                    f"interaction pair ({a!r}, {b!r}) repeats one predictor",
                    fix="a quadratic term is not an interaction; add it to the formula instead",
                )
            if (a, b) not in out and (b, a) not in out:
                out.append((a, b))
    if not out:
        raise ModelError(
            "no interaction pairs: give at least two predictors",
            fix="pass predictors=['x1', 'x2', ...] or pairs=[('x1', 'x2')]",
        )
    return out


@dataclass(frozen=True)
class _Columns:
    """How to build blocks of the interaction-model columns from ``design.X``."""

    X: np.ndarray
    shift: np.ndarray
    left: np.ndarray
    right: np.ndarray
    keep: np.ndarray  # non-intercept columns of [X, products], in output order

    def block(self, i: int) -> np.ndarray:
        U = self.X[i : i + _BLOCK] - self.shift
        P = U[:, self.left] * U[:, self.right]
        return np.hstack([U, P])[:, self.keep]


def interaction_model(
    data: pd.DataFrame | Design,
    outcome: str,
    predictors: Sequence[str],
    pairs: Iterable[Sequence[str]] | None = None,
    controls: Sequence[str] = (),
    center: bool = True,
    id_column: str | None = None,
    *,
    alpha: float = 0.05,
    source: str = "data",
) -> InteractionResult:
    """Main-effects and pairwise-interaction models and the joint test of the products.

    The interaction model is
    ``y = b0 + sum_j b_j x_j + sum_{(a,b)} b_ab x_a x_b + controls + e``
    with ``x_j`` centred on their estimation-sample means when ``center`` is
    true (Aiken & West 1991: main effects are then slopes at the mean of the
    other predictors, and the products are less collinear with them). The
    main-effects model drops the products; both are fitted by OLS on the same
    rows (listwise deletion over outcome, predictors and controls), and the
    products are tested jointly with the nested F test of R's
    ``anova(lm(y ~ x1 + x2), lm(y ~ x1 * x2))``.

    Parameters
    ----------
    data
        Tidy data, one row per case; or a prepared
        :class:`~smekit.analysis.design.Design` (e.g. the suite's main-effects
        design, so it is built once), whose columns other than ``predictors``
        then act as controls.
    outcome
        Response column.
    predictors
        Numeric predictor columns.
    pairs
        Predictor pairs to interact; all pairs of ``predictors`` by default.
    controls
        Further formula terms (e.g. ``"firm_age"``, ``"C(sector)"``), not
        centred and not interacted.
    center
        Mean-centre the predictors before forming products.
    id_column
        Case identifier, used in the listwise-deletion log.
    alpha
        Confidence intervals are ``1 - alpha``.
    source
        Name of the data, used in messages.

    Returns
    -------
    InteractionResult

    References
    ----------
    Aiken & West (1991), chapters 2-3; Chambers & Hastie (1992).

    Examples
    --------
    >>> import pingouin as pg
    >>> tips = pg.read_dataset("tips")
    >>> res = interaction_model(tips, "tip", ["total_bill", "size"])
    >>> res.products
    ('total_bill:size',)
    """
    predictors = list(dict.fromkeys(predictors))
    controls = list(controls)
    if not 0 < alpha < 1:
        raise ModelError(f"alpha must be between 0 and 1, got {alpha!r}")
    pair_list = _resolve_pairs(predictors, pairs)
    if isinstance(data, Design):
        design = data
        if outcome != design.outcome:
            raise ModelError(
                f"outcome '{outcome}' differs from the design's outcome '{design.outcome}'"
            )
        if controls:
            raise ModelError(
                "controls cannot be added to a prepared design",
                fix="every design column other than the predictors is already a control",
            )
        controls = [nm for nm in design.names if nm != INTERCEPT and nm not in set(predictors)]
    else:
        formula = f"{outcome} ~ " + " + ".join(predictors + controls)
        design = build_design(data, formula, id_column, source=source)
    require_finite(design)
    names = list(design.names)
    for v in predictors:
        if v not in names:
            raise ModelError(
                f"predictor '{v}' must be a numeric column to be interacted",
                where=source,
                fix="recode it to numbers, or move it to controls",
            )
    products = [_product_name(a, b) for a, b in pair_list]
    clash = [p for p in products if p in names]
    if clash:
        raise ModelError(
            f"term(s) {clash} are already in the model",
            where=source,
            fix="remove them from controls; interaction_model adds products itself",
        )
    X, y, n = design.X, design.y, design.n
    col = {name: j for j, name in enumerate(names)}
    pred_idx = np.array([col[v] for v in predictors])
    means = np.array([X[:, j].mean() for j in pred_idx])
    shift = np.zeros(design.k)
    if center:
        shift[pred_idx] = means
    intercept = INTERCEPT in names
    all_names = names + products
    keep = np.array([j for j, nm in enumerate(all_names) if nm != INTERCEPT])
    kept_names = [all_names[j] for j in keep]
    cols = _Columns(
        X=X,
        shift=shift,
        left=np.array([col[a] for a, _ in pair_list]),
        right=np.array([col[b] for _, b in pair_list]),
        keep=keep,
    )
    p_full = len(all_names)
    if n <= p_full:
        raise ModelError(
            f"{n} complete rows but {p_full} parameters in the interaction model",
            where=source,
            fix="interact fewer pairs or supply more data",
        )

    def blocks():
        for i in range(0, n, _BLOCK):
            yield cols.block(i), y[i : i + _BLOCK]

    r_aug, _ = factor_blocks(blocks, intercept)
    out_names = ([INTERCEPT] if intercept else []) + kept_names
    full = fit_factor(r_aug, n, out_names, intercept, alpha=alpha)
    main = fit_factor(
        leading_factor(r_aug, design.k), n, out_names[: design.k], intercept, alpha=alpha
    )
    sds = np.array([X[:, j].std(ddof=1) for j in pred_idx])
    fits = [full.stats(), main.stats()]
    tables = [full.table, main.table]
    covs = [full.cov, main.cov]
    f_test = nested_f_test(
        fits[1]["ssr"], int(fits[1]["df_resid"]), fits[0]["ssr"], int(fits[0]["df_resid"])
    )
    return InteractionResult(
        outcome=design.outcome,
        predictors=tuple(predictors),
        controls=tuple(controls),
        pairs=tuple(pair_list),
        products=tuple(products),
        centered=bool(center),
        means={v: float(mu) for v, mu in zip(predictors, means, strict=True)},
        sds={v: float(s) for v, s in zip(predictors, sds, strict=True)},
        n=n,
        n_dropped=design.n_dropped,
        main=tables[1],
        interaction=tables[0],
        main_fit=fits[1],
        interaction_fit=fits[0],
        f_test=f_test,
        cov=pd.DataFrame(covs[0], index=out_names, columns=out_names),
        alpha=alpha,
    )


# --------------------------------------------------------------------------- simple slopes


def simple_slopes(
    result: InteractionResult,
    focal: str,
    moderator: str,
    at: Sequence[float] | None = None,
    *,
    alpha: float | None = None,
) -> SimpleSlopes:
    """Slope of ``focal`` at values of ``moderator`` in a fitted interaction model.

    The simple slope at moderator value ``m`` is ``b_f + b_fm m`` with variance
    ``var(b_f) + m^2 var(b_fm) + 2 m cov(b_f, b_fm)`` (Aiken & West 1991,
    eq. 2.7), ``m`` in the units the model uses (centred when the model was
    centred). When ``focal`` also interacts with other predictors they are held
    at their sample means, and the variance is the general ``L' V L`` for the
    contrast ``L``. t tests use the interaction model's residual degrees of
    freedom, as R ``interactions::sim_slopes`` and ``emmeans::emtrends`` do for
    ``lm`` fits.

    Parameters
    ----------
    result
        From :func:`interaction_model`.
    focal
        Predictor whose slope is wanted.
    moderator
        Predictor it interacts with.
    at
        Moderator values in original units; default mean - 1 SD, mean,
        mean + 1 SD.
    alpha
        Confidence intervals are ``1 - alpha``; the model's ``alpha`` by default.

    Returns
    -------
    SimpleSlopes

    References
    ----------
    Aiken & West (1991), chapter 2.
    """
    for v in (focal, moderator):
        if v not in result.predictors:
            raise ModelError(
                f"'{v}' is not a predictor of this interaction model",
                fix=f"predictors are {list(result.predictors)}",
            )
    if focal == moderator:
        raise ModelError("focal predictor and moderator must differ")
    partner = {}
    for a, b in result.pairs:
        name = _product_name(a, b)
        if a == focal:
            partner[b] = name
        elif b == focal:
            partner[a] = name
    if moderator not in partner:
        raise ModelError(
            f"the model has no '{focal}' x '{moderator}' product",
            fix="add the pair to interaction_model(pairs=...)",
        )
    alpha = result.alpha if alpha is None else alpha
    if not 0 < alpha < 1:
        raise ModelError(f"alpha must be between 0 and 1, got {alpha!r}")
    mean, sd = result.means[moderator], result.sds[moderator]
    if at is None:
        values = np.array([mean - sd, mean, mean + sd])
        labels = ["mean - 1 SD", "mean", "mean + 1 SD"]
    else:
        values = np.asarray(list(at), dtype=np.float64)
        if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
            raise ModelError("'at' must be a non-empty list of finite moderator values")
        labels = [f"{v:g}" for v in values]

    def model_units(var: str, value: float) -> float:
        return value - result.means[var] if result.centered else value

    terms = list(result.cov.index)
    V = result.cov.to_numpy()
    coef = result.interaction.set_index("term")["coef"].reindex(terms).to_numpy()
    rows = []
    df = int(result.interaction_fit["df_resid"])
    q = stats.t.isf(alpha / 2, df)
    for label, value in zip(labels, values, strict=True):
        L = np.zeros(len(terms))
        L[terms.index(focal)] = 1.0
        for other, name in partner.items():
            level = value if other == moderator else result.means[other]
            L[terms.index(name)] = model_units(other, level)
        slope = float(L @ coef)
        se = float(np.sqrt(L @ V @ L))
        t = slope / se
        rows.append(
            {
                "label": label,
                "moderator_value": float(value),
                "slope": slope,
                "se": se,
                "t": t,
                "p": float(2.0 * stats.t.sf(abs(t), df)),
                "ci_low": slope - q * se,
                "ci_high": slope + q * se,
            }
        )
    return SimpleSlopes(focal=focal, moderator=moderator, table=pd.DataFrame(rows), df=df)


__all__ = [
    "FTest",
    "InteractionResult",
    "LinearFit",
    "SimpleSlopes",
    "interaction_model",
    "nested_f_test",
    "simple_slopes",
]
