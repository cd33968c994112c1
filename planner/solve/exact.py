r"""The exact optimum of the item-level LP, fast, and one plan whatever the solver.

Column generation on arcs
-------------------------
The item-level LP has one flow :math:`x_{stkc}` per arc (stage, township, item, centre);
most arcs carry nothing at the optimum. The model starts with every row and every non-arc
column but only a few arcs (:func:`start_arcs`: per demand row, the nearest centre of each
competent level). After each solve, every item-level arc not yet in the model is priced
with the row duals :math:`\pi` (HiGHS's sign convention, reduced cost :math:`c_j - a_j^T\pi`):

.. math::

    \bar c_{stkc} = L_s \tau_{tc} - \pi^{dem}_{stk} - \mu_k \pi^{win}_{sc}
        - \beta_k \pi^{bo}_{s,b(c)} - \textstyle\sum_q c^{(q)}_{stkc}\, \pi^{fix}_q

(the last sum only in the tie-break phases below). Arcs with :math:`\bar c < -\varepsilon`
are added (to the PuLP model and to the solver, which re-solves warm from its basis) until
none is left. Then the restricted LP's optimum is the optimum of the full item-level LP: its
duals are feasible for every column of the full LP (LP duality), within the tolerance
:data:`PRICING_TOLERANCE`, the solver's own dual feasibility tolerance.

Lexicographic tie-break
-----------------------
The LP has alternative optima (equal-cost centres, e.g. a province and a city centre at one
seat), so two solvers can return different plans of equal cost. The reported plan is the
lexicographic minimum of (1) cost, (2) total floor area, (3) citizens' travel (transactions
x minutes x years) and (4) a generic objective :math:`\sum_j w_j v_j` over every column,
with :math:`w_j \in [1, 2)` from a BLAKE2b hash of the column's name: with such weights the
optimum of (4) over the optimal face is a unique vertex (with probability one over the
weights; it depends only on names, never on the solver or the column order).

The hash must not be linear. The weights were first taken from a CRC-32, which is affine
over XOR: for names that differ in the same places (township *a* or *b*, centre *c* or *d*,
one item) ``crc(a,c) ^ crc(a,d) == crc(b,c) ^ crc(b,d)``, so the four arcs of such a swap
had weights with :math:`w_{ac} - w_{ad} \approx w_{bc} - w_{bd}` to about 1e-8, and moving
flow around the cycle changed (4) by less than the solver's tolerances: two starts of the
same LP ended at two vertices of one "unique" plan (Jiangsu, 2 townships at equal travel
to a city and a county hall).

After each phase the LP is restricted to that phase's optimal face by complementary
slackness, which holds between **every** primal optimum and any one dual optimum: a column
whose reduced cost exceeds :data:`FACE_TOLERANCE` in absolute value is fixed at the bound it
sits at, and a row whose dual does is made an equality at its active side; arcs not in the
model whose reduced cost exceeds the tolerance can never enter again. Then the next
objective is minimised over what is left, warm from the previous basis, with column
generation among the arcs still allowed. No objective row is added, so no tolerance on the
objective value is involved.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pulp

from planner.model.arcs import arc_cost
from planner.model.build import PlanModel, add_arcs
from planner.model.data import ModelData
from planner.solve.backends import INTERIOR_POINT, LpArrays, LpSolver, RunInfo, lp_arrays
from planner.solve.dual_face import (
    EPSILONS,
    Saved,
    check_duals,
    row_shifts,
    save_basis,
    save_point,
    set_basis,
    shifted_bounds,
    shifted_duals,
    tight_tolerance,
)
from planner.solve.lagrange import NetworkRows, lagrangian_start
from planner.solve.status import Certificate, PhaseReport, SolveReport, Status

log = logging.getLogger(__name__)

PRICING_TOLERANCE = 1e-7
"""An arc prices out when its reduced cost is below minus this (objective units per unit
of flow); HiGHS's default dual feasibility tolerance."""
FACE_TOLERANCE = 1e-7
"""A reduced cost or dual beyond this (absolute) fixes its column or row to the optimal
face before the next tie-break phase."""
PHASES = ("cost", "floor_area", "travel", "generic")


def start_arcs(d: ModelData) -> np.ndarray:
    """Per demand row, the nearest arc at each competent level (rows of ``d.arcs``)."""
    a = d.arcs[["stage", "township_id", "class_id", "minutes", "centre_id"]].assign(
        level=d.arcs["centre_id"].map(d.centres["level"])
    )
    order = a.sort_values(["stage", "township_id", "class_id", "level", "minutes", "centre_id"])
    first = ~order.duplicated(["stage", "township_id", "class_id", "level"])
    return np.sort(order.index[first].to_numpy())


def name_weights(names: list[str]) -> np.ndarray:
    """A weight in [1, 2) per name from the first 8 bytes of its BLAKE2b hash (stable across
    runs and machines; not linear, unlike a CRC: module docstring)."""
    codes = [int.from_bytes(hashlib.blake2b(n.encode(), digest_size=8).digest()) for n in names]
    return 1.0 + np.array(codes, dtype=float) / 2.0**64


def _key(*parts: pd.Series) -> pd.Series:
    out = parts[0].astype(str)
    for p in parts[1:]:
        out = out + "__" + p.astype(str)
    return out


@dataclass
class ArcPricer:
    """Every item-level arc's rows and phase objectives, for pricing in bulk."""

    demand: np.ndarray
    window: np.ndarray
    backoffice: np.ndarray
    """Row positions (-1: no back-office row)."""
    mu: np.ndarray
    beta: np.ndarray
    objectives: dict[str, np.ndarray]
    column: np.ndarray
    """The arc's column position in the solver, -1 while it is not in the model."""

    @classmethod
    def of(cls, model: PlanModel, row_index: dict[str, int], names: bool) -> ArcPricer:
        a = model.data.arcs
        s = a["stage"]
        index = pd.Series(row_index)
        demand = ("demand__" + _key(s, a["township_id"], a["class_id"])).map(index)
        window = ("windowtime__" + _key(s, a["centre_id"])).map(index)
        has_bo = (a["bo_work"] > 0) & (a["bo_centre"] != "")
        bo = ("backoffice__" + _key(s, a["bo_centre"])).map(index).where(has_bo)
        years = s.map(model.data.lengths).to_numpy(dtype=float)
        objectives = {
            # the arcs' objective coefficients exactly as the model holds them
            "cost": arc_cost(model.data, np.arange(len(a))),
            "floor_area": np.zeros(len(a)),
            "travel": years * a["minutes"].to_numpy(dtype=float),
        }
        if names:
            arc_names = "x__" + _key(s, a["township_id"], a["class_id"], a["centre_id"])
            objectives["generic"] = name_weights(arc_names.tolist())
        column = np.full(len(a), -1, dtype=np.int64)
        return cls(
            demand.to_numpy(dtype=np.int64),
            window.to_numpy(dtype=np.int64),
            bo.fillna(-1).to_numpy(dtype=np.int64),
            a["work"].to_numpy(dtype=float),
            np.where(has_bo, a["bo_work"].to_numpy(dtype=float), 0.0),
            objectives,
            column,
        )

    def reduced_costs(self, phase: str, duals: np.ndarray) -> np.ndarray:
        """Reduced cost of every arc under the phase objective and the row duals."""
        y = np.append(duals, 0.0)  # position -1 reads 0
        rc = self.objectives[phase] - y[self.demand] - self.mu * y[self.window]
        return rc - self.beta * y[self.backoffice]


def column_objectives(model: PlanModel, cost: np.ndarray, phase: str) -> np.ndarray:
    """The phase objective over the model's columns (``PlanModel.columns`` order)."""
    if phase == "cost":
        return cost
    out = np.zeros(len(model.columns))
    position = model.positions()
    v, d = model.var, model.data

    def cols(variables: Iterable[pulp.LpVariable], n: int) -> np.ndarray:
        return np.fromiter(map(position.__getitem__, map(id, variables)), np.int64, n)

    if phase == "floor_area":
        out[cols(v.area.values(), len(v.area))] = 1.0
    elif phase == "travel":
        a = d.arcs
        years = a["stage"].map(d.lengths).to_numpy(dtype=float) * a["minutes"].to_numpy()
        arcs = np.fromiter(v.x.keys(), np.int64, len(v.x))
        out[cols(v.x.values(), len(v.x))] = years[arcs]
    else:
        out = name_weights([var.name for var in model.columns])
    return out


@dataclass
class ExactOutcome:
    """The final run, its solution arrays and how optimality was established."""

    run: RunInfo
    primal: np.ndarray | None
    duals: np.ndarray | None
    """Row duals of the cost phase (prices in kCNY per unit of each row), not of a later
    tie-break phase."""
    optimality: SolveReport = field(default_factory=SolveReport)
    relaxed_duals: np.ndarray | None = None
    """Row duals of the window-relaxed LP (the start of the integer bound,
    :mod:`planner.solve.int_bound`); None when it was not solved."""
    arrays: LpArrays | None = None
    """The LP as arrays (the integer bound reads them with ``relaxed_duals``)."""
    basis: Saved | None = None
    """The cost phase's optimal basis (HiGHS; None otherwise): a warm start for a re-solve
    of the same model with other bounds or right-hand sides."""


def solve_exact(
    model: PlanModel,
    solver: LpSolver,
    generate: bool,
    tie_break: bool,
    loaded: LpArrays | None = None,
    lagrangian: bool = False,
    start: Saved | None = None,
) -> ExactOutcome:
    """Solve ``model`` (built with all arcs, or with :func:`start_arcs` when ``generate``)
    to the item-level optimum, then break ties lexicographically (module docstring).

    ``loaded``: the solver already holds the model as these arrays (a warm re-solve,
    :mod:`planner.solve.warm`); otherwise it is loaded here. ``lagrangian``: start the
    cost phase from :func:`planner.solve.lagrange.lagrangian_start` (a warm start only).
    ``start``: a cost basis of the same rows and columns (:func:`_started`).
    """
    lp = loaded if loaded is not None else lp_arrays(model)
    if loaded is None:
        solver.load(lp)
    phases = PHASES if tie_break else PHASES[:1]
    pricer = _pricer(model, lp, tie_break) if generate else None
    allowed = np.ones(len(model.data.arcs), dtype=bool)
    report: list[PhaseReport] = []
    run = RunInfo(Status.ERROR, None, 0.0, "not run")
    cost_duals: np.ndarray | None = None
    generic = tie_break and solver.cfg.canonical_duals == "generic"
    face: tuple[Saved, float] | None = None
    basis: Saved | None = None
    warm_cost, seconds = _started(model, solver, lp, start, lagrangian)
    for phase in phases:
        if phase != "cost":
            solver.set_objective(column_objectives(model, lp.cost, phase))
        rounds, added, min_rc, began = 0, 0, None, seconds
        while True:
            run, warm_cost = _phase_run(solver, phase, warm_cost)
            seconds += run.seconds
            rounds += 1
            if run.status != Status.OPTIMAL:
                return _stopped(solver, run, phases, phase, report, cost_duals, tie_break)
            if pricer is None:
                break
            rc = pricer.reduced_costs(phase, solver.duals())
            # the certificate: cost phase over every arc, later phases over the arcs that may
            # still enter (columns in the model are the solver's business)
            scope = allowed if phase == "cost" else allowed & (pricer.column < 0)
            min_rc = float(rc[scope].min()) if scope.any() else 0.0
            new = np.flatnonzero(allowed & (pricer.column < 0) & (rc < -PRICING_TOLERANCE))
            if not len(new):
                break
            added += len(new)
            _add(model, solver, pricer, new, phase, lp.row_index)
        # the reduced cost as text: the plan files round numbers to 6 decimals
        min_text = None if min_rc is None else f"{min_rc:.3e}"
        report.append(PhaseReport(phase, run.objective, rounds, added, min_text))
        msg = "exact: phase %s, %d solve(s), %d arcs added, %.1f s"
        log.info(msg, phase, rounds, added, seconds - began)
        if phase == "cost":
            cost_duals = solver.duals()
            face = _cost_face(solver, run) if generic else None
            basis = face[0] if face is not None else save_basis(solver)
        if phase != phases[-1]:
            _restrict_to_face(solver)
            if pricer is not None:
                rc = pricer.reduced_costs(phase, solver.duals())
                allowed &= (pricer.column >= 0) | (np.abs(rc) <= FACE_TOLERANCE)
    primal = solver.primal()
    optimality = SolveReport(tuple(report), _certificate(model, generate, phases, report))
    relaxed_duals = None
    if tie_break:
        began = time.perf_counter()
        cost_duals, optimality, relaxed_duals = _canonical(
            solver, lp, pricer, len(primal), optimality, cost_duals, face
        )
        seconds += time.perf_counter() - began
    total = RunInfo(run.status, None, seconds, run.detail)
    return ExactOutcome(total, primal, cost_duals, optimality, relaxed_duals, lp, basis)


def _started(
    model: PlanModel, solver: LpSolver, lp: LpArrays, start: Saved | None, lagrangian: bool
) -> tuple[bool, float]:
    """How the cost phase starts: from ``start``, the cost phase's basis of a solve with the
    same rows and columns (other bounds; True: by simplex from it), else from the
    Lagrangian warm start when ``lagrangian`` (its seconds). Either is a warm start only:
    the tie-break makes the plan the unique optimum a cold solve reaches."""
    if start is not None and set_basis(solver, start):
        return True, 0.0
    return False, _warm_start(model, solver, lp) if lagrangian else 0.0


def _phase_run(solver: LpSolver, phase: str, warm_cost: bool) -> tuple[RunInfo, bool]:
    """One run of ``phase``: the cost phase warm from its start basis when ``warm_cost``
    (:func:`_warm_cost_run`), else by the configured method; the tie-break phases by
    simplex from the crossover basis after an interior point. Returns the run and whether
    the cost phase's next run (column generation) starts warm."""
    if phase == "cost" and warm_cost:
        return _warm_cost_run(solver)
    warm = phase != "cost" and solver.tie_break_simplex
    with solver.simplex() if warm else nullcontext():
        return solver.run(), warm_cost


def _warm_cost_run(solver: LpSolver) -> tuple[RunInfo, bool]:
    """The cost phase run by simplex from the basis :func:`_started` set, within
    ``solver.warm_iteration_limit`` iterations when the configured method is an interior
    point (the only cold method that does not pay for the same iterations again); past the
    limit the LP is solved cold by that method on a new solver object
    (:meth:`~planner.solve.backends.LpSolver.renew`). Which way it went is
    not part of the plan (the tie-break's optimum is unique); the run's seconds include
    the warm attempt's. Returns the run and whether later runs of the phase stay warm."""
    cfg = solver.cfg
    limit = cfg.warm_iteration_limit if cfg.method in INTERIOR_POINT else 0
    with solver.simplex(limit):
        run = solver.run()
    if limit <= 0 or run.status == Status.OPTIMAL or run.iterations < limit:
        return run, True
    log.info(
        "exact: the warm cost phase needs more than %d simplex iterations (%.1f s); "
        "solved cold by %s",
        limit,
        run.seconds,
        cfg.method,
    )
    solver.renew()
    cold = solver.run()
    return replace(cold, seconds=run.seconds + cold.seconds), False


def _cost_face(solver: LpSolver, run: RunInfo) -> tuple[Saved, float] | None:
    """The cost phase's basis and optimum, for the generic duals (None: not HiGHS)."""
    saved = save_basis(solver)
    return None if saved is None or run.objective is None else (saved, run.objective)


def _stopped(
    solver: LpSolver,
    run: RunInfo,
    phases: tuple[str, ...],
    phase: str,
    report: list[PhaseReport],
    cost_duals: np.ndarray | None,
    tie_break: bool,
) -> ExactOutcome:
    """The outcome of a solve stopped in ``phase``: a feasible point at the time limit is
    still a (not proven optimal) plan, and so is the cost-optimal point of an earlier phase
    when the time ran out in a tie-break phase (the solver still holds it; its duals are the
    cost phase's). The steps it goes without are named (``skipped_steps``)."""
    timed_out = run.status in (Status.TIME_LIMIT, Status.TIME_LIMIT_NO_SOLUTION)
    after_cost = timed_out and cost_duals is not None
    optimality = SolveReport(phases=tuple(report), stopped_in=phase)
    if run.status != Status.TIME_LIMIT and not after_cost:
        return ExactOutcome(run, None, None, optimality)
    if after_cost:
        run = RunInfo(Status.TIME_LIMIT, run.objective, run.seconds, run.detail)
    why = f"the solve stopped in phase {phase!r} at solver.time_limit_s ({run.detail})"
    skipped = [{"step": f"phase {p}", "reason": why} for p in phases[phases.index(phase) :]]
    if after_cost:
        optimality = replace(optimality, duals="path")
        step = "duals at the plan's own basis (the rule costs rest on the cost phase's duals)"
    else:
        step = "rule costs (no optimal duals)"
    skipped.append({"step": step, "reason": why})
    if tie_break:
        skipped.append({"step": "window-relaxed bound", "reason": why})
    optimality = replace(optimality, skipped_steps=tuple(skipped))
    return ExactOutcome(run, solver.primal(), cost_duals, optimality)


def _warm_start(model: PlanModel, solver: LpSolver, lp: LpArrays) -> float:
    """The Lagrangian warm start (:mod:`planner.solve.lagrange`); its seconds. How the cost
    phase started is not part of the plan (a sweep's warm re-solve starts elsewhere and must
    write the same summary): it is logged only."""
    began = time.perf_counter()
    lagrangian_start(solver, lp, NetworkRows.of(lp, list(model.rows)), solver.time_left())
    return time.perf_counter() - began


def _pricer(model: PlanModel, lp: LpArrays, names: bool) -> ArcPricer:
    """The arc pricer of column generation, with the arcs already in the model."""
    pricer = ArcPricer.of(model, lp.row_index, names=names)
    position = model.positions()
    for i, var in model.var.x.items():
        pricer.column[i] = position[id(var)]
    return pricer


def _canonical(
    solver: LpSolver,
    lp: LpArrays,
    pricer: ArcPricer | None,
    n: int,
    optimality: SolveReport,
    path: np.ndarray | None,
    face: tuple[Saved, float] | None = None,
) -> tuple[np.ndarray | None, SolveReport, np.ndarray | None]:
    """The cost duals to report (:func:`_after_tie_break`, else the path's),
    ``optimality`` saying which they are, with the window-relaxed bound, and the
    window-relaxed LP's row duals (None when it was not solved). ``face``: the cost phase's
    basis and optimum, for the generic duals (``solver.canonical_duals``)."""
    canonical, relaxed, relaxed_duals, kind = _after_tie_break(solver, lp, pricer, n, face)
    skipped: list[dict[str, str]] = []
    if face is not None and kind != "generic":
        skipped.append(
            {
                "step": "generic duals (the rule costs rest on the duals at the plan's basis, "
                "a fallback)",
                "reason": _why(solver, "no shifted re-solve gave optimal duals of the LP"),
            }
        )
    if canonical is None and solver.name == "highs":
        skipped.append(
            {
                "step": "duals at the plan's own basis (the rule costs rest on the path's "
                "duals, a fallback)",
                "reason": _why(solver, "the simplex re-solve at the plan's basis failed"),
            }
        )
    if relaxed is None and pricer is None and solver.name == "highs":
        skipped.append(
            {
                "step": "window-relaxed bound (the modes' bound rests on the LP's duals, a "
                "fallback)",
                "reason": _why(solver, "its re-solve was not optimal"),
            }
        )
    noted = replace(
        optimality,
        duals="path" if canonical is None else kind,
        windows_relaxed_kcny=relaxed,
        skipped_steps=tuple(skipped),
    )
    return (canonical if canonical is not None else path), noted, relaxed_duals


def _why(solver: LpSolver, otherwise: str) -> str:
    """Why a step after the solve was skipped: the time budget, else ``otherwise``."""
    if solver.time_left() <= 0:
        return "no time left of solver.time_limit_s"
    return otherwise


def _after_tie_break(
    solver: LpSolver,
    lp: LpArrays,
    pricer: ArcPricer | None,
    n: int,
    face: tuple[Saved, float] | None = None,
) -> tuple[np.ndarray | None, float | None, np.ndarray | None, str]:
    """The cost phase's duals again, path-free: the generic ones when ``face`` is given
    (:func:`_generic_duals`), else (or when they fail) from a basis that depends on the
    unique plan only (:meth:`planner.solve.backends.HighsSolver.vertex_duals`); the
    window-relaxed bound (:func:`_windows_relaxed`) with its LP's row duals, all by the
    simplex method; and which duals they are ("generic" or "vertex"). Nones when the solver
    cannot. With column generation the duals must also price every arc left out (else they
    are no optimal duals of the whole LP: None), and the relaxed bound is not computed (its
    optimum over the arcs in the model bounds nothing)."""
    cost, bounds = _cost_columns(lp, pricer, n), _bounds(lp, n)
    with solver.simplex():
        began = time.perf_counter()
        canonical, eps, kind = None, 0.0, "vertex"
        if face is not None:
            save_point(solver, face[0])
            canonical, eps = _generic_duals(solver, lp, pricer, face, cost, bounds)
            kind = "generic" if canonical is not None else kind
            log.info("exact: generic duals (%s) in %.1f s", kind, time.perf_counter() - began)
        if canonical is None:
            began = time.perf_counter()
            point = face[0].point if face is not None else None
            canonical = solver.vertex_duals(cost, bounds, point)
            log.info("exact: duals at the plan's basis in %.1f s", time.perf_counter() - began)
        if canonical is None:
            return None, None, None, kind
        if pricer is not None:
            out = pricer.column < 0
            if (pricer.reduced_costs("cost", canonical)[out] < -PRICING_TOLERANCE).any():
                return None, None, None, kind
            return canonical, None, None, kind
        began = time.perf_counter()
        if kind == "generic":
            relaxed, relaxed_duals = _generic_relaxed(solver, lp, eps)
        else:
            relaxed = _windows_relaxed(solver, lp)
            relaxed_duals = solver.duals() if relaxed is not None else None
        log.info("exact: window-relaxed bound in %.1f s", time.perf_counter() - began)
        return canonical, relaxed, relaxed_duals, kind


def _generic_duals(
    solver: LpSolver,
    lp: LpArrays,
    pricer: ArcPricer | None,
    face: tuple[Saved, float],
    cost: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray | None, float]:
    """The generic optimal duals (:mod:`planner.solve.dual_face`) and the relative shift
    they were found with, trying :data:`EPSILONS` in turn; (None, 0) when no shift gives
    duals that :func:`check_duals` finds optimal for the original LP."""
    saved, optimum = face
    shift = row_shifts(lp, name_weights(list(lp.row_index)))
    lower, upper, row_lo, row_up = bounds
    for eps in EPSILONS:
        lo, up = shifted_bounds(row_lo, row_up, eps * shift)
        y = shifted_duals(solver, saved, cost, (lower, upper, lo, up))
        if y is None:
            log.info("exact: generic duals, shift %g: re-solve not optimal", eps)
            continue
        extra = None
        if pricer is not None:
            outside = (pricer.column < 0) | (pricer.column >= len(lp.cost))
            extra = pricer.reduced_costs("cost", y)[outside]
        check = check_duals(lp, y, optimum, extra_reduced_costs=extra)
        log.info(
            "exact: generic duals, shift %g: dual infeasibility %.2e, relative gap %.2e",
            eps,
            check.infeasibility,
            check.gap,
        )
        if check.optimal:
            return y, eps
    return None, 0.0


def _generic_relaxed(
    solver: LpSolver, lp: LpArrays, eps: float
) -> tuple[float | None, np.ndarray | None]:
    """The window-relaxed bound (:func:`_windows_relaxed`) and its LP's generic duals: the
    windows relaxed in the shifted LP (solved from the generic duals' basis), then the
    shifts undone for the bound itself. The duals are those of the shifted solve when they
    are optimal for the relaxed LP, else the unshifted solve's (logged)."""
    lo, up = shifted_bounds(
        lp.row_lower, lp.row_upper, eps * row_shifts(lp, name_weights(list(lp.row_index)))
    )
    rows = _window_rows(lp)
    lo[rows] = -np.inf
    solver.set_row_bounds(np.arange(len(lo)), lo, up)
    with tight_tolerance(solver):
        run = solver.run()
    if run.status != Status.OPTIMAL:
        return None, None
    y = solver.duals()
    relaxed_lo = lp.row_lower.copy()
    relaxed_lo[rows] = -np.inf
    solver.set_row_bounds(np.arange(len(lo)), relaxed_lo, lp.row_upper)
    run = solver.run()
    if run.status != Status.OPTIMAL or run.objective is None:
        return None, None
    check = check_duals(lp, y, run.objective, row_bounds=(relaxed_lo, lp.row_upper))
    log.info(
        "exact: window-relaxed generic duals: dual infeasibility %.2e, relative gap %.2e",
        check.infeasibility,
        check.gap,
    )
    return run.objective + lp.constant, (y if check.optimal else solver.duals())


def _window_rows(lp: LpArrays) -> np.ndarray:
    """The window-time equality rows (relaxed to <= for the window-relaxed bound)."""
    rows = np.array([i for name, i in lp.row_index.items() if name.startswith("windowtime__")])
    return rows[lp.row_lower[rows] == lp.row_upper[rows]] if len(rows) else rows.astype(int)


def _windows_relaxed(solver: LpSolver, lp: LpArrays) -> float | None:
    """The cost optimum with every window-time equality relaxed to load <= capacity (idle
    windows allowed): a relaxation of the joint problem with integer windows and modes, so
    a valid lower bound for it whatever the duals (:func:`planner.plan.modes.lp_side`).
    Solved warm from the cost-optimal basis; None when not optimal."""
    rows = _window_rows(lp)
    if len(rows):
        solver.set_row_bounds(rows, np.full(len(rows), -np.inf), lp.row_upper[rows])
    run = solver.run()
    if run.status != Status.OPTIMAL or run.objective is None:
        return None
    return run.objective + lp.constant


def _cost_columns(lp: LpArrays, pricer: ArcPricer | None, n: int) -> np.ndarray:
    """The cost objective over the solver's ``n`` columns (generated arcs included)."""
    out = np.zeros(n)
    out[: len(lp.cost)] = lp.cost
    if pricer is not None:
        added = np.flatnonzero(pricer.column >= len(lp.cost))
        out[pricer.column[added]] = pricer.objectives["cost"][added]
    return out


def _bounds(lp: LpArrays, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The LP's own bounds over ``n`` columns (a generated arc: [0, inf)), before any phase
    fixed columns or rows to an optimal face."""
    extra = n - len(lp.lower)
    lower = np.r_[lp.lower, np.zeros(extra)]
    upper = np.r_[lp.upper, np.full(extra, np.inf)]
    return lower, upper, lp.row_lower.copy(), lp.row_upper.copy()


def _certificate(
    model: PlanModel, generate: bool, phases: tuple[str, ...], report: list[PhaseReport]
) -> Certificate:
    """How optimality was established, for ``summary.json``."""
    return Certificate(
        method="column generation on arcs" if generate else "direct (every arc)",
        arcs_total=len(model.data.arcs),
        arcs_in_model=len(model.var.x),
        pricing_tolerance=f"{PRICING_TOLERANCE:g}",
        min_reduced_cost_all_arcs=report[0].min_reduced_cost,
        tie_break=phases,
        face_tolerance=f"{FACE_TOLERANCE:g}",
    )


def _restrict_to_face(solver: LpSolver) -> None:
    """Fix columns and rows by complementary slackness with the current duals."""
    d = solver.reduced_costs()
    y = solver.duals()
    lo, up, row_lo, row_up = solver.bounds()
    cols = np.flatnonzero((np.abs(d) > FACE_TOLERANCE) & (lo < up))
    at_upper = d[cols] < 0
    ok = ~at_upper | np.isfinite(up[cols])
    solver.fix_columns(cols[ok], at_upper[ok])
    rows = np.flatnonzero((np.abs(y) > FACE_TOLERANCE) & (row_lo < row_up))
    # HiGHS's sign convention: a positive dual holds the row at its lower bound
    at_upper_r = y[rows] < 0
    finite = np.where(at_upper_r, np.isfinite(row_up[rows]), np.isfinite(row_lo[rows]))
    solver.fix_rows(rows[finite], at_upper_r[finite])


def _add(
    model: PlanModel,
    solver: LpSolver,
    pricer: ArcPricer,
    new: np.ndarray,
    phase: str,
    row_index: dict[str, int],
) -> None:
    """Add arcs ``new`` to the PuLP model and to the solver (with the current phase's
    objective)."""
    first = len(model.columns)
    cols = add_arcs(model, new)
    pricer.column[new] = np.arange(first, first + len(new))
    col = np.repeat(np.arange(len(new)), np.diff(cols.starts))
    row = np.fromiter((row_index[r] for r in cols.rows), np.int64, len(cols.rows))
    val = cols.values
    keep = val != 0
    col, row, val = col[keep], row[keep], val[keep]
    starts = np.searchsorted(col, np.arange(len(new) + 1))
    solver.add_columns(pricer.objectives[phase][new], starts, row, val)
