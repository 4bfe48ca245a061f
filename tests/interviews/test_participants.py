"""Participant sheet: reading, linking to transcripts, mismatches, identifying columns."""

from __future__ import annotations

import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.interviews.participants import (
    identifying_values,
    match_transcripts,
    public_sheet,
    read_participants,
)


def test_sheet_and_folder_mismatches_are_listed(tmp_path):
    sheet = tmp_path / "participants.csv"
    sheet.write_text(
        "participant_id,respondent_id,role,sector,region,name,transcript_file\n"
        "P01,F1,Owner,Retail,East,Ann Lee,P01.vtt\n"
        "P02,F2,Founder,Services,West,Bo Chen,P02.docx\n"
        "P03,F3,Owner,Retail,East,Cy Wu,\n"
    )
    frame = read_participants(sheet)
    assert frame["firm_id"].tolist() == ["F1", "F2", "F3"]  # respondent_id is the firm id
    m = match_transcripts(frame, {"P01": "x/P01.vtt", "P03": "x/P03.txt", "P09": "x/P09.txt"})
    assert m.participant_of == {"P01": "P01", "P03": "P03"}
    rows = m.mismatches[["participant_id", "transcript_id", "problem"]]
    rows = rows.astype(object).where(rows.notna(), None).values.tolist()
    assert rows == [
        ["P02", None, "in the sheet, no transcript"],
        [None, "P09", "transcript not in the sheet"],
    ]
    assert identifying_values(frame) == {"person": ["Ann Lee", "Bo Chen", "Cy Wu"]}
    assert "name" not in public_sheet(frame).columns


def test_duplicate_and_missing_ids_name_the_row(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("participant_id,role\nP01,Owner\nP01,Founder\n")
    with pytest.raises(DataError, match=r"s\.csv row 3: participant_id 'P01' appears twice"):
        read_participants(sheet)
    sheet.write_text("id,role\nP01,Owner\n")
    with pytest.raises(DataError, match="no 'participant_id' column"):
        read_participants(sheet)


def test_demo_sheet_links_every_transcript(demo_study):
    frame = read_participants(demo_study.root / "data" / "participants.csv")
    files = {p.stem: str(p) for p in (demo_study.root / "data" / "transcripts").iterdir()}
    m = match_transcripts(frame, files)
    assert m.mismatches.empty
    assert len(m.participant_of) == 15
    assert isinstance(frame, pd.DataFrame)
