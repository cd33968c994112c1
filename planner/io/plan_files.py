"""Write the text plan: CSV tables sorted by id with fixed decimals, and JSON summaries.

Same plan, same bytes: columns have a fixed order, floats a fixed number of decimals
(negative zero is normalised), rows are sorted by id then stage, and JSON keys are sorted.
Timings never go into these files (they live in ``manifest.json``).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.io.run_folder import (
    ASSIGNMENTS_FILE,
    CENTRE_ITEMS_FILE,
    CENTRES_FILE,
    COUNTIES_FILE,
    ITEMS_FILE,
    LEVELS_FILE,
    MODES_FILE,
    RULE_COSTS_FILE,
    RULE_TOTALS_FILE,
    STATIONS_FILE,
    SUMMARY_FILE,
    TOWNSHIPS_FILE,
    UNSERVED_FILE,
)
from planner.plan.extract import Plan
from planner.plan.names import Names, sort_keys, with_names
from planner.plan.stations import stations_to_build
from planner.plan.summary import DatasetIdentity

CENTRE_COLUMNS: dict[str, int | None] = {
    "centre_id": None,
    "stage": None,
    "level": None,
    "name": None,
    "county_code": None,
    "floor_area_m2": 1,
    "area_in_use_m2": 1,
    "surplus_m2": 1,
    "converted_m2": 1,
    "area_change_m2": 1,
    "area_extra_m2": 1,
    "windows": 0,
    "windows_lp": 3,
    "idle_posts": 3,
    "posts_cut": 3,
    "backoffice_desks": 0,
    "transactions": 1,
    "daily_transactions": 2,
    "window_minutes": 1,
    "mode": None,
    "mode_source": None,
    "windows_dedicated": 0,
    "windows_general": 0,
    "windows_traditional": 0,
    "dedicated_items": 0,
    "action": None,
    "reason": None,
}
TOWNSHIP_COLUMNS: dict[str, int | None] = {
    "township_id": None,
    "stage": None,
    "county_code": None,
    "maturity": 4,
    "phase": None,
    "demand": 1,
    "online": 1,
    "physical": 1,
    "unserved": 1,
    "unserved_items": 0,
    "online_share": 4,
    "minutes_province": 1,
    "minutes_city": 1,
    "minutes_county": 1,
    "minutes_township": 1,
    "station_shortfall_m2": 1,
}
COUNTY_COLUMNS: dict[str, int | None] = {
    "county_code": None,
    "stage": None,
    "maturity": 4,
    "phase": None,
    "tasks": None,
    "demand": 1,
    "online": 1,
    "physical": 1,
    "unserved": 1,
    "county_area_m2": 1,
    "township_area_m2": 1,
    "balanced_from": None,
    "online_primary_from": None,
}
LEVEL_COLUMNS: dict[str, int | None] = {
    "stage": None,
    "level": None,
    "floor_area_m2": 1,
    "area_in_use_m2": 1,
    "surplus_m2": 1,
    "converted_m2": 1,
    "area_share": 4,
    "windows": 0,
    "transactions": 1,
    "centres_open": None,
}
RULE_COST_COLUMNS: dict[str, int | None] = {
    "rule": None,
    "stage": None,
    "level": None,
    "unit": None,
    "rows": None,
    "binding_rows": None,
    "marginal_max_cny_per_unit_year": 2,
    "marginal_mean_cny_per_unit_year": 2,
    "basis": None,
}
RULE_TOTAL_COLUMNS: dict[str, int | None] = {
    "rule": None,
    "objective_kcny": 1,
    "relaxed_objective_kcny": 1,
    "total_cost_kcny": 1,
    "status": None,
}
ASSIGNMENT_COLUMNS: dict[str, int | None] = {
    "stage": None,
    "township_id": None,
    "centre_id": None,
    "transactions": 1,
    "minutes": 1,
}
CENTRE_ITEM_COLUMNS: dict[str, int | None] = {
    "stage": None,
    "centre_id": None,
    "item_id": None,
    "transactions": 1,
    "decided": 1,
}


MODE_COLUMNS: dict[str, int | None] = {
    "stage": None,
    "level": None,
    "mode": None,
    "centres": 0,
    "windows": 0,
    "windows_dedicated": 0,
    "windows_general": 0,
    "windows_traditional": 0,
}
UNSERVED_LIST_COLUMNS: dict[str, int | None] = {
    "stage": None,
    "township_id": None,
    "county_code": None,
    "item_id": None,
    "demand": 1,
    "unserved": 1,
    "reason_code": None,
    "reason": None,
}
STATION_FILE_COLUMNS: dict[str, int | None] = {
    "stage": None,
    "level": None,
    "centre_id": None,
    "name": None,
    "county_code": None,
    "work": None,
    "area_before_m2": 1,
    "floor_area_m2": 1,
    "area_change_m2": 1,
    "windows": 0,
    "reason": None,
}
ITEM_COLUMNS: dict[str, int | None] = {
    "stage": None,
    "item_id": None,
    "demand": 1,
    "online": 1,
    "physical": 1,
    "unserved": 1,
    "townships_unserved": None,
    "item_class": None,
    "accept_levels": None,
    "decide_levels": None,
}


SNAP_DECIMALS = 4
"""Places beyond a column's decimals to which values are snapped before they are rounded
(:func:`format_table`): the solver's noise (relative 1e-12 or so) stays below them."""


def format_table(frame: pd.DataFrame, columns: dict[str, int | None], sort: list[str]) -> str:
    """CSV text with fixed column order and decimals (empty cell for NaN)."""
    out = frame[list(columns)].sort_values(sort, kind="mergesort").copy()
    for col, decimals in columns.items():
        if decimals is None:
            out[col] = out[col].astype(str)
            continue
        values = out[col].astype(float).to_numpy()
        # snapped first to SNAP_DECIMALS more places: two solves of one LP (cold, warm) agree
        # to about 1e-9, which must not tip a value lying on a rounding boundary either way
        snapped = np.round(values, decimals + SNAP_DECIMALS)
        rounded = np.round(snapped, decimals) + 0.0  # +0.0 turns -0.0 into 0.0
        out[col] = ["" if math.isnan(x) else f"{x:.{decimals}f}" for x in rounded]
    return out.to_csv(index=False, lineterminator="\n")


def _round_floats(value: Any, digits: int = 6) -> Any:
    if isinstance(value, float):
        return round(value, digits) + 0.0
    if isinstance(value, dict):
        return {k: _round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_floats(v, digits) for v in value]
    return value


def json_text(value: Any, digits: int = 6) -> str:
    """Stable JSON: sorted keys, rounded floats, trailing newline."""
    return (
        json.dumps(_round_floats(value, digits), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )


def write_plan_tables(
    plan: Plan,
    folder: Path,
    dataset: DatasetIdentity | None = None,
    names: Names | None = None,
) -> list[Path]:
    """Write ``plan/*.csv`` and ``plan/summary.json`` into ``folder``; return the paths.

    Every table gets the names of its ids (:func:`planner.plan.names.with_names`: blank where
    ``names`` does not know them); ``dataset`` (the part of the dataset planned) goes into
    ``summary.json``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    known = names if names is not None else Names()

    def table(frame: pd.DataFrame, columns: dict[str, int | None], sort: list[str]) -> str:
        named, written = with_names(frame, columns, known)
        return format_table(named, written, sort_keys(sort))

    tables = {
        CENTRES_FILE: table(plan.centres, CENTRE_COLUMNS, ["centre_id", "stage"]),
        TOWNSHIPS_FILE: table(plan.townships, TOWNSHIP_COLUMNS, ["township_id", "stage"]),
        COUNTIES_FILE: table(plan.counties, COUNTY_COLUMNS, ["county_code", "stage"]),
        LEVELS_FILE: table(plan.levels, LEVEL_COLUMNS, ["stage"]),
        ASSIGNMENTS_FILE: table(
            plan.assignments, ASSIGNMENT_COLUMNS, ["stage", "township_id", "centre_id"]
        ),
        ITEMS_FILE: table(plan.items, ITEM_COLUMNS, ["stage", "item_id"]),
        MODES_FILE: table(plan.modes, MODE_COLUMNS, ["stage", "level", "mode"]),
        RULE_COSTS_FILE: format_table(
            plan.rule_costs, RULE_COST_COLUMNS, ["rule", "stage", "level"]
        ),
        CENTRE_ITEMS_FILE: table(
            plan.centre_items, CENTRE_ITEM_COLUMNS, ["stage", "centre_id", "item_id"]
        ),
        UNSERVED_FILE: table(
            plan.unserved, UNSERVED_LIST_COLUMNS, ["stage", "township_id", "item_id"]
        ),
        STATIONS_FILE: table(
            stations_to_build(plan.centres), STATION_FILE_COLUMNS, ["stage", "level", "centre_id"]
        ),
    }
    if plan.rule_totals is not None:
        tables[RULE_TOTALS_FILE] = format_table(plan.rule_totals, RULE_TOTAL_COLUMNS, ["rule"])
    written = []
    for name, text in tables.items():
        path = folder / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    path = folder / SUMMARY_FILE
    summary = plan.summary if dataset is None else replace(plan.summary, dataset=dataset)
    path.write_text(json_text(summary.to_json()), encoding="utf-8", newline="\n")
    written.append(path)
    return written
