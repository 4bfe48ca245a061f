"""Simple mediation: the three-step regressions, the Sobel test and bootstrap intervals.

For a predictor ``X``, mediator ``M`` and outcome ``Y`` (with optional
covariates in every model) the three steps of Baron & Kenny (1986) are

1. ``Y ~ X``: the total effect ``c``;
2. ``M ~ X``: the ``a`` path;
3. ``Y ~ X + M``: the ``b`` path and the direct effect ``c'``.

The indirect effect is ``a b`` (for OLS with the same covariates
``c = c' + a b`` exactly), tested by Sobel's (1982) first-order normal test and
by the nonparametric bootstrap with percentile and bias-corrected and
accelerated (BCa; Efron 1987) intervals. The bootstrap is vectorised: an
``(n_boot, n)`` matrix of resampling counts times the per-case products of the
centred columns gives every resample's cross-product matrix at once, and one
batched ``numpy.linalg.solve`` gives every resample's coefficients; no model is
refitted in a Python loop. The jackknife for the BCa acceleration downdates the
full-sample cross-products one case at a time, also in one batch.

References
----------
Baron, R. M., & Kenny, D. A. (1986). The moderator-mediator variable
distinction in social psychological research. *Journal of Personality and
Social Psychology*, 51(6), 1173-1182.
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in
structural equation models. *Sociological Methodology*, 13, 290-312.
Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82(397),
171-185.
MacKinnon, D. P., Krull, J. L., & Lockwood, C. M. (2000). Equivalence of the
mediation, confounding and suppression effect. *Prevention Science*, 1(4),
173-181.
Imai, K., Keele, L., & Tingley, D. (2010). A general approach to causal
mediation analysis. *Psychological Methods*, 15(4), 309-334 (R package
``mediation``: bootstrap p-values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from smekit.analysis.design import INTERCEPT, Design, build_design
from smekit.analysis.estimates import Estimates
from smekit.analysis.ols import OLSResult, fit_ols
from smekit.core.errors import ModelError

_EFFECTS = ("indirect", "direct", "total")
_CHUNK_CELLS = 4_000_000  # resampling counts held at once (32 MB)


@dataclass(frozen=True)
class MediationResult:
    """A simple mediation analysis.

    Attributes
    ----------
    x, m, y, covariates
        Variable names.
    n, n_dropped
        Rows used, and rows dropped by listwise deletion.
    paths
        The three-step table (see :meth:`to_frame`).
    a, b, c, c_prime, indirect
        Path coefficients, total effect ``c``, direct effect ``c'`` and the
        indirect effect ``a b``.
    sobel_se, sobel_z, sobel_p
        Sobel's first-order standard error ``sqrt(b^2 se_a^2 + a^2 se_b^2)``,
        ``a b / se`` and its two-sided normal p-value.
    proportion_mediated
        ``a b / c`` (``None`` when the total effect is exactly 0).
    masking
        True when the indirect and direct effects have opposite signs
        (inconsistent mediation; MacKinnon, Krull & Lockwood 2000).
    effects
        The effects table (see :meth:`effects_frame`).
    intervals
        Percentile and BCa intervals of every effect: ``effect, method,
        ci_low, ci_high``.
    boot
        Bootstrap estimates, one row per resample: ``indirect, direct,
        total``.
    n_boot, seed, ci
        Resamples used, seed of ``numpy.random.default_rng``, interval level.
    notes
        Plain-language caveats.
    """

    x: str
    m: str
    y: str
    covariates: tuple[str, ...]
    n: int
    n_dropped: int
    paths: pd.DataFrame
    a: float
    b: float
    c: float
    c_prime: float
    indirect: float
    sobel_se: float
    sobel_z: float
    sobel_p: float
    proportion_mediated: float | None
    masking: bool
    effects: pd.DataFrame
    intervals: pd.DataFrame
    boot: pd.DataFrame = field(repr=False)
    n_boot: int = 5000
    seed: int = 0
    ci: float = 0.95
    notes: tuple[str, ...] = ()
    fits: Mapping[str, OLSResult] = field(default_factory=dict, repr=False)

    def estimates(self, model: str = "direct", cov_type: str | None = None) -> Estimates:
        """Coefficients of one path model, t on that model's residual df (R ``summary.lm``).

        ``model`` is ``"total"`` (``y ~ x``, path c), ``"a"`` (``m ~ x``) or
        ``"direct"`` (``y ~ x + m``, paths c' and b); covariates are in each.
        """
        if model not in self.fits:
            raise ModelError(
                f"mediation has path models {sorted(self.fits)}, not {model!r}",
                fix="use 'total', 'a' or 'direct'",
            )
        return self.fits[model].estimates(cov_type)

    def to_frame(self) -> pd.DataFrame:
        """The three-step table: ``step, path, outcome, predictor, coef, se, t, p,
        ci_low, ci_high, n, r2``."""
        return self.paths.copy()

    def effects_frame(self) -> pd.DataFrame:
        """``effect, estimate, se, ci_low, ci_high, p`` for the indirect, direct and
        total effects (bootstrap SE, BCa interval, bootstrap p as R ``mediation``)
        and the Sobel test of the indirect effect (normal-theory interval)."""
        return self.effects.copy()

    def to_dict(self) -> dict:
        effects = {
            str(r.effect): {
                "estimate": float(r.estimate),
                "se": float(r.se),
                "ci_low": float(r.ci_low),
                "ci_high": float(r.ci_high),
                "p": float(r.p),
            }
            for r in self.effects.itertuples(index=False)
        }
        intervals: dict[str, dict[str, list[float]]] = {}
        for r in self.intervals.itertuples(index=False):
            intervals.setdefault(str(r.effect), {})[str(r.method)] = [
                float(r.ci_low),
                float(r.ci_high),
            ]
        return {
            "n": int(self.n),
            "x": self.x,
            "m": self.m,
            "y": self.y,
            "covariates": list(self.covariates),
            "paths": {
                str(r.path): {
                    "coef": float(r.coef),
                    "se": float(r.se),
                    "t": float(r.t),
                    "p": float(r.p),
                }
                for r in self.paths.itertuples(index=False)
            },
            "a": float(self.a),
            "b": float(self.b),
            "c": float(self.c),
            "c_prime": float(self.c_prime),
            "indirect": float(self.indirect),
            "sobel": {
                "se": float(self.sobel_se),
                "z": float(self.sobel_z),
                "pvalue": float(self.sobel_p),
            },
            "proportion_mediated": (
                None if self.proportion_mediated is None else float(self.proportion_mediated)
            ),
            "masking": bool(self.masking),
            "effects": effects,
            "intervals": intervals,
            "n_boot": int(self.n_boot),
            "seed": int(self.seed),
            "ci": float(self.ci),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- bootstrap pieces


def bca_interval(
    boot: np.ndarray, estimate: float, jackknife: np.ndarray, ci: float = 0.95
) -> tuple[float, float]:
    """Bias-corrected and accelerated bootstrap interval (Efron 1987).

    ``z0 = Phi^-1(share of bootstrap estimates below the estimate)``, ties
    counted half (as ``scipy.stats.bootstrap``); acceleration
    ``a = sum(d^3) / (6 sum(d^2)^(3/2))`` with ``d = mean(jack) - jack`` from the
    leave-one-out estimates; the interval is the bootstrap distribution's
    ``Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q)))`` quantiles for
    ``q = (1 - ci) / 2`` and ``1 - q`` (linear interpolation, numpy's default).

    Parameters
    ----------
    boot
        Bootstrap estimates.
    estimate
        Full-sample estimate.
    jackknife
        Leave-one-out estimates.
    ci
        Interval level.

    Returns
    -------
    (low, high)

    References
    ----------
    Efron (1987), sections 2-3; Efron, B., & Tibshirani, R. J. (1993). *An
    Introduction to the Bootstrap*, section 14.3. Chapman & Hall.
    """
    boot = np.asarray(boot, dtype=np.float64)
    share = (np.sum(boot < estimate) + np.sum(boot <= estimate)) / (2.0 * boot.size)
    z0 = special.ndtri(share)
    d = jackknife.mean() - jackknife
    denom = 6.0 * float(np.sum(d * d)) ** 1.5
    accel = float(np.sum(d**3)) / denom if denom > 0 else 0.0
    q = (1.0 - ci) / 2.0
    z = special.ndtri(np.array([q, 1.0 - q]))
    levels = special.ndtr(z0 + (z0 + z) / (1.0 - accel * (z0 + z)))
    low, high = np.quantile(boot, levels)
    return float(low), float(high)


def _solve_batch(G: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve every ``G_i B_i = H_i``; resamples whose ``G_i`` is singular are flagged."""
    try:
        return np.linalg.solve(G, H), np.ones(G.shape[0], dtype=bool)
    except np.linalg.LinAlgError:
        ok = np.linalg.cond(G) < 1e12
        out = np.full(H.shape, np.nan)
        if ok.any():
            out[ok] = np.linalg.solve(G[ok], H[ok])
        return out, ok


class _Paths:
    """Index sets of the regressions in the column layout ``[1, x, m, covariates..., y]``."""

    def __init__(self, q: int):
        cov = list(range(3, q - 1))
        self.y = q - 1
        self.reduced = np.array([0, 1, *cov])  # Y ~ X (+ cov) and M ~ X (+ cov)
        self.full = np.array([0, 1, 2, *cov])  # Y ~ X + M (+ cov)
        self.targets = np.array([2, q - 1])  # M and Y

    def effects(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(indirect, direct, total) for a batch of cross-product matrices ``S``."""
        r, f = self.reduced, self.full
        sol_r, ok_r = _solve_batch(S[:, r[:, None], r], S[:, r[:, None], self.targets])
        sol_f, ok_f = _solve_batch(S[:, f[:, None], f], S[:, f, self.y][..., None])
        a, c = sol_r[:, 1, 0], sol_r[:, 1, 1]
        c_prime, b = sol_f[:, 1, 0], sol_f[:, 2, 0]
        return np.column_stack([a * b, c_prime, c]), ok_r & ok_f


def _bootstrap(
    Z: np.ndarray, paths: _Paths, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Bootstrap (indirect, direct, total) from resampling counts, in chunks."""
    n, q = Z.shape
    ZZ = (Z[:, :, None] * Z[:, None, :]).reshape(n, q * q)
    chunk = max(1, _CHUNK_CELLS // n)
    out = np.empty((n_boot, 3))
    ok = np.empty(n_boot, dtype=bool)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        idx += (np.arange(b) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        S = (counts @ ZZ).reshape(b, q, q)
        out[start : start + b], ok[start : start + b] = paths.effects(S)
    return out[ok], int((~ok).sum())


def _jackknife(Z: np.ndarray, paths: _Paths) -> np.ndarray:
    """Leave-one-out (indirect, direct, total) by downdating ``Z'Z``."""
    n, q = Z.shape
    S = Z.T @ Z
    out = np.empty((n, 3))
    ok = np.empty(n, dtype=bool)
    chunk = max(1, _CHUNK_CELLS // (q * q))
    for start in range(0, n, chunk):
        Zi = Z[start : start + chunk]
        S_loo = S[None] - Zi[:, :, None] * Zi[:, None, :]
        out[start : start + chunk], ok[start : start + chunk] = paths.effects(S_loo)
    return out[ok]


# --------------------------------------------------------------------------- main entry


def _sub_design(design: Design, outcome: str, y: np.ndarray, cols: list[int]) -> Design:
    return Design(
        formula=f"{outcome} ~ " + " + ".join(design.names[j] for j in cols if j != 0),
        outcome=outcome,
        y=y,
        X=np.asfortranarray(design.X[:, cols]),
        names=[design.names[j] for j in cols],
        ids=design.ids,
        dropped=design.dropped,
        variables=list(design.variables),
    )


def _path_row(step: int, path: str, outcome: str, predictor: str, fit: OLSResult) -> dict:
    ci = fit.conf_int()
    return {
        "step": step,
        "path": path,
        "outcome": outcome,
        "predictor": predictor,
        "coef": float(fit.params[predictor]),
        "se": float(fit.bse[predictor]),
        "t": float(fit.tvalues[predictor]),
        "p": float(fit.pvalues[predictor]),
        "ci_low": float(ci.loc[predictor, "lower"]),
        "ci_high": float(ci.loc[predictor, "upper"]),
        "n": int(fit.nobs),
        "r2": float(fit.rsquared),
    }


def _boot_p(boot: np.ndarray, estimate: float) -> float:
    """Two-sided bootstrap p-value as in R ``mediation`` (Imai et al. 2010)."""
    if estimate == 0:
        return 1.0
    return float(min(1.0, 2.0 * min(np.mean(boot > 0), np.mean(boot < 0))))


def mediation(
    data: pd.DataFrame,
    x: str,
    m: str,
    y: str,
    covariates: Sequence[str] = (),
    *,
    n_boot: int = 5000,
    seed: int = 0,
    ci: float = 0.95,
    id_column: str | None = None,
    source: str = "data",
) -> MediationResult:
    """Three-step mediation analysis with Sobel and bootstrap tests of the indirect effect.

    The three regressions (Baron & Kenny 1986) are fitted by
    :func:`smekit.analysis.ols.fit_ols` on the same rows (listwise deletion
    over ``x``, ``m``, ``y`` and the covariates). The indirect effect ``a b`` is
    tested by the Sobel (1982) z test and by ``n_boot`` nonparametric bootstrap
    resamples of cases drawn with ``numpy.random.default_rng(seed)``; the
    indirect, direct and total effects each get a bootstrap standard error,
    percentile and BCa intervals (Efron 1987) and the bootstrap p-value of R's
    ``mediation::mediate`` (``2 min(P(b* > 0), P(b* < 0))``; 0 means that no
    resample fell on the other side of zero, i.e. p < 1 / n_boot). ``masking``
    flags inconsistent mediation (indirect and direct effects of opposite signs;
    MacKinnon, Krull & Lockwood 2000).

    Parameters
    ----------
    data
        Tidy data, one row per case.
    x, m, y
        Numeric predictor, mediator and outcome columns.
    covariates
        Further terms in all three models (columns or ``C(column)``).
    n_boot
        Bootstrap resamples (at least 100).
    seed
        Seed of the bootstrap generator; the same seed gives the same result.
    ci
        Interval level.
    id_column
        Case identifier, used in the listwise-deletion log.
    source
        Name of the data, used in messages.

    Returns
    -------
    MediationResult

    References
    ----------
    Baron & Kenny (1986); Sobel (1982); Efron (1987); MacKinnon, Krull &
    Lockwood (2000); Imai, Keele & Tingley (2010).

    Examples
    --------
    >>> import pingouin as pg
    >>> res = mediation(pg.read_dataset("mediation"), "X", "M", "Y", n_boot=1000)
    >>> round(res.indirect, 4)
    0.3565
    """
    covariates = list(covariates)
    names_given = [x, m, y]
    if len(set(names_given)) < 3:
        raise ModelError(f"x, m and y must be three different columns, got {names_given}")
    overlap = [v for v in covariates if v in names_given]
    if overlap:
        raise ModelError(f"covariate(s) {overlap} are also x, m or y")
    if int(n_boot) != n_boot or n_boot < 100:
        raise ModelError(f"n_boot must be an integer of at least 100, got {n_boot!r}")
    if not 0 < ci < 1:
        raise ModelError(f"ci must be between 0 and 1, got {ci!r}")
    if int(seed) != seed:
        raise ModelError(f"seed must be an integer, got {seed!r}")
    formula = f"{y} ~ " + " + ".join([x, m, *covariates])
    design = build_design(data, formula, id_column, source=source)
    names = list(design.names)
    for role, v in (("predictor", x), ("mediator", m)):
        if v not in names:
            raise ModelError(
                f"{role} '{v}' must be a numeric column", where=source, fix="recode it to numbers"
            )
    if INTERCEPT not in names:
        raise ModelError("mediation models need an intercept", where=source)
    ix, im = names.index(x), names.index(m)
    i0 = names.index(INTERCEPT)
    cov_idx = [j for j in range(len(names)) if j not in (i0, ix, im)]
    n = design.n
    m_values = design.X[:, im].copy()
    fit_total = fit_ols(_sub_design(design, y, design.y, [i0, ix, *cov_idx]))
    fit_a = fit_ols(_sub_design(design, m, m_values, [i0, ix, *cov_idx]))
    fit_direct = fit_ols(_sub_design(design, y, design.y, [i0, ix, im, *cov_idx]))
    a = float(fit_a.params[x])
    b = float(fit_direct.params[m])
    c = float(fit_total.params[x])
    c_prime = float(fit_direct.params[x])
    se_a = float(fit_a.bse[x])
    se_b = float(fit_direct.bse[m])
    ab = a * b
    sobel_se = float(np.sqrt(b * b * se_a * se_a + a * a * se_b * se_b))
    sobel_z = ab / sobel_se
    sobel_p = float(2.0 * stats.norm.sf(abs(sobel_z)))
    paths = pd.DataFrame(
        [
            _path_row(1, "c (total effect)", y, x, fit_total),
            _path_row(2, "a", m, x, fit_a),
            _path_row(3, "b", y, m, fit_direct),
            _path_row(3, "c' (direct effect)", y, x, fit_direct),
        ]
    )

    # Centred columns [1, x, m, covariates..., y]: slopes are unchanged, conditioning improves.
    cols = [design.X[:, ix], m_values] + [design.X[:, j] for j in cov_idx] + [design.y]
    centred = np.column_stack([v - v.mean() for v in cols])
    Z = np.column_stack([np.ones(n), centred])
    route = _Paths(Z.shape[1])
    rng = np.random.default_rng(int(seed))
    boot, n_bad = _bootstrap(Z, route, int(n_boot), rng)
    jack = _jackknife(Z, route)
    notes = []
    if n_bad:
        notes.append(
            f"{n_bad} of {n_boot} bootstrap resamples were degenerate (a variable constant "
            "in the resample) and were left out"
        )
    if boot.shape[0] < 100:
        raise ModelError(
            f"only {boot.shape[0]} of {n_boot} bootstrap resamples could be fitted",
            where=source,
            fix="the sample is too small or a variable is nearly constant",
        )
    estimates = {"indirect": ab, "direct": c_prime, "total": c}
    rows, intervals = [], []
    q = (1.0 - ci) / 2.0
    for j, effect in enumerate(_EFFECTS):
        dist = boot[:, j]
        est = estimates[effect]
        p_low, p_high = (float(v) for v in np.quantile(dist, [q, 1.0 - q]))
        share = float(np.mean(dist < est))
        if share in (0.0, 1.0):
            notes.append(
                f"every bootstrap {effect} effect lies on one side of the estimate: "
                "its BCa interval is the percentile interval"
            )
            b_low, b_high = p_low, p_high
        else:
            b_low, b_high = bca_interval(dist, est, jack[:, j], ci)
        intervals += [
            {"effect": effect, "method": "percentile", "ci_low": p_low, "ci_high": p_high},
            {"effect": effect, "method": "bca", "ci_low": b_low, "ci_high": b_high},
        ]
        rows.append(
            {
                "effect": effect,
                "estimate": est,
                "se": float(dist.std(ddof=1)),
                "ci_low": b_low,
                "ci_high": b_high,
                "p": _boot_p(dist, est),
            }
        )
    zq = stats.norm.isf(q)
    rows.append(
        {
            "effect": "indirect (Sobel)",
            "estimate": ab,
            "se": sobel_se,
            "ci_low": ab - zq * sobel_se,
            "ci_high": ab + zq * sobel_se,
            "p": sobel_p,
        }
    )
    if c == 0:
        notes.append("the total effect is exactly 0, so the proportion mediated is undefined")
    return MediationResult(
        x=x,
        m=m,
        y=y,
        covariates=tuple(covariates),
        n=n,
        n_dropped=design.n_dropped,
        paths=paths,
        fits={"total": fit_total, "a": fit_a, "direct": fit_direct},
        a=a,
        b=b,
        c=c,
        c_prime=c_prime,
        indirect=ab,
        sobel_se=sobel_se,
        sobel_z=float(sobel_z),
        sobel_p=sobel_p,
        proportion_mediated=None if c == 0 else ab / c,
        masking=bool(ab * c_prime < 0),
        effects=pd.DataFrame(rows),
        intervals=pd.DataFrame(intervals),
        boot=pd.DataFrame(boot, columns=list(_EFFECTS)),
        n_boot=int(n_boot),
        seed=int(seed),
        ci=float(ci),
        notes=tuple(notes),
    )


__all__ = ["MediationResult", "bca_interval", "mediation"]
