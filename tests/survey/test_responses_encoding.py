"""Tests for smekit.survey.encoding: encoding and delimiter detection."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smekit.core.errors import DataError
from smekit.survey.encoding import DELIMITERS, decode, detect_delimiter, detect_encoding

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "responses"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("s1_plain.csv", "utf-8"),
        ("s1_bom.csv", "utf-8-sig"),
        ("s1_gb18030.csv", "gb18030"),
        ("s1_cp1252.csv", "cp1252"),
        ("s1_semicolon.csv", "utf-8"),
        ("s1_qualtrics.csv", "utf-8"),
    ],
)
def test_fixture_encodings(name, expected):
    assert detect_encoding((FIXTURES / name).read_bytes()) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "utf-8"),
        (b"id,q1\n1,2\n", "utf-8"),
        ("物流中断".encode(), "utf-8"),
        ("id,q1\n".encode("utf-8-sig"), "utf-8-sig"),
        ("id\tq1\n".encode("utf-16"), "utf-16"),
        # GBK is read with its superset GB18030
        ("清关延误，客户投诉增加".encode("gbk"), "gb18030"),
        ("海外仓备货".encode("gb18030"), "gb18030"),
        # bytes that are not GB18030 at all ('é' before a comma)
        ("Société, Zürich".encode("cp1252"), "cp1252"),
        # bytes that decode both ways: accented letters paired with ASCII letters
        ("Zürich Bäckerei Gérard".encode("cp1252"), "cp1252"),
        ("Price 20€".encode("cp1252"), "cp1252"),
        # a sample cut inside a UTF-8 character is still UTF-8
        ("供应链".encode()[:-1], "utf-8"),
    ],
)
def test_detect_encoding(raw, expected):
    assert detect_encoding(raw) == expected


def test_undecodable_bytes_name_the_line():
    with pytest.raises(DataError, match=r"byte 0x81 on line 3"):
        detect_encoding(b"a,b\n1,2\n3,\x81 \n")


def test_decode_errors_are_one_line_data_errors():
    with pytest.raises(DataError, match=r"data\.csv: byte 0xd6 on line 2 is not valid utf-8"):
        decode("id\n中文\n".encode("gbk"), "utf-8", "data.csv")
    with pytest.raises(DataError, match=r"unknown text encoding 'klingon'"):
        decode(b"id\n", "klingon", "data.csv")
    assert decode("id\n中文\n".encode("gbk"), "gb18030", "data.csv") == "id\n中文\n"


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ('a,b,c\n1,"x; y; z",3\n4,"p;q",6\n', ","),  # semicolons inside quotes
        ("a;b;c\n1;3,5;x, y\n2;4,0;z\n", ";"),  # decimal commas and commas in text
        ("a\tb\tc\n1\tx, y, z\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ("only\n1\n2\n", ","),  # one column
        ('id,text\n1,"two\nlines"\n2,plain\n', ","),  # line break inside quotes
        ("a;b\n1;2\n3;4\n5;6,7,8,9", ";"),  # last record cut short: ignored
        ("a,b;c\n1,2;3\n4,5;6\n7,8\n", ","),  # nothing consistent: the most common count wins
    ],
)
def test_detect_delimiter(sample, expected):
    assert detect_delimiter(sample) == expected


def test_qualtrics_header_rows_keep_the_comma():
    text = (FIXTURES / "s1_qualtrics.csv").read_text(encoding="utf-8")
    assert detect_delimiter(text) == ","


@settings(max_examples=60, deadline=None)
@given(
    delimiter=st.sampled_from(DELIMITERS),
    n_columns=st.integers(min_value=2, max_value=8),
    cells=st.lists(
        st.text(alphabet="abc xyz,;|\t0123456789.", min_size=0, max_size=8),
        min_size=48,
        max_size=48,
    ),
)
def test_detect_delimiter_finds_the_writer_delimiter(delimiter, n_columns, cells):
    """Whatever the cells hold, properly quoted CSV is split by its own delimiter."""
    rows = [cells[i : i + n_columns] for i in range(0, 48 - n_columns + 1, n_columns)][:6]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([f"col{j}" for j in range(n_columns)])
    writer.writerows(rows)
    assert detect_delimiter(buffer.getvalue()) == delimiter
