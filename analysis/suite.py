"""The survey regression suite: every model and diagnostic of a cross-sectional study, in one call.

:func:`run_suite` fits OLS and defends it the way study S1 does: assumption
tests, VIF, Ramsey RESET, interaction models, influence measures with a refit
without flagged cases, Huber M-estimation (with bisquare and median regression
as alternatives) and subgroup models with a test of equal coefficients;
optionally a mediation analysis. The design matrix is built once and shared.
Each part comes from its own module (see the ``See Also`` list), where its
method and references are documented.

See Also
--------
smekit.analysis.ols, smekit.analysis.assumptions, smekit.analysis.collinearity,
smekit.analysis.reset, smekit.analysis.influence, smekit.analysis.robust,
smekit.analysis.interactions, smekit.analysis.subgroups, smekit.analysis.mediation
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.assumptions import AssumptionReport, check_assumptions
from smekit.analysis.collinearity import CollinearityResult, collinearity
from smekit.analysis.design import Design, build_design
from smekit.analysis.influence import (
    InfluenceResult,
    compare_models,
    influence,
    refit_without_flagged,
)
from smekit.analysis.interactions import (
    InteractionResult,
    SimpleSlopes,
    interaction_model,
    simple_slopes,
)
from smekit.analysis.mediation import MediationResult, mediation
from smekit.analysis.ols import OLSResult, fit_ols
from smekit.analysis.report_values import plain
from smekit.analysis.reset import ResetResult, reset_test
from smekit.analysis.robust import (
    RobustResult,
    compare_ols_robust,
    fit_bisquare,
    fit_huber,
    fit_median,
)
from smekit.analysis.subgroups import SubgroupResult, subgroup_models
from smekit.analysis.tables import RegressionTable, model_column, regression_table
from smekit.core.errors import ModelError


@dataclass(frozen=True, eq=False)
class RegressionSuite:
    """Everything :func:`run_suite` estimated.

    Attributes
    ----------
    design
        The shared design (formula, ids, listwise-deletion log).
    ols, assumptions, collinearity, reset, influence
        The main model and its diagnostics.
    refit
        OLS without the cases flagged by the refit rules (the same model when none is).
    huber, bisquare, median
        Robust alternatives (``bisquare``/``median`` are None when not requested).
    interactions, slopes
        Interaction models and simple slopes (None without interaction pairs).
    subgroups
        Per-group models and the equality test (None without a subgroup variable).
    mediations
        Mediation analyses, one per requested (x, m) pair.
    warnings
        Plain-language notes collected from the parts.
    """

    design: Design = field(repr=False)
    ols: OLSResult = field(repr=False)
    assumptions: AssumptionReport = field(repr=False)
    collinearity: CollinearityResult = field(repr=False)
    reset: ResetResult = field(repr=False)
    influence: InfluenceResult = field(repr=False)
    refit: OLSResult = field(repr=False)
    huber: RobustResult = field(repr=False)
    bisquare: RobustResult | None = field(default=None, repr=False)
    median: RobustResult | None = field(default=None, repr=False)
    interactions: InteractionResult | None = field(default=None, repr=False)
    slopes: SimpleSlopes | None = field(default=None, repr=False)
    subgroups: SubgroupResult | None = field(default=None, repr=False)
    mediations: tuple[MediationResult, ...] = field(default=(), repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return self.ols.nobs

    # -- tables -------------------------------------------------------------------------
    def coefficients(self) -> pd.DataFrame:
        """Long table of every model's coefficients: model, term, coef, se, p, ci_low, ci_high."""
        frames = []

        def add(name: str, params, se, p, lo, hi) -> None:
            frames.append(
                pd.DataFrame(
                    {
                        "model": name,
                        "term": list(params.index),
                        "coef": np.asarray(params, dtype=float),
                        "se": np.asarray(se, dtype=float),
                        "p": np.asarray(p, dtype=float),
                        "ci_low": np.asarray(lo, dtype=float),
                        "ci_high": np.asarray(hi, dtype=float),
                    }
                )
            )

        for name, fit in (("OLS", self.ols), ("OLS without flagged", self.refit)):
            ci = fit.conf_int()
            add(name, fit.params, fit.bse, fit.pvalues, ci["lower"], ci["upper"])
        for name, rob in (
            ("Huber", self.huber),
            ("Bisquare", self.bisquare),
            ("Median", self.median),
        ):
            if rob is None:
                continue
            z = 1.959963984540054
            add(
                name,
                rob.params,
                rob.bse,
                rob.pvalues,
                rob.params - z * rob.bse,
                rob.params + z * rob.bse,
            )
        if self.subgroups is not None:
            t = self.subgroups.table
            for level, sub in t.groupby("level", sort=False):
                sub = sub.set_index("term")
                add(
                    f"{self.subgroups.group} = {level}",
                    sub["coef"],
                    sub["se"],
                    sub["p"],
                    sub["ci_low"],
                    sub["ci_high"],
                )
        return pd.concat(frames, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """The long coefficient table (see :meth:`coefficients`)."""
        return self.coefficients()

    def main_table(self, labels: Mapping[str, str] | None = None) -> RegressionTable:
        """OLS (classical and HC3 SEs), OLS without flagged cases and robust fits side by side."""
        cols = [
            model_column(self.ols, "OLS"),
            model_column(self.ols, "OLS (HC3)", se="bse_hc3"),
        ]
        if self.refit is not self.ols:
            cols.append(model_column(self.refit, "OLS w/o flagged"))
        cols.append(model_column(self.huber, "Huber M"))
        if self.bisquare is not None:
            cols.append(model_column(self.bisquare, "Bisquare"))
        if self.median is not None:
            cols.append(model_column(self.median, "Median"))
        return regression_table(cols, labels=labels, title=f"Regression of {self.design.outcome}")

    def subgroup_table(self, labels: Mapping[str, str] | None = None) -> RegressionTable | None:
        """One column per subgroup, with the equality test in the note."""
        if self.subgroups is None:
            return None
        cols = []
        for level in self.subgroups.levels:
            sub = self.subgroups.table[self.subgroups.table["level"] == level].set_index("term")
            cols.append(
                model_column_from_frame(
                    sub, str(level), n=int(sub["n"].iloc[0]), r2=float(sub["r2"].iloc[0])
                )
            )
        table = regression_table(cols, labels=labels, title=f"Models by {self.subgroups.group}")
        eq = self.subgroups.equality_test
        note = (
            f"{table.note} Test of equal coefficients across groups: "
            f"F({eq.df_num}, {eq.df_denom}) = {eq.fstat:.3f}, p = {eq.pvalue:.4g}."
        )
        return RegressionTable(body=table.body, footer=table.footer, title=table.title, note=note)

    def interaction_table(self, labels: Mapping[str, str] | None = None) -> RegressionTable | None:
        if self.interactions is None:
            return None
        cols = []
        for name, frame, fit in (
            ("Main effects", self.interactions.main, self.interactions.main_fit),
            ("With interactions", self.interactions.interaction, self.interactions.interaction_fit),
        ):
            cols.append(
                model_column_from_frame(
                    frame.set_index("term"), name, n=self.interactions.n, r2=fit["rsquared"]
                )
            )
        table = regression_table(cols, labels=labels, title="Interaction models (mean-centred)")
        f = self.interactions.f_test
        note = (
            f"{table.note} Joint test of the products: "
            f"F({f.df_num}, {f.df_denom}) = {f.fstat:.3f}, p = {f.pvalue:.4g}."
        )
        return RegressionTable(body=table.body, footer=table.footer, title=table.title, note=note)

    def robust_comparison(self) -> pd.DataFrame:
        """OLS against Huber: each coefficient's difference in OLS standard errors."""
        return compare_ols_robust(self.ols, self.huber)

    def refit_comparison(self) -> pd.DataFrame:
        return compare_models(self.ols, self.refit, labels=("full", "without_flagged"))

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results; the schema is documented in the README (``smekit regress``)."""
        ols = self.ols.to_dict()
        out: dict[str, Any] = {
            "formula": self.design.formula,
            "n": self.ols.nobs,
            "n_dropped": self.design.n_dropped,
            "ols": ols,
            "vif": self.collinearity.to_dict()["vif"],
            "collinearity": self.collinearity.to_dict(),
            "reset": self.reset.to_dict(),
            "assumptions": self.assumptions.to_dict(),
            "influence": self.influence.to_dict(),
            "refit_without_flagged": self.refit.to_dict(),
            "huber": self.huber.to_dict(),
            "warnings": list(self.warnings),
        }
        bp = out["assumptions"].get("breusch_pagan")
        if bp is not None:
            out["breusch_pagan"] = {"lm": bp["lm"], "pvalue": bp["pvalue"], "df": bp.get("df")}
        if self.bisquare is not None:
            out["bisquare"] = self.bisquare.to_dict()
        if self.median is not None:
            out["median"] = self.median.to_dict()
        if self.interactions is not None:
            out["interactions"] = self.interactions.to_dict()
        if self.slopes is not None:
            out["simple_slopes"] = self.slopes.to_dict()
        if self.subgroups is not None:
            out["subgroups"] = self.subgroups.to_dict()
        if self.mediations:
            out["mediation"] = [m.to_dict() for m in self.mediations]
        return plain(out)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **{"indent": 2, **kwargs})


def model_column_from_frame(frame: pd.DataFrame, name: str, *, n: int, r2: float):
    """A table column from a coefficient frame indexed by term (coef, se, p)."""
    from smekit.analysis.tables import ModelColumn

    return ModelColumn(
        name=name,
        params=frame["coef"],
        se=frame["se"],
        pvalues=frame["p"],
        stats={"N": n, "R²": r2},
    )


def run_suite(
    data: pd.DataFrame,
    formula: str,
    *,
    id_column: str | None = None,
    subgroup: str | None = None,
    subgroup_labels: Mapping | None = None,
    min_group_size: int | None = None,
    interactions: Sequence[Sequence[str]] | None = None,
    slopes: tuple[str, str] | None = None,
    center: bool = True,
    reset_powers: Sequence[int] = (2, 3),
    huber_k: float = 1.345,
    alternatives: bool = True,
    mediations: Sequence[Mapping[str, Any]] = (),
    n_boot: int = 5000,
    seed: int = 0,
    source: str = "data",
) -> RegressionSuite:
    """Fit the whole regression suite on one data set.

    Parameters
    ----------
    data
        Tidy data, one row per case.
    formula
        ``"y ~ x1 + x2 + x3"`` (numeric terms; categorical controls as ``C(x)``).
    id_column
        Case identifier used to name flagged cases (else 0-based row positions).
    subgroup
        Categorical column for per-group models and the test of equal coefficients.
    subgroup_labels
        Display labels for subgroup codes (e.g. {1: "Retail"}).
    min_group_size
        Smallest group modelled (default: 10 per parameter; smaller groups are
        skipped with a warning).
    interactions
        Predictor pairs for the interaction model; ``[]``/None skips it.
    slopes
        ``(focal, moderator)`` for simple slopes; default: the first pair.
    center
        Mean-centre predictors before forming products.
    reset_powers
        Powers of the fitted values in the RESET test.
    huber_k
        Huber tuning constant (1.345: 95% efficiency at the normal).
    alternatives
        Also fit Tukey bisquare and median regression.
    mediations
        Mediation analyses: mappings with ``x``, ``m`` and optional ``y``
        (default: the outcome) and ``covariates``.
    n_boot, seed
        Bootstrap resamples and seed of the mediation analyses.
    source
        Name of the data in messages.
    """
    design = build_design(data, formula, id_column, source=source)
    notes: list[str] = []
    if design.n_dropped:
        notes.append(f"{design.n_dropped} rows dropped by listwise deletion (missing values).")
    ols = fit_ols(design)
    notes.extend(ols.notes)
    assumptions = check_assumptions(ols, seed=seed)
    coll = collinearity(ols)
    reset = reset_test(ols, powers=tuple(reset_powers))
    infl = influence(ols)
    refit = refit_without_flagged(ols, infl)
    huber = fit_huber(design, k=huber_k)
    bisq = fit_bisquare(design) if alternatives else None
    med = fit_median(design) if alternatives else None

    inter = None
    slope = None
    pairs = [tuple(p) for p in (interactions or [])]
    if pairs:
        predictors = sorted({v for p in pairs for v in p}, key=design.names.index)
        missing = [p for p in predictors if p not in design.names]
        if missing:
            raise ModelError(
                f"interaction terms {missing} are not numeric terms of the formula",
                where=source,
                fix=f"choose among {design.predictors}",
            )
        inter = interaction_model(design, design.outcome, predictors, pairs=pairs, center=center)
        focal, moderator = slopes or pairs[0]
        slope = simple_slopes(inter, focal, moderator)

    groups = None
    if subgroup is not None:
        if subgroup not in data.columns:
            raise ModelError(f"subgroup column '{subgroup}' not found", where=source)
        groups = subgroup_models(
            data,
            design,
            subgroup,
            min_size=min_group_size,
            id_column=id_column,
            labels=subgroup_labels,
            source=source,
        )
        notes.extend(groups.warnings)

    meds = []
    for spec in mediations:
        meds.append(
            mediation(
                data,
                spec["x"],
                spec["m"],
                spec.get("y", design.outcome),
                covariates=tuple(spec.get("covariates", ())),
                n_boot=n_boot,
                seed=seed,
                id_column=id_column,
                source=source,
            )
        )
    return RegressionSuite(
        design=design,
        ols=ols,
        assumptions=assumptions,
        collinearity=coll,
        reset=reset,
        influence=infl,
        refit=refit,
        huber=huber,
        bisquare=bisq,
        median=med,
        interactions=inter,
        slopes=slope,
        subgroups=groups,
        mediations=tuple(meds),
        warnings=tuple(notes),
    )
