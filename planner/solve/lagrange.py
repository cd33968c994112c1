r"""A Lagrangian warm start for the cost phase: the network-wide rows priced, then restored.

Why
---
A few policy rows span the whole network: the olive rows (one per stage, measure and pair
of levels), the top-heavy cap, the level floors, the area budget, the service guarantee and
the staff cut limits per level. On the Jiangsu default they are 24 of 160,905 rows, yet
they make HiGHS's dual simplex about five times slower per iteration (they join every
centre's basis columns into one block and end its hyper-sparse solves): 77 s with them
against 13 s without, for about as many iterations (docs/benchmarks.md).

What
----
Let :math:`G` be those rows, each written one-sided as :math:`a_g^T v \le b_g`, and
:math:`X` the rest of the LP. The Lagrangian dual

.. math::

    L(\lambda) = \min_{v \in X}\; c^T v + \textstyle\sum_g \lambda_g (a_g^T v - b_g),
    \qquad \lambda \ge 0,

is concave and piecewise linear; its maximum is the LP's optimum, and
:math:`a_g^T v(\lambda) - b_g` is a supergradient. Each evaluation is the LP with the rows of
:math:`G` free (bounds :math:`\pm\infty`, so the row order and every row position stay) and
the costs :math:`c + \sum_g \lambda_g a_g`, re-solved warm from the previous basis: cheap,
without :math:`G` in the basis. :func:`lagrangian_start` maximises :math:`L` by a cutting-
plane model with a box trust region around the best point (a proximal bundle method
reduced to its simplest form), then restores the rows' bounds, re-solves with the priced
costs (the basis is dual feasible there: a few dual simplex iterations) and sets the true
costs back.

It is only a **warm start**: the caller's next run solves the full LP with the true costs
from that basis, so the optimum, and so the plan, is the LP's own whatever the multipliers
reached; a poor multiplier costs time, never the answer. When no row of :math:`G` is
violated at :math:`\lambda = 0` the relaxed optimum is feasible, so optimal, and the search
is skipped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.solve.backends import LpArrays, LpSolver
from planner.solve.status import Status

log = logging.getLogger(__name__)

NETWORK_FAMILIES = (
    "olive",
    "topheavy",
    "level_floor",
    "area_budget",
    "unserved_cap",
    "staff_cut",
    "pace_level",
    "pace_region",
)
"""Row families that span a whole province (the rows priced by the warm start)."""
MAX_EVALUATIONS = 20
"""Re-solves of the relaxed LP at most (then the full LP is solved from where it got)."""
RELATIVE_TOLERANCE = 1e-8
"""Stop when the cutting-plane model promises less than this share of :math:`|L|`."""
FEASIBILITY = 1e-7
"""A row is violated beyond this (absolute, plus the same share of its bound)."""
BUDGET_SHARE = 4.0
"""After the cold first solve, the rest of the warm start may take this share of its time.
The full LP solved cold takes about six times the relaxed LP on Jiangsu (77 s against 13 s),
so a start within four of them still beats a cold solve; with today's desks in the inventory
the level-floor rows bind and the start needs about 12 warm evaluations (with a share of 1
it stopped after 3 and the solve fell back to a cold one: 202 s against 59 s)."""
FIRST_SHARE = 0.5
"""The cold first solve may take this share of the time left in the solve's limit."""
BUDGET_FLOOR_S = 1.0
"""... but never less than this (seconds): small LPs solve in milliseconds."""
SCALE_SHARE = 0.1
"""First trust region per row: this share of the median cost per unit of the row's
columns (the price of one unit of the row at which its columns would cost nothing more)."""


@dataclass
class NetworkRows:
    """The rows of :math:`G`, one-sided: ``sign * a^T v <= rhs``."""

    rows: np.ndarray
    sign: np.ndarray
    rhs: np.ndarray
    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, lp: LpArrays, names: list[str]) -> NetworkRows:
        """The network-wide rows of ``lp`` (``names`` in row order); two-sided rows stay."""
        # a row's family is its name before the first "__" (as read_solution reads it)
        pick = np.array([n.split("__", 1)[0] in NETWORK_FAMILIES for n in names], dtype=bool)
        lo, up = lp.row_lower, lp.row_upper
        upper = pick & np.isfinite(up) & ~np.isfinite(lo)
        lower = pick & np.isfinite(lo) & ~np.isfinite(up)
        rows = np.flatnonzero(upper | lower)
        sign = np.where(upper[rows], 1.0, -1.0)
        rhs = np.where(upper[rows], up[rows], -lo[rows])
        counts = lp.starts[rows + 1] - lp.starts[rows]
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        pieces = [np.arange(lp.starts[r], lp.starts[r + 1]) for r in rows]
        take = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        index = lp.index[take]
        value = lp.value[take] * np.repeat(sign, counts)
        scale = np.ones(len(rows))
        for i in range(len(rows)):
            cols, coefs = index[starts[i] : starts[i + 1]], value[starts[i] : starts[i + 1]]
            ratio = np.abs(lp.cost[cols] / coefs)
            ratio = ratio[ratio > 0]
            if len(ratio):
                scale[i] = SCALE_SHARE * float(np.median(ratio))
        return cls(rows, sign, rhs, starts, index, value, scale)

    def slack(self, v: np.ndarray) -> np.ndarray:
        """``a^T v - rhs`` per row (positive: violated)."""
        if not len(self.rows):
            return np.zeros(0)
        row = np.repeat(np.arange(len(self.rows)), np.diff(self.starts))
        act = np.bincount(row, weights=self.value * v[self.index], minlength=len(self.rows))
        return act - self.rhs

    def priced(self, cost: np.ndarray, lam: np.ndarray) -> np.ndarray:
        """The costs ``c + sum_g lam_g a_g``."""
        out = cost.copy()
        np.add.at(out, self.index, np.repeat(lam, np.diff(self.starts)) * self.value)
        return out


@dataclass
class Search:
    """The cutting-plane model: evaluated points, values and supergradients."""

    points: list[np.ndarray] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    slopes: list[np.ndarray] = field(default_factory=list)

    def add(self, lam: np.ndarray, value: float, slope: np.ndarray) -> None:
        self.points.append(lam.copy())
        self.values.append(value)
        self.slopes.append(slope.copy())

    def radius(self, centre: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """The trust region around ``centre`` per row. A row violated at ``centre`` with no
        point beyond it where it holds: as far as the secant of its violation over the last
        two points predicts it holds, plus a fifth (else twice the last move, or ``scale``);
        once such a point exists the cuts bracket the row and the region reaches it."""
        out = scale.copy()
        here = next(i for i, p in enumerate(self.points) if np.array_equal(p, centre))
        g = self.slopes[here]
        for i in range(len(centre)):
            beyond = [p[i] for p, s in zip(self.points, self.slopes, strict=True) if s[i] < 0]
            if g[i] <= 0 or any(b > centre[i] for b in beyond):
                reach = max([abs(p[i] - centre[i]) for p in self.points] + [0.0])
                out[i] = max(scale[i], reach)
                continue
            below = [(p[i], s[i]) for p, s in zip(self.points, self.slopes, strict=True)]
            below = [(x, y) for x, y in below if x < centre[i]]
            if not below:
                continue
            x0, g0 = max(below)
            if g0 > g[i]:
                out[i] = 1.2 * g[i] * (centre[i] - x0) / (g0 - g[i])
            else:
                out[i] = 2.0 * (centre[i] - x0)
            out[i] = max(out[i], 1e-3 * scale[i])
        return out

    def step(self, centre: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, float] | None:
        """The model's maximiser in the box around ``centre`` and its model value (None if
        HiGHS does not solve the small LP)."""
        import highspy

        k = len(centre)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        inf = highspy.kHighsInf
        lower = np.maximum(centre - radius, 0.0)
        upper = centre + radius
        # columns: t, lambda_1..k; maximise t
        h.addCols(
            k + 1,
            np.r_[-1.0, np.zeros(k)],
            np.r_[-inf, lower],
            np.r_[inf, upper],
            0,
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0),
        )
        for lam, value, g in zip(self.points, self.values, self.slopes, strict=True):
            # t - g.lam <= value - g.lam_j
            idx = np.arange(k + 1, dtype=np.int32)
            h.addRow(-inf, value - float(g @ lam), k + 1, idx, np.r_[1.0, -g])
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(h.getSolution().col_value, dtype=float)
        return x[1:], float(x[0])


@dataclass
class _Clock:
    """The warm start's time budget: after the cold first solve, at most ``share`` of its
    time (at least ``floor`` seconds) for everything else (then the full LP is solved cold,
    as without the start)."""

    share: float
    floor: float
    first: float
    """Seconds the cold first solve may take (then the start gives up)."""
    until: float = np.inf

    def start(self, first_seconds: float) -> None:
        self.until = time.perf_counter() + max(self.share * first_seconds, self.floor)

    def left(self) -> float:
        return self.until - time.perf_counter()


def _search(
    solver: LpSolver, lp: LpArrays, net: NetworkRows, clock: _Clock
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Maximise :math:`L` (module docstring): the best multipliers, the last evaluated ones,
    the evaluations and whether every solve finished."""
    lam = last = np.zeros(len(net.rows))
    search = Search()
    centre, best = lam, -np.inf
    evaluations = 0
    while evaluations < MAX_EVALUATIONS:
        if evaluations:
            step = search.step(centre, search.radius(centre, net.scale))
            if step is None or step[1] - best <= RELATIVE_TOLERANCE * max(1.0, abs(best)):
                break
            lam = step[0]
            solver.set_objective(net.priced(lp.cost, lam))
        run = solver.run(clock.first if not evaluations else max(clock.left(), 0.0))
        evaluations += 1
        last = lam
        if run.status != Status.OPTIMAL or run.objective is None:
            return centre, last, evaluations, False
        if evaluations == 1:
            clock.start(run.seconds)
        g = net.slack(solver.primal())
        value = run.objective - float(lam @ net.rhs)
        search.add(lam, value, g)
        log.debug(
            "lagrangian start: L = %.6f at %s, violation %s (%.1f s, %d iterations)",
            value,
            np.round(lam[lam > 0], 6).tolist(),
            np.round(g[g > 0], 6).tolist(),
            run.seconds,
            run.iterations,
        )
        if evaluations == 1 and np.all(g <= FEASIBILITY * (1.0 + np.abs(net.rhs))):
            break  # the relaxed optimum is feasible: optimal
        if value > best:
            centre, best = lam, value
    return centre, last, evaluations, True


def lagrangian_start(
    solver: LpSolver, lp: LpArrays, net: NetworkRows, time_left: float = np.inf
) -> dict[str, Any]:
    """Price the rows ``net`` (module docstring) and leave ``solver`` with every row's bounds
    and the true costs, at the basis of the best multipliers found. Past the time budget
    (:data:`BUDGET_SHARE`), or when the cold first solve takes more than
    :data:`FIRST_SHARE` of ``time_left`` (the solve's time limit), the basis is dropped
    instead: the full LP is then solved cold, as without the warm start. Returns a report
    for the log (rows, evaluations, rows priced, whether it finished)."""
    start = time.perf_counter()
    report: dict[str, Any] = {"method": "lagrangian warm start", "rows": len(net.rows)}
    if not len(net.rows):
        return report | {"evaluations": 0}
    inf = np.full(len(net.rows), np.inf)
    lo, up = lp.row_lower[net.rows].copy(), lp.row_upper[net.rows].copy()
    clock = _Clock(BUDGET_SHARE, BUDGET_FLOOR_S, FIRST_SHARE * time_left)
    centre, last, evaluations, finished = np.zeros(len(net.rows)), None, 0, False
    solver.set_row_bounds(net.rows, -inf, inf)
    try:
        centre, last, evaluations, finished = _search(solver, lp, net, clock)
        if finished and not np.array_equal(last, centre):
            solver.set_objective(net.priced(lp.cost, centre))
            finished = solver.run(max(clock.left(), 0.0)).status == Status.OPTIMAL
        solver.set_row_bounds(net.rows, lo, up)
        if finished and np.any(centre > 0):
            # dual feasible with the priced costs: restores the rows
            finished = solver.run(max(clock.left(), 0.0)).status == Status.OPTIMAL
    finally:
        # whatever happened, the solver holds the full LP with its true costs again
        solver.set_row_bounds(net.rows, lo, up)
        solver.set_objective(lp.cost)
        if not finished:
            solver.forget_basis()
    priced = int(np.count_nonzero(centre > 0))
    # dropped over its budget: a warning (not in summary.json: how the cost phase started is
    # not part of the plan, a warm re-solve must write the same summary); dropped with time
    # left (the relaxed LP not optimal, e.g. an infeasible model the diagnosis explains): info
    over_budget = not finished and clock.left() <= 0
    (log.warning if over_budget else log.info)(
        "lagrangian start: %d evaluation(s), %d row(s) priced, %.1f s%s",
        evaluations,
        priced,
        time.perf_counter() - start,
        ""
        if finished
        else " (skipped: over its time budget, the full LP is solved cold)"
        if over_budget
        else " (skipped: the relaxed LP was not solved to optimality, the full LP is solved cold)",
    )
    return report | {"evaluations": evaluations, "priced_rows": priced, "finished": finished}
