"""The GeoPackage writer on a solved three-stage tiny case.

The case (``tests/tiny.py``): two townships, three centres (province, city, county), one
county polygon and one city polygon, three stages. Provenance columns are appended to the
input CSVs so the ``*_src`` fields can be checked.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from planner.config.schema import load_config
from planner.errors import InputError
from planner.io import qgis_styles
from planner.io.gpkg import (
    FIXED_TIME,
    county_stage_field_names,
    fix_change_counter,
    stage_years,
    write_gpkg,
)
from planner.run.pipeline import RunResult, run_config
from tests.tiny import write_case

STAGES = 3
N_TOWNSHIPS = 2
N_CENTRES = 3
N_COUNTIES = 1

TIME_FIELDS = ["year", "valid_from", "valid_to"]
YEARS = [2025, 2026, 2028, 2030]
CENTRE_FIELDS = [
    "centre_id", "stage", "level", "name", "county", "city", "township_id", "area_m2",
    "area_use", "surplus", "converted", "area_chg", "area_extra", "windows", "idle_posts",
    "posts_cut", "desks", "tx_year", "tx_day",
    "mode", "mode_src", "win_ded", "win_gen", "action", "reason", "inv_src",
    *TIME_FIELDS,
]  # fmt: skip
TOWNSHIP_FIELDS = [
    "township_id", "stage", "name", "county", "kind", "pop", "pt_src", "pop_src", "maturity",
    "phase", "demand", "online", "physical", "unserved", "onl_share", "min_prov", "min_city",
    "min_cnty", "min_town", "shortfall", *TIME_FIELDS,
]  # fmt: skip
ASSIGNMENT_FIELDS = [
    "stage", "township_id", "centre_id", "level", "tx_year", "minutes", *TIME_FIELDS,
]  # fmt: skip
LEVEL_FIELDS = [
    "stage", "level", "area_m2", "area_use", "surplus", "converted", "area_share", "windows",
    "tx_year", "centres_open",
]  # fmt: skip
BOUNDARY_FIELDS = ["code", "name"]
COUNTY_FIELDS = [
    "county",
    "name",
    "city",
    "bal_from",
    "onl_from",
    *county_stage_field_names(range(STAGES + 1)),
]
FIELDS = {
    "centres": CENTRE_FIELDS,
    "townships": TOWNSHIP_FIELDS,
    "counties": COUNTY_FIELDS,
    "assignments": ASSIGNMENT_FIELDS,
    "levels": LEVEL_FIELDS,
    "boundaries": BOUNDARY_FIELDS,
}
GEOMETRY = {
    "centres": "Point",
    "townships": "Point",
    "counties": "MultiPolygon",
    "assignments": "LineString",
    "boundaries": "MultiPolygon",
    "levels": None,
}
SPATIAL = [name for name, kind in GEOMETRY.items() if kind is not None]
STYLED = {
    "centres": None,  # rule-based: today by level, planning stages by action
    "townships": "phase",
    "counties": "mat_s3",
    "assignments": None,  # single symbol, width by tx_year
    "boundaries": None,
}
KEYS = {"township_id", "centre_id", "centres_open", "area_share"}
"""Field names allowed beyond 10 characters (keys as in the CSVs; attribute-only table)."""


def _add_column(path: Path, column: str, values: dict[str, str], key: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame[column] = frame[key].map(values).fillna("")
    frame.to_csv(path, index=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    folder = tmp_path_factory.mktemp("case")
    cfg = write_case(
        folder,
        items=[{"levels_s2": "county", "levels_s3": "county", "online_potential": 0.5}],
        config={
            "stages": {"years": [2026, 2028, 2030]},
            "policy": {"top_heavy_max_share": [1.0, 1.0, 1.0]},
        },
    )
    _add_column(
        folder / "townships.csv",
        "point_source",
        {"320101001": "real:2016", "320101002": "generated:centroid"},
        "township_id",
    )
    _add_column(folder / "centres.csv", "inventory_source", {"cnty_320101": "survey"}, "centre_id")
    result = run_config(load_config(cfg))
    assert result.plan is not None
    return result


@pytest.fixture(scope="module")
def gpkg(run: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert run.plan is not None
    path = tmp_path_factory.mktemp("out") / "plan.gpkg"
    write_gpkg(run.plan, run.prepared.inputs, path, years=YEARS)
    return path


def test_every_layer_with_its_geometry_type(gpkg: Path) -> None:
    layers = dict(pyogrio.list_layers(gpkg).tolist())
    for name, kind in GEOMETRY.items():
        assert name in layers
        assert layers[name] == kind


@pytest.mark.parametrize("layer", list(FIELDS))
def test_fields_as_documented(gpkg: Path, layer: str) -> None:
    info = pyogrio.read_info(gpkg, layer=layer)
    assert list(info["fields"]) == FIELDS[layer]
    assert all(len(name) <= 10 or name in KEYS for name in info["fields"])
    assert all(name.isascii() and name == name.lower() for name in info["fields"])


def test_feature_counts(gpkg: Path, run: RunResult) -> None:
    assert run.plan is not None
    counts = {name: pyogrio.read_info(gpkg, layer=name)["features"] for name in FIELDS}
    assert counts["centres"] == N_CENTRES * (STAGES + 1)
    assert counts["townships"] == N_TOWNSHIPS * STAGES
    assert counts["counties"] == N_COUNTIES
    assert counts["assignments"] == len(run.plan.assignments) > 0
    assert counts["levels"] == len(run.plan.levels)
    assert counts["boundaries"] == 1


@pytest.mark.parametrize("layer", SPATIAL)
def test_crs_and_geometry(gpkg: Path, layer: str) -> None:
    assert pyogrio.read_info(gpkg, layer=layer)["crs"] == "EPSG:4490"
    frame = gpd.read_file(gpkg, layer=layer)
    assert frame.crs is not None and frame.crs.to_epsg() == 4490
    assert not frame.geometry.isna().any()
    assert not frame.geometry.is_empty.any()


def test_centres_long_form(gpkg: Path, run: RunResult) -> None:
    assert run.plan is not None
    frame = gpd.read_file(gpkg, layer="centres")
    assert sorted(frame["stage"].unique()) == list(range(STAGES + 1))
    assert frame.groupby("centre_id").size().eq(STAGES + 1).all()
    county = frame[(frame["centre_id"] == "cnty_320101") & (frame["stage"] == 0)].iloc[0]
    assert county["action"] == "today"
    assert county["area_m2"] == pytest.approx(100.0)
    assert county["county"] == "320101"
    assert county.geometry.x == pytest.approx(118.0) and county.geometry.y == pytest.approx(32.0)
    # province and city centres belong to no county: NULL rather than ""
    assert frame.loc[frame["level"] == "province", "county"].isna().all()
    # one row per stage carries the plan's values
    plan = run.plan.centres.set_index(["centre_id", "stage"])
    for row in frame.itertuples():
        assert row.area_m2 == pytest.approx(
            plan.at[(row.centre_id, row.stage), "floor_area_m2"], abs=0.05
        )
        assert row.action == plan.at[(row.centre_id, row.stage), "action"]


def test_provenance_fields(gpkg: Path) -> None:
    centres = gpd.read_file(gpkg, layer="centres").drop_duplicates("centre_id")
    src = dict(zip(centres["centre_id"], centres["inv_src"], strict=True))
    assert src["cnty_320101"] == "survey"
    townships = gpd.read_file(gpkg, layer="townships").drop_duplicates("township_id")
    pt = dict(zip(townships["township_id"], townships["pt_src"], strict=True))
    assert pt == {"320101001": "real:2016", "320101002": "generated:centroid"}
    assert (townships["pop_src"] == "unknown").all()  # no population_source column given


def test_townships_and_assignments(gpkg: Path, run: RunResult) -> None:
    assert run.plan is not None
    tw = gpd.read_file(gpkg, layer="townships")
    assert sorted(tw["stage"].unique()) == list(range(1, STAGES + 1))
    assert set(tw["name"]) == {"T1", "T2"}
    assert tw["min_prov"].isna().all()  # the province serves nothing in this case
    assert tw["onl_share"].tolist() == pytest.approx([0.5] * N_TOWNSHIPS * STAGES)
    lines = gpd.read_file(gpkg, layer="assignments")
    assert set(lines["level"]) == {"county"}
    t2 = lines[lines["township_id"] == "320101002"].iloc[0]
    assert list(t2.geometry.coords) == [(118.1, 32.0), (118.0, 32.0)]


def test_counties_one_row_with_stage_columns(gpkg: Path) -> None:
    frame = gpd.read_file(gpkg, layer="counties")
    row = frame.iloc[0]
    assert (row["county"], row["name"], row["city"]) == ("320101", "K", "320100")
    assert row["area_c_s0"] == pytest.approx(100.0)
    assert row["onl_s3"] == pytest.approx(0.5)
    assert "unsrv_s0" not in frame.columns


def test_levels_is_an_attribute_table(gpkg: Path) -> None:
    info = pyogrio.read_info(gpkg, layer="levels")
    assert info["geometry_type"] is None
    frame = pyogrio.read_dataframe(gpkg, layer="levels", read_geometry=False)
    assert set(frame["level"]) == {"province", "city", "county", "township"}


def test_reprojection(run: RunResult, tmp_path: Path) -> None:
    assert run.plan is not None
    path = tmp_path / "plan.gpkg"
    write_gpkg(run.plan, run.prepared.inputs, path, "EPSG:3857", YEARS)
    for layer in SPATIAL:
        info = pyogrio.read_info(path, layer=layer)
        assert info["crs"] == "EPSG:3857"
        assert info["total_bounds"][0] > 1e7  # metres, not degrees
    frame = gpd.read_file(path, layer="townships").to_crs("EPSG:4490")
    assert frame.geometry.x.min() == pytest.approx(118.0)


def test_unknown_crs_is_an_input_error(run: RunResult, tmp_path: Path) -> None:
    assert run.plan is not None
    with pytest.raises(InputError, match=r"output\.crs"):
        write_gpkg(run.plan, run.prepared.inputs, tmp_path / "plan.gpkg", "EPSG:0")


def test_same_plan_same_bytes_and_overwrite(run: RunResult, tmp_path: Path) -> None:
    assert run.plan is not None
    path = tmp_path / "plan.gpkg"
    path.write_text("stale")
    write_gpkg(run.plan, run.prepared.inputs, path, years=YEARS)
    first = path.read_bytes()
    write_gpkg(run.plan, run.prepared.inputs, path, years=YEARS)
    assert path.read_bytes() == first


def test_the_sqlite_change_counter_is_fixed(gpkg: Path, tmp_path: Path) -> None:
    """The flake once seen here: byte 27 (the low byte of SQLite's file change counter)
    differed between two writes of the same plan, the content being equal. The counter
    counts write transactions; one more transaction (as a GDAL batch falling differently
    makes) must not change the bytes of a finished file."""
    first = gpkg.read_bytes()
    assert [int.from_bytes(first[o : o + 4], "big") for o in (24, 92)] == [1, 1]
    copy = tmp_path / "copy.gpkg"
    copy.write_bytes(first)
    with closing(sqlite3.connect(copy)) as con:
        # a write transaction that leaves the content as it was
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.execute(f"PRAGMA user_version = {int(version)}")
    bumped = copy.read_bytes()
    assert bumped[24:28] != first[24:28]  # one more transaction, one more count
    fix_change_counter(copy)
    assert copy.read_bytes() == first
    with closing(sqlite3.connect(copy)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_default_styles(gpkg: Path) -> None:
    with closing(sqlite3.connect(gpkg)) as con:
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        geometry_columns = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault, "
            "description, update_time FROM layer_styles"
        ).fetchall()
    assert contents["layer_styles"] == "attributes"
    assert sorted(r[0] for r in rows) == sorted(STYLED)
    for table, geom_col, style_name, qml, default, description, updated in rows:
        assert geom_col == geometry_columns[table]
        assert style_name == qgis_styles.STYLE_NAME
        assert default == 1
        assert updated == FIXED_TIME
        root = ET.fromstring(qml)
        assert root.tag == "qgis"
        renderer = root.find("renderer-v2")
        assert renderer is not None
        assert renderer.get("attr") == STYLED[table]
        if table in ("centres", "townships", "assignments"):
            assert '"stage" = 3' in description
            assert _temporal(root) == ("2", "valid_from", "valid_to")
        _symbols_resolve(renderer)
    qml = {r[0]: r[3] for r in rows}
    townships = ET.fromstring(qml["townships"])
    assert [c.get("value") for c in townships.iter("category")] == list(qgis_styles.PHASE_COLOURS)
    assert next(c.get("label") for c in townships.iter("category")) == "线下为主 physical primary"
    assert any('"tx_year"' in e for e in _expressions(ET.fromstring(qml["assignments"])))


def _temporal(root: ET.Element) -> tuple[str | None, ...]:
    element = root.find("temporal")
    assert element is not None and element.get("enabled") == "1"
    return element.get("mode"), element.get("startField"), element.get("endField")


def _symbols_resolve(renderer: ET.Element) -> None:
    """Every symbol a category, range or rule names exists in the renderer's symbols."""
    symbols = renderer.find("symbols")
    assert symbols is not None
    names = {s.get("name") for s in symbols.findall("symbol")}
    used = [e.get("symbol") for e in renderer.iter() if e.tag in ("category", "range", "rule")]
    assert {u for u in used if u is not None} <= names


def _styles(gpkg: Path) -> dict[str, ET.Element]:
    with closing(sqlite3.connect(gpkg)) as con:
        rows = con.execute("SELECT f_table_name, styleQML FROM layer_styles").fetchall()
    return {table: ET.fromstring(qml) for table, qml in rows}


def test_centres_style_today_by_level_later_by_action(gpkg: Path) -> None:
    centres = _styles(gpkg)["centres"]
    renderer = centres.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "RuleRenderer"
    top = renderer.findall("rules/rule")
    assert [r.get("filter") for r in top] == ['"stage" = 0', '"stage" > 0']
    today = [r.get("filter") for r in top[0].findall("rule")]
    assert today == [f"\"level\" = '{level}'" for level in qgis_styles.LEVEL_COLOURS]
    later = {r.get("filter"): r.get("label") for r in top[1].findall("rule")}
    assert later["\"action\" = 'expand'"] == "扩建 expand"
    assert set(later) >= {
        f"\"action\" = '{a}'" for a in ("keep", "shrink", "convert_mode", "close")
    }
    # larger markers first, so a township station next to a county hall is not hidden
    clause = renderer.find("orderby/orderByClause")
    assert renderer.get("enableorderby") == "1"
    assert clause is not None and clause.text == '"area_m2"' and clause.get("asc") == "0"
    assert _expressions(centres) and all('"area_m2"' in e for e in _expressions(centres))


def test_styles_label_names_in_a_cjk_font(gpkg: Path) -> None:
    for table, root in _styles(gpkg).items():
        if table == "assignments":
            assert root.find("labeling") is None and root.get("labelsEnabled") == "0"
            continue
        assert root.get("labelsEnabled") == "1"
        text = root.find("labeling/settings/text-style")
        assert text is not None, table
        assert text.get("fieldName") == "name"
        assert text.get("fontFamily") == qgis_styles.LABEL_FONT


def test_county_classes_fit_the_data(run: RunResult, gpkg: Path) -> None:
    assert run.plan is not None
    counties = _styles(gpkg)["counties"]
    ranges = [
        (float(r.get("lower", "")), float(r.get("upper", ""))) for r in counties.iter("range")
    ]
    values = run.plan.counties.loc[run.plan.counties["stage"] == 3, "maturity"]
    assert 1 <= len(ranges) <= len(qgis_styles.MATURITY_RAMP)
    assert ranges[0][0] <= values.min() + 1e-9 and ranges[-1][1] >= values.max() - 1e-9
    assert ranges[-1][1] - ranges[0][0] < 0.01 or ranges[0][0] > 0.0  # not the fixed 0..1


def test_quantile_breaks() -> None:
    values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    breaks = qgis_styles.quantile_breaks(values, 5)
    assert breaks[0] == 0.1 and breaks[-1] == 0.95
    assert breaks == sorted(breaks) and len(breaks) == 6
    assert qgis_styles.quantile_breaks([0.5, 0.5], 5) == [0.5, 0.5]
    assert qgis_styles.quantile_breaks([], 5) == [0.0, 1.0]
    style = qgis_styles.counties_style("mat_s1", [0.4, 0.41, 0.6, 0.9])
    lows = [float(r.get("lower", "")) for r in ET.fromstring(style.qml).iter("range")]
    assert lows[0] == 0.4


def _expressions(root: ET.Element) -> list[str]:
    return [o.get("value") or "" for o in root.iter("Option") if o.get("name") == "expression"]


def test_gdal_ogrinfo_reads_every_layer(gpkg: Path) -> None:
    # pyogrio above is the real check; GDAL's command line tool is used as well where present.
    names = [str(n) for n in pyogrio.list_layers(gpkg)[:, 0]]
    assert set(FIELDS) <= set(names)
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is not None:
        out = subprocess.run(
            [ogrinfo, "-so", "-al", str(gpkg)], capture_output=True, text=True, check=True
        ).stdout
        for name in FIELDS:
            assert f"Layer name: {name}" in out


def test_nice_ceiling() -> None:
    assert qgis_styles.nice_ceiling(0.0) == 1.0
    assert qgis_styles.nice_ceiling(100.0) == 100.0
    assert qgis_styles.nice_ceiling(101.0) == 200.0
    assert qgis_styles.nice_ceiling(31_000.0) == 50_000.0
    assert qgis_styles.nice_ceiling(float("nan")) == 1.0


def test_docs_list_every_field() -> None:
    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for layer, fields in FIELDS.items():
        assert f"`{layer}`" in text
        for name in fields:
            stem = re.sub(r"_s\d+$", "_s{s}", name) if layer == "counties" else name
            assert f"`{stem}`" in text, name


def test_centres_carry_township_and_city(gpkg: Path) -> None:
    cen = pyogrio.read_dataframe(gpkg, layer="centres").set_index(["centre_id", "stage"])
    today = cen.xs(0, level="stage")
    assert today.at["cnty_320101", "township_id"] == "320101001"  # its seat
    assert today.at["cnty_320101", "city"] == "320100"
    assert today.at["city_320100", "city"] == "320100"
    assert pd.isna(today.at["prov_320000", "city"])


def test_stage_years_for_the_temporal_controller(gpkg: Path) -> None:
    info = pyogrio.read_info(gpkg, layer="centres")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["year"] == "int32"
    assert types["valid_from"].startswith("datetime64") and types["valid_to"].startswith("dat")
    cen = pyogrio.read_dataframe(gpkg, layer="centres")
    first = cen.drop_duplicates("stage").set_index("stage").sort_index()
    assert list(first["year"]) == YEARS
    assert [d.year for d in first["valid_from"]] == YEARS
    assert [d.year for d in first["valid_to"]] == [*YEARS[1:], YEARS[-1] + 1]
    tw = pyogrio.read_dataframe(gpkg, layer="townships")
    assert sorted(set(tw["year"])) == YEARS[1:]
    with pytest.raises(ValueError, match="no year for stage"):
        stage_years([0, 1, 2, 3], [2025, 2026])


def test_chinese_field_aliases(gpkg: Path) -> None:
    for table, root in _styles(gpkg).items():
        fields = set(pyogrio.read_info(gpkg, layer=table)["fields"])
        named = {a.get("field"): a.get("name") for a in root.iter("alias")}
        assert named, table
        assert set(named) <= fields, table  # aliases name real fields only
        assert all(re.search(r"[\u4e00-\u9fff]", str(n)) for n in named.values())
    centres = {a.get("field"): a.get("name") for a in _styles(gpkg)["centres"].iter("alias")}
    assert centres["area_m2"] == "建筑面积（m²）" and centres["valid_from"] == "起始日期"
    counties = {a.get("field"): a.get("name") for a in _styles(gpkg)["counties"].iter("alias")}
    assert counties["mat_s2"] == "政务网民成熟度（阶段2）"
