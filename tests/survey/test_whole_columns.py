"""Coded items parsed as whole numbers give the same table as reading them as text."""

import numpy as np
import pandas as pd
import pytest

import smekit.survey.responses as responses
from smekit.survey.coding import _whole_numbers as whole
from smekit.survey.instrument import Instrument
from smekit.survey.responses import read_responses

INSTRUMENT = Instrument.model_validate(
    {
        "kind": "questionnaire",
        "id": "x",
        "title": "x",
        "scales": {
            "a5": {"min": 1, "max": 5, "anchors": {1: "Strongly disagree", 5: "Strongly agree"}}
        },
        "sections": [
            {
                "id": "s",
                "title": "s",
                "items": [
                    {"id": "q1", "text": "q", "type": "likert", "scale": "a5"},
                    {"id": "q2", "text": "q", "type": "likert", "scale": "a5"},
                    {"id": "staff", "text": "Employees", "type": "integer"},
                ],
            }
        ],
    }
)


def _read_both(path, monkeypatch):
    import smekit.survey.coding as coding

    calls = []
    with monkeypatch.context() as m:
        m.setattr(coding, "_whole_numbers", lambda *a: calls.append(1) or whole(*a))
        fast = read_responses(path, INSTRUMENT)
    with monkeypatch.context() as m:
        m.setattr(responses, "_whole_items", lambda names, instrument, kobo: {})
        text = read_responses(path, INSTRUMENT)
    return fast, text, len(calls)


def _same(fast, text):
    pd.testing.assert_frame_equal(fast.data, text.data)
    pd.testing.assert_frame_equal(fast.problems, text.problems)
    pd.testing.assert_series_equal(fast.row_numbers, text.row_numbers)


@pytest.mark.parametrize(
    "late_cell",
    [
        "3",  # all whole numbers: parsed as numbers
        "Strongly agree",  # a label after the first 200 records: the file is read as text
        "n/a",  # a missing token, likewise
        "99999",  # beyond a 16-bit code: read as text, reported as out of range later
    ],
)
def test_whole_number_columns_read_like_text(tmp_path, monkeypatch, late_cell):
    rng = np.random.default_rng(2)
    lines = ["rid,q1,q2,staff"]
    for i in range(600):
        q1 = str(rng.integers(1, 6)) if i % 7 else ""
        q2 = f"0{rng.integers(1, 6)}" if i % 5 == 0 else str(rng.integers(1, 6))
        staff = str(rng.integers(1, 3_000_000_000)) if i % 11 else ""
        if i == 450:
            q1 = late_cell
        lines.append(f"r{i},{q1},{q2},{staff}")
    path = tmp_path / "responses.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, text, parsed_as_numbers = _read_both(path, monkeypatch)
    _same(fast, text)
    staff = [int(line.split(",")[3]) if line.split(",")[3] else pd.NA for line in lines[1:]]
    assert fast.data["staff"].tolist() == staff
    # all three coded columns were parsed as numbers unless a late cell is not one
    assert parsed_as_numbers == (3 if late_cell == "3" else 0)
    if late_cell == "Strongly agree":
        assert fast.data["q1"].iloc[450] == 5


def test_labels_at_the_start_are_read_as_text(tmp_path, monkeypatch):
    path = tmp_path / "responses.csv"
    path.write_text(
        "rid,q1,q2,staff\nr1,Strongly agree,2,10\nr2,1,-3,\nr3,,5,7\n", encoding="utf-8"
    )
    fast, text, parsed_as_numbers = _read_both(path, monkeypatch)
    _same(fast, text)
    assert parsed_as_numbers == 2  # q2 and staff; q1 holds a label
    assert fast.data["q1"].tolist() == [5, 1, pd.NA]
    assert fast.data["q2"].tolist() == [2, -3, 5]
    assert fast.data["staff"].tolist() == [10, pd.NA, 7]
