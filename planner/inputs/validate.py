"""Content checks over the inputs, run once before anything is built.

Each ``check_*`` function raises :class:`~planner.errors.InputError` with one line that
names the file, the field and the offending ids. :func:`validate` runs them all in order.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.config.schema import LEVELS, Config
from planner.errors import InputError
from planner.inputs.dataset_csv import INPUT_CRS
from planner.inputs.load import Inputs, format_ids, invisible_twins, show_id

PARENT_LEVEL = {"city": "province", "county": "city", "township": "county"}
MAX_VALUE = 1e12
"""Largest number accepted in a data column without a narrower range: products of such
numbers stay finite (``1e308`` would overflow to inf in the model's coefficients)."""
INSIDE_TOLERANCE_M = 2_000.0
"""Points may sit this far outside the province polygon (coastline simplification)."""


def _fail(inputs: Inputs, table: str, message: str) -> None:
    raise InputError(f"{inputs.files.get(table, table)}: {message}")


def check_shares_and_signs(inputs: Inputs) -> None:
    """Non-negative counts and areas; shares in [0, 1]; positive travel limits."""
    rules: list[tuple[str, pd.DataFrame, str, float, float]] = [
        ("townships", inputs.townships, "population", 0.0, MAX_VALUE),
        ("counties", inputs.counties, "pop_total", 0.0, MAX_VALUE),
        ("counties", inputs.counties, "pop_urban", 0.0, MAX_VALUE),
        ("counties", inputs.counties, "share_0_14_pct", 0.0, 100.0),
        ("counties", inputs.counties, "share_65plus_pct", 0.0, 100.0),
        ("counties", inputs.counties, "illiterate_15plus_pct", 0.0, 100.0),
        ("counties", inputs.counties, "edu_years_mean", 0.0, 25.0),
        ("counties", inputs.counties, "car_share", 0.0, 1.0),
        ("centres", inputs.centres, "floor_area_m2", 0.0, MAX_VALUE),
        ("centres", inputs.centres, "windows", 0.0, MAX_VALUE),
        ("items", inputs.items, "annual_per_1000", 0.0, MAX_VALUE),
        ("items", inputs.items, "counter_minutes", 0.0, MAX_VALUE),
        ("items", inputs.items, "backoffice_minutes", 0.0, MAX_VALUE),
        ("items", inputs.items, "max_travel_min", -MAX_VALUE, MAX_VALUE),
        ("items", inputs.items, "pending_share", 0.0, 1.0),
        ("items", inputs.items, "online_potential", 0.0, 1.0),
    ]
    if "desks" in inputs.centres.columns:
        rules.append(("centres", inputs.centres, "desks", 0.0, MAX_VALUE))
    for table, frame, col, lo, hi in rules:
        bad = frame.index[(frame[col] < lo) | (frame[col] > hi)].tolist()
        if bad:
            low = bool((frame.loc[bad, col] < lo).all())
            rng = f">= {lo:g}" if hi == MAX_VALUE and low else f"in [{lo:g}, {hi:g}]"
            _fail(inputs, table, f"'{col}' must be {rng} but is not for {format_ids(bad)}")
    c = inputs.counties
    bad = c.index[c["pop_urban"] > c["pop_total"]].tolist()
    if bad:
        _fail(
            inputs,
            "counties",
            f"'pop_urban' must be <= 'pop_total' but is not for {format_ids(bad)}",
        )
    bad = inputs.items.index[inputs.items["max_travel_min"] <= 0].tolist()
    if bad:
        _fail(inputs, "items", f"'max_travel_min' must be > 0 but is not for {format_ids(bad)}")
    bad = inputs.items.index[inputs.items["counter_minutes"] <= 0].tolist()
    if bad:
        _fail(inputs, "items", f"'counter_minutes' must be > 0 but is not for {format_ids(bad)}")


def check_hierarchy(inputs: Inputs) -> None:
    """Every township in a known county, every county in a known city polygon."""
    unknown = sorted(set(inputs.townships["county_code"]) - set(inputs.counties.index))
    if unknown:
        bad = inputs.townships.index[inputs.townships["county_code"].isin(unknown)].tolist()
        _fail(
            inputs,
            "townships",
            f"'county_code' names unknown county {format_ids(unknown)} "
            f"(townships {format_ids(bad)})"
            + invisible_twins(unknown, inputs.counties.index, "counties"),
        )
    unknown = sorted(set(inputs.counties["city_code"]) - set(inputs.cities.index))
    if unknown:
        bad = inputs.counties.index[inputs.counties["city_code"].isin(unknown)].tolist()
        _fail(
            inputs,
            "counties",
            f"'city_code' names city {format_ids(unknown)} not in the city boundaries "
            f"(counties {format_ids(bad)})"
            + invisible_twins(unknown, inputs.cities.index, "the city boundaries"),
        )
    no_polygon = sorted(set(inputs.counties.index) - set(inputs.county_polygons.index))
    if no_polygon:
        _fail(
            inputs, "counties", f"county {format_ids(no_polygon)} has no polygon in the boundaries"
        )


def check_centres(inputs: Inputs) -> None:
    """Levels known; parents one level up; a township station per township at most."""
    c = inputs.centres
    bad = c.index[~c["level"].isin(LEVELS)].tolist()
    if bad:
        _fail(
            inputs,
            "centres",
            f"'level' must be one of {list(LEVELS)} but is not for {format_ids(bad)}",
        )
    for level, parent_level in PARENT_LEVEL.items():
        rows = c[c["level"] == level]
        parents = rows["parent_id"]
        missing = rows.index[~parents.isin(c.index)].tolist()
        if missing:
            twins = invisible_twins(set(parents[missing]), c.index, "centres")
            _fail(
                inputs,
                "centres",
                f"'parent_id' names no known centre for {format_ids(missing)}{twins}",
            )
        wrong = rows.index[c.loc[parents, "level"].to_numpy() != parent_level].tolist()
        if wrong:
            _fail(
                inputs,
                "centres",
                f"'parent_id' of {level} centre(s) {format_ids(wrong)} "
                f"must be a {parent_level} centre "
                "(the hierarchy must go up one level at a time, without cycles)",
            )
    tops = c[c["level"] == "province"]
    bad = tops.index[tops["parent_id"] != ""].tolist()
    if bad:
        _fail(
            inputs,
            "centres",
            f"province centre(s) {format_ids(bad)} must have an empty 'parent_id'",
        )
    hosts = c["township_id"]
    missing = c.index[~hosts.isin(inputs.townships.index)].tolist()
    if missing:
        twins = invisible_twins(set(hosts[missing]), inputs.townships.index, "townships")
        _fail(
            inputs,
            "centres",
            f"'township_id' names an unknown township for {format_ids(missing)}{twins}",
        )
    stations = c[c["level"] == "township"]
    dup = sorted(set(stations["township_id"][stations["township_id"].duplicated()]))
    if dup:
        _fail(
            inputs, "centres", f"township(s) {format_ids(dup)} have more than one township station"
        )


def check_items(inputs: Inputs, config: Config) -> None:
    """Each item has a level in every stage and is only delegated downwards; its decide
    levels are not empty and not all below where it is accepted."""
    n = len(config.stages.years)
    for item_id, stages in inputs.item_levels.items():
        if len(stages) < n:
            _fail(
                inputs,
                "items",
                f"has levels for {len(stages)} stage(s) but the config has {n} "
                f"(add 'levels_s{len(stages) + 1}'): one levels column per stage of "
                "'stages.years' is expected",
            )
        for s, levels in enumerate(stages[:n], start=1):
            if not levels:
                _fail(
                    inputs,
                    "items",
                    f"'levels_s{s}' of item {show_id(item_id)} is empty: no level may handle it",
                )
            if s > 1:
                prev = stages[s - 2]
                top_prev = min(LEVELS.index(lv) for lv in prev)
                raised = sorted(lv for lv in levels - prev if LEVELS.index(lv) < top_prev)
                if raised:
                    _fail(
                        inputs,
                        "items",
                        f"'levels_s{s}' of item {show_id(item_id)} adds upper level(s) {raised}; "
                        "items are only delegated downwards over the stages",
                    )
        check_decide_levels(inputs, str(item_id), n)


def check_decide_levels(inputs: Inputs, item_id: str, n: int) -> None:
    """Decide levels of one item: at least one, and at least one at or above the lowest
    level that accepts it (work is never forwarded only downwards to be decided)."""
    accepted = inputs.item_levels[item_id]
    for s, decide in enumerate(inputs.decide_levels.get(item_id, [])[:n], start=1):
        if not decide:
            _fail(
                inputs,
                "items",
                f"'decide_s{s}' of item {show_id(item_id)} is empty: name the level(s) whose "
                "back office decides it, or drop the column to derive them from 'levels_s'",
            )
        lowest_accept = max(LEVELS.index(lv) for lv in accepted[s - 1])
        if min(LEVELS.index(lv) for lv in decide) > lowest_accept:
            below = "|".join(lv for lv in LEVELS if lv in decide)
            _fail(
                inputs,
                "items",
                f"'decide_s{s}' of item {show_id(item_id)} is {below}, below every level "
                f"that accepts it ({'|'.join(lv for lv in LEVELS if lv in accepted[s - 1])}); "
                "expected a decide level at or above the lowest accept level",
            )


def _points(frame: pd.DataFrame) -> gpd.GeoSeries:
    return gpd.GeoSeries.from_xy(frame["lon"], frame["lat"], crs=INPUT_CRS, index=frame.index)


def check_coordinates(inputs: Inputs, metric_crs: str) -> None:
    """Township and centre points fall inside the province polygon (2 km tolerance).

    A frequent mistake is passing GCJ-02 (web map) coordinates as WGS84/CGCS2000; they are
    offset by a few hundred metres, so such points are caught only near the border, but
    swapped or projected coordinates are caught everywhere.
    """
    province = inputs.province.to_crs(metric_crs).geometry.union_all()
    zone = province.buffer(INSIDE_TOLERANCE_M)
    for table, frame, key in (
        ("townships", inputs.townships, "township_id"),
        ("centres", inputs.centres, "centre_id"),
    ):
        finite = np.isfinite(frame["lon"]) & np.isfinite(frame["lat"])
        in_range = finite & frame["lon"].between(-180, 180) & frame["lat"].between(-90, 90)
        bad = frame.index[~in_range].tolist()
        if bad:
            _fail(
                inputs,
                table,
                f"'lon'/'lat' are not degrees in EPSG:4490 for {key} {format_ids(bad)} "
                "(projected or swapped coordinates?)",
            )
        pts = _points(frame).to_crs(metric_crs)
        outside = frame.index[~pts.within(zone)].tolist()
        if outside:
            _fail(
                inputs,
                table,
                f"'lon'/'lat' of {key} {format_ids(outside)} fall outside the province boundary "
                "(expected EPSG:4490/WGS84 degrees; GCJ-02 web-map points must be converted)",
            )


def validate(inputs: Inputs, config: Config, metric_crs: str) -> None:
    """Run every content check; the first failure raises :class:`InputError`."""
    check_shares_and_signs(inputs)
    check_hierarchy(inputs)
    check_centres(inputs)
    check_items(inputs, config)
    check_coordinates(inputs, metric_crs)
