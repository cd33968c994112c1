"""Read the solved LP back into a staged plan (no PuLP beyond reading variable values).

The plan is a set of tidy frames: what each centre becomes in each stage (area, integer
windows, window mode, action and its reason), what each township gets (online, physical,
unserved, travel to each level), level totals and the objective breakdown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.config import LEVELS, UPPER_LEVELS, Config
from planner.errors import PlannerError
from planner.io.inputs import Inputs
from planner.maturity import county_phases
from planner.model.build import PlanModel
from planner.solve import SolveResult

MODES = ("traditional", "small_general", "big_general")
ACTIONS = ("keep", "expand", "shrink", "convert_mode", "close", "closed")
CHANGE_TOLERANCE = 0.01
"""Relative area change below which a centre is kept as it is."""


@dataclass
class Plan:
    """A staged plan, independent of PuLP."""

    centres: pd.DataFrame
    townships: pd.DataFrame
    counties: pd.DataFrame
    levels: pd.DataFrame
    assignments: pd.DataFrame
    centre_items: pd.DataFrame
    items: pd.DataFrame
    """Per stage and item: demand, online, physical, unserved (transactions a year)."""
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _clean(values: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    out = np.where(np.abs(values) < eps, 0.0, values)
    return out


def _modes(daily: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """Window mode per (stage, centre) from daily transactions per item.

    An item with at least ``dedicated_min_daily`` transactions a day keeps dedicated windows;
    a centre whose daily total stays below ``big_general_max_daily``, or that has no such
    item, runs every window as comprehensive (big general); a centre whose every item is
    dedicated stays traditional; otherwise it is small general.
    """
    flags = daily.assign(
        dedicated=daily["daily"] >= cfg.windows.dedicated_min_daily,
        served=daily["daily"] > 0,
    )
    g = flags.groupby(["stage", "centre_id"]).agg(
        total=("daily", "sum"), dedicated_items=("dedicated", "sum"), served=("served", "sum")
    )
    big = (
        (g["total"] <= 0)
        | (g["total"] < cfg.windows.big_general_max_daily)
        | (g["dedicated_items"] == 0)
    )
    g["mode"] = np.where(
        big,
        "big_general",
        np.where(g["dedicated_items"] == g["served"], "traditional", "small_general"),
    )
    return g[["mode", "dedicated_items"]]


def extract_plan(
    model: PlanModel, result: SolveResult, inputs: Inputs, maturity: pd.DataFrame, cfg: Config
) -> Plan:
    """Turn a solved model into a :class:`Plan`.

    Raises
    ------
    PlannerError
        If the solve did not produce a usable solution (``result.is_ok`` is false).
    """
    v = result.solution
    if not result.is_ok or v is None:
        msg = f"cannot extract a plan from a solve with status '{result.status}'"
        raise PlannerError(msg)
    d = model.data
    days = cfg.windows.working_days_per_year

    arcs = d.arcs.copy()
    arcs["volume"] = _clean(v.x)
    dm = d.demand.copy()
    y = np.zeros(len(dm))
    u = np.zeros(len(dm))
    if v.y:
        y[list(v.y)] = list(v.y.values())
    if v.u:
        u[list(v.u)] = list(v.u.values())
    dm["online"] = dm["online_fixed"] + _clean(y)
    dm["unserved"] = _clean(u)
    dm["physical"] = (dm["demand"] - dm["online"] - dm["unserved"]).clip(lower=0.0)

    # split class flows back to items in proportion to their residual demand
    keys = ["stage", "township_id", "class_id"]
    per_item = d.items.merge(
        dm[[*keys, "online", "online_fixed", "unserved"]].rename(
            columns={
                "online": "cls_online",
                "online_fixed": "cls_fixed",
                "unserved": "cls_unserved",
            }
        ),
        on=keys,
    )
    per_item["online"] = per_item["online_fixed"] + (
        per_item["cls_online"] - per_item["cls_fixed"]
    ) * (per_item["class_id"] == per_item["item_id"])
    per_item["unserved"] = per_item["cls_unserved"] * per_item["share"]
    used = arcs[arcs["volume"] > 1e-9].merge(per_item[[*keys, "item_id", "share"]], on=keys)
    used["volume"] = used["volume"] * used["share"]
    used = used[used["volume"] > 1e-9].copy()
    used["level"] = used["centre_id"].map(inputs.centres["level"])
    used["minutes_load"] = used["volume"] * used["item_id"].map(inputs.items["counter_minutes"])

    # --- centres per stage (stage 0 = today's inventory) ---------------------------------
    c_in = inputs.centres
    rows = []
    for cid in c_in.index:
        rows.append(
            (
                0,
                cid,
                float(c_in.at[cid, "floor_area_m2"]),
                float(c_in.at[cid, "windows"]),
                float(c_in.at[cid, "windows"]),
            )
        )
    for (s, cid), area in v.area.items():
        w = v.w[s, cid]
        rows.append((s, cid, area, w, float(math.ceil(round(w, 6)))))
    cen = pd.DataFrame(
        rows, columns=["stage", "centre_id", "floor_area_m2", "windows_lp", "windows"]
    )
    desks = v.desks
    cen["backoffice_desks"] = [
        float(math.ceil(round(desks.get((s, c), 0.0), 6))) if s > 0 else 0.0
        for s, c in zip(cen["stage"], cen["centre_id"], strict=True)
    ]
    served = used.groupby(["stage", "centre_id"]).agg(
        transactions=("volume", "sum"), window_minutes=("minutes_load", "sum")
    )
    cen = cen.join(served, on=["stage", "centre_id"]).fillna(
        {"transactions": 0.0, "window_minutes": 0.0}
    )
    cen["transactions"] *= 1000.0
    cen["window_minutes"] *= 1000.0
    cen["daily_transactions"] = cen["transactions"] / days
    for col in ("level", "name", "admin_code", "parent_id", "township_id", "lon", "lat"):
        cen[col] = cen["centre_id"].map(c_in[col])
    cen["county_code"] = np.where(
        cen["level"].isin(["county", "township"]),
        cen["admin_code"].str[:6],
        "",
    )

    # modes per centre and stage
    daily = (
        (used.groupby(["stage", "centre_id", "item_id"])["volume"].sum() * 1000.0 / days)
        .rename("daily")
        .reset_index()
    )
    modes = _modes(daily, cfg)
    cen = cen.join(modes, on=["stage", "centre_id"])
    cen["mode"] = np.where(cen["stage"] == 0, "traditional", cen["mode"].fillna("big_general"))
    cen["dedicated_items"] = np.where(cen["stage"] == 0, 0, cen["dedicated_items"].fillna(0))
    cen = cen.sort_values(["centre_id", "stage"], ignore_index=True)
    cen = _actions(cen, used, dm, inputs, cfg)

    # --- townships per stage ------------------------------------------------------------
    tw = (
        dm.groupby(["stage", "township_id"])[["demand", "online", "physical", "unserved"]].sum()
        * 1000.0
    )
    # every township appears in every stage, also one without residents (no demand)
    every = pd.MultiIndex.from_product(
        [d.stages, sorted(inputs.townships.index)], names=["stage", "township_id"]
    )
    tw = tw.reindex(every, fill_value=0.0).reset_index()
    tw["county_code"] = tw["township_id"].map(inputs.townships["county_code"])
    tw["maturity"] = [
        float(maturity.at[t, s]) for t, s in zip(tw["township_id"], tw["stage"], strict=True)
    ]
    phases = county_phases(inputs.townships, maturity, cfg.maturity).set_index(
        ["county_code", "stage"]
    )
    tw["phase"] = [
        phases.at[(cc, s), "phase"] for cc, s in zip(tw["county_code"], tw["stage"], strict=True)
    ]
    tw["online_share"] = np.where(tw["demand"] > 0, tw["online"] / tw["demand"], 0.0)
    for level in LEVELS:
        sub = used[used["level"] == level]
        mins = (sub["minutes"] * sub["volume"]).groupby([sub["stage"], sub["township_id"]]).sum()
        vol = sub.groupby(["stage", "township_id"])["volume"].sum()
        # 9 decimals: equal minutes averaged in another order must print the same
        mean = (mins / vol).round(9).rename(f"minutes_{level}")
        tw = tw.join(mean, on=["stage", "township_id"])
    short = v.g
    tw["station_shortfall_m2"] = [
        short.get((s, t), 0.0) for s, t in zip(tw["stage"], tw["township_id"], strict=True)
    ]
    tw = tw.sort_values(["township_id", "stage"], ignore_index=True)

    # --- levels per stage ------------------------------------------------------------------
    lv = level_table(cen)

    # --- counties per stage -------------------------------------------------------------------
    co = county_phases(inputs.townships, maturity, cfg.maturity)
    tsum = tw.groupby(["county_code", "stage"])[["demand", "online", "physical", "unserved"]].sum()
    co = co.join(tsum, on=["county_code", "stage"])
    area_by_county = cen[cen["county_code"] != ""].pivot_table(
        index=["county_code", "stage"], columns="level", values="floor_area_m2", aggfunc="sum"
    )
    for level in ("county", "township"):
        col = area_by_county[level] if level in area_by_county else pd.Series(dtype=float)
        co[f"{level}_area_m2"] = [
            float(col.get((cc, s), 0.0))
            for cc, s in zip(co["county_code"], co["stage"], strict=True)
        ]
    co = co.sort_values(["county_code", "stage"], ignore_index=True)

    assignments = (
        used.groupby(["stage", "township_id", "centre_id"])
        .agg(volume=("volume", "sum"), minutes=("minutes", "first"))
        .reset_index()
    )
    assignments["transactions"] = assignments.pop("volume") * 1000.0
    per_item["physical"] = (per_item["demand"] - per_item["online"] - per_item["unserved"]).clip(
        lower=0.0
    )
    item_totals = (
        per_item.groupby(["stage", "item_id"])[["demand", "online", "physical", "unserved"]].sum()
        * 1000.0
    ).reset_index()
    item_totals["townships_unserved"] = (
        per_item.assign(flag=per_item["unserved"] > 1e-3 * per_item["demand"])
        .groupby(["stage", "item_id"])["flag"]
        .sum()
        .to_numpy()
    )
    centre_items = (
        (used.groupby(["stage", "centre_id", "item_id"])["volume"].sum() * 1000.0)
        .rename("transactions")
        .reset_index()
    )

    plan = Plan(
        centres=cen,
        townships=tw,
        counties=co,
        levels=lv,
        assignments=assignments,
        centre_items=centre_items,
        items=item_totals,
    )
    plan.summary = _summary(model, result, plan)
    plan.warnings = _warnings(plan, cfg)
    return plan


def _actions(
    cen: pd.DataFrame, used: pd.DataFrame, dm: pd.DataFrame, inputs: Inputs, cfg: Config
) -> pd.DataFrame:
    """Action per centre and stage against the previous stage, with a reason in words."""
    viable = cfg.windows.viable_min_m2
    levels = inputs.item_levels
    names = inputs.items["name_en"]
    served_items = used.groupby(["stage", "centre_id"])["item_id"].agg(lambda s: set(s))
    # demand-weighted online share of each county (as in counties.csv)
    by_county = dm.assign(county=dm["township_id"].map(inputs.townships["county_code"]))
    sums = by_county.groupby(["stage", "county"])[["online", "demand"]].sum()
    county_share = sums["online"] / sums["demand"].where(sums["demand"] > 0)

    actions: list[str] = []
    reasons: list[str] = []
    change: list[float] = []
    prev: dict[str, dict[str, Any]] = {}
    share_of = county_share.dropna().to_dict()
    records = cen[
        ["centre_id", "stage", "floor_area_m2", "level", "admin_code", "transactions", "mode"]
    ].to_dict("records")
    for row in records:
        cid, s = row["centre_id"], int(row["stage"])
        if s == 0:
            actions.append("today")
            reasons.append("today's inventory (generated)")
            change.append(0.0)
            prev[cid] = row
            continue
        before = prev[cid]
        a0, a1 = float(before["floor_area_m2"]), float(row["floor_area_m2"])
        delta = a1 - a0
        change.append(delta)
        level = row["level"]
        why: list[str] = []
        gone = sorted(
            k for k in served_items.get((s - 1, cid), set()) if level not in levels[k][s - 1]
        )
        if gone:
            shown = ", ".join(str(names.get(k, k)) for k in gone[:3])
            more = f" and {len(gone) - 3} more" if len(gone) > 3 else ""
            why.append(f"{len(gone)} item(s) delegated to lower levels ({shown}{more})")
        cc = row["admin_code"][:6] if level in ("county", "township") else None
        if cc is not None and (s, cc) in share_of:
            why.append(f"online share of its county reached {share_of[(s, cc)]:.0%}")
        was_closed = before.get("action") in ("close", "closed")
        if row["transactions"] <= 0 and a1 < viable:
            action = "closed" if was_closed else "close"
            why.insert(0, "nothing left to serve")
        elif delta > CHANGE_TOLERANCE * max(a0, 1.0):
            action = "expand"
            if level == "township" and a0 < cfg.policy.township_min_station_m2:
                why.insert(0, "raised towards the minimum township station")
            else:
                why.insert(0, f"volume {row['transactions'] - before['transactions']:+,.0f} a year")
        elif -delta > CHANGE_TOLERANCE * max(a0, 1.0):
            action = "shrink"
            if level in UPPER_LEVELS:
                why.insert(0, "olive policy: province and city halls shrink to their core")
        elif row["mode"] != before["mode"]:
            action = "convert_mode"
        else:
            action = "keep"
        if action not in ("close", "closed") and a1 < viable:
            why.append(f"below the viable size of {viable:g} m2: consider merging")
        if row["mode"] != before["mode"] and action != "convert_mode":
            why.append(f"mode {before['mode']} -> {row['mode']}")
        elif action == "convert_mode":
            why.insert(0, f"mode {before['mode']} -> {row['mode']}")
        actions.append(action)
        reasons.append("; ".join(why))
        prev[cid] = {**row, "action": action}
    cen = cen.copy()
    cen["action"] = actions
    cen["area_change_m2"] = change
    cen["reason"] = reasons
    return cen


def level_table(cen: pd.DataFrame) -> pd.DataFrame:
    """Totals per stage and level (the olive profile) from the centre table."""
    lv = cen.groupby(["stage", "level"])[["floor_area_m2", "windows", "transactions"]].sum()
    lv = lv.reindex(
        pd.MultiIndex.from_product(
            [sorted(cen["stage"].unique()), list(LEVELS)], names=["stage", "level"]
        ),
        fill_value=0.0,
    ).reset_index()
    total = lv.groupby("stage")["floor_area_m2"].transform("sum")
    lv["area_share"] = np.where(total > 0, lv["floor_area_m2"] / total, 0.0)
    is_open = ~cen["action"].isin(["close", "closed"])
    opened = cen[is_open].groupby(["stage", "level"]).size()
    lv["centres_open"] = [
        int(opened.get((s, level), 0)) for s, level in zip(lv["stage"], lv["level"], strict=True)
    ]
    return lv


def stage_metrics(tw: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    """Per-stage demand, channel shares and townships left without service."""
    per_stage: dict[str, dict[str, float | int]] = {}
    for s, grp in tw.groupby("stage"):
        demand = float(grp["demand"].sum())
        per_stage[str(int(s))] = {
            "demand": demand,
            "online_share": float(grp["online"].sum() / demand) if demand else 0.0,
            "physical_share": float(grp["physical"].sum() / demand) if demand else 0.0,
            "unserved": float(grp["unserved"].sum()),
            "townships_with_unserved": int((grp["unserved"] > 1e-3 * grp["demand"]).sum()),
            "townships_below_min_station": int((grp["station_shortfall_m2"] > 0.5).sum()),
        }
    return per_stage


def combine_plans(parts: dict[str, Plan], cfg: Config) -> Plan:
    """One plan from independent parts (provinces solved separately).

    The parts share no constraint (no cross-province service, top-heavy rows per province),
    so the combined plan is the optimum of the whole LP; totals, shares and metrics are
    recomputed over the whole.
    """
    ordered = [parts[k] for k in sorted(parts)]

    def cat(name: str, keys: list[str]) -> pd.DataFrame:
        frame = pd.concat([getattr(p, name) for p in ordered], ignore_index=True)
        return frame.sort_values(keys, kind="mergesort", ignore_index=True)

    centres = cat("centres", ["centre_id", "stage"])
    townships = cat("townships", ["township_id", "stage"])
    items = pd.concat([p.items for p in ordered], ignore_index=True)
    items = items.groupby(["stage", "item_id"], as_index=False).sum(numeric_only=True)
    plan = Plan(
        centres=centres,
        townships=townships,
        counties=cat("counties", ["county_code", "stage"]),
        levels=level_table(centres),
        assignments=cat("assignments", ["stage", "township_id", "centre_id"]),
        centre_items=cat("centre_items", ["stage", "centre_id", "item_id"]),
        items=items,
    )
    terms: dict[str, float] = {}
    model: dict[str, Any] = {"variables": 0, "constraints": 0, "nonzeros": 0}
    statuses = []
    for p in ordered:
        for name, value in p.summary["objective_terms_kcny"].items():
            terms[name] = terms.get(name, 0.0) + float(value)
        for key in ("variables", "constraints", "nonzeros"):
            model[key] += int(p.summary["model"][key])
        statuses.append(str(p.summary["status"]))
    first = ordered[0].summary
    model["formulation"] = first["model"]["formulation"]
    model["demand_classes"] = max(int(p.summary["model"].get("demand_classes", 0)) for p in ordered)
    model["parts"] = len(ordered)
    status = next((s for s in statuses if s != "optimal"), "optimal")
    plan.summary = {
        "status": status,
        "solver": first["solver"],
        "solver_detail": f"{len(ordered)} independent parts",
        "objective_kcny": float(sum(p.summary["objective_kcny"] or 0.0 for p in ordered)),
        "objective_terms_kcny": terms,
        "top_heavy_share": {str(k): v for k, v in top_heavy_share(plan.levels).items()},
        "stages": stage_metrics(townships),
        "model": model,
        "parts": {
            code: {
                "status": p.summary["status"],
                "objective_kcny": p.summary["objective_kcny"],
                "top_heavy_share": p.summary["top_heavy_share"],
            }
            for code, p in sorted(parts.items())
        },
    }
    plan.warnings = _warnings(plan, cfg)
    return plan


def top_heavy_share(levels: pd.DataFrame) -> dict[int, float]:
    """Province+city share of floor area per stage."""
    upper = levels[levels["level"].isin(UPPER_LEVELS)].groupby("stage")["floor_area_m2"].sum()
    total = levels.groupby("stage")["floor_area_m2"].sum()
    return {int(s): float(upper[s] / total[s]) if total[s] > 0 else 0.0 for s in total.index}


def _summary(model: PlanModel, result: SolveResult, plan: Plan) -> dict[str, Any]:
    breakdown = result.solution.costs if result.solution is not None else {}
    return {
        "status": str(result.status),
        "solver": result.solver,
        "solver_detail": result.detail,
        "optimality": result.optimality,
        "objective_kcny": result.objective,
        "objective_terms_kcny": breakdown,
        "top_heavy_share": {str(k): v for k, v in top_heavy_share(plan.levels).items()},
        "stages": stage_metrics(plan.townships),
        "model": {
            "variables": model.n_variables,
            "constraints": model.n_constraints,
            "nonzeros": model.n_nonzeros,
            "formulation": model.data.formulation,
            "demand_classes": int(model.data.demand["class_id"].nunique()),
        },
    }


def _warnings(plan: Plan, cfg: Config) -> list[str]:
    out = []
    for s, info in plan.summary["stages"].items():
        if info["townships_with_unserved"]:
            out.append(
                f"stage {s}: {info['townships_with_unserved']} township(s) have unserved demand"
            )
        if info["townships_below_min_station"]:
            out.append(
                f"stage {s}: {info['townships_below_min_station']} township station(s) below "
                f"the minimum of {cfg.policy.township_min_station_m2:g} m2"
            )
        if info["demand"] > 0 and info["physical_share"] <= 0:
            out.append(
                f"stage {s}: no demand is served physically: every centre is closed, out of "
                "reach or without capacity"
            )
    lv = plan.levels
    last = int(lv["stage"].max())
    final = lv[lv["stage"] == last].set_index("level")["area_share"]
    if final.idxmax() != "county":
        out.append(
            f"stage {last}: the largest floor-area share is at '{final.idxmax()}' "
            f"({final.max():.0%}), not at county: the layout is not olive-shaped"
        )
    return out
