"""What each policy rule costs in total (issue 15, item 7b): the objective increase against
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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from planner.config.phase import PHASE_LEVELS, PHASE_NAMES
from planner.config.schema import LEVELS, Config, deep_merge
from planner.inputs.load import Inputs
from planner.model.build import build_model
from planner.model.data import prepare
from planner.run.dask_cluster import dask_client
from planner.solve.driver import initial_arcs, solve

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
    TRAVEL: {},
}
"""Rule family -> the config change that relaxes it (travel limits change the items)."""
COLUMNS = ["rule", "objective_kcny", "relaxed_objective_kcny", "total_cost_kcny", "status"]


@dataclass(frozen=True)
class Part:
    """One independently solved LP of the run (a province, or the whole dataset)."""

    inputs: Inputs
    travel: pd.DataFrame
    maturity: pd.DataFrame
    objective: float


def relaxed_config(cfg: Config, rule: str) -> Config:
    """``cfg`` with ``rule`` relaxed."""
    merged = deep_merge(cfg.model_dump(), RELAXATIONS[rule])
    # a merge cannot empty a table: None marks the tables a relaxation empties
    if merged["policy"]["level_floor"]["share_of_today"] is None:
        merged["policy"]["level_floor"]["share_of_today"] = {}
    if merged["policy"]["staff"]["max_window_cut_per_stage"] is None:
        merged["policy"]["staff"]["max_window_cut_per_stage"] = {}
    by_phase = merged["policy"]["by_phase"]
    for phase in PHASE_NAMES:
        if by_phase[phase] is None:
            by_phase[phase] = {}  # no override: every level's own rules
    return Config.model_validate(merged)


def relaxed_objective(part: Part, cfg: Config, rule: str) -> tuple[float | None, str]:
    """The objective (kCNY) and solve status of ``part`` with ``rule`` relaxed."""
    inputs = part.inputs
    if rule == TRAVEL:
        longest = float(inputs.items["max_travel_min"].max())
        inputs = replace(inputs, items=inputs.items.assign(max_travel_min=longest))
    relaxed = relaxed_config(cfg, rule)
    data = prepare(inputs, part.travel, part.maturity, relaxed)
    model = build_model(data, arcs=initial_arcs(data, relaxed.solver))
    result = solve(model, relaxed.solver)
    log.info("rule costs: %s relaxed: %s", rule, result.status)
    return (result.objective if result.is_ok else None), str(result.status)


def total_costs(parts: list[Part], cfg: Config, workers: int = 1) -> pd.DataFrame:
    """One row per rule family: the run's objective, the relaxed one and the difference
    (summed over the parts)."""
    tasks = [(i, rule) for rule in RELAXATIONS for i in range(len(parts))]
    if workers > 1:
        with dask_client(workers=workers, max_workers=len(tasks)) as client:
            futures = [
                client.submit(relaxed_objective, parts[i], cfg, rule, key=f"relax-{rule}-{i}")
                for i, rule in tasks
            ]
            outcomes = [f.result() for f in futures]
    else:
        outcomes = [relaxed_objective(parts[i], cfg, rule) for i, rule in tasks]
    base = sum(p.objective for p in parts)
    rows = []
    for rule in RELAXATIONS:
        mine = [out for (i, r), out in zip(tasks, outcomes, strict=True) if r == rule]
        ok = all(obj is not None for obj, _ in mine)
        relaxed = sum(obj or 0.0 for obj, _ in mine) if ok else None
        status = "optimal" if ok else ", ".join(sorted({s for _, s in mine}))
        rows.append(
            {
                "rule": rule,
                "objective_kcny": base,
                "relaxed_objective_kcny": relaxed,
                "total_cost_kcny": None if relaxed is None else base - relaxed,
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
