"""The plan's gap proven against a bound that sees integer windows, modes and training.

After the mode MIP the plan's cost (``optimality.window_modes.plan_cost_kcny``) is held
against the best of two lower bounds on the joint problem (flows, modes, integer windows,
training): the window-relaxed LP's optimum, and the Lagrangian bound of
:mod:`planner.solve.int_bound`, computed within ``windows.bound_time_s`` from the relaxed
LP's duals. ``optimality.window_modes.lagrangian`` reports it; ``lower_bound_kcny``,
``gap`` and ``bound_method`` follow the better bound; ``gap_proven`` needs the plan's
windows to fit its floor area (``mip.area_short_m2`` = 0). The Lagrangian bound is valid
whatever multipliers it reached (weak duality), so unlike the LP's it does not depend on
the sign of the window-time duals.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from planner.config.schema import Config
from planner.inputs.load import Inputs
from planner.model.data import ModelData, mode_rules
from planner.modes.rules import MODES, today_modes
from planner.plan.extract import Plan
from planner.plan.modes import today_need
from planner.solve.backends import LpArrays
from planner.solve.cone_bound import ConeRules, reachable, window_column
from planner.solve.driver import RelaxedLp
from planner.solve.int_bound import BoundRules, lagrangian_bound, split

log = logging.getLogger(__name__)

SAME = 1e-9
"""Bounds within this share of each other count as equal (the LP's is then named)."""

METHOD = (
    "Lagrangian relaxation of the demand rows (other rows at the window-relaxed LP's duals), "
    "one integer subproblem per centre: mode path, integer windows, training, loads; "
    "subgradient steps from the LP's duals"
)


def _today(inputs: Inputs) -> dict[str, int] | None:
    """Today's modes where the input gives them; else None (any: they follow the flows)."""
    if "mode" not in inputs.centres.columns:
        return None
    codes = {m: i for i, m in enumerate(MODES)}
    mode = inputs.centres["mode"].astype(str).str.strip().map(codes)
    return {str(c): int(m) for c, m in mode.items() if not math.isnan(m)}


def bound_rules(d: ModelData, cfg: Config, inputs: Inputs) -> BoundRules:
    rules = d.modes if d.modes is not None else mode_rules(cfg)
    return BoundRules(
        years={int(s): float(v) for s, v in d.lengths.items()},
        training=rules.training_cost,
        hot_volume=rules.standard_daily * cfg.windows.working_days_per_year / 1000.0,
        pooling=rules.pooling_efficiency,
        steps=rules.steps_per_stage,
        backwards=rules.backwards,
        today=_today(inputs),
    )


def cone_rules(d: ModelData, cfg: Config, inputs: Inputs) -> ConeRules:
    """The rules of :mod:`planner.solve.cone_bound`: the modes each (stage, centre) can
    reach from today's mode (as the plan infers it, :func:`planner.plan.modes.today_need`:
    from the data only) under the pace, the phases in which a county's centres may step
    towards general windows and the levels that may run big general."""
    rules = d.modes if d.modes is not None else mode_rules(cfg)
    win = cfg.windows
    now = today_need(inputs, cfg, d.centres["window_capacity"], rules)
    today, _ = today_modes(inputs.centres, now, 0)
    held = {key: False for key, ph in d.policy.phase.items() if ph not in set(win.convert_phases)}
    big = {str(c): lv in set(win.big_general_levels) for c, lv in d.centres["level"].items()}
    reach = reachable(
        {str(c): int(m) for c, m in today.items()},
        list(d.stages),
        held,
        big,
        rules.steps_per_stage,
        rules.backwards,
    )
    return ConeRules(
        years={int(s): float(v) for s, v in d.lengths.items()},
        training=rules.training_cost,
        hot_volume=rules.standard_daily * win.working_days_per_year / 1000.0,
        pooling=rules.pooling_efficiency,
        reach=reach,
    )


def with_integer_bound(
    plan: Plan, relaxed: RelaxedLp | None, d: ModelData, cfg: Config, inputs: Inputs
) -> Plan:
    """The plan with ``optimality.window_modes`` holding the Lagrangian bound (module
    docstring); unchanged when the budget is 0, the relaxed LP was not solved, or the
    pooling efficiency is above 1 (the modes' windows are then no integer windows of the
    pooled load)."""
    modes = plan.summary.optimality.window_modes
    budget = cfg.windows.bound_time_s
    if relaxed is None or budget <= 0 or not modes or "plan_cost_kcny" not in modes:
        return plan
    if cfg.windows.pooling_efficiency > 1:
        return plan
    upper = float(modes["plan_cost_kcny"])
    # training is the subproblems' own: the LP's costs without forced training (plan.forced)
    problem = split(unpriced(relaxed.arrays, d), bound_rules(d, cfg, inputs))
    steps = cfg.windows.bound_steps
    out = lagrangian_bound(problem, relaxed.duals, upper, budget, max_steps=steps)
    seconds = float(out["seconds"])
    # seconds go to the manifest's timings (step "bound"): the summary stays a function of
    # the config and data (unless the time budget ended the steps: ``stopped`` says so)
    report = {k: out[k] for k in ("bound_kcny", "at_lp_duals_kcny", "steps", "stopped")}
    window_modes = dict(modes)
    window_modes["lagrangian"] = {
        "method": METHOD,
        "budget_s": budget,
        "steps_limit": steps,
        **report,
    }
    window_modes.update(_gap(window_modes, upper, float(out["bound_kcny"])))
    optimality = replace(plan.summary.optimality, window_modes=window_modes)
    log.info(
        "bound: %.0f kCNY (LP %.0f), plan %.0f, gap %.3f%% in %.1f s",
        out["bound_kcny"],
        float(modes.get("lower_bound_kcny", np.nan)),
        upper,
        100 * window_modes["gap"],
        seconds,
    )
    return replace(plan, summary=replace(plan.summary, optimality=optimality))


def kept_bound(modes: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """``optimality.window_modes`` of a plan re-solved after the bound (``modes``) with the
    Lagrangian bound of the plan before it (``before``) kept: it bounds the joint problem
    whatever the plan, so the gap is the new plan's cost against the better bound."""
    out = dict(modes)
    lagrangian = before.get("lagrangian")
    if not lagrangian or "plan_cost_kcny" not in out:
        return out
    out["lagrangian"] = lagrangian
    out.update(_gap(out, float(out["plan_cost_kcny"]), float(lagrangian["bound_kcny"])))
    return out


def _gap(modes: Mapping[str, Any], upper: float, lagrangian: float) -> dict[str, Any]:
    lp = float(modes.get("lower_bound_kcny", -math.inf))
    mip = modes.get("mip", {})
    lp_valid = bool(mip.get("bound_valid", True)) if mip else True
    fits = float(mip.get("area_short_m2", 0.0)) < 0.5 if mip else True
    # the LP's bound unless the Lagrangian is above it by more than floating-point noise
    use_lp = lp_valid and lp >= lagrangian - SAME * abs(lp)
    lower = lp if use_lp else lagrangian
    gap = (upper - lower) / upper if upper > 0 else 0.0
    return {
        "lower_bound_kcny": lower,
        "lp_lower_bound_kcny": lp,
        "bound_method": "window-relaxed LP" if use_lp else "Lagrangian (integer windows, modes)",
        "gap": gap,
        "gap_proven": math.isfinite(gap) and fits,
    }


def unpriced(lp: LpArrays, d: ModelData) -> LpArrays:
    """``lp`` with each window column's cost back at the window cost: the extras of
    ``d.window_price`` (per window-year, times the stage's years) taken off. A window
    column is found by its window-time row (``windowtime__<stage>__<centre>``, the one
    negative coefficient)."""
    if not any(extra for _, extra in d.window_price.values()):
        return lp
    cost = lp.cost.copy()
    for (s, c), (_, extra) in d.window_price.items():
        i = lp.row_index.get(f"windowtime__{s}__{c}")
        if not extra or i is None:
            continue
        cost[window_column(lp, i)] -= extra * d.lengths[s]
    return replace(lp, cost=np.asarray(cost))
