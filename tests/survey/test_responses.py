"""Tests for smekit.survey.responses: one coded table from every export format.

Fixtures live in tests/fixtures/responses/ and are written by make_fixtures.py
there; expected values below are read off those files by hand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import runpy
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.survey.instrument import library_path, load_instrument
from smekit.survey.responses import PROBLEM_COLUMNS, ImportResult, detect_format, read_responses

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "responses"
NA = np.nan


@pytest.fixture(scope="module")
def s1():
    return load_instrument(library_path("s1_resilience_dt"))


def read(path, instrument, **kwargs) -> ImportResult:
    """``read_responses`` on the small fixtures, which hold only some of S1's items."""
    kwargs.setdefault("min_item_share", 0.0)
    return read_responses(path, instrument, **kwargs)


def fixture(name: str) -> Path:
    return FIXTURES / name


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def strings(series: pd.Series) -> list:
    """Values of a text column with missing values as None."""
    return [None if pd.isna(v) else v for v in series]


# The table in s1_plain.csv (and its BOM, tab and semicolon twins), coded.
PLAIN_EXPECTED = {
    "employees": [12, 250, 80, NA, 40],
    "sector": [1, 2, 3, 1, 1],  # Retail / 2 / services / retail / Retail
    "region": [1, 3, 2, 4, 4],  # east / West / South / north_central / 4
    "platforms": ["1 2", "1 4", "1 4", None, "5"],
    "export_share": [35.5, NA, 12.0, NA, 50.0],  # row 5 holds "abc"
    "dt1": [4, 5, 4, 7, 2],  # 7 is out of range but kept
    "dt2": [5, 1, NA, 4, 2],  # row 4 holds "Neutral", no agree5 label
    "dt3": [4, 3, 2, 2, 5],  # "  agree " matches "Agree"
}


# coded items come out as the smallest nullable integer dtype; decimals as float64
PLAIN_DTYPES = {
    "employees": pd.Int16Dtype(),  # 12 ... 250 does not fit Int8
    "sector": pd.Int8Dtype(),
    "region": pd.Int8Dtype(),
    "export_share": np.dtype("float64"),
    "dt1": pd.Int8Dtype(),
    "dt2": pd.Int8Dtype(),
    "dt3": pd.Int8Dtype(),
}


def check_plain(result: ImportResult) -> None:
    data = result.data
    assert list(data.columns) == [
        "employees", "sector", "region", "platforms", "export_share", "dt1", "dt2", "dt3",
        "main_challenge", "respondent_id", "duration_s",
    ]  # fmt: skip
    assert isinstance(data.index, pd.RangeIndex)
    for column, expected in PLAIN_EXPECTED.items():
        if column == "platforms":
            assert strings(data[column]) == expected
        else:
            assert data[column].dtype == PLAIN_DTYPES[column], column
            np.testing.assert_array_equal(
                data[column].to_numpy(dtype=float, na_value=np.nan), np.asarray(expected, float)
            )
    assert strings(data["main_challenge"]) == [
        "Freight costs doubled", None, "Late deliveries, angry customers", None, "Customs delays",
    ]  # fmt: skip
    assert strings(data["respondent_id"]) == ["R001", "R002", "R003", "R004", "R005"]
    assert strings(data["duration_s"]) == ["612", "480", "733", "390", None]
    assert result.unknown_columns == ["respondent_id", "duration_s"]
    assert result.row_numbers.tolist() == [2, 3, 4, 5, 6]
    assert result.row_numbers.index.equals(data.index)
    problems = result.problems
    assert list(problems.columns) == list(PROBLEM_COLUMNS)
    assert problems[["row", "column", "value", "rule"]].values.tolist() == [
        [4, "dt2", "Neutral", "unknown_label"],
        [5, "export_share", "abc", "not_a_number"],
    ]
    assert (problems["file"] == Path(result.source).name).all()
    assert "Strongly agree" in problems.loc[0, "message"]
    assert result.variable_labels == {}


def test_plain_utf8_csv(s1):
    result = read(fixture("s1_plain.csv"), s1)
    assert (result.format, result.encoding, result.delimiter) == ("csv", "utf-8", ",")
    check_plain(result)
    assert result.to_frame() is result.data


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("s1_bom.csv", "utf-8-sig", ","),
        ("s1_tab.tsv", "utf-8", "\t"),
        ("s1_semicolon.csv", "utf-8", ";"),  # export_share written "35,5" and "12,0"
    ],
)
def test_bom_tab_and_semicolon_twins_read_the_same(s1, name, encoding, delimiter):
    result = read(fixture(name), s1)
    assert (result.format, result.encoding, result.delimiter) == ("csv", encoding, delimiter)
    check_plain(result)


def test_gb18030_csv_with_chinese_answers(s1):
    result = read(fixture("s1_gb18030.csv"), s1)
    assert result.encoding == "gb18030"
    assert strings(result.data["main_challenge"]) == [
        "物流中断，运费上涨", "海外仓备货不足", "清关延误，客户投诉增加",
    ]  # fmt: skip
    assert result.data["sector"].tolist() == [1.0, 2.0, 3.0]
    assert result.data["dt1"].tolist() == [4.0, 5.0, 1.0]
    assert result.problems.empty


def test_cp1252_csv_with_accented_answers(s1):
    result = read(fixture("s1_cp1252.csv"), s1)
    assert result.encoding == "cp1252"
    assert strings(result.data["main_challenge"]) == [
        "Zürich Bäckerei Müller lost its supplier", "Gérard from São Paulo",
        "Stock held in Málaga",
    ]  # fmt: skip
    assert result.data["dt1"].tolist() == [4.0, 4.0, 2.0]


def test_explicit_encoding_and_delimiter_override_detection(s1):
    result = read(fixture("s1_cp1252.csv"), s1, encoding="latin-1", delimiter=",")
    assert result.encoding == "latin-1"
    assert result.data["main_challenge"].iloc[1] == "Gérard from São Paulo"
    with pytest.raises(DataError, match=r"s1_gb18030\.csv.*not valid utf-8"):
        read(fixture("s1_gb18030.csv"), s1, encoding="utf-8")
    with pytest.raises(DataError, match="unknown text encoding"):
        read(fixture("s1_plain.csv"), s1, encoding="no-such-codec")


def test_xlsx_first_sheet_with_data_and_excel_row_numbers(s1):
    result = read(fixture("s1.xlsx"), s1)
    assert (result.format, result.encoding, result.delimiter) == ("xlsx", None, None)
    data = result.data
    assert list(data.columns) == [
        "employees", "sector", "platforms", "dt1", "dt2", "respondent_id", "notes",
    ]  # fmt: skip
    np.testing.assert_array_equal(data["employees"], [12.0, 250.0, 35.0, NA])
    assert data["sector"].tolist() == [1.0, 2.0, 1.0, 3.0]
    assert strings(data["platforms"]) == ["1", "2 3", "2 3", None]
    np.testing.assert_array_equal(data["dt2"], [4.0, 5.0, NA, 3.0])
    assert strings(data["notes"]) == ["first", None, 17, None]  # kept as typed in Excel
    # row 4 of the sheet is blank, so the data rows are Excel rows 2, 3, 5, 6
    assert result.row_numbers.tolist() == [2, 3, 5, 6]
    assert result.problems[["row", "column", "value"]].values.tolist() == [[5, "dt2", "Agreed"]]


def test_xlsx_sheet_choice(s1):
    by_name = read(fixture("s1.xlsx"), s1, sheet="responses")
    by_index = read(fixture("s1.xlsx"), s1, sheet=1)
    pd.testing.assert_frame_equal(by_name.data, by_index.data)
    with pytest.raises(DataError, match=r"s1\.xlsx.*no sheet 'answers'.*responses"):
        read(fixture("s1.xlsx"), s1, sheet="answers")
    with pytest.raises(DataError, match=r"s1\.xlsx.*no sheet number 7"):
        read(fixture("s1.xlsx"), s1, sheet=7)


def test_qualtrics_three_header_rows(s1):
    result = read(fixture("s1_qualtrics.csv"), s1)
    assert result.format == "qualtrics"
    data = result.data
    # data start at row 4; the second response's answer spans two lines but is one row
    assert result.row_numbers.tolist() == [4, 5, 6]
    np.testing.assert_array_equal(data["employees"], [45.0, 300.0, 18.0])
    assert data["sector"].tolist() == [1.0, 3.0, 2.0]
    assert strings(data["platforms"]) == ["1 2", "4", "3 5"]
    np.testing.assert_array_equal(data["dt1"], [4.0, 1.0, NA])
    assert data["dt2"].tolist() == [5.0, 3.0, 2.0]
    assert data["attn1"].tolist() == [2.0, 2.0, 4.0]
    assert strings(data["main_challenge"]) == [
        "Port closures",
        "Freight costs\nand long delays",
        None,
    ]
    assert result.unknown_columns == [
        "StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished",
        "ResponseId",
    ]  # fmt: skip
    assert strings(data["ResponseId"]) == ["R_1a", "R_2b", "R_3c"]
    assert result.problems[["row", "column", "value", "rule"]].values.tolist() == [
        [6, "dt1", "Somewhat agree", "unknown_label"]
    ]


def test_qualtrics_xlsx_is_detected_and_read(s1, tmp_path):
    from openpyxl import Workbook

    text = fixture("s1_qualtrics.csv").read_text(encoding="utf-8")
    book = Workbook()
    for record in csv.reader(io.StringIO(text, newline="")):
        book.active.append(record)
    path = tmp_path / "qualtrics.xlsx"
    book.save(path)
    result = read(path, s1)
    assert result.format == "qualtrics"
    assert result.row_numbers.tolist() == [4, 5, 6]
    assert strings(result.data["platforms"]) == ["1 2", "4", "3 5"]


def test_qualtrics_without_import_id_row_is_an_error(s1):
    path = fixture("s1_qualtrics_no_importid.csv")
    assert detect_format(path) == "qualtrics"
    with pytest.raises(DataError, match=r"s1_qualtrics_no_importid\.csv, row 3: .*ImportId"):
        read(path, s1)


def test_kobo_group_paths_and_select_multiple(s1):
    result = read(fixture("s1_kobo.csv"), s1)
    assert result.format == "kobo"
    data = result.data
    assert list(data.columns[:7]) == [
        "sells_abroad", "employees", "sector", "platforms", "markets", "dt1", "dt2",
    ]  # fmt: skip
    assert data["sells_abroad"].tolist() == [1.0, 1.0, 0.0]  # yes / yes / no
    assert data["sector"].tolist() == [1.0, 2.0, 3.0]
    assert strings(data["platforms"]) == ["1 2", "4", None]  # space-separated names
    assert strings(data["markets"]) == ["1 2", "3", None]  # from the 0/1 option columns only
    assert data["dt1"].tolist() == [4.0, 3.0, 4.0]  # "agree" in row 4
    # option columns are consumed, metadata columns are kept and listed
    assert not any("/" in c for c in data.columns)
    assert result.unknown_columns == ["start", "end", "_id", "_uuid", "_submission_time", "_index"]
    assert result.problems.empty


def test_kobo_option_columns_rebuild_the_select_multiple(s1, tmp_path):
    rows = list(csv.reader(io.StringIO(fixture("s1_kobo.csv").read_text(encoding="utf-8"))))
    drop = rows[0].index("profile/platforms")
    rows = [r[:drop] + r[drop + 1 :] for r in rows]
    rows[1][rows[0].index("profile/platforms/social")] = "yes"  # not a 0/1 flag
    path = tmp_path / "kobo_options.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    result = read(path, s1)
    assert strings(result.data["platforms"]) == ["1 2", "4", None]
    assert result.problems[["row", "column", "value"]].values.tolist() == [
        [2, "profile/platforms/social", "yes"]
    ]


def test_kobo_xlsx_export(s1, tmp_path):
    from openpyxl import Workbook

    rows = list(csv.reader(io.StringIO(fixture("s1_kobo.csv").read_text(encoding="utf-8"))))
    book = Workbook()
    book.active.append(rows[0])
    for row in rows[1:]:
        # Excel exports hold the 0/1 flags and numbers as numbers
        book.active.append([int(v) if v.isdigit() else (v or None) for v in row])
    path = tmp_path / "kobo.xlsx"
    book.save(path)
    assert detect_format(path) == "kobo"
    result = read(path, s1)
    assert result.format == "kobo"
    assert strings(result.data["platforms"]) == ["1 2", "4", None]
    assert strings(result.data["markets"]) == ["1 2", "3", None]
    assert result.data["employees"].tolist() == [25.0, 140.0, 8.0]
    assert result.row_numbers.tolist() == [2, 3, 4]


def test_sav_value_labels_are_mapped_by_label(s1):
    result = read(fixture("s1_labelled.sav"), s1)
    assert (result.format, result.encoding, result.delimiter) == ("sav", None, None)
    data = result.data
    assert result.row_numbers.tolist() == [1, 2, 3, 4]
    # stored 10/20/30 labelled Retail/Manufacturing/Services
    assert data["sector"].tolist() == [1.0, 2.0, 3.0, 1.0]
    # dt2 is stored reverse-coded (1 = "Strongly agree"): labels decide the code
    assert data["dt2"].tolist() == [5.0, 4.0, 1.0, 2.0]
    assert data["dt1"].tolist() == [4.0, 5.0, 1.0, 2.0]
    # 4 has no value label in the file: the code is kept; 999 "Don't know" is kept too
    assert data["region"].tolist() == [1.0, 2.0, 4.0, 3.0]
    np.testing.assert_array_equal(data["employees"], [20.0, 999.0, 75.0, NA])
    assert strings(data["main_challenge"]) == ["Customs", None, "Currency swings", "Shipping"]
    assert result.variable_labels["sector"] == "Main sector"
    assert result.variable_labels["respondent_id"] == "Respondent identifier"
    assert len(result.variable_labels) == 7
    assert result.problems.empty


def test_sav_without_value_labels_keeps_codes(s1):
    result = read(fixture("s1_unlabelled.sav"), s1)
    assert result.data["sector"].tolist() == [1.0, 2.0, 3.0, 1.0]
    assert result.data["dt2"].tolist() == [1.0, 2.0, 5.0, 4.0]
    assert result.variable_labels == {}
    assert result.problems.empty


def test_irregular_csv_counts_rows_as_a_spreadsheet_does(s1):
    # line 3 is blank, row 4 holds a two-line answer, row 6 is short
    result = read(fixture("s1_irregular.csv"), s1)
    assert result.row_numbers.tolist() == [2, 4, 5, 6]
    assert strings(result.data["main_challenge"]) == [
        "Fine", "Two lines:\nfreight and customs", "Nothing", None,
    ]  # fmt: skip
    np.testing.assert_array_equal(result.data["dt1"], [4.0, 5.0, NA, NA])
    assert result.problems[["row", "column", "value"]].values.tolist() == [
        [5, "dt1", "Somewhat agree"]
    ]


def test_blank_lines_count_as_rows(s1, tmp_path):
    path = tmp_path / "blank_lines.csv"
    path.write_text(
        '\nid,dt1,main_challenge\nA,4,x\n\n\nB,Somewhat agree,"two\nlines"\nC,2,z\n',
        encoding="utf-8",
    )
    result = read(path, s1)
    assert result.row_numbers.tolist() == [3, 6, 7]
    assert strings(result.data["main_challenge"]) == ["x", "two\nlines", "z"]
    assert result.problems[["row", "value"]].values.tolist() == [[6, "Somewhat agree"]]


def test_unknown_label_can_raise(s1):
    with pytest.raises(DataError) as info:
        read(fixture("s1_plain.csv"), s1, on_unknown_label="error")
    message = str(info.value)
    assert "s1_plain.csv, row 4, column 'dt2'" in message
    assert "'Neutral'" in message
    assert "5=Strongly agree" in message
    # a non-numeric number is not a label problem: it never raises
    result = read(fixture("s1_qualtrics.csv"), s1)
    assert "not_a_number" not in set(result.problems["rule"])


def test_multiple_choice_normalisation_and_missing_tokens(s1, tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text(
        "id;platforms;markets;export_share;dt1;main_challenge\n"
        'A;"Amazon; eBay";1,4;3,5;NA;NA\n'
        'B;2 3 4;"Europe;Africa";1.234,5;n/a;\n'
        "C;amazon,foo;;;;x\n"
        "D;  SOCIAL   own_shop ;8 1 1;-4;#N/A;y\n",
        encoding="utf-8",
    )
    result = read(path, s1)
    data = result.data
    assert strings(data["platforms"]) == ["1 2", "2 3 4", None, "4 5"]
    assert strings(data["markets"]) == ["1 4", "2 7", None, "1 8"]
    # "1.234,5" in a decimal-comma file: a dot between groups of three is a
    # thousands separator (out of range for a percentage: the quality step says so)
    np.testing.assert_array_equal(data["export_share"], [3.5, 1234.5, NA, -4.0])
    assert data["dt1"].isna().all()  # NA, n/a, #N/A and blank are missing answers
    assert strings(data["main_challenge"]) == ["NA", None, "x", "y"]  # text is kept as written
    assert result.problems[["row", "column", "value", "rule"]].values.tolist() == [
        [4, "platforms", "amazon,foo", "unknown_label"],
    ]


def test_decimal_comma_only_with_semicolons(s1, tmp_path):
    path = tmp_path / "tab.tsv"
    path.write_text("id\texport_share\nA\t3,5\nB\t4.5\n", encoding="utf-8")
    result = read(path, s1)
    np.testing.assert_array_equal(result.data["export_share"], [NA, 4.5])
    assert result.problems["value"].tolist() == ["3,5"]


def test_columns_match_item_ids_ignoring_case(s1, tmp_path):
    path = tmp_path / "upper.csv"
    path.write_text("ID,DT1,Sector,dt3,DT3\nA,4,retail,2,5\n", encoding="utf-8")
    result = read(path, s1)
    assert list(result.data.columns) == ["sector", "dt1", "dt3", "ID", "DT3"]
    assert result.data[["sector", "dt1", "dt3"]].iloc[0].tolist() == [1.0, 4.0, 2.0]
    assert result.unknown_columns == ["ID", "DT3"]  # the exact 'dt3' wins


def test_large_file_mapping_matches_row_by_row_coding(s1, tmp_path):
    """Distinct-value mapping spread to rows must equal coding each row by hand."""
    rng = np.random.default_rng(20240501)
    n = 20_000
    anchors = s1.labels(s1.item("dt1"))
    codes = rng.integers(1, 6, size=(n, 3))
    styles = rng.integers(0, 4, size=(n, 3))
    cells = np.empty((n, 3), dtype=object)
    for k, style in enumerate(("{c}", "{label}", " {upper} ", "{c}.0")):
        for c in range(1, 6):
            label = anchors[c]
            text = style.format(c=c, label=label, upper=label.upper())
            cells[(codes == c) & (styles == k)] = text
    bad_rows = rng.choice(n, size=25, replace=False)
    cells[bad_rows, 1] = "Somewhat agree"
    expected = codes.astype(float)
    expected[bad_rows, 1] = np.nan
    frame = pd.DataFrame(cells, columns=["dt1", "dt2", "dt3"])
    frame.insert(0, "rid", np.arange(n))
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    result = read(path, s1)
    block = result.data[["dt1", "dt2", "dt3"]]
    assert (block.dtypes == pd.Int8Dtype()).all()
    np.testing.assert_array_equal(block.to_numpy(dtype=float, na_value=np.nan), expected)
    assert sorted(result.problems["row"].tolist()) == sorted((bad_rows + 2).tolist())
    assert set(result.problems["column"]) == {"dt2"}


def test_to_dict_summarises_the_import(s1):
    summary = read(fixture("s1_plain.csv"), s1).to_dict()
    assert summary["n_rows"] == 5
    assert summary["n_problems"] == 2
    assert summary["items"] == [
        "employees", "sector", "region", "platforms", "export_share", "dt1", "dt2", "dt3",
        "main_challenge",
    ]  # fmt: skip
    assert summary["unknown_columns"] == ["respondent_id", "duration_s"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("s1_plain.csv", "csv"),
        ("s1_tab.tsv", "csv"),
        ("s1_semicolon.csv", "csv"),
        ("s1_gb18030.csv", "csv"),
        ("s1.xlsx", "xlsx"),
        ("s1_qualtrics.csv", "qualtrics"),
        ("s1_kobo.csv", "kobo"),
        ("s1_labelled.sav", "sav"),
    ],
)
def test_detect_format(s1, name, expected):
    assert detect_format(fixture(name)) == expected
    assert detect_format(fixture(name), s1) == expected


def test_detect_format_recognises_kobo_paths_by_item_id(s1, tmp_path):
    path = tmp_path / "grouped.csv"
    path.write_text("respondent,digital_tools/dt1\nA,4\n", encoding="utf-8")
    assert detect_format(path) == "csv"  # one path name alone is not enough
    assert detect_format(path, s1) == "kobo"
    assert read(path, s1).data["dt1"].tolist() == [4.0]


def test_format_can_be_forced(s1):
    # no group paths in plain CSV: no column names an item, which is an error that
    # points at the group paths
    with pytest.raises(DataError, match=r"only 0 of .* 40 items.*employees: 'profile/employees'"):
        read(fixture("s1_kobo.csv"), s1, format="csv")
    result = read(fixture("s1_plain.csv"), s1, format="csv")
    assert result.format == "csv"
    with pytest.raises(DataError, match=r"s1\.xlsx.*not delimited text"):
        read(fixture("s1.xlsx"), s1, format="csv")
    with pytest.raises(DataError, match=r"s1_plain\.csv.*not an SPSS"):
        read(fixture("s1_plain.csv"), s1, format="sav")
    with pytest.raises(DataError, match=r"unknown response format 'json'"):
        read(fixture("s1_plain.csv"), s1, format="json")


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("empty.csv", r"empty\.csv: file is empty"),
        ("header_only.csv", r"header_only\.csv: no data rows"),
        ("no_such_file.csv", r"no_such_file\.csv: file not found"),
        ("duplicate_columns.csv", r"duplicate_columns\.csv: column name 'dt1' is used twice"),
        ("undecodable.csv", r"undecodable\.csv: cannot tell the text encoding.*line 2"),
        ("no_data.xlsx", r"no_data\.xlsx: no sheet of the workbook holds data"),
    ],
)
def test_bad_files_raise_one_line_data_errors(s1, name, pattern):
    with pytest.raises(DataError, match=pattern) as info:
        read(fixture(name), s1)
    assert "\n" not in str(info.value)


def test_unknown_and_broken_formats(s1, tmp_path):
    json_file = tmp_path / "responses.json"
    json_file.write_text('{"dt1": 4}', encoding="utf-8")
    with pytest.raises(DataError, match=r"responses\.json: unknown file format '\.json'"):
        read(json_file, s1)
    with pytest.raises(DataError, match=r"responses\.json: unknown file format"):
        detect_format(json_file)
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_text("respondent_id,dt1\nA,4\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"fake\.xlsx: cannot open as an Excel workbook"):
        read(fake_xlsx, s1)
    fake_sav = tmp_path / "fake.sav"
    fake_sav.write_bytes(b"not spss at all")
    with pytest.raises(DataError, match=r"fake\.sav: cannot read as an SPSS \.sav file"):
        read(fake_sav, s1)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,dt1\nA,4\nB,5,extra\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ragged\.csv, row 3: row has 3 fields"):
        read(ragged, s1)


def test_reading_never_changes_the_file(s1, tmp_path):
    names = [
        "s1_plain.csv", "s1_bom.csv", "s1_gb18030.csv", "s1_cp1252.csv", "s1_semicolon.csv",
        "s1_tab.tsv", "s1.xlsx", "s1_qualtrics.csv", "s1_kobo.csv", "s1_labelled.sav",
        "s1_unlabelled.sav", "s1_irregular.csv",
    ]  # fmt: skip
    for name in names:
        copy = tmp_path / name
        shutil.copyfile(fixture(name), copy)
        before = sha256(copy)
        read(copy, s1)
        detect_format(copy, s1)
        assert sha256(copy) == before, name
        assert sha256(copy) == sha256(fixture(name)), name


def test_fixture_script_rebuilds_the_text_fixtures(tmp_path):
    namespace = runpy.run_path(str(FIXTURES / "make_fixtures.py"))
    namespace["main"](tmp_path)
    for committed in sorted(FIXTURES.glob("*")):
        if committed.suffix in (".csv", ".tsv"):
            assert (tmp_path / committed.name).read_bytes() == committed.read_bytes(), committed
