"""LP solver back-ends behind one interface, and the solution read back from them.

The model is built in PuLP (:mod:`planner.model.build`); :func:`lp_arrays` turns it into
column and row arrays once, and a back-end (:class:`HighsSolver`, :class:`CbcSolver`) takes
them from there: load, add columns (column generation), add a row and change the objective
(the lexicographic tie-break), run, and hand back primal values and row duals. Duals follow
HiGHS's convention for a minimisation: the reduced cost of column ``j`` is
``c_j - sum_i a_ij y_i``.

:func:`planner.solve.solution.read_solution` reads the PuLP model once after a solve into
a :class:`~planner.solve.solution.Solution`; nothing after it touches PuLP.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib import metadata
from itertools import chain
from pathlib import Path
from typing import Protocol

import numpy as np
import pulp

from planner.config.schema import SolverConfig
from planner.errors import SolveError
from planner.model.build import PlanModel
from planner.solve.basis import basis_statuses
from planner.solve.status import Status

log = logging.getLogger(__name__)


INTERIOR_POINT = ("ipm", "hipo")
"""The ``solver.method`` values that are interior points (crossover, then simplex warm)."""


@dataclass(frozen=True)
class RunInfo:
    """One solver run."""

    status: Status
    objective: float | None
    """Objective value of the columns (without PuLP's constant)."""
    seconds: float
    detail: str
    iterations: int = 0


@dataclass
class LpArrays:
    """A PuLP model as arrays: columns in ``PlanModel.columns`` order, CSR rows."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_index: dict[str, int]
    """Row name -> row position."""
    constant: float = 0.0


def lp_arrays(model: PlanModel) -> LpArrays:
    """The model's columns and rows as arrays (infinite bounds as ``inf``).

    Entries keep each row's term order and drop zero coefficients. Built in bulk
    (``np.fromiter`` over the rows' terms chained): a loop over 2 M terms that appended one
    entry at a time took 3 s of the Jiangsu default's solve step.
    """
    columns = model.columns
    position = model.positions()
    n = len(columns)
    cost = np.zeros(n)
    objective = model.prob.objective
    if objective is not None and len(objective):
        where = np.fromiter(map(position.__getitem__, map(id, objective.keys())), np.int64)
        cost[where] = np.fromiter(objective.values(), float, len(where))
    lower = np.fromiter((-np.inf if v.lowBound is None else v.lowBound for v in columns), float, n)
    upper = np.fromiter((np.inf if v.upBound is None else v.upBound for v in columns), float, n)
    exprs = [row.expr for row in model.rows.values()]
    counts = np.fromiter(map(len, exprs), np.int64, len(exprs))
    total = int(counts.sum())
    index = np.fromiter(
        map(position.__getitem__, map(id, chain.from_iterable(exprs))), np.int64, total
    )
    value = np.fromiter(chain.from_iterable(e.values() for e in exprs), float, total)
    keep = value != 0
    kept = np.zeros(len(exprs) + 1, dtype=np.int64)
    if total:
        row_of = np.repeat(np.arange(len(exprs)), counts)
        np.cumsum(np.bincount(row_of[keep], minlength=len(exprs)), out=kept[1:])
    bounds = [(row.getLb(), row.getUb()) for row in model.rows.values()]
    row_lo = np.fromiter((-np.inf if lo is None else lo for lo, _ in bounds), float, len(bounds))
    row_up = np.fromiter((np.inf if up is None else up for _, up in bounds), float, len(bounds))
    constant = float(objective.constant) if objective is not None else 0.0
    return LpArrays(
        cost,
        lower,
        upper,
        row_lo,
        row_up,
        kept,
        index[keep],
        value[keep],
        {name: i for i, name in enumerate(model.rows)},
        constant,
    )


Point = tuple[np.ndarray, np.ndarray]
"""Column values and row activities of a primal point."""

OUT_OF_TIME = RunInfo(Status.TIME_LIMIT_NO_SOLUTION, None, 0.0, "Time limit reached")
"""What a run returns when no time is left to start it."""


class LpSolver(Protocol):
    """What the exact driver (:mod:`planner.solve.exact`) needs from a solver."""

    cfg: SolverConfig
    name: str
    version: str
    has_duals: bool
    tie_break_simplex: bool
    """The tie-break phases run by simplex, warm from the cost phase's (crossover) basis,
    whatever method solved the cost phase."""

    def load(self, lp: LpArrays) -> None: ...

    def add_columns(
        self, cost: np.ndarray, starts: np.ndarray, index: np.ndarray, value: np.ndarray
    ) -> None:
        """Columns with bounds [0, inf); CSC entries (``starts`` has n+1 entries)."""
        ...

    def fix_columns(self, index: np.ndarray, at_upper: np.ndarray) -> None:
        """Fix columns ``index`` at their lower bound (or upper, where ``at_upper``)."""
        ...

    def fix_rows(self, index: np.ndarray, at_upper: np.ndarray) -> None:
        """Make rows ``index`` equalities at their lower bound (or upper, where ``at_upper``)."""
        ...

    def set_row_bounds(self, index: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """New bounds of rows ``index`` (``inf`` for none); the basis is kept."""
        ...

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Column lower, upper, row lower, upper (as the solver holds them now)."""
        ...

    def vertex_duals(
        self, cost: np.ndarray, bounds: tuple[np.ndarray, ...], point: Point | None = None
    ) -> np.ndarray | None:
        """Row duals of the LP with ``cost`` and ``bounds`` (column lower, upper, row lower,
        upper) from a basis built from the current primal point (or ``point``) alone (see
        :meth:`HighsSolver.vertex_duals`); None when the solver cannot."""
        ...

    def set_objective(self, cost: np.ndarray) -> None: ...

    def run(self, limit: float | None = None) -> RunInfo:
        """Solve from where the solver stands; ``limit``: at most this many seconds (and never
        beyond the configured time limit)."""
        ...

    def forget_basis(self) -> None:
        """Drop the basis: the next run starts cold (with presolve)."""
        ...

    def renew(self) -> None:
        """Start over on the same LP: the next run starts cold, and nothing of the earlier
        runs (basis, the simplex's factors and copies of the LP) is held meanwhile."""
        ...

    def time_left(self) -> float:
        """Seconds left of the configured time limit."""
        ...

    def simplex(self, iterations: int = 0) -> AbstractContextManager[None]:
        """Within it, runs use the simplex method (warm from a basis) whatever is configured;
        ``iterations`` > 0: each run stops after that many simplex iterations (its status is
        then not optimal and :attr:`RunInfo.iterations` says how many it made)."""
        ...

    def primal(self) -> np.ndarray: ...

    def duals(self) -> np.ndarray: ...

    def reduced_costs(self) -> np.ndarray: ...


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def quiet_stdout(enabled: bool) -> Iterator[None]:
    """Silence the C-level stdout (HiGHS prints its banner when constructed)."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def status_from_highs(ms: object, has_solution: bool) -> Status:
    """Our status from HiGHS's own model status (never from PuLP's: ``pulp.HiGHS`` maps a
    time-limit stop to "Optimal" in some versions)."""
    import highspy

    st = highspy.HighsModelStatus
    if ms == st.kOptimal:
        return Status.OPTIMAL
    if ms in (st.kTimeLimit, st.kIterationLimit, st.kInterrupt):
        return Status.TIME_LIMIT if has_solution else Status.TIME_LIMIT_NO_SOLUTION
    if ms == st.kInfeasible:
        return Status.INFEASIBLE
    if ms in (st.kUnbounded, st.kUnboundedOrInfeasible):
        return Status.UNBOUNDED
    if ms in (st.kSolveError, st.kPostsolveError, st.kPresolveError):
        return Status.NUMERICAL
    return Status.ERROR


HIGHS_SOLVER = {
    "simplex": "simplex",
    "ipm": "ipx",
    "hipo": "hipo",
    "pdlp": "pdlp",
    "choose": "choose",
}
"""HiGHS's ``solver`` option for each ``solver.method``. "ipm" is IPX by name: with
highspy-extras installed, HiGHS's own "ipm" runs HiPO instead."""


class HighsSolver:
    """HiGHS in memory (highspy): one ``Highs`` object, re-solved warm after every change."""

    name = "highs"
    has_duals = True

    def __init__(self, cfg: SolverConfig) -> None:
        try:
            import highspy
        except ImportError:  # pragma: no cover - a dependency of the package
            msg = "solver 'highs' needs the Python package 'highspy' (pip install highspy)"
            raise SolveError(msg) from None
        self.version = _version("highspy")
        self.cfg = cfg
        with quiet_stdout(not cfg.verbose):
            self.h = highspy.Highs()
        h = self.h
        h.setOptionValue("output_flag", bool(cfg.verbose))
        if cfg.method == "hipo" and importlib.util.find_spec("highspy_extras") is None:
            msg = (
                "solver.method = 'hipo' needs the Python package 'highspy-extras' of "
                f"highspy's version (pip install highspy-extras=={self.version})"
            )
            raise SolveError(msg)
        h.setOptionValue("solver", HIGHS_SOLVER[cfg.method])
        h.setOptionValue("presolve", "on")
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("threads", int(cfg.threads))
        h.setOptionValue("time_limit", float(cfg.time_limit_s))
        if cfg.method in INTERIOR_POINT:
            h.setOptionValue("run_crossover", "on" if cfg.crossover else "off")
        if cfg.method == "hipo":
            h.setOptionValue("hipo_system", "normaleq")
        # after an interior point with crossover the tie-break phases start from its basis;
        # left to itself HiGHS would run the interior point again, cold, in every phase
        self.tie_break_simplex = cfg.method in INTERIOR_POINT and bool(cfg.crossover)
        self.started = time.perf_counter()
        self.n = 0

    def load(self, lp: LpArrays) -> None:
        import highspy

        inf = highspy.kHighsInf
        n = len(lp.cost)
        empty = np.zeros(0, dtype=np.int32)
        self.h.addCols(
            n,
            lp.cost,
            np.where(np.isinf(lp.lower), -inf, lp.lower),
            np.where(np.isinf(lp.upper), inf, lp.upper),
            0,
            empty,
            empty,
            np.zeros(0),
        )
        self.h.addRows(
            len(lp.row_lower),
            np.where(np.isinf(lp.row_lower), -inf, lp.row_lower),
            np.where(np.isinf(lp.row_upper), inf, lp.row_upper),
            len(lp.index),
            lp.starts[:-1].astype(np.int32),
            lp.index.astype(np.int32),
            lp.value,
        )
        self.n = n
        self._cost = lp.cost.copy()
        self._lo, self._up = lp.lower.copy(), lp.upper.copy()
        self._row_lo, self._row_up = lp.row_lower.copy(), lp.row_upper.copy()

    def add_columns(
        self, cost: np.ndarray, starts: np.ndarray, index: np.ndarray, value: np.ndarray
    ) -> None:
        import highspy

        k = len(cost)
        self.h.addCols(
            k,
            cost,
            np.zeros(k),
            np.full(k, highspy.kHighsInf),
            len(index),
            starts[:-1].astype(np.int32),
            index.astype(np.int32),
            value,
        )
        self.n += k
        self._cost = np.append(self._cost, cost)
        self._lo = np.append(self._lo, np.zeros(k))
        self._up = np.append(self._up, np.full(k, np.inf))

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self._lo, self._up, self._row_lo, self._row_up

    def fix_columns(self, index: np.ndarray, at_upper: np.ndarray) -> None:
        value = np.where(at_upper, self._up[index], self._lo[index])
        self._lo[index] = self._up[index] = value
        idx = index.astype(np.int32)
        self.h.changeColsBounds(len(idx), idx, value, value)

    def fix_rows(self, index: np.ndarray, at_upper: np.ndarray) -> None:
        value = np.where(at_upper, self._row_up[index], self._row_lo[index])
        self._row_lo[index] = self._row_up[index] = value
        idx = index.astype(np.int32)
        self.h.changeRowsBounds(len(idx), idx, value, value)  # type: ignore[attr-defined]  # in highspy, not in its stubs

    def set_row_bounds(self, index: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        import highspy

        inf = highspy.kHighsInf
        self._row_lo[index], self._row_up[index] = lower, upper
        idx = index.astype(np.int32)
        self.h.changeRowsBounds(  # type: ignore[attr-defined]  # in highspy, not in its stubs
            len(idx),
            idx,
            np.where(np.isinf(lower), -inf, lower),
            np.where(np.isinf(upper), inf, upper),
        )

    def vertex_duals(
        self, cost: np.ndarray, bounds: tuple[np.ndarray, ...], point: Point | None = None
    ) -> np.ndarray | None:
        """Row duals of the LP with ``cost`` and ``bounds``, re-solved from a basis that is a
        function of the current primal point only: every column and row strictly inside its
        bounds is basic, every other one sits at its active bound, and the basis is filled up
        with the slacks of the lowest-numbered active rows (where that is singular, HiGHS's
        own repair, deterministic for a HiGHS version, swaps slacks in). At a unique primal
        optimum the duals so found do not depend on the path the solver took to that point (a
        degenerate LP has many optimal duals; the plan's marginal costs must not be an
        accident of the path). None when HiGHS rejects the basis or the re-solve is not optimal."""
        import highspy

        solution = self.h.getSolution()
        x = np.asarray(solution.col_value if point is None else point[0], dtype=float)
        act = np.asarray(solution.row_value if point is None else point[1], dtype=float)
        lower, upper, row_lower, row_upper = bounds
        self.reset_bounds(lower, upper, row_lower, row_upper)
        self.set_objective(cost)
        st = highspy.HighsBasisStatus
        cols = basis_statuses(x, lower, upper)
        rows = basis_statuses(act, row_lower, row_upper)
        short = len(rows) - int(np.count_nonzero(cols == 1) + np.count_nonzero(rows == 1))
        if short < 0:
            return None
        rows[np.flatnonzero(rows != 1)[:short]] = 1
        codes = [st.kLower, st.kBasic, st.kUpper, st.kZero]
        basis = highspy.HighsBasis()
        basis.col_status = [codes[c] for c in cols]
        basis.row_status = [codes[r] for r in rows]
        basis.valid = True
        basis.alien = True  # HiGHS completes it to a nonsingular basis if it is not one
        # a fresh start from that basis: nothing of the earlier solves (edge weights,
        # factorisation) may steer the simplex
        self.h.clearSolver()
        if self.h.setBasis(basis) != highspy.HighsStatus.kOk:
            return None
        if HighsSolver.run(self).status != Status.OPTIMAL:
            return None
        return np.asarray(self.h.getSolution().row_dual, dtype=float)

    def reset_bounds(
        self, lower: np.ndarray, upper: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray
    ) -> None:
        """Every column and row bound anew (keeps the basis: a warm start)."""
        import highspy

        inf = highspy.kHighsInf
        self._lo, self._up = lower.copy(), upper.copy()
        self._row_lo, self._row_up = row_lower.copy(), row_upper.copy()
        cols = np.arange(len(lower), dtype=np.int32)
        rows = np.arange(len(row_lower), dtype=np.int32)
        self.h.changeColsBounds(
            len(cols),
            cols,
            np.where(np.isinf(lower), -inf, lower),
            np.where(np.isinf(upper), inf, upper),
        )
        self.h.changeRowsBounds(  # type: ignore[attr-defined]  # in highspy, not in its stubs
            len(rows),
            rows,
            np.where(np.isinf(row_lower), -inf, row_lower),
            np.where(np.isinf(row_upper), inf, row_upper),
        )

    def set_objective(self, cost: np.ndarray) -> None:
        self._cost = cost.copy()
        self.h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)

    def forget_basis(self) -> None:
        self.h.clearSolver()

    def renew(self) -> None:
        import highspy

        lp, options = self.h.getLp(), self.h.getOptions()
        with quiet_stdout(not self.cfg.verbose):
            fresh = highspy.Highs()
        fresh.passOptions(options)
        fresh.passModel(lp)
        # the old HiGHS object goes with its simplex's memory (a HiPO run after a stopped
        # warm simplex would otherwise hold both: on Sichuan 6.51 GB at the peak, not 5.76)
        self.h = fresh

    def time_left(self) -> float:
        return self.cfg.time_limit_s - (time.perf_counter() - self.started)

    @contextmanager
    def simplex(self, iterations: int = 0) -> Iterator[None]:
        import highspy

        self.h.setOptionValue("solver", "simplex")
        if iterations > 0:
            self.h.setOptionValue("simplex_iteration_limit", int(iterations))
        try:
            yield
        finally:
            self.h.setOptionValue("solver", HIGHS_SOLVER[self.cfg.method])
            if iterations > 0:
                # HiGHS's default: no limit
                self.h.setOptionValue("simplex_iteration_limit", highspy.kHighsIInf)

    def run(self, limit: float | None = None) -> RunInfo:
        left = self.time_left() if limit is None else min(self.time_left(), limit)
        if left <= 0:
            return OUT_OF_TIME
        # HiGHS compares its time limit with its own clock, which runs on over every solve
        # of this object: the limit is that clock now plus the time left
        self.h.setOptionValue("time_limit", self.h.getRunTime() + left)
        start = time.perf_counter()
        self.h.run()
        seconds = time.perf_counter() - start
        ms = self.h.getModelStatus()
        info = self.h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        status = status_from_highs(ms, has_solution)
        objective = float(info.objective_function_value) if has_solution else None
        return RunInfo(
            status,
            objective,
            seconds,
            self.h.modelStatusToString(ms),
            int(info.simplex_iteration_count),
        )

    def primal(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value, dtype=float)

    def duals(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().row_dual, dtype=float)

    def reduced_costs(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_dual, dtype=float)


def cbc_path() -> str | None:
    """A ``cbc`` program on PATH, else the CBC binary PuLP ships, else None."""
    system = shutil.which("cbc")
    if system:
        return system
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates PULP_CBC_CMD (for 4.0) but it is where the bundled binary is
        warnings.simplefilter("ignore", DeprecationWarning)
        bundled = pulp.COIN_CMD(path=pulp.PULP_CBC_CMD().path)
    return str(bundled.path) if bundled.available() else None


class CbcSolver(HighsSolver):
    """CBC's LP solver as a program (a system ``cbc``, else the binary PuLP ships).

    The LP is kept and edited in a HiGHS object that is never run; every :meth:`run` writes
    it as MPS, runs CBC's dual simplex from scratch (no warm start) and reads CBC's solution
    file: column values, and row duals.
    """

    name = "cbc"

    def __init__(self, cfg: SolverConfig) -> None:
        path = cbc_path()
        if path is None:
            msg = (
                "solver 'cbc' is not available: no 'cbc' on PATH and PuLP ships no CBC "
                "binary for this platform; install Debian's 'coinor-cbc' or set "
                "solver.name = 'highs'"
            )
            raise SolveError(msg)
        super().__init__(cfg)
        self.path = path
        self.version = f"CBC via pulp {_version('pulp')}"
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._d = np.zeros(0)

    def run(self, limit: float | None = None) -> RunInfo:
        left = self.time_left() if limit is None else min(self.time_left(), limit)
        if left <= 0:
            return OUT_OF_TIME
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="planner-cbc-") as tmp:
            mps = Path(tmp) / "lp.mps"
            sol = Path(tmp) / "lp.sol"
            with quiet_stdout(True):
                self.h.writeModel(str(mps))
            basis = Path(tmp) / "lp.bas"
            args = [self.path, str(mps), "-sec", f"{max(left, 1e-3):.3f}", "-dualSimplex"]
            args += ["-basisO", str(basis), "-printingOptions", "all", "-solution", str(sol)]
            done = subprocess.run(args, capture_output=True, text=True, check=False)
            if self.cfg.verbose:
                log.info("%s", done.stdout)
            if done.returncode != 0 or not sol.exists():
                msg = f"CBC failed (exit {done.returncode}): {done.stdout[-300:]}"
                raise SolveError(msg)
            first, self._x, self._y, self._d = self._read(sol)
            polish = self._polish(basis) if first.startswith("Optimal") else None
        seconds = time.perf_counter() - start
        status = Status.ERROR
        if first.startswith("Optimal"):
            status = Status.OPTIMAL
        elif "nfeasible" in first:
            status = Status.INFEASIBLE
        elif "nbounded" in first:
            status = Status.UNBOUNDED
        elif first.startswith("Stopped"):
            status = Status.TIME_LIMIT_NO_SOLUTION
        objective = float(self._cost @ self._x) if status == Status.OPTIMAL else None
        detail = first.split(" - ")[0].strip()
        if polish is not None:
            detail += f" (values recomputed from CBC's basis: {polish} simplex iterations)"
        return RunInfo(status, objective, seconds, detail, polish or 0)

    def vertex_duals(
        self, cost: np.ndarray, bounds: tuple[np.ndarray, ...], point: Point | None = None
    ) -> np.ndarray | None:
        """None: CBC's own duals are kept (no re-solve in CBC from a given basis)."""
        return None

    def _polish(self, basis: Path) -> int | None:
        """Recompute values, duals and reduced costs from CBC's optimal basis in double
        precision (CBC's solution file prints 8 significant digits). HiGHS only factors
        the basis; the iteration count it reports (normally 0) is returned. None when the
        basis cannot be used (CBC's printed values are kept)."""
        import highspy

        n, m = self.h.getNumCol(), self.h.getNumRow()
        st = highspy.HighsBasisStatus
        cols = [st.kLower] * n
        rows = [st.kBasic] * m
        for line in basis.read_text().splitlines()[1:]:
            parts = line.split()
            if len(parts) < 2 or parts[0] == "ENDATA":
                continue
            kind, j = parts[0], int(parts[1][1:])
            if kind in ("XU", "XL"):
                cols[j] = st.kBasic
                rows[int(parts[2][1:])] = st.kUpper if kind == "XU" else st.kLower
            elif kind == "UL":
                cols[j] = st.kUpper
        hb = highspy.HighsBasis()
        hb.col_status = cols
        hb.row_status = rows
        hb.valid = True
        if self.h.setBasis(hb) != highspy.HighsStatus.kOk:
            return None
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = self.h.getSolution()
        self._x = np.asarray(solution.col_value, dtype=float)
        self._y = np.asarray(solution.row_dual, dtype=float)
        self._d = np.asarray(solution.col_dual, dtype=float)
        return int(self.h.getInfo().simplex_iteration_count)

    def _read(self, path: Path) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """CBC's solution file: a status line, then ``index name value dual`` per row and
        per column (names ``r<i>``/``c<j>`` as HiGHS writes them)."""
        n, m = self.h.getNumCol(), self.h.getNumRow()
        x = np.zeros(n)
        dj = np.zeros(n)
        y = np.zeros(m)
        with path.open() as f:
            first = f.readline().strip()
            for line in f:
                parts = line.split()
                if parts and parts[0] == "**":
                    parts = parts[1:]
                if len(parts) < 4:
                    continue
                name = parts[1]
                if name.startswith("c") and name[1:].isdigit():
                    x[int(name[1:])] = float(parts[2])
                    dj[int(name[1:])] = float(parts[3])
                elif name.startswith("r") and name[1:].isdigit():
                    y[int(name[1:])] = float(parts[3])
        return first, x, y, dj

    def primal(self) -> np.ndarray:
        return self._x

    def duals(self) -> np.ndarray:
        return self._y

    def reduced_costs(self) -> np.ndarray:
        return self._d


def write_mps(model: PlanModel, path: Path) -> None:
    """The model (cost objective, every column it holds now) as MPS, written by HiGHS."""
    solver = HighsSolver(SolverConfig())
    solver.load(lp_arrays(model))
    with quiet_stdout(True):
        solver.h.writeModel(str(path))
