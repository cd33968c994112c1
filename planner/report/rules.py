"""The report section "What each rule costs" (issue 15), from ``plan/rule_costs.csv``."""

from __future__ import annotations

import pandas as pd

from planner.report.data import RunData
from planner.report.markup import escape, table
from planner.run_folder import PLAN_DIR, RULE_COSTS_FILE

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


def rule_costs_section(run: RunData) -> str:
    """The section: one row per rule, stage and level."""
    head = '<h2 id="rules">What each rule costs</h2>'
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
    return head + INTRO + table(head_row, rows, num_from=3)
