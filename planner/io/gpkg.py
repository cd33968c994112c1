"""Write a solved plan as one GeoPackage (``plan.gpkg``) for QGIS/ArcGIS.

Layers (field lists and units in docs/gis.md):

``centres``
    Points, **one row per centre and stage** (stage 0 = today). Filter ``"stage" = 3`` to see
    one network.
``townships``
    Points, one row per township and stage (1..n).
``counties``
    (Multi)polygons, one row per county with one column per stage (``mat_s1``, ...), so the
    geometry is stored once.
``assignments``
    Lines from a township to a centre serving it, one row per stage, township and centre.
``levels``
    Attribute table (no geometry): floor area, windows and volume per stage and level.
``boundaries``
    City polygons for context.

Field names are short ASCII snake_case (at most 10 characters except the keys
``township_id``/``centre_id``, kept exactly as in the plan CSVs) so a Shapefile export keeps
them. Floats are rounded as in the CSVs. Every spatial layer is reprojected to the output CRS.
After the layers, a QGIS ``layer_styles`` table gets one default style per spatial layer
(see :mod:`planner.io.qgis_styles`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from planner.config.schema import StagesConfig
from planner.errors import InputError
from planner.inputs.dataset_csv import INPUT_CRS
from planner.inputs.load import Inputs
from planner.inputs.maturity import ENTRY_COLUMNS
from planner.io import qgis_styles
from planner.plan.extract import Plan

FIXED_TIME = "2000-01-01T00:00:00.000Z"
"""Timestamp written into ``layer_styles.update_time`` and ``gpkg_contents.last_change`` so
the same plan gives the same GeoPackage content."""
UNKNOWN_SOURCE = "unknown"
BASE_YEAR = StagesConfig().base_year
DEFAULT_YEARS = tuple(StagesConfig().years)

Kind = Literal["str", "int", "float"]


@dataclass(frozen=True)
class OutField:
    """One output field: its name, the plan column it comes from, its type and decimals."""

    name: str
    source: str
    kind: Kind
    decimals: int = 1
    empty_as_null: bool = False


CENTRE_FIELDS: tuple[OutField, ...] = (
    OutField("centre_id", "centre_id", "str"),
    OutField("stage", "stage", "int"),
    OutField("level", "level", "str"),
    OutField("name", "name", "str"),
    OutField("county", "county_code", "str", empty_as_null=True),
    OutField("city", "city_code", "str", empty_as_null=True),
    OutField("township_id", "township_id", "str", empty_as_null=True),
    OutField("area_m2", "floor_area_m2", "float", 1),
    OutField("area_use", "area_in_use_m2", "float", 1),
    OutField("surplus", "surplus_m2", "float", 1),
    OutField("converted", "converted_m2", "float", 1),
    OutField("area_chg", "area_change_m2", "float", 1),
    OutField("area_extra", "area_extra_m2", "float", 1),
    OutField("windows", "windows", "int"),
    OutField("idle_posts", "idle_posts", "float", 3),
    OutField("posts_cut", "posts_cut", "float", 3),
    OutField("desks", "backoffice_desks", "int"),
    OutField("tx_year", "transactions", "float", 1),
    OutField("tx_day", "daily_transactions", "float", 2),
    OutField("mode", "mode", "str"),
    OutField("mode_src", "mode_source", "str"),
    OutField("win_ded", "windows_dedicated", "int"),
    OutField("win_gen", "windows_general", "int"),
    OutField("action", "action", "str"),
    OutField("reason", "reason", "str"),
    OutField("inv_src", "inventory_source", "str"),
)
TOWNSHIP_FIELDS: tuple[OutField, ...] = (
    OutField("township_id", "township_id", "str"),
    OutField("stage", "stage", "int"),
    OutField("name", "name", "str"),
    OutField("county", "county_code", "str"),
    OutField("kind", "kind", "str"),
    OutField("pop", "population", "float", 1),
    OutField("pt_src", "point_source", "str"),
    OutField("pop_src", "population_source", "str"),
    OutField("maturity", "maturity", "float", 4),
    OutField("phase", "phase", "str"),
    OutField("demand", "demand", "float", 1),
    OutField("online", "online", "float", 1),
    OutField("physical", "physical", "float", 1),
    OutField("unserved", "unserved", "float", 1),
    OutField("onl_share", "online_share", "float", 4),
    OutField("min_prov", "minutes_province", "float", 1),
    OutField("min_city", "minutes_city", "float", 1),
    OutField("min_cnty", "minutes_county", "float", 1),
    OutField("min_town", "minutes_township", "float", 1),
    OutField("shortfall", "station_shortfall_m2", "float", 1),
)
COUNTY_FIELDS: tuple[OutField, ...] = (
    OutField("county", "county", "str"),
    OutField("name", "name", "str"),
    OutField("city", "city", "str"),
    # the year the county enters a phase ('already' at the base year, '' beyond the
    # horizon of planner.inputs.maturity.phase_entry_years)
    OutField("bal_from", "balanced_from", "str"),
    OutField("onl_from", "online_primary_from", "str"),
)
COUNTY_STAGE_FIELDS: tuple[tuple[str, OutField], ...] = (
    # (prefix, field with the plan column; the name gets the suffix _s<stage>)
    ("mat", OutField("mat", "maturity", "float", 4)),
    ("phase", OutField("phase", "phase", "str")),
    ("tasks", OutField("tasks", "tasks", "str")),
    ("area_c", OutField("area_c", "county_area_m2", "float", 1)),
    ("area_t", OutField("area_t", "township_area_m2", "float", 1)),
    ("unsrv", OutField("unsrv", "unserved", "float", 1)),
    ("onl", OutField("onl", "online_share", "float", 4)),
)
COUNTY_SERVED_ONLY = frozenset({"unsrv", "onl"})
"""County stage columns that exist only for stages >= 1 (stage 0 has no demand)."""
ASSIGNMENT_FIELDS: tuple[OutField, ...] = (
    OutField("stage", "stage", "int"),
    OutField("township_id", "township_id", "str"),
    OutField("centre_id", "centre_id", "str"),
    OutField("level", "level", "str"),
    OutField("tx_year", "transactions", "float", 1),
    OutField("minutes", "minutes", "float", 1),
)
LEVEL_FIELDS: tuple[OutField, ...] = (
    OutField("stage", "stage", "int"),
    OutField("level", "level", "str"),
    OutField("area_m2", "floor_area_m2", "float", 1),
    OutField("area_use", "area_in_use_m2", "float", 1),
    OutField("surplus", "surplus_m2", "float", 1),
    OutField("converted", "converted_m2", "float", 1),
    OutField("area_share", "area_share", "float", 4),
    OutField("windows", "windows", "int"),
    OutField("tx_year", "transactions", "float", 1),
    OutField("centres_open", "centres_open", "int"),
)
BOUNDARY_FIELDS: tuple[OutField, ...] = (
    OutField("code", "code", "str"),
    OutField("name", "name", "str"),
)

LAYER_DESCRIPTIONS: dict[str, str] = {
    "centres": "Service centres, one row per centre and stage (stage 0 = today); "
    'filter "stage" = N to see one network.',
    "townships": "Townships, one row per township and stage.",
    "counties": "Counties, one row per county with one column per stage (suffix _s<stage>).",
    "assignments": "Township-to-centre service lines, one row per stage, township and centre.",
    "levels": "Floor area, windows and volume per stage and level.",
    "boundaries": "City boundaries (context).",
}


def county_stage_field_names(stages: Sequence[int]) -> list[str]:
    """Names of the per-stage columns of the ``counties`` layer, in layer order."""
    names = []
    for s in stages:
        for prefix, _ in COUNTY_STAGE_FIELDS:
            if s >= 1 or prefix not in COUNTY_SERVED_ONLY:
                names.append(f"{prefix}_s{s}")
    return names


def _typed(frame: pd.DataFrame, fields: Sequence[OutField]) -> pd.DataFrame:
    """Select, rename, type and round the columns of ``fields`` (missing text -> unknown)."""
    out: dict[str, pd.Series | np.ndarray] = {}
    n = len(frame)
    for f in fields:
        if f.source in frame.columns:
            col = frame[f.source]
        elif f.kind == "str":
            col = pd.Series([UNKNOWN_SOURCE] * n, index=frame.index)
        else:
            msg = f"plan column '{f.source}' needed for GeoPackage field '{f.name}' is missing"
            raise KeyError(msg)
        out[f.name] = _cast(col, f)
    return pd.DataFrame(out, index=frame.index)


def _cast(col: pd.Series, f: OutField) -> pd.Series | np.ndarray:
    if f.kind == "int":
        return np.rint(col.astype(float).to_numpy()).astype(np.int32)
    if f.kind == "float":
        return np.round(col.astype(float).to_numpy(), f.decimals) + 0.0
    values = [None if pd.isna(v) else str(v) for v in col.to_numpy()]
    if f.empty_as_null:
        values = [v or None for v in values]
    return pd.Series(values, index=col.index, dtype=object)


def _target_crs(crs: str) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except CRSError as err:
        msg = f"output.crs '{crs}' is not a coordinate reference system pyproj knows ({err})"
        raise InputError(msg) from None


def _geo(frame: pd.DataFrame, geometry: np.ndarray, target: CRS) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=list(geometry), crs=INPUT_CRS)
    if not CRS.from_user_input(INPUT_CRS).equals(target):
        gdf = gdf.to_crs(target)
    return gdf


def stage_years(stages: Sequence[int], years: Sequence[int] | None) -> dict[int, int]:
    """Year of each stage: ``years[s]`` (``[base_year, *stages.years]``), else the defaults.

    Raises
    ------
    ValueError
        If ``years`` has no year for a stage of the plan.
    """
    given = list(years) if years is not None else [BASE_YEAR, *DEFAULT_YEARS]
    missing = [s for s in stages if not 0 <= s < len(given)]
    if missing:
        msg = f"no year for stage(s) {missing}: {len(given)} years given"
        raise ValueError(msg)
    return {int(s): int(given[s]) for s in stages}


def _time_fields(frame: pd.DataFrame, stage: pd.Series, years: dict[int, int]) -> pd.DataFrame:
    """Add ``year``, ``valid_from`` and ``valid_to`` (QGIS temporal controller) to ``frame``.

    A stage's state holds from 1 January of its year to 1 January of the next stage's year
    (one year for the last stage), so the controller shows one stage at a time.
    """
    ordered = sorted(years)
    until = {s: years[n] for s, n in itertools.pairwise(ordered)}
    until[ordered[-1]] = years[ordered[-1]] + 1
    values = stage.astype(int).to_numpy()
    out = frame.copy()
    out["year"] = np.array([years[s] for s in values], dtype=np.int32)
    out["valid_from"] = pd.to_datetime([f"{years[s]}-01-01" for s in values], utc=True)
    out["valid_to"] = pd.to_datetime([f"{until[s]}-01-01" for s in values], utc=True)
    return out


def centres_frame(
    plan: Plan, inputs: Inputs, target: CRS, years: dict[int, int] | None = None
) -> gpd.GeoDataFrame:
    """The ``centres`` layer: one point per centre and stage."""
    cen = plan.centres.sort_values(["centre_id", "stage"], kind="mergesort").copy()
    info = inputs.centres
    src = info.get("inventory_source")
    if src is not None:
        cen["inventory_source"] = cen["centre_id"].map(src).fillna(UNKNOWN_SOURCE)
    if "township_id" in info.columns:
        cen["township_id"] = cen["centre_id"].map(info["township_id"])
    cities = inputs.counties.get("city_code", pd.Series(dtype=object))
    admin = cen["centre_id"].map(info["admin_code"]) if "admin_code" in info.columns else None
    by_county = cen["county_code"].map(cities)
    if admin is not None:
        by_county = by_county.where(cen["level"] != "city", admin)
    cen["city_code"] = by_county
    points = shapely.points(cen["lon"].to_numpy(dtype=float), cen["lat"].to_numpy(dtype=float))
    frame = _typed(cen, CENTRE_FIELDS)
    if years is not None:
        frame = _time_fields(frame, cen["stage"], years)
    return _geo(frame, points, target)


def townships_frame(
    plan: Plan, inputs: Inputs, target: CRS, years: dict[int, int] | None = None
) -> gpd.GeoDataFrame:
    """The ``townships`` layer: one point per township and stage."""
    tw = plan.townships.sort_values(["township_id", "stage"], kind="mergesort").copy()
    info = inputs.townships
    for col in ("name", "kind", "population", "point_source", "population_source"):
        if col in info.columns:
            tw[col] = tw["township_id"].map(info[col])
    for col in ("point_source", "population_source"):
        if col in tw.columns:
            tw[col] = tw[col].fillna(UNKNOWN_SOURCE)
    lon = tw["township_id"].map(info["lon"]).to_numpy(dtype=float)
    lat = tw["township_id"].map(info["lat"]).to_numpy(dtype=float)
    frame = _typed(tw, TOWNSHIP_FIELDS)
    if years is not None:
        frame = _time_fields(frame, tw["stage"], years)
    return _geo(frame, shapely.points(lon, lat), target)


def counties_frame(plan: Plan, inputs: Inputs, target: CRS) -> gpd.GeoDataFrame:
    """The ``counties`` layer: one polygon per county of the run, stage values as columns."""
    polys = inputs.county_polygons
    codes = [c for c in inputs.counties.index if c in polys.index] or list(polys.index)
    base = pd.DataFrame(index=pd.Index(codes, dtype=object))
    base["county"] = codes
    names = inputs.counties["name"] if "name" in inputs.counties.columns else pd.Series()
    poly_names = polys["name"] if "name" in polys.columns else pd.Series()
    base["name"] = [_first(poly_names.get(c), names.get(c)) for c in codes]
    cities = inputs.counties.get("city_code", pd.Series(dtype=object))
    base["city"] = [_first(cities.get(c), f"{c[:4]}00") for c in codes]
    entry = plan.counties.drop_duplicates("county_code").set_index("county_code")
    for col in ENTRY_COLUMNS.values():
        known = entry[col] if col in entry.columns else pd.Series(dtype=object)
        base[col] = [_first(known.get(c)) for c in codes]
    out = _typed(base, COUNTY_FIELDS)

    co = plan.counties.copy()
    co["online_share"] = (co["online"] / co["demand"].where(co["demand"] > 0)).fillna(0.0)
    stages = sorted(int(s) for s in co["stage"].unique())
    indexed = co.set_index(["county_code", "stage"])
    for s in stages:
        at_stage = indexed.xs(s, level="stage").reindex(codes)
        for prefix, field in COUNTY_STAGE_FIELDS:
            if s < 1 and prefix in COUNTY_SERVED_ONLY:
                continue
            name = f"{prefix}_s{s}"
            out[name] = _cast(at_stage[field.source], field)
    geometry = polys.geometry.reindex(codes).to_numpy()
    return _geo(out, geometry, target)


def _first(*values: object) -> str:
    for v in values:
        if v is not None and not pd.isna(v) and str(v) != "":
            return str(v)
    return ""


def assignments_frame(
    plan: Plan, inputs: Inputs, target: CRS, years: dict[int, int] | None = None
) -> gpd.GeoDataFrame:
    """The ``assignments`` layer: a line from township to centre per stage and pair."""
    a = plan.assignments.sort_values(["stage", "township_id", "centre_id"], kind="mergesort").copy()
    a["level"] = a["centre_id"].map(inputs.centres["level"])
    tw, ce = inputs.townships, inputs.centres
    coords = np.stack(
        [
            np.column_stack([a["township_id"].map(tw["lon"]), a["township_id"].map(tw["lat"])]),
            np.column_stack([a["centre_id"].map(ce["lon"]), a["centre_id"].map(ce["lat"])]),
        ],
        axis=1,
    ).astype(float)
    lines = shapely.linestrings(coords) if len(a) else np.array([], dtype=object)
    frame = _typed(a, ASSIGNMENT_FIELDS)
    if years is not None:
        frame = _time_fields(frame, a["stage"], years)
    return _geo(frame, lines, target)


def levels_frame(plan: Plan) -> pd.DataFrame:
    """The ``levels`` attribute table."""
    lv = plan.levels.sort_values(["stage", "level"], kind="mergesort")
    return _typed(lv, LEVEL_FIELDS).reset_index(drop=True)


def boundaries_frame(inputs: Inputs, target: CRS) -> gpd.GeoDataFrame:
    """The ``boundaries`` layer: the cities of the run's counties (all cities if none)."""
    cities = inputs.cities
    used = set(inputs.counties.get("city_code", pd.Series(dtype=object)))
    keep = [c for c in cities.index if c in used] or list(cities.index)
    sub = cities.loc[keep].copy()
    sub["code"] = keep
    if "name" not in sub.columns:
        sub["name"] = ""
    return _geo(_typed(sub, BOUNDARY_FIELDS), sub.geometry.to_numpy(), target)


def _write(frame: pd.DataFrame, path: Path, layer: str, geometry_type: str | None) -> None:
    options = {"DESCRIPTION": LAYER_DESCRIPTIONS[layer]}
    if geometry_type is None:
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", layer_options=options)
        return
    pyogrio.write_dataframe(
        frame,
        path,
        layer=layer,
        driver="GPKG",
        geometry_type=geometry_type,
        promote_to_multi=geometry_type.startswith("Multi"),
        layer_options=options,
    )


def write_gpkg(
    plan: Plan,
    inputs: Inputs,
    path: Path,
    crs: str = INPUT_CRS,
    years: Sequence[int] | None = None,
) -> None:
    """Write the plan as a GeoPackage with default QGIS styles.

    Parameters
    ----------
    plan : Plan
        The solved plan.
    inputs : Inputs
        The run's inputs (points, polygons, names, provenance columns).
    path : Path
        Output file; replaced if it exists. The caller writes into a temporary run folder,
        so no further atomicity is needed here.
    crs : str, default "EPSG:4490"
        CRS of every spatial layer (anything pyproj accepts, e.g. ``"EPSG:3857"``).
    years : sequence of int, optional
        Year of every stage, today first (``[stages.base_year, *stages.years]``); default the
        schema's default stages. Written as ``year``, ``valid_from`` and ``valid_to``.

    Raises
    ------
    InputError
        If ``crs`` is not a CRS pyproj knows.
    """
    target = _target_crs(crs)
    stages = sorted(int(s) for s in plan.centres["stage"].unique()) or [0]
    by_stage = stage_years(stages, years)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    layers: list[tuple[str, pd.DataFrame, str | None]] = [
        ("centres", centres_frame(plan, inputs, target, by_stage), "Point"),
        ("townships", townships_frame(plan, inputs, target, by_stage), "Point"),
        ("counties", counties_frame(plan, inputs, target), "MultiPolygon"),
        ("assignments", assignments_frame(plan, inputs, target, by_stage), "LineString"),
        ("boundaries", boundaries_frame(inputs, target), "MultiPolygon"),
        ("levels", levels_frame(plan), None),
    ]
    with _gdal_options(SERIAL_RTREE):
        for name, frame, geometry_type in layers:
            _write(frame, path, name, geometry_type)
    write_default_styles(path, default_styles(plan))
    fix_change_counter(path)


SERIAL_RTREE = {"OGR_GPKG_THREADED_RTREE": "NO"}
"""GDAL builds a layer's R-tree in a background thread by default; how its batches fall into
SQLite transactions depends on thread timing, and every transaction bumps the file change
counter in the SQLite header. Built serially, the same plan gives the same transactions."""
CHANGE_COUNTER_OFFSETS = (24, 92)
"""SQLite header: the file change counter and the version-valid-for number (equal)."""
CHANGE_COUNTER = 1


@contextmanager
def _gdal_options(options: dict[str, str]) -> Iterator[None]:
    """Set GDAL config options for the block; restore the previous values after."""
    previous = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


def fix_change_counter(path: Path) -> None:
    """Set the SQLite file change counter of a finished GeoPackage to a fixed value.

    The counter (bytes 24-27, repeated as the version-valid-for number in bytes 92-95) counts
    write transactions; it only tells other open connections that their cache is stale, so
    for a closed file its value carries nothing, yet a different number of transactions (a
    GDAL batch falling differently) changed the bytes of an identical plan. Both copies get
    the same value, so the header stays consistent.
    """
    with path.open("r+b") as handle:
        for offset in CHANGE_COUNTER_OFFSETS:
            handle.seek(offset)
            handle.write(CHANGE_COUNTER.to_bytes(4, "big"))


def default_styles(plan: Plan) -> list[qgis_styles.LayerStyle]:
    """The default QGIS style of every spatial layer of a plan's GeoPackage."""
    last = int(plan.centres["stage"].max()) if len(plan.centres) else 0
    county_stages = sorted(int(s) for s in plan.counties["stage"].unique())
    mat_stage = 3 if 3 in county_stages else (county_stages[-1] if county_stages else 0)
    max_area = float(plan.centres["floor_area_m2"].max()) if len(plan.centres) else 0.0
    max_tx = float(plan.assignments["transactions"].max()) if len(plan.assignments) else 0.0
    mat = plan.counties.loc[plan.counties["stage"] == mat_stage, "maturity"]
    time = ["year", "valid_from", "valid_to"]
    counties = [f.name for f in COUNTY_FIELDS] + county_stage_field_names(county_stages)
    return [
        qgis_styles.centres_style(max_area, last, [f.name for f in CENTRE_FIELDS] + time),
        qgis_styles.townships_style(last, [f.name for f in TOWNSHIP_FIELDS] + time),
        qgis_styles.counties_style(f"mat_s{mat_stage}", [float(v) for v in mat], counties),
        qgis_styles.assignments_style(max_tx, last, [f.name for f in ASSIGNMENT_FIELDS] + time),
        qgis_styles.boundaries_style([f.name for f in BOUNDARY_FIELDS]),
    ]


LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT,
    f_table_schema TEXT,
    f_table_name TEXT,
    f_geometry_column TEXT,
    styleName TEXT,
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT,
    ui TEXT,
    update_time DATETIME DEFAULT CURRENT_TIMESTAMP
)
"""


def write_default_styles(path: Path, styles: Sequence[qgis_styles.LayerStyle]) -> None:
    """Create the QGIS ``layer_styles`` table in a GeoPackage and insert default styles.

    The table is registered in ``gpkg_contents`` as an attributes table, as QGIS does; the
    geometry column of each layer is read from ``gpkg_geometry_columns``. Timestamps are
    fixed (:data:`FIXED_TIME`) so the same plan gives the same content.
    """
    with closing(sqlite3.connect(path)) as con, con:
        geometry_columns = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        con.execute(LAYER_STYLES_DDL)
        con.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
            "description, last_change, srs_id) VALUES (?, 'attributes', ?, '', ?, 0)",
            ("layer_styles", "layer_styles", FIXED_TIME),
        )
        con.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
            [
                (
                    style.layer,
                    geometry_columns.get(style.layer, ""),
                    qgis_styles.STYLE_NAME,
                    style.qml,
                    style.description,
                    FIXED_TIME,
                )
                for style in styles
            ],
        )
        con.execute("UPDATE gpkg_contents SET last_change = ?", (FIXED_TIME,))
