"""Code x case matrices, co-occurrence and theme prevalence by firm attribute."""

from __future__ import annotations

import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.interviews.matrices import code_case_matrix, cooccurrence, prevalence_by_attribute

SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["P01:0001", "P01:0003", "P02:0001", "P03:0001"],
        "transcript_id": ["P01", "P01", "P02", "P03"],
        "participant_id": ["P01", "P01", "P02", "P03"],
    }
)
SHEET = pd.DataFrame(
    {
        "participant_id": ["P01", "P02", "P03"],
        "firm_id": ["F9", "F4", "F9"],
        "sector": ["Retail", "Services", "Retail"],
        "region": ["East", "East", "West"],
    }
)
CODINGS = pd.DataFrame(
    {
        "segment_id": ["P01:0001", "P01:0001", "P01:0003", "P02:0001", "P03:0001", "P01:0001"],
        "transcript_id": ["P01", "P01", "P01", "P02", "P03", "P01"],
        "code": [
            "dt_analytics",
            "ce_feedback",
            "dt_analytics",
            "ce_feedback",
            "dt_analytics",
            "dt_analytics",
        ],
        "coder": ["A", "A", "A", "A", "A", "B"],
    }
)


def test_code_by_participant_counts_and_binary():
    m = code_case_matrix(CODINGS, SEGMENTS)
    assert m.to_dict() == {
        "P01": {"ce_feedback": 1, "dt_analytics": 3},
        "P02": {"ce_feedback": 1, "dt_analytics": 0},
        "P03": {"ce_feedback": 0, "dt_analytics": 1},
    }
    b = code_case_matrix(CODINGS, SEGMENTS, binary=True)
    assert b.loc["dt_analytics"].tolist() == [1, 0, 1]
    assert b.to_csv().splitlines()[0] == "code,P01,P02,P03"


def test_code_by_firm_pools_the_firms_participants():
    m = code_case_matrix(CODINGS, SEGMENTS, SHEET, by="firm")
    assert m.to_dict() == {
        "F4": {"ce_feedback": 1, "dt_analytics": 0},
        "F9": {"ce_feedback": 1, "dt_analytics": 4},
    }
    with pytest.raises(DataError, match="without a row"):
        code_case_matrix(CODINGS, SEGMENTS, SHEET.iloc[:1], by="firm")
    with pytest.raises(DataError, match="firm id"):
        code_case_matrix(CODINGS, SEGMENTS, SHEET.drop(columns="firm_id"), by="firm")


def test_cooccurrence_is_segment_level_and_symmetric():
    m = cooccurrence(CODINGS)
    # P01:0001 has both codes (coder B's repeat does not count twice).
    assert m.to_dict() == {
        "ce_feedback": {"ce_feedback": 2, "dt_analytics": 1},
        "dt_analytics": {"ce_feedback": 1, "dt_analytics": 3},
    }
    assert (m.to_numpy() == m.to_numpy().T).all()


def test_prevalence_by_sector_and_region():
    a = pd.DataFrame(
        {
            "segment_id": ["P01:0001", "P01:0003", "P03:0001", "P02:0001"],
            "theme": ["tools", "tools", "tools", "customers"],
        }
    )
    by_sector = prevalence_by_attribute(a, SEGMENTS, SHEET, "sector")
    got = {
        (r.theme, r.level): (r.n_participants, r.n_level, r.share) for r in by_sector.itertuples()
    }
    assert got[("tools", "Retail")] == (2, 2, 1.0)  # P01 twice counts once
    assert got[("tools", "Services")] == (0, 1, 0.0)
    assert got[("customers", "Services")] == (1, 1, 1.0)
    by_region = prevalence_by_attribute(a, SEGMENTS, SHEET, "region")
    east = by_region[(by_region["theme"] == "tools") & (by_region["level"] == "East")]
    assert east[["n_participants", "n_level", "share"]].values.tolist() == [[1, 2, 0.5]]
    with pytest.raises(DataError, match="no column 'size'"):
        prevalence_by_attribute(a, SEGMENTS, SHEET, "size")


def test_codings_of_unknown_transcripts_are_an_error():
    bad = CODINGS.assign(transcript_id="P99")
    with pytest.raises(DataError, match="P99"):
        code_case_matrix(bad, SEGMENTS)
