"""Explain a solve that produced no usable plan, in words a planner can act on.

The LP is feasible by construction unless a *hard* rule is set: a hard township minimum
station, an area budget, a service guarantee (unserved cap), growth and shrink limits and
the core area of each level. For an infeasible plan the model is rebuilt **elastically**
(every hard rule gets a violation variable at a penalty that dominates every cost) and
solved again; the rules that must be violated, where, and the config key that relaxes them
make the diagnosis. The re-solve gets what is left of ``solver.time_limit_s`` counted from the
run's start: with no time left it is skipped, and a re-solve cut short or failed is named in
the diagnosis (:class:`Diagnosis` ``note``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner import steps
from planner.model.build import build_model
from planner.model.terms import ElasticRule
from planner.solve.driver import solve
from planner.solve.status import Status

if TYPE_CHECKING:
    from planner.model.data import ModelData
    from planner.run.pipeline import RunResult

log = logging.getLogger(__name__)

VIOLATION_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Violation:
    family: ElasticRule
    stage: int
    ids: tuple[str, ...]
    amount: float
    config_key: str


LEVEL_KEYS = {
    ElasticRule.GROWTH: "max_growth_per_stage",
    ElasticRule.SHRINK: "max_shrink_per_stage",
    ElasticRule.CORE_AREA: "min_area_m2",
}
"""Rules relaxed per level: the key under ``policy.levels.<level>``."""
CONFIG_KEYS = {
    ElasticRule.TOWNSHIP_MIN: "policy.township_min_station_hard (or township_min_station_m2)",
    ElasticRule.AREA_BUDGET: "policy.max_total_area_m2",
    ElasticRule.UNSERVED_CAP: "policy.max_unserved_share",
    ElasticRule.OLIVE: "policy.olive.hard (or policy.olive.stages)",
    ElasticRule.LEVEL_FLOOR: "policy.level_floor.hard (or policy.level_floor.share_of_today)",
    ElasticRule.STAFF_CUT: "policy.staff.hard (or policy.staff.max_window_cut_per_stage)",
    ElasticRule.PACE: "policy.pace.hard (or its max_loss_per_stage shares)",
}
"""Rules relaxed by one config key."""


def _config_key(family: ElasticRule, ids: tuple[str, ...], data: ModelData) -> str:
    if family in LEVEL_KEYS:
        levels = sorted({str(data.centres.at[c, "level"]) for c in ids if c in data.centres.index})
        return ", ".join(f"policy.levels.{lv}.{LEVEL_KEYS[family]}" for lv in levels)
    return CONFIG_KEYS[family]


@dataclass(frozen=True)
class Diagnosis:
    """The violations the elastic re-solve found, and what they rest on when it did not
    finish (``note``: skipped, cut short or failed; None when it solved)."""

    violations: list[Violation]
    note: str | None = None


NO_TIME = (
    "the diagnosis (an elastic re-solve) was skipped: no time left of solver.time_limit_s "
    "(counted from the run's start); raise it to see which rule cannot hold"
)


def elastic_violations(data: ModelData, run: RunResult, deadline: float) -> Diagnosis:
    """Solve the elastic LP within what is left before ``deadline`` (on
    :func:`planner.steps.clock`) and group the hard rules it had to violate."""
    cfg = run.prepared.loaded.config.solver
    left = deadline - steps.clock()
    if left <= 0:
        log.info("diagnosis skipped: no time left of solver.time_limit_s")
        return Diagnosis([], NO_TIME)
    with run.prepared.timings.step("diagnosis"):
        model = build_model(data, elastic=True)
        result = solve(model, cfg.model_copy(update={"time_limit_s": min(cfg.time_limit_s, left)}))
    stopped = (
        f"the diagnosis (an elastic re-solve) stopped at solver.time_limit_s ({result.detail})"
    )
    if not result.is_ok or result.solution is None:
        if result.status == Status.TIME_LIMIT_NO_SOLUTION:
            return Diagnosis([], f"{stopped} without a solution; raise solver.time_limit_s")
        return Diagnosis([], f"the diagnosis (an elastic re-solve) gave {result.status}")
    note = None
    if result.status != Status.OPTIMAL:
        phase = result.optimality.stopped_in
        if phase in (None, "cost"):
            note = f"{stopped} in its cost phase: these violations are one way out, not the least"
        else:
            note = f"{stopped} in phase {phase!r}: its cost phase ended, the violations hold"
    grouped: dict[tuple[ElasticRule, int], list[tuple[str, float]]] = defaultdict(list)
    for (family, stage, key), value in result.solution.elastic.items():
        if value > VIOLATION_TOLERANCE:
            grouped[ElasticRule(family), stage].append((key, value))
    out = []
    for (family, stage), hits in sorted(grouped.items()):
        ids = tuple(sorted(k for k, _ in hits))
        out.append(
            Violation(family, stage, ids, sum(v for _, v in hits), _config_key(family, ids, data))
        )
    return Diagnosis(out, note)


WHAT = {
    ElasticRule.TOWNSHIP_MIN: "the hard minimum township station cannot be reached",
    ElasticRule.AREA_BUDGET: "the area budget is too small for the core areas and minimum stations",
    ElasticRule.UNSERVED_CAP: "the service guarantee cannot be met within the capacity limits",
    ElasticRule.GROWTH: "centres would have to grow beyond their growth limit",
    ElasticRule.SHRINK: "centres would have to shrink faster than allowed",
    ElasticRule.CORE_AREA: "centres would have to fall below their core area",
    ElasticRule.OLIVE: "the hard olive (county widest, province narrowest) cannot hold",
    ElasticRule.LEVEL_FLOOR: "a level cannot keep its floor against today's size",
    ElasticRule.STAFF_CUT: "windows would have to be cut faster than staff can be redeployed",
}


def describe(diagnosis: Diagnosis) -> str:
    """One line naming the binding rule families, where, and the keys to relax; and what it
    rests on when the re-solve did not finish."""
    violations = diagnosis.violations
    if not violations:
        return diagnosis.note or "the elastic re-solve found no violated rule (numerical trouble?)"
    parts = []
    for v in violations[:3]:
        shown = ", ".join(v.ids[:4]) + (f" and {len(v.ids) - 4} more" if len(v.ids) > 4 else "")
        parts.append(
            f"stage {v.stage}: {WHAT[v.family]} ({shown}; short by "
            f"{v.amount:,.1f}); relax {v.config_key}"
        )
    more = f"; and {len(violations) - 3} more" if len(violations) > 3 else ""
    note = f" ({diagnosis.note})" if diagnosis.note else ""
    return "; ".join(parts) + more + note


def explain(run: RunResult) -> str:
    """One line: what went wrong and which config key to look at."""
    r = run.result
    if r.status == Status.INFEASIBLE:
        failing = [p for p in run.parts.values() if p.result.status == Status.INFEASIBLE] or [run]
        part = failing[0]
        data = part.prepared.data
        where = ""
        if run.parts:
            code = next(k for k, p in run.parts.items() if p is part)
            where = f" (province {code})"
        deadline = run.prepared.timings.deadline(run.prepared.loaded.config.solver.time_limit_s)
        detail = describe(elastic_violations(data, part, deadline)) if data is not None else ""
        return f"the plan is infeasible{where}: {detail}"
    if r.status == Status.TIME_LIMIT_NO_SOLUTION:
        limit = run.prepared.loaded.config.solver.time_limit_s
        return (
            f"the solver stopped at its time limit ({limit:g} s) without a feasible plan; "
            "raise solver.time_limit_s"
        )
    if r.status == Status.UNBOUNDED:
        return (
            "the LP is unbounded: a cost weight is negative or a bound is missing "
            "(a bug: please report it)"
        )
    return (
        f"the solver failed with status '{r.status}' ({r.detail}); "
        "try solver.method = 'ipm' or 'simplex'"
    )
