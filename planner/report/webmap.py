"""The report's interactive map: Leaflet with the plan's own vector layers, inlined.

:func:`web_map` turns a run folder's map layers into one compact JSON document and the
markup of a map with a stage switch and a details panel; :func:`leaflet_assets` reads the
vendored Leaflet (``planner/report/vendor/leaflet``, from the npm package ``leaflet``) that
the page inlines with the map's own script (``webmap.js``). No tile server and no fetch: the
counties, city boundaries, centres and townships are drawn from ``plan.gpkg`` as vector
layers on a canvas.

The JSON stores every feature once with one value per stage in arrays (index *i* is the
*i*-th stage of ``stages``, today first), strings repeated over many features (modes,
actions, reasons, phases) as indices into lists, coordinates rounded to
:data:`COORD_DECIMALS` decimals (about 10 m) and keys sorted, so the same run folder gives
the same bytes. Centres that share a seat (a county hall and a township station in the same
town) get a small offset in screen pixels (``off``), so each stays visible and clickable at
every zoom.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.config.schema import LEVELS
from planner.io.qgis_styles import (
    ACTION_COLOURS,
    ACTION_LABELS,
    LEVEL_LABELS,
    MATURITY_RAMP,
    PHASE_COLOURS,
    PHASE_LABELS,
    RGBA,
)
from planner.io.qgis_styles import LEVEL_COLOURS as QGIS_LEVELS
from planner.report.data import RunData

HERE = Path(__file__).resolve().parent
LEAFLET_DIR = HERE / "vendor" / "leaflet"
SCRIPT_PATH = HERE / "webmap.js"
COORD_DECIMALS = 4
"""Decimals of longitude and latitude (1e-4 degree is about 10 m)."""
SEAT_RING_PX = 9.0
"""Radius (screen pixels) of the ring on which centres sharing a seat are spread."""
LEVEL_COLOURS = {
    level: "#{:02x}{:02x}{:02x}".format(*rgba[:3]) for level, rgba in QGIS_LEVELS.items()
}
"""Centre colour by level in stage 0 (as in the static maps and the QGIS styles)."""
_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")
_CSS_URL = re.compile(r"[^;{}]*url\([^)]*\)[^;{}]*;?")


@dataclass(frozen=True)
class WebMap:
    """The interactive map of one report.

    Attributes
    ----------
    markup : str
        The HTML of the map section (map, stage switch, legend, details panel, data).
    scripts : tuple[str, ...]
        Inline scripts to run after the markup, in order (Leaflet, then the map).
    css : str
        Leaflet's stylesheet and the map's own rules.
    """

    markup: str
    scripts: tuple[str, ...]
    css: str


def hex_colour(rgba: RGBA) -> str:
    """``#rrggbb`` of an RGBA tuple (alpha dropped)."""
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def script_hash(script: str) -> str:
    """The CSP source ``'sha256-...'`` allowing exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and stylesheet as inlined into the page.

    The ``sourceMappingURL`` comment and the CSS declarations pointing at Leaflet's image
    files (default marker icon, layers control: neither is used) are left out, so the page
    references no file at all.
    """
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("\n", js), _CSS_URL.sub("", css)


# --- data ------------------------------------------------------------------------------------


def _num(value: Any, decimals: int) -> float | int | None:
    """A rounded number for JSON (``None`` for NaN/None; integral values as int)."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(x):
        return None
    r = round(x, decimals)
    return int(r) if r == int(r) else r


def _lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer in longitude/latitude (CGCS2000 and WGS 84 agree at map scale)."""
    if gdf.crs is not None and not gdf.crs.is_geographic:
        return gdf.to_crs("EPSG:4326")
    return gdf


def _geometry(geom: shapely.Geometry) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    rounded = shapely.set_precision(geom, 10.0**-COORD_DECIMALS)
    mapping: dict[str, Any] = json.loads(shapely.to_geojson(rounded))
    return mapping


def _index(values: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    ordered = sorted({str(v) for v in values})
    return ordered, {v: i for i, v in enumerate(ordered)}


def seat_offsets(points: pd.DataFrame) -> dict[str, list[float]]:
    """Pixel offsets ``[dx, dy]`` spreading the centres that share a seat on a small ring.

    Parameters
    ----------
    points : pandas.DataFrame
        ``centre_id``, ``level``, ``x``, ``y`` (coordinates already rounded).

    Returns
    -------
    dict
        Offset per centre id, only for centres sharing their point with another centre; the
        first (highest level, then id) sits north, the others follow clockwise.
    """
    order = {level: i for i, level in enumerate(LEVELS)}
    out: dict[str, list[float]] = {}
    keyed = points.assign(rank=points["level"].map(order).fillna(len(order)))
    for _, group in keyed.groupby(["x", "y"], sort=True):
        if len(group) < 2:
            continue
        group = group.sort_values(["rank", "centre_id"], kind="mergesort")
        for k, cid in enumerate(group["centre_id"]):
            angle = 2 * math.pi * k / len(group)
            out[str(cid)] = [
                round(SEAT_RING_PX * math.sin(angle), 1),
                round(-SEAT_RING_PX * math.cos(angle), 1),
            ]
    return out


def _per_stage(
    frame: pd.DataFrame, key: str, column: str, stages: Sequence[int], decimals: int
) -> dict[str, list[Any]]:
    wide = frame.pivot_table(index=key, columns="stage", values=column, aggfunc="first")
    wide = wide.reindex(columns=list(stages))
    return {
        str(k): [_num(v, decimals) for v in row]
        for k, row in zip(wide.index, wide.to_numpy(), strict=True)
    }


def _coded(
    frame: pd.DataFrame, key: str, column: str, stages: Sequence[int], codes: dict[str, int]
) -> dict[str, list[int | None]]:
    wide = frame.pivot(index=key, columns="stage", values=column).reindex(columns=list(stages))
    return {
        str(k): [codes[str(v)] if isinstance(v, str) and v else None for v in row]
        for k, row in zip(wide.index, wide.to_numpy(), strict=True)
    }


def _centre_features(run: RunData, stages: Sequence[int], coded: dict[str, Any]) -> list[Any]:
    gis = run.gis
    if gis is None:
        return []
    pts = _lonlat(gis.centres).drop_duplicates("centre_id").set_index("centre_id")
    cen = run.centres
    first = cen.drop_duplicates("centre_id").set_index("centre_id")
    xy = pd.DataFrame(
        {
            "centre_id": pts.index.astype(str),
            "level": pts["level"].to_numpy(),
            "x": np.round(pts.geometry.x.to_numpy(), COORD_DECIMALS),
            "y": np.round(pts.geometry.y.to_numpy(), COORD_DECIMALS),
        }
    )
    offsets = seat_offsets(xy)
    values = {
        "a": _per_stage(cen, "centre_id", "floor_area_m2", stages, 0),
        "da": _per_stage(cen, "centre_id", "area_change_m2", stages, 0),
        "w": _per_stage(cen, "centre_id", "windows", stages, 0),
        "d": _per_stage(cen, "centre_id", "backoffice_desks", stages, 0),
        "td": _per_stage(cen, "centre_id", "daily_transactions", stages, 1),
        "m": _coded(cen, "centre_id", "mode", stages, coded["modes"]),
        "act": _coded(cen, "centre_id", "action", stages, coded["actions"]),
        "r": _coded(cen, "centre_id", "reason", stages, coded["reasons"]),
    }
    features = []
    for row in xy.sort_values("centre_id").itertuples(index=False):
        cid = str(row.centre_id)
        if cid not in first.index:
            continue
        county = first.at[cid, "county_code"]
        props: dict[str, Any] = {
            "id": cid,
            "name": str(first.at[cid, "name"]),
            "level": str(first.at[cid, "level"]),
            "county": None if pd.isna(county) else str(county),
            **{k: v.get(cid, [None] * len(stages)) for k, v in values.items()},
        }
        if cid in offsets:
            props["off"] = offsets[cid]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(row.x), float(row.y)]},
                "properties": props,
            }
        )
    return features


def _township_features(run: RunData, stages: Sequence[int], coded: dict[str, Any]) -> list[Any]:
    gis = run.gis
    if gis is None:
        return []
    pts = _lonlat(gis.townships).drop_duplicates("township_id").set_index("township_id")
    tw = run.townships
    columns = {
        "d": ("demand", 0),
        "o": ("online_share", 3),
        "u": ("unserved", 0),
        "ui": ("unserved_items", 0),  # the one rule of an unserved township
        "mp": ("minutes_province", 1),
        "mc": ("minutes_city", 1),
        "mk": ("minutes_county", 1),
        "mt": ("minutes_township", 1),
    }
    values = {
        k: _per_stage(tw, "township_id", col, stages, dec)
        for k, (col, dec) in columns.items()
        if col in tw.columns
    }
    values["ph"] = _coded(tw, "township_id", "phase", stages, coded["phases"])
    county = tw.drop_duplicates("township_id").set_index("township_id")["county_code"]
    features = []
    for tid in sorted(str(t) for t in pts.index):
        point = pts.geometry[tid]
        name = pts.at[tid, "name"] if "name" in pts.columns else tid
        props: dict[str, Any] = {
            "id": tid,
            "name": str(name),
            "county": str(county.get(tid, "")),
            **{k: v.get(tid, [None] * len(stages)) for k, v in values.items()},
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(point.x), COORD_DECIMALS),
                        round(float(point.y), COORD_DECIMALS),
                    ],
                },
                "properties": props,
            }
        )
    return features


def _polygon_features(
    gdf: gpd.GeoDataFrame, props_of: Callable[[pd.Series], dict[str, Any]], key: str
) -> list[dict[str, Any]]:
    features = []
    for _, row in _lonlat(gdf).sort_values(key, kind="mergesort").iterrows():
        geometry = _geometry(row.geometry)
        if geometry is None:
            continue
        features.append({"type": "Feature", "geometry": geometry, "properties": props_of(row)})
    return features


def map_data(run: RunData) -> dict[str, Any] | None:
    """The map's JSON document, or ``None`` without ``plan.gpkg``.

    Returns
    -------
    dict or None
        ``stages``, ``labels``, ``bounds`` ([[south, west], [north, east]]), the code lists
        (``modes``, ``actions``, ``reasons``, ``phases``), ``style`` (colours, largest area)
        and four GeoJSON FeatureCollections: ``counties`` (maturity per stage), ``boundaries``,
        ``centres`` and ``townships`` (their plan per stage).
    """
    gis = run.gis
    if gis is None:
        return None
    stages = run.stages
    cen, tw = run.centres, run.townships
    modes, mode_codes = _index(cen["mode"].dropna())
    actions, action_codes = _index(cen["action"].dropna())
    reasons, reason_codes = _index(cen.loc[cen["reason"].notna(), "reason"].astype(str))
    phases, phase_codes = _index(tw["phase"].dropna())
    coded = {"modes": mode_codes, "actions": action_codes, "reasons": reason_codes}
    coded["phases"] = phase_codes
    counties = _polygon_features(
        gis.counties,
        lambda r: {
            "code": str(r["county"]),
            "name": str(r["name"]),
            "mat": [_num(r.get(f"mat_s{s}"), 3) for s in stages],
        },
        "county",
    )
    boundaries = _polygon_features(
        gis.boundaries, lambda r: {"code": str(r["code"]), "name": str(r["name"])}, "code"
    )
    minx, miny, maxx, maxy = _lonlat(gis.counties).total_bounds
    max_area = float(cen["floor_area_m2"].max()) if len(cen) else 1.0
    return {
        "stages": stages,
        "labels": [run.stage_label(s) for s in stages],
        "bounds": [[_num(miny, 3), _num(minx, 3)], [_num(maxy, 3), _num(maxx, 3)]],
        "modes": modes,
        "actions": actions,
        "reasons": reasons,
        "phases": phases,
        "level_labels": LEVEL_LABELS,
        "action_labels": ACTION_LABELS,
        "phase_labels": PHASE_LABELS,
        "style": {
            "levels": LEVEL_COLOURS,
            "actions": {a: hex_colour(c) for a, c in ACTION_COLOURS.items()},
            "phases": {p: hex_colour(c) for p, c in PHASE_COLOURS.items()},
            "ramp": [hex_colour(c) for c in MATURITY_RAMP],
            "max_area": max(max_area, 1.0),
        },
        "counties": {"type": "FeatureCollection", "features": counties},
        "boundaries": {"type": "FeatureCollection", "features": boundaries},
        "centres": {
            "type": "FeatureCollection",
            "features": _centre_features(run, stages, coded),
        },
        "townships": {
            "type": "FeatureCollection",
            "features": _township_features(run, stages, coded),
        },
    }


def map_json(run: RunData) -> str | None:
    """:func:`map_data` as compact, deterministic JSON safe inside a ``<script>`` element."""
    data = map_data(run)
    if data is None:
        return None
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("</", "<\\/")


# --- markup ----------------------------------------------------------------------------------

MAP_CSS = """
.webmap { display:grid; grid-template-columns:minmax(0,1fr) 360px; gap:14px; margin:8px 0 18px; }
@media (max-width: 900px) { .webmap { grid-template-columns:minmax(0,1fr); } }
#olive-map { height:560px; border:1px solid var(--line); border-radius:6px; background:#eef2f4; }
.webmap .stages { display:flex; flex-wrap:wrap; gap:6px; margin:0 0 8px; }
.webmap .stages button { font:inherit; font-size:13px; padding:3px 10px; cursor:pointer;
  border:1px solid #c9ccc2; border-radius:14px; background:#fafafa; color:var(--ink); }
.webmap .stages button[aria-pressed="true"] { background:var(--olive); color:#fff;
  border-color:var(--olive); }
#olive-map-info { border:1px solid var(--line); border-radius:6px; padding:8px 12px;
  max-height:610px; overflow:auto; font-size:12.5px; }
#olive-map-info h3 { margin:4px 0 2px; } #olive-map-info h4 { margin:8px 0 2px; }
#olive-map-info table { font-size:11.5px; }
#olive-map-info td, #olive-map-info th { padding:2px 4px; }
#olive-map-info .now { background:#eef1e6; }
#olive-map-info tbody th { font-weight:600; white-space:nowrap; }
#olive-map-info ul { padding-left:16px; margin:4px 0; }
.legend { display:flex; flex-wrap:wrap; gap:4px 14px; font-size:12px; color:var(--muted);
  margin-top:6px; }
.legend[hidden] { display:none; }
.legend i { display:inline-block; width:11px; height:11px; border-radius:50%;
  margin-right:4px; vertical-align:-1px; border:1px solid #555; }
.legend i.ring { background:transparent !important; border:2px solid #b30000; }
"""


def _legend_item(colour: str, label: str, cls: str = "") -> str:
    extra = f' class="{cls}"' if cls else ""
    return f'<span><i{extra} style="background:{colour}"></i>{label}</span>'


def _legend() -> str:
    levels = "".join(_legend_item(LEVEL_COLOURS[lv], LEVEL_LABELS[lv]) for lv in LEVELS)
    actions = "".join(
        _legend_item(hex_colour(ACTION_COLOURS[a]), label)
        for a, label in ACTION_LABELS.items()
        if a != "today"
    )
    phases = "".join(_legend_item(hex_colour(PHASE_COLOURS[p]), f"township: {label}")
                     for p, label in PHASE_LABELS.items())  # fmt: skip
    return (
        f'<div class="legend" id="olive-map-legend-levels">Centres by level: {levels}</div>'
        f'<div class="legend" id="olive-map-legend-actions" hidden>Centres by action: '
        f"{actions}</div>"
        f'<div class="legend">{phases}'
        f"{_legend_item('#ffffff', 'township with unserved demand', 'ring')}"
        "<span>counties: maturity of the stage, yellow (low) to green (high)</span></div>"
    )


def web_map(run: RunData) -> WebMap | None:
    """The interactive map of a run, or ``None`` when the run folder has no ``plan.gpkg``."""
    payload = map_json(run)
    if payload is None:
        return None
    leaflet_js, leaflet_css = leaflet_assets()
    script = SCRIPT_PATH.read_text(encoding="utf-8")
    markup = (
        '<div class="webmap"><div><div class="stages" id="olive-map-stages" '
        'role="group" aria-label="Stage"></div>'
        '<div id="olive-map" role="application" aria-label="Interactive map of the plan"></div>'
        f"{_legend()}</div>"
        '<aside id="olive-map-info"><p class="small">Click a centre or a township for its plan '
        "in every stage. Drag to pan, scroll or use + and − to zoom; the buttons above switch "
        "the stage.</p></aside></div>"
        f'<script type="application/json" id="olive-map-data">{payload}</script>'
    )
    return WebMap(markup=markup, scripts=(leaflet_js, script), css=leaflet_css + MAP_CSS)


__all__ = ["WebMap", "leaflet_assets", "map_data", "map_json", "script_hash", "web_map"]
