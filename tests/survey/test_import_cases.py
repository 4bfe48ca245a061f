"""Real export shapes that used to be read wrong with exit status 0.

Each test reads a small fixture of the shape seen in the field (written by
tests/fixtures/responses/make_fixtures.py) and checks either the correct reading
or one DataError naming the file, the row or column, and the fix.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.survey.instrument import library_path, load_instrument
from smekit.survey.responses import detect_format, read_responses

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "responses"
FULL = runpy.run_path(str(FIXTURES / "make_fixtures.py"))


@pytest.fixture(scope="module")
def s1():
    return load_instrument(library_path("s1_resilience_dt"))


@pytest.fixture(scope="module")
def mini():
    return load_instrument(FIXTURES / "import_mini.yaml")


def fixture(name: str) -> Path:
    return FIXTURES / name


def ints(series: pd.Series) -> list:
    return [None if pd.isna(v) else int(v) for v in series]


# -- 1. delimiters -------------------------------------------------------------
def test_explicit_delimiter_that_yields_one_column_is_an_error(s1):
    with pytest.raises(DataError) as info:
        read_responses(fixture("s1_plain.csv"), s1, delimiter=";")
    message = str(info.value)
    assert "s1_plain.csv" in message and "row 1" in message
    assert "delimiter ';' given splits the header into one column" in message
    assert "looks ','-delimited (11 columns)" in message
    assert "pass delimiter ','" in message
    # the right explicit delimiter reads as detection does
    assert read_responses(fixture("s1_semicolon.csv"), s1, delimiter=";", min_item_share=0).n_rows


@pytest.mark.parametrize("bad", ["::", '"', "\n", "", ";;"])
def test_invalid_delimiter_is_a_data_error(s1, bad):
    with pytest.raises(DataError, match=r"s1_plain\.csv: delimiter must be one character"):
        read_responses(fixture("s1_plain.csv"), s1, delimiter=bad)


# -- 2. encodings --------------------------------------------------------------
def test_utf8_file_with_one_cp1252_line_is_decoded_per_line(s1):
    result = read_responses(fixture("s1_mixed_utf8.csv"), s1, min_item_share=0)
    assert result.encoding == "utf-8"
    texts = result.data["main_challenge"].tolist()
    assert texts == [
        "Société Générale stopped our credit line",
        "Zoll in Zürich",
        "Société du Louvre paid late",
        "Société Générale again",
        "Crédit refused",
    ]
    assert not any("Ã" in t for t in texts)  # no mojibake anywhere
    fallback = result.problems[result.problems["rule"] == "encoding_fallback"]
    assert fallback["row"].tolist() == [5]  # line 5 of the file, the 4th response
    assert "line 5 is not valid UTF-8" in fallback["message"].iloc[0]
    assert "cp1252" in fallback["message"].iloc[0]
    assert ints(result.data["dt1"]) == [4, 4, 5, 2, 2]


def test_line_that_fits_no_encoding_is_refused_with_its_line(s1, tmp_path):
    path = tmp_path / "broken.csv"
    raw = "id,main_challenge\nA,Société\nB,Zürich\n".encode() + b"C,ab\x81 cd\n"
    path.write_bytes(raw)
    with pytest.raises(DataError, match=r"broken\.csv.*line"):
        read_responses(path, s1, min_item_share=0)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("s1_utf16le_nobom.csv", "utf-16-le"), ("s1_utf16be_nobom.csv", "utf-16-be")],
)
def test_utf16_without_bom_is_detected(s1, name, encoding):
    assert detect_format(fixture(name), s1) == "csv"
    result = read_responses(fixture(name), s1, min_item_share=0)
    assert result.encoding == encoding
    assert result.data["main_challenge"].iloc[0] == "Société Générale stopped our credit line"
    assert ints(result.data["dt1"]) == [4, 4, 5, 2]
    assert result.row_numbers.tolist() == [2, 3, 4, 5]


# -- 3. Excel sheets -------------------------------------------------------------
def test_xlsx_with_readme_first_reads_the_sheet_matching_the_instrument(s1):
    result = read_responses(fixture("s1_readme_first.xlsx"), s1)
    assert result.sheet == "responses"
    assert result.to_dict()["sheet"] == "responses"
    assert result.n_rows == 40
    assert result.unknown_columns == ["respondent_id"]
    assert ints(result.data["dt1"]) == [int(v) for v in FULL["full_expected"]("dt1")]
    assert result.row_numbers.tolist() == list(range(2, 42))


def test_explicit_sheet_that_does_not_exist_lists_the_sheets(s1):
    with pytest.raises(DataError) as info:
        read_responses(fixture("s1_readme_first.xlsx"), s1, sheet="Responses ")
    assert "no sheet 'Responses '" in str(info.value)
    assert "README, responses, codebook" in str(info.value)


def test_explicit_readme_sheet_stops_with_the_sheet_names(s1):
    with pytest.raises(DataError) as info:
        read_responses(fixture("s1_readme_first.xlsx"), s1, sheet="README")
    message = str(info.value)
    assert "only 0 of the instrument's 40 items match a column" in message
    assert "read sheet 'README'" in message and "'responses'" in message


# -- 4. KoboToolbox --------------------------------------------------------------
def test_kobo_dot_separator(s1):
    assert detect_format(fixture("s1_kobo_dot.csv"), s1) == "kobo"
    result = read_responses(fixture("s1_kobo_dot.csv"), s1)
    assert result.format == "kobo"
    assert [c for c in result.data.columns[:40]] == list(s1.items)
    assert ints(result.data["dt1"]) == [int(v) for v in FULL["full_expected"]("dt1", 12)]
    assert result.data["platforms"].tolist() == FULL["full_expected"]("platforms", 12)
    assert result.problems.empty


def test_kobo_label_headers_match_item_wording(s1):
    result = read_responses(fixture("s1_kobo_labels.csv"), s1)
    assert [c for c in result.data.columns[:40]] == list(s1.items)
    assert result.unknown_columns == ["Respondent"]
    # answers are labels too: mapped back to the codes the label export started from
    for item_id in ("dt1", "sector", "attn1", "sells_abroad"):
        expected = [int(v) for v in FULL["full_expected"](item_id, 12)]
        assert ints(result.data[item_id]) == expected, item_id
    assert result.problems.empty


def test_too_few_items_matched_lists_closest_columns(s1, tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text("firm,DT_1,dt_2,sectr,employee_count\nA,4,5,1,12\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_responses(path, s1)
    message = str(info.value)
    assert message.startswith(f"{path}, row 1: only 0 of the instrument's 40 items")
    assert "dt1: 'DT_1'" in message
    assert "sector: 'sectr'" in message
    assert "employees: 'employee_count'" in message
    assert "min_item_share=0" in message


def test_half_of_the_items_is_enough(s1, tmp_path):
    names, rows = FULL["full_table"](3)
    keep = names[:21]  # respondent_id + the first 20 of the 40 items
    path = tmp_path / "half.csv"
    path.write_text("\n".join(",".join(r[:21]) for r in [keep, *rows]) + "\n", encoding="utf-8")
    assert read_responses(path, s1).n_rows == 3
    path.write_text(
        "\n".join(",".join(r[:20]) for r in [keep[:20], *rows]) + "\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match="only 19 of the instrument's 40 items"):
        read_responses(path, s1)


# -- 5. Qualtrics ----------------------------------------------------------------
def test_legacy_qualtrics_export_skips_the_question_text_row(s1):
    assert detect_format(fixture("s1_qualtrics_legacy.csv"), s1) == "qualtrics"
    result = read_responses(fixture("s1_qualtrics_legacy.csv"), s1)
    assert result.format == "qualtrics"
    assert result.n_rows == 6
    assert result.row_numbers.tolist() == [3, 4, 5, 6, 7, 8]
    assert ints(result.data["dt1"]) == [int(v) for v in FULL["full_expected"]("dt1", 6)]
    assert result.data["ResponseID"].tolist() == [f"R_legacy{k}" for k in range(6)]
    assert "StartDate" in result.unknown_columns and "V1" not in result.data.columns
    assert result.problems.empty  # the question-text row is no response


def test_importid_text_in_a_plain_csv_answer_is_not_qualtrics(s1):
    path = fixture("s1_importid_answer.csv")
    assert detect_format(path, s1) == "csv"
    result = read_responses(path, s1)
    assert result.format == "csv"
    assert result.n_rows == 6
    assert result.data["main_challenge"].iloc[1].startswith('{"ImportId": "QID6_TEXT"}')
    assert result.row_numbers.tolist()[:3] == [2, 3, 4]


# -- 6. LimeSurvey ---------------------------------------------------------------
def test_limesurvey_code_subcode_columns(mini):
    raw = fixture("mini_limesurvey.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the real export's shape
    result = read_responses(fixture("mini_limesurvey.csv"), mini)
    assert (result.encoding, result.delimiter) == ("utf-8-sig", ";")
    assert list(result.data.columns[:5]) == ["gender", "employees", "q1_vis1", "q1_vis2", "trust"]
    assert ints(result.data["gender"]) == [1, 2, 2]  # choice names m/f
    assert ints(result.data["q1_vis1"]) == [4, 1, 3]  # q1[vis1] -> q1_vis1 (naming rule)
    assert ints(result.data["q1_vis2"]) == [5, 2, None]
    assert ints(result.data["trust"]) == [4, 3, 1]  # q2[trust] -> trust (column: alias)
    assert ints(result.data["employees"]) == [12, 140, None]
    assert result.unknown_columns == ["id", "submitdate", "lastpage", "startlanguage"]
    assert result.row_numbers.tolist() == [2, 3, 4]
    assert result.problems.empty


def test_limesurvey_multiple_choice_subquestion_columns(s1, tmp_path):
    """LimeSurvey writes one ``question[option]`` column per option, ``Y`` when chosen."""
    path = tmp_path / "lime_multi.csv"
    text = (
        'id;"platforms[amazon]";"platforms[ebay]";"platforms[social]";"dt1"\r\n'
        '1;"Y";"Y";"";"4"\r\n'
        '2;"";"";"Y";"5"\r\n'
        '3;"";"";"";""\r\n'
    )
    path.write_bytes(text.encode("utf-8-sig"))
    result = read_responses(path, s1, min_item_share=0)
    assert [None if pd.isna(v) else v for v in result.data["platforms"]] == ["1 2", "5", None]
    assert result.unknown_columns == ["id"]


def test_column_alias_must_be_unique(tmp_path):
    text = (FIXTURES / "import_mini.yaml").read_text(encoding="utf-8")
    text = text.replace("scale: agree5}", 'scale: agree5, column: "q2[trust]"}', 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    from smekit.core.errors import InstrumentError

    with pytest.raises(InstrumentError, match=r"name the same column 'q2\[trust\]'"):
        load_instrument(path)


# -- 7. SPSS ---------------------------------------------------------------------
def test_sav_user_missing_codes_become_missing_reasons(mini):
    result = read_responses(fixture("mini_user_missing.sav"), mini)
    data = result.data
    assert ints(data["q1_vis1"]) == [4, None, 2, None, 5]
    assert ints(data["q1_vis2"]) == [1, 3, None, 5, 4]
    assert ints(data["employees"]) == [12, None, 40, 7, None]
    reasons = result.missing_reasons
    assert list(reasons.columns) == ["file", "row", "column", "code", "reason"]
    assert reasons[["row", "column", "code", "reason"]].values.tolist() == [
        [2, "employees", 999.0, "Don't know"],
        [2, "q1_vis1", 8.0, "Don't know"],
        [3, "q1_vis2", 8.0, "Don't know"],
        [4, "q1_vis1", 9.0, "Refused"],
        [5, "employees", 998.0, "Refused"],
    ]
    assert (reasons["file"] == "mini_user_missing.sav").all()
    assert result.problems.empty  # a stated reason is no coding problem
    assert result.to_dict()["n_missing_reasons"] == 5


def test_sav_string_value_labels_are_kept_and_mapped(mini):
    result = read_responses(fixture("mini_user_missing.sav"), mini)
    assert ints(result.data["gender"]) == [1, 2, 2, 1, 2]  # 'M' = Male = 1, 'F' = Female = 2
    assert result.value_labels["gender"] == {"M": "Male", "F": "Female"}
    assert result.variable_labels["gender"] == "Gender of the owner"


# -- 8. thousands separators and Qualtrics split columns ------------------------
def test_thousands_separators(s1, tmp_path):
    comma = tmp_path / "comma.csv"
    comma.write_text(
        'id,employees,export_share\nA,"1,250","12,500.75"\nB,12 500,3.5\nC,"3,5",1\n',
        encoding="utf-8",
    )
    result = read_responses(comma, s1, min_item_share=0)
    assert ints(result.data["employees"]) == [1250, 12500, None]
    assert result.data["export_share"].tolist() == [12500.75, 3.5, 1.0]
    # "3,5" in a comma file is no thousands group: reported, not guessed
    assert result.problems[["row", "column", "value"]].values.tolist() == [[4, "employees", "3,5"]]
    semicolon = tmp_path / "semicolon.csv"
    semicolon.write_text(
        "id;employees;export_share\nA;1.250.000;1.234,5\nB;12;3,5\nC;7;1.234\n",
        encoding="utf-8",
    )
    result = read_responses(semicolon, s1, min_item_share=0)
    assert ints(result.data["employees"]) == [1250000, 12, 7]
    # a lone '1.234' is ambiguous in a decimal-comma file and stays a decimal point
    assert result.data["export_share"].tolist() == [1234.5, 3.5, 1.234]


def test_qualtrics_split_multiple_choice_columns(s1, tmp_path):
    """Qualtrics' 'split multi-value fields into columns': one column per option."""
    text = fixture("s1_qualtrics.csv").read_text(encoding="utf-8")
    rows = list(__import__("csv").reader(text.splitlines(keepends=True)))
    j = rows[0].index("platforms")
    split = {1: "Amazon", 2: "eBay", 3: "AliExpress", 4: "Own web shop (e.g. Shopify)"}
    out = []
    for k, row in enumerate(rows):
        if k == 0:
            cells = [f"platforms_{c}" for c in split]
        elif k == 1:
            cells = [f"Channels - {label}" for label in split.values()]
        elif k == 2:
            cells = [f'{{"ImportId":"QID4_{c}"}}' for c in split]
        else:
            chosen = row[j]
            # row 4 writes labels, row 5 writes 1, row 6 answers nothing
            cells = [
                (label if k == 3 else "1") if label in chosen and k < 5 else ""
                for label in split.values()
            ]
        out.append(row[:j] + cells + row[j + 1 :])
    import csv as _csv
    import io

    buffer = io.StringIO()
    _csv.writer(buffer, lineterminator="\n").writerows(out)
    path = tmp_path / "split.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = read_responses(path, s1, min_item_share=0)
    assert result.format == "qualtrics"
    assert [None if pd.isna(v) else v for v in result.data["platforms"]] == ["1 2", "4", None]
    assert not any(c.startswith("platforms_") for c in result.unknown_columns)


def test_qualtrics_question_text_matches_when_tags_do_not(s1, tmp_path):
    text = fixture("s1_qualtrics.csv").read_text(encoding="utf-8")
    renamed = text.replace(",dt1,dt2,", ",Q5_1,Q5_2,", 1)
    path = tmp_path / "qids.csv"
    path.write_text(renamed, encoding="utf-8")
    result = read_responses(path, s1, min_item_share=0)
    # row 2 says "Digital tools - We moved key business processes onto cloud-based software."
    assert ints(result.data["dt1"]) == [4, 1, None]
    assert "Q5_1" not in result.unknown_columns
    # the export's wording of dt2 ("... demand abroad.") is not the instrument's
    # ("... demand in our foreign markets."): no guess, the column stays unknown
    assert "dt2" not in result.data.columns
    assert "Q5_2" in result.unknown_columns


# -- 10. dtypes ------------------------------------------------------------------
def test_coded_items_are_small_nullable_integers(s1):
    result = read_responses(fixture("s1_kobo_dot.csv"), s1)
    dtypes = result.data.dtypes
    assert dtypes["dt1"] == pd.Int8Dtype()
    assert dtypes["sector"] == pd.Int8Dtype()
    assert dtypes["firm_age"] == pd.Int16Dtype()  # 2 ... 200
    assert dtypes["export_share"] == np.float64  # a decimal item
    assert result.data["platforms"].dtype == "str"


def test_integer_item_with_a_fraction_stays_float(s1, tmp_path):
    path = tmp_path / "frac.csv"
    path.write_text("employees,dt1\n12,4\n2.5,5\n", encoding="utf-8")
    data = read_responses(path, s1, min_item_share=0).data
    assert data["employees"].dtype == np.float64
    assert data["employees"].tolist() == [12.0, 2.5]


def test_sav_missing_reasons_reach_the_problems_table(mini):
    """A required item answered "Refused" is still missing, but the table says why."""
    from smekit.survey.quality import check_quality

    result = read_responses(fixture("mini_user_missing.sav"), mini)
    report = check_quality(
        result.data,
        mini,
        row_numbers=result.row_numbers,
        source="mini_user_missing.sav",
        missing_reasons=result.missing_reasons,
    )
    problems = report.problems
    stated = problems[problems["rule"] == "missing_reason"]
    required = {i.id for i in mini.iter_items() if i.required}
    expected = result.missing_reasons[result.missing_reasons["column"].isin(required)]
    assert sorted(zip(stated["row"], stated["column"], strict=True)) == sorted(
        zip(expected["row"], expected["column"], strict=True)
    )
    assert len(expected)  # the fixture has required items answered with a missing code
    assert any("answered 'Refused' (code 9" in m for m in stated["message"])
    silent = problems[(problems["rule"] == "missing_required")]
    assert not set(zip(silent["row"], silent["column"], strict=True)) & set(
        zip(expected["row"], expected["column"], strict=True)
    )
