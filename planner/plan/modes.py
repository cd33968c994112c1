"""Window modes in the plan: the mode step after the LP and its summary fields.

What each mode needs per centre and stage comes from the items the LP's flows put there
(:func:`planner.modes.rules.mode_windows`); every centre's path is chosen by one
mixed-integer model over all centres (:func:`planner.modes.mip.solve_mode_mip`), with
the LP's olive rows on windows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from planner.config.schema import LEVELS, Config
from planner.datasets.inventory import level_weights
from planner.errors import InputError
from planner.inputs.item_rules import split_levels
from planner.inputs.load import Inputs
from planner.inputs.maturity import township_maturity
from planner.model.data import ModelData, approving_centres, mode_rules
from planner.modes.mip import (
    WINDOW_MEASURES,
    MipOptions,
    OliveSpec,
    TopHeavySpec,
    solve_mode_mip,
)
from planner.modes.rules import (
    MODES,
    SHORT_TOL_M2,
    AreaSpec,
    ModeRules,
    bar_big_general,
    mode_bounds,
    mode_windows,
    today_modes,
)
from planner.plan.summary import PlanSummary, mode_savings
from planner.solve.solution import Solution

Key = tuple[int, str]


def olive_spec(d: ModelData, desks: dict[Key, float]) -> OliveSpec:
    """The LP's olive rows on windows for the mode MIP (``desks``: LP desks per centre)."""
    p = d.policy
    m2 = d.backoffice_m2_per_desk
    return OliveSpec(
        stages=tuple(s for s in p.olive_stages if s in d.stages),
        penalties=tuple((m, p.penalty(m)) for m in p.olive_measures if m in WINDOW_MEASURES),
        hard=p.olive_hard,
        region=d.centres["region"],
        level=d.centres["level"],
        area_per_window=d.centres["area_per_window"],
        desk_area={key: m2 * val for key, val in desks.items()},
        margin=p.olive_margin,
    )


def top_heavy_spec(d: ModelData, desks: dict[Key, float]) -> TopHeavySpec:
    """The LP's top-heavy rows for the mode MIP (``desks``: LP desks per centre)."""
    m2 = d.backoffice_m2_per_desk
    return TopHeavySpec(
        share=dict(d.top_heavy_share),
        penalty=d.top_heavy_penalty,
        region=d.centres["region"],
        upper=d.centres["upper"],
        area_per_window=d.centres["area_per_window"],
        desk_area={key: m2 * val for key, val in desks.items()},
    )


def area_spec(
    d: ModelData,
    cen: pd.DataFrame,
    desks: dict[Key, float],
    evolve: dict[Key, tuple[float, float, float]],
    centres: pd.Index,
) -> AreaSpec:
    r"""The LP's floor area, desks and area evolution (``evolve``: expansion, reduction,
    conversion per (stage, centre)) for :func:`planner.modes.graph.area_step`, rows in the
    order of ``centres``. The top-heavy penalty is not in the area's price: the mode MIP
    has the top-heavy rows (:func:`top_heavy_spec`), so extra province and city area pays
    it only above the cap."""
    stages = d.stages
    later = cen[cen["stage"] > 0]
    floor = (
        later.pivot(index="centre_id", columns="stage", values="floor_area_m2")
        .reindex(index=centres, columns=stages)
        .fillna(0.0)
        .to_numpy(dtype=float)
    )

    def grid(get: Any) -> np.ndarray:
        return np.array([[float(get((s, str(c)))) for s in stages] for c in centres])

    c = d.centres.reindex(centres)
    grow = c["growth_ub"].fillna(0.0).astype(float).to_dict()
    shrink = c["shrink_ub"].fillna(0.0).astype(float).to_dict()
    cost = c["area_cost"].fillna(0.0).to_numpy(dtype=float)
    return AreaSpec(
        floor=floor,
        desk=grid(lambda k: d.backoffice_m2_per_desk * desks.get(k, 0.0)),
        expand=grid(lambda k: evolve.get(k, (0.0, 0.0, 0.0))[0]),
        reduce=grid(lambda k: evolve.get(k, (0.0, 0.0, 0.0))[1]),
        convert=grid(lambda k: evolve.get(k, (0.0, 0.0, 0.0))[2]),
        area_per_window=c["area_per_window"].fillna(0.0).to_numpy(dtype=float),
        growth=grid(lambda k: d.policy.bounds.get(k, (grow[k[1]], shrink[k[1]]))[0]),
        shrink=grid(lambda k: d.policy.bounds.get(k, (grow[k[1]], shrink[k[1]]))[1]),
        per_m2_year=np.repeat(cost[:, None], len(stages), axis=1),
        expansion_cost=d.expansion_cost,
        reduction_cost=d.reduction_cost,
        convert_cost=d.policy.convert_cost,
        pace=_pace_grid(d, centres),
    )


def _pace_grid(d: ModelData, centres: pd.Index) -> np.ndarray:
    """(centres, stages): each centre's pace (``policy.pace``, its phase's where set; 1
    where none)."""
    p = d.policy
    level = d.centres["level"].reindex(centres).astype(str).to_numpy()
    return np.array(
        [
            [p.pace_phase.get((s, str(c)), p.pace_centre.get(lv, 1.0)) for s in d.stages]
            for c, lv in zip(centres, level, strict=True)
        ],
        dtype=float,
    ).reshape(len(centres), len(d.stages))


def today_need(inputs: Inputs, cfg: Config, capacity: pd.Series, rules: ModeRules) -> pd.DataFrame:
    """What each mode needs at today's centres (stage 0) for today's demand: from the data
    and the config's maturity and window time only, never from a price or the plan.

    Today's demand is the catalogue's volume for each township at the base year; its
    online part is the base-year maturity x the item's online potential (the model's own
    online cap at the base year); the physical rest is split over the stage-1 accept levels
    the catalogue lists (``levels_s1``: today's catalogue, before the config's township rules
    ``policy.item_classes`` and ``policy.items``, which plan the stages ahead; the generated
    inventory was sized on the same levels) in proportion to
    :func:`planner.datasets.inventory.level_weights`
    (the rule that sized the generated inventory: the city's pull by the item's kind), to
    the township's own centre of each level (levels where it has none left out). Returns
    :func:`mode_windows`'s table at stage 0.
    """
    t, items = inputs.townships, inputs.items
    m0 = township_maturity(t, inputs.counties, cfg.maturity, cfg.stages)[0]
    own = approving_centres(inputs)
    pop = t["population"].astype(float).to_numpy() / 1000.0
    frames = []
    for item, row in items.iterrows():
        physical = (
            pop
            * float(row["annual_per_1000"])
            / 1000.0
            * (1.0 - m0.to_numpy() * float(row["online_potential"]))
        )
        listed = split_levels(row["levels_s1"])
        levels = [lv for lv in LEVELS if lv in listed]
        centres = own[levels].to_numpy()
        pull = level_weights(str(row["item_class"]), levels, str(row["levels_s1"]))
        weights = np.where(centres != "", [pull[lv] for lv in levels], 0.0)
        total = weights.sum(axis=1, keepdims=True)
        share = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
        volume = (physical[:, None] * share).ravel()
        frames.append(
            pd.DataFrame({"centre_id": centres.ravel(), "item_id": str(item), "volume": volume})
        )
    f = pd.concat(frames, ignore_index=True)
    f = f[(f["centre_id"] != "") & (f["volume"] > 0)]
    f = f.groupby(["centre_id", "item_id"], as_index=False)["volume"].sum()
    f["load"] = f["volume"] * f["item_id"].map(items["counter_minutes"].astype(float))
    f["daily"] = f["volume"] * 1000.0 / cfg.windows.working_days_per_year
    f.insert(0, "stage", 0)
    return mode_windows(f, capacity, rules)


def _window_modes(
    d: ModelData,
    used: pd.DataFrame,
    inputs: Inputs,
    cfg: Config,
    area: tuple[pd.DataFrame, dict[Key, float], dict[Key, tuple[float, float, float]]],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The chosen window mode per (stage, centre), today's (stage 0) modes and the MIP's
    report.

    What each mode needs comes from the items served at the centre
    (:func:`planner.modes.rules.mode_windows`), the paths of all centres together from
    :func:`planner.modes.mip.solve_mode_mip`; today's mode from today's windows
    against what today's demand needs (:func:`today_need`, :func:`today_modes`).
    """
    rules = d.modes if d.modes is not None else mode_rules(cfg)
    days = cfg.windows.working_days_per_year
    items = (
        used.groupby(["stage", "centre_id", "item_id"])
        .agg(load=("minutes_load", "sum"), volume=("volume", "sum"))
        .reset_index()
    )
    items["daily"] = items["volume"] * 1000.0 / days
    need = mode_windows(items, d.centres["window_capacity"], rules)
    allowed = set(cfg.windows.convert_phases)
    barred = [key for key, ph in d.policy.phase.items() if ph not in allowed]
    if barred and len(need):
        held = need.index.isin(barred)
        need["convert_ok"] = need["convert_ok"] & ~held
    big_levels = cfg.windows.big_general_levels
    if set(big_levels) != set(LEVELS):  # every level (the default): no centre is barred
        need = bar_big_general(need, d.centres["level"], big_levels, d.stages)
    now = today_need(inputs, cfg, d.centres["window_capacity"], rules)
    try:
        today, source = today_modes(inputs.centres, now, 0)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    options = MipOptions(cfg.windows.mode_mip_gap, cfg.windows.mode_time_limit_s)
    cen, desks, evolve = area
    spec = area_spec(d, cen, desks, evolve, today.index)
    olive = olive_spec(d, desks)
    top = top_heavy_spec(d, desks)
    mip = solve_mode_mip(need, today, d.stages, d.lengths, rules, olive, options, spec, top)
    chosen = mip.chosen.reset_index()
    chosen["mode_source"] = "decided"
    w0 = inputs.centres["windows"].astype(float)
    first = now.xs(0, level="stage")["ded1"] if len(now) else pd.Series(dtype=float)
    m0 = today.to_numpy()
    ded_small = np.minimum(first.reindex(today.index).fillna(0.0), np.maximum(w0 - 1.0, 0.0))
    dedicated = np.select([m0 == 0, m0 == 1], [w0.to_numpy(), ded_small.to_numpy()], 0.0)
    stage0 = pd.DataFrame(
        {
            "stage": 0,
            "centre_id": today.index,
            "mode": np.array(MODES, dtype=object)[m0],
            "mode_source": source.to_numpy(),
            "windows_dedicated": dedicated,
            "windows_general": w0.to_numpy() - dedicated,
            "windows_traditional": w0.to_numpy(),
            "dedicated_items": 0,
            "training_kcny": 0.0,
        }
    )
    return chosen, stage0, mip.info


def with_modes(
    cen: pd.DataFrame,
    d: ModelData,
    used: pd.DataFrame,
    inputs: Inputs,
    cfg: Config,
    desks: dict[Key, float],
    evolve: dict[Key, tuple[float, float, float]] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The centre table with each stage's mode, the integer windows it needs and the floor
    area they need, and the mode MIP's report.

    ``floor_area_m2`` becomes the LP's plus ``area_extra_m2``, the floor area beyond the
    LP's the chosen path keeps for its windows (:func:`planner.modes.graph.area_step`;
    ``evolve``: the LP's expansion, reduction and conversion per (stage, centre)), so
    every table, chart and summary that reads the plan's floor area reads this one.
    ``area_short_m2`` is what the growth limits still leave short, ``area_kcny`` the
    extra's cost over the stage and ``area_unconverted_m2`` the LP's conversion of surplus
    the extra keeps instead (the plan converts that much less).
    """
    chosen, stage0, info = _window_modes(d, used, inputs, cfg, (cen, desks, evolve or {}))
    cols = [
        "mode",
        "mode_source",
        "windows_dedicated",
        "windows_general",
        "windows_traditional",
        "dedicated_items",
        "training_kcny",
        "area_extra_m2",
        "area_short_m2",
        "area_kcny",
        "area_unconverted_m2",
    ]
    for col in cols[-4:]:
        stage0[col] = 0.0
    table = pd.concat(
        [stage0[["stage", "centre_id", *cols]], chosen[["stage", "centre_id", *cols, "windows"]]],
        ignore_index=True,
    ).set_index(["stage", "centre_id"])
    out = cen.join(table.rename(columns={"windows": "windows_mode"}), on=["stage", "centre_id"])
    out["windows"] = np.where(out["stage"] > 0, out["windows_mode"], out["windows"])
    out["floor_area_m2"] = out["floor_area_m2"] + out["area_extra_m2"]
    return out.drop(columns="windows_mode"), info


def mode_table(cen: pd.DataFrame) -> pd.DataFrame:
    """Centres and windows per stage, level and mode (``plan/modes.csv``)."""
    g = (
        cen.groupby(["stage", "level", "mode"])
        .agg(
            centres=("centre_id", "size"),
            windows=("windows", "sum"),
            windows_dedicated=("windows_dedicated", "sum"),
            windows_general=("windows_general", "sum"),
            windows_traditional=("windows_traditional", "sum"),
        )
        .reset_index()
    )
    every = pd.MultiIndex.from_product(
        [sorted(cen["stage"].unique()), list(LEVELS), list(MODES)],
        names=["stage", "level", "mode"],
    )
    g = g.set_index(["stage", "level", "mode"]).reindex(every, fill_value=0).reset_index()
    levels = cen.groupby(["stage", "level"]).size()
    keep = [(s, lv) in levels.index for s, lv in zip(g["stage"], g["level"], strict=True)]
    return g[keep].reset_index(drop=True)


def mode_summary(
    summary: PlanSummary, cen: pd.DataFrame, cfg: Config, mip: dict[str, Any] | None = None
) -> PlanSummary:
    """The summary with the savings of window-mode conversion and the bound on the joint
    problem (:func:`planner.modes.rules.mode_bounds`) under ``optimality.window_modes``."""
    rules = mode_rules(cfg)
    lengths = {s: float(n) for s, n in enumerate(cfg.stages.lengths, start=1)}
    lower = None if mip is None else mip.get("lp_bound_kcny")
    if rules.pooling_efficiency > 1 and mip is not None:
        # big general then needs fewer windows than the LP's pooled ones: the LP is no
        # relaxation of the joint problem and its optimum no proven bound
        mip = {**mip, "bound_valid": False}
    bounds = mode_bounds(cen, summary.objective_kcny, lengths, rules, mip, lower)
    return replace(
        summary,
        optimality=replace(summary.optimality, window_modes=bounds),
        mode_savings=mode_savings(cen, rules.window_cost),
    )


def combined_mip(parts: dict[str, Any]) -> dict[str, Any] | None:
    """The mode MIPs of independently solved parts as one report: objectives, bounds and
    LP terms add up (the parts share no row), the gap is recomputed, seconds add up."""
    mips = [p.summary.optimality.mode_mip for _, p in sorted(parts.items())]
    mips = [m for m in mips if m]
    if not mips:
        return None
    out: dict[str, Any] = {
        key: sum(float(m.get(key, 0.0)) for m in mips)
        for key in (
            "objective_kcny",
            "bound_kcny",
            "binaries",
            "olive_rows",
            "olive_violation_kcny",
            "top_heavy_rows",
            "top_heavy_kcny",
            "lp_top_heavy_kcny",
            "lp_windows_kcny",
            "lp_olive_kcny",
            "area_short_m2",
            "positive_window_duals",
        )
    }
    statuses = sorted({str(m["status"]) for m in mips})
    out["status"] = ", ".join(statuses)
    out["gap"] = (
        (out["objective_kcny"] - out["bound_kcny"]) / abs(out["objective_kcny"])
        if out["objective_kcny"]
        else 0.0
    )
    out["bound_valid"] = all(bool(m.get("bound_valid", False)) for m in mips)
    if any("lp_bound_kcny" in m for m in mips):
        # per part its window-relaxed bound, else its LP optimum (valid by its duals)
        objectives = {
            id(m): float(p.summary.objective_kcny or 0.0)
            for _, p in sorted(parts.items())
            if (m := p.summary.optimality.mode_mip)
        }
        out["lp_bound_kcny"] = sum(float(m.get("lp_bound_kcny", objectives[id(m)])) for m in mips)
    out["area_short_centres"] = sorted(c for m in mips for c in m.get("area_short_centres", []))
    out["iterations"] = sum(int(m.get("iterations", 0)) for m in mips)
    out["converged"] = all(bool(m.get("converged", True)) for m in mips)
    fits = {
        code: dict(m["area_fit"])
        for code, p in sorted(parts.items())
        if (m := p.summary.optimality.mode_mip) and "area_fit" in m
    }
    if fits:  # the floor-area re-solves of the parts that had a hall short of area
        out["area_fit"] = {
            "rounds": max(int(f["rounds"]) for f in fits.values()),
            "fitted": all(bool(f["fitted"]) for f in fits.values()),
            "capped_centre_stages": sum(int(f["capped_centre_stages"]) for f in fits.values()),
            "by_part": fits,
        }
    return out


def window_price(cen: pd.DataFrame, d: ModelData) -> dict[Key, tuple[float, float]]:
    r"""Each centre's chosen mode priced for the LP: its integer windows :math:`W` as the
    least windows the centre keeps (:math:`w \ge W`, load :math:`\le \kappa w`) and
    training per window-year (big general).

    At unchanged flows the LP's windows are then exactly the mode's (:math:`W` is at least
    the pooled load), so the plan before the re-solve is feasible for it at the same cost:
    the re-solve can only lower the cost, moving load into windows a mode keeps anyway or
    away from training, and floor area and the olive rows on windows follow the mode. A
    centre serving nothing keeps (0, 0).
    """
    later = cen[cen["stage"] > 0]
    windows = later["windows"].to_numpy(dtype=float)
    rules = d.modes
    training = 0.0 if rules is None else rules.training_cost
    extra = np.where(later["mode"].to_numpy() == MODES[2], training, 0.0)
    return {
        (int(s), str(c)): (float(w), float(e))
        for s, c, w, e in zip(later["stage"], later["centre_id"], windows, extra, strict=True)
        if w or e
    }


def with_lp_bound(
    plan_summary: PlanSummary,
    cen: pd.DataFrame,
    cfg: Config,
    first: dict[str, Any],
    history: dict[str, Any],
) -> PlanSummary:
    """The summary with the gap against the first (unpriced) LP's optimum, the valid
    bound (:func:`lp_side`), and the re-solves (``history``: iterations, converged,
    objectives)."""
    mip = dict(plan_summary.optimality.mode_mip or {})
    mip["lp_bound_kcny"] = float(first["objective"])
    mip["bound_valid"] = bool(first["bound_valid"])
    mip["positive_window_duals"] = int(first["positive_window_duals"])
    mip.update(history)
    return mode_summary(plan_summary, cen, cfg, mip)


DUAL_TOL = 1e-6
"""A window-time dual above this (kCNY per thousand minutes) would make idle windows pay."""


def lp_side(
    d: ModelData, solved: Solution, cen: pd.DataFrame, relaxed: float | None = None
) -> dict[str, Any]:
    r"""What the gap needs from the LP: its window and olive-on-windows terms (kCNY), whether
    its optimum bounds the joint problem, and floor area the plan's windows lack.

    The joint problem lets a centre hold more windows than its load needs (a mode's
    integer windows); the LP's window-time rows are equalities. Relaxed to
    :math:`\sum \mu x \le \kappa w` the LP is a relaxation of the joint problem, and its
    optimum equals the equality LP's when no window-time dual is positive (HiGHS's sign:
    a positive dual on a ``<=`` row would let an idle window lower the cost, e.g. by
    widening the county for the olive). Then the LP optimum is a valid lower bound.
    ``relaxed``: that relaxation's optimum, solved (:mod:`planner.solve.exact`): then it is
    the bound, valid whatever duals the solver returned.
    """
    lengths = d.lengths
    windows = sum(
        lengths[s] * (d.window_cost + d.window_price.get((s, c), (0.0, 0.0))[1]) * v
        for (s, c), v in solved.w.items()
    )
    olive = 0.0
    for (family, s, key), v in solved.policy.items():
        measure = key.split("__")[1] if family == "olive" else ""
        if measure in WINDOW_MEASURES:
            olive += lengths[s] * d.policy.penalty(measure) * v
    top_heavy = sum(lengths[s] * d.top_heavy_penalty * v for (s, _), v in solved.h.items())
    duals = solved.duals.get("windowtime", {})
    positive = sum(1 for y in duals.values() if y > DUAL_TOL)
    later = cen[cen["stage"] > 0]
    apw = later["centre_id"].map(d.centres["area_per_window"]).to_numpy(dtype=float)
    desk = d.backoffice_m2_per_desk * np.array(
        [
            solved.desks.get((int(s), str(c)), 0.0)
            for s, c in zip(later["stage"], later["centre_id"], strict=True)
        ]
    )
    need = apw * later["windows"].to_numpy(dtype=float) + desk
    short = np.clip(need - later["floor_area_m2"].to_numpy(dtype=float), 0.0, None)
    lacking = short >= SHORT_TOL_M2
    bound = {} if relaxed is None else {"lp_bound_kcny": float(relaxed)}
    return bound | {
        "lp_windows_kcny": float(windows),
        "lp_olive_kcny": float(olive),
        "lp_top_heavy_kcny": float(top_heavy),
        "bound_valid": relaxed is not None or (bool(duals) and positive == 0),
        "positive_window_duals": positive,
        "area_short_m2": float(short[lacking].sum()),
        "area_short_centres": sorted(
            f"{c} (stage {s}: its windows need {m2:,.0f} m2 more than its growth limit allows)"
            for s, c, m2 in zip(
                later["stage"][lacking], later["centre_id"][lacking], short[lacking], strict=True
            )
        ),
    }
