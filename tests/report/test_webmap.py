"""The report's interactive map (``planner.report.webmap``), in real headless Chromium.

The tiny run of ``tests/report/test_report.py`` puts the province, city and county centres at one
township seat (T1), so the map has to spread them apart to keep each clickable. The browser
tests drive Debian's ``chromium`` (installed by ``make sysdeps``) through Playwright with
every background connection off; they fail, never skip, when Chromium is missing.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest
from PIL import Image, ImageChops
from playwright.sync_api import sync_playwright

import planner.cli.main  # noqa: F401  (imports the CLI before report_cmd, as the CLI does)
from planner.report import webmap
from planner.report.browser import CHROMIUM, PLAYWRIGHT_FLAGS
from planner.report.data import read_run
from planner.report.html import render_report
from tests.report.test_report import INSTALL_HINT, _solve_and_write

SPATIAL_LAYERS = ("centres", "townships", "counties", "boundaries")
SHARED_SEAT = ("prov_320000", "city_320100", "cnty_320101")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve_and_write(tmp_path_factory.mktemp("webmap"), 0.5, 15.0)


@pytest.fixture(scope="module")
def data(run_dir: Path) -> dict[str, Any]:
    text = webmap.map_json(read_run(run_dir))
    assert text is not None
    value: dict[str, Any] = json.loads(text)
    return value


@pytest.fixture(scope="module")
def report(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "report.html"
    path.write_text(render_report(run_dir), encoding="utf-8")
    return path


# --- data and markup --------------------------------------------------------------------------


def test_map_json_is_deterministic_and_covers_the_plan(run_dir: Path, data: dict[str, Any]) -> None:
    again = webmap.map_json(read_run(run_dir))
    assert again == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    centres = pd.read_csv(run_dir / "plan" / "centres.csv", dtype={"centre_id": str})
    ids = [f["properties"]["id"] for f in data["centres"]["features"]]
    assert ids == sorted(centres["centre_id"].unique())
    assert data["stages"] == [0, 1, 2, 3]
    assert data["labels"][0] == "Today (2025)" and data["labels"][3] == "Stage 3 (2030)"
    county = next(f for f in data["centres"]["features"] if f["properties"]["id"] == "cnty_320101")
    expected = centres[centres["centre_id"] == "cnty_320101"].sort_values("stage")
    assert county["properties"]["a"] == [round(v) for v in expected["floor_area_m2"]]
    actions = [data["actions"][i] for i in county["properties"]["act"]]
    assert actions == list(expected["action"])
    towns = {f["properties"]["id"]: f for f in data["townships"]["features"]}
    assert set(towns) == {"320101001", "320101002"}
    assert towns["320101002"]["properties"]["d"][0] is None  # no demand today
    assert towns["320101002"]["properties"]["u"][3] > 0  # the unreachable township
    assert towns["320101001"]["properties"]["name"] == "T1"


def test_coordinates_are_rounded(data: dict[str, Any]) -> None:
    features = [*data["counties"]["features"], *data["centres"]["features"]]
    coords = json.dumps([f["geometry"]["coordinates"] for f in features])
    assert re.findall(r"\d+\.\d+", coords)
    assert all(len(m) <= webmap.COORD_DECIMALS for m in re.findall(r"\d+\.(\d+)", coords))


def test_seat_offsets_spread_centres_that_share_a_point() -> None:
    points = pd.DataFrame(
        {
            "centre_id": ["c", "a", "b", "lone"],
            "level": ["county", "province", "city", "township"],
            "x": [118.0, 118.0, 118.0, 119.0],
            "y": [32.0, 32.0, 32.0, 32.0],
        }
    )
    off = webmap.seat_offsets(points)
    assert set(off) == {"a", "b", "c"}
    assert off["a"] == [0.0, -webmap.SEAT_RING_PX]  # the province sits north
    assert len({tuple(v) for v in off.values()}) == 3
    for dx, dy in off.values():
        assert abs((dx**2 + dy**2) ** 0.5 - webmap.SEAT_RING_PX) < 0.1


def test_shared_seat_in_the_tiny_run(data: dict[str, Any]) -> None:
    props = {f["properties"]["id"]: f["properties"] for f in data["centres"]["features"]}
    offsets = {cid: tuple(props[cid]["off"]) for cid in SHARED_SEAT}
    assert len(set(offsets.values())) == 3


def test_leaflet_is_vendored_with_its_licence() -> None:
    folder = webmap.LEAFLET_DIR
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("BSD 2-Clause License")
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    assert 't.version="1.9.4"' in js
    readme = (folder.parent / "README.md").read_text(encoding="utf-8")
    assert "leaflet@1.9.4" in readme
    inline_js, inline_css = webmap.leaflet_assets()
    assert "sourceMappingURL" not in inline_js
    assert "url(" not in inline_css and ".leaflet-container" in inline_css


def test_page_allows_exactly_its_own_scripts(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', text)
    assert csp is not None
    assert "default-src 'none'" in csp.group(1)
    assert "unsafe-inline" not in csp.group(1).split("script-src")[1]
    scripts = re.findall(r"<script>(.*?)</script>", text, flags=re.S)
    assert len(scripts) == 2
    for script in scripts:
        assert webmap.script_hash(script) in csp.group(1)
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert "<link" not in text


# --- in a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is not installed: the map tests need it; {INSTALL_HINT}")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=list(PLAYWRIGHT_FLAGS))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, report: Path) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
           if m.type in ("error", "warning") else None)  # fmt: skip
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on(
        "request",
        lambda r: problems.append(f"request {r.url}") if r.url != report.as_uri() else None,
    )
    tab.goto(report.as_uri())
    tab.wait_for_function("document.getElementById('olive-map').dataset.ready === '1'")
    tab.locator("#olive-map").scroll_into_view_if_needed()
    yield tab, problems
    context.close()


def _map_pixels(tab: Any) -> Image.Image:
    shot = tab.locator("#olive-map .leaflet-map-pane canvas").screenshot()
    return Image.open(io.BytesIO(shot)).convert("RGB")


def _click_feature(tab: Any, kind: str, key: str) -> str:
    box = tab.locator("#olive-map").bounding_box()
    point = tab.evaluate(
        """([kind, key]) => {
            const m = window.oliveMap[kind][key];
            const p = window.oliveMap.map.latLngToContainerPoint(m.getLatLng());
            return [p.x, p.y];
        }""",
        [kind, key],
    )
    tab.mouse.click(box["x"] + point[0], box["y"] + point[1])
    return str(tab.locator("#olive-map-info").get_attribute("data-selected"))


@pytest.mark.browser
def test_map_renders_without_errors(page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    assert tab.locator("#olive-map .leaflet-map-pane canvas").count() == 1
    colours = _map_pixels(tab).getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 5  # polygons and markers, not a blank box
    assert tab.locator("#olive-map-stages button").count() == 4
    assert tab.locator(".leaflet-control-scale").count() == 1
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1024  # no sideways scroll
    assert problems == []


@pytest.mark.browser
def test_stage_switch_changes_what_is_drawn(page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    assert tab.get_attribute("#olive-map", "data-stage") == "3"
    before = _map_pixels(tab)
    fill = "() => window.oliveMap.centres['cnty_320101'].options.fillColor"
    colour_last = tab.evaluate(fill)
    tab.get_by_role("button", name="Today (2025)").click()
    assert tab.get_attribute("#olive-map", "data-stage") == "0"
    assert tab.get_attribute("#olive-map-stages button[data-stage='0']", "aria-pressed") == "true"
    after = _map_pixels(tab)
    assert ImageChops.difference(before, after).getbbox() is not None
    # keep in stage 3: its one window holds 45 m2 (the LP alone would shrink it to 3 m2)
    assert colour_last == "#808080"
    assert tab.evaluate(fill) == webmap.LEVEL_COLOURS["county"]  # by level today
    assert tab.is_visible("#olive-map-legend-levels")
    assert not tab.is_visible("#olive-map-legend-actions")
    assert problems == []


@pytest.mark.browser
def test_click_opens_the_right_details(page: tuple[Any, list[str]], run_dir: Path) -> None:
    tab, problems = page
    for cid in SHARED_SEAT:
        assert _click_feature(tab, "centres", cid) == cid
        info = tab.inner_text("#olive-map-info")
        assert cid in info
        assert all(f"S{s}" in info for s in (1, 2, 3)) and "Today" in info  # every stage
    info = tab.inner_text("#olive-map-info")
    centres = pd.read_csv(run_dir / "plan" / "centres.csv", dtype={"centre_id": str})
    reason = centres[(centres["centre_id"] == "cnty_320101") & (centres["stage"] == 1)]
    assert _click_feature(tab, "centres", "cnty_320101") == "cnty_320101"
    info = tab.inner_text("#olive-map-info")
    assert str(reason["reason"].iloc[0]) in info
    assert _click_feature(tab, "townships", "320101002") == "320101002"
    info = tab.inner_text("#olive-map-info")
    assert "T2" in info and "Min county" in info
    county = pd.read_csv(run_dir / "plan" / "counties.csv", dtype={"county": str})
    name = county.loc[county["county"] == "320101", "county_name"].iloc[0]
    assert name in info and "county 320101" not in info  # the county by name, not by code
    assert problems == []


@pytest.mark.browser
def test_zoom_keeps_the_seat_offsets_in_pixels(page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    distance = """() => {
        const m = window.oliveMap.map, c = window.oliveMap.centres;
        const a = m.latLngToContainerPoint(c['prov_320000'].getLatLng());
        const b = m.latLngToContainerPoint(c['cnty_320101'].getLatLng());
        return Math.hypot(a.x - b.x, a.y - b.y);
    }"""
    before = tab.evaluate(distance)
    tab.click(".leaflet-control-zoom-in")
    tab.wait_for_timeout(600)
    after = tab.evaluate(distance)
    assert before > 10 and abs(after - before) < 1.0
    assert _click_feature(tab, "centres", "prov_320000") == "prov_320000"
    assert problems == []


@pytest.mark.browser
def test_comparison_page_fits_1024_pixels(
    browser: Any, run_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = _solve_and_write(tmp_path_factory.mktemp("webmap-other"), 0.2, 120.0)
    path = tmp_path_factory.mktemp("compare") / "compare.html"
    path.write_text(render_report(run_dir, against=other), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(path.as_uri())
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1024
    assert tab.locator("table.compare").count() == 1
    assert errors == []
    context.close()


def test_projected_gpkg_is_drawn_in_longitude_latitude(run_dir: Path, tmp_path: Path) -> None:
    # output.crs = "EPSG:3857": the map reprojects the layers to longitude/latitude
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    gpkg = copy / "plan.gpkg"
    layers = {n: pyogrio.read_dataframe(gpkg, layer=n) for n in SPATIAL_LAYERS}
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame.to_crs("EPSG:3857"), gpkg, layer=name, driver="GPKG")
    assert pyogrio.read_info(gpkg, layer="centres")["crs"] == "EPSG:3857"
    data = webmap.map_data(read_run(copy))
    assert data is not None
    (south, west), (north, east) = data["bounds"]
    assert 31.4 < south < north < 32.6 and 117.4 < west < east < 118.7
    point = data["centres"]["features"][0]["geometry"]["coordinates"]
    assert point == [118.0, 32.0]
