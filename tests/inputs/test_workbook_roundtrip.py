"""Round trip: a dataset exported to the workbook and imported back plans the same bytes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.config.schema import load_config
from planner.inputs.load import read_inputs
from planner.inputs.workbook.importer import import_workbook
from planner.inputs.workbook.template import WORKBOOK_NAME, export_rows, write_template
from planner.run.pipeline import run_config, write_run
from tests.tiny import tiny_centres, write_case

ROOT = Path(__file__).resolve().parents[2]


def _round_trip(config: Path, boundaries: Path, tmp: Path) -> Path:
    """Export ``config``'s dataset to a workbook, import it back; the new config's path."""
    write_template(tmp / "book", export_rows(read_inputs(load_config(config))))
    return import_workbook(tmp / "book" / WORKBOOK_NAME, tmp / "imported", boundaries)


def _plan(config: Path, out: Path, name: str) -> Path:
    loaded = load_config(
        config,
        {
            "name": name,
            "stages": {"base_year": 2025, "years": [2026, 2027, 2028]},
            "policy": {
                "top_heavy_max_share": [1.0, 1.0, 1.0],
                "township_min_station_m2": 0.0,
                # the issue-15 rules as the imported config has them (the defaults)
                "olive": {"stages": [2, 3]},
                "surplus": {"convert": True},
                "level_floor": {"share_of_today": {"county": [1.0, 0.0, 0.0]}},
                "staff": {"redeploy_cost_per_window": 0.0, "redeploy_cost_per_desk": 0.0},
            },
            "output": {"dir": str(out), "gpkg": False, "report": False},
        },
    )
    run = run_config(loaded)
    assert run.result.status == "optimal"
    return write_run(run)


def test_tiny_round_trip_gives_the_same_plan_bytes(tmp_path: Path) -> None:
    case = tmp_path / "case"
    config = write_case(
        case,
        townships=[
            {
                "township_id": "320101001",
                "name": "甲镇",
                "kind": "town",
                "lon": 118.0,
                "lat": 32.0,
                "population": 3000,
            },
            {
                "township_id": "320101002",
                "name": "乙街道",
                "kind": "street",
                "lon": 118.1,
                "lat": 32.05,
                "population": 1500,
            },
            {
                "township_id": "320101003",
                "name": "丙乡",
                "kind": "township",
                "lon": 118.3,
                "lat": 32.2,
                "population": 800,
            },
        ],
        items=[
            {
                "item_id": "a",
                "levels_s1": "county",
                "levels_s2": "county|township",
                "levels_s3": "township",
                "online_potential": 0.4,
            },
            {
                "item_id": "b",
                "name_zh": "承诺事项",
                "annual_per_1000": 12.5,
                "pending_share": 0.8,
                "backoffice_minutes": 40,
                "levels_s1": "city|county",
                "levels_s2": "county",
                "levels_s3": "county",
                "max_travel_min": 90,
            },
        ],
        centres=tiny_centres(city=100.0, stations={"320101001": 40.0, "320101002": 20.0}),
    )
    imported = _round_trip(config, case, tmp_path)
    a = _plan(config, tmp_path / "runs", "original")
    b = _plan(imported, tmp_path / "runs", "imported")
    names = sorted(p.name for p in (a / "plan").iterdir())
    assert names == sorted(p.name for p in (b / "plan").iterdir())
    assert "levels.csv" in names
    for name in names:
        assert (a / "plan" / name).read_bytes() == (b / "plan" / name).read_bytes(), name


@pytest.mark.slow
def test_jiangsu_round_trip_reads_the_same_tables(tmp_path: Path) -> None:
    config = ROOT / "configs" / "jiangsu.toml"
    imported = _round_trip(config, ROOT / "data" / "jiangsu", tmp_path)
    original = load_config(config)
    a = read_inputs(original)
    # the workbook holds the catalogue, the config its policy: the imported config read with
    # the default's township rules (policy.item_classes, policy.items) accepts the same items
    # at the same levels
    policy = original.raw["policy"]
    rules = {"policy": {k: policy[k] for k in ("item_classes", "items") if k in policy}}
    assert rules["policy"], "the default sets township rules (issue 23)"
    b = read_inputs(load_config(imported, rules))
    for name in ("townships", "counties", "centres", "items"):
        left, right = getattr(a, name), getattr(b, name)
        shared = [c for c in left.columns if c in right.columns]
        # the planner's columns and every *_source flag survive; only extra census columns
        # (households, folded codes) are not part of the workbook
        assert set(shared) >= {c for c in left.columns if c.endswith("_source")}
        pd.testing.assert_frame_equal(left[shared], right[shared], check_dtype=False)
    assert a.item_levels == b.item_levels
    for name in ("townships.csv", "centres.csv"):
        data = (ROOT / "data" / "jiangsu" / name).read_bytes()
        assert (tmp_path / "imported" / name).read_bytes() == data, name
    for name in ("province.geojson", "cities.geojson", "counties.geojson"):
        data = (ROOT / "data" / "jiangsu" / name).read_bytes()
        assert (tmp_path / "imported" / name).read_bytes() == data, name


@pytest.mark.slow
@pytest.mark.parametrize("column", ["name_en", "source"])
def test_jiangsu_items_keep_text_columns(tmp_path: Path, column: str) -> None:
    imported = _round_trip(ROOT / "configs" / "jiangsu.toml", ROOT / "data" / "jiangsu", tmp_path)
    original = pd.read_csv(ROOT / "data" / "items.csv", dtype=str, keep_default_na=False)
    back = pd.read_csv(imported.parent / "items.csv", dtype=str, keep_default_na=False)
    assert sorted(original[column]) == sorted(back[column])
