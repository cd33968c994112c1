r"""LP re-solves after the mode MIP: modes priced in, and windows fitted into the floor area.

Modes priced into the LP (``windows.mode_iterations`` > 0): a decomposition.

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

Area (``windows.area_rounds``, default 10, on). Where the growth limit leaves a centre's
chosen mode's integer windows :math:`W` (and its desks) short of floor area by :math:`S`
m2, the LP's fractional windows :math:`w` filled the area it could have and rounding up
overflowed it. The LP is solved again with the centre's windows capped at
:math:`\lceil w \rceil - \lceil S / \alpha \rceil` (:math:`\alpha` the area a window needs;
the largest count whose integer need fits, with the mode's windows beyond
:math:`\lceil w \rceil` taken as they were; a hall still short steps twice as far each
further round; :func:`window_caps`), every cap of earlier rounds kept, and the modes
are chosen again from its flows; until no centre is short, no cap changes or after
``windows.area_rounds`` re-solves. A cap falls by at least one window
a round at a centre still short, so the loop ends. Each re-solve is the full lexicographic
pipeline (the plan stays the unique optimum of the capped LP), started warm from the cost
phase's basis of the LP before it (:func:`planner.solve.driver.solve`'s ``start``; only
bounds changed; with an interior-point method, solved cold instead once the warm simplex
passes ``solver.warm_iteration_limit`` iterations), and shares the time budget as above
(``floor-area re-solve <k>`` when not used; the plan then keeps the modes and floor area of
the LP before it). The capped LP is a
restriction of the LP, not a relaxation: the lower bound stays the first LP's. The summary
reports ``optimality.window_modes.mip.area_fit`` (rounds, whether the windows fit, the LP
optima, the shortfall of each round, the centre-stages capped); where the windows still do
not fit, a warning says so and ``gap_proven`` stays false.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from planner import steps
from planner.model.build import PlanModel, build_model
from planner.model.data import ModelData
from planner.modes.rules import ROUND
from planner.plan.bound import kept_bound
from planner.plan.extract import Plan, extract_plan, skipped_warnings, with_skipped
from planner.plan.modes import window_price, with_lp_bound
from planner.plan.summary import PlanSummary
from planner.report.costs import RELAXED_STEP
from planner.solve.driver import SolveResult, initial_arcs, solve
from planner.solve.status import SolveReport, Status

if TYPE_CHECKING:
    from planner.config.schema import Config, LoadedConfig
    from planner.inputs.load import Inputs
    from planner.model.build import PlanModel
    from planner.model.data import ModelData
    from planner.steps import Timings

log = logging.getLogger(__name__)

STEP = "window-mode re-solve"
"""How ``optimality.skipped_steps`` names a priced re-solve (``window-mode re-solve <k>``)."""
AREA_STEP = "floor-area re-solve"
"""How ``optimality.skipped_steps`` names a re-solve that fits the windows into the floor
area (``floor-area re-solve <k>``)."""
AREA_EPS_M2 = 1e-3
"""Floor area (m2) a centre's windows may lack without a re-solve (LP noise: the files
keep one decimal; a shortfall counts in ``area_short_m2`` from 0.5 m2)."""
Key = tuple[int, str]
NO_TIME = "no time left of solver.time_limit_s (counted from the run's start)"


def _modes(plan: Plan) -> pd.DataFrame:
    """Mode and integer windows per (stage, centre) of a plan."""
    cen = plan.centres[plan.centres["stage"] > 0]
    return cen.set_index(["stage", "centre_id"])[["mode", "windows"]].sort_index()


def _kept(k: int, step: str = STEP) -> str:
    """What the plan keeps when re-solve ``k`` (of ``step``) is not used."""
    if step == AREA_STEP:
        before = "the LP before it" if k == 1 else f"{AREA_STEP} {k - 1}"
        return f"not used: the plan keeps the modes and floor area of {before}"
    before = "the unpriced LP" if k == 1 else f"re-solve {k - 1}"
    return f"not used: the plan keeps the modes of {before}"


def unused(result: SolveResult, k: int, step: str = STEP) -> str | None:
    """Why re-solve ``k`` of ``step`` is not used (module docstring), None when it is."""
    kept = _kept(k, step)
    if result.status == Status.OPTIMAL:
        return None
    if result.status in (Status.TIME_LIMIT, Status.TIME_LIMIT_NO_SOLUTION):
        where = result.optimality.stopped_in
        phase = "" if where is None else f" in phase {where!r}"
        found = "" if result.objective is not None else " without a solution"
        return f"it stopped at solver.time_limit_s ({result.detail}){phase}{found}; {kept}"
    return f"it gave {result.status}; {kept}"


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
    step: str = STEP
    config: Config | None = None
    warnings: tuple[str, ...] = ()

    def skip(self, k: int, reason: str) -> None:
        log.warning("modes: %s %d: %s", self.step, k, reason)
        self.skipped = (*self.skipped, {"step": f"{self.step} {k}", "reason": reason})

    def warn(self, text: str) -> None:
        log.warning("modes: %s", text)
        self.warnings = (*self.warnings, text)


def _first_bound(plan: Plan, objective: float | None) -> dict[str, Any]:
    """The bound the re-solves keep: the first LP's window-relaxed optimum (where the solve
    gave it: a bound whatever the duals) and whether it is valid."""
    mip = plan.summary.optimality.mode_mip or {}
    return {
        "objective": float(mip.get("lp_bound_kcny", objective or 0.0)),
        "bound_valid": bool(mip.get("bound_valid", False)),
        "positive_window_duals": int(mip.get("positive_window_duals", 0)),
    }


def _resolves(
    prepared: Prepared,
    box: list[Solved],
    rounds: int,
    step: str,
    after: tuple[Callable[[Solved, ModelData], ModelData | None], Callable[[Plan, Plan], bool]],
) -> tuple[Solved, _Loop]:
    """Up to ``rounds`` re-solves of the LP, each from the data ``after[0]`` makes of the
    last one used, within the run's time budget (module docstring); ``step`` names one
    not used (``<step> <k>``). Each starts warm from the cost basis of the LP before it
    and releases that LP before the next is built (``box`` holds the solved LP and is
    emptied)."""
    run = box.pop()
    cfg = prepared.loaded.config
    deadline = prepared.timings.deadline(cfg.solver.time_limit_s)
    following, done = after
    data = run.model.data if run.model is not None else prepared.model_data()
    loop = _Loop([float(run.result.objective or 0.0)], step=step)
    for k in range(1, rounds + 1):
        new_data = following(run, data)
        if new_data is None:
            loop.converged = True
            break
        left = deadline - steps.clock()
        if left <= 0:
            loop.skip(k, f"{NO_TIME}; {_kept(k, step)}")
            break
        basis = run.result.basis
        kept = rebounded(run.model, new_data) if run.model is not None else None
        # release the LP (and the window-relaxed LP's arrays) before building the next
        run = replace(run, model=None, result=replace(run.result, relaxed=None))
        gc.collect()
        model = kept or build_model(new_data, arcs=initial_arcs(new_data, cfg.solver))
        del kept
        limit = min(cfg.solver.time_limit_s, left)
        again = solve(model, cfg.solver.model_copy(update={"time_limit_s": limit}), start=basis)
        why = unused(again, k, step)
        if why is not None:
            loop.skip(k, why)
            run = replace(run, model=model)
            break
        new = extract_plan(model, again, prepared.inputs, prepared.maturity, cfg)
        loop.converged = done(run.plan, new)
        run, data = Solved(model, again, new), new_data
        loop.objectives.append(float(again.objective or 0.0))
        # run holds them; a name left bound here would keep this LP alive while the next
        # round builds its own (on Jiangsu 1 GB more at the peak)
        del model, again, new
        if loop.converged:
            break
    return run, loop


def rebounded(model: PlanModel, d: ModelData) -> PlanModel | None:
    """``model`` made the LP of ``d`` in place when ``d`` differs from ``model.data`` only in
    its window caps (a floor-area re-solve: :func:`fit_area`) and the model holds every arc
    (no column was generated): the window columns' upper bounds are set to the caps, which
    is the LP a build of ``d`` gives, column for column and row for row, without the build
    (about 7 s a round on the Jiangsu default). None otherwise (a new build is needed)."""
    old = model.data
    same = all(
        getattr(d, f.name) is getattr(old, f.name)
        for f in fields(ModelData)
        if f.name not in ("window_cap", "window_price")
    )
    if not same or d.window_price != old.window_price or len(model.var.x) != len(d.arcs):
        return None
    for key, w in model.var.w.items():
        w.upBound = d.window_cap.get(key)
    return replace(model, data=d)


def _finish(
    run: Solved,
    cfg: Config,
    first: tuple[SolveReport, dict[str, Any]],
    loop: _Loop,
    history: dict[str, Any],
) -> Solved:
    """The last plan used with the first LP's bound (``first``: its report and
    :func:`_first_bound`), ``history`` and the loop's warnings in its summary."""
    plan = run.plan
    summary = with_lp_bound(plan.summary, plan.centres, cfg, first[1], history)
    summary = _with_first_bound(summary, first[0], len(loop.objectives) > 1, loop.skipped)
    modes = kept_bound(summary.optimality.window_modes or {}, first[0].window_modes or {})
    summary = replace(
        summary,
        optimality=replace(summary.optimality, window_modes=modes),
        warnings=(*summary.warnings, *loop.warnings),
    )
    return replace(run, plan=replace(plan, summary=summary))


def price_modes(prepared: Prepared, box: list[Solved]) -> Solved:
    """Modes priced into the LP, re-solved within the run's time budget (module
    docstring). ``box`` holds the solved LP and is emptied, so that each LP is released
    before the next is built."""
    run = box.pop()
    if run.model is None:
        return run
    cfg = prepared.loaded.config
    first = (run.plan.summary.optimality, _first_bound(run.plan, run.result.objective))

    def priced(last: Solved, data: ModelData) -> ModelData:
        return replace(data, window_price=window_price(last.plan.centres, data))

    def same(before: Plan, new: Plan) -> bool:
        return _modes(new).equals(_modes(before))

    rounds = cfg.windows.mode_iterations
    box.append(run)
    del run  # the LP is released before the next one is built (memory)
    run, loop = _resolves(prepared, box, rounds, STEP, (priced, same))
    history = {
        "iterations": len(loop.objectives) - 1,
        "converged": loop.converged,
        "lp_objectives_kcny": loop.objectives,
    }
    log.info("modes: %d priced re-solve(s), converged: %s", history["iterations"], loop.converged)
    return _finish(run, cfg, first, loop, history)


def area_short(centres: pd.DataFrame) -> dict[Key, float]:
    """(stage, centre) -> floor area (m2) the plan's integer windows and desks need beyond
    the plan's floor area (the growth limit left them short), where positive."""
    cen = centres[centres["stage"] > 0]
    short = (cen["area_in_use_m2"] - cen["floor_area_m2"]).to_numpy(dtype=float)
    return {
        (int(s), str(c)): float(m2)
        for s, c, m2 in zip(cen["stage"], cen["centre_id"], short, strict=True)
        if m2 > AREA_EPS_M2
    }


def window_caps(
    centres: pd.DataFrame, d: ModelData, times: dict[Key, int] | None = None
) -> dict[Key, float]:
    r"""Where the plan's windows lack floor area, the most windows the LP may give the
    centre: :math:`\lceil w \rceil - 2^n \lceil S / \alpha \rceil` (never below 0) with
    :math:`w` the LP's windows, :math:`S` the shortfall (m2), :math:`\alpha` the area a
    window needs and :math:`n` how many rounds before this one the centre was short
    (``times``, counted on here): a hall still short after its cap steps twice as far
    (module docstring, ``Area``); at most the cap already set."""
    short = area_short(centres)
    times = {} if times is None else times
    if not short:
        return dict(d.window_cap)
    cen = centres[centres["stage"] > 0].set_index(["stage", "centre_id"])
    lp = cen["windows_lp"].astype(float)
    apw = d.centres["area_per_window"].astype(float)
    caps = dict(d.window_cap)
    for (s, c), m2 in sorted(short.items()):
        per = float(apw[c])
        if per <= 0:  # desks alone: no window cap helps
            continue
        whole = math.ceil(round(float(lp[(s, c)]), ROUND))
        step = math.ceil(round(m2 / per, ROUND)) * 2 ** times.get((s, c), 0)
        times[s, c] = times.get((s, c), 0) + 1
        caps[s, c] = min(max(float(whole - step), 0.0), caps.get((s, c), math.inf))
    return caps


def fit_area(prepared: Prepared, box: list[Solved]) -> Solved:
    """The plan's integer windows fitted into its floor area (module docstring, ``Area``):
    while some centre's windows need more floor area than its growth limit allows, the
    LP is solved again with the centre's windows capped (``ModelData.window_cap``,
    :func:`window_caps`) and the modes chosen again, up to ``windows.area_rounds``
    re-solves within the run's time budget. ``box`` holds the solved LP and is emptied."""
    run = box.pop()
    cfg = prepared.loaded.config
    rounds = cfg.windows.area_rounds
    if run.model is None or rounds == 0 or not area_short(run.plan.centres):
        return run
    first = (run.plan.summary.optimality, _first_bound(run.plan, run.result.objective))
    before = run.plan.summary.optimality.mode_mip or {}
    kept = ("iterations", "converged", "lp_objectives_kcny")  # the priced re-solves'
    history = {key: before[key] for key in kept if key in before}
    short_by_round: list[float] = []
    times: dict[Key, int] = {}

    def capped(last: Solved, data: ModelData) -> ModelData | None:
        caps = window_caps(last.plan.centres, data, times)
        if caps == data.window_cap:
            return None  # nothing short, or nothing a cap can fit
        short_by_round.append(sum(area_short(last.plan.centres).values()))
        fresh = sum(1 for key, cap in caps.items() if data.window_cap.get(key) != cap)
        log.info(
            "area: round %d, %.1f m2 short; %d centre-stage cap(s) set or lowered, %d in all",
            len(short_by_round),
            short_by_round[-1],
            fresh,
            len(caps),
        )
        # a priced mode keeps at most the capped windows (windows.mode_iterations)
        price = {
            key: (min(w, caps.get(key, math.inf)), extra)
            for key, (w, extra) in data.window_price.items()
        }
        return replace(data, window_cap=caps, window_price=price)

    def fits(_: Plan, new: Plan) -> bool:
        return not area_short(new.centres)

    box.append(run)
    del run  # the LP is released before the next one is built (memory)
    run, loop = _resolves(prepared, box, rounds, AREA_STEP, (capped, fits))
    caps = run.model.data.window_cap if run.model is not None else {}
    fitted = not area_short(run.plan.centres)
    history["area_fit"] = {
        "rounds": len(loop.objectives) - 1,
        "rounds_limit": rounds,
        "fitted": fitted,
        "lp_objectives_kcny": loop.objectives,
        "short_m2_by_round": [round(m2, 6) for m2 in short_by_round],
        "capped_centre_stages": len(caps),
    }
    if not fitted:
        loop.warn(
            f"{AREA_STEP}s: the plan's windows still need more floor area than the growth "
            f"limits allow after {len(loop.objectives) - 1} re-solve(s) "
            "(optimality.window_modes.mip.area_short_centres); the gap is not proven"
        )
    log.info("area: %d re-solve(s), fitted: %s", len(loop.objectives) - 1, fitted)
    return _finish(run, cfg, first, loop, history)


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
