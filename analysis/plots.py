"""Diagnostic and coefficient figures (matplotlib), shared by the report and the app.

Functions take plain arrays or tidy frames and return a ``Figure``; nothing
here fits a model. :func:`save_figure` writes PNG and SVG with fixed metadata,
so rerunning an analysis gives identical files. Scatter plots of very large
samples draw a seeded subsample plus every extreme case.

References
----------
Cook, R. D., & Weisberg, S. (1982). *Residuals and influence in regression*.
Chapman & Hall. (Cook's distance contours: ``D = r^2 h / (p (1 - h))``.)
R Core Team, ``plot.lm`` (the four standard diagnostic panels).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

MAX_POINTS = 20_000
SMOOTH_POINTS = 3_000


def _smooth(x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Lowess curve (statsmodels ``lowess``, frac 2/3, 3 robustness passes, as R ``lowess``),
    on a seeded subsample of at most ``SMOOTH_POINTS`` points."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    if len(x) > SMOOTH_POINTS:
        pick = np.random.default_rng(seed).choice(len(x), size=SMOOTH_POINTS, replace=False)
        x, y = x[pick], y[pick]
    return lowess(y, x, frac=2 / 3, it=3, return_sorted=True)


def _figure(width: float, height: float) -> tuple[Figure, object]:
    """A pyplot-free figure (no global figure registry) with one axes."""
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def _subsample(n: int, keep: np.ndarray, max_points: int, seed: int) -> np.ndarray:
    """Indices to draw: all when n is small, else a seeded sample plus ``keep``."""
    if n <= max_points:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    sample = rng.choice(n, size=max_points, replace=False)
    return np.union1d(sample, keep)


def _label_extremes(ax, x, y, ids, score, count: int) -> None:
    if ids is None or count <= 0:
        return
    top = np.argsort(-np.nan_to_num(score, nan=-np.inf))[:count]
    for i in top:
        ax.annotate(
            str(ids[i]), (x[i], y[i]), fontsize=8, xytext=(4, 4), textcoords="offset points"
        )


def residuals_vs_fitted(
    fitted: np.ndarray,
    resid: np.ndarray,
    ids: Sequence | None = None,
    *,
    label: int = 3,
    seed: int = 0,
) -> Figure:
    """Residuals against fitted values with a lowess smooth (linearity, variance)."""
    fitted, resid = np.asarray(fitted), np.asarray(resid)
    ids = None if ids is None else np.asarray(ids)
    extreme = np.argsort(-np.abs(resid))[:label]
    idx = _subsample(len(fitted), extreme, MAX_POINTS, seed)
    fig, ax = _figure(6, 4.5)
    ax.scatter(fitted[idx], resid[idx], s=10, alpha=0.6, color="#1f77b4", edgecolors="none")
    ax.axhline(0, color="grey", lw=1, ls="--")
    smooth = _smooth(fitted[idx], resid[idx], seed)
    ax.plot(smooth[:, 0], smooth[:, 1], color="#d62728", lw=1.5)
    _label_extremes(
        ax, fitted, resid, ids, np.abs(resid) * np.isin(np.arange(len(resid)), extreme), label
    )
    ax.set(xlabel="Fitted values", ylabel="Residuals", title="Residuals vs fitted")
    fig.tight_layout()
    return fig


def normal_qq(student: np.ndarray, ids: Sequence | None = None, *, label: int = 3) -> Figure:
    """Normal Q-Q plot of standardised residuals with the reference line."""
    r = np.asarray(student, dtype=float)
    order = np.argsort(r)
    n = len(r)
    theo = stats.norm.ppf(
        (np.arange(1, n + 1) - 0.375) / (n + 0.25)
    )  # Blom, as R qqnorm for n > 10
    keep = np.concatenate([np.arange(min(label, n)), np.arange(max(n - label, 0), n)])
    idx = _subsample(n, keep, MAX_POINTS, 0)
    fig, ax = _figure(6, 4.5)
    ax.scatter(theo[idx], r[order][idx], s=10, alpha=0.6, color="#1f77b4", edgecolors="none")
    lim = [theo.min(), theo.max()]
    ax.plot(lim, lim, color="grey", ls="--", lw=1)
    if ids is not None:
        ids = np.asarray(ids)[order]
        for i in keep[np.abs(r[order][keep]) >= np.sort(np.abs(r))[-min(label, n)]]:
            ax.annotate(
                str(ids[i]),
                (theo[i], r[order][i]),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
            )
    ax.set(xlabel="Theoretical quantiles", ylabel="Standardised residuals", title="Normal Q-Q")
    fig.tight_layout()
    return fig


def scale_location(fitted: np.ndarray, student: np.ndarray, *, seed: int = 0) -> Figure:
    """sqrt(|standardised residuals|) against fitted values (homoscedasticity)."""
    fitted = np.asarray(fitted)
    y = np.sqrt(np.abs(np.asarray(student)))
    idx = _subsample(len(fitted), np.argsort(-y)[:3], MAX_POINTS, seed)
    fig, ax = _figure(6, 4.5)
    ax.scatter(fitted[idx], y[idx], s=10, alpha=0.6, color="#1f77b4", edgecolors="none")
    smooth = _smooth(fitted[idx], y[idx], seed)
    ax.plot(smooth[:, 0], smooth[:, 1], color="#d62728", lw=1.5)
    ax.set(xlabel="Fitted values", ylabel="√|standardised residuals|", title="Scale-location")
    fig.tight_layout()
    return fig


def leverage_plot(
    leverage: np.ndarray,
    student: np.ndarray,
    cooks: np.ndarray,
    n_params: int,
    ids: Sequence | None = None,
    *,
    label: int = 3,
    seed: int = 0,
) -> Figure:
    """Standardised residuals against leverage, with Cook's distance contours at 0.5 and 1."""
    h, r, d = (np.asarray(a, dtype=float) for a in (leverage, student, cooks))
    top = np.argsort(-d)[:label]
    idx = _subsample(len(h), top, MAX_POINTS, seed)
    fig, ax = _figure(6, 4.5)
    ax.scatter(h[idx], r[idx], s=10, alpha=0.6, color="#1f77b4", edgecolors="none")
    hmax = max(h.max() * 1.05, 1e-3)
    grid = np.linspace(1e-4, hmax, 200)
    for level, style in ((0.5, ":"), (1.0, "--")):
        bound = np.sqrt(level * n_params * (1 - grid) / grid)
        ax.plot(grid, bound, color="#d62728", ls=style, lw=1)
        ax.plot(grid, -bound, color="#d62728", ls=style, lw=1, label=f"Cook's D = {level}")
    ax.axhline(0, color="grey", lw=0.8)
    lim = max(np.abs(r).max() * 1.15, 3)
    ax.set_ylim(-lim, lim)
    ax.set_xlim(0, hmax)
    cutoff = 2 * n_params / len(h)
    ax.axvline(cutoff, color="grey", ls="--", lw=0.8, label="2p/n")
    if ids is not None:
        ids = np.asarray(ids)
        for i in top:
            ax.annotate(
                str(ids[i]), (h[i], r[i]), fontsize=8, xytext=(4, 4), textcoords="offset points"
            )
    handles, labels = ax.get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=True))
    ax.legend(uniq.values(), uniq.keys(), fontsize=8, loc="lower left")
    ax.set(xlabel="Leverage", ylabel="Standardised residuals", title="Residuals vs leverage")
    fig.tight_layout()
    return fig


def cooks_distance_plot(
    cooks: np.ndarray, ids: Sequence | None = None, *, label: int = 3
) -> Figure:
    """Cook's distance by case with the 4/n and 1 reference lines."""
    d = np.asarray(cooks, dtype=float)
    n = len(d)
    top = np.argsort(-d)[:label]
    fig, ax = _figure(7, 4)
    if n <= 5000:
        ax.vlines(np.arange(n), 0, d, color="#1f77b4", lw=0.8)
    else:
        idx = _subsample(n, top, MAX_POINTS, 0)
        ax.scatter(idx, d[idx], s=4, color="#1f77b4", edgecolors="none")
    ax.axhline(4 / n, color="grey", ls="--", lw=0.8, label="4/n")
    if d.max() > 0.5:
        ax.axhline(1.0, color="#d62728", ls="--", lw=0.8, label="1")
    if ids is not None:
        ids = np.asarray(ids)
        for i in top:
            ax.annotate(
                str(ids[i]), (i, d[i]), fontsize=8, xytext=(3, 3), textcoords="offset points"
            )
    ax.legend(fontsize=8)
    ax.set(xlabel="Case (row order)", ylabel="Cook's distance", title="Cook's distance")
    fig.tight_layout()
    return fig


def coefficient_plot(
    table: pd.DataFrame,
    *,
    model_column: str = "model",
    term_column: str = "term",
    title: str = "Coefficients with 95% confidence intervals",
    drop: Sequence[str] = ("Intercept",),
) -> Figure:
    """Point estimates and confidence intervals for several models or groups.

    ``table`` needs columns ``model``, ``term``, ``coef``, ``ci_low`` and ``ci_high``
    (one row per model and term).
    """
    data = table[~table[term_column].isin(drop)]
    terms = list(dict.fromkeys(data[term_column]))
    models = list(dict.fromkeys(data[model_column]))
    fig, ax = _figure(7, 0.6 * len(terms) * max(1, len(models) / 2) + 1.5)
    offsets = np.linspace(-0.3, 0.3, len(models)) if len(models) > 1 else np.zeros(1)
    colours = mpl.colormaps["tab10"]
    for j, model in enumerate(models):
        sub = data[data[model_column] == model].set_index(term_column).reindex(terms)
        y = np.arange(len(terms)) + offsets[j]
        ax.errorbar(
            sub["coef"],
            y,
            xerr=[sub["coef"] - sub["ci_low"], sub["ci_high"] - sub["coef"]],
            fmt="o",
            color=colours(j % 10),
            label=str(model),
            capsize=3,
            ms=5,
        )
    ax.axvline(0, color="grey", ls="--", lw=0.8)
    ax.set_yticks(np.arange(len(terms)), terms)
    ax.invert_yaxis()
    ax.set(xlabel="Estimate", title=title)
    if len(models) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, stem: str | Path, *, dpi: int = 150) -> list[Path]:
    """Save ``stem.png`` and ``stem.svg`` with fixed metadata."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    with mpl.rc_context({"svg.hashsalt": "smekit"}):
        fig.savefig(png, dpi=dpi, metadata={"Software": "smekit"})
        fig.savefig(svg, metadata={"Date": None, "Creator": "smekit"})
    return [png, svg]
