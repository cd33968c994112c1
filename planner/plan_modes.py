"""Window modes in the plan: the mode step after the LP and its summary fields.

What each mode needs per centre and stage comes from the items the LP's flows put there
(:func:`planner.model.modes.mode_windows`); every centre's path is chosen by one
mixed-integer model over all centres (:func:`planner.model.mode_mip.solve_mode_mip`), with
the LP's olive rows on windows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from planner.config import LEVELS, Config
from planner.errors import InputError
from planner.inputs import Inputs
from planner.model.data import ModelData, mode_rules
from planner.model.mode_mip import WINDOW_MEASURES, MipOptions, OliveSpec, solve_mode_mip
from planner.model.modes import MODES, mode_bounds, mode_windows, today_modes
from planner.model.solvers import Solution as SolverSolution
from planner.summary import PlanSummary, mode_savings

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
    )


def _window_modes(
    d: ModelData, used: pd.DataFrame, inputs: Inputs, cfg: Config, desks: dict[Key, float]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The chosen window mode per (stage, centre), today's (stage 0) modes and the MIP's
    report.

    What each mode needs comes from the items served at the centre
    (:func:`planner.model.modes.mode_windows`), the paths of all centres together from
    :func:`planner.model.mode_mip.solve_mode_mip`; today's mode from today's windows
    against the same needs (:func:`today_modes`).
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
    try:
        today, source = today_modes(inputs.centres, need, d.stages[0])
    except ValueError as exc:
        raise InputError(str(exc)) from None
    options = MipOptions(cfg.windows.mode_mip_gap, cfg.windows.mode_time_limit_s)
    mip = solve_mode_mip(need, today, d.stages, d.lengths, rules, olive_spec(d, desks), options)
    chosen = mip.chosen.reset_index()
    chosen["mode_source"] = "decided"
    w0 = inputs.centres["windows"].astype(float)
    first = need.xs(d.stages[0], level="stage")["ded1"] if len(need) else pd.Series(dtype=float)
    m0 = today.to_numpy()
    ded_small = np.minimum(first.reindex(today.index).fillna(0.0), np.maximum(w0 - 1.0, 0.0))
    dedicated = np.select([m0 == 0, m0 == 1], [w0.to_numpy(), ded_small.to_numpy()], 0.0)
    stage0 = pd.DataFrame(
        {
            "stage": 0,
            "centre_id": today.index,
            "mode": np.array(MODES, dtype=object)[m0],
            "mode_source": source,
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
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The centre table with each stage's mode and the integer windows it needs, and the
    mode MIP's report."""
    chosen, stage0, info = _window_modes(d, used, inputs, cfg, desks)
    cols = [
        "mode",
        "mode_source",
        "windows_dedicated",
        "windows_general",
        "windows_traditional",
        "dedicated_items",
        "training_kcny",
    ]
    table = pd.concat(
        [stage0[["stage", "centre_id", *cols]], chosen[["stage", "centre_id", *cols, "windows"]]],
        ignore_index=True,
    ).set_index(["stage", "centre_id"])
    out = cen.join(table.rename(columns={"windows": "windows_mode"}), on=["stage", "centre_id"])
    out["windows"] = np.where(out["stage"] > 0, out["windows_mode"], out["windows"])
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
    problem (:func:`planner.model.modes.mode_bounds`) under ``optimality.window_modes``."""
    rules = mode_rules(cfg)
    lengths = {s: float(n) for s, n in enumerate(cfg.stages.lengths, start=1)}
    optimality = dict(summary.optimality)
    optimality["window_modes"] = mode_bounds(cen, summary.objective_kcny, lengths, rules, mip)
    return replace(
        summary, optimality=optimality, mode_savings=mode_savings(cen, rules.window_cost)
    )


def combined_mip(parts: dict[str, Any]) -> dict[str, Any] | None:
    """The mode MIPs of independently solved parts as one report: objectives and bounds
    add up (the parts share no row), the gap is recomputed from them, seconds add up."""
    mips = [
        p.summary.optimality.get("window_modes", {}).get("mip") for _, p in sorted(parts.items())
    ]
    mips = [m for m in mips if m]
    if not mips:
        return None
    objective = sum(m["objective_kcny"] for m in mips)
    bound = sum(m["bound_kcny"] for m in mips)
    statuses = sorted({m["status"] for m in mips})
    return {
        "status": statuses[0] if len(statuses) == 1 else ", ".join(statuses),
        "objective_kcny": objective,
        "bound_kcny": bound,
        "gap": (objective - bound) / abs(objective) if objective else 0.0,
        "seconds": sum(m["seconds"] for m in mips),
        "binaries": sum(m["binaries"] for m in mips),
        "olive_rows": sum(m["olive_rows"] for m in mips),
        "olive_violation_kcny": sum(m["olive_violation_kcny"] for m in mips),
    }


DUAL_TOL = 1e-6
"""A window-time dual above this (kCNY per thousand minutes) would make idle windows pay."""


def lp_side(d: ModelData, solved: SolverSolution, cen: pd.DataFrame) -> dict[str, Any]:
    """What the gap needs from the LP: its window and olive-on-windows terms (kCNY), whether
    its optimum bounds the joint problem, and floor area the plan's windows lack.

    The joint problem lets a centre hold more windows than its load needs (a mode's
    integer windows); the LP's window-time rows are equalities. Relaxed to
    :math:`\\sum \\mu x \\le \\kappa w` the LP is a relaxation of the joint problem, and its
    optimum equals the equality LP's when no window-time dual is positive (HiGHS's sign:
    a positive dual on a ``<=`` row would let an idle window lower the cost, e.g. by
    widening the county for the olive). Then the LP optimum is a valid lower bound.
    """
    lengths = d.lengths
    windows = sum(lengths[s] * d.window_cost * v for (s, _), v in solved.w.items())
    olive = 0.0
    for (family, s, key), v in solved.policy.items():
        measure = key.split("__")[1]
        if family == "olive" and measure in WINDOW_MEASURES:
            olive += lengths[s] * d.policy.penalty(measure) * v
    duals = solved.duals.get("windowtime", {})
    positive = sum(1 for y in duals.values() if y > DUAL_TOL)
    later = cen[cen["stage"] > 0]
    apw = later["centre_id"].map(d.centres["area_per_window"]).to_numpy(dtype=float)
    desk = later["area_in_use_m2"].to_numpy() - apw * later["windows_lp"].to_numpy()
    need = apw * later["windows"].to_numpy(dtype=float) + desk
    short = np.clip(need - later["floor_area_m2"].to_numpy(dtype=float), 0.0, None)
    return {
        "lp_windows_kcny": float(windows),
        "lp_olive_kcny": float(olive),
        "bound_valid": bool(duals) and positive == 0,
        "positive_window_duals": positive,
        "area_short_m2": float(short.sum()),
    }
