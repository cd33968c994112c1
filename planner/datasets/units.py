"""Constants, the build report, small I/O helpers and the county/census folding rules of
the dataset builder (:mod:`planner.datasets.build`)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from planner.errors import InputError
from planner.inputs.dataset_csv import CRS_MEMBER, INPUT_CRS
from planner.inputs.gcj02 import wgs84_to_gcj02

DEFAULT_ITEMS: Path = Path("data/items.csv")

#: Default seed of every generated field (the 7th census reference day, 2020-11-01).
DEFAULT_SEED: int = 20201101

#: Real 2016 points further than this outside their 2025 county polygon are not trusted.
MATCH_TOLERANCE_M: float = 2000.0

#: Extra key of the floor-area noise stream (see the module docstring).
AREA_STREAM_TAG: int = 2

#: Sigma of the lognormal township weights used to split county population.
WEIGHT_SIGMA: float = 0.35

#: Sigma of the multiplicative lognormal noise on today's floor areas.
AREA_NOISE_SIGMA: float = 0.2

#: Explicit hosts for census rows without a county polygon: code -> (host code, reason).
#: Only rows of the province being built are looked up; other provinces use the fallback rule
#: (see :func:`_find_host`).
FOLD_HOSTS: dict[str, tuple[str, str]] = {
    "320371": ("320302", "徐州经开区: its urban core 金山桥街道 is listed under 鼓楼区"),
    "320571": ("320506", "苏州工业园区: lies inside the 吴中区 polygon (金鸡湖/唯亭/胜浦 街道)"),
    "320611": ("320613", "港闸区 was merged into 崇川区 in 2020"),
    "320671": ("320613", "南通经开区: its 街道 (竹行, 小海, 中兴) are listed under 崇川区"),
    "320871": ("320812", "淮安经开区: its 街道 (徐杨, 枚乘) are listed under 清江浦区"),
    "320971": ("320902", "盐城经开区: 步凤镇 and 新河街道 are listed under 亭湖区"),
    "321071": ("321003", "扬州经开区: 文汇街道 and 施桥镇 are listed under 邗江区"),
    "321271": (
        "321203",
        "泰州医药高新区: run jointly with 高港区 (区政合一), centre in its polygon",
    ),
    "321371": ("321302", "宿迁经开区: 古楚街道 and 黄河街道 are listed under 宿城区"),
}

LEVELS: tuple[str, ...] = ("province", "city", "county", "township")
LEVEL_PREFIX: dict[str, str] = {
    "province": "prov",
    "city": "city",
    "county": "cnty",
    "township": "town",
}


RAW_FILES: dict[str, str] = {
    "provinces": "provinces.geojson",
    "cities": "cities.geojson",
    "counties": "counties.geojson",
    "census": "census_county_2020.csv",
    "townships": "townships_2025.csv",
    "points": "township_points_2016_gcj02.csv",
}

CENSUS_COUNTS: tuple[str, ...] = (
    "pop_total",
    "pop_urban",
    "pop_rural",
    "households",
    "households_longform",
    "households_with_car_longform",
)
CENSUS_SHARES: tuple[str, ...] = (
    "share_0_14_pct",
    "share_65plus_pct",
    "edu_years_mean",
    "illiterate_15plus_pct",
)

POINT_REAL = "real_2016_gcj02"
POINT_GENERATED = "generated_in_county"
POPULATION_GENERATED = "generated_census_split"
INVENTORY_GENERATED = "generated"

_COUNTY_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|县|市|区|旗)$")
_TOWNSHIP_SUFFIX = re.compile(r"(街道办事处|办事处|街道|镇|乡)$")

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoldRecord:
    """One census row folded into a host county.

    Attributes
    ----------
    code : str
        Census code of the folded row (``<city code>-residual`` for a city residual).
    name : str
        Census name of the folded row.
    host_code, host_name : str
        County that received it.
    population : int
        Residents moved.
    rule : str
        ``explicit``, ``renamed``, ``lowest_district``, ``lowest_county`` or ``residual`` plus
        the rule used to find the host.
    """

    code: str
    name: str
    host_code: str
    host_name: str
    population: int
    rule: str


@dataclass
class BuildReport:
    """What :func:`build_dataset` did, for logs, tests and ``data/README.md``."""

    province_code: str
    province_name: str = ""
    seed: int = DEFAULT_SEED
    n_cities: int = 0
    n_counties: int = 0
    n_townships: int = 0
    n_centres: int = 0
    township_kinds: dict[str, int] = field(default_factory=dict)
    points_file: bool = False
    points_real: int = 0
    points_real_by_code: int = 0
    points_real_by_name: int = 0
    points_generated: int = 0
    points_code_reused: int = 0
    points_rejected_far: int = 0
    points_real_outside_within_tolerance: int = 0
    street_seat_km_real: float = float("nan")
    street_seat_km_generated: float = float("nan")
    census_rows: int = 0
    census_total_rows: int = 0
    folded: list[FoldRecord] = field(default_factory=list)
    unplaced_census: list[str] = field(default_factory=list)
    population_total: int = 0
    census_province_total: int | None = None
    population_difference: int | None = None
    counties_without_census: list[str] = field(default_factory=list)
    counties_without_townships: list[str] = field(default_factory=list)
    townships_rehomed: list[str] = field(default_factory=list)
    townships_dropped: list[str] = field(default_factory=list)
    level_area_m2: dict[str, int] = field(default_factory=dict)
    level_windows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    @property
    def level_area_share(self) -> dict[str, float]:
        """Share of total floor area per level (0..1)."""
        total = sum(self.level_area_m2.values())
        if total <= 0:
            return {level: 0.0 for level in self.level_area_m2}
        return {level: area / total for level, area in self.level_area_m2.items()}

    @property
    def folded_population(self) -> int:
        """Residents of folded census rows (development zones, merged districts, residuals)."""
        return sum(record.population for record in self.folded)

    def as_dict(self) -> dict[str, Any]:
        """Plain-data view (JSON-serialisable)."""
        out = asdict(self)
        out["level_area_share"] = self.level_area_share
        return out

    def summary(self) -> str:
        """Human-readable multi-line summary."""
        lines = [
            f"province {self.province_code} {self.province_name} (seed {self.seed})",
            f"  cities {self.n_cities}, counties {self.n_counties}, "
            f"townships {self.n_townships} {self.township_kinds}, centres {self.n_centres}",
            f"  points: real {self.points_real} (by code {self.points_real_by_code}, "
            f"by name {self.points_real_by_name}), generated {self.points_generated}; "
            f"code reused with another name {self.points_code_reused}, "
            f"rejected > {MATCH_TOLERANCE_M / 1000:.0f} km outside county "
            f"{self.points_rejected_far}, real but just outside county "
            f"{self.points_real_outside_within_tolerance}"
            + ("" if self.points_file else " (no points file: all generated)"),
            f"  street points: median distance to the county seat {self.street_seat_km_real} km "
            f"(real), {self.street_seat_km_generated} km (generated)",
            f"  population {self.population_total:,} (census province row "
            + (
                f"{self.census_province_total:,}, difference {self.population_difference:+,})"
                if self.census_province_total is not None
                else "missing)"
            ),
            f"  census rows {self.census_rows} ({self.census_total_rows} total rows skipped), "
            f"folded {len(self.folded)} rows / {self.folded_population:,} residents:",
        ]
        for rec in self.folded:
            lines.append(
                f"    {rec.code} {rec.name} ({rec.population:,}) -> "
                f"{rec.host_code} {rec.host_name} [{rec.rule}]"
            )
        shares = self.level_area_share
        lines.append(
            "  floor area: "
            + ", ".join(
                f"{level} {self.level_area_m2[level]:,} m2 ({shares[level]:.1%})"
                for level in self.level_area_m2
            )
        )
        top = shares.get("province", 0.0) + shares.get("city", 0.0)
        lines.append(f"  province+city share of floor area {top:.1%}")
        lines.append("  windows: " + ", ".join(f"{k} {v:,}" for k, v in self.level_windows.items()))
        problems = {
            "unplaced census rows": self.unplaced_census,
            "counties without census": self.counties_without_census,
            "counties without townships": self.counties_without_townships,
            "townships re-homed": self.townships_rehomed,
            "townships dropped": self.townships_dropped,
            "warnings": self.warnings,
        }
        for label, entries in problems.items():
            if entries:
                lines.append(f"  {label} ({len(entries)}): " + "; ".join(entries[:20]))
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _write_geojson(path: Path, name: str, features: Sequence[dict[str, Any]]) -> None:
    """Write a FeatureCollection with the EPSG:4490 CRS member, compact and deterministic."""
    collection = {
        "type": "FeatureCollection",
        "name": name,
        "crs": CRS_MEMBER,
        "features": list(features),
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8", newline="\n")


def _feature(properties: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature with the given properties and raw geometry."""
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _read_features(path: Path, province_code: str, what: str) -> list[dict[str, Any]]:
    """Polygon features of the province (6-digit code with the province prefix), by code."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: {what} file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: {what} file is not UTF-8 GeoJSON ({err})") from None
    out: dict[str, dict[str, Any]] = {}
    for feat in raw.get("features", []):
        props = feat.get("properties") or {}
        code = str(props.get("code") or "")
        geom = feat.get("geometry") or {}
        if not (len(code) == 6 and code.isdigit() and code.startswith(province_code)):
            continue
        if geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        if code in out:
            raise InputError(f"{path}: {what} code {code} appears twice")
        out[code] = {"code": code, "name": str(props.get("name") or ""), "geometry": geom}
    return [out[c] for c in sorted(out)]


def _read_csv(path: Path, what: str, required: Iterable[str]) -> pd.DataFrame:
    """Read a UTF-8 CSV as strings and check it has the required columns."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} file not found") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: {what} file lacks column(s) {missing}")
    return frame


def _local_crs(bounds: tuple[float, float, float, float]) -> pyproj.CRS:
    """Albers equal-area CRS centred on a lon/lat bounding box (parameters rounded)."""
    minx, miny, maxx, maxy = bounds
    height = maxy - miny
    lon0 = round((minx + maxx) / 2.0, 1)
    lat0 = round((miny + maxy) / 2.0, 1)
    lat1 = round(miny + height / 6.0, 1)
    lat2 = round(maxy - height / 6.0, 1)
    return pyproj.CRS.from_proj4(
        f"+proj=aea +lat_0={lat0} +lon_0={lon0} +lat_1={lat1} +lat_2={lat2} "
        "+x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    )


def _projector(crs: pyproj.CRS) -> Callable[[BaseGeometry], BaseGeometry]:
    """Function projecting EPSG:4490 geometries to ``crs`` (metres)."""
    transformer = pyproj.Transformer.from_crs(INPUT_CRS, crs, always_xy=True)

    def project(geom: BaseGeometry) -> BaseGeometry:
        def fn(coords: FloatArray) -> FloatArray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, fn)

    return project


def gcj02_offset_m(lon: float, lat: float) -> float:
    """Distance in metres between a WGS84 point and its GCJ-02 image (for diagnostics).

    Parameters
    ----------
    lon, lat : float
        WGS84 position in degrees.

    Returns
    -------
    float
        Geodesic distance on the WGS84 ellipsoid.
    """
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    _, _, dist = pyproj.Geod(ellps="WGS84").inv(lon, lat, float(g_lon), float(g_lat))
    return float(dist)


# --------------------------------------------------------------------------------------------
# Units: counties and cities
# --------------------------------------------------------------------------------------------


@dataclass
class _County:
    """A county-level unit being built: boundary, (folded) census record and seat."""

    code: str
    name: str
    city_code: str
    geometry: dict[str, Any]
    shape: BaseGeometry
    census: dict[str, float] = field(default_factory=dict)
    folded: list[str] = field(default_factory=list)
    has_own_census: bool = False
    seat: str = ""


def _city_of(code: str, city_codes: set[str], province_code: str) -> str:
    """Prefecture-level unit of a county: itself, ``code[:4]+'00'``, the municipality, or ''."""
    for candidate in (code, code[:4] + "00", province_code + "0000"):
        if candidate in city_codes:
            return candidate
    return ""


def _base_name(name: str) -> str:
    """County name without its 县/市/区/... suffix."""
    return _COUNTY_SUFFIX.sub("", name)


def _find_host(
    code: str,
    name: str,
    counties: dict[str, _County],
    explicit: bool = True,
) -> tuple[str | None, str]:
    """Pick the county that absorbs a census row (or townships) without its own polygon.

    Rules, in order: (1) the explicit :data:`FOLD_HOSTS` table; (2) *renamed*: a county of
    the same city (same first 4 digits) with the same name stem that has no census row of its
    own (a county re-coded after 2020); (3) the district (name ending in 区) of the same city
    with the lowest code; (4) the lowest-coded county of the same city.

    Returns
    -------
    tuple
        ``(host code or None, rule name)``.
    """
    if explicit and code in FOLD_HOSTS and FOLD_HOSTS[code][0] in counties:
        return FOLD_HOSTS[code][0], "explicit"
    same_city = [c for c in sorted(counties) if c[:4] == code[:4]]
    stem = _base_name(name)
    if stem:
        renamed = [
            c
            for c in same_city
            if not counties[c].has_own_census and _base_name(counties[c].name) == stem
        ]
        if len(renamed) == 1:
            return renamed[0], "renamed"
    districts = [c for c in same_city if counties[c].name.endswith("区")]
    if districts:
        return districts[0], "lowest_district"
    if same_city:
        return same_city[0], "lowest_county"
    return None, "unplaced"


def _census_numbers(row: pd.Series) -> dict[str, float]:
    """Numeric census fields of one row (NaN where empty)."""
    out: dict[str, float] = {}
    for col in (*CENSUS_COUNTS, *CENSUS_SHARES):
        text = str(row.get(col, "")).strip()
        out[col] = float(text) if text else float("nan")
    return out


def _add_census(target: dict[str, float], extra: dict[str, float]) -> dict[str, float]:
    """Combine two census records: counts add, shares are population-weighted."""
    if not target:
        return dict(extra)
    p1, p2 = target["pop_total"], extra["pop_total"]
    out: dict[str, float] = {}
    for col in CENSUS_COUNTS:
        out[col] = np.nansum([target[col], extra[col]]).item()
    for col in CENSUS_SHARES:
        v1, v2 = target[col], extra[col]
        if math.isnan(v1):
            out[col] = v2
        elif math.isnan(v2):
            out[col] = v1
        else:
            out[col] = (v1 * p1 + v2 * p2) / (p1 + p2) if p1 + p2 > 0 else v1
    return out


def _city_residual(
    total: dict[str, float], parts: list[dict[str, float]]
) -> tuple[dict[str, float], list[str]]:
    """City total minus its county rows; shares solved from the population-weighted mean."""
    out: dict[str, float] = {}
    notes: list[str] = []
    for col in CENSUS_COUNTS:
        value = total[col] - sum(p[col] for p in parts if not math.isnan(p[col]))
        if value < 0:
            notes.append(f"{col} {value:+.0f} clipped to 0")
            value = 0.0
        out[col] = value
    rest = out["pop_total"]
    for col in CENSUS_SHARES:
        if rest <= 0 or math.isnan(total[col]):
            out[col] = float("nan")
            continue
        weighted = total[col] * total["pop_total"]
        weighted -= sum(p[col] * p["pop_total"] for p in parts if not math.isnan(p[col]))
        out[col] = min(max(weighted / rest, 0.0), 100.0)
    return out, notes


@dataclass
class _Units:
    """The boundary units of one province, as read from the raw files."""

    province: dict[str, Any]
    cities: list[dict[str, Any]]
    city_by_code: dict[str, dict[str, Any]]
    counties: dict[str, _County]
