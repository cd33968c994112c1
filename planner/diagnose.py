"""Explain a solve that produced no usable plan, in words a planner can act on.

The LP is feasible by construction unless a *hard* rule is set: a hard township minimum
station, an area budget, a service guarantee (unserved cap), growth and shrink limits and
the core area of each level. For an infeasible plan the model is rebuilt **elastically**
(every hard rule gets a violation variable at a penalty that dominates every cost) and
solved again; the rules that must be violated, where, and the config key that relaxes them
make the diagnosis.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.model.build import build_model
from planner.solve import solve

if TYPE_CHECKING:
    from planner.model.data import ModelData
    from planner.pipeline import RunResult

log = logging.getLogger(__name__)

VIOLATION_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Violation:
    family: str
    stage: int
    ids: tuple[str, ...]
    amount: float
    config_key: str


def _config_key(family: str, ids: tuple[str, ...], data: ModelData) -> str:
    if family in {"growth", "shrink", "core_area"}:
        levels = sorted({str(data.centres.at[c, "level"]) for c in ids if c in data.centres.index})
        field = {
            "growth": "max_growth_per_stage",
            "shrink": "max_shrink_per_stage",
            "core_area": "min_area_m2",
        }[family]
        return ", ".join(f"policy.levels.{lv}.{field}" for lv in levels)
    return {
        "township_min": "policy.township_min_station_hard (or township_min_station_m2)",
        "area_budget": "policy.max_total_area_m2",
        "unserved_cap": "policy.max_unserved_share",
    }.get(family, family)


def elastic_violations(data: ModelData, run: RunResult) -> list[Violation]:
    """Solve the elastic LP and group the hard rules it had to violate."""
    model = build_model(data, elastic=True)
    result = solve(model, run.prepared.loaded.config.solver)
    if not result.is_ok or result.solution is None:
        return []
    grouped: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    for (family, stage, key), value in result.solution.elastic.items():
        if value > VIOLATION_TOLERANCE:
            grouped[family, stage].append((key, value))
    out = []
    for (family, stage), hits in sorted(grouped.items()):
        ids = tuple(sorted(k for k, _ in hits))
        out.append(
            Violation(family, stage, ids, sum(v for _, v in hits), _config_key(family, ids, data))
        )
    return out


WHAT = {
    "township_min": "the hard minimum township station cannot be reached",
    "area_budget": "the area budget is too small for the core areas and minimum stations",
    "unserved_cap": "the service guarantee cannot be met within the capacity limits",
    "growth": "centres would have to grow beyond their growth limit",
    "shrink": "centres would have to shrink faster than allowed",
    "core_area": "centres would have to fall below their core area",
}


def describe(violations: list[Violation]) -> str:
    """One line naming the binding rule families, where, and the keys to relax."""
    if not violations:
        return "the elastic re-solve found no violated rule (numerical trouble?)"
    parts = []
    for v in violations[:3]:
        shown = ", ".join(v.ids[:4]) + (f" and {len(v.ids) - 4} more" if len(v.ids) > 4 else "")
        parts.append(
            f"stage {v.stage}: {WHAT.get(v.family, v.family)} ({shown}; short by "
            f"{v.amount:,.1f}); relax {v.config_key}"
        )
    more = f"; and {len(violations) - 3} more" if len(violations) > 3 else ""
    return "; ".join(parts) + more


def explain(run: RunResult) -> str:
    """One line: what went wrong and which config key to look at."""
    r = run.result
    if r.status == "infeasible":
        failing = [p for p in run.parts.values() if p.result.status == "infeasible"] or [run]
        part = failing[0]
        data = part.prepared.data
        where = ""
        if run.parts:
            code = next(k for k, p in run.parts.items() if p is part)
            where = f" (province {code})"
        detail = describe(elastic_violations(data, part)) if data is not None else ""
        return f"the plan is infeasible{where}: {detail}"
    if r.status == "time_limit_no_solution":
        limit = run.prepared.loaded.config.solver.time_limit_s
        return (
            f"the solver stopped at its time limit ({limit:g} s) without a feasible plan; "
            "raise solver.time_limit_s"
        )
    if r.status == "unbounded":
        return (
            "the LP is unbounded: a cost weight is negative or a bound is missing "
            "(a bug: please report it)"
        )
    return (
        f"the solver failed with status '{r.status}' ({r.detail}); "
        "try solver.method = 'ipm' or 'simplex'"
    )
