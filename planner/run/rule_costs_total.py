"""What each policy rule costs in total: the objective increase against
the same run with that rule relaxed, re-solved (on Dask when workers are given, else one
after another).

Each relaxation is a config change (or, for travel limits, an item-catalogue change) applied
to the run's own inputs, travel table and maturity, so only the rule differs:

* ``olive``: no olive stage (``policy.olive.stages = []``);
* ``top-heavy cap``: no top-heavy penalty;
* ``no growth at province and city``: their growth unbounded;
* ``level floor``: no floor against today;
* ``township minimum station``: no minimum;
* ``shrink limits``: every level may shrink by 100% a stage (also where a phase overrides
  it);
* ``rules by phase``: no ``policy.by_phase`` override (every level's own rules);
* ``staff cut limit``: no ``policy.staff.max_window_cut_per_stage``;
* ``redeployment cost``: staff redeployed at no cost;
* ``travel limits``: every item may travel as far as the longest limit in the catalogue
  (the reach of the travel table).

A rule's total cost is ``objective(run) - objective(relaxed)`` in kCNY over all stages:
positive when the rule costs money, about 0 when it does not bind.

The re-solves share the run's time budget: ``solver.time_limit_s`` counted from the run's
start (:meth:`planner.steps.Timings.deadline`). A re-solve that finds no time left is skipped;
one that starts gets what is left as its limit. Each re-solve skipped, cut short or failed
is named (:class:`Relaxed` ``skipped``: a warning and an entry of
``optimality.skipped_steps``), and its status in ``rule_totals.csv`` says what its figure
rests on (:data:`OPTIMAL` ... :data:`SKIPPED`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from planner import steps
from planner.config.phase import PHASE_LEVELS, PHASE_NAMES
from planner.config.schema import LEVELS, Config, deep_merge
from planner.inputs.load import Inputs
from planner.model.build import build_model
from planner.model.data import prepare
from planner.plan.forced import price_forced_training
from planner.run.dask_cluster import dask_client
from planner.solve.driver import SolveResult, initial_arcs, solve
from planner.solve.status import Status

log = logging.getLogger(__name__)

TRAVEL = "travel limits"
RELAXATIONS: dict[str, dict[str, Any]] = {
    "olive": {"policy": {"olive": {"stages": []}}},
    "top-heavy cap": {"costs": {"top_heavy_penalty_per_m2_year": 0.0}},
    "no growth at province and city": {
        "policy": {
            "levels": {lv: {"max_growth_per_stage": "unbounded"} for lv in ("province", "city")}
        }
    },
    "level floor": {"policy": {"level_floor": {"share_of_today": None}}},
    "township minimum station": {
        "policy": {
            "township_min_station_m2": 0.0,
            "by_phase": {ph: {"township_min_station_m2": 0.0} for ph in PHASE_NAMES},
        }
    },
    "shrink limits": {
        "policy": {
            "levels": {lv: {"max_shrink_per_stage": 1.0} for lv in LEVELS},
            "by_phase": {
                ph: {lv: {"max_shrink_per_stage": 1.0} for lv in PHASE_LEVELS} for ph in PHASE_NAMES
            },
        }
    },
    "rules by phase": {"policy": {"by_phase": dict.fromkeys(PHASE_NAMES)}},
    "staff cut limit": {
        "policy": {
            "staff": {"max_window_cut_per_stage": None},
            "by_phase": {
                ph: {lv: {"max_window_cut_per_stage": 1.0} for lv in PHASE_LEVELS}
                for ph in PHASE_NAMES
            },
        }
    },
    "redeployment cost": {
        "policy": {"staff": {"redeploy_cost_per_window": 0.0, "redeploy_cost_per_desk": 0.0}}
    },
    "pace": {
        "policy": {
            "pace": {
                "centre_max_loss_per_stage": None,
                "level_max_loss_per_stage": None,
                "region_max_loss_per_stage": [],
            },
            "by_phase": {
                ph: {lv: {"max_loss_per_stage": 1.0} for lv in PHASE_LEVELS} for ph in PHASE_NAMES
            },
        }
    },
    TRAVEL: {},
}
"""Rule family -> the config change that relaxes it (travel limits change the items)."""
COLUMNS = ["rule", "objective_kcny", "relaxed_objective_kcny", "total_cost_kcny", "status"]
OPTIMAL = "optimal"
COST_OPTIMAL = "optimal cost (tie-break cut short)"
"""The time ran out in a tie-break phase: the objective is the cost optimum, the cost holds."""
NOT_OPTIMAL = "not optimal (time limit)"
"""The time ran out in the cost phase: the relaxed objective is a feasible point's, above the
optimum, so the total cost is understated."""
NO_SOLUTION = "no solution (time limit)"
SKIPPED = "skipped (no time left)"
NO_TIME = "no time left of solver.time_limit_s (counted from the run's start)"


@dataclass(frozen=True)
class Part:
    """One independently solved LP of the run (a province, or the whole dataset)."""

    inputs: Inputs
    travel: pd.DataFrame
    maturity: pd.DataFrame
    objective: float
    code: str = ""
    """The province of a decomposed run ("" for a run solved as one LP)."""


@dataclass(frozen=True)
class Relaxed:
    """One re-solve: the relaxed objective (None when not computed), the status the table
    shows and, when it was skipped, cut short or failed, why (None when it solved)."""

    objective: float | None
    status: str
    skipped: str | None = None


def relaxed_config(cfg: Config, rule: str) -> Config:
    """``cfg`` with ``rule`` relaxed."""
    merged = deep_merge(cfg.model_dump(), RELAXATIONS[rule])
    # a merge cannot empty a table: None marks the tables a relaxation empties
    if merged["policy"]["level_floor"]["share_of_today"] is None:
        merged["policy"]["level_floor"]["share_of_today"] = {}
    if merged["policy"]["staff"]["max_window_cut_per_stage"] is None:
        merged["policy"]["staff"]["max_window_cut_per_stage"] = {}
    for key in ("centre_max_loss_per_stage", "level_max_loss_per_stage"):
        if merged["policy"]["pace"][key] is None:
            merged["policy"]["pace"][key] = {}
    by_phase = merged["policy"]["by_phase"]
    for phase in PHASE_NAMES:
        if by_phase[phase] is None:
            by_phase[phase] = {}  # no override: every level's own rules
    return Config.model_validate(merged)


def relaxed_objective(part: Part, cfg: Config, rule: str, deadline: float) -> Relaxed:
    """``part`` re-solved with ``rule`` relaxed, within what is left before ``deadline``
    (on :func:`planner.steps.clock`)."""
    left = deadline - steps.clock()
    if left <= 0:
        log.info("rule costs: %s skipped: %s", rule, NO_TIME)
        return Relaxed(None, SKIPPED, NO_TIME)
    inputs = part.inputs
    if rule == TRAVEL:
        longest = float(inputs.items["max_travel_min"].max())
        inputs = replace(inputs, items=inputs.items.assign(max_travel_min=longest))
    relaxed = relaxed_config(cfg, rule)
    limit = min(relaxed.solver.time_limit_s, left)
    relaxed = relaxed.model_copy(
        update={"solver": relaxed.solver.model_copy(update={"time_limit_s": limit})}
    )
    data = prepare(inputs, part.travel, part.maturity, relaxed)
    data = price_forced_training(data, relaxed, inputs)
    model = build_model(data, arcs=initial_arcs(data, relaxed.solver))
    result = solve(model, relaxed.solver)
    log.info("rule costs: %s relaxed: %s", rule, result.status)
    return judged(result)


def judged(result: SolveResult) -> Relaxed:
    """What a re-solve's objective is worth (module docstring)."""
    stopped = f"it stopped at solver.time_limit_s ({result.detail})"
    if result.status == Status.OPTIMAL:
        return Relaxed(result.objective, OPTIMAL)
    if result.status == Status.TIME_LIMIT and result.objective is not None:
        phase = result.optimality.stopped_in
        if phase not in (None, "cost"):
            why = f"{stopped} in phase {phase!r}: its cost optimum holds"
            return Relaxed(result.objective, COST_OPTIMAL, why)
        why = f"{stopped} in the cost phase: not optimal, the total cost is understated"
        return Relaxed(result.objective, NOT_OPTIMAL, why)
    if result.status in (Status.TIME_LIMIT, Status.TIME_LIMIT_NO_SOLUTION):
        return Relaxed(None, NO_SOLUTION, f"{stopped} without a solution: no total cost")
    return Relaxed(None, str(result.status), f"it gave {result.status}: no total cost")


def total_costs(
    parts: list[Part], cfg: Config, deadline: float, workers: int = 1
) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """One row per rule family: the run's objective, the relaxed one and the difference
    (summed over the parts); and the re-solves skipped, cut short or failed (``step`` and
    ``reason``, one per rule, in the table's order)."""
    tasks = [(i, rule) for rule in RELAXATIONS for i in range(len(parts))]
    if workers > 1:
        with dask_client(workers=workers, max_workers=len(tasks)) as client:
            futures = [
                client.submit(
                    relaxed_objective, parts[i], cfg, rule, deadline, key=f"relax-{rule}-{i}"
                )
                for i, rule in tasks
            ]
            outcomes = [f.result() for f in futures]
    else:
        outcomes = [relaxed_objective(parts[i], cfg, rule, deadline) for i, rule in tasks]
    base = sum(p.objective for p in parts)
    rows, skipped = [], []
    for rule in RELAXATIONS:
        mine = [(parts[i], out) for (i, r), out in zip(tasks, outcomes, strict=True) if r == rule]
        ok = all(out.objective is not None for _, out in mine)
        relaxed = sum(out.objective or 0.0 for _, out in mine) if ok else None
        statuses = sorted({out.status for _, out in mine})
        rows.append(
            {
                "rule": rule,
                "objective_kcny": base,
                "relaxed_objective_kcny": relaxed,
                "total_cost_kcny": None if relaxed is None else base - relaxed,
                "status": ", ".join(statuses),
            }
        )
        reasons = [(part.code, out.skipped) for part, out in mine if out.skipped is not None]
        if reasons:
            skipped.append({"step": f"rule cost re-solve: {rule}", "reason": _reason(reasons)})
    return pd.DataFrame(rows, columns=COLUMNS), skipped


def _reason(reasons: list[tuple[str, str]]) -> str:
    """The distinct reasons of one rule's re-solves, each with its provinces when the run
    was solved in parts."""
    by_reason: dict[str, list[str]] = {}
    for code, why in reasons:
        by_reason.setdefault(why, []).append(code)
    return "; ".join(
        f"province {', '.join(codes)}: {why}" if any(codes) else why
        for why, codes in by_reason.items()
    )
