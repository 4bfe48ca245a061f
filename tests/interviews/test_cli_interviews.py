"""``smekit interviews import|export|pseudonymise|agreement`` run in-process."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
from lxml import etree

from smekit.interviews.refiqda_write import PROJECT_FILE, project_schema

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "interviews"


def test_import_folder_writes_segments_and_json(cli, demo_study, tmp_path):
    data = demo_study.root / "data"
    res = cli(
        "interviews",
        "import",
        str(data / "transcripts"),
        "-o",
        str(tmp_path / "s.parquet"),
        "--json",
        str(tmp_path / "i.json"),
    )
    assert res.returncode == 0, res.stderr
    assert "Read 15 transcripts, 368 segments" in res.stdout
    seg = pd.read_parquet(tmp_path / "s.parquet")
    assert len(seg) == 368 and seg["segment_id"].is_unique
    info = json.loads((tmp_path / "i.json").read_text())
    assert [s["id"] for s in info["sources"]][:2] == ["P01", "P02"]
    assert {"sources", "codes", "codings"} <= set(info)


def test_export_qdpx_then_import_it(cli, demo_study, tmp_path):
    data = demo_study.root / "data"
    out = tmp_path / "demo.qdpx"
    res = cli(
        "interviews",
        "export",
        str(data / "transcripts"),
        "--format",
        "qdpx",
        "-o",
        str(out),
        "--codebook",
        "s1_codebook",
        "--codings",
        str(data / "codings" / "coder_1.csv"),
        "--codings",
        str(data / "codings" / "coder_2.csv"),
        "--participants",
        str(data / "participants.csv"),
    )
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(out) as z:
        assert project_schema().validate(etree.fromstring(z.read(PROJECT_FILE)))
    n1 = len(pd.read_csv(data / "codings" / "coder_1.csv"))
    n2 = len(pd.read_csv(data / "codings" / "coder_2.csv"))
    assert f"and {n1 + n2} codings" in res.stdout
    res = cli(
        "interviews",
        "import",
        str(out),
        "--json",
        str(tmp_path / "q.json"),
        "-o",
        str(tmp_path / "q.csv"),
    )
    assert res.returncode == 0, res.stderr
    info = json.loads((tmp_path / "q.json").read_text())
    assert len(info["sources"]) == 15 and len(info["codings"]) == n1 + n2
    names = {s["id"]: s["name"] for s in info["sources"]}
    codes = {c["guid"]: c for c in info["codes"]}
    assert sum(c["parent"] is None for c in codes.values()) == 5
    first = info["codings"][0]
    assert {"source", "code", "start", "end", "text", "coder"} <= set(first)
    assert names[first["source"]].startswith("P")
    # segments come back from the source texts' "Speaker: text" lines
    assert len(pd.read_csv(tmp_path / "q.csv")) == 368
    res = cli("interviews", "agreement", str(out), "--unit", "document")
    assert res.returncode == 0, res.stderr
    assert "(pooled)" in res.stdout


def test_export_qdc(cli, tmp_path):
    res = cli(
        "interviews", "export", "s1_codebook", "--format", "qdc", "-o", str(tmp_path / "c.qdc")
    )
    assert res.returncode == 0, res.stderr
    assert "wrote 22 codes" in res.stdout
    bad = cli("interviews", "export", "s1_codebook", "--format", "nvp", "-o", str(tmp_path / "x"))
    assert bad.returncode == 2 and "unknown format 'nvp'" in bad.stderr


def test_pseudonymise_keeps_the_key_apart(cli, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "T1.txt").write_text("Interviewer: Hi Ann Lee.\nAnn Lee: I run Tealeaf Trading Ltd.\n")
    out = tmp_path / "out"
    res = cli(
        "interviews",
        "pseudonymise",
        str(src),
        "-o",
        str(out),
        "--names",
        str(FIX / "names.csv"),
        "--no-ner",
    )
    assert res.returncode == 0, res.stderr
    assert (
        out / "T1.txt"
    ).read_text() == "Interviewer: Hi [PERSON_1].\n[PERSON_1]: I run [ORG_1].\n"
    key = tmp_path / "private" / "out_key.csv"
    assert "Ann Lee" in key.read_text()
    assert not any("Ann" in p.read_text(errors="ignore") for p in out.glob("*.csv"))
    assert "ner: not run (switched off)" in res.stdout
    inside = cli(
        "interviews", "pseudonymise", str(src), "-o", str(out), "--key", str(out / "k.csv")
    )
    assert inside.returncode == 2 and "inside the output folder" in inside.stderr


def test_agreement_command(cli, demo_study, tmp_path):
    data = demo_study.root / "data"
    res = cli(
        "interviews",
        "agreement",
        str(data / "codings" / "coder_1.csv"),
        str(data / "codings" / "coder_2.csv"),
        "--transcripts",
        str(data / "transcripts"),
        "--unit",
        "segment",
        "--min-overlap",
        "0.9",
        "--json",
        str(tmp_path / "a.json"),
        "--disagreements",
        str(tmp_path / "d.csv"),
    )
    assert res.returncode == 0, res.stderr
    result = json.loads((tmp_path / "a.json").read_text())
    assert result["min_overlap"] == 0.9 and len(result["per_code"]) == 5
    assert len(pd.read_csv(tmp_path / "d.csv")) == result["n_disagreements"] > 0
    one = cli("interviews", "agreement", str(data / "codings" / "coder_1.csv"))
    assert one.returncode == 2 and "at least two coders" in one.stderr


def test_bad_transcript_is_one_line_error(cli):
    res = cli("interviews", "import", str(FIX / "cp1252.txt"))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0
    assert "cp1252.txt: not valid UTF-8 text (byte 16, line 1)" in res.stderr
