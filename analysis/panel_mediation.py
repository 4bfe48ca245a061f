"""Three-step mediation in a fixed-effects panel: clustered paths, Sobel, cluster bootstrap.

For a regressor ``X``, mediator ``M``, outcome ``Y`` and controls ``W``, all
with unit and time fixed effects (Baron & Kenny 1986, in the panel form S2-
and S3-type studies report):

1. ``Y ~ X + W + FE``: the total effect ``c``;
2. ``M ~ X + W + FE``: the ``a`` path;
3. ``Y ~ X + M + W + FE``: the ``b`` path and the direct effect ``c'``.

The three fits are :func:`smekit.analysis.panel_fe.fit_panel` (pyfixest,
CRV1 errors clustered by unit, ``t(G - 1)``). The indirect effect ``a b`` is
tested by Sobel's (1982) normal test with the clustered SEs,
``se = sqrt(b² se_a² + a² se_b²)``, and by a **cluster bootstrap** that
resamples whole units with replacement (Cameron, Gelbach & Miller 2008), so
serial correlation within a unit is kept. The bootstrap is vectorised: unit
effects are removed by demeaning within unit (a unit-local operation, exact
under resampling of units) and time effects by time dummies in every
regression (Frisch-Waugh-Lovell), so each resample's cross-product matrix is
``sum_g w_g C_g`` with ``C_g`` the unit's cross-products and ``w_g`` its
resampling count: one matrix product for all resamples, one batched solve,
exact for balanced and unbalanced panels. Percentile and BCa intervals (the
BCa acceleration from the leave-one-unit-out jackknife) are reported, with
``numpy.random.default_rng(seed)``.

The share mediated is ``a b / c``; *masking* (inconsistent mediation) is
flagged when ``a b`` and ``c'`` have opposite signs (MacKinnon, Krull &
Lockwood 2000), in which case the share is not a proportion.

References
----------
Baron, R. M., & Kenny, D. A. (1986). *Journal of Personality and Social
Psychology*, 51(6), 1173-1182. Sobel, M. E. (1982). *Sociological
Methodology*, 13, 290-312. Cameron, A. C., Gelbach, J. B., & Miller, D. L.
(2008). Bootstrap-based improvements for inference with clustered errors.
*Review of Economics and Statistics*, 90(3), 414-427. MacKinnon, D. P., Krull,
J. L., & Lockwood, C. M. (2000). *Prevention Science*, 1(4), 173-181.
Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82, 171-185.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.estimates import Estimates
from smekit.analysis.mediation import _solve_batch, bca_interval
from smekit.analysis.panel_fe import PanelFit, fit_panel
from smekit.analysis.panel_prep import check_panel
from smekit.core.errors import ModelError

__all__ = ["PanelMediation", "panel_mediation"]

_CHUNK = 2_000_000  # resampling-count cells held at once


@dataclass(frozen=True)
class PanelMediation:
    """A panel mediation analysis (see the module docstring).

    Attributes
    ----------
    x, m, y, controls, unit, time
        Variable names.
    n, n_units
        Rows and units used (complete cases in all three steps).
    fits
        ``"total"``, ``"a"``, ``"direct"`` -> :class:`~smekit.analysis.panel_fe.PanelFit`.
    a, b, c, c_prime, indirect
        Paths, total and direct effects, ``a b``.
    sobel_se, sobel_z, sobel_p
        Sobel test with the clustered SEs.
    proportion_mediated, masking
        ``a b / c`` (None if ``c == 0``) and the masking flag.
    effects
        ``effect, estimate, boot_se, ci_low, ci_high, method`` (BCa and
        percentile cluster-bootstrap intervals).
    boot
        Bootstrap draws: ``indirect, direct, total``.
    n_boot, seed, ci
        Resamples, seed, interval level.
    """

    x: str
    m: str
    y: str
    controls: tuple[str, ...]
    unit: str
    time: str
    n: int
    n_units: int
    fits: dict[str, PanelFit] = field(repr=False)
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
    boot: pd.DataFrame = field(repr=False)
    n_boot: int = 2000
    seed: int = 0
    ci: float = 0.95

    def estimates(self, model: str = "direct") -> Estimates:
        """Clustered estimates of one step (``"total"``, ``"a"`` or ``"direct"``)."""
        if model not in self.fits:
            raise ModelError(f"panel mediation has steps {sorted(self.fits)}, not {model!r}")
        return self.fits[model].estimates

    def to_frame(self) -> pd.DataFrame:
        """The three-step table: ``step, model, outcome, term, estimate, se, statistic, p,
        ci_low, ci_high`` (clustered)."""
        rows = []
        for step, (name, outcome) in enumerate(
            (("total", self.y), ("a", self.m), ("direct", self.y)), start=1
        ):
            f = self.fits[name].estimates.to_frame()
            f = f[f["term"].isin([self.x, self.m])]
            rows.append(f.assign(step=step, model=name, outcome=outcome))
        cols = ["step", "model", "outcome", "term", "estimate", "se", "statistic", "p"]
        return pd.concat(rows, ignore_index=True)[[*cols, "ci_low", "ci_high"]]

    def to_dict(self) -> dict[str, Any]:
        eff: dict[str, Any] = {}
        for r in self.effects.itertuples(index=False):
            e = eff.setdefault(
                str(r.effect), {"estimate": float(r.estimate), "boot_se": float(r.boot_se)}
            )
            e[str(r.method)] = [float(r.ci_low), float(r.ci_high)]
        return {
            "x": self.x,
            "m": self.m,
            "y": self.y,
            "controls": list(self.controls),
            "n": self.n,
            "n_units": self.n_units,
            "a": self.a,
            "b": self.b,
            "c": self.c,
            "c_prime": self.c_prime,
            "indirect": self.indirect,
            "sobel": {"se": self.sobel_se, "z": self.sobel_z, "pvalue": self.sobel_p},
            "proportion_mediated": self.proportion_mediated,
            "masking": self.masking,
            "effects": eff,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "ci": self.ci,
            "steps": self.to_frame().to_dict("records"),
        }


def _unit_blocks(
    data: pd.DataFrame, unit: str, time: str, cols: list[str], time_fe: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Unit-demeaned columns (with time dummies) and each unit's cross-product matrix."""
    codes, _ = pd.factorize(data[unit])
    Z = data[cols].to_numpy(dtype=float)
    names = list(cols)
    if time_fe:
        t = pd.get_dummies(data[time], drop_first=True, dtype=float)
        Z = np.column_stack([Z[:, :-1], t.to_numpy(), Z[:, -1]])
        names = [*cols[:-1], *[f"_t{c}" for c in t.columns], cols[-1]]
    counts = np.bincount(codes).astype(float)
    means = np.stack([np.bincount(codes, weights=Z[:, j]) for j in range(Z.shape[1])], 1)
    Zd = Z - (means / counts[:, None])[codes]
    q = Zd.shape[1]
    C = np.zeros((len(counts), q * q))
    np.add.at(C, codes, (Zd[:, :, None] * Zd[:, None, :]).reshape(len(Zd), q * q))
    return C, codes, names


def _effects(S: np.ndarray, q: int, n_ctrl: int) -> tuple[np.ndarray, np.ndarray]:
    """(indirect, direct, total) from cross-products in the layout ``[x, m, controls, y]``."""
    ctrl = list(range(2, 2 + n_ctrl))
    reduced = np.array([0, *ctrl])
    full = np.array([0, 1, *ctrl])
    y = q - 1
    sol_r, ok_r = _solve_batch(S[:, reduced[:, None], reduced], S[:, reduced][:, :, [1, y]])
    sol_f, ok_f = _solve_batch(S[:, full[:, None], full], S[:, full, y][..., None])
    a, c = sol_r[:, 0, 0], sol_r[:, 0, 1]
    c_prime, b = sol_f[:, 0, 0], sol_f[:, 1, 0]
    return np.column_stack([a * b, c_prime, c]), ok_r & ok_f


def panel_mediation(
    frame: pd.DataFrame,
    x: str,
    m: str,
    y: str,
    unit: str,
    time: str,
    *,
    controls: Sequence[str] = (),
    fe: str = "twoways",
    n_boot: int = 2000,
    seed: int = 0,
    ci: float = 0.95,
) -> PanelMediation:
    """Three-step panel mediation with clustered SEs, Sobel and a cluster bootstrap.

    Parameters
    ----------
    frame
        Long panel.
    x, m, y
        Regressor, mediator, outcome.
    unit, time
        Panel identifiers; SEs are clustered and the bootstrap resamples by ``unit``.
    controls
        Further regressors in every step.
    fe
        ``"twoways"`` or ``"unit"`` (the bootstrap needs the unit effects).
    n_boot, seed, ci
        Bootstrap resamples, seed of ``numpy.random.default_rng``, interval level.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> u, t = np.repeat(np.arange(40), 8), np.tile(np.arange(8), 40)
    >>> xx = rng.normal(size=320) + 0.1 * u
    >>> mm = 0.5 * xx + rng.normal(size=320)
    >>> yy = 0.3 * xx + 0.8 * mm + 0.2 * t + rng.normal(size=320)
    >>> d = pd.DataFrame({"u": u, "t": t, "x": xx, "m": mm, "y": yy})
    >>> res = panel_mediation(d, "x", "m", "y", "u", "t", n_boot=500, seed=1)
    >>> round(res.indirect, 3) == round(res.c - res.c_prime, 3), res.masking
    (True, False)
    """
    if fe not in ("twoways", "unit"):
        raise ModelError(f"panel mediation needs unit effects: fe 'twoways' or 'unit', not {fe!r}")
    if not 0 < ci < 1:
        raise ModelError(f"ci must be between 0 and 1, got {ci}")
    if n_boot < 100:
        raise ModelError(f"n_boot = {n_boot} is too few for bootstrap intervals (use >= 100)")
    check_panel(frame, unit, time)
    ctrl = list(controls)
    cols = [x, m, *ctrl, y]
    if len(set(cols)) != len(cols):
        raise ModelError(f"mediation variables overlap: {cols}")
    data = frame[[unit, time, *cols]].dropna().reset_index(drop=True)
    rhs = " + ".join([x, *ctrl])
    fits = {
        "total": fit_panel(data, f"{y} ~ {rhs}", unit, time, fe=fe, cluster=unit),
        "a": fit_panel(data, f"{m} ~ {rhs}", unit, time, fe=fe, cluster=unit),
        "direct": fit_panel(
            data,
            f"{y} ~ {x} + {m}" + "".join(f" + {c}" for c in ctrl),
            unit,
            time,
            fe=fe,
            cluster=unit,
        ),
    }
    if any(len(f.excluded) for f in fits.values()):
        drop = set().union(*(set(f.excluded["row"]) for f in fits.values()))
        data = data.drop(index=sorted(drop)).reset_index(drop=True)
        fits = {
            k: fit_panel(data, f.formula, unit, time, fe=fe, cluster=unit) for k, f in fits.items()
        }
    ea, et, ed = (fits[k].estimates for k in ("a", "total", "direct"))
    a, se_a = float(ea.params[x]), float(ea.bse[x])
    b, se_b = float(ed.params[m]), float(ed.bse[m])
    c, c_prime = float(et.params[x]), float(ed.params[x])
    indirect = a * b
    sobel_se = float(np.sqrt(b**2 * se_a**2 + a**2 * se_b**2))
    sobel_z = indirect / sobel_se if sobel_se > 0 else float("nan")

    C, _, names = _unit_blocks(data, unit, time, cols, fe == "twoways")
    q = len(names)
    n_ctrl = q - 3
    G = C.shape[0]
    point, _ = _effects(C.sum(axis=0).reshape(1, q, q), q, n_ctrl)
    rng = np.random.default_rng(seed)
    draws = np.empty((n_boot, 3))
    ok = np.empty(n_boot, dtype=bool)
    chunk = max(1, _CHUNK // G)
    for start in range(0, n_boot, chunk):
        k = min(chunk, n_boot - start)
        idx = rng.integers(0, G, size=(k, G)) + (np.arange(k) * G)[:, None]
        w = np.bincount(idx.ravel(), minlength=k * G).reshape(k, G).astype(float)
        draws[start : start + k], ok[start : start + k] = _effects(
            (w @ C).reshape(k, q, q), q, n_ctrl
        )
    draws = draws[ok]
    jack, _ = _effects((C.sum(axis=0)[None, :] - C).reshape(G, q, q), q, n_ctrl)
    rows = []
    for j, name in enumerate(("indirect", "direct", "total")):
        est = float(point[0, j])
        se = float(draws[:, j].std(ddof=1))
        lo, hi = bca_interval(draws[:, j], est, jack[:, j], ci)
        rows.append(
            {
                "effect": name,
                "estimate": est,
                "boot_se": se,
                "ci_low": lo,
                "ci_high": hi,
                "method": "bca",
            }
        )
        q_lo, q_hi = np.quantile(draws[:, j], [(1 - ci) / 2, 1 - (1 - ci) / 2])
        rows.append(
            {
                "effect": name,
                "estimate": est,
                "boot_se": se,
                "ci_low": float(q_lo),
                "ci_high": float(q_hi),
                "method": "percentile",
            }
        )
    return PanelMediation(
        x=x,
        m=m,
        y=y,
        controls=tuple(ctrl),
        unit=unit,
        time=time,
        n=len(data),
        n_units=G,
        fits=fits,
        a=a,
        b=b,
        c=c,
        c_prime=c_prime,
        indirect=indirect,
        sobel_se=sobel_se,
        sobel_z=float(sobel_z),
        sobel_p=float(2 * stats.norm.sf(abs(sobel_z))),
        proportion_mediated=None if c == 0 else indirect / c,
        masking=bool(np.sign(indirect) * np.sign(c_prime) < 0),
        effects=pd.DataFrame(rows),
        boot=pd.DataFrame(draws, columns=["indirect", "direct", "total"]),
        n_boot=len(draws),
        seed=seed,
        ci=ci,
    )
