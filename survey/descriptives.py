"""Descriptive tables: the sample profile and construct correlations.

The sample profile follows the layout of a study's "Table 1": categorical
variables as n and % per category (labels from the instrument), numeric
variables as mean, SD, min and max.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from smekit.core.jsonable import json_ready
from smekit.survey.instrument import Instrument, ItemType


@dataclass(frozen=True)
class SampleProfile:
    """Sample-profile table.

    Attributes
    ----------
    categorical
        variable, label, category, n, percent (of answered).
    numeric
        variable, label, n, mean, sd, min, max.
    """

    n: int
    categorical: pd.DataFrame = field(repr=False)
    numeric: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Both parts in one long table: variable, category, n, percent, mean, sd, min, max."""
        return pd.concat([self.categorical, self.numeric], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``n``, ``categorical`` and ``numeric`` as lists of records."""
        return {
            "n": int(self.n),
            "categorical": json_ready(self.categorical),
            "numeric": json_ready(self.numeric),
        }


def sample_profile(
    data: pd.DataFrame,
    instrument: Instrument,
    variables: list[str] | None = None,
) -> SampleProfile:
    """Build a sample profile of single-choice, multiple-choice and numeric items.

    Parameters
    ----------
    data
        Tidy responses (usually the kept rows after quality checks).
    instrument
        Supplies labels and category names.
    variables
        Items to describe; default: every non-construct, non-text item except
        attention checks.

    Returns
    -------
    SampleProfile
        Percentages are of the respondents who answered the item
        (``100 n_category / n_answered``); SD uses ``ddof = 1``.

    Examples
    --------
    >>> from smekit.survey.instrument import Instrument
    >>> inst = Instrument.model_validate({
    ...     "kind": "questionnaire", "id": "x", "title": "x",
    ...     "sections": [{"id": "s", "title": "s", "items": [
    ...         {"id": "sector", "text": "Sector", "type": "single_choice", "choices": [
    ...             {"value": 1, "label": "Retail"}, {"value": 2, "label": "Services"}]},
    ...         {"id": "size", "text": "Employees", "type": "integer"}]}]})
    >>> prof = sample_profile(pd.DataFrame({"sector": [1, 1, 2, None],
    ...                                     "size": [10, 20, 30, None]}), inst)
    >>> prof.categorical[["category", "n", "percent"]].round(1).to_dict("records")
    [{'category': 'Retail', 'n': 2, 'percent': 66.7},
     {'category': 'Services', 'n': 1, 'percent': 33.3}]
    >>> prof.numeric[["n", "mean", "sd"]].to_dict("records")
    [{'n': 3, 'mean': 20.0, 'sd': 10.0}]
    """
    if variables is None:
        variables = [
            i.id
            for i in instrument.iter_items()
            if i.construct_id is None
            and i.attention_check is None
            and i.type != ItemType.text
            and i.id in data.columns
        ]
    cat_rows, num_rows = [], []
    for var in variables:
        item = instrument.items.get(var)
        col = data[var]
        label = item.text if item else var
        if item is not None and item.type in (ItemType.single_choice, ItemType.likert):
            labels = instrument.labels(item)
            codes = pd.to_numeric(col, errors="coerce")
            answered = int(codes.notna().sum())
            counts = codes.value_counts()
            for code in instrument.codes(item):
                k = int(counts.get(code, 0))
                cat_rows.append(
                    {
                        "variable": var,
                        "label": label,
                        "category": labels.get(code, str(code)),
                        "n": k,
                        "percent": 100 * k / answered if answered else np.nan,
                    }
                )
        elif item is not None and item.type == ItemType.multiple_choice:
            tokens = col.astype("string").str.split()
            answered = int(tokens.notna().sum())
            labels = instrument.labels(item)
            for code in instrument.codes(item):
                k = int(tokens.map(lambda xs, c=str(code): isinstance(xs, list) and c in xs).sum())
                cat_rows.append(
                    {
                        "variable": var,
                        "label": label,
                        "category": labels.get(code, str(code)),
                        "n": k,
                        "percent": 100 * k / answered if answered else np.nan,
                    }
                )
        else:
            x = pd.to_numeric(col, errors="coerce")
            num_rows.append(
                {
                    "variable": var,
                    "label": label,
                    "n": int(x.notna().sum()),
                    "mean": x.mean(),
                    "sd": x.std(ddof=1),
                    "min": x.min(),
                    "max": x.max(),
                }
            )
    cat = pd.DataFrame(cat_rows, columns=["variable", "label", "category", "n", "percent"])
    num = pd.DataFrame(num_rows, columns=["variable", "label", "n", "mean", "sd", "min", "max"])
    return SampleProfile(n=len(data), categorical=cat, numeric=num)


@dataclass(frozen=True)
class CorrelationTable:
    """Pearson correlations with p-values, pairwise-complete.

    Attributes
    ----------
    r, p, n
        Square frames of correlations, two-sided p-values and pair counts.
    """

    r: pd.DataFrame
    p: pd.DataFrame
    n: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Long form: var1, var2, r, p, n (lower triangle)."""
        rows = []
        cols = list(self.r.columns)
        for i, a in enumerate(cols):
            for b in cols[:i]:
                rows.append(
                    {
                        "var1": a,
                        "var2": b,
                        "r": self.r.loc[a, b],
                        "p": self.p.loc[a, b],
                        "n": int(self.n.loc[a, b]),
                    }
                )
        return pd.DataFrame(rows, columns=["var1", "var2", "r", "p", "n"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``variables`` and the square ``r``, ``p``, ``n`` as nested mappings."""
        return {
            "variables": [str(c) for c in self.r.columns],
            "r": json_ready(self.r.to_dict()),
            "p": json_ready(self.p.to_dict()),
            "n": json_ready(self.n.to_dict()),
        }

    def starred(self, digits: int = 2) -> pd.DataFrame:
        """Lower-triangle table of r with stars (* p < .05, ** p < .01, *** p < .001)."""
        cols = list(self.r.columns)
        out = pd.DataFrame("", index=cols, columns=cols)
        for i, a in enumerate(cols):
            out.loc[a, a] = "—"
            for b in cols[:i]:
                out.loc[a, b] = f"{self.r.loc[a, b]:.{digits}f}{stars(self.p.loc[a, b])}"
        return out


def stars(p: float | None) -> str:
    """APA-style significance stars: ``*`` p < .05, ``**`` p < .01, ``***`` p < .001."""
    if p is None or not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def correlation_table(data: pd.DataFrame, columns: list[str] | None = None) -> CorrelationTable:
    """Pearson correlation matrix with two-sided p-values from the t distribution.

    ``t = r sqrt((n - 2) / (1 - r^2))`` on ``n - 2`` degrees of freedom, with
    ``n`` the pairwise-complete count (as R ``cor.test``).

    Parameters
    ----------
    data
        One column per variable.
    columns
        Columns to correlate (default: every numeric column).

    References
    ----------
    Anscombe, F. J. (1973). Graphs in statistical analysis. *The American
    Statistician*, 27(1), 17-21.

    Examples
    --------
    Anscombe's first data set: r = 0.816 (Anscombe, 1973); R
    ``cor.test(x, y1)`` gives t = 4.2415, df = 9, p-value = 0.00217:

    >>> x = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]
    >>> y1 = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68]
    >>> tab = correlation_table(pd.DataFrame({"x": x, "y1": y1}))
    >>> r, p = float(tab.r.loc["y1", "x"]), float(tab.p.loc["y1", "x"])
    >>> round(r, 3), round(p, 5), tab.starred().loc["y1", "x"]
    (0.816, 0.00217, '0.82**')
    """
    frame = data[columns] if columns is not None else data.select_dtypes("number")
    frame = frame.astype("float64")
    r = frame.corr()
    present = frame.notna().astype("float64")
    n = present.T @ present
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt((n - 2) / (1 - r**2))
        p = pd.DataFrame(
            2 * stats.t.sf(np.abs(t.to_numpy()), df=(n - 2).to_numpy()),
            index=r.index,
            columns=r.columns,
        )
    for c in r.columns:
        p.loc[c, c] = 0.0
    return CorrelationTable(r=r, p=p, n=n.astype(int))
