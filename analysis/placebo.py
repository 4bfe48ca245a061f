"""Placebo tests of a TWFE DiD: random reassignment of the treated units and of the policy year.

Fast engine (own code). The DiD coefficient of ``y ~ D + x | unit + time`` is,
by the Frisch-Waugh-Lovell theorem, ``b = D'M y / D'M D`` with ``M`` the
residual maker of the fixed-effect dummies and the controls. ``M`` does not
change between draws, so the engine absorbs it once (:func:`absorb`: unit
means, then one Householder QR of the unit-demeaned period dummies and
controls, ``n x (T - 1 + k)``), keeps ``e_y = My``, and for each placebo
assignment ``D_b`` (a 0/1 vector) computes

``b_b = D_b'e_y / (D_b'D_b - ||P D_b||^2)``, with
``||P D||^2 = sum_u (sum_{i in u} D_i)^2 / n_u + ||Q'D||^2``,

for a whole block of draws in one sparse and one dense matrix product. Each estimate equals
the pyfixest refit with ``D_b`` in place of ``D`` (tested), at a fraction of
the cost (``bench/did.py``).

Draws
-----
* Units (``"units"``): a random permutation of the units' adoption periods, so
  every draw has the real number of treated units and the real adoption
  timing, given to random units.
* Policy year (``"times"``): the treated units keep their status and get a
  random fake adoption period. By default (``times_sample="pre"``) this runs
  on the pre-adoption sample, the periods before the first real adoption, so
  the real effect cannot leak into the draws and they centre on zero under
  parallel trends; fake periods are drawn among that sample's periods after
  its first. ``times_sample="all"`` keeps every period and draws among the
  periods after the first other than the real adoption period(s). One common
  period per draw when all treated units adopt together (S3's design), one
  per unit otherwise.

Draws are generated up front from ``numpy.random.default_rng([seed, k])``
(``k = 0`` units, ``1`` periods); with ``scheduler`` the blocks are computed by a
Dask distributed cluster, with the same draws and so the same results.
Empirical two-sided p-value: ``(1 + #{|b_b| >= |b|}) / (B + 1)`` (Phipson &
Smyth 2010; never zero).

Limits: the dummies of every fixed effect after the first are dense
(``n x levels``); beyond ``MAX_CELLS`` entries the engine refuses with a
message (use pyfixest refits).

References
----------
Frisch, R., & Waugh, F. V. (1933); Lovell, M. C. (1963). *JASA*, 58(304), 993-1010.
Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology*, 9(1).
Li, P., Lu, Y., & Wang, J. (2016). Does flattening government improve economic
performance? *Journal of Development Economics*, 123, 18-37 (placebo by random
reassignment of treated units).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.panel_prep import check_panel, period_index
from smekit.core.errors import DataError, ModelError

__all__ = [
    "FwlDesign",
    "PlaceboDraws",
    "PlaceboResult",
    "absorb",
    "draw_periods",
    "draw_units",
    "placebo_betas",
    "placebo_histograms",
    "placebo_test",
]

MAX_CELLS = 200_000_000
BLOCK = 250


@dataclass(frozen=True, eq=False)
class FwlDesign:
    """Everything a placebo draw needs: the residual maker's basis and the residualised outcome.

    The column space of the fixed-effect dummies and controls is split into
    two orthogonal parts: the dummies of the first fixed effect (``unit``; its
    projection is the within-unit mean) and an orthonormal basis ``Q`` of the
    other dummies and the controls after removing unit means. So
    ``||P D||^2 = sum_u (sum_{i in u} D_i)^2 / n_u + ||Q'D||^2``.

    Attributes
    ----------
    Q
        Orthonormal basis (``n x r``) of the unit-demeaned other dummies and controls.
    ey
        ``M y``.
    fe_code, fe_count
        Level of the first fixed effect of each row, and the rows per level.
    unit_code, period_pos
        Unit index (0..U-1) and period position (0..T-1) of each row.
    units, periods
        Unit labels and period values.
    start
        Real adoption position by unit (``inf`` = never treated).
    """

    Q: np.ndarray = field(repr=False)
    ey: np.ndarray = field(repr=False)
    fe_code: np.ndarray = field(repr=False)
    fe_count: np.ndarray = field(repr=False)
    unit_code: np.ndarray = field(repr=False)
    period_pos: np.ndarray = field(repr=False)
    units: np.ndarray = field(repr=False)
    periods: np.ndarray = field(repr=False)
    start: np.ndarray = field(repr=False)

    @property
    def nobs(self) -> int:
        return int(self.ey.size)


def _group_demean(x: np.ndarray, code: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``x`` minus its mean within each level of ``code`` (columns of a 2-D ``x`` at once)."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return x - (np.bincount(code, x, minlength=count.size) / count)[code]
    sums = np.zeros((count.size, x.shape[1]))
    np.add.at(sums, code, x)
    return x - (sums / count[:, None])[code]


def absorb(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    cohort: pd.Series,
    *,
    controls: Sequence[str] = (),
    fe: Sequence[str] | None = None,
    source: str | None = None,
) -> FwlDesign:
    """Absorb the fixed effects and controls once (rows with missing values left out).

    ``cohort`` is the first treated period by unit (NaN = never), as
    :func:`smekit.analysis.did.cohorts` returns. ``fe`` defaults to
    ``[unit, time]``; other columns (region x year) may be added. The first
    fixed effect is removed by within-group means; the dummies of the others
    (first level dropped) and the controls are demeaned the same way and
    factorised by Householder QR, columns aliased under the rule of
    :mod:`smekit.analysis.lstsq` (collinear dummies, controls the effects
    absorb) left out.
    """
    from smekit.analysis.lstsq import RANK_TOL

    check_panel(frame, unit, time, source=source)
    fe = list(fe) if fe is not None else [unit, time]
    cols = [outcome, *controls]
    for c in cols + fe:
        if c not in frame.columns:
            raise DataError(f"column {c!r} not found", where=source)
    keep = frame[cols].notna().all(axis=1).to_numpy()
    d = frame.loc[keep]
    n = len(d)
    code, _ = pd.factorize(d[fe[0]])
    count = np.bincount(code).astype(float)
    blocks = []
    for f in fe[1:]:
        c2, _ = pd.factorize(d[f])
        m = c2.max() + 1
        if m * n > MAX_CELLS:
            raise ModelError(
                f"the placebo engine would need {m * n:,} cells for the {f!r} effects",
                fix="use fewer fixed-effect levels or pyfixest refits for this size",
            )
        dum = np.zeros((n, m))
        dum[np.arange(n), c2] = 1.0
        blocks.append(dum[:, 1:])
    if controls:
        blocks.append(d[list(controls)].to_numpy(dtype=float))
    if blocks:
        Z = np.column_stack(blocks)
        Zt = _group_demean(Z, code, count)
        norms = np.sqrt((Z * Z).sum(axis=0))
        Q, R = np.linalg.qr(Zt, mode="reduced")
        # a column is aliased when the unit effects and the columns before it explain it
        # (lstsq's rule, relative to the column's norm before demeaning)
        good = np.abs(np.diag(R)) > RANK_TOL * np.where(norms > 0, norms, 1.0)
        if not good.all():
            Q = np.linalg.qr(Zt[:, good], mode="reduced")[0] if good.any() else Q[:, :0]
    else:
        Q = np.zeros((n, 0))
    y = _group_demean(d[outcome].to_numpy(dtype=float), code, count)
    ey = y - Q @ (Q.T @ y)
    units, ucode = np.unique(d[unit].to_numpy(), return_inverse=True)
    p = period_index(d[time])
    periods = np.arange(p.min(), p.max() + 1)
    pos = p - p.min()
    g = cohort.reindex(units).to_numpy(dtype=float)
    start = np.where(np.isnan(g), np.inf, g - p.min())
    return FwlDesign(np.ascontiguousarray(Q), ey, code, count, ucode, pos, units, periods, start)


def placebo_betas(design: FwlDesign, starts: np.ndarray) -> np.ndarray:
    """DiD coefficients for each row of ``starts`` (draws x units adoption positions, inf = never).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> i, t = np.repeat(np.arange(6), 4), np.tile(np.arange(4), 6)
    >>> y = np.where((i < 2) & (t >= 2), 1.0, 0.0) + 0.1 * i + 0.2 * t
    >>> d = pd.DataFrame({"i": i, "t": t, "y": y})
    >>> g = pd.Series([2.0, 2.0] + [np.nan] * 4, index=range(6))
    >>> des = absorb(d, "i", "t", "y", g)
    >>> placebo_betas(des, des.start[None, :]).round(6).tolist()
    [1.0]
    """
    import scipy.sparse as sp

    starts = np.atleast_2d(np.asarray(starts, dtype=float))
    out = np.empty(starts.shape[0])
    n = design.ey.size
    A = sp.csr_matrix((np.ones(n), (design.fe_code, np.arange(n))), shape=(design.fe_count.size, n))
    for a in range(0, starts.shape[0], BLOCK):
        S = starts[a : a + BLOCK][:, design.unit_code]  # B x n
        D = (design.period_pos[None, :] >= S).astype(np.float64)
        num = D @ design.ey
        dd = D.sum(axis=1)
        G = np.asarray(A @ D.T)  # levels x B: sums of D within each first-FE level
        pu = (G * G / design.fe_count[:, None]).sum(axis=0)
        QD = D @ design.Q  # B x r
        den = dd - pu - np.einsum("br,br->b", QD, QD)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[a : a + BLOCK] = np.where(den > 1e-10 * np.maximum(dd, 1), num / den, np.nan)
    return out


def draw_units(design: FwlDesign, n: int, seed: int) -> np.ndarray:
    """``n`` permutations of the units' adoption positions (keeps the treated share and timing)."""
    rng = np.random.default_rng([int(seed), 0])
    U = design.start.size
    return np.stack([design.start[rng.permutation(U)] for _ in range(n)]) if n else np.empty((0, U))


def draw_periods(
    design: FwlDesign,
    n: int,
    seed: int,
    *,
    common: bool | None = None,
    exclude: Sequence[float] = (),
) -> np.ndarray:
    """``n`` random adoption positions for the treated units (after the first period).

    ``exclude`` lists positions never drawn (the real adoption period).
    """
    rng = np.random.default_rng([int(seed), 1])
    treated = np.isfinite(design.start)
    T = design.periods.size
    choices = np.array([k for k in range(1, T) if k not in set(exclude)])
    if choices.size == 0:
        raise ModelError("no period is left to draw a placebo adoption period from")
    if common is None:
        common = np.unique(design.start[treated]).size <= 1
    out = np.full((n, design.start.size), np.inf)
    if common:
        out[:, treated] = rng.choice(choices, size=n)[:, None]
    else:
        out[:, treated] = rng.choice(choices, size=(n, int(treated.sum())))
    return out


def _betas_dask(design: FwlDesign, starts: np.ndarray, scheduler: Any) -> np.ndarray:
    from dask.distributed import Client

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        fut = client.scatter(design, broadcast=True)
        parts = [
            client.submit(placebo_betas, fut, starts[a : a + BLOCK], pure=False)
            for a in range(0, starts.shape[0], BLOCK)
        ]
        res = client.gather(parts)
    finally:
        if client is not scheduler:
            client.close()
    return np.concatenate(res) if res else np.empty(0)


@dataclass(frozen=True)
class PlaceboDraws:
    """Placebo estimates of one kind of reassignment."""

    kind: str
    betas: np.ndarray = field(repr=False)
    estimate: float
    p: float
    note: str

    @property
    def draws(self) -> int:
        return int(np.isfinite(self.betas).sum())

    def to_dict(self) -> dict[str, Any]:
        b = self.betas[np.isfinite(self.betas)]
        return {
            "draws": self.draws,
            "p": self.p,
            "mean": float(b.mean()) if b.size else None,
            "sd": float(b.std(ddof=1)) if b.size > 1 else None,
            "share_abs_ge": float(np.mean(np.abs(b) >= abs(self.estimate))) if b.size else None,
            "assignment": self.note,
            "values": [float(v) for v in self.betas],
        }


@dataclass(frozen=True)
class PlaceboResult:
    """Placebo distributions next to the real DiD estimate."""

    estimate: float
    units: PlaceboDraws | None
    times: PlaceboDraws | None
    seed: int
    engine: str = "FWL: fixed effects and controls absorbed once (one QR)"

    def to_frame(self) -> pd.DataFrame:
        parts = [
            pd.DataFrame({"kind": d.kind, "draw": np.arange(d.betas.size), "estimate": d.betas})
            for d in (self.units, self.times)
            if d is not None
        ]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate,
            "seed": self.seed,
            "engine": self.engine,
            "units": self.units.to_dict() if self.units else None,
            "times": self.times.to_dict() if self.times else None,
        }


def _p(betas: np.ndarray, b: float) -> float:
    v = betas[np.isfinite(betas)]
    return float((1 + np.sum(np.abs(v) >= abs(b))) / (v.size + 1))


def placebo_test(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    cohort: pd.Series,
    *,
    controls: Sequence[str] = (),
    fe: Sequence[str] | None = None,
    n_units: int = 500,
    n_times: int = 500,
    times_sample: str = "pre",
    seed: int = 0,
    scheduler: Any = None,
    source: str | None = None,
) -> PlaceboResult:
    """Placebo distributions of the TWFE DiD coefficient (see the module docstring).

    Parameters
    ----------
    frame, unit, time, outcome
        Panel and outcome.
    cohort
        First treated period by unit (NaN = never treated).
    controls, fe
        Controls and fixed effects of the DiD (default unit and period effects).
    n_units, n_times
        Draws of each kind (0 skips it).
    times_sample
        ``"pre"`` (pre-adoption sample, default) or ``"all"`` (see the module docstring).
    seed
        Seed of the draws.
    scheduler
        Dask scheduler address (``"tcp://127.0.0.1:8786"``) or ``Client``; None
        computes in this process.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> i, t = np.repeat(np.arange(50), 6), np.tile(np.arange(6), 50)
    >>> y = 0.8 * ((i < 10) & (t >= 3)) + rng.normal(0, 0.5, i.size)
    >>> d = pd.DataFrame({"i": i, "t": t, "y": y})
    >>> g = pd.Series(np.where(np.arange(50) < 10, 3.0, np.nan))
    >>> r = placebo_test(d, "i", "t", "y", g, n_units=99, n_times=0, seed=1)
    >>> r.units.draws, r.units.p
    (99, 0.01)
    """
    from threadpoolctl import threadpool_limits

    # small dense products: one BLAS thread is fastest and immune to oversubscription
    with threadpool_limits(limits=1, user_api="blas"):
        return _placebo_test(
            frame,
            unit,
            time,
            outcome,
            cohort,
            controls=controls,
            fe=fe,
            n_units=n_units,
            n_times=n_times,
            times_sample=times_sample,
            seed=seed,
            scheduler=scheduler,
            source=source,
        )


def _placebo_test(
    frame,
    unit,
    time,
    outcome,
    cohort,
    *,
    controls,
    fe,
    n_units,
    n_times,
    times_sample,
    seed,
    scheduler,
    source,
) -> PlaceboResult:
    des = absorb(frame, unit, time, outcome, cohort, controls=controls, fe=fe, source=source)
    if not np.isfinite(des.start).any():
        raise ModelError("no treated unit: nothing to reassign", where=source)
    b = float(placebo_betas(des, des.start[None, :])[0])

    def run(d: FwlDesign, starts: np.ndarray) -> np.ndarray:
        if scheduler is not None:
            return _betas_dask(d, starts, scheduler)
        return placebo_betas(d, starts)

    units = times = None
    if n_units:
        betas = run(des, draw_units(des, n_units, seed))
        units = PlaceboDraws(
            "units",
            betas,
            b,
            _p(betas, b),
            "permutation of the units' adoption periods (treated share and timing kept)",
        )
    if n_times:
        if times_sample not in ("pre", "all"):
            raise ModelError(f"times_sample must be 'pre' or 'all', got {times_sample!r}")
        treated = np.isfinite(des.start)
        common = np.unique(des.start[treated]).size <= 1
        kind = (
            "one common random adoption period per draw"
            if common
            else ("a random adoption period per treated unit")
        )
        if times_sample == "pre":
            first = des.periods[0] + des.start[treated].min()
            p = period_index(frame[time])
            pre = frame.loc[p < first]
            if pre[time].nunique() < 3:
                raise ModelError(
                    "fewer than three periods before the first adoption: no pre-adoption placebo",
                    where=source,
                    fix="use times_sample='all'",
                )
            # the real treated units, on the pre-adoption sample
            mark = pd.Series(np.where(treated, float(des.periods[0]), np.nan), index=des.units)
            pdes = absorb(pre, unit, time, outcome, mark, controls=controls, fe=fe, source=source)
            betas = run(pdes, draw_periods(pdes, n_times, seed, common=common))
            note = f"{kind}, on the pre-adoption sample (periods before {int(first)})"
        else:
            betas = run(
                des,
                draw_periods(
                    des, n_times, seed, common=common, exclude=np.unique(des.start[treated])
                ),
            )
            note = f"{kind}, all periods, the real adoption period excluded"
        times = PlaceboDraws("times", betas, b, _p(betas, b), note)
    return PlaceboResult(b, units, times, int(seed))


def placebo_histograms(result: PlaceboResult, *, bins: int = 40):
    """Histograms of the placebo estimates with the real estimate marked (one panel per kind)."""
    from matplotlib.figure import Figure

    kinds = [d for d in (result.units, result.times) if d is not None]
    fig = Figure(figsize=(4.2 * max(len(kinds), 1), 3.6))
    axes = fig.subplots(1, max(len(kinds), 1), squeeze=False)[0]
    titles = {"units": "Random treated units", "times": "Random policy period"}
    for ax, d in zip(axes, kinds, strict=False):
        v = d.betas[np.isfinite(d.betas)]
        ax.hist(v, bins=bins, color="0.7", edgecolor="0.4", lw=0.4)
        ax.axvline(result.estimate, color="C3", lw=1.5, label=f"estimate {result.estimate:.3f}")
        ax.set(
            title=f"{titles[d.kind]} ({d.draws} draws)\nempirical p = {d.p:.3f}",
            xlabel="Placebo estimate",
            ylabel="Draws",
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
