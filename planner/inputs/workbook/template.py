"""``planner template``: the workbook a planning office fills in (``.xlsx`` and CSV copies),
empty with one example row per sheet, or filled with a config's dataset (the export)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from planner.errors import InputError
from planner.inputs.item_rules import join_levels as join
from planner.inputs.item_rules import split_levels
from planner.inputs.load import Inputs
from planner.inputs.workbook.schema import (
    CENTRES,
    COUNTIES,
    ITEMS,
    ONLINE_SHARES,
    README_SHEET,
    SHEETS,
    TOWNSHIPS,
    TRAVEL,
)

WORKBOOK_NAME = "planner_workbook.xlsx"
CSV_FOLDER = "csv"

README_LINES: tuple[str, ...] = (
    "Olive Planner workbook / 政务服务中心规划数据表",
    "",
    "Fill the sheets, then: planner import planner_workbook.xlsx --out my_dataset ; "
    "planner run my_dataset/config.toml",
    "Every sheet: row 1 = column keys (do not change), row 2 = Chinese label and unit, data "
    "from row 3. The template's rows are a complete small example (it imports and plans as "
    "written): overwrite them.",
    "每个表：第 1 行为字段名（请勿修改），第 2 行为中文说明与单位，第 3 行起为数据；"
    "模板中的数据为完整的小示例（可直接导入并规划），请覆盖。",
    "Do not merge cells; one value per cell; numbers as numbers (no units in the cell).",
    "The csv/ folder holds the same sheets as UTF-8 CSV files (same rows); "
    "planner import also accepts that folder.",
    "",
    "centres: today's centres (id, level 省/市/县/乡镇, the township they sit in, floor area "
    "m², windows; optional: back-office desks and today's window mode 传统窗口/小全科/大全科, "
    "both read by the model (blank mode: inferred from windows and demand), and items "
    "offered, not yet used).",
    "items: one row per item category. kind 即办件 (immediate) or 承诺件 (pending, decided by "
    "a back office); volume per 1,000 residents a year or an absolute yearly total; window "
    "and back-office minutes per transaction; per stage the levels that accept it (where a "
    "citizen hands it in) and whose back office decides it (| joined; a centre of a decide "
    "level decides what it accepts, others forward it to the township's own centre at the "
    "lowest decide level); online potential 0-1; longest acceptable one-way travel in "
    "minutes; item class convenience/business/major_approval (optional, default business).",
    "townships: id, name, kind 街道/镇/乡/其他, county code (a row of counties), the seat's "
    "longitude and latitude and their CRS: WGS84, CGCS2000, GCJ-02 (Amap, Tencent) or "
    "BD-09 (Baidu): GCJ-02 and BD-09 are converted to WGS84 on import; residents.",
    "counties: county-level units with the 2020 census indicators of the netizen maturity "
    "index (population, urban population, age shares %, mean years of schooling, "
    "illiteracy %, household car share 0-1).",
    "online_shares (optional): measured online share of transactions per county and year.",
    "travel_matrix (optional): one-way door-to-door minutes from township to centre, e.g. an "
    "OD cost matrix from ArcGIS Network Analyst, QGIS or OSRM; pairs it lacks fall back to "
    "the planner's proxy road graph.",
    "Boundaries come from the national boundary files by code (planner import --boundaries "
    "DIR to use others).",
)


EXAMPLE: dict[str, list[list[Any]]] = {
    CENTRES.name: [
        ["prov_320000", "江苏省政务服务中心", "省", "320000", "", "320102002", 20000, 60,
         "", "", "", "example"],
        ["city_320100", "南京市政务服务中心", "市", "320100", "prov_320000", "320102003", 9000,
         50, "", "", "", "example"],
        ["cnty_320102", "玄武区政务服务中心", "县", "320102", "city_320100", "320102002", 4800,
         88, "", "", "", "example"],
        ["twn_320102002", "梅园新村街道便民服务中心", "乡镇", "320102002", "cnty_320102",
         "320102002", 300, 6, "", "", "", "example"],
        ["twn_320102003", "新街口街道便民服务中心", "乡镇", "320102003", "cnty_320102",
         "320102003", 240, 5, "", "", "", "example"],
    ],
    ITEMS.name: [
        ["id_card", "居民身份证办理", "Resident ID card", "承诺件", 0.9, 100, "", 12, 15,
         "county|township", "county", "county|township", "county", "county|township", "county",
         0.2, 60, "example", "convenience"],
        ["social_insurance", "社会保险登记", "Social insurance registration", "即办件", 0, 150,
         "", 8, 0, "county|township", "county", "county|township", "county", "township",
         "county", 0.6, 45, "example", "convenience"],
        ["business_licence", "企业开办", "Business start-up", "承诺件", 1, 20, "", 25, 40,
         "city|county", "city|county", "county", "county", "county", "county", 0.5, 90,
         "example", "business"],
    ],
    TOWNSHIPS.name: [
        ["320102002", "梅园新村街道", "街道", "320102", 118.884036, 32.034255, "WGS84", 98336,
         "example", "example"],
        ["320102003", "新街口街道", "街道", "320102", 118.891837, 32.028266, "WGS84", 75638,
         "example", "example"],
    ],
    COUNTIES.name: [
        ["320102", "玄武区", "320100", "南京市", 537825, 537825, 11.15, 14.67, 12.93, 0.26,
         0.5241, "census_2020"],
    ],
    ONLINE_SHARES.name: [["320102", 2025, 0.55]],
    TRAVEL.name: [],
}  # fmt: skip
"""The template's example rows: a complete tiny dataset (two townships of 玄武区, Nanjing, with
a centre of every level and three items) that imports as written and plans in seconds.
Overwrite them with your own rows."""


def template_paths(folder: Path) -> list[Path]:
    """The files ``planner template`` writes into ``folder``: the workbook, then the CSVs."""
    return [folder / WORKBOOK_NAME, *(folder / CSV_FOLDER / f"{s.name}.csv" for s in SHEETS)]


def write_template(
    folder: Path, rows: dict[str, list[list[Any]]] | None = None, force: bool = False
) -> list[Path]:
    """Write ``WORKBOOK_NAME`` and ``csv/<sheet>.csv`` into ``folder``; ``rows`` fills the
    sheets (an export), else each sheet gets its example row.

    Raises
    ------
    InputError
        When one of those files exists already (a filled workbook is never overwritten)
        and ``force`` is not set; nothing is written then.
    """
    existing = [p for p in template_paths(folder) if p.exists()]
    if existing and not force:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise InputError(
            f"{existing[0]}{more} exists already; choose a new folder, or add --force to "
            "overwrite (the filled workbook would be lost)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CSV_FOLDER).mkdir(exist_ok=True)
    book = Workbook()
    readme = book.active
    if readme is None:  # a new workbook always has one sheet
        readme = book.create_sheet()
    readme.title = README_SHEET
    for line in README_LINES:
        readme.append([line])
    readme.column_dimensions["A"].width = 140
    written = []
    for sheet in SHEETS:
        data = rows.get(sheet.name, []) if rows is not None else EXAMPLE[sheet.name]
        ws = book.create_sheet(sheet.name)
        ws.append(sheet.keys)
        ws.append([c.label for c in sheet.columns])
        for cells in data:
            ws.append([None if v == "" else v for v in cells])
        for i, col in enumerate(sheet.columns, start=1):
            ws.cell(1, i).font = Font(bold=True)
            ws.cell(2, i).fill = PatternFill("solid", fgColor="EEEEEE")
            ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.key) + 4)
        ws.freeze_panes = "A3"
        path = folder / CSV_FOLDER / f"{sheet.name}.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(sheet.keys)
        writer.writerow([c.label for c in sheet.columns])
        writer.writerows([[_csv(v) for v in cells] for cells in data])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        written.append(path)
    book_path = folder / WORKBOOK_NAME
    book.save(book_path)
    return [book_path, *written]


def _csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _float(value: Any) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


def _listed_levels(record: dict[str, Any]) -> list[frozenset[str]]:
    """The catalogue's own accept levels per stage (``levels_s1``, ``levels_s2``, ...), before
    the config's class and item rules (``policy.item_classes``, ``policy.items``): the
    workbook holds the catalogue, the config its policy."""
    stages = sorted(
        int(key.removeprefix("levels_s"))
        for key in record
        if key.startswith("levels_s") and key.removeprefix("levels_s").isdigit()
    )
    return [split_levels(record[f"levels_s{s}"]) for s in stages]


def _item_rows(inputs: Inputs) -> list[list[Any]]:
    """The items sheet: accept and decide levels per stage, class last."""
    it = inputs.items
    items = []
    for r in it.to_dict("records"):
        share = float(r["pending_share"])
        # a catalogue with fewer stages repeats its last stage (the workbook has three)
        accept, decide = (
            [join(per_stage[min(s, len(per_stage)) - 1]) for s in (1, 2, 3)]
            for per_stage in (_listed_levels(r), inputs.decide_levels[r["item_id"]])
        )
        items.append(
            [
                r["item_id"],
                r["name_zh"],
                _get(r, "name_en"),
                "承诺件" if share > 0.5 else "即办件",
                share,
                float(r["annual_per_1000"]),
                "",
                float(r["counter_minutes"]),
                float(r["backoffice_minutes"]),
                *(lv for pair in zip(accept, decide, strict=True) for lv in pair),
                float(r["online_potential"]),
                float(r["max_travel_min"]),
                _get(r, "source"),
                _get(r, "item_class"),
            ]
        )
    return items


def export_rows(inputs: Inputs) -> dict[str, list[list[Any]]]:
    """The sheets of a dataset as read by the planner (the inverse of ``planner import``)."""
    t, c, ce = inputs.townships, inputs.counties, inputs.centres
    townships = [
        [
            r["township_id"],
            r["name"],
            r["kind"],
            r["county_code"],
            float(r["lon"]),
            float(r["lat"]),
            "CGCS2000",
            int(r["population"]),
            _get(r, "point_source"),
            _get(r, "population_source"),
        ]
        for r in t.to_dict("records")
    ]
    counties = [
        [
            r["county_code"],
            r["name"],
            r["city_code"],
            _get(r, "city_name"),
            int(r["pop_total"]),
            int(r["pop_urban"]),
            *(float(r[k]) for k in COUNTIES.keys[6:11]),
            _get(r, "census_source"),
        ]
        for r in c.to_dict("records")
    ]
    centres = [
        [
            r["centre_id"],
            r["name"],
            r["level"],
            r["admin_code"],
            _get(r, "parent_id"),
            r["township_id"],
            _float(r["floor_area_m2"]),
            int(float(r["windows"])),
            _whole(r.get("desks")),
            "",
            _get(r, "mode"),
            _get(r, "inventory_source"),
        ]
        for r in ce.to_dict("records")
    ]
    items = _item_rows(inputs)
    return {
        TOWNSHIPS.name: townships,
        COUNTIES.name: counties,
        CENTRES.name: centres,
        ITEMS.name: items,
        ONLINE_SHARES.name: [],
        TRAVEL.name: [],
    }


def _whole(value: Any) -> int | str:
    """A count as a whole number, blank where absent."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return ""
    return int(float(value))


def _get(record: dict[str, Any], key: str) -> str:
    value = record.get(key, "")
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
