"""Fuzz test: import -> quality on random tables and junk bytes.

Whatever the file holds, reading either succeeds or raises a SmekitError (never
another exception), and every row written is accounted for: rows read plus rows
refused equal rows written (a refused file refuses all of its rows), and the
quality step keeps or excludes each row read.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from smekit.core.errors import SmekitError
from smekit.survey.instrument import load_instrument
from smekit.survey.quality import check_quality
from smekit.survey.responses import read_responses

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "responses"
INSTRUMENT = load_instrument(FIXTURES / "import_mini.yaml")
ITEMS = list(INSTRUMENT.items)
LABELS = ["Agree", "strongly DISAGREE", "Male", "f", "m", "Neither agree nor disagree"]
CELLS = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "5", "9", "", " ", "NA", "4.0", "-1", "12"]),
    st.sampled_from(LABELS),
    st.text(alphabet="abcéü ,;|\t\"'\n0123456789.", max_size=8),
)
# encodings a writer might use; the text alphabet is encodable in all of them
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "gb18030"]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _account(path: Path, n_written: int, **kwargs) -> None:
    """Read, check quality, and account for every row written."""
    try:
        result = read_responses(path, INSTRUMENT, min_item_share=0, **kwargs)
    except SmekitError as exc:
        event(f"refused: {exc.what[:40]}")
        n_read, n_refused = 0, n_written  # the whole file is refused, with a message
    else:
        event("read")
        n_read, n_refused = result.n_rows, 0
        assert len(result.row_numbers) == n_read
        report = check_quality(
            result.data,
            INSTRUMENT,
            row_numbers=result.row_numbers,
            source=path.name,
            import_problems=result.problems,
        )
        assert len(report.kept) + len(report.excluded) == n_read
    assert n_read + n_refused == n_written


@SETTINGS
@given(
    columns=st.lists(st.sampled_from(ITEMS), min_size=1, max_size=5, unique=True),
    rows=st.lists(st.lists(CELLS, min_size=5, max_size=5), min_size=1, max_size=25),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(ENCODINGS),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    newline=st.sampled_from(["\n", "\r\n"]),
    explicit=st.booleans(),
)
def test_random_tables_are_read_or_refused(
    tmp_path_factory, columns, rows, delimiter, encoding, quoting, newline, explicit
):
    names = ["rid", *columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(names)
    written = [[f"r{k}", *row[: len(columns)]] for k, row in enumerate(rows)]
    writer.writerows(written)
    path = tmp_path_factory.mktemp("fuzz") / "responses.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    kwargs = {"delimiter": delimiter} if explicit else {}
    _account(path, len(written), **kwargs)
    if explicit:
        # with the delimiter given, the file must be read, and the id column exactly
        result = read_responses(path, INSTRUMENT, min_item_share=0, delimiter=delimiter)
        assert result.data["rid"].tolist() == [r[0] for r in written]
        assert result.row_numbers.iloc[0] == 2


# junk: random bytes, or lines of which some are UTF-8 text and some random bytes
JUNK = st.one_of(
    st.binary(min_size=1, max_size=400),
    st.lists(
        st.one_of(
            st.text(alphabet='abcéü€中,;"0123456789', max_size=20).map(str.encode),
            st.binary(max_size=20).filter(lambda b: b"\n" not in b),
        ),
        min_size=1,
        max_size=12,
    ).map(b"\n".join),
)


@SETTINGS
@given(
    junk=JUNK,
    bom=st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]),
    header=st.booleans(),
    suffix=st.sampled_from([".csv", ".txt", ".tsv", ".xlsx", ".sav"]),
)
def test_junk_bytes_never_raise_an_unexpected_exception(
    tmp_path_factory, junk, bom, header, suffix
):
    prefix = b"rid,gender,q1_vis1\n" if header else b""
    raw = bom + prefix + junk
    path = tmp_path_factory.mktemp("junk") / f"responses{suffix}"
    path.write_bytes(raw)
    try:
        result = read_responses(path, INSTRUMENT, min_item_share=0)
    except SmekitError as exc:
        event(f"refused: {exc.what[:40]}")
        return
    event("read")
    report = check_quality(result.data, INSTRUMENT, row_numbers=result.row_numbers)
    assert len(report.kept) + len(report.excluded) == result.n_rows


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_fuzz_encoding_round_trips_accented_ids(tmp_path, encoding):
    path = tmp_path / "ids.csv"
    path.write_bytes("rid,q1_vis1\nZürich é,4\nSão,5\n".encode(encoding))
    result = read_responses(path, INSTRUMENT, min_item_share=0)
    assert result.data["rid"].tolist() == ["Zürich é", "São"]
    assert result.data["q1_vis1"].tolist() == [4, 5]
