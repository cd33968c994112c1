"""Run the solver and report a typed outcome.

An infeasible or unfinished solve is a :class:`SolveResult` with a status, not an
exception. The solver back-ends live in :mod:`planner.solve.backends`; the exact method
(column generation on arcs and the lexicographic tie-break) in :mod:`planner.solve.exact`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np

from planner.config.schema import SolverConfig, SolverName
from planner.model.build import PlanModel
from planner.model.data import ModelData
from planner.solve.backends import CbcSolver, HighsSolver, LpArrays, LpSolver
from planner.solve.dual_face import Saved
from planner.solve.exact import ExactOutcome, solve_exact, start_arcs
from planner.solve.solution import Solution, read_solution
from planner.solve.status import SolveReport, Status
from planner.steps import Timings

log = logging.getLogger(__name__)

SCREENING_NOTE = (
    "approximate screening: one split per demand class and online fixed by "
    "dominance; the item-level LP (model.formulation = 'items') is the exact optimum"
)


@dataclass(frozen=True)
class RelaxedLp:
    """The LP as arrays, the window-relaxed LP's row duals and the plan's primal."""

    arrays: LpArrays
    duals: np.ndarray
    primal: np.ndarray


@dataclass(frozen=True)
class SolveResult:
    status: Status
    objective: float | None
    solver: str
    solver_version: str
    seconds: float
    detail: str = ""
    """The solver's own status text."""
    solution: Solution | None = None
    """Values by variable family (None when the solve gave no solution)."""
    optimality: SolveReport = field(default_factory=SolveReport)
    """How optimality was established (method, phases, reduced costs, tolerances)."""
    relaxed: RelaxedLp | None = field(default=None, repr=False, compare=False)
    """The window-relaxed LP, its duals and the plan's primal (the integer bound's start,
    :mod:`planner.solve.int_bound`); None when it was not solved."""
    basis: Saved | None = field(default=None, repr=False, compare=False)
    """The cost phase's optimal basis (HiGHS): the warm start of a re-solve with other
    right-hand sides (:func:`solve`'s ``start``)."""

    @property
    def is_ok(self) -> bool:
        """A plan can be extracted (optimal, or feasible at the time limit)."""
        return self.status in {Status.OPTIMAL, Status.TIME_LIMIT}


def make_solver(cfg: SolverConfig) -> LpSolver:
    """The configured back-end."""
    return CbcSolver(cfg) if cfg.name == SolverName.CBC else HighsSolver(cfg)


def initial_arcs(data: ModelData, cfg: SolverConfig) -> np.ndarray | None:
    """The arcs to build the model with: all (None), or the start of column generation."""
    return start_arcs(data) if cfg.column_generation else None


def solve(
    model: PlanModel,
    cfg: SolverConfig,
    timings: Timings | None = None,
    start: Saved | None = None,
) -> SolveResult:
    """Solve the model with the configured solver; never raises for infeasibility.

    With fewer arcs in the model than in its data, the missing ones are generated as they
    price out (column generation); with ``solver.tie_break`` the plan is the lexicographic
    optimum of :mod:`planner.solve.exact`. With ``timings``, reading the values back is
    its own step (``read solution``). ``start``: the cost phase's basis of an earlier solve
    of a model with the same rows and columns (``SolveResult.basis``), a warm start.
    """
    solver = make_solver(cfg)
    generate = len(model.var.x) < len(model.data.arcs)
    outcome = solve_exact(
        model,
        solver,
        generate=generate,
        tie_break=cfg.tie_break,
        lagrangian=cfg.lagrangian_start
        and solver.name == SolverName.HIGHS
        and cfg.method in ("simplex", "choose"),
        start=start,
    )
    solution = None
    if outcome.primal is not None:
        with (timings or Timings()).step("read solution"):
            solution = read_solution(model, outcome.primal, outcome.duals)
    result = make_result(model, solver, outcome, solution)
    log.info("solve: %s in %.1f s (%s)", result.status, result.seconds, result.detail)
    return result


def make_result(
    model: PlanModel, solver: LpSolver, outcome: ExactOutcome, solution: Solution | None
) -> SolveResult:
    """The typed outcome of a solve: status, objective (kCNY, constants included), values
    and how optimality was established."""
    run = outcome.run
    objective = float(sum(solution.costs.values())) if solution is not None else None
    exact = model.data.formulation == "items"
    optimality = replace(
        outcome.optimality,
        formulation=model.data.formulation,
        exact=exact,
        note=None if exact else SCREENING_NOTE,
    )
    return SolveResult(
        run.status,
        objective,
        solver.name,
        solver.version,
        run.seconds,
        run.detail,
        solution,
        optimality,
        _relaxed(outcome),
        outcome.basis,
    )


def _relaxed(outcome: ExactOutcome) -> RelaxedLp | None:
    if outcome.arrays is None or outcome.relaxed_duals is None or outcome.primal is None:
        return None
    return RelaxedLp(outcome.arrays, outcome.relaxed_duals, outcome.primal)
