"""Codings table: reading, checks (unknown code, past the text, overlaps), segment codings."""

from __future__ import annotations

import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.interviews.codings import (
    CODING_COLUMNS,
    check_codings,
    read_codings,
    segment_codings,
    with_text,
)

SOURCES = {"T1": "Interviewer: Why?\nAnn: Because costs rose.\n", "T2": "Ann: Fine.\n"}
SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["T1:0000", "T1:0001", "T2:0000"],
        "transcript_id": ["T1", "T1", "T2"],
        "char_start": [13, 23, 5],
        "char_end": [17, 42, 10],
    }
)


def _write(tmp_path, text):
    path = tmp_path / "coder_a.csv"
    path.write_text(text)
    return path


def test_problems_name_file_and_row_and_the_rest_is_kept(tmp_path):
    path = _write(
        tmp_path,
        "transcript_id,segment_id,start,end,code,memo\n"
        "T1,T1:0001,,,costs,first\n"  # segment-level: filled from the segments
        "T1,,23,30,costs,\n"  # overlaps row 1: merged
        "T1,,23,30,nonsense,\n"  # not in the codebook
        "T2,,5,99,costs,\n"  # past the text
        "T3,,0,4,costs,\n"  # unknown transcript
        "T1,,30,30,costs,\n",  # empty span
    )
    frame = read_codings(path)
    assert frame["coder"].unique().tolist() == ["coder_a"]  # from the file stem
    out = check_codings(frame, ["costs"], SOURCES, SEGMENTS)
    assert out.codings[["transcript_id", "start", "end", "code"]].values.tolist() == [
        ["T1", 23, 42, "costs"]
    ]
    assert list(out.codings.columns) == CODING_COLUMNS
    probs = out.problems.set_index("row")
    assert probs.loc[3, "problem"] == "code 'nonsense' is not in the codebook"
    assert probs.loc[4, "problem"] == "end 99 runs past the text (11 characters in T2)"
    assert probs.loc[5, "problem"] == "transcript 'T3' is not in the corpus"
    assert probs.loc[6, "problem"] == "empty span: end 30 <= start 30"
    assert probs.loc[2, "action"] == "merged into row 1"
    assert set(out.problems["file"]) == {str(path)}
    assert with_text(out.codings, SOURCES)["text"].tolist() == ["Because costs rose."]


def test_bad_positions_and_columns_raise_with_row_and_column(tmp_path):
    path = _write(tmp_path, "transcript_id,start,end,code\nT1,0,4,a\nT1,x,9,a\n")
    with pytest.raises(DataError, match=r"coder_a\.csv row 2, column 'start'"):
        read_codings(path)
    path = _write(tmp_path, "transcript_id,start\nT1,0\n")
    with pytest.raises(DataError, match=r"missing column\(s\) \['code'\]"):
        read_codings(path)


def test_segment_codings_span_the_segment():
    frame = segment_codings(SEGMENTS, "ann", {"T1:0001": "costs", "T2:0000": "fine"})
    assert frame[["start", "end", "code", "coder"]].values.tolist() == [
        [23, 42, "costs", "ann"],
        [5, 10, "fine", "ann"],
    ]
    assert with_text(frame, SOURCES)["text"].tolist() == ["Because costs rose.", "Fine."]
