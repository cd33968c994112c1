"""Write an imported workbook as the planner's dataset files plus a ``config.toml``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.inputs.dataset_csv import (
    CENTRE_CSV_COLUMNS,
    CENTRE_OPTIONAL,
    CRS_MEMBER,
    TOWNSHIP_CSV_COLUMNS,
    fmt_number,
    write_csv,
)
from planner.inputs.workbook.cells import Where, WorkbookError
from planner.inputs.workbook.schema import COUNTIES

Record = dict[str, Any]


@dataclass(frozen=True)
class Imported:
    """A validated workbook in the planner's schema."""

    townships: list[Record]
    counties: list[Record]
    centres: list[Record]
    items: list[Record]
    online_shares: list[Record]
    travel_matrix: list[Record]
    sha256: str


TOWNSHIP_COLUMNS = TOWNSHIP_CSV_COLUMNS
COUNTY_COLUMNS = (
    "county_code",
    "name",
    "city_code",
    "city_name",
    "pop_total",
    "pop_urban",
    "pop_rural",
    "share_0_14_pct",
    "share_65plus_pct",
    "edu_years_mean",
    "illiterate_15plus_pct",
    "car_share",
    "census_source",
)
CENTRE_COLUMNS = CENTRE_CSV_COLUMNS
CENTRE_EXTRA = ("desks", "mode", "items_offered")
"""Carried in ``centres.csv`` when any is filled: today's desks and window mode (read by the
planner, before the ``inventory_source`` flag, as the dataset builder writes them) and the
items offered (validated; the model does not use them yet)."""
ITEM_COLUMNS = (
    "item_id",
    "name_zh",
    "name_en",
    "annual_per_1000",
    "counter_minutes",
    "pending_share",
    "backoffice_minutes",
    "levels_s1",
    "levels_s2",
    "levels_s3",
    "decide_s1",
    "decide_s2",
    "decide_s3",
    "online_potential",
    "max_travel_min",
    "item_class",
    "source",
)


def _num(value: Any) -> Any:
    """Whole floats as integers (``4800.0`` -> ``4800``); other values unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


SOURCE_COLUMNS = ("point_source", "population_source", "census_source", "inventory_source")


def _columns(rows: list[Record], columns: tuple[str, ...]) -> tuple[str, ...]:
    """``columns`` without the ``*_source`` flags left blank in every row of the sheet (a
    flag filled in some rows is ``user`` where blank)."""
    keep = []
    for col in columns:
        if col in SOURCE_COLUMNS and not any(r[col] for r in rows):
            continue
        keep.append(col)
        if col in SOURCE_COLUMNS:
            for r in rows:
                r[col] = r[col] or "user"
    return tuple(keep)


def write_dataset(
    imported: Imported, folder: Path, boundaries: Path, where: Where, name: str
) -> None:
    """Write every dataset file of ``imported`` into ``folder`` (which exists)."""
    townships = [
        {**t, "lon": fmt_number(t["lon"], 6), "lat": fmt_number(t["lat"], 6)}
        for t in imported.townships
    ]
    write_csv(folder / "townships.csv", townships, _columns(townships, TOWNSHIP_COLUMNS))
    counties = [{k: _num(v) for k, v in c.items()} for c in imported.counties]
    write_csv(folder / "counties.csv", counties, _columns(counties, COUNTY_COLUMNS))
    point = {t["township_id"]: (t["lon"], t["lat"]) for t in townships}
    centres = [
        {
            **{k: _num(v) for k, v in c.items()},
            "lon": point[c["township_id"]][0],
            "lat": point[c["township_id"]][1],
        }
        for c in imported.centres
    ]
    extra = [k for k in CENTRE_EXTRA if any(c[k] not in (None, "") for c in imported.centres)]
    columns = list(_columns(centres, CENTRE_COLUMNS))
    at = columns.index("windows") + 1
    optional = [k for k in extra if k in CENTRE_OPTIONAL]
    columns[at:at] = optional
    write_csv(folder / "centres.csv", centres, (*columns, *(k for k in extra if k not in optional)))
    items = [{k: _num(v) for k, v in i.items()} for i in imported.items]
    write_csv(folder / "items.csv", items, ITEM_COLUMNS)
    if imported.online_shares:
        write_csv(
            folder / "online_shares.csv",
            imported.online_shares,
            ("county_code", "year", "online_share"),
        )
    if imported.travel_matrix:
        write_csv(
            folder / "travel_matrix.csv",
            imported.travel_matrix,
            ("township_id", "centre_id", "minutes"),
        )
    _write_boundaries(imported, folder, boundaries, where)
    (folder / "config.toml").write_text(
        config_text(name, bool(imported.travel_matrix)), encoding="utf-8"
    )


def config_text(name: str, matrix: bool) -> str:
    """The config of an imported dataset (everything else takes its default)."""
    lines = [
        "# Written by `planner import`; every key not set here takes its documented default.",
        f'name = "{name}"',
        "",
        "[data]",
        'townships = "townships.csv"',
        'counties = "counties.csv"',
        'centres = "centres.csv"',
        'items = "items.csv"',
        'province_boundary = "province.geojson"',
        'city_boundaries = "cities.geojson"',
        'county_boundaries = "counties.geojson"',
    ]
    if matrix:
        lines += ["", "[travel]", 'matrix = "travel_matrix.csv"']
    return "\n".join(lines) + "\n"


def _features(path: Path, where: Where) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise WorkbookError(f"{path}: cannot read boundary polygons ({err})") from None
    return {str((f.get("properties") or {}).get("code")): f for f in raw.get("features", [])}


def _write_boundaries(imported: Imported, folder: Path, boundaries: Path, where: Where) -> None:
    """The province, city and county polygons of the units the workbook names, copied
    unchanged from the boundary folder (default: the national dataset)."""
    counties = _features(boundaries / "counties.geojson", where)
    cities = _features(boundaries / "cities.geojson", where)
    provinces = _features(boundaries / "province.geojson", where)
    county_codes = [str(c["county_code"]) for c in imported.counties]
    city_codes = sorted({str(c["city_code"]) for c in imported.counties})
    province_codes = sorted({c[:2] + "0000" for c in county_codes})
    for row, (code, city) in enumerate(
        zip(county_codes, [str(c["city_code"]) for c in imported.counties], strict=True), start=3
    ):
        if code not in counties and code not in cities:
            raise where.error(
                COUNTIES.name,
                f"county '{code}' has no polygon in {boundaries / 'counties.geojson'}",
                row,
                1,
                "county_code",
            )
        if city not in cities:
            raise where.error(
                COUNTIES.name,
                f"city '{city}' has no polygon in {boundaries / 'cities.geojson'}",
                row,
                3,
                "city_code",
            )
    missing = [p for p in province_codes if p not in provinces]
    if missing:
        raise WorkbookError(f"{boundaries / 'province.geojson'}: no polygon for {missing[0]}")
    county_feats = [counties.get(c) or _as_county(cities[c]) for c in sorted(county_codes)]
    _dump(folder / "counties.geojson", "counties", county_feats)
    _dump(folder / "cities.geojson", "cities", [cities[c] for c in city_codes])
    _dump(folder / "province.geojson", "province", [provinces[p] for p in province_codes])


def _as_county(city: dict[str, Any]) -> dict[str, Any]:
    """A city without counties (e.g. 东莞市) acting as its own county."""
    props = dict(city.get("properties") or {})
    props = {"code": props.get("code"), "name": props.get("name"), "city_code": props.get("code")}
    return {"type": "Feature", "properties": props, "geometry": city["geometry"]}


def _dump(path: Path, name: str, features: list[dict[str, Any]]) -> None:
    collection = {
        "type": "FeatureCollection",
        "name": name,
        "crs": CRS_MEMBER,
        "features": features,
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8", newline="\n")
