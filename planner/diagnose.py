"""Explain a solve that produced no usable plan, in words a planner can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.pipeline import RunResult


def explain(run: RunResult) -> str:
    """One line: what went wrong and which config key to look at."""
    r = run.result
    if r.status == "infeasible":
        return (
            "the plan is infeasible: the hard limits cannot all hold "
            "(check policy.levels.*.min_area_m2 against max_shrink_per_stage, and "
            "max_growth_per_stage); every demand and township shortfall is otherwise "
            "absorbed by penalties"
        )
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
    return f"the solver failed with status '{r.status}' ({r.detail}); try solver.method = 'simplex'"
