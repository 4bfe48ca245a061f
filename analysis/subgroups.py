"""Subgroup models: one linear model per level of a grouping column, and their equality test.

S1 re-estimates its model separately for retail, manufacturing and services
firms; :func:`subgroup_models` does this for any categorical column and tests
whether all coefficients are equal across the groups with the Chow test
generalised to ``G`` groups: the pooled model (common coefficients) against
the fully interacted model (one model per group),

``F = ((RSS_pooled - sum_g RSS_g) / ((G - 1) k)) / (sum_g RSS_g / (n - G k))``

on ``((G - 1) k, n - G k)`` degrees of freedom, which is R's
``anova(lm(y ~ x), lm(y ~ g * x))``.

Every model is fitted by the blocked Householder QR of
:mod:`smekit.analysis.lstsq` over the group's rows, selected one row block at
a time; the pooled model comes from the QR of the groups' stacked triangular
factors (exact, no rows needed), so no group's rows are copied as a whole.

References
----------
Chow, G. C. (1960). Tests of equality between sets of coefficients in two
linear regressions. *Econometrica*, 28(3), 591-605.
Fisher, F. M. (1970). Tests of equality between sets of coefficients in two
linear regressions: an expository note. *Econometrica*, 38(2), 361-366.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smekit.analysis.design import INTERCEPT, Design, build_design, require_finite
from smekit.analysis.estimates import Estimates
from smekit.analysis.linear_fit import LinearFit, factor_blocks, fit_factor
from smekit.analysis.lstsq import stack_r
from smekit.analysis.nested_f import FTest, nested_f_test
from smekit.core.errors import ModelError

_BLOCK = 8_192
_PER_PARAMETER = 10


@dataclass(frozen=True)
class SubgroupResult:
    """Per-level models and the test of equal coefficients.

    Attributes
    ----------
    group, formula
        Grouping column and model formula.
    levels
        Levels that were estimated, as strings (labels when given), in order.
    table
        One row per level and term: ``level, term, coef, se, t, p, ci_low,
        ci_high, n, r2``.
    fits
        The fit of each estimated level.
    equality_test
        Chow test of equal coefficients across the estimated levels.
    skipped
        Levels not estimated: ``level, n, reason``.
    warnings
        Plain-language notes (skipped levels, rows without a group).
    min_size
        Smallest level size that was estimated.
    n
        Rows in the estimated levels.
    n_dropped
        Rows dropped: missing model variables or a missing group.
    """

    group: str
    formula: str
    levels: tuple[str, ...]
    table: pd.DataFrame
    fits: dict[str, LinearFit] = field(repr=False)
    equality_test: FTest
    skipped: pd.DataFrame
    warnings: tuple[str, ...]
    min_size: int
    n: int
    n_dropped: int

    def estimates(self, level: str) -> Estimates:
        """The coefficient table of one estimated level (t on that model's df)."""
        if level not in self.fits:
            raise ModelError(
                f"level {level!r} was not estimated", fix=f"estimated levels: {list(self.levels)}"
            )
        return self.fits[level].estimates()

    def to_frame(self) -> pd.DataFrame:
        """The per-level coefficient table."""
        return self.table.copy()

    def to_dict(self) -> dict:
        """``{<level>: {params, bse, pvalues, n, rsquared}, "equality_test": {...}, ...}``."""
        out: dict = {}
        for level in self.levels:
            fit = self.fits[level]
            out[level] = {
                "params": {str(k): float(v) for k, v in fit.params.items()},
                "bse": {str(k): float(v) for k, v in fit.bse.items()},
                "pvalues": {str(k): float(v) for k, v in fit.pvalues.items()},
                "n": int(fit.n),
                "rsquared": float(fit.rsquared),
            }
        out["equality_test"] = self.equality_test.to_dict()
        out["skipped"] = {
            str(r.level): {"n": int(r.n), "reason": str(r.reason)}
            for r in self.skipped.itertuples(index=False)
        }
        out["warnings"] = list(self.warnings)
        return out


def _levels(values: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 for missing) and the observed levels in order.

    Whole-number floats (codes read back from a file with missing values) are
    treated as integers, so level 1.0 is named "1" and matches a label for 1.
    """
    if pd.api.types.is_float_dtype(values.dtype):
        present = values.dropna()
        if len(present) and (present == np.round(present)).all():
            values = values.astype("Int64")
    if isinstance(values.dtype, pd.CategoricalDtype):
        observed = values.dropna().unique()
        levels = [c for c in values.cat.categories if c in set(observed)]
    else:
        uniques = pd.unique(values.dropna())
        try:
            levels = sorted(uniques)
        except TypeError:
            levels = sorted(uniques, key=str)
        # Codes by hashing once (first-appearance order, -1 for missing), then
        # renumbered to the sorted levels: faster than matching every value
        # against the categories.
        first, seen = pd.factorize(values)
        if len(seen) == len(levels):
            rank = {v: i for i, v in enumerate(levels)}
            try:
                order = np.array([rank[v] for v in seen], dtype=np.int64)
            except (KeyError, TypeError):
                order = None
            if order is not None:
                codes = np.full(len(first), -1, dtype=np.int64)
                hit = first >= 0
                codes[hit] = order[first[hit]]
                return codes, levels
    codes = pd.Categorical(values, categories=levels).codes.astype(np.int64)
    return codes, levels


def _positions(data: pd.DataFrame, design: Design, id_column: str | None, source: str):
    """Row positions in ``data`` of the design's rows."""
    if id_column is None:
        pos = np.asarray(design.ids)
        if not pd.api.types.is_integer_dtype(pos) or (pos.size and pos.max() >= len(data)):
            raise ModelError(
                "the design's rows cannot be located in the data",
                where=source,
                fix="build the design from the same data, or pass its id_column",
            )
        return pos
    if id_column not in data.columns:
        raise ModelError(f"id column '{id_column}' not found", where=source)
    index = pd.Index(data[id_column])
    if not index.is_unique:
        raise ModelError(f"id column '{id_column}' has duplicate values", where=source)
    pos = index.get_indexer(design.ids)
    if (pos < 0).any():
        raise ModelError(
            f"some design rows have ids not found in column '{id_column}'", where=source
        )
    return pos


def subgroup_models(
    data: pd.DataFrame,
    formula: str | Design,
    group: str,
    *,
    min_size: int | None = None,
    id_column: str | None = None,
    labels: Mapping | None = None,
    alpha: float = 0.05,
    source: str = "data",
) -> SubgroupResult:
    """Fit ``formula`` in each level of ``group`` and test equal coefficients.

    Rows with a missing value in a model variable or in ``group`` are dropped
    first. A level is estimated when it has at least ``min_size`` rows, more
    rows than parameters, and every term varies (and is not collinear) within
    it; other levels are skipped, each with a reason in ``skipped`` and a
    warning (recorded in ``warnings`` and emitted with :func:`warnings.warn`).
    The equality test compares the pooled model on the estimated levels' rows
    with the per-level models (Chow 1960, generalised to ``G`` groups by
    Fisher 1970): R's ``anova(lm(f, d), lm(update(f, ~ g * .), d))`` on those
    rows.

    Parameters
    ----------
    data
        Tidy data, one row per case.
    formula
        Model formula, e.g. ``"dt ~ tools + supply + training + engagement"``;
        or a :class:`~smekit.analysis.design.Design` already built from
        ``data`` (so a suite builds it once), whose ``ids`` locate its rows in
        ``data``: row positions, or values of a unique ``id_column``.
    group
        Categorical column (text, codes or pandas categorical); its levels are
        ordered as the categories, else sorted.
    min_size
        Smallest level to estimate. Default: 10 rows per parameter (Harrell's
        rule of thumb for stable linear-model estimates). Levels must in any
        case have more rows than parameters.
    id_column
        Case identifier, used in the listwise-deletion log.
    labels
        Optional names for group codes, e.g. ``{1: "retail", 2: "manufacturing"}``.
    alpha
        Confidence intervals are ``1 - alpha``.
    source
        Name of the data, used in messages.

    Returns
    -------
    SubgroupResult

    Raises
    ------
    ModelError
        For an unknown group column, a group column used in the formula, bad
        options, or fewer than two estimable levels.

    References
    ----------
    Chow (1960); Fisher (1970); Harrell, F. E. (2015). *Regression Modeling
    Strategies* (2nd ed.), section 4.4. Springer.
    """
    if group not in data.columns:
        raise ModelError(
            f"group column '{group}' not found",
            where=source,
            fix="columns include: " + ", ".join(map(str, list(data.columns)[:12])),
        )
    if not 0 < alpha < 1:
        raise ModelError(f"alpha must be between 0 and 1, got {alpha!r}")
    if isinstance(formula, Design):
        design = formula
        positions = _positions(data, design, id_column, source)
        formula = design.formula
    else:
        design = build_design(data, formula, id_column, source=source)
        positions = np.flatnonzero(data[design.variables].notna().all(axis=1).to_numpy())
    require_finite(design)
    if group in design.variables:
        raise ModelError(
            f"group column '{group}' is also a term of the formula {formula!r}",
            where=source,
            fix="drop it from the formula; subgroup models fit it level by level",
        )
    k = design.k
    if min_size is None:
        min_size = _PER_PARAMETER * k
    elif int(min_size) != min_size or min_size < 1:
        raise ModelError(f"min_size must be a positive integer, got {min_size!r}")
    min_size = int(min_size)

    codes, levels = _levels(data[group].iloc[positions])
    notes: list[str] = []
    n_missing_group = int((codes < 0).sum())
    if n_missing_group:
        notes.append(f"{n_missing_group} row(s) with no '{group}' value were left out")
        design = design.subset(codes >= 0)
        codes = codes[codes >= 0]
    label_of = [str(labels.get(lv, lv)) if labels is not None else str(lv) for lv in levels]
    if len(set(label_of)) < len(label_of):
        raise ModelError(f"two levels of '{group}' have the same label", where=source)

    names = list(design.names)
    intercept = INTERCEPT in names
    slope_idx = np.array([j for j, nm in enumerate(names) if nm != INTERCEPT])
    if intercept and names[0] != INTERCEPT:
        names = [INTERCEPT] + [names[j] for j in slope_idx]
    X, y = design.X, design.y
    counts = np.bincount(codes, minlength=len(levels))

    # the slope columns as a slice when they are adjacent (a view, not a copy, per block)
    contiguous = slope_idx.size > 0 and bool(np.all(np.diff(slope_idx) == 1))
    columns = slice(int(slope_idx[0]), int(slope_idx[-1]) + 1) if contiguous else slope_idx

    def blocks_for(selected: set[int]):
        def blocks():
            for i in range(0, design.n, _BLOCK):
                block_codes = codes[i : i + _BLOCK]
                sel = (
                    block_codes == next(iter(selected))
                    if len(selected) == 1
                    else np.isin(block_codes, list(selected))
                )
                if sel.any():
                    yield X[i : i + _BLOCK, columns][sel], y[i : i + _BLOCK][sel]

        return blocks

    fits: dict[str, LinearFit] = {}
    parts: list[np.ndarray] = []
    used: list[int] = []
    skipped = []
    for g, label in enumerate(label_of):
        n_g = int(counts[g])
        reason = None
        if n_g <= k:
            reason = f"{n_g} rows but {k} parameters"
        elif n_g < min_size:
            reason = f"{n_g} rows, fewer than min_size = {min_size}"
        else:
            blocks = blocks_for({g})
            r_aug, _ = factor_blocks(blocks, intercept)
            try:
                fits[label] = fit_factor(r_aug, n_g, names, intercept, alpha=alpha)
            except ModelError as exc:
                reason = exc.what
            else:
                parts.append(r_aug)
                used.append(g)
        if reason is not None:
            skipped.append({"level": label, "n": n_g, "reason": reason})
            msg = f"'{group}' level '{label}' skipped: {reason}"
            notes.append(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
    if len(used) < 2:
        sizes = ", ".join(f"{lab} (n={int(c)})" for lab, c in zip(label_of, counts, strict=True))
        raise ModelError(
            f"fewer than two levels of '{group}' can be estimated: {sizes}",
            where=source,
            fix=f"each level needs at least {max(min_size, k + 1)} rows with every term varying; "
            "merge small levels or lower min_size",
        )
    n_pooled = int(sum(counts[g] for g in used))
    pooled = fit_factor(stack_r(parts), n_pooled, names, intercept, alpha=alpha)
    n_used = int(sum(counts[g] for g in used))
    ssr_groups = float(sum(fits[label_of[g]].ssr for g in used))
    test = nested_f_test(pooled.ssr, n_used - k, ssr_groups, n_used - len(used) * k)

    frames = []
    for g in used:
        label = label_of[g]
        fit = fits[label]
        frames.append(fit.table.assign(level=label, n=fit.n, r2=fit.rsquared))
    table = pd.concat(frames, ignore_index=True)[
        ["level", "term", "coef", "se", "t", "p", "ci_low", "ci_high", "n", "r2"]
    ]
    return SubgroupResult(
        group=group,
        formula=formula,
        levels=tuple(label_of[g] for g in used),
        table=table,
        fits=fits,
        equality_test=test,
        skipped=pd.DataFrame(skipped, columns=["level", "n", "reason"]),
        warnings=tuple(notes),
        min_size=min_size,
        n=n_used,
        n_dropped=design.n_dropped + n_missing_group,
    )


__all__ = ["SubgroupResult", "subgroup_models"]
