"""travel.matrix: measured minutes replace the proxy graph; missing pairs fall back."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import fastparquet
import pandas as pd
import pytest
from openpyxl import load_workbook

from planner.config.schema import load_config
from planner.errors import InputError
from planner.inputs.load import read_inputs, sha256_file
from planner.inputs.workbook.template import WORKBOOK_NAME, export_rows, write_template
from planner.run.pipeline import execute, write_run
from tests.tiny import prepare_run, tiny_centres, write_case

CENTRES = tiny_centres(city=100.0, stations={"320101001": 40.0, "320101002": 20.0})


@pytest.fixture()
def case(tmp_path: Path) -> Path:
    return write_case(
        tmp_path / "case",
        centres=CENTRES,
        items=[{"levels_s1": "county|township"}],
        config={"output": {"dir": str(tmp_path / "runs")}},
    )


def _matrix(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    frame = pd.DataFrame(rows, columns=["township_id", "centre_id", "minutes"])
    if path.suffix == ".parquet":
        fastparquet.write(path, frame, write_index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def test_proxy_by_default(case: Path) -> None:
    prepared = prepare_run(load_config(case))
    assert prepared.travel.provenance == {"source": "proxy"}
    assert "travel_matrix" not in prepared.inputs.files


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_matrix_replaces_proxy_and_missing_pairs_fall_back(
    case: Path, suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = prepare_run(load_config(case)).travel.minutes.set_index(["township_id", "centre_id"])
    path = _matrix(
        case.parent / f"od{suffix}",
        [
            ("320101001", "cnty_320101", 3.5),
            ("320101002", "cnty_320101", 47.25),
            ("320101002", "town_320101002", 4.0),
            ("320101002", "city_320100", 500.0),  # beyond every limit: never used
            ("999999999", "cnty_320101", 1.0),  # unknown township: ignored
        ],
    )
    with caplog.at_level(logging.WARNING, logger="planner.inputs.travel"):
        prepared = prepare_run(load_config(case, {"travel": {"matrix": str(path)}}))
    table = prepared.travel.minutes.set_index(["township_id", "centre_id"])["minutes"]
    assert table[("320101001", "cnty_320101")] == 3.5
    assert table[("320101002", "cnty_320101")] == 47.25
    assert table[("320101002", "town_320101002")] == 4.0
    assert ("320101002", "city_320100") not in table.index
    lacking = [p for p in proxy.index if p not in {
        ("320101001", "cnty_320101"), ("320101002", "cnty_320101"),
        ("320101002", "town_320101002"), ("320101002", "city_320100"),
    }]  # fmt: skip
    assert lacking
    for pair in lacking:
        assert table[pair] == proxy.loc[pair, "minutes"]
    prov = prepared.travel.provenance
    assert prov["source"] == "matrix+proxy"
    assert prov["proxy_fallback_pairs"] == len(lacking)
    assert prov["matrix_pairs_used"] == 3
    assert prov["ignored_rows"] == 1
    assert f"lacks {len(lacking)} of the township-centre pairs" in caplog.text


def test_manifest_records_the_matrix(case: Path) -> None:
    prepared = prepare_run(load_config(case))
    full = prepared.travel.minutes.assign(minutes=lambda f: f["minutes"] + 1.0)
    path = case.parent / "full.csv"
    full.to_csv(path, index=False)
    run = execute(prepare_run(load_config(case, {"travel": {"matrix": str(path)}})))
    folder = write_run(run)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["travel"]["source"] == "matrix"
    assert manifest["travel"]["proxy_fallback_pairs"] == 0
    assert manifest["inputs"]["travel_matrix"]["sha256"] == sha256_file(path)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "township_id,centre,minutes\n1,2,3\n",
            "travel matrix lacks column(s) ['centre_id']; found "
            "['township_id', 'centre', 'minutes']",
        ),
        (
            "township_id,centre_id,minutes\n320101001,cnty_320101,-4\n",
            "'minutes' must be a number >= 0 but is '-4' on data row 1 (320101001 -> cnty_320101)",
        ),
        (
            "township_id,centre_id,minutes\n320101001,cnty_320101,5\n320101001,cnty_320101,6\n",
            "pair 320101001 -> cnty_320101 appears more than once",
        ),
    ],
)
def test_bad_matrix(case: Path, rows: str, message: str) -> None:
    path = case.parent / "bad.csv"
    path.write_text(rows, encoding="utf-8")
    with pytest.raises(InputError) as err:
        prepare_run(load_config(case, {"travel": {"matrix": str(path)}}))
    assert str(err.value) == f"{path}: {message}"


def test_config_pointing_at_a_workbook_uses_its_matrix(case: Path, tmp_path: Path) -> None:
    rows = export_rows(read_inputs(load_config(case)))
    write_template(tmp_path / "book", rows)
    book = tmp_path / "book" / WORKBOOK_NAME
    wb = load_workbook(book)
    wb["travel_matrix"].append(["320101002", "cnty_320101", 33.0])
    wb.save(book)
    # boundary polygons from the tiny case's folder (its codes are not real counties)
    config = tmp_path / "wb.toml"
    config.write_text(
        f'name = "wb"\n[data]\nworkbook = "{book}"\n'
        f'county_boundaries = "{case.parent / "counties.geojson"}"\n'
        f"[stages]\nbase_year = 2025\nyears = [2026]\n"
        f"[policy]\ntop_heavy_max_share = [1.0]\ntownship_min_station_m2 = 0.0\n",
        encoding="utf-8",
    )
    prepared = prepare_run(load_config(config))
    dataset = tmp_path / "book" / f".{WORKBOOK_NAME}.dataset"
    assert prepared.inputs.files["townships"] == dataset / "townships.csv"
    table = prepared.travel.minutes.set_index(["township_id", "centre_id"])["minutes"]
    assert table[("320101002", "cnty_320101")] == 33.0
    assert prepared.travel.provenance["source"] == "matrix+proxy"
    shutil.rmtree(dataset)


def test_corrupt_parquet(case: Path) -> None:
    path = case.parent / "od.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"od\.parquet: cannot read the travel matrix"):
        prepare_run(load_config(case, {"travel": {"matrix": str(path)}}))
