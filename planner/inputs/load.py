"""Read the input files named by a config into typed frames.

Only this module (and the writers) touch input files. Reading checks the *form* of each
file (it exists, is UTF-8 CSV/GeoJSON, has the required columns and parseable values);
:mod:`planner.inputs.validate` then checks the *content* across tables.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from planner.config.items import DEFAULT_ITEM_CLASS, ITEM_CLASSES, ItemClassesConfig, ItemRule
from planner.config.regions import PROVINCES, province_code
from planner.config.schema import LEVELS, LoadedConfig
from planner.errors import InputError
from planner.inputs.dataset_csv import (
    CENTRE_FIELDS,
    COUNTY_FIELDS,
    INPUT_CRS,
    TOWNSHIP_FIELDS,
    read_columns,
)
from planner.inputs.item_rules import accept_levels, check_item_rules, decide_levels
from planner.inputs.sources import input_files
from planner.labels import WINDOW_MODES
from planner.regular_files import (
    MAX_INPUT_BYTES,
    check_regular_file,
    file_errors,
    read_text_file,
)

TOWNSHIP_COLUMNS = read_columns(TOWNSHIP_FIELDS)
COUNTY_COLUMNS = read_columns(COUNTY_FIELDS)
CENTRE_COLUMNS = read_columns(CENTRE_FIELDS)
ITEM_COLUMNS: dict[str, str] = {
    "item_id": "str",
    "name_zh": "str",
    "name_en": "str",
    "annual_per_1000": "float",
    "counter_minutes": "float",
    "pending_share": "float",
    "backoffice_minutes": "float",
    "online_potential": "float",
    "max_travel_min": "float",
}


@dataclass(frozen=True)
class Inputs:
    """Everything a run reads, as typed frames indexed by their ids."""

    townships: pd.DataFrame
    counties: pd.DataFrame
    centres: pd.DataFrame
    items: pd.DataFrame
    item_levels: dict[str, list[frozenset[str]]]
    """Per item and stage, the levels that accept it (``levels_s<k>`` after the item-class
    township rules of ``[policy.item_classes]`` and ``[policy.items]``)."""
    province: gpd.GeoDataFrame
    cities: gpd.GeoDataFrame
    county_polygons: gpd.GeoDataFrame
    files: dict[str, Path] = field(default_factory=dict)
    decide_levels: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    """Per item and stage, whose back office decides it (:mod:`planner.inputs.item_rules`);
    ``item_levels`` are where it is accepted (after the item-class rules)."""

    @property
    def n_stages(self) -> int:
        return len(next(iter(self.item_levels.values()))) if self.item_levels else 0


DATA_PATH_HINT = " (check 'data' paths in the config)"
"""Added to a missing data file's message: the config names the path."""


def _read_text(path: Path, what: str) -> str:
    return read_text_file(path, what, MAX_INPUT_BYTES, DATA_PATH_HINT)


def read_table(path: Path, what: str, columns: dict[str, str], key: str) -> pd.DataFrame:
    """Read a UTF-8 CSV, check required columns and types, index it by ``key``.

    Raises
    ------
    InputError
        Naming the file, the column and the offending ids.
    """
    text = _read_text(path, what)
    if not text.strip():
        msg = f"{path}: {what} file is empty, expected a header row and data"
        raise InputError(msg)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = f"{path}: {what} file is not valid CSV ({str(err).splitlines()[0]})"
        raise InputError(msg) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"{path}: {what} file lacks column(s) {missing}; found {list(frame.columns)}"
        raise InputError(msg)
    if frame.empty:
        msg = f"{path}: {what} file has a header but no rows"
        raise InputError(msg)
    ids = frame[key].str.strip()
    blank = frame.index[ids == ""].tolist()
    if blank:
        msg = f"{path}: '{key}' is empty on data row(s) {[i + 2 for i in blank[:5]]}"
        raise InputError(msg)
    for col, kind in columns.items():
        if kind != "float":
            frame[col] = frame[col].str.strip()
            continue
        values = pd.to_numeric(frame[col].str.strip(), errors="coerce")
        bad = ids[values.isna() | ~np.isfinite(values.fillna(0.0))].tolist()
        if bad:
            msg = f"{path}: '{col}' must be a finite number but is not for {key} {format_ids(bad)}"
            raise InputError(msg)
        frame[col] = values.astype(float)
    dup = sorted(set(ids[ids.duplicated()]))
    if dup:
        msg = f"{path}: duplicated {key} {format_ids(dup)}"
        raise InputError(msg)
    return frame.set_index(key, drop=False).rename_axis(None)


BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Characters Python counts as printable that are drawn blank (Hangul fillers, the braille
blank)."""


def _hidden(ch: str) -> bool:
    """A character that prints as nothing or as a plain space: a format character (U+200B,
    U+FEFF, U+2060, a soft hyphen), a control character, a space other than ' ', a blank
    letter (:data:`BLANK_LETTERS`)."""
    return not ch.isprintable() or ch in BLANK_LETTERS


def visible_id(value: object) -> str:
    """An id without its invisible characters and surrounding spaces (what it prints as)."""
    return "".join(ch for ch in str(value) if not _hidden(ch)).strip()


def show_id(value: object) -> str:
    """An id as text for a message (every message about ids uses this or :func:`format_ids`).

    An id that holds an invisible character (U+200B, a no-break space, a control or format
    character, a blank letter) or surrounding spaces is quoted, those characters escaped
    (``'320102\\u200b'``), so it never prints identical to a valid id.
    """
    text = str(value)
    if text and text.strip() == text and not any(_hidden(ch) for ch in text):
        return text
    return "'" + "".join(f"\\u{ord(ch):04x}" if _hidden(ch) else ch for ch in text) + "'"


def invisible_twins(unknown: Iterable[object], known: Iterable[object], where: str) -> str:
    """For a message naming ``unknown`` ids: the ids of ``where`` that print the same but
    differ by invisible characters (either side), as ``; <where> has '320102\\u200b': the same
    id but for invisible characters`` (empty when there are none)."""
    wanted = {visible_id(u): str(u) for u in unknown}
    twins = sorted(
        str(k) for k in known if visible_id(k) in wanted and wanted[visible_id(k)] != str(k)
    )
    if not twins:
        return ""
    return f"; {where} has {format_ids(twins)}: the same id but for invisible characters"


def format_ids(values: list[str], limit: int = 5) -> str:
    """The first ``limit`` ids, comma-separated, and how many more (for messages)."""
    shown = ", ".join(show_id(v) for v in values[:limit])
    more = f" and {len(values) - limit} more" if len(values) > limit else ""
    return f"{shown}{more}"


def read_polygons(path: Path, what: str, code_field: str = "code") -> gpd.GeoDataFrame:
    """Read a polygon layer; it must carry a CRS and a ``code`` field."""
    with file_errors(path, what, DATA_PATH_HINT):
        check_regular_file(path, what, MAX_INPUT_BYTES)
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as err:  # pyogrio raises several GDAL error types
        msg = f"{path}: cannot read {what} as a vector file ({str(err).splitlines()[0]})"
        raise InputError(msg) from None
    if frame.crs is None:
        msg = f"{path}: {what} has no CRS; expected EPSG:4490 (CGCS2000) or EPSG:4326"
        raise InputError(msg)
    if CRS.from_user_input(frame.crs).to_epsg() not in {4490, 4326}:
        msg = f"{path}: {what} CRS is {frame.crs.to_string()}; expected EPSG:4490 or EPSG:4326"
        raise InputError(msg)
    if frame.empty:
        msg = f"{path}: {what} has no features"
        raise InputError(msg)
    if code_field not in frame.columns:
        msg = f"{path}: {what} lacks field '{code_field}'; found {list(frame.columns)}"
        raise InputError(msg)
    frame[code_field] = frame[code_field].astype(str)
    bad = frame.loc[
        frame.geometry.isna() | frame.geometry.is_empty | ~frame.geometry.is_valid, code_field
    ].tolist()
    if bad:
        msg = f"{path}: {what} has empty or invalid geometry for code {format_ids(bad)}"
        raise InputError(msg)
    frame = frame.set_crs(INPUT_CRS, allow_override=True)
    return frame.set_index(code_field, drop=False).rename_axis(None)


def _stage_columns(items: pd.DataFrame, path: Path, prefix: str) -> dict[int, str]:
    """Stage number -> column, for the columns named ``<prefix><stage>``."""
    out: dict[int, str] = {}
    for col in items.columns:
        if not col.startswith(prefix):
            continue
        tail = col[len(prefix) :]
        if not tail.isdigit() or int(tail) < 1:
            msg = f"{path}: column '{col}' is not '{prefix}<stage>' with a stage number from 1"
            raise InputError(msg)
        out[int(tail)] = col
    return dict(sorted(out.items()))


def _parse_levels(raw: str, path: Path, col: str, item_id: object) -> frozenset[str]:
    names = [p.strip() for p in raw.strip().split("|") if p.strip()]
    unknown = [n for n in names if n not in LEVELS]
    if unknown:
        msg = (
            f"{path}: '{col}' of item {show_id(item_id)} names unknown level(s) {unknown}; "
            f"expected '|'-joined {list(LEVELS)}"
        )
        raise InputError(msg)
    return frozenset(names)


def _parse_item_levels(items: pd.DataFrame, path: Path) -> dict[str, list[frozenset[str]]]:
    """The listed accept levels ``levels_s1..levels_s<n>`` per item."""
    stage_cols = _stage_columns(items, path, "levels_s")
    if not stage_cols:
        msg = f"{path}: item catalogue lacks 'levels_s1', 'levels_s2', ... columns"
        raise InputError(msg)
    gap = [s for s in range(1, max(stage_cols) + 1) if s not in stage_cols]
    if gap:
        msg = f"{path}: item catalogue lacks 'levels_s{gap[0]}' (one column per stage from 1)"
        raise InputError(msg)
    return {
        str(item_id): [_parse_levels(str(row[c]), path, c, item_id) for c in stage_cols.values()]
        for item_id, row in items.iterrows()
    }


def _parse_decide_levels(
    items: pd.DataFrame, path: Path, n_stages: int
) -> dict[str, dict[int, frozenset[str]]]:
    """The optional ``decide_s<k>`` columns: item -> stage -> levels (stages without the
    column are left out and derived, :func:`planner.inputs.item_rules.decide_levels`)."""
    stage_cols = _stage_columns(items, path, "decide_s")
    beyond = [c for s, c in stage_cols.items() if s > n_stages]
    if beyond:
        msg = (
            f"{path}: column '{beyond[0]}' has no accept levels 'levels_s{n_stages + 1}' "
            f"(the catalogue has {n_stages} stage(s))"
        )
        raise InputError(msg)
    return {
        str(item_id): {
            s: _parse_levels(str(row[c]), path, c, item_id) for s, c in stage_cols.items()
        }
        for item_id, row in items.iterrows()
    }


def _item_classes(items: pd.DataFrame, path: Path) -> pd.Series:
    """``item_class`` per item (:data:`DEFAULT_ITEM_CLASS` where blank or absent)."""
    if "item_class" not in items.columns:
        return pd.Series(DEFAULT_ITEM_CLASS, index=items.index, dtype=object)
    given = items["item_class"].astype(str).str.strip()
    classes = given.where(given != "", DEFAULT_ITEM_CLASS)
    bad = classes.index[~classes.isin(ITEM_CLASSES)].tolist()
    if bad:
        msg = (
            f"{path}: 'item_class' of item {show_id(bad[0])} is '{classes[bad[0]]}'; expected "
            f"one of {list(ITEM_CLASSES)} (blank = {DEFAULT_ITEM_CLASS})"
        )
        raise InputError(msg)
    return classes


def _item_tables(
    path: Path, rules: ItemClassesConfig, own: dict[str, ItemRule], config: Path
) -> tuple[pd.DataFrame, dict[str, list[frozenset[str]]], dict[str, list[frozenset[str]]]]:
    """The item catalogue with its class, accept levels (after the class and item rules) and
    decide levels (:mod:`planner.inputs.item_rules`)."""
    items = read_table(path, "item", ITEM_COLUMNS, "item_id")
    check_item_rules(own, items.index, path, config)
    listed = _parse_item_levels(items, path)
    given = _parse_decide_levels(items, path, len(next(iter(listed.values()))))
    items["item_class"] = _item_classes(items, path)
    accept = accept_levels(listed, items["item_class"], rules, path, own)
    return items, accept, decide_levels(listed, given)


def _optional_desks(path: Path, centres: pd.DataFrame) -> pd.DataFrame:
    """Today's back-office desks (optional ``desks`` column; a blank is 0) as numbers."""
    if "desks" not in centres.columns:
        return centres
    text = centres["desks"].astype(str).str.strip().replace("", "0")
    values = pd.to_numeric(text, errors="coerce")
    bad = centres.index[values.isna() | ~np.isfinite(values.fillna(0.0))].tolist()
    if bad:
        msg = f"{path}: 'desks' must be a finite number but is not for centre_id {format_ids(bad)}"
        raise InputError(msg)
    return centres.assign(desks=values.astype(float))


def _optional_mode(path: Path, centres: pd.DataFrame) -> pd.DataFrame:
    """Today's window mode (optional ``mode`` column): one of :data:`WINDOW_MODES` or blank
    (inferred from today's windows and demand, :func:`planner.modes.rules.today_modes`)."""
    if "mode" not in centres.columns:
        return centres
    mode = centres["mode"].astype(str).str.strip()
    bad = mode[(mode != "") & ~mode.isin(WINDOW_MODES)]
    if len(bad):
        cid = show_id(bad.index[0])
        shown = cid if cid.startswith("'") else f"'{cid}'"
        msg = (
            f"{path}: centre {shown} has mode {bad.iloc[0]!r} in column 'mode'; expected one "
            f"of {', '.join(WINDOW_MODES)} or blank (inferred from today's windows and demand)"
        )
        raise InputError(msg)
    return centres.assign(mode=mode)


def read_inputs(loaded: LoadedConfig) -> Inputs:
    """Read every input file named by the config (form checks only)."""
    data = loaded.config.data
    files = input_files(loaded)
    townships = read_table(files["townships"], "township", TOWNSHIP_COLUMNS, "township_id")
    counties = read_table(files["counties"], "county", COUNTY_COLUMNS, "county_code")
    centres = read_table(files["centres"], "centre", CENTRE_COLUMNS, "centre_id")
    centres = _optional_mode(files["centres"], _optional_desks(files["centres"], centres))
    policy = loaded.config.policy
    items, item_levels, decide = _item_tables(
        files["items"], policy.item_classes, policy.items, loaded.path
    )
    province = read_polygons(files["province_boundary"], "province boundary")
    cities = read_polygons(files["city_boundaries"], "city boundaries")
    county_polygons = read_polygons(files["county_boundaries"], "county boundaries")
    inputs = Inputs(
        townships=townships.sort_index(),
        counties=counties.sort_index(),
        centres=centres.sort_index(),
        items=items.sort_index(),
        item_levels=item_levels,
        decide_levels=decide,
        province=province,
        cities=cities.sort_index(),
        county_polygons=county_polygons.sort_index(),
        files=files,
    )
    if data.province != "all":
        code = province_code(data.province)
        inputs = select_region(inputs, code)
        if inputs.townships.empty:
            msg = (
                f"{files['townships']}: no township of province {code} ({PROVINCES[code]}) "
                "in this dataset; check 'data.province' and the data paths"
            )
            raise InputError(msg)
    return inputs


def regions(inputs: Inputs) -> list[str]:
    """Two-digit province codes present in the inputs."""
    return sorted(set(inputs.townships["county_code"].str[:2]))


def select_region(inputs: Inputs, code: str) -> Inputs:
    """The inputs of one province (two-digit code)."""

    def pick(frame: pd.DataFrame, column: str | None = None) -> pd.DataFrame:
        keys = frame.index.to_series() if column is None else frame[column]
        return frame[keys.astype(str).str[:2] == code]

    return Inputs(
        townships=pick(inputs.townships, "county_code"),
        counties=pick(inputs.counties),
        centres=pick(inputs.centres, "admin_code"),
        items=inputs.items,
        item_levels=inputs.item_levels,
        decide_levels=inputs.decide_levels,
        province=pick(inputs.province),
        cities=pick(inputs.cities),
        county_polygons=pick(inputs.county_polygons),
        files=inputs.files,
    )
