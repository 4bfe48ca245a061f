"""Descriptive tables: the sample profile and construct correlations.

The sample profile follows the layout of a study's "Table 1": categorical
variables as n and % per category (labels from the instrument), numeric
variables as mean, SD, min and max.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

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
