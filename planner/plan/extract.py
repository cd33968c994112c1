"""Read the solved LP back into a staged plan (no PuLP beyond reading variable values).

The plan is a set of tidy frames: what each centre becomes in each stage (area, integer
windows, window mode, action and its reason), what each township gets (online, physical,
unserved, travel to each level), level totals and the objective breakdown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from planner.config.phase import phase_tasks
from planner.config.schema import LEVELS, UPPER_LEVELS, Config
from planner.errors import PlannerError
from planner.inputs.item_rules import item_levels_table
from planner.inputs.load import Inputs
from planner.inputs.maturity import county_phases, phase_entry_years
from planner.model.build import PlanModel
from planner.model.data import ModelData
from planner.plan.backoffice import centre_item_table
from planner.plan.modes import combined_mip, lp_side, mode_summary, mode_table, with_modes
from planner.plan.olive import mark_conversions, olive_warnings, with_area_split
from planner.plan.rule_costs import COLUMNS as RULE_COST_COLUMNS
from planner.plan.rule_costs import combine as combine_rule_costs
from planner.plan.rule_costs import duals_basis, marginal_costs
from planner.plan.summary import (
    ModelSize,
    PartSummary,
    PlanSummary,
    stage_metrics,
    terms_by_stage,
    top_heavy_share,
)
from planner.plan.unserved import UNSERVED_COLUMNS, is_unserved, unserved_items, unserved_list
from planner.solve.driver import SolveResult
from planner.solve.solution import Solution
from planner.solve.status import SolveReport, Status
from planner.steps import Timings

CHANGE_TOLERANCE = 0.01
"""Relative area change below which a centre is kept as it is."""


@dataclass(frozen=True)
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
    summary: PlanSummary
    """Headline figures and warnings (what ``plan/summary.json`` holds)."""
    unserved: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNSERVED_COLUMNS))
    """Per stage, township and item with unserved demand: the reason
    (:mod:`planner.plan.unserved`)."""

    @property
    def modes(self) -> pd.DataFrame:
        """Centres and windows per stage, level and window mode (``plan/modes.csv``)."""
        return mode_table(self.centres)

    rule_costs: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=RULE_COST_COLUMNS)
    )
    """What each policy rule costs at the margin (:mod:`planner.plan.rule_costs`)."""
    rule_totals: pd.DataFrame | None = None
    """Each rule family's total cost by re-solve (``policy.rule_costs.total``), else None."""

    @property
    def warnings(self) -> list[str]:
        """The plan's warnings (those of its summary)."""
        return list(self.summary.warnings)


def _clean(values: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    out = np.where(np.abs(values) < eps, 0.0, values)
    return out


def extract_plan(
    model: PlanModel,
    result: SolveResult,
    inputs: Inputs,
    maturity: pd.DataFrame,
    cfg: Config,
    timings: Timings | None = None,
) -> Plan:
    """Turn a solved model into a :class:`Plan`. With ``timings``, the window modes (their
    MIP) and the rule costs from the duals are steps of their own.

    Raises
    ------
    PlannerError
        If the solve did not produce a usable solution (``result.is_ok`` is false).
    """
    if not result.is_ok or result.solution is None:
        msg = f"cannot extract a plan from a solve with status '{result.status}'"
        raise PlannerError(msg)
    sol = result.solution
    d = model.data
    dm, per_item, used = _flows(d, sol, inputs)
    phases = county_phases(inputs.townships, inputs.items, maturity, cfg.maturity)
    timings = timings or Timings()
    cen, info = _centre_table(d, sol, used, dm, inputs, cfg, timings)
    info.pop("seconds", None)  # the MIP's own clock: the step times it (not in summary.json)
    cen = _area_split(cen, d, result.solution)
    tw = _township_table(d.stages, dm, used, sol, inputs, maturity, phases)
    listed = unserved_list(d, per_item, inputs)
    tw["unserved_items"] = unserved_items(tw, listed)  # the one rule (planner.plan.unserved)
    lv = level_table(cen)
    summary = _with_warnings(_summary(model, result, sol, tw, lv), lv, cfg)
    summary = mode_summary(
        summary,
        cen,
        cfg,
        {**info, **lp_side(d, result.solution, cen, result.optimality.windows_relaxed_kcny)},
    )
    with timings.step("duals"):
        rule_costs = marginal_costs(d, sol.duals, duals_basis(result.optimality))
    return Plan(
        centres=cen,
        townships=tw,
        counties=_county_table(phases, tw, cen, cfg).join(
            phase_entry_years(inputs.townships, inputs.items, maturity, cfg.maturity, cfg.stages),
            on="county_code",
        ),
        levels=lv,
        assignments=_assignment_table(used),
        centre_items=centre_item_table(used, per_item, dm, inputs.items["pending_share"]),
        items=_item_table(per_item).merge(
            item_levels_table(inputs.item_levels, inputs.decide_levels, inputs.items, d.stages),
            on=["stage", "item_id"],
        ),
        summary=summary,
        unserved=listed,
        rule_costs=rule_costs,
    )


ROUND_POSTS = 6
"""Decimals of staffed posts (LP noise never makes an idle post)."""


def _area_split(cen: pd.DataFrame, d: ModelData, solved: Solution) -> pd.DataFrame:
    """Area in use, surplus and conversions per centre (:mod:`planner.plan.olive`); the plan
    converts what the LP did less what its windows keep (``area_unconverted_m2``)."""
    kept = cen.set_index(["stage", "centre_id"])["area_unconverted_m2"].to_dict()
    converted = {
        (s, c): q - kept.get((s, c), 0.0)
        for (f, s, c), q in solved.policy.items()
        if f == "convert"
    }
    apw = d.centres["area_per_window"]
    desks = solved.desks | {(0, c): n for c, n in d.policy.desks0.items()}  # today's: inventory
    cen = with_area_split(cen, apw, d.backoffice_m2_per_desk, desks, converted)
    keys = list(zip(cen["stage"], cen["centre_id"], strict=True))  # staff (policy.staff)
    idle_lp = pd.Series(
        [max(solved.policy.get(("idle_windows", s, c), 0.0), 0.0) for s, c in keys],
        index=cen.index,
    )
    # the plan's staffed posts: its integer windows, or the LP's posts (windows and idle
    # posts) where more; posts cut against the previous stage's (stage 0: today's windows)
    posts = np.maximum(cen["windows"], cen["windows_lp"] + idle_lp)
    cen["idle_posts"] = (posts - cen["windows"]).round(ROUND_POSTS)
    ranked = cen.assign(posts=posts).sort_values(["centre_id", "stage"])
    before = ranked.groupby("centre_id")["posts"].shift(1)
    cen["posts_cut"] = (before - ranked["posts"]).clip(lower=0.0).fillna(0.0).reindex(cen.index)
    return mark_conversions(cen)


def _flows(
    d: ModelData, sol: Solution, inputs: Inputs
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Demand rows with their channels, items with theirs, and the used arcs per item.

    Class flows are split back to items in proportion to their residual demand.
    """
    arcs = d.arcs.copy()
    arcs["volume"] = _clean(sol.x)
    dm = d.demand.copy()
    dm["online"] = dm["online_fixed"] + _clean(sol.online_volume(len(dm)))
    dm["unserved"] = _clean(sol.unserved_volume(len(dm)))
    dm["physical"] = (dm["demand"] - dm["online"] - dm["unserved"]).clip(lower=0.0)

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
    per_item["physical"] = (per_item["demand"] - per_item["online"] - per_item["unserved"]).clip(
        lower=0.0
    )
    used = arcs[arcs["volume"] > 1e-9].merge(per_item[[*keys, "item_id", "share"]], on=keys)
    used["volume"] = used["volume"] * used["share"]
    used = used[used["volume"] > 1e-9].copy()
    used["level"] = used["centre_id"].map(inputs.centres["level"])
    used["minutes_load"] = used["volume"] * used["item_id"].map(inputs.items["counter_minutes"])
    return dm, per_item, used


def _centre_table(
    d: ModelData,
    sol: Solution,
    used: pd.DataFrame,
    dm: pd.DataFrame,
    inputs: Inputs,
    cfg: Config,
    timings: Timings,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """What each centre is in each stage (stage 0 = today's inventory), with its action,
    and the window-mode MIP's report."""
    days = cfg.windows.working_days_per_year
    c_in = inputs.centres
    today = zip(
        c_in.index,
        c_in["floor_area_m2"].astype(float).tolist(),
        c_in["windows"].astype(float).tolist(),
        strict=True,
    )
    rows = [(0, cid, area, windows, windows) for cid, area, windows in today]
    for (s, cid), area in sol.area.items():
        w = sol.w.get((s, cid), 0.0)
        rows.append((s, cid, area, w, float(math.ceil(round(w, 6)))))
    cen = pd.DataFrame(
        rows, columns=["stage", "centre_id", "floor_area_m2", "windows_lp", "windows"]
    )
    today_desks = d.policy.desks0  # the inventory's desks where it counts them, else none
    cen["backoffice_desks"] = [
        float(math.ceil(round(sol.desks.get((s, c), 0.0), 6))) if s > 0 else today_desks.get(c, 0.0)
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
    with timings.step("window modes"):
        cen, info = with_modes(cen, d, used, inputs, cfg, sol.desks, sol.evolution())
    cen = cen.sort_values(["centre_id", "stage"], ignore_index=True)
    return _actions(cen, used, dm, inputs, cfg), info


def _township_table(
    stages: list[int],
    dm: pd.DataFrame,
    used: pd.DataFrame,
    sol: Solution,
    inputs: Inputs,
    maturity: pd.DataFrame,
    phases: pd.DataFrame,
) -> pd.DataFrame:
    """What each township gets in each stage (every township, also one without residents)."""
    tw = (
        dm.groupby(["stage", "township_id"])[["demand", "online", "physical", "unserved"]].sum()
        * 1000.0
    )
    every = pd.MultiIndex.from_product(
        [stages, sorted(inputs.townships.index)], names=["stage", "township_id"]
    )
    tw = tw.reindex(every, fill_value=0.0).reset_index()
    tw["county_code"] = tw["township_id"].map(inputs.townships["county_code"])
    tw["maturity"] = _lookup(maturity.stack(), [tw["township_id"], tw["stage"]]).to_numpy(float)
    by_county = phases.set_index(["county_code", "stage"])["phase"]
    tw["phase"] = _lookup(by_county, [tw["county_code"], tw["stage"]]).tolist()
    tw["online_share"] = np.where(tw["demand"] > 0, tw["online"] / tw["demand"], 0.0)
    for level in LEVELS:
        sub = used[used["level"] == level]
        mins = (sub["minutes"] * sub["volume"]).groupby([sub["stage"], sub["township_id"]]).sum()
        vol = sub.groupby(["stage", "township_id"])["volume"].sum()
        # 9 decimals: equal minutes averaged in another order must print the same
        mean = (mins / vol).round(9).rename(f"minutes_{level}")
        tw = tw.join(mean, on=["stage", "township_id"])
    tw["station_shortfall_m2"] = [
        sol.g.get((s, t), 0.0) for s, t in zip(tw["stage"], tw["township_id"], strict=True)
    ]
    return tw.sort_values(["township_id", "stage"], ignore_index=True)


def _lookup(values: pd.Series, keys: list[pd.Series]) -> pd.Series:
    """``values`` (on a unique MultiIndex) at each row's ``keys``; a key it lacks is a bug."""
    at = values.index.get_indexer(pd.MultiIndex.from_arrays(keys))
    if (at < 0).any():
        msg = f"no {values.name or 'value'} for {len(at[at < 0])} row(s)"
        raise KeyError(msg)
    return values.iloc[at].reset_index(drop=True)


def _county_table(
    phases: pd.DataFrame, tw: pd.DataFrame, cen: pd.DataFrame, cfg: Config
) -> pd.DataFrame:
    """Phase, the tasks it applies, channels and county/township floor area per county and
    stage."""
    tsum = tw.groupby(["county_code", "stage"])[["demand", "online", "physical", "unserved"]].sum()
    co = phases.join(tsum, on=["county_code", "stage"])
    by_phase, converting = cfg.policy.by_phase, set(cfg.windows.convert_phases)
    co["tasks"] = [
        phase_tasks(by_phase.rules(str(ph)), str(ph) in converting) for ph in co["phase"]
    ]
    area_by_county = cen[cen["county_code"] != ""].pivot_table(
        index=["county_code", "stage"], columns="level", values="floor_area_m2", aggfunc="sum"
    )
    for level in ("county", "township"):
        col = area_by_county[level] if level in area_by_county else pd.Series(dtype=float)
        co[f"{level}_area_m2"] = [
            float(col.get((cc, s), 0.0))
            for cc, s in zip(co["county_code"], co["stage"], strict=True)
        ]
    return co.sort_values(["county_code", "stage"], ignore_index=True)


def _assignment_table(used: pd.DataFrame) -> pd.DataFrame:
    """Transactions a year and travel minutes per stage, township and centre."""
    assignments = (
        used.groupby(["stage", "township_id", "centre_id"])
        .agg(volume=("volume", "sum"), minutes=("minutes", "first"))
        .reset_index()
    )
    assignments["transactions"] = assignments.pop("volume") * 1000.0
    return assignments


def _item_table(per_item: pd.DataFrame) -> pd.DataFrame:
    """Demand and channels per stage and item, with the townships left unserved."""
    totals = (
        per_item.groupby(["stage", "item_id"])[["demand", "online", "physical", "unserved"]].sum()
        * 1000.0
    ).reset_index()
    totals["townships_unserved"] = (
        per_item.assign(flag=is_unserved(per_item["unserved"], per_item["demand"]))
        .groupby(["stage", "item_id"])["flag"]
        .sum()
        .to_numpy()
    )
    return totals


def _served_items(used: pd.DataFrame) -> dict[tuple[int, str], set[str]]:
    """The items each centre serves per stage, keyed by (stage, centre_id): a plain dict,
    looked up once per centre row (a pandas lookup per row took most of :func:`_actions`)."""
    served: defaultdict[tuple[int, str], set[str]] = defaultdict(set)
    columns = (used[col].tolist() for col in ("stage", "centre_id", "item_id"))
    for s, cid, k in zip(*columns, strict=True):
        served[s, cid].add(k)
    return served


def _actions(
    cen: pd.DataFrame, used: pd.DataFrame, dm: pd.DataFrame, inputs: Inputs, cfg: Config
) -> pd.DataFrame:
    """Action per centre and stage against the previous stage, with a reason in words."""
    viable = cfg.windows.viable_min_m2
    levels = inputs.item_levels
    names = inputs.items.get("name_zh", inputs.items["name_en"])  # as the catalogue has them
    served_items = _served_items(used)
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
        if row["transactions"] <= 0 and (a1 < viable or level == "township"):
            # a station serving nothing is closed whatever area the plan still holds
            action = "closed" if was_closed else "close"
            why.insert(0, "nothing left to serve")
            if a1 >= viable:
                why.insert(1, f"{a1:,.0f} m2 still held (pace or minimum station)")
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
    split = [c for c in ("area_in_use_m2", "surplus_m2", "converted_m2") if c in cen]
    columns = ["floor_area_m2", *split, "windows", "transactions"]
    lv = cen.groupby(["stage", "level"])[columns].sum()
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
    levels = level_table(centres)
    items = pd.concat([p.items for p in ordered], ignore_index=True)
    per_item = ["stage", "item_id", "item_class", "accept_levels", "decide_levels"]  # same in all
    items = items.groupby(per_item, as_index=False).sum(numeric_only=True)
    summary = _with_warnings(_combined_summary(parts, townships, levels), levels, cfg)
    summary = mode_summary(summary, centres, cfg, combined_mip(parts))
    return Plan(
        centres=centres,
        townships=townships,
        counties=cat("counties", ["county_code", "stage"]),
        levels=levels,
        assignments=cat("assignments", ["stage", "township_id", "centre_id"]),
        centre_items=cat("centre_items", ["stage", "centre_id", "item_id"]),
        items=items,
        summary=summary,
        unserved=cat("unserved", ["stage", "township_id", "item_id"]),
        rule_costs=combine_rule_costs([p.rule_costs for p in ordered]),
    )


def _combined_summary(
    parts: dict[str, Plan], townships: pd.DataFrame, levels: pd.DataFrame
) -> PlanSummary:
    """The summary of independent parts: sums of terms and sizes, the worst status."""
    ordered = [parts[k].summary for k in sorted(parts)]
    terms: dict[str, float] = {}
    by_stage: dict[int, dict[str, float]] = {}
    for p in ordered:
        for name, value in p.objective_terms_kcny.items():
            terms[name] = terms.get(name, 0.0) + float(value)
        for stage, values in p.objective_terms_by_stage_kcny.items():
            into = by_stage.setdefault(stage, {})
            for name, value in values.items():
                into[name] = into.get(name, 0.0) + float(value)
    first = ordered[0]
    model = ModelSize(
        variables=sum(p.model.variables for p in ordered),
        constraints=sum(p.model.constraints for p in ordered),
        nonzeros=sum(p.model.nonzeros for p in ordered),
        formulation=first.model.formulation,
        demand_classes=max(p.model.demand_classes for p in ordered),
        parts=len(ordered),
    )
    return PlanSummary(
        status=next((p.status for p in ordered if p.status != Status.OPTIMAL), Status.OPTIMAL),
        solver=first.solver,
        solver_detail=f"{len(ordered)} independent parts",
        optimality=SolveReport(
            parts={code: parts[code].summary.optimality for code in sorted(parts)}
        ),
        objective_kcny=float(sum(p.objective_kcny or 0.0 for p in ordered)),
        objective_terms_kcny=terms,
        objective_terms_by_stage_kcny=dict(sorted(by_stage.items())),
        top_heavy_share=top_heavy_share(levels),
        stages=stage_metrics(townships),
        model=model,
        parts={
            code: PartSummary(p.summary.status, p.summary.objective_kcny, p.summary.top_heavy_share)
            for code, p in sorted(parts.items())
        },
    )


def _summary(
    model: PlanModel,
    result: SolveResult,
    sol: Solution,
    townships: pd.DataFrame,
    levels: pd.DataFrame,
) -> PlanSummary:
    return PlanSummary(
        status=result.status,
        solver=result.solver,
        solver_detail=result.detail,
        optimality=result.optimality,
        objective_kcny=result.objective,
        objective_terms_kcny=dict(sol.costs),
        objective_terms_by_stage_kcny=terms_by_stage(
            {k: dict(v) for k, v in sol.costs_by_stage.items()}
        ),
        top_heavy_share=top_heavy_share(levels),
        stages=stage_metrics(townships),
        model=ModelSize(
            variables=model.n_variables,
            constraints=model.n_constraints,
            nonzeros=model.n_nonzeros,
            formulation=model.data.formulation,
            demand_classes=int(model.data.demand["class_id"].nunique()),
        ),
    )


def _with_warnings(summary: PlanSummary, levels: pd.DataFrame, cfg: Config) -> PlanSummary:
    """The summary with the plan's warnings (unserved, stations, no physical, not olive)."""
    out = []
    for s, info in summary.stages.items():
        if info.townships_with_unserved:
            out.append(
                f"stage {s}: {info.townships_with_unserved} township(s) have unserved demand"
            )
        if info.townships_below_min_station:
            out.append(
                f"stage {s}: {info.townships_below_min_station} township station(s) below "
                f"their minimum ({cfg.policy.township_min_station_m2:g} m2, or their "
                "county's phase's 'policy.by_phase' minimum)"
            )
        if info.demand > 0 and info.physical_share <= 0:
            out.append(
                f"stage {s}: no demand is served physically: every centre is closed, out of "
                "reach or without capacity"
            )
    thetas = dict(enumerate(cfg.policy.top_heavy_max_share, start=1))
    out.extend(olive_warnings(levels, thetas))
    out.extend(skipped_warnings(summary.optimality))
    return replace(summary, warnings=tuple(out))


def with_skipped(summary: PlanSummary, steps: list[dict[str, str]]) -> PlanSummary:
    """``summary`` with more steps skipped or cut short after the plan (the rule costs'
    re-solves): in ``optimality.skipped_steps`` and a warning each."""
    if not steps:
        return summary
    opt = summary.optimality
    more = SolveReport(skipped_steps=tuple(steps))
    return replace(
        summary,
        optimality=replace(opt, skipped_steps=(*opt.skipped_steps, *more.skipped_steps)),
        warnings=(*summary.warnings, *skipped_warnings(more)),
    )


def skipped_warnings(optimality: SolveReport) -> list[str]:
    """One warning per step skipped or cut short by the time budget (``skipped_steps`` of
    the optimality report, of every part of a decomposed plan)."""
    found = [("", optimality)] + [(f"part {code}: ", p) for code, p in optimality.parts.items()]
    return [
        f"{where}skipped: {step['step']} ({step['reason']})"
        for where, opt in found
        for step in opt.skipped_steps
    ]
