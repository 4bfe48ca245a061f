"""Excel workbooks (.xlsx) into a raw table, read with ``openpyxl`` in read-only mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError
from smekit.survey.rawtable import _Column, _Table

Scorer = Callable[[list[str]], int]


def _open_workbook(path: Path):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl's own errors for a broken file
        raise DataError(
            f"cannot open as an Excel workbook ({type(exc).__name__}: {exc})",
            where=path,
            fix="open it in a spreadsheet program and save it again as .xlsx",
        ) from None


def _sheet_rows(ws):
    """Rows of a read-only sheet as value tuples, row 1 first, gaps as empty rows.

    The stored sheet dimensions are ignored: some writers record them wrongly,
    which would cut columns off.
    """
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    return ws.iter_rows(min_row=1, values_only=True)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _nonempty(row: tuple) -> bool:
    return any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row)


def _first_row(ws) -> list[str] | None:
    for row in _sheet_rows(ws):
        if _nonempty(row):
            return [_cell_text(v) for v in row]
    return None


def _pick_sheet(workbook, sheet: str | int | None, path: Path, score: Scorer | None = None):
    """The sheet to read.

    Without ``sheet``: of the sheets holding data, the one whose first row names
    the most items (``score``), the first one on a tie or when no header names any
    item.
    """
    names = workbook.sheetnames
    if sheet is None:
        best, best_score = None, -1
        for ws in workbook.worksheets:
            header = _first_row(ws)
            if header is None:
                continue
            points = score(header) if score is not None else 0
            if points > best_score:
                best, best_score = ws, points
            if score is None:
                break
        if best is None:
            raise DataError(
                "no sheet of the workbook holds data",
                where=path,
                fix="put the responses on a sheet, one row per response",
            )
        return best
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise DataError(
                f"the workbook has no sheet number {sheet} (it has {len(names)}, counted from 0)",
                where=path,
                fix=f"sheets: {', '.join(names)}",
            )
        return workbook.worksheets[sheet]
    if sheet not in names:
        raise DataError(
            f"the workbook has no sheet '{sheet}'", where=path, fix=f"sheets: {', '.join(names)}"
        )
    return workbook[sheet]


def _excel_rows(path: Path, sheet: str | int | None, score: Scorer | None = None):
    workbook = _open_workbook(path)
    try:
        ws = _pick_sheet(workbook, sheet, path, score)
        title, sheets = ws.title, list(workbook.sheetnames)
        rows = [
            (number, row) for number, row in enumerate(_sheet_rows(ws), start=1) if _nonempty(row)
        ]
    finally:
        workbook.close()
    return title, sheets, rows


def _excel_header(
    path: Path, sheet: str | int | None, n: int = 3, score: Scorer | None = None
) -> list[list[str]]:
    workbook = _open_workbook(path)
    try:
        ws = _pick_sheet(workbook, sheet, path, score)
        header: list[list[str]] = []
        for row in _sheet_rows(ws):
            if _nonempty(row):
                header.append([_cell_text(v) for v in row])
                if len(header) == n:
                    break
    finally:
        workbook.close()
    return header


def _read_excel(
    path: Path, *, sheet: str | int | None, header_rows: int, score: Scorer | None = None
) -> _Table:
    title, sheets, rows = _excel_rows(path, sheet, score)
    if not rows:
        raise DataError(f"sheet '{title}' holds no data", where=path)
    header = [[_cell_text(v) for v in row] for _, row in rows[:header_rows]]
    body = rows[header_rows:]
    width = max(len(row) for _, row in rows)
    names = header[0] + [""] * (width - len(header[0]))
    matrix = np.empty((len(body), width), dtype=object)
    for i, (_, row) in enumerate(body):
        matrix[i, : len(row)] = row
    columns = [_Column.from_values(pd.Series(matrix[:, j], dtype=object)) for j in range(width)]
    numbers = np.asarray([number for number, _ in body], dtype=np.int64)
    return _Table(
        names=names,
        columns=columns,
        row_numbers=numbers,
        header=header,
        sheet=title,
        sheets=sheets,
    )
