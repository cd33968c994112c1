"""Township points: trusted 2016 points matched to 2025 townships, and the seeded rules
that place the others (see ``data/README.md``, *Points*)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner.datasets.units import (
    _TOWNSHIP_SUFFIX,
    MATCH_TOLERANCE_M,
    BuildReport,
    _County,
)
from planner.inputs.gcj02 import gcj02_to_wgs84

# --------------------------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------------------------


def _township_stem(name: str) -> str:
    """Township name without its 街道/镇/乡/办事处 suffix."""
    return _TOWNSHIP_SUFFIX.sub("", name.strip())


def _random_point_in(geom: BaseGeometry, rng: np.random.Generator) -> tuple[float, float]:
    """Uniform point (area-uniform on the sphere) inside a lon/lat polygon by rejection."""
    minx, miny, maxx, maxy = geom.bounds
    s0, s1 = math.sin(math.radians(miny)), math.sin(math.radians(maxy))
    for _ in range(10_000):
        u = rng.random((64, 2))
        lon = minx + (maxx - minx) * u[:, 0]
        lat = np.degrees(np.arcsin(s0 + (s1 - s0) * u[:, 1]))
        inside = shapely.contains_xy(geom, lon, lat)
        hits = np.flatnonzero(inside)
        if hits.size:
            k = int(hits[0])
            return float(lon[k]), float(lat[k])
    raise RuntimeError("rejection sampling failed: polygon too thin for its bounding box")


def _match_points(
    townships: pd.DataFrame,
    points: pd.DataFrame | None,
    counties: dict[str, _County],
    project: Callable[[BaseGeometry], BaseGeometry],
    report: BuildReport,
) -> dict[str, tuple[float, float, str]]:
    """Real WGS84 points for the townships that can be trusted to match a 2016 point.

    A 2016 point matches a 2025 township (a) by code when the name stems agree, else (b) by
    name stem when exactly one unused 2016 point with that stem lies within
    :data:`MATCH_TOLERANCE_M` of the township's county polygon (and no other township claims
    it). A code match whose name differs is a re-used code and is not trusted. Matched points
    further than the tolerance outside the 2025 county polygon are rejected.

    Returns
    -------
    dict
        township_id -> (lon, lat, method) with method ``code`` or ``name``.
    """
    if points is None or points.empty:
        return {}
    lon, lat = gcj02_to_wgs84(
        points["lng_gcj02"].astype(float).to_numpy(), points["lat_gcj02"].astype(float).to_numpy()
    )
    p_codes = points["code"].to_list()
    p_stems = [_township_stem(n) for n in points["name"]]
    p_xy = {code: (float(x), float(y)) for code, x, y in zip(p_codes, lon, lat, strict=True)}
    p_stem = dict(zip(p_codes, p_stems, strict=True))
    projected_counties = {code: project(c.shape) for code, c in counties.items()}
    projected_points = {
        code: project(Point(xy)) for code, xy in p_xy.items()
    }  # small: one per 2016 township

    def distance(county: str, pcode: str) -> float:
        return float(projected_counties[county].distance(projected_points[pcode]))

    out: dict[str, tuple[float, float, str]] = {}
    used: set[str] = set()
    # (a) same code and same name stem
    for tid, name, county in townships[["township_id", "name", "county_code"]].itertuples(
        index=False
    ):
        if tid not in p_xy:
            continue
        if p_stem[tid] != _township_stem(name):
            report.points_code_reused += 1
            continue
        used.add(tid)
        if distance(county, tid) > MATCH_TOLERANCE_M:
            report.points_rejected_far += 1
            continue
        out[tid] = (*p_xy[tid], "code")
    # (b) unique name stem near the county
    by_stem: dict[str, list[str]] = {}
    for code, stem in p_stem.items():
        if code not in used:
            by_stem.setdefault(stem, []).append(code)
    claims: dict[str, list[str]] = {}
    for tid, name, county in townships[["township_id", "name", "county_code"]].itertuples(
        index=False
    ):
        if tid in out or tid in used:
            continue
        near = [
            p
            for p in by_stem.get(_township_stem(name), [])
            if distance(county, p) <= MATCH_TOLERANCE_M
        ]
        if len(near) == 1:
            claims.setdefault(near[0], []).append(tid)
    for pcode, tids in sorted(claims.items()):
        if len(tids) == 1:
            out[tids[0]] = (*p_xy[pcode], "name")
    for tid, (x, y, _method) in out.items():
        county = str(townships.loc[townships["township_id"] == tid, "county_code"].iloc[0])
        if not counties[county].shape.covers(Point(x, y)):
            report.points_real_outside_within_tolerance += 1
    return out


# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Generated points near their seat
# --------------------------------------------------------------------------------------------

KM_PER_DEG_LAT: float = 110.574
"""Kilometres per degree of latitude (local equirectangular offsets)."""

KM_PER_DEG_LON_EQUATOR: float = 111.320
"""Kilometres per degree of longitude at the equator (times cos(latitude))."""

STREET_FALLBACK_MEDIAN_KM: float = 4.5
"""Median seat distance of generated streets when no real street point exists (no points
file): the median of Jiangsu's real street points (4.5 km, ``data/README.md``)."""

STREET_FALLBACK_SIGMA: float = 0.6
"""Log-sd of that fallback lognormal distance."""

NEAR_SEAT_TRIES: int = 200
"""Draws of (distance, bearing) before a generated street falls back to a uniform point."""


def seat_distance_km(lon: float, lat: float, seat: tuple[float, float]) -> float:
    """Local equirectangular distance in km from ``seat`` to (lon, lat)."""
    dx = (lon - seat[0]) * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(seat[1]))
    dy = (lat - seat[1]) * KM_PER_DEG_LAT
    return math.hypot(dx, dy)


def real_street_distances(
    townships: pd.DataFrame, real: dict[str, tuple[float, float, str]], seats: dict[str, str]
) -> np.ndarray:
    """Sorted distances (km) of real street points to their county's real seat point.

    Only streets other than the seat itself, in counties whose seat point is real, count.
    """
    out = []
    for tid, kind, county in townships[["township_id", "kind", "county_code"]].itertuples(
        index=False
    ):
        seat = seats.get(county, "")
        if kind != "street" or tid == seat or tid not in real or seat not in real:
            continue
        out.append(seat_distance_km(real[tid][0], real[tid][1], real[seat][:2]))
    return np.sort(np.asarray(out, dtype=float))


def point_near_seat(
    geom: BaseGeometry,
    seat: tuple[float, float],
    distances_km: np.ndarray,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """A point at a seat distance drawn from ``distances_km``, inside ``geom``.

    The distance is the empirical quantile of a uniform draw (linear interpolation between
    the sorted real distances; a lognormal draw with median :data:`STREET_FALLBACK_MEDIAN_KM`
    when there are none), the bearing uniform; draws outside the polygon are repeated (up to
    :data:`NEAR_SEAT_TRIES`), then the point falls back to uniform inside the polygon.
    """
    for _ in range(NEAR_SEAT_TRIES):
        u, bearing = rng.random(), rng.random() * 2.0 * math.pi
        if distances_km.size:
            d = float(np.quantile(distances_km, u))
        else:
            z = float(rng.standard_normal())
            d = STREET_FALLBACK_MEDIAN_KM * math.exp(STREET_FALLBACK_SIGMA * z)
        lon = seat[0] + d * math.sin(bearing) / (
            KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(seat[1]))
        )
        lat = seat[1] + d * math.cos(bearing) / KM_PER_DEG_LAT
        if shapely.contains_xy(geom, lon, lat):
            return lon, lat
    return _random_point_in(geom, rng)


def generated_seat(
    geom: BaseGeometry,
    street_points: list[tuple[float, float]],
    other_points: list[tuple[float, float]],
    rng: np.random.Generator,
) -> tuple[float, float]:
    """A county seat without a trustworthy point: the mean of the county's real street points
    (the urban core the seat belongs to), else of its other real points; if the mean falls
    outside the county polygon, the real point nearest it; with no real point at all, uniform
    inside the polygon."""
    candidates = street_points or other_points
    if not candidates:
        return _random_point_in(geom, rng)
    xy = np.asarray(candidates, dtype=float)
    x, y = float(xy[:, 0].mean()), float(xy[:, 1].mean())
    if shapely.contains_xy(geom, x, y):
        return x, y
    k = int(np.argmin((xy[:, 0] - x) ** 2 + (xy[:, 1] - y) ** 2))
    return float(xy[k, 0]), float(xy[k, 1])
