"""Dynamic-panel GMM: lag formulas and the stacked per-unit matrices of the moment conditions.

The estimator in :mod:`smekit.analysis.gmm` works on three arrays laid out unit
by unit, with the same rows for every unit:

* ``y`` (``N x R``) and ``X`` (``N x R x K``): the transformed equation; for
  difference GMM one row per period ``t`` in ``TL1 .. T-1`` holding first
  differences; for system GMM those rows followed by one row per period in
  ``TL2 .. T-1`` holding levels;
* ``Z`` (``N x R x L``): the instruments of each row.

The layout follows R plm's ``pgmm`` (Croissant & Millo, 2008), which follows
DPD (Arellano & Bond, 1998) and Stata's ``xtabond2`` (Roodman, 2009):

* lost periods ``TL1 = max(p + 1, a)`` in differences and ``TL2 = max(p, a - 1)``
  in levels, with ``p`` the longest lag among the regressors and ``a`` the
  shortest GMM lag;
* GMM-style instruments for the differenced equation at ``t``: the levels
  ``z_{t-a}, ..., z_{t-b}`` that exist, one column per period and lag
  (block diagonal) or, collapsed, one column per lag (Roodman 2009, section 3.3);
* for the level equation at ``t``: the difference ``dz_{t-a+1}``, one column per
  period (or one column, collapsed) (Blundell & Bond, 1998);
* "IV-style" instruments enter as they appear in each equation (differenced in
  the differenced equation, in levels in the level equation), in separate
  columns for the two equations;
* a row whose response or regressors are missing is set to zero in ``y``, ``X``
  and ``Z``; a missing instrument is zero; instrument columns that are zero for
  every unit carry no moment and are dropped.

Periods are placed on an integer grid by
:func:`smekit.analysis.panel_prep.period_index`, so lags are gap-aware: the lag of
a unit's 2015 value is its 2014 value or missing, never the previous row.

References
----------
Arellano, M., & Bond, S. (1991). Some tests of specification for panel data.
*Review of Economic Studies*, 58(2), 277-297.
Blundell, R., & Bond, S. (1998). Initial conditions and moment restrictions in
dynamic panel data models. *Journal of Econometrics*, 87(1), 115-143.
Roodman, D. (2009). How to do xtabond2. *The Stata Journal*, 9(1), 86-136.
Croissant, Y., & Millo, G. (2008). Panel data econometrics in R: the plm package.
*Journal of Statistical Software*, 27(2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smekit.analysis.panel_prep import check_panel, period_index
from smekit.core.errors import ModelError

__all__ = ["GmmDesign", "LagTerm", "build_design", "parse_formula", "parse_lag_terms"]

MAX_LAG = 99
_TERM = re.compile(r"^\s*(?:L(?:\((\d+)(?:(:)(\d*))?\))?\.)?([A-Za-z_][A-Za-z0-9_]*)\s*$")


@dataclass(frozen=True)
class LagTerm:
    """A variable with a range of lags (``L(1:2).y`` -> ``LagTerm("y", 1, 2)``)."""

    var: str
    first: int
    last: int

    @property
    def lags(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    def names(self) -> list[str]:
        """Term names: ``y`` for lag 0, ``L1.y``, ``L2.y``, ..."""
        return [self.var if k == 0 else f"L{k}.{self.var}" for k in self.lags]


def _parse_term(text: str, *, open_end: bool, where: str) -> LagTerm:
    m = _TERM.match(text)
    if m is None:
        raise ModelError(
            f"cannot read the term {text.strip()!r}",
            where=where,
            fix="write a variable as 'x', 'L.x', 'L(1).x', 'L(0:2).x' or, for GMM, 'L(2:).x'",
        )
    first, colon, last, var = m.groups()
    if first is None:
        lo = hi = 1 if text.strip().startswith("L.") else 0
    else:
        lo = int(first)
        if colon is None:
            hi = lo
        elif last == "":
            if not open_end:
                raise ModelError(f"an open lag range {text.strip()!r} is only for --gmm", where)
            hi = MAX_LAG
        else:
            hi = int(last)
    if hi < lo:
        raise ModelError(f"lag range {text.strip()!r} runs backwards", where=where)
    return LagTerm(var, lo, hi)


def parse_lag_terms(text: str, *, open_end: bool = False, where: str = "formula") -> list[LagTerm]:
    """Read terms separated by ``+``, commas or spaces.

    Examples
    --------
    >>> [(t.var, t.first, t.last) for t in parse_lag_terms("L(1:2).y + L(0:1).w + k")]
    [('y', 1, 2), ('w', 0, 1), ('k', 0, 0)]
    >>> parse_lag_terms("L(2:).y", open_end=True)[0].last
    99
    """
    parts = [p for p in re.split(r"[+,\s]+", text.strip()) if p]
    if not parts:
        raise ModelError("no terms given", where=where)
    return [_parse_term(p, open_end=open_end, where=where) for p in parts]


def parse_formula(formula: str) -> tuple[str, list[LagTerm]]:
    """Split ``"y ~ L(1:2).y + x"`` into the response and its regressor terms.

    Examples
    --------
    >>> y, terms = parse_formula("n ~ L.n + w")
    >>> y, [t.names() for t in terms]
    ('n', [['L1.n'], ['w']])
    """
    if formula.count("~") != 1:
        raise ModelError(f"the formula {formula!r} needs one '~'", fix='e.g. "y ~ L(1:2).y + x"')
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", lhs):
        raise ModelError(f"the response {lhs!r} must be a column name", where=formula)
    return lhs, parse_lag_terms(rhs, where=formula)


@dataclass(frozen=True)
class GmmDesign:
    """Stacked per-unit matrices of a difference or system GMM problem.

    Attributes
    ----------
    y, X, Z
        ``N x R``, ``N x R x K`` and ``N x R x L`` arrays (see the module docstring).
    names
        Regressor names (``K``).
    instruments
        Instrument column labels (``L``), e.g. ``"diff: L2.n@1979"``.
    groups
        Instrument group of each column: ``"gmm:n"``, ``"gmm_level:n"``, ``"iv"``, ``"time"``.
    n_diff
        Number of difference rows (the first ``n_diff`` of ``R``); the rest are levels.
    periods
        Period value of each row.
    used
        ``N x R`` boolean: the row holds an observation.
    units
        Unit labels (``N``).
    """

    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    names: list[str]
    instruments: list[str]
    groups: list[str]
    n_diff: int
    periods: list
    used: np.ndarray
    units: list
    system: bool
    lost: tuple[int, int]
    notes: list[str] = field(default_factory=list)


def _grid(frame: pd.DataFrame, unit: str, time: str, columns: list[str], source: str | None):
    """Values of ``columns`` on the unit x period grid (``N x T`` each) and the grid labels."""
    check_panel(frame, unit, time, source=source)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelError(f"column {missing[0]!r} not found", where=source or "<data>")
    p = period_index(frame[time])
    units, ui = np.unique(frame[unit].to_numpy(), return_inverse=True)
    lo, hi = int(p.min()), int(p.max())
    T = hi - lo + 1
    ti = p - lo
    integer_axis = pd.api.types.is_integer_dtype(frame[time]) or pd.api.types.is_float_dtype(
        frame[time]
    )
    if integer_axis:
        labels = list(range(lo, hi + 1))
    else:
        labels = list(np.sort(pd.unique(frame[time])))
    out = {}
    for c in columns:
        values = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & frame[c].notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + 2
            raise ModelError(
                f"column {c!r} is not numeric (row {row}: {frame[c].iloc[row - 2]!r})",
                where=source or "<data>",
            )
        g = np.full((len(units), T), np.nan)
        g[ui, ti] = values
        out[c] = g
    return out, list(units), labels


def _shift(g: np.ndarray, k: int) -> np.ndarray:
    """Lag ``k`` along the period axis (missing where the lagged period is off the grid)."""
    if k == 0:
        return g
    out = np.full_like(g, np.nan)
    if k < g.shape[1]:
        out[:, k:] = g[:, :-k]
    return out


def build_design(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    formula: str,
    gmm: str,
    *,
    iv: str | None = None,
    system: bool = False,
    time_effects: bool = True,
    collapse: bool = False,
    source: str | None = None,
) -> GmmDesign:
    """Build the stacked matrices of a difference (``system=False``) or system GMM problem.

    Parameters
    ----------
    frame
        Long panel, one row per unit and period.
    unit, time
        Panel identifiers.
    formula
        ``"y ~ L(1:2).y + L(0:1).w + k"``.
    gmm
        GMM-style instruments, e.g. ``"L(2:).y"`` or ``"L(2:4).y L(2:).w"``.
    iv
        IV-style instruments (``"w k"`` or with lags ``"L(0:1).w"``); default: every
        regressor whose variable is not a GMM instrument, with its lags (pgmm's default).
    system
        Add the level equation (Blundell-Bond system GMM).
    time_effects
        Period dummies (``time_<period>``); in system GMM also an intercept.
        Without them system GMM still has an intercept (pgmm has none).
    collapse
        One column per lag instead of one per period and lag (Roodman 2009).
    """
    where = source or "<data>"
    yname, terms = parse_formula(formula)
    gterms = parse_lag_terms(gmm, open_end=True, where="--gmm")
    if any(t.first < 1 for t in gterms):
        raise ModelError("GMM-style instruments need lags of at least 1", where="--gmm")
    if iv is None:
        gvars = {t.var for t in gterms}
        ivterms = [t for t in terms if t.var not in gvars]
    else:
        ivterms = parse_lag_terms(iv, where="--iv") if iv.strip() else []
    names = [n for t in terms for n in t.names()]
    if len(set(names)) != len(names):
        raise ModelError(f"a term appears twice in {formula!r}", where=formula)
    cols = sorted({yname, *(t.var for t in terms), *(t.var for t in gterms + ivterms)})
    grids, units, labels = _grid(frame, unit, time, cols, source)
    N, T = grids[yname].shape
    p = max(t.last for t in terms)
    a = min(t.first for t in gterms)
    TL1 = max(p + 1, a)
    TL2 = TL1 - 1
    if T - TL1 < 2:
        raise ModelError(
            f"{T} periods leave {max(T - TL1, 0)} differenced periods after lags of up to {p}",
            where=where,
            fix="use fewer lags or a longer panel",
        )
    dt = np.arange(TL1, T)  # difference rows
    lt = np.arange(TL2, T) if system else np.arange(0)  # level rows
    nd, nl = len(dt), len(lt)
    R = nd + nl

    def regressor(t: LagTerm, k: int) -> np.ndarray:
        return _shift(grids[t.var], k)

    Xcols, ycol = [], np.zeros((N, R))
    yl = grids[yname]
    ycol[:, :nd] = yl[:, dt] - yl[:, dt - 1]
    if system:
        ycol[:, nd:] = yl[:, lt]
    for t in terms:
        for k in t.lags:
            g = regressor(t, k)
            c = np.zeros((N, R))
            c[:, :nd] = g[:, dt] - g[:, dt - 1]
            if system:
                c[:, nd:] = g[:, lt]
            Xcols.append(c)
    # time effects
    tnames: list[str] = []
    if time_effects:
        first = TL1 if not system else TL2 + 1
        if system:
            c = np.zeros((N, R))
            c[:, nd:] = 1.0
            Xcols.append(c)
            tnames.append("Intercept")
        for s in range(first, T):
            c = np.zeros((N, R))
            c[:, :nd] = (dt == s).astype(float) - (dt - 1 == s).astype(float)
            if system:
                c[:, nd:] = (lt == s).astype(float)
            Xcols.append(c)
            tnames.append(f"{time}_{labels[s]}")
    elif system:
        c = np.zeros((N, R))
        c[:, nd:] = 1.0
        Xcols.append(c)
        tnames.append("Intercept")
    X = np.stack(Xcols, axis=2)
    names = names + tnames
    used = np.isfinite(ycol) & np.isfinite(X).all(axis=2)
    ycol = np.where(used, ycol, 0.0)
    X = np.where(used[:, :, None], X, 0.0)

    Zcols: list[np.ndarray] = []
    labels_z: list[str] = []
    groups: list[str] = []

    def add(col: np.ndarray, label: str, group: str) -> None:
        col = np.where(np.isfinite(col) & used, col, 0.0)
        if np.any(col != 0.0):
            Zcols.append(col)
            labels_z.append(label)
            groups.append(group)

    for g in gterms:
        z = grids[g.var]
        top = min(g.last, T - 1)
        if collapse:
            for k in range(g.first, top + 1):
                col = np.zeros((N, R))
                col[:, :nd] = _shift(z, k)[:, dt]
                add(col, f"diff: L{k}.{g.var}", f"gmm:{g.var}")
        else:
            for r, s in enumerate(dt):
                for k in range(g.first, min(g.last, s) + 1):
                    col = np.zeros((N, R))
                    col[:, r] = z[:, s - k]
                    add(col, f"diff: L{k}.{g.var}@{labels[s]}", f"gmm:{g.var}")
        if system:
            k = g.first - 1
            dz = _shift(z, k) - _shift(z, k + 1)
            if collapse:
                col = np.zeros((N, R))
                col[:, nd:] = dz[:, lt]
                add(col, f"level: DL{k}.{g.var}", f"gmm_level:{g.var}")
            else:
                for r, s in enumerate(lt):
                    col = np.zeros((N, R))
                    col[:, nd + r] = dz[:, s]
                    add(col, f"level: DL{k}.{g.var}@{labels[s]}", f"gmm_level:{g.var}")
    for t in ivterms:
        for k in t.lags:
            g = _shift(grids[t.var], k)
            name = t.var if k == 0 else f"L{k}.{t.var}"
            col = np.zeros((N, R))
            col[:, :nd] = g[:, dt] - g[:, dt - 1]
            add(col, f"diff: D.{name}", "iv")
            if system:
                col = np.zeros((N, R))
                col[:, nd:] = g[:, lt]
                add(col, f"level: {name}", "iv")
    if time_effects or system:
        for j, tn in enumerate(tnames):
            col = X[:, :, len(names) - len(tnames) + j].copy()
            if system:
                col[:, :nd] = 0.0  # time dummies instrument the level equation only (pgmm)
            add(col, f"{'level' if system else 'diff'}: {tn}", "time")
    if not Zcols:
        raise ModelError("no instrument has any non-missing value", where=where)
    Z = np.stack(Zcols, axis=2)
    keep_units = used.any(axis=1)
    if not keep_units.any():
        raise ModelError("no unit has a complete observation after lagging", where=where)
    periods = [labels[s] for s in dt] + [labels[s] for s in lt]
    return GmmDesign(
        y=ycol[keep_units],
        X=X[keep_units],
        Z=Z[keep_units],
        names=names,
        instruments=labels_z,
        groups=groups,
        n_diff=nd,
        periods=periods,
        used=used[keep_units],
        units=[u for u, k in zip(units, keep_units, strict=True) if k],
        system=system,
        lost=(TL1, TL2),
    )
