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
import warnings
from collections.abc import Callable, Mapping, Sequence
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
        Plain-language notes collected from the parts, each once (including one
        line per skipped part).
    skipped
        Parts that could not be computed on these data, with the reason
        (``{"reset": "RESET needs more than 6 rows ..."}``); their fields are None.
        Only the OLS fit itself failing stops the suite.
    """

    design: Design = field(repr=False)
    ols: OLSResult = field(repr=False)
    assumptions: AssumptionReport | None = field(repr=False)
    collinearity: CollinearityResult | None = field(repr=False)
    reset: ResetResult | None = field(repr=False)
    influence: InfluenceResult | None = field(repr=False)
    refit: OLSResult | None = field(repr=False)
    huber: RobustResult | None = field(repr=False)
    bisquare: RobustResult | None = field(default=None, repr=False)
    median: RobustResult | None = field(default=None, repr=False)
    interactions: InteractionResult | None = field(default=None, repr=False)
    slopes: SimpleSlopes | None = field(default=None, repr=False)
    subgroups: SubgroupResult | None = field(default=None, repr=False)
    mediations: tuple[MediationResult, ...] = field(default=(), repr=False)
    warnings: tuple[str, ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)

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

        for name, fit in (
            ("OLS", self.ols),
            ("OLS without flagged", self.refit),
            ("Huber", self.huber),
            ("Bisquare", self.bisquare),
            ("Median", self.median),
        ):
            if fit is None:
                continue
            est = fit.estimates()
            ci = est.conf_int()
            add(name, est.params, est.bse, est.pvalues, ci["lower"], ci["upper"])
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
        if self.refit is not None and self.refit is not self.ols:
            cols.append(model_column(self.refit, "OLS w/o flagged"))
        if self.huber is not None:
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

    def robust_comparison(self) -> pd.DataFrame | None:
        """OLS against Huber: each coefficient's difference in OLS standard errors."""
        return None if self.huber is None else compare_ols_robust(self.ols, self.huber)

    def refit_comparison(self) -> pd.DataFrame | None:
        if self.refit is None:
            return None
        return compare_models(self.ols, self.refit, labels=("full", "without_flagged"))

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results; the schema is documented in the README (``smekit regress``)."""
        ols = self.ols.to_dict()
        ols["hc3"] = self.ols.estimates("HC3").to_dict()

        def part(value: Any) -> Any:
            return None if value is None else value.to_dict()

        coll = part(self.collinearity)
        out: dict[str, Any] = {
            "formula": self.design.formula,
            "n": self.ols.nobs,
            "n_dropped": self.design.n_dropped,
            "ols": ols,
            "vif": None if coll is None else coll["vif"],
            "collinearity": coll,
            "reset": part(self.reset),
            "assumptions": part(self.assumptions),
            "influence": part(self.influence),
            "refit_without_flagged": part(self.refit),
            "huber": part(self.huber),
            "warnings": list(self.warnings),
            "skipped": dict(self.skipped),
        }
        bp = (out["assumptions"] or {}).get("breusch_pagan")
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
    skipped: dict[str, str] = {}
    if design.n_dropped:
        notes.append(f"{design.n_dropped} rows dropped by listwise deletion (missing values).")
    ols = fit_ols(design)
    notes.extend(ols.notes)

    def optional(name: str, label: str, fit: Callable[[], Any]) -> Any:
        """Run one optional part; on failure record why and go on without it."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reason = None
            try:
                value = fit()
            except (ModelError, np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
                reason = exc.what if isinstance(exc, ModelError) else str(exc)
                value = None
        notes.extend(str(w.message) for w in caught)
        if reason is not None:
            skipped[name] = reason
            notes.append(f"{label} skipped: {reason}")
        return value

    assumptions = optional(
        "assumptions", "Assumption tests", lambda: check_assumptions(ols, seed=seed)
    )
    coll = optional("collinearity", "Collinearity diagnostics", lambda: collinearity(ols))
    reset = optional("reset", "RESET", lambda: reset_test(ols, powers=tuple(reset_powers)))
    infl = optional("influence", "Influence measures", lambda: influence(ols))
    refit = None
    if infl is not None:
        refit = optional(
            "refit_without_flagged",
            "Refit without flagged cases",
            lambda: refit_without_flagged(ols, infl),
        )
    huber = optional("huber", "Huber regression", lambda: fit_huber(design, k=huber_k))
    bisq = (
        optional("bisquare", "Bisquare regression", lambda: fit_bisquare(design))
        if alternatives
        else None
    )
    med = (
        optional("median", "Median regression", lambda: fit_median(design))
        if alternatives
        else None
    )

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
        inter = optional(
            "interactions",
            "Interaction model",
            lambda: interaction_model(
                design, design.outcome, predictors, pairs=pairs, center=center
            ),
        )
        if inter is not None:
            focal, moderator = slopes or pairs[0]
            slope = optional(
                "simple_slopes", "Simple slopes", lambda: simple_slopes(inter, focal, moderator)
            )

    groups = None
    if subgroup is not None:
        if subgroup not in data.columns:
            raise ModelError(f"subgroup column '{subgroup}' not found", where=source)
        groups = optional(
            "subgroups",
            f"Subgroup models by '{subgroup}'",
            lambda: subgroup_models(
                data,
                design,
                subgroup,
                min_size=min_group_size,
                id_column=id_column,
                labels=subgroup_labels,
                source=source,
            ),
        )
        if groups is not None:
            notes.extend(groups.warnings)

    meds = []
    for i, spec in enumerate(mediations):
        med_fit = optional(
            f"mediation_{i + 1}",
            f"Mediation {spec['x']} -> {spec['m']}",
            lambda spec=spec: mediation(
                data,
                spec["x"],
                spec["m"],
                spec.get("y", design.outcome),
                covariates=tuple(spec.get("covariates", ())),
                n_boot=n_boot,
                seed=seed,
                id_column=id_column,
                source=source,
            ),
        )
        if med_fit is not None:
            meds.append(med_fit)
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
        warnings=tuple(dict.fromkeys(notes)),
        skipped=skipped,
    )
