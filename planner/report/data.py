"""Read a run folder back for the report, and derive the report's tables from it.

Only the files of the run folder are read (``plan/*.csv``, ``plan/summary.json``,
``config.toml``, ``manifest.json`` and, when present, ``plan.gpkg``): a report can be made
for any run folder, on any machine, without the inputs or the solver.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from planner.config.schema import LEVELS, StagesConfig
from planner.errors import InputError
from planner.io.run_folder import GPKG_FILE, read_run_folder
from planner.labels import WINDOW_MODES, mode_label
from planner.plan.summary import PlanSummary

log = logging.getLogger(__name__)

Kind = Literal["area", "int", "share", "minutes", "tx", "kcny"]
"""How a metric is formatted (and how its difference is written)."""

MODES = WINDOW_MODES
CLOSED = frozenset({"close", "closed"})
TRAVEL_LEVELS = LEVELS
SIMPLIFY_FRACTION = 0.0015
"""Polygon simplification tolerance as a fraction of the map's larger extent."""

TEMP_FOLDER = re.compile(r"^\.(.+)\.(?:olive-tmp-\d+-[0-9a-f]+|tmp-\d+)$")
"""Name of the temporary folder ``write_run`` fills before swapping it in."""


@dataclass
class GisLayers:
    """The layers of ``plan.gpkg`` the maps need (geometry simplified for display)."""

    centres: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame

    @property
    def geographic(self) -> bool:
        """True when the layers are in longitude/latitude (the default EPSG:4490)."""
        crs = self.counties.crs
        return bool(crs is None or crs.is_geographic)


@dataclass
class RunData:
    """Everything the report shows of one run folder."""

    path: Path
    name: str
    description: str
    centres: pd.DataFrame
    townships: pd.DataFrame
    counties: pd.DataFrame
    levels: pd.DataFrame
    summary: PlanSummary
    config_text: str
    config: dict[str, Any]
    manifest: dict[str, Any]
    gis: GisLayers | None
    notes: list[str] = field(default_factory=list)

    @property
    def folder(self) -> str:
        """The run folder's name (the final name while ``write_run`` writes a hidden twin)."""
        match = TEMP_FOLDER.match(self.path.name)
        return match.group(1) if match else self.path.name

    @property
    def stages(self) -> list[int]:
        """Stages of the plan, today (0) first."""
        return sorted(int(s) for s in self.levels["stage"].unique())

    @property
    def warnings(self) -> list[str]:
        """Every warning of ``summary.json``."""
        return list(self.summary.warnings)

    @property
    def generated_data(self) -> list[str]:
        """``generated_data`` of the manifest (provenance columns with generated values)."""
        return [str(g) for g in self.manifest.get("generated_data", [])]

    @property
    def dataset(self) -> str:
        """The province(s) the run planned (``manifest.json`` ``dataset.label``), or ``""``."""
        dataset = self.manifest.get("dataset", {})
        return str(dataset.get("label", "")) if isinstance(dataset, dict) else ""

    def stage_label(self, stage: int) -> str:
        """``"Today (2025)"`` for stage 0, ``"Stage 2 (2030)"`` for a planning stage.

        Years a config leaves out are the schema's defaults (``[stages]`` of
        ``configs/default.toml``), as in the run.
        """
        stages_cfg = self.config.get("stages", {})
        years = list(stages_cfg.get("years", StagesConfig().years))
        base = stages_cfg.get("base_year", StagesConfig().base_year)
        if stage == 0:
            return f"Today ({base})" if base is not None else "Today"
        if 0 < stage <= len(years):
            return f"Stage {stage} ({years[stage - 1]})"
        return f"Stage {stage}"


def read_run(run_dir: Path, *, maps: bool = True) -> RunData:
    """Read a run folder written by ``planner run``.

    Parameters
    ----------
    run_dir : Path
        The folder ``<output.dir>/<name>/`` (or its temporary twin while it is written).
    maps : bool, default True
        Read ``plan.gpkg`` for the maps (when it exists).

    Returns
    -------
    RunData
        The plan tables, summary, config text, manifest and map layers.

    Raises
    ------
    InputError
        If ``run_dir`` is not a folder or lacks a plan file.
    """
    folder = read_run_folder(run_dir)
    run_dir = folder.path
    notes = list(folder.notes)
    config = folder.config
    gis = None
    gpkg = run_dir / GPKG_FILE
    if maps and gpkg.is_file():
        gis = read_gis(gpkg)
    elif maps:
        notes.append("plan.gpkg is missing (output.gpkg = false): no maps")
    return RunData(
        path=run_dir,
        name=str(config.get("name") or TEMP_FOLDER.sub(r"\1", run_dir.name)),
        description=str(config.get("description", "")),
        centres=folder.centres,
        townships=folder.townships,
        counties=folder.counties,
        levels=folder.levels,
        summary=folder.summary,
        config_text=folder.config_text,
        config=config,
        manifest=folder.manifest,
        gis=gis,
        notes=notes,
    )


def read_gis(path: Path) -> GisLayers:
    """Read the map layers of ``plan.gpkg`` (only the fields the maps use).

    Raises
    ------
    InputError
        If a layer is missing or unreadable.
    """
    try:
        centres = pyogrio.read_dataframe(
            path, layer="centres", columns=["centre_id", "stage", "level", "area_m2", "action"]
        )
        townships = pyogrio.read_dataframe(
            path,
            layer="townships",
            columns=["township_id", "stage", "name", "phase", "demand", "unserved"],
        )
        counties = pyogrio.read_dataframe(path, layer="counties")
        boundaries = pyogrio.read_dataframe(path, layer="boundaries", columns=["code", "name"])
    except (RuntimeError, OSError, ValueError) as err:  # pyogrio's errors are RuntimeErrors
        msg = f"{path}: cannot read the map layers ({err})"
        raise InputError(msg) from None
    minx, miny, maxx, maxy = counties.total_bounds if len(counties) else (0.0, 0.0, 1.0, 1.0)
    tolerance = SIMPLIFY_FRACTION * max(maxx - minx, maxy - miny, 1e-9)
    counties = counties.set_geometry(counties.geometry.simplify(tolerance))
    boundaries = boundaries.set_geometry(boundaries.geometry.simplify(tolerance))
    return GisLayers(centres, townships, counties, boundaries)


# --- metric tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One row of a metric table: a value per stage (a missing stage does not apply)."""

    key: str
    label: str
    kind: Kind
    values: dict[int, float]
    group: str


def _weighted_minutes(tw: pd.DataFrame, level: str) -> float:
    col = f"minutes_{level}"
    if col not in tw.columns:
        return math.nan
    sub = tw[tw[col].notna() & (tw["demand"] > 0)]
    weight = float(sub["demand"].sum())
    return float((sub[col] * sub["demand"]).sum() / weight) if weight > 0 else math.nan


def stage_metrics(run: RunData) -> list[Metric]:
    """The headline metrics per stage, grouped (network, demand, travel, townships, modes).

    Travel minutes are demand-weighted means of the ``minutes_<level>`` columns of
    ``townships.csv`` over the townships that level serves; the top-heavy share and the
    township counts are the plan's own (:class:`planner.plan.summary.PlanSummary`).
    """
    return [
        *_network_metrics(run),
        *_demand_metrics(run),
        *_township_metrics(run),
        *_mode_metrics(run),
    ]


def _network_metrics(run: RunData) -> list[Metric]:
    """Floor area, top-heavy share, windows and open centres per stage and level."""
    lv = run.levels
    out: list[Metric] = []

    def level_values(col: str, level: str | None = None) -> dict[int, float]:
        sub = lv if level is None else lv[lv["level"] == level]
        return {int(s): float(v) for s, v in sub.groupby("stage")[col].sum().items()}

    out.append(
        Metric(
            "area_total",
            "Floor area, all levels (m²)",
            "area",
            level_values("floor_area_m2"),
            "Network",
        )
    )
    for level in LEVELS:
        out.append(
            Metric(
                f"area_{level}",
                f"Floor area, {level} (m²)",
                "area",
                level_values("floor_area_m2", level),
                "Network",
            )
        )
    heavy = dict(run.summary.top_heavy_share)
    out.append(
        Metric("top_heavy", "Province + city share of floor area", "share", heavy, "Network")
    )
    out.append(
        Metric("windows_total", "Windows, all levels", "int", level_values("windows"), "Network")
    )
    for level in LEVELS:
        out.append(
            Metric(
                f"windows_{level}",
                f"Windows, {level}",
                "int",
                level_values("windows", level),
                "Network",
            )
        )
    out.append(
        Metric("centres_open", "Centres open", "int", level_values("centres_open"), "Network")
    )
    return out


def _demand_metrics(run: RunData) -> list[Metric]:
    """Demand and channel shares, and travel minutes per level."""
    out: list[Metric] = []
    tw = run.townships
    by_stage = {int(s): g for s, g in tw.groupby("stage")}

    def from_towns(fn: Callable[[pd.DataFrame], Any]) -> dict[int, float]:
        return {s: float(fn(g)) for s, g in by_stage.items()}

    def share(col: str) -> dict[int, float]:
        return from_towns(lambda g: g[col].sum() / g["demand"].sum() if g["demand"].sum() else 0.0)

    out.append(
        Metric(
            "demand",
            "Demand (transactions/year)",
            "tx",
            from_towns(lambda g: g["demand"].sum()),
            "Demand",
        )
    )
    out.append(Metric("online_share", "Online share", "share", share("online"), "Demand"))
    out.append(Metric("physical_share", "Physical share", "share", share("physical"), "Demand"))
    out.append(
        Metric(
            "unserved",
            "Unserved demand (transactions/year)",
            "tx",
            from_towns(lambda g: g["unserved"].sum()),
            "Demand",
        )
    )
    out.append(Metric("unserved_share", "Unserved share", "share", share("unserved"), "Demand"))
    for level in TRAVEL_LEVELS:
        values = {s: _weighted_minutes(g, level) for s, g in by_stage.items()}
        values = {s: v for s, v in values.items() if not math.isnan(v)}
        out.append(
            Metric(
                f"minutes_{level}",
                f"Travel to {level} centres (min, demand-weighted)",
                "minutes",
                values,
                "Travel",
            )
        )
    return out


def _township_metrics(run: RunData) -> list[Metric]:
    """Townships with unserved demand, below the minimum station, without physical service."""
    out: list[Metric] = []
    by_stage = {int(s): g for s, g in run.townships.groupby("stage")}
    per = run.summary.stages
    with_unserved = {s: float(per[s].townships_with_unserved) for s in by_stage if s in per}
    out.append(
        Metric(
            "townships_unserved",
            "Townships with unserved demand",
            "int",
            with_unserved,
            "Townships",
        )
    )
    below = {s: float(per[s].townships_below_min_station) for s in by_stage if s in per}
    out.append(
        Metric(
            "townships_below_station",
            "Townships below the minimum station",
            "int",
            below,
            "Townships",
        )
    )
    no_physical = {
        s: float(((g["physical"] <= 0) & (g["demand"] > 0)).sum()) for s, g in by_stage.items()
    }
    out.append(
        Metric(
            "townships_no_physical",
            "Townships with no physical service",
            "int",
            no_physical,
            "Townships",
        )
    )
    return out


def _mode_metrics(run: RunData) -> list[Metric]:
    """Open centres per window mode."""
    out: list[Metric] = []
    stages = run.stages
    cen = run.centres
    open_cen = cen[~cen["action"].isin(CLOSED)]
    for mode in MODES:
        counts = open_cen[open_cen["mode"] == mode].groupby("stage").size()
        values = {s: float(counts.get(s, 0)) for s in stages}
        out.append(
            Metric(
                f"mode_{mode}",
                f"Open centres in {mode_label(mode)} mode",
                "int",
                values,
                "Window modes",
            )
        )
    return out


def objective_terms(run: RunData) -> dict[str, float]:
    """Objective terms of the whole horizon (kCNY), with ``total`` last."""
    terms = dict(run.summary.objective_terms_kcny)
    total = run.summary.objective_kcny
    terms["total"] = float(total) if total is not None else float(sum(terms.values()))
    return terms


def largest_changes(run: RunData, top: int = 15) -> pd.DataFrame:
    """The centres whose floor area changes most from today to the last stage.

    Returns
    -------
    pandas.DataFrame
        One row per centre: ``centre_id``, ``name``, ``level``, ``area_s<stage>`` for every
        stage, ``change``, ``last_action``, ``last_mode`` and ``reason`` (of the stage with the
        largest single change), sorted by absolute change.
    """
    cen = run.centres
    if cen.empty:
        return pd.DataFrame()
    stages = sorted(int(s) for s in cen["stage"].unique())
    area = cen.pivot_table(
        index="centre_id", columns="stage", values="floor_area_m2", aggfunc="sum"
    )
    change = area[stages[-1]] - area[stages[0]]
    ids = change.abs().sort_values(ascending=False, kind="mergesort").index[:top]
    last = cen[cen["stage"] == stages[-1]].set_index("centre_id")
    planned = cen[cen["stage"] > 0].copy()
    planned["abs_change"] = planned["area_change_m2"].abs()
    main = (
        planned.sort_values("abs_change", ascending=False, kind="mergesort")
        .drop_duplicates("centre_id")
        .set_index("centre_id")
    )
    rows = []
    for cid in ids:
        row: dict[str, Any] = {
            "centre_id": cid,
            "name": last.at[cid, "name"],
            "level": last.at[cid, "level"],
        }
        for s in stages:
            row[f"area_s{s}"] = float(area.at[cid, s])
        row["change"] = float(change[cid])
        row["last_action"] = last.at[cid, "action"]
        row["last_mode"] = last.at[cid, "mode"]
        reason = main.at[cid, "reason"] if cid in main.index else ""
        row["reason"] = "" if pd.isna(reason) else str(reason)
        row["reason_stage"] = int(main.at[cid, "stage"]) if cid in main.index else 0
        rows.append(row)
    return pd.DataFrame(rows)


def mode_transitions(run: RunData) -> pd.DataFrame:
    """Counts of window-mode transitions between consecutive stages.

    Returns
    -------
    pandas.DataFrame
        Index ``"from -> to"`` (plus ``"unchanged"`` and ``"closed"``), one column per stage
        pair ``"s-1 -> s"``; only rows with a non-zero count are kept.
    """
    cen = run.centres
    stages = sorted(int(s) for s in cen["stage"].unique())
    wide_mode = cen.pivot(index="centre_id", columns="stage", values="mode")
    wide_action = cen.pivot(index="centre_id", columns="stage", values="action")
    columns: dict[str, dict[str, int]] = {}
    for prev, cur in itertools.pairwise(stages):
        counts: dict[str, int] = {}
        was_open = ~wide_action[prev].isin(CLOSED)
        closing = was_open & wide_action[cur].isin(CLOSED)
        both = was_open & ~wide_action[cur].isin(CLOSED)
        for a, b in zip(wide_mode.loc[both, prev], wide_mode.loc[both, cur], strict=True):
            key = "unchanged" if a == b else f"{a} → {b}"
            counts[key] = counts.get(key, 0) + 1
        counts["closed"] = int(closing.sum())
        columns[f"{prev} → {cur}"] = counts
    frame = pd.DataFrame(columns).fillna(0).astype(int)
    if frame.empty:
        return frame
    order = [f"{a} → {b}" for a in MODES for b in MODES if a != b]
    index = [k for k in order if k in frame.index]
    index += sorted(k for k in frame.index if k not in (*order, "unchanged", "closed"))
    index += [k for k in ("unchanged", "closed") if k in frame.index]
    frame = frame.loc[index]
    return frame[(frame != 0).any(axis=1)]


def action_counts(run: RunData) -> pd.DataFrame:
    """Centres per action (rows) and planning stage (columns)."""
    cen = run.centres[run.centres["stage"] > 0]
    table = cen.groupby(["action", "stage"]).size().unstack("stage", fill_value=0)
    order = ["keep", "expand", "shrink", "convert_mode", "close", "closed"]
    return table.reindex([a for a in order if a in table.index]).astype(int)


def finite(value: float | None) -> bool:
    """True for a real number (not None, not NaN)."""
    return value is not None and bool(np.isfinite(value))
