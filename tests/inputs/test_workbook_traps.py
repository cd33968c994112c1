"""A planner's day with the workbook (issue 25): no silent loss, every problem in one pass,
the files Chinese offices save, the template's own example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from planner.cli.main import cli
from planner.config.schema import load_config
from planner.errors import InputError
from planner.inputs.load import read_inputs
from planner.inputs.workbook.cells import MAX_PROBLEMS, WorkbookError
from planner.inputs.workbook.importer import convert, import_workbook
from planner.inputs.workbook.template import CSV_FOLDER, EXAMPLE, WORKBOOK_NAME, write_template
from planner.run.pipeline import run_config


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``planner template``'s own output (its example rows)."""
    folder = tmp_path_factory.mktemp("template")
    write_template(folder)
    return folder


def _copy(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / WORKBOOK_NAME
    shutil.copy(template / WORKBOOK_NAME, path)
    return path


# -- loss traps --------------------------------------------------------------------------------


def test_template_refuses_to_overwrite_a_filled_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "hainan"
    folder.mkdir()
    filled = folder / WORKBOOK_NAME
    filled.write_bytes(b"265 centres and 218 townships")
    result = CliRunner().invoke(cli, ["template", str(folder)])
    assert result.exit_code == 2, result.output
    assert "exists already" in result.output and "--force" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert filled.read_bytes() == b"265 centres and 218 townships"
    assert not (folder / CSV_FOLDER).exists()  # nothing half-written
    result = CliRunner().invoke(cli, ["template", str(folder), "--force"])
    assert result.exit_code == 0, result.output
    assert load_workbook(filled).sheetnames[0] == "README"


def test_template_refuses_when_only_a_csv_sheet_exists(tmp_path: Path) -> None:
    sheet = tmp_path / CSV_FOLDER / "centres.csv"
    sheet.parent.mkdir()
    sheet.write_text("mine\n", encoding="utf-8")
    with pytest.raises(InputError, match="exists already"):
        write_template(tmp_path)
    assert sheet.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / WORKBOOK_NAME).exists()


@pytest.mark.parametrize("sheet", ["items", "townships", "centres", "counties", "online_shares"])
def test_deleting_the_label_row_keeps_every_data_row(
    sheet: str, template: Path, tmp_path: Path
) -> None:
    kept = convert(template / WORKBOOK_NAME)
    path = _copy(template, tmp_path)
    wb = load_workbook(path)
    wb[sheet].delete_rows(2)  # the Chinese label row
    wb.save(path)
    edited = convert(path)
    assert edited.townships == kept.townships
    assert edited.items == kept.items
    assert edited.centres == kept.centres
    assert edited.counties == kept.counties
    assert edited.online_shares == kept.online_shares


def test_label_row_is_recognised_wherever_it_stands(template: Path, tmp_path: Path) -> None:
    path = _copy(template, tmp_path)
    wb = load_workbook(path)
    ws = wb["items"]
    labels = [c.value for c in ws[2]]
    ws.delete_rows(2)
    ws.append(labels)  # moved to the bottom (a sort, a paste)
    wb.save(path)
    assert [i["item_id"] for i in convert(path).items] == [r[0] for r in EXAMPLE["items"]]


# -- the template's own example ----------------------------------------------------------------


def test_template_example_imports_and_plans(template: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["import", str(template / WORKBOOK_NAME), "--out", str(tmp_path / "ds")]
    )
    assert result.exit_code == 0, result.output
    loaded = load_config(tmp_path / "ds" / "config.toml")
    inputs = read_inputs(loaded)
    assert sorted(inputs.centres["level"]) == sorted(
        ["province", "city", "county", "township", "township"]
    )
    run = run_config(loaded)
    assert run.plan is not None
    assert str(run.result.status) == "optimal"


def test_template_csv_folder_imports_as_written(template: Path, tmp_path: Path) -> None:
    imported = convert(template / CSV_FOLDER)
    assert len(imported.townships) == len(EXAMPLE["townships"])


# -- every problem in one pass, a missing column named -----------------------------------------


def test_import_lists_every_problem_in_one_pass(template: Path, tmp_path: Path) -> None:
    path = _copy(template, tmp_path)
    wb = load_workbook(path)
    wb["townships"]["H3"] = "many"  # a cell
    wb["centres"]["F5"] = "320199999"  # a reference
    wb["items"]["P4"] = 1.5  # a range
    wb.save(path)
    result = CliRunner().invoke(cli, ["import", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == f"error: {path}: 3 problems; fix them and import again:"
    assert lines[1].split() == ["sheet", "row", "column", "problem"]
    table = "\n".join(lines[2:])
    assert "townships  3    H (population)" in table
    assert "expected a number, found 'many'" in table
    assert "centres    5    F (township_id)" in table
    assert "items      4    P (online_potential)" in table
    assert not (tmp_path / "out").exists()


def test_import_caps_the_problem_list(template: Path, tmp_path: Path) -> None:
    path = _copy(template, tmp_path)
    wb = load_workbook(path)
    ws = wb["online_shares"]
    for _ in range(MAX_PROBLEMS + 10):
        ws.append(["320102", 1999, 0.5])  # year below 2000
    wb.save(path)
    with pytest.raises(WorkbookError) as err:
        convert(path)
    text = str(err.value)
    assert f"{MAX_PROBLEMS + 10} problems (the first {MAX_PROBLEMS} shown)" in text
    assert len(text.splitlines()) == 2 + MAX_PROBLEMS


def test_a_missing_column_is_named(template: Path, tmp_path: Path) -> None:
    path = _copy(template, tmp_path)
    wb = load_workbook(path)
    wb["townships"].delete_cols(8)  # population
    wb.save(path)
    with pytest.raises(WorkbookError) as err:
        convert(path)
    assert str(err.value) == (
        f"{path}: sheet 'townships', row 1: missing column 'population' (常住人口（人）); the "
        "template has it as column H, after 'crs': add it back"
    )


def test_columns_are_read_by_their_key_in_any_order(template: Path, tmp_path: Path) -> None:
    kept = convert(template / WORKBOOK_NAME)
    path = _copy(template, tmp_path)
    wb = load_workbook(path)
    ws = wb["townships"]
    ws.move_range("A1:A10", cols=12)  # township_id moved after the last column
    ws.delete_cols(1)
    wb.save(path)
    assert convert(path).townships == kept.townships


# -- the files Chinese offices save ------------------------------------------------------------


def test_gb18030_csv_sheets_are_read_with_a_note(
    template: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(template / CSV_FOLDER, folder)
    kept = convert(folder)
    sheet = folder / "townships.csv"
    sheet.write_bytes(sheet.read_text(encoding="utf-8").encode("gb18030"))
    with caplog.at_level("WARNING"):
        again = convert(folder)
    assert again.townships == kept.townships
    assert "townships.csv read as GB18030 (GBK)" in caplog.text


def test_csv_in_neither_encoding_gets_the_resave_hint(template: Path, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(template / CSV_FOLDER, folder)
    (folder / "items.csv").write_bytes(b"item_id\n\xff\xfe\x80\x80\n")
    with pytest.raises(WorkbookError, match=r"neither UTF-8 nor GB18030 .* 'CSV UTF-8'"):
        convert(folder)


def test_ods_is_read_like_the_xlsx(template: Path, tmp_path: Path) -> None:
    kept = convert(template / WORKBOOK_NAME)
    path = tmp_path / "book.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name in ("centres", "items", "townships", "counties", "online_shares"):
            frame = pd.read_excel(template / WORKBOOK_NAME, sheet_name=name, header=None)
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    again = convert(path)
    assert again.townships == kept.townships
    assert again.items == kept.items
    assert again.centres == kept.centres


def test_xls_is_refused_in_words(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 an old workbook")
    result = CliRunner().invoke(cli, ["import", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: the old Excel .xls format is not read; open it in Excel or "
        "LibreOffice and save it as .xlsx (Excel workbook) or .ods"
    )
    with pytest.raises(WorkbookError):
        import_workbook(path, tmp_path / "o2")
