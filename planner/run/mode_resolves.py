"""Modes priced into the LP (``windows.mode_iterations`` > 0): a decomposition.

Each re-solve prices every centre's chosen mode into the LP (its integer windows per unit
of load and its training, :func:`planner.plan.modes.window_price`), solves it again and
chooses the modes again from the new flows; the loop stops once the modes and their windows
repeat or after ``windows.mode_iterations`` re-solves. The plan is the last re-solve used,
with its modes; the lower bound and gap are the first (unpriced) LP's
(:func:`planner.plan.modes.with_lp_bound`), as are ``optimality.windows_relaxed_kcny`` and
the window-relaxed bound's skipped steps: a priced LP fixes the modes' windows and bounds
nothing.

The re-solves share the run's time budget, as the rule-cost re-solves do
(:mod:`planner.run.rule_costs_total`): ``solver.time_limit_s`` counted from the run's start
(a province solved apart: from its own start, as its solve). A re-solve that finds no time
left is skipped; one that starts gets what is left as its limit. A re-solve that is not
optimal (stopped at the limit, even with a feasible point or its cost optimum, or failed)
is not used: its plan's flows would depend on when the time ran out. The plan keeps the
modes of the iteration before it, the loop stops, and the re-solve is a warning and an entry
of ``optimality.skipped_steps`` (``window-mode re-solve <k>``).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from planner import steps
from planner.model.build import build_model
from planner.plan.extract import Plan, extract_plan, skipped_warnings, with_skipped
from planner.plan.modes import window_price, with_lp_bound
from planner.plan.summary import PlanSummary
from planner.report.costs import RELAXED_STEP
from planner.solve.driver import SolveResult, initial_arcs, solve
from planner.solve.status import SolveReport, Status

if TYPE_CHECKING:
    from planner.config.schema import LoadedConfig
    from planner.inputs.load import Inputs
    from planner.model.build import PlanModel
    from planner.model.data import ModelData
    from planner.steps import Timings

log = logging.getLogger(__name__)

STEP = "window-mode re-solve"
"""How ``optimality.skipped_steps`` names a priced re-solve (``window-mode re-solve <k>``)."""
NO_TIME = "no time left of solver.time_limit_s (counted from the run's start)"


def _modes(plan: Plan) -> pd.DataFrame:
    """Mode and integer windows per (stage, centre) of a plan."""
    cen = plan.centres[plan.centres["stage"] > 0]
    return cen.set_index(["stage", "centre_id"])[["mode", "windows"]].sort_index()


def _kept(k: int) -> str:
    """What the plan keeps when re-solve ``k`` is not used."""
    before = "the unpriced LP" if k == 1 else f"re-solve {k - 1}"
    return f"not used: the plan keeps the modes of {before}"


def unused(result: SolveResult, k: int) -> str | None:
    """Why priced re-solve ``k`` is not used (module docstring), None when it is."""
    if result.status == Status.OPTIMAL:
        return None
    if result.status in (Status.TIME_LIMIT, Status.TIME_LIMIT_NO_SOLUTION):
        where = result.optimality.stopped_in
        phase = "" if where is None else f" in phase {where!r}"
        found = "" if result.objective is not None else " without a solution"
        return f"it stopped at solver.time_limit_s ({result.detail}){phase}{found}; {_kept(k)}"
    return f"it gave {result.status}; {_kept(k)}"


class Prepared(Protocol):
    """What the re-solves read of a prepared run (:class:`planner.run.pipeline.Prepared`)."""

    @property
    def loaded(self) -> LoadedConfig: ...
    @property
    def inputs(self) -> Inputs: ...
    @property
    def maturity(self) -> pd.DataFrame: ...
    @property
    def timings(self) -> Timings: ...
    def model_data(self) -> ModelData: ...


@dataclass(frozen=True)
class Solved:
    """A solved LP and its plan."""

    model: PlanModel | None
    result: SolveResult
    plan: Plan


@dataclass
class _Loop:
    """The state of the re-solves: the objectives used, convergence, steps not used."""

    objectives: list[float]
    converged: bool = False
    skipped: tuple[dict[str, str], ...] = ()

    def skip(self, k: int, reason: str) -> None:
        log.warning("modes: %s %d: %s", STEP, k, reason)
        self.skipped = (*self.skipped, {"step": f"{STEP} {k}", "reason": reason})


def price_modes(prepared: Prepared, box: list[Solved]) -> Solved:
    """Modes priced into the LP, re-solved within the run's time budget (module
    docstring). ``box`` holds the solved LP and is emptied, so that each LP is released
    before the next is built."""
    run = box.pop()
    plan = run.plan
    if run.model is None:
        return run
    cfg = prepared.loaded.config
    deadline = prepared.timings.deadline(cfg.solver.time_limit_s)
    first_opt = plan.summary.optimality
    first_mip = first_opt.mode_mip or {}
    first = {
        # the window-relaxed optimum where the solve gave it (a bound whatever the duals)
        "objective": float(first_mip.get("lp_bound_kcny", run.result.objective or 0.0)),
        "bound_valid": bool(first_mip.get("bound_valid", False)),
        "positive_window_duals": int(first_mip.get("positive_window_duals", 0)),
    }
    loop = _Loop([float(run.result.objective or 0.0)])
    for k in range(1, cfg.windows.mode_iterations + 1):
        left = deadline - steps.clock()
        if left <= 0:
            loop.skip(k, f"{NO_TIME}; {_kept(k)}")
            break
        price = window_price(plan.centres, run.model.data)
        run = replace(run, model=None)  # release the LP before building the next
        gc.collect()
        data = replace(prepared.model_data(), window_price=price)
        priced = build_model(data, arcs=initial_arcs(data, cfg.solver))
        limit = min(cfg.solver.time_limit_s, left)
        again = solve(priced, cfg.solver.model_copy(update={"time_limit_s": limit}))
        why = unused(again, k)
        if why is not None:
            loop.skip(k, why)
            run = replace(run, model=priced)
            break
        new = extract_plan(priced, again, prepared.inputs, prepared.maturity, cfg)
        loop.converged = _modes(new).equals(_modes(plan))
        run, plan = replace(run, model=priced, result=again, plan=new), new
        loop.objectives.append(float(again.objective or 0.0))
        if loop.converged:
            break
    history = {
        "iterations": len(loop.objectives) - 1,
        "converged": loop.converged,
        "lp_objectives_kcny": loop.objectives,
    }
    summary = with_lp_bound(plan.summary, plan.centres, cfg, first, history)
    summary = _with_first_bound(summary, first_opt, len(loop.objectives) > 1, loop.skipped)
    log.info("modes: %d priced re-solve(s), converged: %s", history["iterations"], loop.converged)
    return replace(run, plan=replace(plan, summary=summary))


def _with_first_bound(
    summary: PlanSummary, first: SolveReport, used: bool, skipped: tuple[dict[str, str], ...]
) -> PlanSummary:
    """``summary`` with the re-solves not used (``skipped``) in ``optimality.skipped_steps``
    and a warning each; when a re-solve was ``used``, also with the first LP's
    window-relaxed optimum and its bound's skipped steps in place of the last LP's (the
    bound is the first LP's)."""
    if not used:
        return with_skipped(summary, list(skipped))
    opt = summary.optimality
    own = [s for s in opt.skipped_steps if not _is_bound(s)]
    bound = [s for s in first.skipped_steps if _is_bound(s)]
    merged = replace(
        opt,
        windows_relaxed_kcny=first.windows_relaxed_kcny,
        skipped_steps=(*own, *bound, *skipped),
    )
    gone = set(skipped_warnings(opt))
    kept = [w for w in summary.warnings if w not in gone]
    return replace(summary, optimality=merged, warnings=(*kept, *skipped_warnings(merged)))


def _is_bound(step: Mapping[str, str]) -> bool:
    """A step skipped of the window-relaxed bound."""
    return str(step["step"]).startswith(RELAXED_STEP)
