"""de Chaisemartin-D'Haultfœuille weights of the two-way fixed-effects DiD coefficient.

The TWFE DiD coefficient is ``sum w_gt TE_gt`` over the treated cells with
``w_gt = e_gt / sum_{D=1} e_gt``, ``e`` the residual of ``D`` on unit and
period effects (de Chaisemartin & D'Haultfœuille 2020, Theorem 1). Negative
weights (possible under staggered adoption) mean the TWFE estimate need not
lie between the cell effects. The residual is found by alternating
projections (Gaure 2013).

References
----------
de Chaisemartin, C., & D'Haultfœuille, X. (2020). Two-way fixed effects
estimators with heterogeneous treatment effects. *American Economic Review*,
110(9), 2964-2996.
Gaure, S. (2013). OLS with multiple high dimensional category variables.
*Computational Statistics & Data Analysis*, 66, 8-18.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TwfeWeights", "twfe_weights"]


# -- TWFE weights ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TwfeWeights:
    """de Chaisemartin-D'Haultfœuille weights of the TWFE DiD coefficient on the treated cells."""

    weights: pd.DataFrame
    n_treated_cells: int
    n_negative: int
    sum_negative: float
    method: str = "de Chaisemartin & D'Haultfœuille (2020), Theorem 1"

    @property
    def warning(self) -> str | None:
        if self.n_negative == 0:
            return None
        return (
            f"{self.n_negative} of {self.n_treated_cells} treated unit-periods get negative "
            f"TWFE weights (sum {self.sum_negative:.3f}; {self.method}): with heterogeneous "
            "effects the TWFE estimate can fall outside the range of the cell effects; "
            "compare the Callaway-Sant'Anna estimates"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n_treated_cells": self.n_treated_cells,
            "n_negative": self.n_negative,
            "sum_negative": self.sum_negative,
            "warning": self.warning,
        }


def _demean2(x: np.ndarray, a: np.ndarray, b: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Residual of ``x`` on two sets of dummies by alternating projections (Gaure 2013)."""
    r = x.astype(float).copy()
    na, nb = a.max() + 1, b.max() + 1
    ca, cb = np.bincount(a, minlength=na), np.bincount(b, minlength=nb)
    for _ in range(10_000):
        r_old = r.copy()
        r -= (np.bincount(a, r, minlength=na) / ca)[a]
        r -= (np.bincount(b, r, minlength=nb) / cb)[b]
        if np.max(np.abs(r - r_old)) < tol:
            break
    return r


def twfe_weights(
    frame: pd.DataFrame, unit: str, time: str, treat: str, *, outcome: str | None = None
) -> TwfeWeights:
    """Weights of the TWFE DiD coefficient on the treated unit-periods.

    ``w_it = e_it / sum_{D=1} e_it`` with ``e`` the residual of ``D`` on unit and
    period dummies in the estimation sample (rows with ``outcome`` observed
    when given). They sum to one; negative ones flag the problem of TWFE under
    staggered adoption with heterogeneous effects.

    Examples
    --------
    Two units adopting at periods 2 and 3, no never-treated unit: the early
    adopter's last period gets weight -0.5 (de Chaisemartin & D'Haultfœuille 2020, section 3):

    >>> import pandas as pd
    >>> d = pd.DataFrame({"i": [1, 1, 1, 2, 2, 2], "t": [1, 2, 3] * 2, "D": [0, 1, 1, 0, 0, 1]})
    >>> w = twfe_weights(d, "i", "t", "D")
    >>> w.weights["weight"].round(6).tolist(), w.n_negative
    ([1.0, -0.5, 0.5], 1)
    """
    d = frame if outcome is None else frame[frame[outcome].notna()]
    u = pd.factorize(d[unit])[0]
    t = pd.factorize(d[time])[0]
    D = d[treat].to_numpy(dtype=float)
    e = _demean2(D, u, t)
    on = D == 1
    w = e[on] / e[on].sum()
    tab = pd.DataFrame(
        {unit: d.loc[on, unit].to_numpy(), time: d.loc[on, time].to_numpy(), "weight": w}
    )
    neg = w < -1e-12
    return TwfeWeights(tab, int(on.sum()), int(neg.sum()), float(w[neg].sum()))
