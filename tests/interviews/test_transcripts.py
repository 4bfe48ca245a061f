"""Transcript readers: plain text, DOCX, WebVTT, SRT and folders → the segments frame."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import docx
import pytest

from smekit.core.errors import DataError
from smekit.interviews.transcripts import (
    SEGMENT_COLUMNS,
    assign_role,
    read_corpus,
    read_transcript,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "interviews"


def _spans_hold(corpus) -> None:
    for tid, g in corpus.segments.groupby("transcript_id"):
        src = corpus.sources[tid]
        for a, b, text in zip(g["char_start"], g["char_end"], g["text"], strict=True):
            assert src[a:b] == text


def test_plain_text_turns_timestamps_and_continuations():
    corpus = read_corpus(FIX / "timestamps.txt")
    seg = corpus.segments
    assert list(seg.columns) == SEGMENT_COLUMNS
    assert seg["speaker"].tolist() == ["Interviewer", "Ann Lee", "Interviewer", "Ann Lee"]
    assert seg["role"].tolist() == ["interviewer", "participant", "interviewer", "participant"]
    assert seg["segment_id"].tolist() == [f"timestamps:{k:04d}" for k in range(4)]
    # the continuation line belongs to Ann Lee's first turn
    assert (
        seg["text"][1]
        == "We sell tea online. Mostly to Germany.\nIt started in 2019, before the pandemic."
    )
    # start and end timestamps both give the turn start
    assert seg["start"].tolist()[:3] == [5.0, 9.0, 75.0]
    assert seg["start"][3] == 100.0
    assert seg["text"][3] == "Shipping costs tripled."
    _spans_hold(corpus)
    # the heading line before the first label is reported, not silently dropped
    assert corpus.problems["place"].tolist() == ["lines 1"]


def test_bom_crlf_emoji_and_cjk_offsets_are_code_points():
    corpus = read_corpus(FIX / "bom_crlf_emoji_cjk.txt")
    src = corpus.sources["bom_crlf_emoji_cjk"]
    assert not src.startswith("\ufeff")  # the BOM is not text
    assert "\r\n" in src  # line ends kept as the file holds them
    seg = corpus.segments
    assert seg["text"].tolist() == ["Café owners? 😀", "我们卖茶 tea 🍵 online.", "Thanks."]
    # offsets count code points: the emoji is one, CR and LF are two
    # "Interviewer: " is 13; line 1 has 27 code points + CRLF; "Li Wei: " 8; line 2 has 26 + CRLF
    assert seg["char_start"].tolist() == [13, 27 + 2 + 8, 27 + 2 + 26 + 2 + 13]
    _spans_hold(corpus)


def test_vtt_voice_tags_and_untagged_cue_keeps_previous_speaker():
    corpus = read_corpus(FIX / "voices.vtt")
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["Interviewer", "Bo Chen", "Interviewer"]
    # cue 3 has no voice tag: it joins Bo Chen's turn, and that is reported
    assert seg["text"][1] == "Everything moved online. We hired two people for live chat."
    assert (seg["start"][1], seg["end"][1]) == (5.0, 12.0)
    assert math.isclose(seg["end"][0], 4.5)
    assert corpus.problems["place"].tolist() == ["cues 3"]
    assert "without a voice tag" in corpus.problems["problem"][0]
    _spans_hold(corpus)


def test_vtt_without_any_voice_tag_is_unknown_and_reported():
    corpus = read_corpus(FIX / "novoice.vtt")
    assert corpus.segments["speaker"].tolist() == ["unknown"]
    assert corpus.segments["role"].tolist() == ["unknown"]
    assert corpus.problems["place"].tolist() == ["cues 1-2"]


def test_srt_speaker_prefixes():
    corpus = read_corpus(FIX / "speakers.srt")
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["Interviewer", "Maria Rossi"]
    assert seg["text"][1] == "We opened a second warehouse. In Poland, near the border."
    assert seg["start"].tolist() == [1.0, 3.5]
    _spans_hold(corpus)


def test_docx_bold_labels_colon_prefixes_and_tables(tmp_path):
    d = docx.Document()
    d.add_paragraph("Transcript of interview 7")  # heading before any speaker
    p = d.add_paragraph()
    p.add_run("Interviewer").bold = True
    p.add_run(" What did you change first?")
    d.add_paragraph("Zhou Ting: We moved to cloud software.")
    d.add_paragraph("That took a month.")  # continuation
    table = d.add_table(rows=1, cols=3)
    for cell, value in zip(
        table.rows[0].cells, ["Interviewer", "00:02:10", "Anything else?"], strict=True
    ):
        cell.text = value
    path = tmp_path / "P07.docx"
    d.save(path)
    corpus = read_corpus(path)
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["Interviewer", "Zhou Ting", "Interviewer"]
    assert seg["text"].tolist() == [
        "What did you change first?",
        "We moved to cloud software. That took a month.",
        "Anything else?",
    ]
    assert seg["start"][2] == 130.0
    assert corpus.problems["place"].tolist() == ["paragraphs 1"]
    _spans_hold(corpus)


def test_folder_keeps_readable_files_and_reports_the_others(tmp_path):
    for name in ("timestamps.txt", "voices.vtt", "empty.txt", "cp1252.txt"):
        shutil.copy(FIX / name, tmp_path / name)
    (tmp_path / "~$lock.docx").write_bytes(b"")
    corpus = read_corpus(tmp_path)
    assert sorted(corpus.sources) == ["timestamps", "voices"]
    skipped = corpus.problems[corpus.problems["action"] == "skipped"]
    assert sorted(Path(f).name for f in skipped["file"]) == ["cp1252.txt", "empty.txt"]
    assert skipped["problem"].str.contains("not valid UTF-8 text \\(byte 16, line 1\\)").any()
    assert skipped["problem"].str.contains("no speaker turns").any()


def test_empty_and_undecodable_files_raise_naming_the_file():
    with pytest.raises(DataError, match=r"empty\.txt: the transcript has no speaker turns"):
        read_transcript(FIX / "empty.txt")
    with pytest.raises(DataError, match=r"cp1252\.txt: not valid UTF-8 text \(byte 16, line 1\)"):
        read_transcript(FIX / "cp1252.txt")
    # with the encoding named, the same file reads
    t = read_transcript(FIX / "cp1252.txt", encoding="cp1252")
    assert t.source_text.startswith("Interviewer: Café")
    with pytest.raises(DataError, match="unknown transcript format"):
        read_transcript(FIX / "names.csv")


def test_roles_from_a_speaker_map():
    assert assign_role("Dr Li", {"Dr Li": "interviewer"}) == "interviewer"
    assert assign_role("dr li", {"Dr Li": "interviewer"}) == "interviewer"
    assert assign_role("Moderator") == "interviewer"
    assert assign_role("I") == "interviewer"
    assert assign_role("Ann Lee") == "participant"
    corpus = read_corpus(FIX / "timestamps.txt", speaker_map={"Ann Lee": "unknown"})
    assert corpus.segments["role"].tolist()[1] == "unknown"


def test_demo_transcripts_match_the_truth(demo_study):
    import json

    truth = json.loads((demo_study.root / "truth.json").read_text())
    corpus = read_corpus(demo_study.root / "data" / "transcripts")
    assert corpus.problems.empty
    counts = corpus.segments.groupby("transcript_id").size().to_dict()
    assert counts == {p: v["n_turns"] for p, v in truth["interviews"]["participants"].items()}
    _spans_hold(corpus)
    # every format gives the same "Speaker: text" plain text, so offsets agree across formats
    for tid in ("P01", "P06", "P11"):
        first = corpus.segments[corpus.segments.transcript_id == tid].iloc[0]
        assert first["char_start"] == len("Interviewer: ")


def test_srt_voice_tags_and_html_tags(tmp_path):
    path = tmp_path / "v.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\n<v Interviewer>Why <i>then</i>?\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\n<v Li Na>Because of\nthe ports.\n",
        encoding="utf-8",
    )
    seg = read_corpus(path).segments
    assert seg[["speaker", "text"]].values.tolist() == [
        ["Interviewer", "Why then?"],
        ["Li Na", "Because of the ports."],
    ]
