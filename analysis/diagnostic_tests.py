"""Result types of the assumption tests and the one table that describes them.

Each test of :mod:`smekit.analysis.assumptions` is described once, in
:data:`SPECS` (key, display name, assumption, statistic, the R call it
reproduces); the test functions only compute statistics and verdicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.ols import OLSResult
from smekit.analysis.report_values import jsonable as _jsonable
from smekit.core.errors import ModelError

__all__ = [
    "SPECS",
    "AssumptionReport",
    "DiagnosticSpec",
    "DiagnosticTest",
    "check_alpha",
    "order_rows",
]


@dataclass(frozen=True)
class DiagnosticTest:
    """One assumption test.

    Attributes
    ----------
    key
        Machine name (``"breusch_pagan"``), the key in
        :meth:`AssumptionReport.to_dict`.
    test
        Display name.
    assumption
        ``"linearity"``, ``"independence"``, ``"homoscedasticity"`` or
        ``"normality"``.
    stat_name
        Key of the statistic in :meth:`to_dict` (``"lm"``, ``"fstat"``...).
    statistic, p_value
        NaN when the test could not be computed (the verdict says why).
    df
        Degrees of freedom: one value for chi-squared and t tests, two for F
        tests, none for Shapiro-Wilk and Durbin-Watson.
    verdict
        Plain-language reading.
    reference
        The R call the test reproduces.
    extra
        Further named values (for example the number of residuals used).
    """

    key: str
    test: str
    assumption: str
    stat_name: str
    statistic: float
    p_value: float
    df: tuple[float, ...]
    verdict: str
    reference: str
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def computed(self) -> bool:
        return math.isfinite(self.statistic)

    def to_dict(self) -> dict[str, Any]:
        """Statistic under :attr:`stat_name`, ``pvalue``, degrees of freedom, verdict."""
        out: dict[str, Any] = {
            self.stat_name: _jsonable(self.statistic),
            "pvalue": _jsonable(self.p_value),
        }
        dfs = [int(d) if float(d).is_integer() else float(d) for d in self.df]
        if len(dfs) == 1:
            out["df"] = dfs[0]
        elif len(dfs) == 2:
            out["df_num"], out["df_denom"] = dfs
        for name, value in self.extra:
            out[name] = _jsonable(value)
        out["verdict"] = self.verdict
        return out


@dataclass(frozen=True)
class AssumptionReport:
    """All assumption tests of one model; index it by test key."""

    tests: tuple[DiagnosticTest, ...]

    def __getitem__(self, key: str) -> DiagnosticTest:
        for t in self.tests:
            if t.key == key:
                return t
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.tests]

    def to_frame(self) -> pd.DataFrame:
        """One row per test: test, assumption, statistic, df, p_value, verdict."""
        return pd.DataFrame(
            {
                "test": [t.test for t in self.tests],
                "assumption": [t.assumption for t in self.tests],
                "statistic": [t.statistic for t in self.tests],
                "df": [", ".join(f"{d:g}" for d in t.df) for t in self.tests],
                "p_value": [t.p_value for t in self.tests],
                "verdict": [t.verdict for t in self.tests],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """``{key: test.to_dict()}``, e.g. ``breusch_pagan: {lm, pvalue, df}``."""
        return {t.key: t.to_dict() for t in self.tests}


@dataclass(frozen=True)
class DiagnosticSpec:
    """What identifies one assumption test: key, display name, assumption, statistic, R call."""

    key: str
    test: str
    assumption: str
    stat_name: str
    reference: str

    def result(
        self,
        *,
        statistic: float,
        p_value: float,
        df: tuple[float, ...],
        verdict: str,
        extra: tuple[tuple[str, Any], ...] = (),
    ) -> DiagnosticTest:
        """A computed test."""
        return DiagnosticTest(
            key=self.key,
            test=self.test,
            assumption=self.assumption,
            stat_name=self.stat_name,
            statistic=float(statistic),
            p_value=float(p_value),
            df=tuple(float(d) for d in df),
            verdict=verdict,
            reference=self.reference,
            extra=extra,
        )

    def not_computed(self, reason: str) -> DiagnosticTest:
        """A row for a test that cannot be computed on this model, saying why."""
        return DiagnosticTest(
            key=self.key,
            test=self.test,
            assumption=self.assumption,
            stat_name=self.stat_name,
            statistic=math.nan,
            p_value=math.nan,
            df=(),
            verdict=f"Not computed: {reason}",
            reference=self.reference,
        )


SPECS: dict[str, DiagnosticSpec] = {
    spec.key: spec
    for spec in (
        DiagnosticSpec("rainbow", "Rainbow", "linearity", "fstat", "R lmtest::raintest(model)"),
        DiagnosticSpec(
            "harvey_collier", "Harvey-Collier", "linearity", "tstat", "R lmtest::harvtest(model)"
        ),
        DiagnosticSpec(
            "durbin_watson", "Durbin-Watson", "independence", "dw", "R lmtest::dwtest(model)"
        ),
        DiagnosticSpec(
            "breusch_pagan",
            "Breusch-Pagan (Koenker)",
            "homoscedasticity",
            "lm",
            "R lmtest::bptest(model)",
        ),
        DiagnosticSpec(
            "white", "White", "homoscedasticity", "lm", "R lmtest::bptest(model, ~ x * x + I(x^2))"
        ),
        DiagnosticSpec(
            "shapiro_wilk", "Shapiro-Wilk", "normality", "w", "R shapiro.test(residuals(model))"
        ),
        DiagnosticSpec(
            "jarque_bera",
            "Jarque-Bera",
            "normality",
            "jb",
            "R tseries::jarque.bera.test(residuals(model))",
        ),
    )
}
"""The assumption tests in report order, one entry each (the only place they are described)."""


def check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ModelError(f"alpha must be between 0 and 1, got {alpha}")


def order_rows(ols: OLSResult, order_by: str | np.ndarray | None) -> tuple[np.ndarray | None, str]:
    """Row permutation for order-dependent tests and a phrase describing it."""
    if order_by is None:
        return None, "rows in file order"
    if isinstance(order_by, str):
        if order_by == "fitted":
            key = ols.fittedvalues
        elif order_by in ols.names:
            key = ols.design.X[:, ols.names.index(order_by)]
        else:
            raise ModelError(
                f"cannot order rows by {order_by!r}",
                fix="use None (file order), 'fitted' or a term name: " + ", ".join(ols.names),
            )
        return np.argsort(key, kind="stable"), f"rows ordered by {order_by}"
    key = np.asarray(order_by)
    if key.shape != (ols.nobs,):
        raise ModelError(
            f"order_by has {key.size} values but the model used {ols.nobs} rows",
            fix="pass one sort key per row of the fitted design",
        )
    return np.argsort(key, kind="stable"), "rows in the given order"
