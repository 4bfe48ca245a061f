"""Researcher edits kept in the study, written atomically and never under results/."""

from __future__ import annotations

import pytest

from smekit.core.errors import StudyError
from smekit.core.interpretations import (
    interpretations_path,
    read_interpretations,
    save_interpretation,
)


def test_save_keeps_other_entries(tmp_path):
    save_interpretation(tmp_path, "integration", "a", {"verdict": "converges"})
    save_interpretation(tmp_path, "integration", "b", {"verdict": "diverges", "note": "é 中"})
    save_interpretation(tmp_path, "integration", "a", {"verdict": "complements"})
    assert read_interpretations(tmp_path, "integration") == {
        "a": {"verdict": "complements"},
        "b": {"verdict": "diverges", "note": "é 中"},
    }
    assert interpretations_path(tmp_path, "integration").parent.name == "interpretations"
    assert [p.name for p in (tmp_path / "interpretations").iterdir()] == ["integration.yaml"]


def test_bad_names_and_files(tmp_path):
    with pytest.raises(StudyError, match="not a valid"):
        interpretations_path(tmp_path, "../results/x")
    path = interpretations_path(tmp_path, "integration")
    path.parent.mkdir()
    path.write_text("- just\n- a list\n")
    with pytest.raises(StudyError, match="expected a mapping"):
        read_interpretations(tmp_path, "integration")
