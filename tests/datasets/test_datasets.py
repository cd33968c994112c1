"""Tests of the dataset builder, the GCJ-02 conversion and the item catalogue."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, shape

from planner.datasets.build import (
    MATCH_TOLERANCE_M,
    BuildReport,
    build_dataset,
    gcj02_offset_m,
    split_population,
)
from planner.errors import InputError
from planner.inputs.gcj02 import gcj02_to_wgs84, in_china, wgs84_to_gcj02

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw" / "jiangsu"
COMMITTED = ROOT / "data" / "jiangsu"
ITEMS = ROOT / "data" / "items.csv"
OUTPUTS = (
    "centres.csv",
    "cities.geojson",
    "counties.csv",
    "counties.geojson",
    "province.geojson",
    "townships.csv",
)
LEVELS = ("province", "city", "county", "township")
RANK = {level: i for i, level in enumerate(LEVELS)}
METRIC_CRS = "EPSG:32650"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("jiangsu_a")
    return out, build_dataset(RAW, "32", out)


@pytest.fixture(scope="module")
def townships(built: tuple[Path, BuildReport]) -> pd.DataFrame:
    return pd.read_csv(built[0] / "townships.csv", dtype={"township_id": str, "county_code": str})


@pytest.fixture(scope="module")
def counties(built: tuple[Path, BuildReport]) -> pd.DataFrame:
    return pd.read_csv(
        built[0] / "counties.csv",
        dtype={"county_code": str, "city_code": str},
        keep_default_na=False,
    )


@pytest.fixture(scope="module")
def centres(built: tuple[Path, BuildReport]) -> pd.DataFrame:
    return pd.read_csv(built[0] / "centres.csv", dtype=str, keep_default_na=False)


# --- GCJ-02 ----------------------------------------------------------------------------------


def test_gcj02_round_trip() -> None:
    rng = np.random.default_rng(0)
    lon = rng.uniform(116.3, 121.9, 500)
    lat = rng.uniform(30.7, 35.2, 500)
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
    assert np.max(np.abs(f_lon - lon)) < 1e-6
    assert np.max(np.abs(f_lat - lat)) < 1e-6
    # and the other way round
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert np.max(np.abs(b_lon - lon)) < 1e-6
    assert np.max(np.abs(b_lat - lat)) < 1e-6


def test_gcj02_offset_magnitude() -> None:
    for lon, lat in [(118.80, 32.05), (120.62, 31.30), (117.18, 34.26), (119.22, 34.60)]:
        assert 300.0 < gcj02_offset_m(lon, lat) < 700.0
    # outside China the formula does not apply
    assert not in_china(2.35, 48.85)
    x, y = wgs84_to_gcj02(2.35, 48.85)
    assert (float(x), float(y)) == (2.35, 48.85)
    # scalars and arrays broadcast
    x2, y2 = gcj02_to_wgs84([118.8, 119.0], 32.0)
    assert x2.shape == y2.shape == (2,)


# --- build: reproducibility ------------------------------------------------------------------


@pytest.mark.slow
def test_build_is_byte_identical_and_matches_committed(
    built: tuple[Path, BuildReport], tmp_path: Path
) -> None:
    out_a = built[0]
    out_b = tmp_path / "b"
    build_dataset(RAW, "32", out_b)
    assert sorted(p.name for p in out_a.iterdir()) == sorted(OUTPUTS)
    assert sorted(p.name for p in COMMITTED.iterdir()) == sorted(OUTPUTS)
    for name in OUTPUTS:
        data = (out_a / name).read_bytes()
        assert data == (out_b / name).read_bytes(), f"{name} differs between two builds"
        assert data == (COMMITTED / name).read_bytes(), (
            f"data/jiangsu/{name} is stale: rerun `make data`"
        )
        assert b"\r" not in data


@pytest.mark.slow
def test_different_seed_changes_generated_fields(tmp_path: Path) -> None:
    report = build_dataset(RAW, "32", tmp_path, seed=1)
    assert report.population_total == 84_748_016
    other = pd.read_csv(tmp_path / "townships.csv", dtype={"township_id": str})
    committed = pd.read_csv(COMMITTED / "townships.csv", dtype={"township_id": str})
    real = committed["point_source"] == "real_2016_gcj02"
    assert (other.loc[real, "lon"] == committed.loc[real, "lon"]).all()
    assert (other["population"] != committed["population"]).mean() > 0.9


@pytest.mark.slow
def test_build_without_points_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in RAW.iterdir():
        if "points" not in path.name:
            shutil.copy(path, raw / path.name)
    report = build_dataset(raw, "32", tmp_path / "out")
    assert not report.points_file
    assert report.points_real == 0
    assert report.points_generated == 1237
    frame = pd.read_csv(tmp_path / "out" / "townships.csv", dtype={"township_id": str})
    committed = pd.read_csv(COMMITTED / "townships.csv", dtype={"township_id": str})
    generated = (committed["point_source"] == "generated_in_county") & (
        committed["kind"] != "street"
    )
    # a generated town's point does not depend on the other townships (a generated street's
    # depends on its county seat's point)
    pd.testing.assert_frame_equal(frame[generated], committed[generated])


def test_build_rejects_unknown_province(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no province 990000"):
        build_dataset(RAW, "99", tmp_path)
    with pytest.raises(InputError, match="two digits"):
        build_dataset(RAW, "320", tmp_path)


# --- build: content --------------------------------------------------------------------------


@pytest.mark.slow
def test_report_numbers(built: tuple[Path, BuildReport]) -> None:
    report = built[1]
    assert (report.n_cities, report.n_counties, report.n_townships) == (13, 95, 1237)
    assert report.n_centres == 1346
    assert report.points_real + report.points_generated == 1237
    assert report.points_real > 900
    assert report.population_total == report.census_province_total == 84_748_016
    assert report.population_difference == 0
    assert not report.unplaced_census
    assert not report.counties_without_townships
    folded = {r.code: r.host_code for r in report.folded}
    assert folded["320611"] == "320613"
    assert folded["320571"] == "320506"
    assert len(folded) == 11
    shares = report.level_area_share
    assert shares["province"] + shares["city"] > 0.3
    assert abs(sum(shares.values()) - 1.0) < 1e-9
    assert "江苏省" in report.summary()


@pytest.mark.slow
def test_counties_csv(counties: pd.DataFrame) -> None:
    assert len(counties) == 95
    assert counties["county_code"].is_monotonic_increasing
    assert (counties["city_code"] == counties["county_code"].str[:4] + "00").all()
    assert counties["pop_total"].sum() == 84_748_016
    assert (counties["pop_urban"] + counties["pop_rural"] == counties["pop_total"]).all()
    folded = counties[counties["folded_codes"] != ""]
    assert (folded["census_source"] == "census_2020_folded").all()
    assert (counties.loc[counties["folded_codes"] == "", "census_source"] == "census_2020").all()
    chongchuan = counties.set_index("county_code").loc["320613"]
    assert chongchuan["folded_codes"] == "320611;320671"
    assert counties["car_share"].between(0, 1).all()
    for col in ("share_0_14_pct", "share_65plus_pct", "illiterate_15plus_pct"):
        assert counties[col].between(0, 100).all()


@pytest.mark.slow
def test_township_population_sums_to_county(
    townships: pd.DataFrame, counties: pd.DataFrame
) -> None:
    assert len(townships) == 1237
    assert townships["township_id"].is_monotonic_increasing
    assert townships["township_id"].str.fullmatch(r"\d{9}").all()
    assert (townships["population"] > 0).all()
    sums = townships.groupby("county_code")["population"].sum()
    expected = counties.set_index("county_code")["pop_total"]
    pd.testing.assert_series_equal(
        sums.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
    assert set(townships["population_source"]) == {"generated_census_split"}


@pytest.mark.slow
def test_points_inside_their_county(
    built: tuple[Path, BuildReport], townships: pd.DataFrame
) -> None:
    raw = json.loads((built[0] / "counties.geojson").read_text(encoding="utf-8"))
    polygons = {f["properties"]["code"]: shape(f["geometry"]) for f in raw["features"]}
    assert raw["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::4490"
    poly = gpd.GeoSeries([polygons[c] for c in townships["county_code"]], crs="EPSG:4490")
    pts = gpd.GeoSeries(
        [Point(x, y) for x, y in zip(townships["lon"], townships["lat"], strict=True)],
        crs="EPSG:4490",
    )
    generated = (townships["point_source"] == "generated_in_county").to_numpy()
    assert set(townships["point_source"]) == {"generated_in_county", "real_2016_gcj02"}
    assert poly[generated].contains(pts[generated]).all()
    distance = poly.to_crs(METRIC_CRS).distance(pts.to_crs(METRIC_CRS))
    assert (distance[~generated] <= MATCH_TOLERANCE_M).all()


@pytest.mark.slow
def test_centres(centres: pd.DataFrame, townships: pd.DataFrame) -> None:
    assert len(centres) == 1346
    assert centres["centre_id"].is_monotonic_increasing
    assert centres["centre_id"].is_unique
    assert centres["level"].value_counts().to_dict() == {
        "township": 1237,
        "county": 95,
        "city": 13,
        "province": 1,
    }
    assert all(cid.isascii() for cid in centres["centre_id"])
    prefix = {"province": "prov_", "city": "city_", "county": "cnty_", "township": "town_"}
    by_id = centres.set_index("centre_id")
    level_of: dict[str, str] = dict(zip(centres["centre_id"], centres["level"], strict=True))
    parent_level = {"township": "county", "county": "city", "city": "province"}
    for rec in centres.to_dict("records"):
        level, parent = str(rec["level"]), str(rec["parent_id"])
        assert rec["centre_id"] == prefix[level] + str(rec["admin_code"])
        if level == "province":
            assert parent == ""
        else:
            assert level_of[parent] == parent_level[level]
    point = townships.set_index("township_id")
    host = point.loc[centres["township_id"]]
    assert np.allclose(centres["lon"].astype(float), host["lon"].to_numpy())
    assert np.allclose(centres["lat"].astype(float), host["lat"].to_numpy())
    assert (centres["floor_area_m2"].astype(int) % 10 == 0).all()
    assert (centres["windows"].astype(int) >= 1).all()
    towns = centres[centres["level"] == "township"]
    assert (towns["floor_area_m2"].astype(int) >= 60).all()
    assert set(centres["inventory_source"]) == {"generated"}
    assert by_id.loc["prov_320000", "name"] == "江苏省政务服务中心"
    assert by_id.loc["city_320100", "name"] == "南京市政务服务中心"
    assert by_id.loc["town_320102002", "name"] == "梅园新村街道便民服务中心"
    # county seat: lowest-coded street of 玄武区
    assert by_id.loc["cnty_320102", "township_id"] == "320102002"


def test_split_population_exact() -> None:
    kinds = ["street", "street", "town", "town", "township"]
    out = split_population(kinds, 1001, 2002, 3003, np.random.default_rng([1, 2]))
    assert out.sum() == 3003
    assert out[:2].sum() == 1001
    again = split_population(kinds, 1001, 2002, 3003, np.random.default_rng([1, 2]))
    assert (out == again).all()
    only_towns = split_population(["town", "town"], 10, 5, 15, np.random.default_rng(3))
    assert only_towns.sum() == 15


# --- item catalogue --------------------------------------------------------------------------


def _levels(text: str) -> list[str]:
    return text.split("|") if text else []


def test_items_catalogue() -> None:
    items = pd.read_csv(ITEMS, keep_default_na=False)
    assert len(items) >= 30
    assert items["item_id"].is_unique
    assert items["item_id"].is_monotonic_increasing
    assert items["item_id"].map(lambda s: re.fullmatch(r"[a-z][a-z0-9_]*", s) is not None).all()
    for col in ("pending_share", "online_potential"):
        assert items[col].between(0, 1).all(), col
    assert items["max_travel_min"].between(30, 180).all()
    assert (items["annual_per_1000"] > 0).all()
    assert (items["counter_minutes"] > 0).all()
    assert (items["backoffice_minutes"] >= 0).all()
    assert ((items["pending_share"] == 0) | (items["backoffice_minutes"] > 0)).all()
    assert 2400 <= items["annual_per_1000"].sum() <= 3000
    assert set(items["source"]) == {"assumption"}
    for rec in items.to_dict("records"):
        item_id = str(rec["item_id"])
        stages = [_levels(str(rec[f"levels_s{s}"])) for s in (1, 2, 3)]
        for levels in stages:
            assert levels, f"{item_id}: a stage without any level"
            assert set(levels) <= set(LEVELS), item_id
            assert [RANK[lv] for lv in levels] == sorted({RANK[lv] for lv in levels})
        for before, after in itertools.pairwise(stages):
            ranks_before = [RANK[lv] for lv in before]
            ranks_after = [RANK[lv] for lv in after]
            # the top level never rises, the bottom level never rises
            assert min(ranks_after) >= min(ranks_before), item_id
            assert max(ranks_after) >= max(ranks_before), item_id
            # a level added later is below the highest level already allowed
            for lv in set(after) - set(before):
                assert RANK[lv] > min(ranks_before), (item_id, lv)
    major = items.set_index("item_id").loc["major_investment_approval"]
    assert major["levels_s1"] == major["levels_s2"] == major["levels_s3"] == "province|city"
    final = items["levels_s3"].map(_levels)
    ordinary = final[items["item_id"] != "major_investment_approval"]
    assert not any("province" in levels for levels in ordinary)
