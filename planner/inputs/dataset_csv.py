"""The dataset's files as the planner reads them: the CRS member of its GeoJSON, the columns
of ``counties.csv``, ``townships.csv`` and ``centres.csv`` in file order, and the CSV writer
the dataset builder and the workbook importer share."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

INPUT_CRS = "EPSG:4490"
"""The CRS of every coordinate the planner reads: CGCS2000 longitude and latitude in degrees
(points in EPSG:4326, WGS84, are read as the same to within a metre)."""
CRS_MEMBER: dict[str, Any] = {
    "type": "name",
    "properties": {"name": "urn:ogc:def:crs:EPSG::" + INPUT_CRS.removeprefix("EPSG:")},
}

COUNTY_FIELDS: dict[str, str | None] = {
    "county_code": "str",
    "name": "str",
    "city_code": "str",
    "city_name": None,
    "pop_total": "float",
    "pop_urban": "float",
    "pop_rural": None,
    "households": None,
    "share_0_14_pct": "float",
    "share_65plus_pct": "float",
    "edu_years_mean": "float",
    "illiterate_15plus_pct": "float",
    "car_share": "float",
    "folded_codes": None,
    "census_source": None,
}
"""The columns of ``counties.csv`` in file order, each with the type the planner reads it
as (None: written for provenance, not read)."""
TOWNSHIP_FIELDS: dict[str, str | None] = {
    "township_id": "str",
    "name": "str",
    "kind": "str",
    "county_code": "str",
    "lon": "float",
    "lat": "float",
    "point_source": None,
    "population": "float",
    "population_source": None,
}
"""The columns of ``townships.csv``, as :data:`COUNTY_FIELDS`."""
CENTRE_FIELDS: dict[str, str | None] = {
    "centre_id": "str",
    "level": "str",
    "name": "str",
    "admin_code": "str",
    "parent_id": "str",
    "township_id": "str",
    "lon": "float",
    "lat": "float",
    "floor_area_m2": "float",
    "windows": "float",
    "inventory_source": None,
}
"""The columns of ``centres.csv``, as :data:`COUNTY_FIELDS`."""

CENTRE_OPTIONAL: tuple[str, ...] = ("desks", "mode")
"""Optional columns of ``centres.csv`` a planner may fill (absent: the planner's own
estimate): today's back-office desks (a blank is 0) and today's window mode (``traditional``,
``small_general`` or ``big_general``; a blank is inferred from today's windows and demand)."""

COUNTY_CSV_COLUMNS: tuple[str, ...] = tuple(COUNTY_FIELDS)
TOWNSHIP_CSV_COLUMNS: tuple[str, ...] = tuple(TOWNSHIP_FIELDS)
CENTRE_CSV_COLUMNS: tuple[str, ...] = tuple(CENTRE_FIELDS)
GENERATED_CENTRE_COLUMNS: tuple[str, ...] = (
    *CENTRE_CSV_COLUMNS[:-1],
    *CENTRE_OPTIONAL,
    CENTRE_CSV_COLUMNS[-1],
)
"""The columns of a generated ``centres.csv``: the required ones with today's desks and
mode before the ``inventory_source`` flag."""


def read_columns(fields: dict[str, str | None]) -> dict[str, str]:
    """The columns the planner reads, with their types (file order)."""
    return {name: kind for name, kind in fields.items() if kind is not None}


def round_half_up(value: float) -> int:
    """Round half away from zero for non-negative values (platform independent)."""
    return math.floor(value + 0.5)


def fmt_number(value: float, decimals: int) -> str:
    """Fixed-decimal text, empty for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{decimals}f}"


def write_csv(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Write rows as UTF-8 CSV with LF endings; values must already be final (str/int)."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
