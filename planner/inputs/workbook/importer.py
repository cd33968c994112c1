"""``planner import``: a planner workbook validated and converted into a runnable dataset.

The output folder gets the planner's internal files (``townships.csv``, ``counties.csv``,
``centres.csv``, ``items.csv``, the boundary GeoJSONs of the units the workbook names, and
``travel_matrix.csv`` / ``online_shares.csv`` when those optional sheets have rows) plus a
``config.toml`` that points at them. Every error names the sheet, the Excel row and column,
and what was expected; nothing is written unless the whole workbook is valid (the folder is
built aside and renamed into place).
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from planner.inputs.gcj02 import bd09_to_wgs84, gcj02_to_wgs84, in_china
from planner.inputs.workbook.cells import Where, WorkbookError, cell_value, read_grids, sheet_rows
from planner.inputs.workbook.dataset import Imported, Record, write_dataset
from planner.inputs.workbook.schema import (
    CENTRES,
    COUNTIES,
    CRS_NAMES,
    ITEMS,
    LEVEL_NAMES,
    MODE_NAMES,
    ONLINE_SHARES,
    TOWNSHIP_KINDS,
    TOWNSHIPS,
    TRAVEL,
    Sheet,
)

log = logging.getLogger(__name__)

DEFAULT_BOUNDARIES = Path(__file__).resolve().parents[3] / "data" / "china"
"""Boundary polygons of every mainland county, city and province (the national dataset)."""

MARKER = ".planner-import"
"""File in an imported folder: the workbook's sha256 (lets an import replace its own output)."""

ITEM_ID = re.compile(r"[a-z][a-z0-9_]*")
LEVEL_ORDER = ("province", "city", "county", "township")


@dataclass
class Table:
    """The typed rows of one sheet with their Excel row numbers (a cell that could not be
    read is None and its row is in ``bad``)."""

    sheet: Sheet
    rows: list[tuple[int, Record]] = field(default_factory=list)
    bad: set[int] = field(default_factory=set)

    def ids(self) -> dict[str, int]:
        """Id -> first row, over every row whose id could be read (also rows with other
        problems: a reference to them is not a second problem)."""
        key = self.sheet.columns[0].key
        out: dict[str, int] = {}
        for row, r in self.rows:
            if r[key] is not None:
                out.setdefault(str(r[key]), row)
        return out

    def good(self) -> list[tuple[int, Record]]:
        """The rows whose every cell could be read."""
        return [(row, r) for row, r in self.rows if row not in self.bad]


def read_tables(path: Path) -> tuple[Where, dict[str, Table]]:
    """Every sheet typed cell by cell (form only: types, ranges, choices, headers); the
    problems are kept in ``where`` (raised after the sheets are read when a sheet or a
    header is wrong, since the rows cannot be checked further then)."""
    where, grids = read_grids(path)
    tables = {}
    fatal = False
    for sheet in (CENTRES, ITEMS, TOWNSHIPS, COUNTIES, ONLINE_SHARES, TRAVEL):
        table = Table(sheet)
        tables[sheet.name] = table
        try:
            rows = sheet_rows(where, grids, sheet)
        except WorkbookError as err:
            if err.problems and err.problems[0] not in where.problems:
                where.note(err)
            fatal = True
            continue
        for row, cells in rows:
            record: Record = {}
            for i, col in enumerate(sheet.columns):
                try:
                    record[col.key] = cell_value(where, sheet, row, i, cells[i])
                except WorkbookError as err:
                    where.note(err)
                    record[col.key] = None
                    table.bad.add(row)
            table.rows.append((row, record))
    if fatal:
        where.raise_problems()
    return where, tables


def _each(where: Where, table: Table, one: Callable[[int, Record], Record | None]) -> list[Record]:
    """``one`` applied to every good row of ``table``; a row's problem is kept in ``where``
    and the row left out."""
    out = []
    for row, rec in table.good():
        try:
            got = one(row, rec)
        except WorkbookError as err:
            where.note(err)
            continue
        if got is not None:
            out.append(got)
    return out


def _col(sheet: Sheet, key: str) -> int:
    return sheet.keys.index(key) + 1


def _unique(where: Where, table: Table) -> None:
    key = table.sheet.columns[0].key
    first: dict[str, int] = {}
    for row, rec in table.rows:
        if rec[key] is None:
            continue
        value = str(rec[key])
        if value in first:
            where.note(
                where.error(
                    table.sheet.name,
                    f"duplicate {key} '{value}' (first at row {first[value]})",
                    row,
                    1,
                    key,
                )
            )
            continue
        first[value] = row


def _levels(where: Where, sheet: Sheet, row: int, key: str, text: str) -> list[str]:
    parts = [p.strip() for p in text.replace("｜", "|").split("|") if p.strip()]
    levels = []
    for part in parts:
        if part not in LEVEL_NAMES:
            raise where.error(
                sheet.name,
                f"expected levels joined by '|' (province/city/county/township or 省/市/县/乡镇), "
                f"found '{part}'",
                row,
                _col(sheet, key),
                key,
            )
        levels.append(LEVEL_NAMES[part])
    if not levels:
        raise where.error(sheet.name, "expected at least one level", row, _col(sheet, key), key)
    return sorted(set(levels), key=LEVEL_ORDER.index)


def check_items(where: Where, items: Table, population: float) -> list[Record]:
    """Items in the planner's schema (one set of levels per stage)."""
    return _each(where, items, lambda row, rec: _item(where, row, rec, population))


def _item(where: Where, row: int, rec: Record, population: float) -> Record:
    item = str(rec["item_id"])
    if not ITEM_ID.fullmatch(item):
        raise where.error(
            ITEMS.name,
            f"expected lower-case letters, digits and '_' starting with a letter, found '{item}'",
            row,
            1,
            "item_id",
        )
    share = rec["pending_share"]
    if share is None:
        share = 0.0 if rec["kind"] == "即办件" else 1.0
    if (rec["kind"] == "即办件" and share > 0.5) or (rec["kind"] == "承诺件" and share < 0.5):
        raise where.error(
            ITEMS.name,
            f"pending_share {share:g} contradicts kind {rec['kind']} (即办件 <= 0.5, 承诺件 "
            ">= 0.5)",
            row,
            _col(ITEMS, "pending_share"),
            "pending_share",
        )
    rate = _rate(where, row, rec, population)
    levels = _accept_decide(where, row, rec)
    return {
        "item_id": item,
        "name_zh": rec["name_zh"],
        "name_en": rec["name_en"] or "",
        "annual_per_1000": rate,
        "counter_minutes": rec["counter_minutes"],
        "pending_share": share,
        "backoffice_minutes": rec["backoffice_minutes"],
        **levels,
        "online_potential": rec["online_potential"],
        "max_travel_min": rec["max_travel_min"],
        "source": rec["source"] or "user",
        "item_class": rec["item_class"] or "",
    }


def _accept_decide(where: Where, row: int, rec: Record) -> dict[str, str]:
    """``levels_s<k>`` (accept) and ``decide_s<k>`` columns of one item; a decide level must
    be at or above the lowest accept level (as :mod:`planner.inputs.validate` checks on a run)."""
    levels = {}
    for s in (1, 2, 3):
        accept = _levels(where, ITEMS, row, f"accept_s{s}", str(rec[f"accept_s{s}"]))
        decide = _levels(where, ITEMS, row, f"decide_s{s}", str(rec[f"decide_s{s}"]))
        if LEVEL_ORDER.index(decide[0]) > LEVEL_ORDER.index(accept[-1]):
            raise where.error(
                ITEMS.name,
                f"decide levels {'|'.join(decide)} lie below every accept level "
                f"{'|'.join(accept)}; expected a decide level at or above the lowest accept level",
                row,
                _col(ITEMS, f"decide_s{s}"),
                f"decide_s{s}",
            )
        levels[f"levels_s{s}"] = "|".join(accept)
        levels[f"decide_s{s}"] = "|".join(decide)
    return levels


def _rate(where: Where, row: int, rec: Record, population: float) -> float:
    per_1000, total = rec["annual_per_1000"], rec["annual_total"]
    if (per_1000 is None) == (total is None):
        raise where.error(
            ITEMS.name,
            "expected exactly one of annual_per_1000 and annual_total, found "
            + ("both" if per_1000 is not None else "neither"),
            row,
            _col(ITEMS, "annual_per_1000"),
            "annual_per_1000",
        )
    if per_1000 is not None:
        return float(per_1000)
    return float(total) / (population / 1000.0) if population > 0 else 0.0


def check_townships(where: Where, townships: Table, counties: Table) -> list[Record]:
    """Townships with WGS84/CGCS2000 points (converted from their stated CRS)."""
    known = counties.ids()

    def one(row: int, rec: Record) -> Record:
        county = str(rec["county_code"])
        if county not in known:
            raise where.error(
                TOWNSHIPS.name,
                f"unknown county '{county}': not in sheet 'counties'",
                row,
                _col(TOWNSHIPS, "county_code"),
                "county_code",
            )
        crs = CRS_NAMES[str(rec["crs"])]
        lon, lat = float(rec["lon"]), float(rec["lat"])
        if not bool(in_china(lon, lat)):
            hint = "; longitude and latitude swapped?" if bool(in_china(lat, lon)) else ""
            raise where.error(
                TOWNSHIPS.name,
                f"point ({lon:g}, {lat:g}) lies outside China; expected longitude and latitude "
                f"in degrees ({crs}){hint}",
                row,
                _col(TOWNSHIPS, "lon"),
                "lon",
            )
        if crs == "GCJ-02":
            x, y = gcj02_to_wgs84(lon, lat)
            lon, lat = float(x), float(y)
        elif crs == "BD-09":
            x, y = bd09_to_wgs84(lon, lat)
            lon, lat = float(x), float(y)
        return {
            "township_id": str(rec["township_id"]),
            "name": rec["name"],
            "kind": TOWNSHIP_KINDS[str(rec["kind"])],
            "county_code": county,
            "lon": lon,
            "lat": lat,
            "point_source": rec["point_source"] or "",
            "population": int(rec["population"]),
            "population_source": rec["population_source"] or "",
        }

    return _each(where, townships, one)


def check_counties(where: Where, counties: Table) -> list[Record]:

    def one(row: int, rec: Record) -> Record:
        for key in ("county_code", "city_code"):
            if not re.fullmatch(r"\d{6}", str(rec[key])):
                raise where.error(
                    COUNTIES.name,
                    f"expected a 6-digit code, found '{rec[key]}'",
                    row,
                    _col(COUNTIES, key),
                    key,
                )
        if rec["pop_urban"] > rec["pop_total"]:
            raise where.error(
                COUNTIES.name,
                f"pop_urban {rec['pop_urban']:,} exceeds pop_total {rec['pop_total']:,}",
                row,
                _col(COUNTIES, "pop_urban"),
                "pop_urban",
            )
        return {
            **{k: rec[k] for k in COUNTIES.keys if k != "source"},
            "pop_rural": int(rec["pop_total"]) - int(rec["pop_urban"]),
            "census_source": rec["source"] or "",
        }

    return _each(where, counties, one)


def check_centres(
    where: Where, centres: Table, townships: Table, item_ids: set[str]
) -> list[Record]:
    known_townships = townships.ids()
    known_centres = centres.ids()

    def one(row: int, rec: Record) -> Record:
        host = str(rec["township_id"])
        if host not in known_townships:
            raise where.error(
                CENTRES.name,
                f"unknown township '{host}': not in sheet 'townships'",
                row,
                _col(CENTRES, "township_id"),
                "township_id",
            )
        parent = str(rec["parent_id"] or "")
        if parent and parent not in known_centres:
            raise where.error(
                CENTRES.name,
                f"unknown parent centre '{parent}': not in this sheet",
                row,
                _col(CENTRES, "parent_id"),
                "parent_id",
            )
        offered = [p for p in str(rec["items_offered"] or "").split("|") if p.strip()]
        unknown = [p for p in offered if p.strip() not in item_ids]
        if unknown:
            raise where.error(
                CENTRES.name,
                f"unknown item '{unknown[0]}': not in sheet 'items'",
                row,
                _col(CENTRES, "items_offered"),
                "items_offered",
            )
        return {
            "centre_id": str(rec["centre_id"]),
            "level": LEVEL_NAMES[str(rec["level"])],
            "name": rec["name"],
            "admin_code": str(rec["admin_code"]),
            "parent_id": parent,
            "township_id": host,
            "floor_area_m2": rec["floor_area_m2"],
            "windows": rec["windows"],
            "inventory_source": rec["source"] or "",
            "desks": rec["desks"],
            "items_offered": "|".join(p.strip() for p in offered),
            "mode": MODE_NAMES.get(str(rec["today_mode"] or ""), ""),
        }

    return _each(where, centres, one)


def check_optional(
    where: Where, tables: dict[str, Table], centre_ids: dict[str, int]
) -> tuple[list[Record], list[Record]]:
    """The optional online-share and travel-matrix sheets."""
    counties = tables[COUNTIES.name].ids()

    def share(row: int, rec: Record) -> Record:
        if str(rec["county_code"]) not in counties:
            raise where.error(
                ONLINE_SHARES.name,
                f"unknown county '{rec['county_code']}': not in sheet 'counties'",
                row,
                1,
                "county_code",
            )
        return {**rec, "county_code": str(rec["county_code"])}

    shares = _each(where, tables[ONLINE_SHARES.name], share)
    townships = tables[TOWNSHIPS.name].ids()
    seen: dict[tuple[str, str], int] = {}

    def pair_of(row: int, rec: Record) -> Record:
        pair = (str(rec["township_id"]), str(rec["centre_id"]))
        for i, (value, known, what) in enumerate(
            ((pair[0], townships, "townships"), (pair[1], centre_ids, "centres"))
        ):
            if value not in known:
                key = TRAVEL.keys[i]
                raise where.error(
                    TRAVEL.name, f"unknown {key} '{value}': not in sheet '{what}'", row, i + 1, key
                )
        if pair in seen:
            raise where.error(
                TRAVEL.name,
                f"duplicate pair {pair[0]} -> {pair[1]} (first at row {seen[pair]})",
                row,
                1,
                "township_id",
            )
        seen[pair] = row
        return {"township_id": pair[0], "centre_id": pair[1], "minutes": rec["minutes"]}

    return shares, _each(where, tables[TRAVEL.name], pair_of)


def convert(path: Path) -> Imported:
    """Read and validate a workbook (or a folder of its CSV sheets)."""
    where, tables = read_tables(path)
    for name in (CENTRES.name, ITEMS.name, TOWNSHIPS.name, COUNTIES.name):
        _unique(where, tables[name])
    counties = check_counties(where, tables[COUNTIES.name])
    townships = check_townships(where, tables[TOWNSHIPS.name], tables[COUNTIES.name])
    population = float(sum(t["population"] for t in townships))
    items = check_items(where, tables[ITEMS.name], population)
    centres = check_centres(
        where, tables[CENTRES.name], tables[TOWNSHIPS.name], {i["item_id"] for i in items}
    )
    shares, matrix = check_optional(where, tables, tables[CENTRES.name].ids())
    where.raise_problems()
    return Imported(townships, counties, centres, items, shares, matrix, _sha256(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def import_workbook(path: Path, out: Path, boundaries: Path = DEFAULT_BOUNDARIES) -> Path:
    """Validate ``path`` and write the dataset folder ``out`` atomically; return its config.

    Raises
    ------
    WorkbookError
        On any problem of the workbook (nothing is written).
    """
    path, out = Path(path), Path(out)
    imported = convert(path)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise WorkbookError(
            f"{out}: folder exists and is not an imported dataset; choose a new --out folder"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)
    try:
        write_dataset(imported, tmp, boundaries, Where(path), name=path.stem)
        (tmp / MARKER).write_text(imported.sha256 + "\n", encoding="utf-8")
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log.info("imported %s into %s", path, out)
    return out / "config.toml"


def workbook_dataset(path: Path, boundaries: Path = DEFAULT_BOUNDARIES) -> Path:
    """The dataset folder of a workbook a config points at (``data.workbook``): imported next
    to it as ``.<name>.dataset/`` and re-imported only when the workbook changes."""
    if not path.exists():
        raise WorkbookError(
            f"{path}: workbook not found (check 'data.workbook' in the config: an .xlsx or "
            ".ods file, or a folder of its CSV sheets)"
        )
    if not (boundaries / "counties.geojson").is_file():
        raise WorkbookError(
            f"{boundaries / 'counties.geojson'}: boundary file not found (check "
            "'data.county_boundaries' in the config)"
        )
    out = path.with_name(f".{path.name}.dataset")
    marker = out / MARKER
    stamp = f"{_sha256(path)} {boundaries.resolve()}"
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == stamp:
        return out
    import_workbook(path, out, boundaries)
    marker.write_text(stamp + "\n", encoding="utf-8")
    return out


__all__ = [
    "DEFAULT_BOUNDARIES",
    "Imported",
    "WorkbookError",
    "convert",
    "import_workbook",
    "workbook_dataset",
]
