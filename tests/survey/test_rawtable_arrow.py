"""Delimited-text columns kept as Arrow text: codes, spreading values, writability."""

import numpy as np
import pandas as pd
import pyarrow as pa

from smekit.survey.instrument import Instrument
from smekit.survey.rawtable import _Column
from smekit.survey.responses import read_responses


def test_arrow_column_codes_follow_first_appearance_across_blocks():
    column = _Column(arrow=pa.chunked_array([pa.array(["b", "a", ""]), pa.array(["a", "c"])]))
    assert column.uniques.tolist() == ["b", "a", "", "c"]
    assert column.codes.tolist() == [0, 1, 2, 1, 3]
    assert column.take(np.array([10, 20, 30, 40], dtype=np.int8), 0).tolist() == [
        10,
        20,
        30,
        20,
        40,
    ]
    assert column.take(np.array(["x", "y", "z", "w"], dtype=object), None).tolist() == [
        "x",
        "y",
        "z",
        "y",
        "w",
    ]


def test_an_empty_arrow_column():
    column = _Column(arrow=pa.chunked_array([], pa.string()))
    assert len(column) == 0 and column.all_missing
    assert column.take(np.array([], dtype=np.int8), 0).tolist() == []


def test_coded_answers_from_a_csv_can_be_edited_in_place(tmp_path):
    """Values spread by Arrow are handed over as writable numpy arrays."""
    inst = Instrument.model_validate(
        {
            "kind": "questionnaire",
            "id": "x",
            "title": "x",
            "scales": {"a5": {"min": 1, "max": 5, "anchors": {1: "no", 5: "yes"}}},
            "sections": [
                {
                    "id": "s",
                    "title": "s",
                    "items": [{"id": "q1", "text": "q", "type": "likert", "scale": "a5"}],
                }
            ],
        }
    )
    path = tmp_path / "r.csv"
    path.write_text("rid,q1\nr1,1\nr2,\nr3,5\n", encoding="utf-8")
    data = read_responses(path, inst).data
    assert data["q1"].tolist() == [1, pd.NA, 5]
    data.loc[0, "q1"] = 4
    column = data.pop("q1")  # no other reference: written in place
    column.iloc[2] = 3
    assert column.tolist() == [4, pd.NA, 3]
    assert data["rid"].tolist() == ["r1", "r2", "r3"]
