"""planner template / import: the workbook a planning office fills in, and its errors."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from planner.cli.main import cli
from planner.config.schema import load_config
from planner.datasets.calibration import Tables, measured_online_row
from planner.inputs.gcj02 import wgs84_to_bd09, wgs84_to_gcj02
from planner.inputs.load import read_inputs
from planner.inputs.workbook.cells import WorkbookError
from planner.inputs.workbook.importer import import_workbook
from planner.inputs.workbook.template import EXAMPLE, WORKBOOK_NAME, export_rows, write_template
from tests.tiny import write_case

THREE_STAGES = {
    "stages": {"base_year": 2025, "years": [2026, 2027, 2028]},
    "policy": {"top_heavy_max_share": [1.0, 1.0, 1.0]},
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny three-stage case (its folder also holds its boundary polygons)."""
    folder = tmp_path_factory.mktemp("tiny")
    write_case(
        folder,
        items=[{"levels_s2": "county", "levels_s3": "county"}],
        config=THREE_STAGES,
    )
    return folder


@pytest.fixture(scope="module")
def book(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny case exported to a workbook."""
    folder = tmp_path_factory.mktemp("book")
    write_template(folder, export_rows(read_inputs(load_config(tiny / "config.toml"))))
    return folder / WORKBOOK_NAME


def test_template_has_every_sheet_and_example_rows(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["template", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    wb = load_workbook(tmp_path / "t" / WORKBOOK_NAME)
    assert wb.sheetnames == [
        "README", "centres", "items", "townships", "counties", "online_shares", "travel_matrix"
    ]  # fmt: skip
    ws = wb["townships"]
    assert [c.value for c in ws[1]][:4] == ["township_id", "name", "kind", "county_code"]
    assert ws["E2"].value == "经度（度）"
    assert ws["A3"].value == "320102002"
    assert ws.max_row == 2 + len(EXAMPLE["townships"])
    items = wb["items"]
    keys = [c.value for c in items[1]]
    assert {"accept_s1", "decide_s1", "accept_s3", "decide_s3", "kind"} <= set(keys)
    for name in ("centres", "items", "townships", "counties", "online_shares", "travel_matrix"):
        lines = (tmp_path / "t" / "csv" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2 + len(EXAMPLE[name])
        assert lines[0].split(",") == [c.value for c in wb[name][1]]


def test_import_converts_gcj02_and_bd09(book: Path, tiny: Path, tmp_path: Path) -> None:
    path = tmp_path / WORKBOOK_NAME
    shutil.copy(book, path)
    wb = load_workbook(path)
    ws = wb["townships"]
    gx, gy = wgs84_to_gcj02(118.0, 32.0)
    bx, by = wgs84_to_bd09(118.1, 32.0)
    ws["E3"], ws["F3"], ws["G3"] = float(gx), float(gy), "GCJ-02"
    ws["E4"], ws["F4"], ws["G4"] = float(bx), float(by), "BD-09"
    wb.save(path)
    import_workbook(path, tmp_path / "out", tiny)
    towns = pd.read_csv(tmp_path / "out" / "townships.csv", dtype={"township_id": str})
    assert towns["lon"].round(5).tolist() == [118.0, 118.1]
    assert towns["lat"].round(5).tolist() == [32.0, 32.0]
    assert abs(float(gx) - 118.0) > 1e-3  # the conversion did something


def _cell(sheet: str, ref: str, value: object) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        wb[sheet][ref] = value

    return edit


def _cells(*edits: Callable[[Workbook], None]) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        for e in edits:
            e(wb)

    return edit


def _merge(wb: Workbook) -> None:
    wb["centres"].merge_cells("B3:C3")


def _drop_counties(wb: Workbook) -> None:
    del wb["counties"]


def _no_items(wb: Workbook) -> None:
    wb["items"].delete_rows(3, 10)


BAD: dict[str, tuple[Callable[[Workbook], None], str]] = {
    "missing sheet": (
        _drop_counties,
        "sheet 'counties': missing; the workbook needs it (sheets found: 'README', 'centres', "
        "'items', 'townships', 'online_shares', 'travel_matrix')",
    ),
    "wrong header": (
        _cell("townships", "C1", "type"),
        "sheet 'townships', row 1, column C: expected header 'kind', found 'type'",
    ),
    "extra column": (
        _cell("townships", "K1", "note"),
        "sheet 'townships', row 1, column K: unexpected column 'note' (the sheet has 10 "
        "columns; see the template)",
    ),
    "merged cells": (
        _merge,
        "sheet 'centres', row 3, column B: merged cells B3:C3; unmerge them (every cell needs "
        "its own value)",
    ),
    "text in a number column": (
        _cell("townships", "H3", "many"),
        "sheet 'townships', row 3, column H (population): expected a number, found 'many'",
    ),
    "fraction in an integer column": (
        _cell("centres", "H4", 2.5),
        "sheet 'centres', row 4, column H (windows): expected a whole number, found '2.5'",
    ),
    "empty required cell": (
        _cell("items", "H3", None),
        "sheet 'items', row 3, column H (counter_minutes): is empty; a value is required",
    ),
    "value out of range": (
        _cell("items", "P3", 1.5),
        "sheet 'items', row 3, column P (online_potential): expected a value from 0 to 1, "
        "found 1.5",
    ),
    "duplicate ids": (
        _cell("townships", "A4", "320101001"),
        "sheet 'townships', row 4, column A (township_id): duplicate township_id '320101001' "
        "(first at row 3)",
    ),
    "unknown county": (
        _cell("townships", "D3", "320199"),
        "sheet 'townships', row 3, column D (county_code): unknown county '320199': not in "
        "sheet 'counties'",
    ),
    "coordinates outside China": (
        _cells(_cell("townships", "E4", 2.35), _cell("townships", "F4", 48.85)),
        "sheet 'townships', row 4, column E (lon): point (2.35, 48.85) lies outside China; "
        "expected longitude and latitude in degrees (CGCS2000)",
    ),
    "longitude and latitude swapped": (
        _cells(_cell("townships", "E3", 32.0), _cell("townships", "F3", 118.0)),
        "sheet 'townships', row 3, column E (lon): point (32, 118) lies outside China; "
        "expected longitude and latitude in degrees (CGCS2000); longitude and latitude swapped?",
    ),
    "unknown CRS": (
        _cell("townships", "G3", "UTM50"),
        "sheet 'townships', row 3, column G (crs): expected one of WGS84, EPSG:4326, CGCS2000, "
        "EPSG:4490, GCJ-02, GCJ02, BD-09, BD09, found 'UTM50'",
    ),
    "unknown level name": (
        _cell("centres", "C3", "district"),
        "sheet 'centres', row 3, column C (level): expected one of province, city, county, "
        "township, 省, 市, 县, 乡镇, found 'district'",
    ),
    "unknown township of a centre": (
        _cell("centres", "F4", "320101009"),
        "sheet 'centres', row 4, column F (township_id): unknown township '320101009': not in "
        "sheet 'townships'",
    ),
    "unknown parent centre": (
        _cell("centres", "E4", "city_999999"),
        "sheet 'centres', row 4, column E (parent_id): unknown parent centre 'city_999999': not "
        "in this sheet",
    ),
    "unknown item offered": (
        _cell("centres", "J4", "a|passport"),
        "sheet 'centres', row 4, column J (items_offered): unknown item 'passport': not in "
        "sheet 'items'",
    ),
    "bad item id": (
        _cell("items", "A3", "ID card"),
        "sheet 'items', row 3, column A (item_id): expected lower-case letters, digits and '_' "
        "starting with a letter, found 'ID card'",
    ),
    "unknown level in a stage": (
        _cell("items", "J3", "county|village"),
        "sheet 'items', row 3, column J (accept_s1): expected levels joined by '|' "
        "(province/city/county/township or 省/市/县/乡镇), found 'village'",
    ),
    "decided below every accept level": (
        _cell("items", "M3", "township"),
        "sheet 'items', row 3, column M (decide_s2): decide levels township lie below every "
        "accept level county; expected a decide level at or above the lowest accept level",
    ),
    "unknown item class": (
        _cell("items", "S3", "everyday"),
        "sheet 'items', row 3, column S (item_class): expected one of convenience, business, "
        "major_approval, found 'everyday'",
    ),
    "kind contradicts pending share": (
        _cell("items", "D3", "承诺件"),
        "sheet 'items', row 3, column E (pending_share): pending_share 0 contradicts kind 承诺件 "
        "(即办件 <= 0.5, 承诺件 >= 0.5)",
    ),
    "both volumes": (
        _cell("items", "G3", 5000),
        "sheet 'items', row 3, column F (annual_per_1000): expected exactly one of "
        "annual_per_1000 and annual_total, found both",
    ),
    "no data rows": (
        _no_items,
        "sheet 'items': has no data rows (data start at row 3)",
    ),
    "urban above total": (
        _cell("counties", "F3", 5000),
        "sheet 'counties', row 3, column F (pop_urban): pop_urban 5,000 exceeds pop_total 2,000",
    ),
    "travel matrix: unknown centre": (
        _cells(
            _cell("travel_matrix", "A3", "320101001"),
            _cell("travel_matrix", "B3", "cnty_999999"),
            _cell("travel_matrix", "C3", 12.5),
        ),
        "sheet 'travel_matrix', row 3, column B (centre_id): unknown centre_id 'cnty_999999': "
        "not in sheet 'centres'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_workbook(case: str, book: Path, tiny: Path, tmp_path: Path) -> None:
    edit, message = BAD[case]
    path = tmp_path / WORKBOOK_NAME
    shutil.copy(book, path)
    wb = load_workbook(path)
    edit(wb)
    wb.save(path)
    out = tmp_path / "out"
    with pytest.raises(WorkbookError) as err:
        import_workbook(path, out, tiny)
    assert str(err.value) == f"{path}: {message}"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [WORKBOOK_NAME]  # nothing half-written


def test_not_a_workbook_and_cli_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{path}: not an Excel .xlsx workbook" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_import_refuses_to_overwrite_a_foreign_folder(
    book: Path, tiny: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(WorkbookError, match="folder exists and is not an imported dataset"):
        import_workbook(book, out, tiny)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep"
    import_workbook(book, tmp_path / "again", tiny)
    import_workbook(book, tmp_path / "again", tiny)  # an import replaces its own output
    assert (tmp_path / "again" / "config.toml").is_file()


def test_csv_folder_imports_like_the_workbook(tiny: Path, tmp_path: Path) -> None:
    rows = export_rows(read_inputs(load_config(tiny / "config.toml")))
    write_template(tmp_path / "t", rows)
    import_workbook(tmp_path / "t" / WORKBOOK_NAME, tmp_path / "a", tiny)
    import_workbook(tmp_path / "t" / "csv", tmp_path / "b", tiny)
    for name in ("townships.csv", "counties.csv", "centres.csv", "items.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_measured_online_shares_reach_the_calibration(
    book: Path, tiny: Path, tmp_path: Path
) -> None:
    path = tmp_path / WORKBOOK_NAME
    shutil.copy(book, path)
    wb = load_workbook(path)
    wb["online_shares"].append(["320101", 2025, 0.3])
    wb.save(path)
    config = import_workbook(path, tmp_path / "out", tiny)
    shares = pd.read_csv(tmp_path / "out" / "online_shares.csv", dtype={"county_code": str})
    assert shares.to_dict("records") == [
        {"county_code": "320101", "year": 2025, "online_share": 0.3}
    ]
    result = CliRunner().invoke(cli, ["validate", str(config), "--calibration"], terminal_width=240)
    assert result.exit_code == 0, result.output
    assert "measured" in result.output
    loaded = load_config(config)
    inputs = read_inputs(loaded)
    cfg = loaded.config
    tables = Tables(
        inputs.townships, inputs.counties, inputs.centres, inputs.items, cfg.maturity,
        cfg.stages, shares,
    )  # fmt: skip
    row = measured_online_row(tables)
    assert row is not None
    # the tiny item has no online potential: the model's share is 0%, outside 20% to 40%
    assert row.model == 0.0
    assert (row.ref.low, row.ref.high) == pytest.approx((0.2, 0.4))
    assert row.inside is False
