"""What the plan costs, for the report: public money, citizens' time and penalties apart.

The LP's optimum (``objective_kcny``) is a lower bound, not what the plan costs: the plan
has whole windows, window modes with their training and the floor area those windows need
(:func:`planner.modes.rules.mode_bounds`, ``optimality.window_modes`` of ``summary.json``:
``plan_cost_kcny``, ``lower_bound_kcny`` and ``gap``). And the objective adds three kinds of
number: public spending (floor area, windows, desks, conversion, redeployment, training,
online handling), citizens' travel time priced in kCNY, and penalties (weights that enforce
rules, not money anyone pays). :func:`cost_table` splits the plan's cost into these three
per stage, from ``objective_terms_by_stage_kcny`` and ``window_modes.by_stage``; a run
folder written before those were recorded gets the all-stages column only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from planner.model.terms import CostTerm
from planner.report.data import RunData
from planner.report.markup import escape as _e
from planner.report.markup import table as _table
from planner.solve.status import SolveReport

PUBLIC = "public"
TIME = "time"
PENALTY = "penalty"
GROUP_LABELS = {
    PUBLIC: "Public spending",
    TIME: "Citizens' time",
    PENALTY: "Penalties (rule weights, not money)",
}
LINES: tuple[tuple[str, str, str], ...] = (
    (CostTerm.FLOOR_AREA, PUBLIC, "Floor area, operating cost"),
    ("area_kcny", PUBLIC, "Floor area the window modes need"),
    (CostTerm.EXPANSION, PUBLIC, "Floor area, expansion (one-off)"),
    (CostTerm.REDUCTION, PUBLIC, "Floor area, reduction (one-off)"),
    (CostTerm.CONVERSION, PUBLIC, "Surplus converted (压缩转化)"),
    (CostTerm.WINDOWS, PUBLIC, "Windows (LP, fractional)"),
    ("integer_rounding_kcny", PUBLIC, "Windows, rounded up to whole windows"),
    ("mode_windows_kcny", PUBLIC, "Windows, window-mode choice"),
    ("training_kcny", PUBLIC, "Training for general windows (全科培训)"),
    (CostTerm.BACKOFFICE, PUBLIC, "Back-office desks"),
    (CostTerm.REDEPLOYMENT, PUBLIC, "Staff redeployment (人员分流)"),
    (CostTerm.IDLE_STAFF, PUBLIC, "Idle staffed posts"),
    (CostTerm.ONLINE, PUBLIC, "Online handling"),
    (CostTerm.TRAVEL, TIME, "Citizens' travel time"),
    (CostTerm.UNSERVED, PENALTY, "Unserved demand"),
    (CostTerm.TOWNSHIP_SHORTFALL, PENALTY, "Township-station shortfall"),
    (CostTerm.TOP_HEAVY, PENALTY, "Top-heavy share"),
    (CostTerm.OLIVE, PENALTY, "Olive rules"),
    ("olive_kcny", PENALTY, "Olive rules on whole windows"),
    ("top_heavy_kcny", PENALTY, "Top-heavy share on whole windows"),
    ("lp_priced_kcny", PUBLIC, "Windows, the MIP's prices against the LP's"),
    (CostTerm.LEVEL_FLOOR, PENALTY, "Level floors"),
    (CostTerm.STAFF_CUT, PENALTY, "Staff cut beyond its limit"),
    (CostTerm.VIOLATIONS, PENALTY, "Rule violations (diagnosis)"),
)
"""Each cost line: its key (an objective term or a ``window_modes`` entry), group, label."""
ALL = "all"
"""The column key of the whole horizon."""
UNSPLIT = ("olive_kcny", "top_heavy_kcny", "lp_priced_kcny")
"""``window_modes`` corrections known for the whole horizon only (the mode MIP's penalties
less the LP's, its window prices against the LP's): shown as "—" in the stage columns."""


@dataclass(frozen=True)
class CostLine:
    key: str
    group: str
    label: str
    values: dict[int | str, float]
    """Per planning stage and under :data:`ALL` (kCNY)."""


@dataclass(frozen=True)
class PlanCost:
    """The plan's cost by line, the LP bound and the gap."""

    stages: list[int]
    """Planning stages with their own column (empty: the run has no split by stage)."""
    lines: list[CostLine]
    lower_bound: float | None
    gap: float | None
    gap_proven: bool

    def total(self, group: str | None = None) -> dict[int | str, float]:
        """Sum of the lines (of one group) per column."""
        keys: list[int | str] = [*self.stages, ALL]
        chosen = [ln for ln in self.lines if group is None or ln.group == group]
        return {k: sum(ln.values.get(k, 0.0) for ln in chosen) for k in keys}


def window_modes(optimality: SolveReport) -> list[Mapping[str, Any]]:
    """The ``window_modes`` records of a run (one per independent part of a combined run)."""
    if optimality.window_modes is not None:
        return [optimality.window_modes]
    return [p.window_modes for p in optimality.parts.values() if p.window_modes is not None]


def _extras(records: list[Mapping[str, Any]]) -> Iterator[tuple[str, int | str, float]]:
    """``(key, stage or ALL, kCNY)`` of the plan's cost beyond the LP's terms."""
    for wm in records:
        for key in ("area_kcny", "integer_rounding_kcny", "mode_windows_kcny", "training_kcny"):
            yield key, ALL, float(wm.get(key, 0.0) or 0.0)
        for key in UNSPLIT:
            if key != "lp_priced_kcny":
                yield key, ALL, float(wm.get(key, 0.0) or 0.0)
        yield "lp_priced_kcny", ALL, -float(wm.get("lp_priced_kcny", 0.0) or 0.0)
        for stage, row in (wm.get("by_stage") or {}).items():
            for key, value in row.items():
                yield key, int(stage), float(value)


def cost_table(run: RunData) -> PlanCost:
    """The plan's cost of ``run`` by line and stage (see the module docstring)."""
    summary = run.summary
    by_stage = summary.objective_terms_by_stage_kcny
    records = window_modes(summary.optimality)
    split = bool(by_stage) and all("by_stage" in wm for wm in records)
    stages = sorted(by_stage) if split else []
    values: dict[str, dict[int | str, float]] = {}
    for term, value in summary.objective_terms_kcny.items():
        values.setdefault(term, {})[ALL] = float(value)
    for stage in stages:
        for term, value in by_stage[stage].items():
            values.setdefault(term, {})[stage] = float(value)
    for key, column, value in _extras(records):
        if column == ALL or split:
            into = values.setdefault(key, {})
            into[column] = into.get(column, 0.0) + value
    for key, into in values.items():
        for stage in stages if key not in UNSPLIT else ():
            into.setdefault(stage, 0.0)  # a term with no variable in a stage
    known = {key for key, _, _ in LINES}
    order = [*LINES, *((k, PUBLIC, k) for k in sorted(values) if k not in known)]
    lines = [
        CostLine(key, group, label, values[key])
        for key, group, label in order
        if key in values and any(abs(v) >= 0.5 for v in values[key].values())
    ]
    bound = [float(wm["lower_bound_kcny"]) for wm in records if "lower_bound_kcny" in wm]
    lower = sum(bound) if bound and len(bound) == len(records) else summary.objective_kcny
    plan = sum(ln.values.get(ALL, 0.0) for ln in lines)
    gap = (plan - lower) / plan if lower is not None and plan > 0 else None
    proven = bool(records) and all(bool(wm.get("gap_proven", False)) for wm in records)
    return PlanCost(stages, lines, lower, gap, proven)


def _money(value: float) -> str:
    return f"{value:,.0f}"


def cost_section(run: RunData) -> str:
    """The report's cost section: the plan's cost per stage by group and line, the LP bound
    and the gap beside it."""
    cost = cost_table(run)
    columns: list[int | str] = [*cost.stages, ALL]
    head = ["kCNY", *(_e(run.stage_label(s)) for s in cost.stages), "All stages"]
    rows: list[tuple[str, ...]] = []
    for group, label in GROUP_LABELS.items():
        lines = [ln for ln in cost.lines if ln.group == group]
        if not lines:
            continue
        total = cost.total(group)
        rows.append(
            (
                f"<strong>{_e(label)}</strong>",
                *(f"<strong>{_money(total[c])}</strong>" for c in columns),
            )
        )
        rows += [
            (
                f"&nbsp;&nbsp;{_e(ln.label)} <span class='id'>{_e(ln.key)}</span>",
                *(_money(ln.values[c]) if c in ln.values else "—" for c in columns),
            )
            for ln in lines
        ]
    total = cost.total()
    rows.append(
        (
            "<strong>Plan cost</strong> (public + time + penalties)",
            *(f'<strong data-plan-cost="{c}">{_money(total[c])}</strong>' for c in columns),
        )
    )
    bound = "—" if cost.lower_bound is None else _money(cost.lower_bound)
    gap = "—" if cost.gap is None else f"{cost.gap:.1%}"
    proven = "proven" if cost.gap_proven else "not proven"
    note = (
        f"<p class='small'>Lower bound (the LP with fractional windows, no training): "
        f"<strong>{bound}</strong> kCNY; the plan is within <strong>{gap}</strong> of it "
        f"({proven}). Citizens' time prices travel minutes; penalties are the weights that "
        "enforce rules (unserved demand, the olive): neither is money a government pays. "
        "Multi-year stages count every year of the stage; one-off costs count once; a line "
        "with — in the stages is known for the whole horizon only.</p>"
    )
    note += _bound_note(run)
    if not cost.stages:
        note += "<p class='small'>This run folder has no split by stage (written before it "
        note += "was recorded): the whole horizon only.</p>"
    return _table(head, rows) + note


RELAXED_STEP = "window-relaxed bound"
"""How ``optimality.skipped_steps`` names the window-relaxed LP."""


def _bound_note(run: RunData) -> str:
    """A warning when the bound rests on a fallback: the window-relaxed LP not solved."""
    reasons = run.summary.optimality.skipped_like(RELAXED_STEP)
    if not reasons:
        return ""
    return (
        "<div class='note warn'>The lower bound rests on a fallback: the window-relaxed LP "
        f"was not solved ({_e('; '.join(reasons))}), so the bound is the LP's optimum, "
        "valid only where no window-time dual is positive (the gap says whether it is "
        "proven).</div>"
    )


def cost_card(run: RunData) -> str:
    """The headline card: the plan's cost, its public part and the bound."""
    cost = cost_table(run)
    total = cost.total()[ALL]
    public = cost.total(PUBLIC)[ALL]
    gap = "" if cost.gap is None else f" · gap {cost.gap:.1%}"
    bound = "" if cost.lower_bound is None else f"LP bound {_money(cost.lower_bound)}{gap}"
    if bound and run.summary.optimality.skipped_like(RELAXED_STEP):
        bound += " (a fallback: see the costs)"
    return (
        '<div class="card" id="card-cost"><div class="k">Plan cost (kCNY)</div>'
        f'<div class="v">{_money(total)}</div><div class="d">public {_money(public)} · '
        f"{bound}</div></div>"
    )


__all__ = ["CostLine", "PlanCost", "cost_card", "cost_section", "cost_table"]
