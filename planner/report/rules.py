"""The report section "What each rule costs", from ``plan/rule_costs.csv``."""

from __future__ import annotations

import pandas as pd

from planner.io.run_folder import PLAN_DIR, RULE_COSTS_FILE, RULE_TOTALS_FILE
from planner.plan.rule_costs import DUALS_STEP, FALLBACK
from planner.report.data import RunData
from planner.report.markup import escape, table

INTRO = (
    "<p class='small'>The marginal cost of a rule is what the plan would save (CNY a year) "
    "if the rule were relaxed by one unit (one m2, one window or one transaction), from the "
    "LP's row duals of the cost phase; the largest and the mean over the rows that bind "
    "(one row per province, township or level pair). A soft rule whose violation is paid "
    "is priced at its penalty. Growth, shrink and core-area limits and travel limits are "
    "bounds, not rows: their price needs a re-solve without the rule.</p>"
)


def read_rule_costs(run: RunData) -> pd.DataFrame | None:
    """``plan/rule_costs.csv`` of a run (None for a run folder written before it)."""
    path = run.path / PLAN_DIR / RULE_COSTS_FILE
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype={"rule": str, "level": str, "unit": str})


def totals_table(run: RunData) -> str:
    """Each rule family's total cost by re-solve, when the run computed it."""
    path = run.path / PLAN_DIR / RULE_TOTALS_FILE
    if not path.is_file():
        return (
            "<p class='small'>Total costs (re-solved without each rule) were not computed: "
            "set <code>policy.rule_costs.total = true</code>.</p>"
        )
    totals = pd.read_csv(path, dtype={"rule": str, "status": str})
    rows = [
        (
            escape(r.rule),
            "—" if pd.isna(r.total_cost_kcny) else f"{r.total_cost_kcny:,.0f}",
            "—" if pd.isna(r.relaxed_objective_kcny) else f"{r.relaxed_objective_kcny:,.0f}",
            escape(r.status),
        )
        for r in totals.itertuples()
    ]
    head = ["Rule (relaxed)", "Total cost (kCNY, all stages)", "Objective without it", "Solve"]
    return (
        "<h3>Total cost: the objective without the rule</h3>"
        + table(head, rows)
        + _totals_note(totals)
    )


def _totals_note(totals: pd.DataFrame) -> str:
    """A warning when a total rests on no optimal re-solve (``status`` other than optimal)."""
    short = totals[totals["status"] != "optimal"]
    if short.empty:
        return ""
    listed = "".join(f"<li>{escape(r.rule)}: {escape(r.status)}</li>" for r in short.itertuples())
    return (
        "<div class='note warn'>These totals rest on no optimal re-solve (the re-solves share "
        "<code>solver.time_limit_s</code>, counted from the run's start):<ul>"
        f"{listed}</ul>'not optimal (time limit)': the objective without the rule is a "
        "feasible point's, not its optimum, so the total cost shown is understated; "
        "'optimal cost (tie-break cut short)': the total holds; skipped or without a "
        "solution: not computed (raise <code>solver.time_limit_s</code>).</div>"
    )


def _basis_note(run: RunData, costs: pd.DataFrame) -> str:
    """A warning when the marginal costs rest on the solver's path duals as a fallback."""
    if "basis" not in costs or not (costs["basis"] == FALLBACK).any():
        return ""
    reasons = run.summary.optimality.skipped_like(DUALS_STEP)
    why = f" ({escape('; '.join(reasons))})" if reasons else ""
    return (
        "<div class='note warn'>These marginal costs rest on a fallback (basis "
        f"'{FALLBACK}'): the duals the solver reached on its way (its path's or the cost "
        f"phase's), not those at a basis built from the plan alone{why}. Where the LP's "
        "duals are not unique, the same plan reached by another path may show other "
        "marginal costs.</div>"
    )


def rule_costs_section(run: RunData) -> str:
    """The section: one row per rule, stage and level, then the totals."""
    head = '<h2 id="rules">What each rule costs</h2>' + totals_table(run)
    costs = read_rule_costs(run)
    if costs is None:
        return f"{head}<p>This run folder has no {RULE_COSTS_FILE}.</p>"
    if costs.empty:
        return f"{head}{INTRO}<p>No rule has a row dual in this plan.</p>"
    rows = [
        (
            escape(r.rule),
            str(int(r.stage)),
            escape(r.level),
            f"{int(r.binding_rows):,} of {int(r.rows):,}",
            f"{r.marginal_max_cny_per_unit_year:,.0f}",
            f"{r.marginal_mean_cny_per_unit_year:,.0f}",
            f"CNY per {escape(r.unit)}-year",
        )
        for r in costs.itertuples()
    ]
    head_row = [
        "Rule",
        "Stage",
        "Level",
        "Binding rows",
        "Marginal (max)",
        "Marginal (mean)",
        "Unit",
    ]
    return head + INTRO + _basis_note(run, costs) + table(head_row, rows, num_from=3)
