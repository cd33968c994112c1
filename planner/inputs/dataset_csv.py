"""The dataset's files as the planner reads them: the CRS member of its GeoJSON, the columns
of ``counties.csv``, ``townships.csv`` and ``centres.csv`` in file order, and the CSV writer
the dataset builder and the workbook importer share."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

CRS_MEMBER: dict[str, Any] = {
    "type": "name",
    "properties": {"name": "urn:ogc:def:crs:EPSG::4490"},
}

COUNTY_CSV_COLUMNS: tuple[str, ...] = (
    "county_code",
    "name",
    "city_code",
    "city_name",
    "pop_total",
    "pop_urban",
    "pop_rural",
    "households",
    "share_0_14_pct",
    "share_65plus_pct",
    "edu_years_mean",
    "illiterate_15plus_pct",
    "car_share",
    "folded_codes",
    "census_source",
)
TOWNSHIP_CSV_COLUMNS: tuple[str, ...] = (
    "township_id",
    "name",
    "kind",
    "county_code",
    "lon",
    "lat",
    "point_source",
    "population",
    "population_source",
)
CENTRE_CSV_COLUMNS: tuple[str, ...] = (
    "centre_id",
    "level",
    "name",
    "admin_code",
    "parent_id",
    "township_id",
    "lon",
    "lat",
    "floor_area_m2",
    "windows",
    "inventory_source",
)


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
