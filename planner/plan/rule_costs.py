"""What each policy rule costs at the margin: ``plan/rule_costs.csv``.

The LP's row duals of the **cost phase** (:class:`planner.solve.solution.Solution`
``duals``, HiGHS's sign convention: a binding ``<=`` row has a dual <= 0, a binding ``>=``
row a dual >= 0, in kCNY per unit of the row over the whole stage) say how much the
objective would fall if a rule were relaxed by one unit. Per rule family, stage and level
the table gives the rows, how many bind, and the largest and the mean marginal cost of the
binding ones in CNY per unit and year (the dual divided by the stage's years). Rules that
are column bounds (growth, shrink, core area) or that shape the candidate arcs (travel
limits, and the shrink and growth limits ``policy.by_phase`` sets) have no row dual; their
price needs a re-solve with the rule relaxed. The staff cut limit is a one-off rule: its
dual per year of the stage is quoted like the others (per window cut beyond the limit).

Each row says which duals it rests on (``basis``, :func:`duals_basis`): the duals at a
basis built from the plan alone (``plan``, the same whatever path the solver took), the
generic optimal duals (``generic``, ``solver.canonical_duals``: also path-free), the
solver's own (``path``: CBC, column generation, no tie-break), or the solver's own where the
run meant the plan's basis and fell back (``path (fallback)``: the re-solve at the plan's
basis skipped by the time budget or failed, or the time ran out in the tie-break;
``summary.json``'s ``optimality.skipped_steps`` says which).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from planner.model.data import ModelData
from planner.solve.status import SolveReport

BINDING = 1e-9
"""A dual beyond this (kCNY per unit) marks a binding row."""
COLUMNS = [
    "rule",
    "stage",
    "level",
    "unit",
    "rows",
    "binding_rows",
    "marginal_max_cny_per_unit_year",
    "marginal_mean_cny_per_unit_year",
    "basis",
]
PLAN_BASIS = "plan"
GENERIC = "generic"
PATH = "path"
FALLBACK = "path (fallback)"
BASES = (PLAN_BASIS, GENERIC, PATH, FALLBACK)
"""From the best to the worst: a row of several parts shows the worst of theirs."""
DUALS_STEP = "duals at the plan's own basis"
"""How ``optimality.skipped_steps`` names the re-solve at the plan's basis."""


def duals_basis(optimality: SolveReport) -> str:
    """Which duals a solve's marginal costs rest on (module docstring)."""
    if optimality.duals == "vertex":
        return PLAN_BASIS
    if optimality.duals == "generic":
        return GENERIC
    if any(str(step["step"]).startswith(DUALS_STEP) for step in optimality.skipped_steps):
        return FALLBACK
    return PATH


def worst_basis(bases: Iterable[str]) -> str:
    """The worst of several parts' bases."""
    return max(bases, key=BASES.index, default=PLAN_BASIS)


def _describe(family: str, parts: list[str], d: ModelData) -> tuple[str, str, str] | None:
    """(rule, level, unit) of a row by its family and name parts after the stage."""
    if family == "olive":
        measure, pair = parts[1], parts[2]
        unit = "window" if measure == "windows" else "m2"
        return f"olive ({measure})", pair.replace("_le_", "<="), unit
    if family == "topheavy":
        return "top-heavy cap", "province+city", "m2"
    if family == "level_floor":
        unit = "window" if d.policy.floor_measure == "windows" else "m2"
        return f"level floor ({d.policy.floor_measure})", parts[1], unit
    if family == "township_min":
        return "township minimum station", "township", "m2"
    if family == "staff_cut":
        level = parts[1] if parts[2] == "all" else f"{parts[1]} ({parts[2]})"
        return "staff window cut", level, "window"
    if family == "pace":
        return "pace (centre)", str(d.centres.at[parts[0], "level"]), "m2"
    if family == "pace_level":
        return "pace (level)", parts[1], "m2"
    if family == "pace_region":
        return "pace (province)", "all", "m2"
    if family == "area_budget":
        return "area budget", "all", "m2"
    if family == "unserved_cap":
        return "service guarantee", "all", "transaction"
    return None


def marginal_costs(
    d: ModelData, duals: dict[str, dict[str, float]], basis: str = PLAN_BASIS
) -> pd.DataFrame:
    """Per rule family, stage and level: rows, binding rows and marginal costs, from the
    duals ``basis`` names (module docstring). Empty when the solver gave no duals."""
    records = []
    for family, rows in duals.items():
        for name, dual in rows.items():
            parts = name.split("__")[1:]
            what = _describe(family, parts[1:], d)
            if what is None:
                continue
            stage = int(parts[0])
            per_year = abs(dual) * 1000.0 / d.lengths[stage]
            records.append((*what[:2], stage, what[2], per_year, abs(dual) > BINDING))
    if not records:
        return pd.DataFrame(columns=COLUMNS)
    f = pd.DataFrame(records, columns=["rule", "level", "stage", "unit", "cny", "binding"])
    out = []
    for (rule, stage, level, unit), grp in f.groupby(["rule", "stage", "level", "unit"]):
        bind = grp[grp["binding"]]
        out.append(
            {
                "rule": rule,
                "stage": int(stage),
                "level": level,
                "unit": unit,
                "rows": len(grp),
                "binding_rows": len(bind),
                "marginal_max_cny_per_unit_year": float(bind["cny"].max()) if len(bind) else 0.0,
                "marginal_mean_cny_per_unit_year": float(bind["cny"].mean()) if len(bind) else 0.0,
                "basis": basis,
            }
        )
    return pd.DataFrame(out, columns=COLUMNS).sort_values(
        ["rule", "stage", "level"], ignore_index=True
    )


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The rule costs of independent parts (provinces): rows summed, the largest marginal
    kept, means weighted by binding rows."""
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = frame.assign(weighted=frame["marginal_mean_cny_per_unit_year"] * frame["binding_rows"])
    g = frame.groupby(["rule", "stage", "level", "unit"], as_index=False).agg(
        rows=("rows", "sum"),
        binding_rows=("binding_rows", "sum"),
        marginal_max_cny_per_unit_year=("marginal_max_cny_per_unit_year", "max"),
        weighted=("weighted", "sum"),
        basis=("basis", worst_basis),
    )
    g["marginal_mean_cny_per_unit_year"] = (
        g["weighted"] / g["binding_rows"].where(g["binding_rows"] > 0)
    ).fillna(0.0)
    return g[COLUMNS].sort_values(["rule", "stage", "level"], ignore_index=True)
