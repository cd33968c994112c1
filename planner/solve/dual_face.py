r"""Generic optimal duals: one point of the dual optimal face, fixed by the LP data alone.

The item-level LP is degenerate: its primal optimum is unique (the lexicographic
tie-break), but the set :math:`D^*` of optimal row duals is not a point, and the duals a
simplex ends with depend on its path (warm or cold start, a sweep's previous scenario).
``solver.canonical_duals = "generic"`` reports the optimal dual that maximises a generic
linear function over :math:`D^*` (HiGHS's sign convention: a row held at its lower bound
has a dual >= 0, at its upper bound <= 0):

.. math::

    \max_{y \in D^*} \; \textstyle\sum_{i \in E} \delta_i y_i
        - \sum_{i \notin E} \delta_i |y_i|, \qquad
    \delta_i = w_i \max(1, |b_i|),

with :math:`E` the equality rows, :math:`b_i` a row's largest finite bound and
:math:`w_i \in [1, 2)` the BLAKE2b weight of the row's name (:func:`name_weights`, as the
primal's generic tie-break). On :math:`D^*` the sign of each inequality row's dual is fixed,
so the objective is linear there; with generic weights its maximiser is one vertex of
:math:`D^*`, a function of the LP's data only. In words: each inequality rule is priced at
the low end of its range of optimal duals (what relaxing it saves), each equality at the
high end (what one more unit costs), traded off by the weights.

It is computed as the derivative of the optimal value :math:`\phi(b)` in the direction
:math:`\delta` (LP sensitivity: :math:`\phi(b + \varepsilon\delta) = \phi(b) +
\varepsilon \max_{y \in D^*} \delta^T y` for :math:`\varepsilon` below the first
breakpoint): every inequality row's bounds are moved outward by
:math:`\varepsilon\delta_i`, every equality row's both bounds up by it, and the LP is
re-solved by dual simplex warm from the cost phase's basis (still dual feasible: only
bounds moved), with a primal feasibility tolerance well below the shifts so that the
solver sees each one. The duals found are then checked against the *original* LP
(:func:`check_duals`: dual feasible, and their dual objective equal to the cost optimum);
where the check fails a smaller :math:`\varepsilon` is tried, then the caller falls back to
the duals at the plan's basis (``vertex``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.solve.backends import HighsSolver, LpArrays, LpSolver, Point
from planner.solve.status import Status

log = logging.getLogger(__name__)

EPSILONS = (1e-6, 1e-8)
"""Relative row shifts tried in turn (each row's shift is this times :math:`\\delta_i`)."""
FEASIBILITY = 1e-10
"""HiGHS's primal feasibility tolerance during the shifted solve (default 1e-7): the
smallest shift, 1e-8, must stand well above it."""
DUAL_TOLERANCE = 1e-6
"""Largest dual infeasibility (kCNY per unit, unscaled) accepted by :func:`check_duals`."""
GAP_TOLERANCE = 1e-9
"""Largest relative gap between the duals' objective and the cost optimum."""


def row_shifts(lp: LpArrays, weights: np.ndarray) -> np.ndarray:
    """:math:`\\delta_i = w_i \\max(1, |b_i|)` per row (module docstring)."""
    lo = np.where(np.isfinite(lp.row_lower), np.abs(lp.row_lower), 0.0)
    up = np.where(np.isfinite(lp.row_upper), np.abs(lp.row_upper), 0.0)
    return weights * np.maximum(1.0, np.maximum(lo, up))


def shifted_bounds(
    row_lower: np.ndarray, row_upper: np.ndarray, shift: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds moved by ``shift``: an inequality's outward, an equality's both up
    (infinite bounds stay infinite)."""
    equality = row_lower == row_upper
    return np.where(equality, row_lower + shift, row_lower - shift), row_upper + shift


@dataclass(frozen=True)
class DualCheck:
    """How far row duals are from optimal for an LP."""

    infeasibility: float
    """Largest dual infeasibility (a reduced cost or dual of the wrong sign for its bounds)."""
    objective: float
    """Their dual objective (without the LP's constant)."""
    gap: float
    """``|objective - optimum| / max(1, |optimum|)``."""

    @property
    def optimal(self) -> bool:
        return self.infeasibility <= DUAL_TOLERANCE and self.gap <= GAP_TOLERANCE


def check_duals(
    lp: LpArrays,
    y: np.ndarray,
    optimum: float,
    row_bounds: tuple[np.ndarray, np.ndarray] | None = None,
    extra_reduced_costs: np.ndarray | None = None,
) -> DualCheck:
    """Check row duals ``y`` against the LP ``lp`` (its own row bounds, or ``row_bounds``)
    and its optimal value ``optimum``: reduced costs ``c - A^T y`` of its columns, and
    ``extra_reduced_costs`` of columns outside it with bounds [0, inf) (arcs left out by
    column generation)."""
    row_lo, row_up = (lp.row_lower, lp.row_upper) if row_bounds is None else row_bounds
    y = y[: len(row_lo)]
    per_entry = np.repeat(y, np.diff(lp.starts)) * lp.value
    d = lp.cost - np.bincount(lp.index, weights=per_entry, minlength=len(lp.cost))
    bad = [
        _wrong_sign(d, lp.lower, lp.upper),
        _wrong_sign(y, row_lo, row_up),
    ]
    if extra_reduced_costs is not None and len(extra_reduced_costs):
        bad.append(np.maximum(0.0, -extra_reduced_costs))
    infeasibility = max(float(b.max()) if len(b) else 0.0 for b in bad)
    objective = _bound_sum(d, lp.lower, lp.upper) + _bound_sum(y, row_lo, row_up)
    gap = abs(objective - optimum) / max(1.0, abs(optimum))
    return DualCheck(infeasibility, objective, gap)


def _wrong_sign(v: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """How far each multiplier is on the side of an infinite bound (positive: lower)."""
    return np.where(np.isinf(lower), np.maximum(v, 0.0), 0.0) + np.where(
        np.isinf(upper), np.maximum(-v, 0.0), 0.0
    )


def _bound_sum(v: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """``sum v_j * (lower_j if v_j > 0 else upper_j)`` over finite bounds (a multiplier of
    the wrong sign, within tolerance, adds nothing)."""
    at = np.where(v > 0, lower, upper)
    return float(
        np.sum(np.where(np.isfinite(at) & (v != 0), v * np.where(np.isfinite(at), at, 0), 0))
    )


@dataclass
class Saved:
    """The cost phase's basis (HiGHS's statuses) and, later, the plan's primal point."""

    cols: list[Any]
    rows: list[Any]
    point: Point | None = None


def save_basis(solver: LpSolver) -> Saved | None:
    """The solver's basis now, when it is HiGHS (None for CBC: it keeps its own duals)."""
    if not isinstance(solver, HighsSolver) or solver.name != "highs":
        return None
    basis = solver.h.getBasis()
    return Saved(list(basis.col_status), list(basis.row_status))


def set_basis(solver: LpSolver, saved: Saved) -> bool:
    """Start ``solver`` (just loaded) from the ``saved`` basis of a model with the same
    columns and rows (a warm re-solve after a change of bounds); False when it is not
    HiGHS, the sizes differ or HiGHS rejects the basis (the solve then starts cold)."""
    import highspy

    if not isinstance(solver, HighsSolver) or solver.name != "highs":
        return False
    h = solver.h
    if len(saved.cols) != h.getNumCol() or len(saved.rows) != h.getNumRow():
        return False
    basis = highspy.HighsBasis()
    basis.col_status = saved.cols
    basis.row_status = saved.rows
    basis.valid = True
    return bool(h.setBasis(basis) == highspy.HighsStatus.kOk)


def save_point(solver: LpSolver, saved: Saved) -> None:
    """Keep the solver's primal point (the plan) for a fall-back to the vertex duals."""
    if isinstance(solver, HighsSolver):
        solution = solver.h.getSolution()
        x = np.asarray(solution.col_value, dtype=float)
        saved.point = (x, np.asarray(solution.row_value, dtype=float))


def shifted_duals(
    solver: LpSolver, saved: Saved, cost: np.ndarray, bounds: tuple[np.ndarray, ...]
) -> np.ndarray | None:
    """Row duals of the LP with ``cost`` and ``bounds`` (column lower, upper, row lower,
    upper) by dual simplex from the ``saved`` basis (columns added since: at lower), with
    the tolerance :data:`FEASIBILITY`; None when the re-solve is not optimal. The basis
    reached is set again on a cleared solver and refactored, so the duals read are a
    function of that basis alone, not of the updates that led to it."""
    import highspy

    if not isinstance(solver, HighsSolver):
        return None
    h = solver.h
    solver.reset_bounds(*bounds)
    solver.set_objective(cost)
    basis = highspy.HighsBasis()
    basis.col_status = saved.cols + [highspy.HighsBasisStatus.kLower] * (solver.n - len(saved.cols))
    basis.row_status = saved.rows
    basis.valid = True
    with tight_tolerance(solver):
        for _ in range(2):
            h.clearSolver()
            if h.setBasis(basis) != highspy.HighsStatus.kOk:
                return None
            run = HighsSolver.run(solver)
            log.info("exact: shifted re-solve, %s, %d iterations", run.detail, run.iterations)
            if run.status != Status.OPTIMAL:
                return None
            basis = h.getBasis()
    return np.asarray(h.getSolution().row_dual, dtype=float)


@contextmanager
def tight_tolerance(solver: LpSolver) -> Iterator[None]:
    """Within it, HiGHS's primal feasibility tolerance is :data:`FEASIBILITY`."""
    if not isinstance(solver, HighsSolver):
        yield
        return
    _, tolerance = solver.h.getOptionValue("primal_feasibility_tolerance")
    solver.h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY)
    try:
        yield
    finally:
        solver.h.setOptionValue("primal_feasibility_tolerance", tolerance)
