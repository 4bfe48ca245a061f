"""The Arellano-Bond employment data and R plm ``pgmm`` reference values.

``reference/emplUK.csv`` and ``reference/pgmm_emplUK.json`` were written by
``reference/pgmm_emplUK.R`` (R 4.2, plm 2.6-2): EmplUK ships with plm
(Arellano & Bond 1991: 140 UK firms, 1976-1984, unbalanced, 1,031 rows).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="session")
def empl() -> pd.DataFrame:
    d = pd.read_csv(REF / "emplUK.csv")
    for c in ("emp", "wage", "capital", "output"):
        d["l" + c[0]] = np.log(d[c])
    return d


@pytest.fixture(scope="session")
def pgmm_ref() -> dict:
    return json.loads((REF / "pgmm_emplUK.json").read_text())
