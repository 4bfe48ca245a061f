"""Model design: a formula and a data frame become ``y``, ``X`` and a deletion log.

Every estimator in :mod:`smekit.analysis` starts here, so bad input is caught
once, with one clear message: unknown columns, non-numeric columns used as
numbers, constant predictors, perfect collinearity and too few rows.
Formulas use the Wilkinson-Rogers notation as implemented by ``formulaic``
(``y ~ x1 + x2 + C(sector) + x1:x2``); the constant is named ``Intercept``.

References
----------
Wilkinson, G. N., & Rogers, C. E. (1973). Symbolic description of factorial
models for analysis of variance. *Applied Statistics*, 22(3), 392-399.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from smekit.analysis.lstsq import BLOCK_ROWS, RANK_TOL, aliased_columns, qr_r
from smekit.core.errors import ModelError

INTERCEPT = "Intercept"


@dataclass(frozen=True)
class Design:
    """A model's response vector, design matrix and provenance.

    Attributes
    ----------
    formula
        The formula as given.
    outcome
        Name of the response variable.
    y
        Response, shape ``(n,)``, float64.
    X
        Design matrix, shape ``(n, k)``, float64, columns in ``names`` order.
    names
        Column names of ``X`` (``"Intercept"`` for the constant).
    ids
        Identifier of each kept row: values of the id column, or 0-based row
        positions in the input when no id column is given.
    dropped
        Listwise-deletion log: one row per dropped input row with its ``id``
        and ``reason`` (the variables that were missing).
    variables
        Input columns the formula uses (outcome first).
    """

    formula: str
    outcome: str
    y: np.ndarray
    X: np.ndarray
    names: list[str]
    ids: pd.Index
    dropped: pd.DataFrame = field(repr=False)
    variables: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @cached_property
    def r_aug(self) -> np.ndarray:
        """Triangular factor of ``[X | y]`` (:func:`smekit.analysis.lstsq.qr_r`), computed once.

        The rank check of :func:`build_design` and the OLS fit share it.
        """
        return qr_r(self.X, self.y)

    @property
    def k(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_dropped(self) -> int:
        return len(self.dropped)

    @property
    def has_intercept(self) -> bool:
        return INTERCEPT in self.names

    @property
    def predictors(self) -> list[str]:
        """Column names other than the intercept."""
        return [n for n in self.names if n != INTERCEPT]

    def exog_frame(self) -> pd.DataFrame:
        """``X`` as a DataFrame indexed by ``ids``."""
        return pd.DataFrame(self.X, columns=self.names, index=self.ids)

    def subset(self, mask: np.ndarray) -> Design:
        """The design restricted to rows where ``mask`` is true (same columns)."""
        mask = np.asarray(mask, dtype=bool)
        return Design(
            formula=self.formula,
            outcome=self.outcome,
            y=self.y[mask],
            X=_take_rows(self.X, mask),
            names=list(self.names),
            ids=self.ids[mask],
            dropped=self.dropped,
            variables=list(self.variables),
        )


def _take_rows(X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rows of ``X`` where ``mask`` holds, as a Fortran-ordered copy, one column at a time."""
    out = np.empty((int(mask.sum()), X.shape[1]), order="F")
    for j in range(X.shape[1]):
        np.compress(mask, X[:, j], out=out[:, j])
    return out


def _split_formula(formula: str) -> tuple[str, str]:
    if formula.count("~") != 1:
        raise ModelError(
            f"formula {formula!r} must have exactly one '~'", fix="write it as 'y ~ x1 + x2'"
        )
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not lhs or not rhs:
        raise ModelError(f"formula {formula!r} needs an outcome and at least one term")
    return lhs, rhs


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _plain_terms(formula: str) -> list[str] | None:
    """The terms of ``y ~ a + b + c`` when every term is a bare, distinct column name."""
    lhs, rhs = _split_formula(formula)
    terms = [t.strip() for t in rhs.split("+")]
    if not _NAME.match(lhs) or not all(_NAME.match(t) for t in terms):
        return None
    if len(set(terms)) != len(terms) or lhs in terms:
        return None
    return terms


def formula_variables(formula: str) -> list[str]:
    """Data columns a formula refers to, outcome first."""
    import formulaic

    lhs, _ = _split_formula(formula)
    try:
        parsed = formulaic.Formula(formula)
    except Exception as exc:  # formulaic raises several parser error types
        raise ModelError(f"cannot parse formula {formula!r}: {exc}") from None
    needed = set(parsed.required_variables) - {"np", "C", "center", "scale", "log", "exp"}
    lhs_vars = [v for v in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", lhs) if v in needed]
    rest = sorted(needed - set(lhs_vars))
    return lhs_vars + rest


def build_design(
    data: pd.DataFrame,
    formula: str,
    id_column: str | None = None,
    *,
    source: str = "data",
    check_rank: bool = True,
) -> Design:
    """Build the design of a linear model with listwise deletion.

    Parameters
    ----------
    data
        Tidy data, one row per case.
    formula
        ``"y ~ x1 + x2"``; categorical variables must be wrapped in ``C()``.
    id_column
        Column identifying cases (kept out of the model); without it rows are
        identified by their 0-based position in ``data``.
    source
        Name of the data, used in messages.
    check_rank
        Refuse constant predictors and perfectly collinear columns.

    Returns
    -------
    Design

    Raises
    ------
    ModelError
        For unknown or non-numeric columns, constant predictors, perfect
        collinearity, or fewer complete rows than parameters.
    """
    import formulaic

    outcome, _ = _split_formula(formula)
    variables = formula_variables(formula)
    missing = [v for v in variables if v not in data.columns]
    if missing:
        known = ", ".join(map(str, list(data.columns)[:12]))
        raise ModelError(
            f"formula {formula!r} names column(s) {missing} not found",
            where=source,
            fix=f"columns include: {known}",
        )
    if id_column is not None and id_column not in data.columns:
        raise ModelError(f"id column '{id_column}' not found", where=source)
    categorical = set(re.findall(r"C\(\s*([A-Za-z_][A-Za-z0-9_.]*)", formula))
    for v in variables:
        col = data[v]
        if v in categorical:
            continue
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            raise _not_numeric(data, v, id_column, source)
    ids_all = pd.Index(data[id_column]) if id_column is not None else pd.RangeIndex(len(data))
    miss = np.column_stack([data[v].isna().to_numpy() for v in variables])
    bad = miss.any(axis=1)
    keep: np.ndarray | None = None
    if bad.any():
        names = np.asarray(variables)
        rows = np.flatnonzero(bad)
        reasons = ["missing " + ", ".join(names[miss[r]]) for r in rows[:100_000]]
        if len(rows) > len(reasons):
            reasons += ["missing values"] * (len(rows) - len(reasons))
        dropped = pd.DataFrame({"id": ids_all[rows], "reason": reasons})
        keep = ~bad
        ids = ids_all[keep]
    else:
        dropped = pd.DataFrame(
            {"id": pd.Series([], dtype=object), "reason": pd.Series([], dtype=object)}
        )
        ids = ids_all
    del miss
    n_rows = len(ids)
    if n_rows == 0:
        raise ModelError(f"no complete rows for formula {formula!r}", where=source)

    def column(v: str) -> np.ndarray:
        values = data[v].to_numpy(dtype=np.float64)
        return values if keep is None else values[keep]

    plain = _plain_terms(formula)
    if plain is not None and all(v not in categorical for v in [outcome, *plain]):
        # y ~ a + b + c with numeric columns: the matrix is the columns and a constant.
        y = column(outcome)
        X = np.empty((n_rows, len(plain) + 1), dtype=np.float64, order="F")
        X[:, 0] = 1.0
        for j, v in enumerate(plain, start=1):
            X[:, j] = column(v)
        names = [INTERCEPT, *plain]
    else:
        try:
            frame = data[variables] if keep is None else data.loc[keep, variables]
            mm = formulaic.model_matrix(formula, frame, na_action="raise")
        except Exception as exc:
            raise ModelError(
                f"cannot build the model matrix for {formula!r}: {exc}", where=source
            ) from None
        y_frame, x_frame = mm.lhs, mm.rhs
        if y_frame.shape[1] != 1:
            raise ModelError(
                f"formula {formula!r} must have a single numeric outcome", where=source
            )
        y = np.asarray(y_frame, dtype=np.float64).ravel()
        X = np.asarray(x_frame, dtype=np.float64)
        names = [str(c) for c in x_frame.columns]
    n, k = X.shape
    if n <= k:
        raise ModelError(
            f"{n} complete rows but {k} parameters: a model needs more rows than parameters",
            where=source,
            fix="drop predictors or supply more data",
        )
    design = Design(
        formula=formula,
        outcome=outcome,
        y=y,
        X=np.asfortranarray(X),
        names=names,
        ids=pd.Index(ids),
        dropped=dropped.reset_index(drop=True),
        variables=variables,
    )
    require_finite(design, source)
    if check_rank:
        _check_columns(design, names, source)
    return design


def _not_numeric(data: pd.DataFrame, column: str, id_column: str | None, source: str) -> ModelError:
    """An error naming the first cell of ``column`` that is text, with its row."""
    col = data[column]
    text = col.notna().to_numpy() & pd.to_numeric(col, errors="coerce").isna().to_numpy()
    if not text.any():
        return ModelError(
            f"column '{column}' is not numeric",
            where=source,
            fix=f"recode it, or write C({column}) to use it as a categorical variable",
        )
    pos = np.flatnonzero(text)
    first = int(pos[0])
    row = f"data row {first + 1}"
    if id_column is not None:
        row += f" ({id_column} = {data[id_column].iloc[first]!r})"
    more = f"; {len(pos) - 1} more text cell(s) in this column" if len(pos) > 1 else ""
    return ModelError(
        f"column '{column}' is not numeric: {row} has {str(col.iloc[first])!r}{more}",
        where=source,
        fix=f"recode or blank that cell (blank cells are dropped listwise), or write "
        f"C({column}) to use it as a categorical variable",
    )


def require_finite(design: Design, source: str | None = None) -> None:
    """Refuse infinite values, naming the first offending term and row.

    Called by :func:`build_design` and again by estimators, which also accept a
    :class:`Design` built by hand.
    """
    where = source or design.formula
    if not np.isfinite(design.y).all():
        row = int(np.flatnonzero(~np.isfinite(design.y))[0])
        raise ModelError(
            f"outcome '{design.outcome}' is infinite in row {design.ids[row]!r}",
            where=where,
            fix="recode or drop that row",
        )
    bad = ~np.isfinite(design.X)
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        raise ModelError(
            f"term '{design.names[col]}' is infinite in row {design.ids[row]!r}",
            where=where,
            fix="recode or drop that row",
        )


def tsqr_r(
    X: np.ndarray,
    y: np.ndarray | None = None,
    scale: np.ndarray | None = None,
    block: int = BLOCK_ROWS,
) -> np.ndarray:
    """``R`` of ``[X / scale | y]`` over row blocks: :func:`smekit.analysis.lstsq.qr_r`."""
    return qr_r(X, y, scale=scale, block=block)


def _check_columns(design: Design, names: list[str], source: str) -> None:
    """Refuse constant predictors and perfectly collinear columns."""
    X = design.X
    has_const = INTERCEPT in names
    for j, name in enumerate(names):
        col = X[:, j]
        if name != INTERCEPT and has_const and col.min() == col.max():
            raise ModelError(
                f"predictor '{name}' is constant (every row is {col[0]:g})",
                where=source,
                fix="drop it from the formula",
            )
    # The engine's rank rule (smekit.analysis.lstsq): |R_jj| <= RANK_TOL * ||x_j||.
    dependent = aliased_columns(design.r_aug[: design.k, : design.k], RANK_TOL)
    if dependent:
        raise ModelError(
            f"predictor '{names[dependent[0]]}' is perfectly collinear with earlier terms",
            where=source,
            fix="drop it or one of the variables it is a combination of",
        )
