"""The report's card for the plan's cost with its window modes, its bound and the gap."""

from __future__ import annotations

from html import escape

from planner.solve.status import SolveReport


def bound_card(optimality: SolveReport) -> str:
    """A card: the plan's cost with modes, integer windows and training; the best lower
    bound and how it was found; the gap and whether it is proven (``summary.json``:
    ``optimality.window_modes``). Empty when the run computed no integer bound
    (``windows.bound_time_s`` = 0, the default: the cost card shows the LP bound)."""
    modes = optimality.window_modes
    if not modes or "lagrangian" not in modes or "plan_cost_kcny" not in modes:
        return ""
    method = modes.get("bound_method", "window-relaxed LP")
    proven = "proven" if modes.get("gap_proven") else "not proven"
    lag = modes.get("lagrangian")
    tried = ""
    if lag:
        tried = (
            f" · Lagrangian {float(lag['bound_kcny']):,.0f} after {int(lag['steps'])} steps"
            f" (stopped: {lag['stopped']})"
        )
    detail = (
        f"bound {float(modes['lower_bound_kcny']):,.0f} ({method}) · gap "
        f"{float(modes['gap']):.2%}, {proven}{tried}"
    )
    return (
        '<div class="card"><div class="k">Plan cost with modes (kCNY)</div>'
        f'<div class="v">{float(modes["plan_cost_kcny"]):,.0f}</div>'
        f'<div class="d">{escape(detail)}</div></div>'
    )
