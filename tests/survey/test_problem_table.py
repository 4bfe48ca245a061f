"""The problems table: sorted like ``sort_values(["row", "column"], kind="stable")``."""

import numpy as np
import pandas as pd

from smekit.survey.problem_table import PROBLEM_COLUMNS, problem_rows, problem_table


def test_light_parts_and_frames_sort_like_pandas():
    rng = np.random.default_rng(3)
    parts, frames = [], []
    for j in range(12):
        rows = rng.integers(2, 60, size=rng.integers(0, 25))
        if j % 3 == 0:  # a part with values per row, one of them missing
            value = np.asarray([f"v{r}" for r in rows], dtype=object)
            if len(value):
                value[0] = None
        else:
            value = ""
        part = problem_rows(
            file="r.csv",
            row=rows,
            column=f"q{j % 5}",
            value=value,
            rule=f"rule{j % 2}",
            message="m",
        )
        parts.append(part)
        frames.append(pd.DataFrame({c: part[c] for c in PROBLEM_COLUMNS}))
    imported = pd.DataFrame(
        {
            "file": "r.csv",
            "row": [7, 3],
            "column": ["", "q1"],
            "value": ["x", "y"],
            "rule": "encoding_fallback",
            "message": "m",
        }
    )
    got = problem_table([*parts, imported])
    expected = (
        pd.concat([*frames, imported], ignore_index=True)[PROBLEM_COLUMNS]
        .sort_values(["row", "column"], kind="stable")
        .reset_index(drop=True)
    )
    expected["value"] = expected["value"].astype("str")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["row"].dtype == "int64"
    assert got["value"].isna().sum() == expected["value"].isna().sum() > 0


def test_no_problems_gives_the_empty_table():
    got = problem_table(
        [problem_rows(file="r", row=[], column="q", value="", rule="x", message="")]
    )
    assert list(got.columns) == PROBLEM_COLUMNS and len(got) == 0
