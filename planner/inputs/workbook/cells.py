"""Reading the sheets of a workbook (``.xlsx``, ``.ods``) or of its CSV copies into typed
columns.

Columns are found by their key in row 1 (any order; an optional column may be left out); the
Chinese label row is recognised by its content wherever it stands (:func:`is_label_row`).
Every problem names the workbook, the sheet, the Excel row and column, and what was expected;
the importer collects them (:meth:`Where.note`) and reports them all in one pass
(:meth:`Where.raise_problems`, at most :data:`MAX_PROBLEMS`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from planner.errors import InputError
from planner.inputs.workbook.schema import SHEETS, Column, Sheet

MAX_PROBLEMS = 50
"""At most this many problems of a workbook are listed in one pass."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One problem of a workbook: where (sheet, Excel row and column) and what."""

    sheet: str
    message: str
    row: int | None = None
    col: int | None = None
    key: str = ""

    def column(self) -> str:
        if self.col is None:
            return ""
        return get_column_letter(self.col) + (f" ({self.key})" if self.key else "")

    def text(self) -> str:
        parts = [f"sheet '{self.sheet}'"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.col is not None:
            parts.append(f"column {self.column()}")
        return ", ".join(parts) + ": " + self.message


class WorkbookError(InputError):
    """A workbook that cannot be imported: one line (sheet, row, column, expected), or a
    table of every problem found in one pass (:meth:`Where.raise_problems`)."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Where:
    """The workbook being read, for messages, and the problems found so far."""

    path: Path
    problems: list[Problem] = field(default_factory=list, compare=False)

    def error(
        self,
        sheet: str,
        message: str,
        row: int | None = None,
        col: int | None = None,
        key: str = "",
    ) -> WorkbookError:
        problem = Problem(sheet, message, row, col, key)
        return WorkbookError(f"{self.path}: {problem.text()}", (problem,))

    def note(self, err: WorkbookError) -> None:
        """Keep the problems of ``err`` (reported together by :meth:`raise_problems`)."""
        if not err.problems:
            raise err
        self.problems.extend(err.problems)

    def raise_problems(self) -> None:
        """Raise every problem kept so far: the one line of a single problem, else a table
        (sheet, row, column, problem; at most :data:`MAX_PROBLEMS`), in the workbook's
        order of sheets, rows and columns."""
        order = {s.name: i for i, s in enumerate(SHEETS)}
        found = sorted(
            self.problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0, p.col or 0)
        )
        if not found:
            return
        if len(found) == 1:
            raise WorkbookError(f"{self.path}: {found[0].text()}", tuple(found))
        shown = found[:MAX_PROBLEMS]
        head = [("sheet", "row", "column", "problem")]
        rows = head + [
            (p.sheet, "" if p.row is None else str(p.row), p.column(), p.message) for p in shown
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [
            "  " + "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows
        ]
        more = f" (the first {MAX_PROBLEMS} shown)" if len(found) > MAX_PROBLEMS else ""
        title = f"{self.path}: {len(found)} problems{more}; fix them and import again:"
        raise WorkbookError("\n".join([title, *lines]), tuple(found))


Grid = list[list[Any]]


def read_grids(path: Path) -> tuple[Where, dict[str, Grid]]:
    """The cell values of every sheet (.xlsx, .ods) or CSV file (a folder of ``<sheet>.csv``)."""
    where = Where(path)
    if path.is_dir():
        return where, _read_csv_folder(path, where)
    if not path.is_file():
        raise WorkbookError(f"{path}: workbook not found (expected an .xlsx file or a folder)")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise WorkbookError(
            f"{path}: the old Excel .xls format is not read; open it in Excel or LibreOffice "
            "and save it as .xlsx (Excel workbook) or .ods"
        )
    if suffix == ".ods":
        return where, _read_ods(path)
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


def _read_ods(path: Path) -> dict[str, Grid]:
    """The sheets of an OpenDocument spreadsheet (LibreOffice's own format)."""
    import pandas as pd

    try:
        frames = pd.read_excel(path, sheet_name=None, header=None, engine="odf", dtype=object)
    except Exception as err:  # odfpy raises many kinds on a damaged file
        raise WorkbookError(f"{path}: not an OpenDocument .ods spreadsheet ({err})") from None
    return {
        str(name): [[None if pd.isna(v) else v for v in row] for row in f.itertuples(index=False)]
        for name, f in frames.items()
    }


def _decode(path: Path, where: Where, sheet: str) -> str:
    """A CSV file's text: UTF-8, else GB18030 (GBK, the Chinese Windows default) with a note."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise where.error(
            sheet,
            f"{path.name} is neither UTF-8 nor GB18030 (GBK) text; save it again as "
            "'CSV UTF-8' (Excel) or with character set Unicode (UTF-8) (LibreOffice)",
        ) from None
    log.warning("note: %s read as GB18030 (GBK) text, not UTF-8", path)
    return text


def _read_csv_folder(folder: Path, where: Where) -> dict[str, Grid]:
    grids: dict[str, Grid] = {}
    for sheet in SHEETS:
        path = folder / f"{sheet.name}.csv"
        if not path.is_file():
            continue
        text = _decode(path, where, sheet.name)
        grids[sheet.name] = [
            [cell if cell != "" else None for cell in row] for row in csv.reader(io.StringIO(text))
        ]
    return grids


def is_label_row(sheet: Sheet, cells: list[Any]) -> bool:
    """Whether ``cells`` (in the sheet's column order) are the Chinese label row: at least
    half of its filled cells read exactly as their column's label. Recognised by content
    wherever it stands (deleted, moved or kept as row 2), never by position."""
    filled = [(v, c) for v, c in zip(cells, sheet.columns, strict=False) if _text(v) != ""]
    same = sum(_text(v) == c.label for v, c in filled)
    return same > 0 and 2 * same >= len(filled)


def _header(where: Where, sheet: Sheet, header: list[str]) -> list[int | None]:
    """For each column of ``sheet``, its index in the sheet's header row (None: left out,
    allowed for an optional column); every problem of the header raised together."""
    problems: list[Problem] = []
    keys = sheet.keys
    first: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in first:
            problems.append(
                Problem(
                    sheet.name,
                    f"column '{name}' appears twice (first in column "
                    f"{get_column_letter(first[name] + 1)})",
                    1,
                    i + 1,
                )
            )
        elif name not in keys:
            at = i < len(keys) and keys[i] not in header
            if not at:
                problems.append(
                    Problem(
                        sheet.name,
                        f"unexpected column '{name}' (the sheet has {len(keys)} columns; "
                        "see the template)",
                        1,
                        i + 1,
                    )
                )
        first.setdefault(name, i)
    index: list[int | None] = []
    for i, col in enumerate(sheet.columns):
        found = first.get(col.key)
        index.append(found)
        if found is not None:
            continue
        there = header[i] if i < len(header) else ""
        if there and there not in keys:  # renamed in place
            problems.append(
                Problem(sheet.name, f"expected header '{col.key}', found '{there}'", 1, i + 1)
            )
        elif col.required:
            after = f", after '{keys[i - 1]}'" if i else ""
            problems.append(
                Problem(
                    sheet.name,
                    f"missing column '{col.key}' ({col.label}); the template has it as column "
                    f"{get_column_letter(i + 1)}{after}: add it back",
                    1,
                )
            )
    if problems:
        where.problems.extend(problems)
        raise WorkbookError(f"{where.path}: {problems[0].text()}", tuple(problems))
    return index


def sheet_rows(where: Where, grids: dict[str, Grid], sheet: Sheet) -> list[tuple[int, list[Any]]]:
    """The data rows (Excel row number, cells in the sheet's column order) of ``sheet`` after
    checking its header; the label row is skipped wherever it is; an optional sheet that is
    absent gives no rows."""
    if sheet.name not in grids:
        if not sheet.required:
            return []
        found = ", ".join(f"'{n}'" for n in grids) or "none"
        raise where.error(sheet.name, f"missing; the workbook needs it (sheets found: {found})")
    grid = grids[sheet.name]
    header = [_text(v) for v in (grid[0] if grid else [])]
    index = _header(where, sheet, header)
    named = {i for i in index if i is not None}
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        ordered = _cells(cells, index)
        stray = next((j for j, v in enumerate(cells) if j not in named and _text(v)), None)
        if stray is None and all(_text(v) == "" for v in ordered):
            continue
        if is_label_row(sheet, ordered):
            continue
        if stray is not None:
            where.note(
                where.error(
                    sheet.name,
                    f"a value below an empty header ('{_text(cells[stray])}'); give the column "
                    "a key from the template, or delete it",
                    number,
                    stray + 1,
                )
            )
            continue
        rows.append((number, ordered))
    if not rows and sheet.required:
        start = 3 if len(grid) > 1 and is_label_row(sheet, _cells(grid[1], index)) else 2
        raise where.error(sheet.name, f"has no data rows (data start at row {start})")
    return rows


def _cells(cells: list[Any], index: list[int | None]) -> list[Any]:
    return [None if i is None or i >= len(cells) else cells[i] for i in index]


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
