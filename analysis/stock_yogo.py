"""Stock-Yogo (2005) critical values for the Cragg-Donald weak-instrument test (2SLS).

No Python package ships these tables; they are transcribed here from

Stock, J. H., & Yogo, M. (2005). Testing for weak instruments in linear IV
regression. In D. W. K. Andrews & J. H. Stock (Eds.), *Identification and
inference for econometric models: Essays in honor of Thomas Rothenberg*
(pp. 80-108). Cambridge University Press.

* **Table 5.1** (relative bias): critical values of the Cragg-Donald statistic
  (in F form) such that a 5 % test rejects when the bias of 2SLS relative to
  OLS exceeds ``b`` = 5 %, 10 %, 20 %, 30 %; for ``n`` = 1, 2, 3 endogenous
  regressors and ``K2`` = n + 2 ... 30 excluded instruments (the bias is
  defined only with at least two overidentifying restrictions).
* **Table 5.2** (size): critical values such that a 5 % test rejects when the
  actual size of a nominal 5 % 2SLS Wald test exceeds ``r`` = 10 %, 15 %, 20 %,
  25 %; for ``n`` = 1, 2 and ``K2`` = n ... 30. Stock and Yogo tabulate
  2SLS size for one and two endogenous regressors only (their Tables 5.3 and
  5.4 are for LIML and Fuller-k, estimators smekit does not fit).

The values are those printed by Stata's ``ivreg2`` (Baum, Schaffer & Stillman
2007, ``cdsy``), which reproduces the same tables; the test file checks a set
of entries against the published tables.

The tables were derived for i.i.d. errors; with robust or clustered errors the
Kleibergen-Paap rk Wald F is customarily compared with them (Baum, Schaffer &
Stillman 2007, section 7.3), with that caveat.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import Any

import pandas as pd

__all__ = [
    "BIAS_LEVELS",
    "SIZE_LEVELS",
    "StockYogo",
    "bias_table",
    "compare",
    "critical_values",
    "size_table",
]

SIZE_LEVELS = (0.10, 0.15, 0.20, 0.25)
BIAS_LEVELS = (0.05, 0.10, 0.20, 0.30)

# K2, then n = 1 (10 %, 15 %, 20 %, 25 %), then n = 2 (same levels)
_TABLE_5_2 = """\
1,16.38,8.96,6.66,5.53,,,,
2,19.93,11.59,8.75,7.25,7.03,4.58,3.95,3.63
3,22.3,12.83,9.54,7.8,13.43,8.18,6.4,5.45
4,24.58,13.96,10.26,8.31,16.87,9.93,7.54,6.28
5,26.87,15.09,10.98,8.84,19.45,11.22,8.38,6.89
6,29.18,16.23,11.72,9.38,21.68,12.33,9.1,7.42
7,31.5,17.38,12.48,9.93,23.72,13.34,9.77,7.91
8,33.84,18.54,13.24,10.5,25.64,14.31,10.41,8.39
9,36.19,19.71,14.01,11.07,27.51,15.24,11.03,8.85
10,38.54,20.88,14.78,11.65,29.32,16.16,11.65,9.31
11,40.9,22.06,15.56,12.23,31.11,17.06,12.25,9.77
12,43.27,23.24,16.35,12.82,32.88,17.95,12.86,10.22
13,45.64,24.42,17.14,13.41,34.62,18.84,13.45,10.68
14,48.01,25.61,17.93,14,36.36,19.72,14.05,11.13
15,50.39,26.8,18.72,14.6,38.08,20.6,14.65,11.58
16,52.77,27.99,19.51,15.19,39.8,21.48,15.24,12.03
17,55.15,29.19,20.31,15.79,41.51,22.35,15.83,12.49
18,57.53,30.38,21.1,16.39,43.22,23.22,16.42,12.94
19,59.92,31.58,21.9,16.99,44.92,24.09,17.02,13.39
20,62.3,32.77,22.7,17.6,46.62,24.96,17.61,13.84
21,64.69,33.97,23.5,18.2,48.31,25.82,18.2,14.29
22,67.07,35.17,24.3,18.8,50.01,26.69,18.79,14.74
23,69.46,36.37,25.1,19.41,51.7,27.56,19.38,15.19
24,71.85,37.57,25.9,20.01,53.39,28.42,19.97,15.64
25,74.24,38.77,26.71,20.61,55.07,29.29,20.56,16.1
26,76.62,39.97,27.51,21.22,56.76,30.15,21.15,16.55
27,79.01,41.17,28.31,21.83,58.45,31.02,21.74,17
28,81.4,42.37,29.12,22.43,60.13,31.88,22.33,17.45
29,83.79,43.57,29.92,23.04,61.82,32.74,22.92,17.9
30,86.17,44.78,30.72,23.65,63.51,33.61,23.51,18.35
"""

# K2, then n = 1 (5 %, 10 %, 20 %, 30 %), n = 2 and n = 3 (same levels)
_TABLE_5_1 = """\
3,13.91,9.08,6.46,5.39,,,,,,,,
4,16.85,10.27,6.71,5.34,11.04,7.56,5.57,4.73,,,,
5,18.37,10.83,6.77,5.25,13.97,8.78,5.91,4.79,9.53,6.61,4.99,4.3
6,19.28,11.12,6.76,5.15,15.72,9.48,6.08,4.78,12.2,7.77,5.35,4.4
7,19.86,11.29,6.73,5.07,16.88,9.92,6.16,4.76,13.95,8.5,5.56,4.44
8,20.25,11.39,6.69,4.99,17.7,10.22,6.2,4.73,15.18,9.01,5.69,4.46
9,20.53,11.46,6.65,4.92,18.3,10.43,6.22,4.69,16.1,9.37,5.78,4.46
10,20.74,11.49,6.61,4.86,18.76,10.58,6.23,4.66,16.8,9.64,5.83,4.45
11,20.9,11.51,6.56,4.8,19.12,10.69,6.23,4.62,17.35,9.85,5.87,4.44
12,21.01,11.52,6.53,4.75,19.4,10.78,6.22,4.59,17.8,10.01,5.9,4.42
13,21.1,11.52,6.49,4.71,19.64,10.84,6.21,4.56,18.17,10.14,5.92,4.41
14,21.18,11.52,6.45,4.67,19.83,10.89,6.2,4.53,18.47,10.25,5.93,4.39
15,21.23,11.51,6.42,4.63,19.98,10.93,6.19,4.5,18.73,10.33,5.94,4.37
16,21.28,11.5,6.39,4.59,20.12,10.96,6.17,4.48,18.94,10.41,5.94,4.36
17,21.31,11.49,6.36,4.56,20.23,10.99,6.16,4.45,19.13,10.47,5.94,4.34
18,21.34,11.48,6.33,4.53,20.33,11,6.14,4.43,19.29,10.52,5.94,4.32
19,21.36,11.46,6.31,4.51,20.41,11.02,6.13,4.41,19.44,10.56,5.94,4.31
20,21.38,11.45,6.28,4.48,20.48,11.03,6.11,4.39,19.56,10.6,5.93,4.29
21,21.39,11.44,6.26,4.46,20.54,11.04,6.1,4.37,19.67,10.63,5.93,4.28
22,21.4,11.42,6.24,4.43,20.6,11.05,6.08,4.35,19.77,10.65,5.92,4.27
23,21.41,11.41,6.22,4.41,20.65,11.05,6.07,4.33,19.86,10.68,5.92,4.25
24,21.41,11.4,6.2,4.39,20.69,11.05,6.06,4.32,19.94,10.7,5.91,4.24
25,21.42,11.38,6.18,4.37,20.73,11.06,6.05,4.3,20.01,10.71,5.9,4.23
26,21.42,11.37,6.16,4.35,20.76,11.06,6.03,4.29,20.07,10.73,5.9,4.21
27,21.42,11.36,6.14,4.34,20.79,11.06,6.02,4.27,20.13,10.74,5.89,4.2
28,21.42,11.34,6.13,4.32,20.82,11.05,6.01,4.26,20.18,10.75,5.88,4.19
29,21.42,11.33,6.11,4.31,20.84,11.05,6,4.24,20.23,10.76,5.88,4.18
30,21.42,11.32,6.09,4.29,20.86,11.05,5.99,4.23,20.27,10.77,5.87,4.17
"""


def _read(text: str, levels: tuple[float, ...], n_max: int, kind: str) -> pd.DataFrame:
    cols = ["K2"] + [f"{n}_{lv}" for n in range(1, n_max + 1) for lv in levels]
    wide = pd.read_csv(StringIO(text), header=None, names=cols)
    rows = []
    for _, r in wide.iterrows():
        for n in range(1, n_max + 1):
            for lv in levels:
                v = r[f"{n}_{lv}"]
                if pd.notna(v):
                    rows.append(
                        {
                            "n_endog": n,
                            "n_instruments": int(r["K2"]),
                            kind: lv,
                            "critical_value": float(v),
                        }
                    )
    return pd.DataFrame(rows)


def size_table() -> pd.DataFrame:
    """Table 5.2 as a long frame: ``n_endog``, ``n_instruments``, ``size``, ``critical_value``.

    Examples
    --------
    >>> t = size_table()
    >>> t.query("n_endog == 1 and n_instruments == 1")["critical_value"].tolist()
    [16.38, 8.96, 6.66, 5.53]
    """
    return _read(_TABLE_5_2, SIZE_LEVELS, 2, "size")


def bias_table() -> pd.DataFrame:
    """Table 5.1 as a long frame: ``n_endog``, ``n_instruments``, ``bias``, ``critical_value``.

    Examples
    --------
    >>> t = bias_table()
    >>> t.query("n_endog == 1 and n_instruments == 3")["critical_value"].tolist()
    [13.91, 9.08, 6.46, 5.39]
    """
    return _read(_TABLE_5_1, BIAS_LEVELS, 3, "bias")


def critical_values(n_endog: int, n_instruments: int) -> dict[str, dict[str, float]]:
    """Critical values for ``n_endog`` endogenous regressors and ``n_instruments`` instruments.

    Returns ``{"size": {"10%": ..., ...}, "bias": {"5%": ..., ...}}``; a part
    is empty where Stock and Yogo tabulate nothing (size with more than two
    endogenous regressors, bias with fewer than ``n_endog + 2`` instruments,
    more than 30 instruments).

    Examples
    --------
    >>> critical_values(1, 2)["size"]
    {'10%': 19.93, '15%': 11.59, '20%': 8.75, '25%': 7.25}
    >>> critical_values(1, 2)["bias"]
    {}
    """
    out: dict[str, dict[str, float]] = {}
    for kind, table in (("size", size_table()), ("bias", bias_table())):
        t = table[(table["n_endog"] == n_endog) & (table["n_instruments"] == n_instruments)]
        out[kind] = {
            f"{round(100 * lv):d}%": float(v)
            for lv, v in zip(t[kind], t["critical_value"], strict=True)
        }
    return out


@dataclass(frozen=True)
class StockYogo:
    """A weak-instrument F statistic set against the Stock-Yogo critical values.

    Attributes
    ----------
    statistic
        The F statistic compared (Cragg-Donald or Kleibergen-Paap).
    name
        Its name.
    size, bias
        Level -> critical value (empty where not tabulated).
    max_size, max_bias
        Smallest tabulated maximal size (bias) the statistic rules out, e.g.
        ``"10%"`` when it exceeds the 10 % critical value; None when it exceeds
        none of them (or none is tabulated).
    """

    statistic: float
    name: str
    size: dict[str, float]
    bias: dict[str, float]
    max_size: str | None
    max_bias: str | None

    def verdict(self) -> str:
        """One sentence for a table note."""
        if not self.size and not self.bias:
            return f"{self.name} = {self.statistic:.2f}; no Stock-Yogo critical values tabulated"
        if self.max_size is None and self.size:
            return (
                f"{self.name} = {self.statistic:.2f} is below the 25% maximal IV size "
                f"critical value ({self.size['25%']:.2f}): weak instruments"
            )
        bits = []
        if self.max_size is not None:
            bits.append(
                f"maximal IV size {self.max_size} (critical value {self.size[self.max_size]:.2f})"
            )
        if self.max_bias is not None:
            bits.append(f"relative bias {self.max_bias} ({self.bias[self.max_bias]:.2f})")
        return f"{self.name} = {self.statistic:.2f} rules out " + " and ".join(bits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "name": self.name,
            "size": self.size,
            "bias": self.bias,
            "max_size": self.max_size,
            "max_bias": self.max_bias,
            "verdict": self.verdict(),
        }


def compare(
    statistic: float, n_endog: int, n_instruments: int, name: str = "Cragg-Donald Wald F"
) -> StockYogo:
    """Set an F statistic against the critical values (see :class:`StockYogo`).

    Examples
    --------
    >>> compare(12.0, 1, 1).max_size
    '15%'
    >>> compare(4.0, 1, 1).verdict()[:40]
    'Cragg-Donald Wald F = 4.00 is below the '
    """
    cv = critical_values(n_endog, n_instruments)

    def best(table: dict[str, float]) -> str | None:
        passed = [lv for lv, v in table.items() if statistic > v]
        return min(passed, key=lambda s: float(s[:-1])) if passed else None

    return StockYogo(
        float(statistic), name, cv["size"], cv["bias"], best(cv["size"]), best(cv["bias"])
    )
