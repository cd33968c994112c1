"""Reading the sheets of a workbook (``.xlsx``) or of its CSV copies into typed columns.

Every problem raises :class:`WorkbookError` naming the workbook, the sheet, the Excel row and
column, and what was expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from planner.errors import InputError
from planner.inputs.workbook.schema import SHEETS, Column, Sheet

FIRST_DATA_ROW = 3
"""Row 1: keys, row 2: Chinese labels and units, data from row 3."""


class WorkbookError(InputError):
    """A workbook that cannot be imported (one line: sheet, row, column, expected)."""


@dataclass(frozen=True)
class Where:
    """The workbook being read, for messages."""

    path: Path

    def error(
        self,
        sheet: str,
        message: str,
        row: int | None = None,
        col: int | None = None,
        key: str = "",
    ) -> WorkbookError:
        parts = [f"{self.path}: sheet '{sheet}'"]
        if row is not None:
            parts.append(f"row {row}")
        if col is not None:
            parts.append(f"column {get_column_letter(col)}" + (f" ({key})" if key else ""))
        return WorkbookError(", ".join(parts) + ": " + message)


Grid = list[list[Any]]


def read_grids(path: Path) -> tuple[Where, dict[str, Grid]]:
    """The cell values of every sheet (xlsx) or CSV file (a folder of ``<sheet>.csv``)."""
    where = Where(path)
    if path.is_dir():
        return where, _read_csv_folder(path, where)
    if not path.is_file():
        raise WorkbookError(f"{path}: workbook not found (expected an .xlsx file or a folder)")
    try:
        book = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise WorkbookError(f"{path}: not an Excel .xlsx workbook ({err})") from None
    grids: dict[str, Grid] = {}
    for ws in book.worksheets:
        merged = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
        if merged:
            r = merged[0]
            raise where.error(
                ws.title,
                f"merged cells {r.coord}; unmerge them (every cell needs its own value)",
                r.min_row,
                r.min_col,
            )
        grids[ws.title] = [list(row) for row in ws.iter_rows(values_only=True)]
    return where, grids


def _read_csv_folder(folder: Path, where: Where) -> dict[str, Grid]:
    grids: dict[str, Grid] = {}
    for sheet in SHEETS:
        path = folder / f"{sheet.name}.csv"
        if not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise where.error(sheet.name, f"{path.name} is not UTF-8 text") from None
        grids[sheet.name] = [
            [cell if cell != "" else None for cell in row] for row in csv.reader(io.StringIO(text))
        ]
    return grids


def sheet_rows(where: Where, grids: dict[str, Grid], sheet: Sheet) -> list[tuple[int, list[Any]]]:
    """The data rows (Excel row number, cells) of ``sheet`` after checking its header; an
    optional sheet that is absent gives no rows."""
    if sheet.name not in grids:
        if not sheet.required:
            return []
        found = ", ".join(f"'{n}'" for n in grids) or "none"
        raise where.error(sheet.name, f"missing; the workbook needs it (sheets found: {found})")
    grid = grids[sheet.name]
    header = [_text(v) for v in (grid[0] if grid else [])]
    while header and header[-1] == "":
        header.pop()
    for i, col in enumerate(sheet.columns):
        found = header[i] if i < len(header) else ""
        if not found and i >= len(header) and not any(c.required for c in sheet.columns[i:]):
            break  # optional columns at the end may be left out (older workbooks)
        if found != col.key:
            shown = f"'{found}'" if found else "an empty cell"
            raise where.error(sheet.name, f"expected header '{col.key}', found {shown}", 1, i + 1)
    if len(header) > len(sheet.columns):
        extra = len(sheet.columns) + 1
        raise where.error(
            sheet.name,
            f"unexpected column '{header[extra - 1]}' (the sheet has {len(sheet.columns)} "
            "columns; see the template)",
            1,
            extra,
        )
    rows = []
    for offset, cells in enumerate(grid[FIRST_DATA_ROW - 1 :]):
        padded = list(cells[: len(sheet.columns)]) + [None] * (len(sheet.columns) - len(cells))
        if all(_text(v) == "" for v in padded):
            continue
        rows.append((FIRST_DATA_ROW + offset, padded))
    if not rows and sheet.required:
        raise where.error(sheet.name, f"has no data rows (data start at row {FIRST_DATA_ROW})")
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_value(
    where: Where, sheet: Sheet, row: int, index: int, raw: Any
) -> str | float | int | None:
    """A cell converted by its column's kind (None for an empty optional cell)."""
    col: Column = sheet.columns[index]
    text = _text(raw)

    def fail(message: str) -> WorkbookError:
        return where.error(sheet.name, message, row, index + 1, col.key)

    if text == "":
        if col.required:
            raise fail("is empty; a value is required")
        return None
    if col.kind in {"number", "integer"}:
        if isinstance(raw, bool | dt.datetime | dt.date):
            raise fail(f"expected a number, found '{text}'")
        try:
            value = float(raw) if isinstance(raw, int | float) else float(text.replace(",", ""))
        except ValueError:
            raise fail(f"expected a number, found '{text}'") from None
        if not math.isfinite(value):
            raise fail(f"expected a finite number, found '{text}'")
        if col.kind == "integer" and not value.is_integer():
            raise fail(f"expected a whole number, found '{text}'")
        if col.low is not None and value < col.low:
            raise fail(_range_text(col, value))
        if col.high is not None and value > col.high:
            raise fail(_range_text(col, value))
        return int(value) if col.kind == "integer" else value
    if col.kind == "enum" and text not in col.choices:
        raise fail(f"expected one of {', '.join(col.choices)}, found '{text}'")
    return text


def _range_text(col: Column, value: float) -> str:
    if col.high is None:
        return f"expected a value >= {col.low:g}, found {value:g}"
    return f"expected a value from {col.low:g} to {col.high:g}, found {value:g}"
