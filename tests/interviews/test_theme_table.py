"""Theme table: prevalence, attributed quotes, and interpretations never overwritten."""

from __future__ import annotations

import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.interviews.codebook import load_codebook
from smekit.interviews.theme_table import (
    attribution,
    read_interpretations,
    theme_table,
    write_interpretations_template,
)
from smekit.survey.instrument import library_path


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(library_path("s1_codebook"))


SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["P05:0003", "P05:0007", "P02:0003", "P11:0005", "P11:0009"],
        "participant_id": ["P05", "P05", "P02", "P11", "P11"],
        "text": [
            "We moved order management into a cloud system so everyone could work from home.",
            "Now the customs forms fill themselves in.",
            "We started using a sales dashboard every morning.",
            "We found a second supplier in Vietnam.",
            "We answer customers on WhatsApp now.",
        ],
    }
)
SHEET = pd.DataFrame(
    {"participant_id": ["P02", "P05", "P11"], "role": ["Owner", "E-commerce Manager", "Founder"]}
)
ASSIGN = pd.DataFrame(
    {
        "segment_id": ["P05:0003", "P05:0007", "P02:0003", "P11:0005", "P11:0009"],
        "theme": ["digital_tools_adoption"] * 3 + ["supply_chain_diversification", None],
        "similarity": [0.9, 0.95, 0.7, 0.8, 0.1],
    }
)


def test_rows_prevalence_and_attributed_quotes(codebook):
    tt = theme_table(
        ASSIGN, SEGMENTS, codebook, SHEET, interpretations={"digital_tools_adoption": "x"}
    )
    t = tt.table.set_index("theme")
    assert list(t.index) == [c.id for c in codebook.themes()]
    tools = t.loc["digital_tools_adoption"]
    assert (tools.n_participants, tools.n_segments) == (2, 3)
    assert tools.definition.startswith("Taking up or extending digital technology")
    # One quote per participant, best-ranked first (P05's 0.95 segment beats its 0.9 one).
    assert tools.quotes == [
        ("Now the customs forms fill themselves in.", "Participant 5, E-commerce Manager"),
        ("We started using a sales dashboard every morning.", "Participant 2, Owner"),
    ]
    assert tools.interpretation == "x"
    assert t.loc["employee_training_engagement"].n_segments == 0
    assert t.loc["employee_training_engagement"].quotes == []
    frame = tt.to_frame()
    assert "\u201cWe found a second supplier in Vietnam.\u201d (Participant 11, Founder)" in set(
        frame["quotes"]
    )
    assert "| Adoption of digital tools | 2 | 3 |" in tt.to_markdown()
    assert tt.to_dict()["themes"][1]["quotes"][0]["attribution"] == (
        "Participant 5, E-commerce Manager"
    )


def test_representatives_are_preferred(codebook):
    tt = theme_table(
        ASSIGN, SEGMENTS, codebook, SHEET, representatives={"digital_tools_adoption": ["P02:0003"]}
    )
    quotes = tt.table.set_index("theme").loc["digital_tools_adoption", "quotes"]
    assert quotes[0][1] == "Participant 2, Owner"


def test_attribution_forms():
    assert attribution("P05", "E-commerce Manager") == "Participant 5, E-commerce Manager"
    assert attribution("P12", float("nan")) == "Participant 12"


def test_interpretations_are_written_once_and_never_overwritten(tmp_path, codebook):
    path = tmp_path / "interpretations" / "themes.yaml"
    assert write_interpretations_template(path, codebook) is True
    assert read_interpretations(path) == {t.id: "" for t in codebook.themes()}
    text = path.read_text().replace(
        "digital_tools_adoption:\n    name: Adoption of digital tools\n    interpretation: ''",
        "digital_tools_adoption:\n    name: Adoption of digital tools\n"
        "    interpretation: Tools came first; engagement followed.",
    )
    path.write_text(text + "# researcher's note\n")
    before = path.read_bytes()
    assert write_interpretations_template(path, codebook) is False
    assert path.read_bytes() == before
    got = read_interpretations(path)
    assert got["digital_tools_adoption"] == "Tools came first; engagement followed."
    assert read_interpretations(tmp_path / "absent.yaml") == {}


def test_bad_input(tmp_path, codebook):
    bad = tmp_path / "themes.yaml"
    bad.write_text("themes: [a, b]\n")
    with pytest.raises(DataError, match="themes"):
        read_interpretations(bad)
    with pytest.raises(DataError, match="not in the segments frame"):
        theme_table(ASSIGN.assign(segment_id="X:0001"), SEGMENTS, codebook)
