"""Names a person reads, joined onto any plan table by its id columns, in one place.

The plan tables (:mod:`planner.plan.extract`) carry ids; before a table is written (and wherever a
person reads ids: the diff, the reasons, the unserved list) :func:`with_names` adds the
Chinese names of the townships, counties, cities, centres and items beside their ids, and
spells the county key ``county`` (as the GeoPackage layers do, within their 10-character
field names) and the city key ``city``.

Columns added, right after the id they name:

========================  ==============================================================
id column                 added
========================  ==============================================================
``township_id``           ``township_name``
``county_code``           renamed ``county``; then ``county_name``, ``city``, ``city_name``
``centre_id``             ``centre_name`` (unless the table has the centre's ``name``)
``item_id``               ``item_name`` (``name_zh`` of the catalogue)
========================  ==============================================================

A centre's city is its own code for a city centre and its county's city for a county or
township centre (as in the ``centres`` layer); province centres have none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from planner.inputs.load import Inputs

COUNTY_KEY = "county"
"""The county key in plan CSVs and GeoPackage layers (``county_code`` inside the planner)."""
CITY_KEY = "city"
"""The city (prefecture) key in plan CSVs and GeoPackage layers."""
NAME_COLUMNS = frozenset(
    {"township_name", "county_name", "city_name", "centre_name", "item_name", CITY_KEY}
)
"""Columns :func:`with_names` adds (the county key aside)."""


@dataclass(frozen=True)
class Names:
    """Names by id, from a run's inputs (empty mappings: no names known).

    Attributes
    ----------
    townships, counties, cities, centres, items
        Township id, county code, city code, centre id, item id -> name (Chinese).
    county_city
        County code -> the code of its city (prefecture).
    centre_city
        Centre id -> the code of the city it belongs to ("" for province centres).
    """

    townships: Mapping[str, str] = field(default_factory=dict)
    counties: Mapping[str, str] = field(default_factory=dict)
    cities: Mapping[str, str] = field(default_factory=dict)
    centres: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)
    county_city: Mapping[str, str] = field(default_factory=dict)
    centre_city: Mapping[str, str] = field(default_factory=dict)

    def item(self, item_id: str) -> str:
        """The item's catalogue name (``name_zh``), or its id when it has none."""
        return self.items.get(item_id) or item_id

    def township(self, township_id: str) -> str:
        """``"<name> (<id>)"``, or the id alone when the name is unknown."""
        name = self.townships.get(township_id)
        return f"{name} ({township_id})" if name else township_id


def _text(series: pd.Series | None) -> dict[str, str]:
    if series is None:
        return {}
    return {str(k): str(v) for k, v in series.items() if isinstance(v, str) and v}


def names_from_inputs(inputs: Inputs) -> Names:
    """The names of a run's townships, counties, cities, centres and items."""
    counties = inputs.counties
    county_city = _text(counties.get("city_code"))
    cities = _text(counties.get("city_name"))
    if "code" in inputs.cities.columns and "name" in inputs.cities.columns:
        cities.update(
            {
                str(c): str(n)
                for c, n in zip(inputs.cities["code"], inputs.cities["name"], strict=True)
                if isinstance(n, str) and n
            }
        )
    centres = inputs.centres
    centre_city: dict[str, str] = {}
    for cid, level, admin in zip(
        centres.index, centres["level"], centres.get("admin_code", centres["level"]), strict=True
    ):
        code = str(admin)[:6]
        if level == "city":
            centre_city[str(cid)] = code
        elif level in ("county", "township"):
            centre_city[str(cid)] = county_city.get(code, "")
        else:
            centre_city[str(cid)] = ""
    items = inputs.items
    return Names(
        townships=_text(inputs.townships.get("name")),
        counties=_text(counties.get("name")),
        cities=cities,
        centres=_text(centres.get("name")),
        items=_text(items.get("name_zh", items.get("name_en"))),
        county_city=county_city,
        centre_city=centre_city,
    )


def _mapped(ids: pd.Series, names: Mapping[str, str]) -> pd.Series:
    return ids.astype(str).map(lambda i: names.get(i, ""))


def with_names(
    frame: pd.DataFrame, columns: Mapping[str, int | None], names: Names
) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """The table with names beside its ids, and its written columns in order.

    Parameters
    ----------
    frame
        A plan table (``county_code`` as inside the planner).
    columns
        The columns to write and their decimals (``None``: text), as
        :func:`planner.io.plan_files.format_table` takes them.
    names
        From :func:`names_from_inputs`.

    Returns
    -------
    frame, columns
        A copy with the added name columns (text) and the columns to write, each name
        right after its id; ``county_code`` becomes ``county``.
    """
    out = frame.copy()
    cols: dict[str, int | None] = {}
    for col, decimals in columns.items():
        if col == "county_code":
            county = out["county_code"].fillna("").astype(str)
            out[COUNTY_KEY] = county
            cols[COUNTY_KEY] = decimals
            out["county_name"] = _mapped(county, names.counties)
            if "centre_id" in out.columns:
                city = _mapped(out["centre_id"], names.centre_city)
            else:
                city = _mapped(county, names.county_city)
            out[CITY_KEY] = city
            out["city_name"] = _mapped(city, names.cities)
            cols.update(dict.fromkeys(("county_name", CITY_KEY, "city_name")))
            continue
        cols[col] = decimals
        if col == "township_id":
            out["township_name"] = _mapped(out[col], names.townships)
            cols["township_name"] = None
        elif col == "centre_id" and "name" not in columns:
            out["centre_name"] = _mapped(out[col], names.centres)
            cols["centre_name"] = None
        elif col == "item_id":
            out["item_name"] = _mapped(out[col], names.items)
            cols["item_name"] = None
    return out, cols


def sort_keys(sort: list[str]) -> list[str]:
    """Sort columns of a table as written (``county_code`` is written ``county``)."""
    return [COUNTY_KEY if c == "county_code" else c for c in sort]
