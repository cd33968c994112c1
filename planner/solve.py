"""Run the solver and report a typed outcome.

An infeasible or unfinished solve is a :class:`SolveResult` with a status, not an
exception. ``pulp.HiGHS`` maps a time-limit stop to "Optimal" in some versions, so the
status is read from HiGHS's own model status.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata

import numpy as np
import pulp

from planner.config import SolverConfig, SolverName
from planner.errors import SolveError
from planner.model.build import PlanModel

log = logging.getLogger(__name__)


class Status(StrEnum):
    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    """Stopped at the time limit with a feasible (not proven optimal) solution."""
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NUMERICAL = "numerical_trouble"
    ERROR = "error"


@dataclass(frozen=True)
class SolveResult:
    status: Status
    objective: float | None
    solver: str
    solver_version: str
    seconds: float
    detail: str = ""
    """The solver's own status text."""

    @property
    def is_ok(self) -> bool:
        """A plan can be extracted (optimal, or feasible at the time limit)."""
        return self.status in {Status.OPTIMAL, Status.TIME_LIMIT}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def _quiet_stdout(enabled: bool) -> Iterator[None]:
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


class _HiGHS(pulp.HiGHS):
    """``pulp.HiGHS`` without the banner when ``msg`` is off, and with a bulk model transfer.

    PuLP's own transfer calls ``addCol`` and ``addRow`` once per column and row; this one
    builds the column bounds and costs and the row matrix (CSR) as arrays and hands them to
    HiGHS in two calls (``addCols``, ``addRows``). Same model, same order, same indices.
    """

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:
        with _quiet_stdout(not self.msg):
            super().createAndConfigureSolver(lp)

    def actualSolve(self, lp: pulp.LpProblem, callback: object = None) -> int:
        """Build, run, and read back primal values only (PuLP's version walks every
        variable three times and reads duals and slacks the planner never uses)."""
        self.createAndConfigureSolver(lp)
        variables = self.buildSolverModel(lp)
        self.callSolver(lp)
        values = lp.solverModel.getSolution().col_value
        for var, value in zip(variables, values, strict=True):
            var.varValue = value
        import highspy

        optimal = lp.solverModel.getModelStatus() == highspy.HighsModelStatus.kOptimal
        status = pulp.LpStatusOptimal if optimal else pulp.LpStatusNotSolved
        solution = pulp.LpSolutionOptimal if optimal else pulp.LpSolutionNoSolutionFound
        lp.assignStatus(status, solution)
        return status

    def buildSolverModel(self, lp: pulp.LpProblem) -> list[pulp.LpVariable]:
        import highspy

        inf = highspy.kHighsInf
        sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
        objective = lp.objective if lp.objective is not None else {}
        variables = lp.variables()
        for i, var in enumerate(variables):
            var.index = i
            if var.cat == pulp.LpInteger and self.mip:
                msg = "the planner builds LPs only; integer variables are not expected"
                raise SolveError(msg)
        n = len(variables)
        cost = np.fromiter((sign * objective.get(v, 0.0) for v in variables), float, n)
        lower = np.fromiter(
            (-inf if v.lowBound is None else v.lowBound for v in variables), float, n
        )
        upper = np.fromiter((inf if v.upBound is None else v.upBound for v in variables), float, n)
        empty_i = np.zeros(0, dtype=np.int32)
        lp.solverModel.addCols(n, cost, lower, upper, 0, empty_i, empty_i, np.zeros(0))
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        row_lo: list[float] = []
        row_up: list[float] = []
        for i, constraint in enumerate(lp._constraints.values()):
            constraint.index = i
            starts.append(len(index))
            for var, coef in constraint.items():
                if coef != 0:
                    index.append(var.index)
                    value.append(coef)
            lo, up = constraint.getLb(), constraint.getUb()
            row_lo.append(-inf if lo is None else lo)
            row_up.append(inf if up is None else up)
        lp.solverModel.addRows(
            len(starts),
            np.asarray(row_lo, dtype=float),
            np.asarray(row_up, dtype=float),
            len(index),
            np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32),
            np.asarray(value, dtype=float),
        )
        return variables


def status_from_highs(ms: object, has_solution: bool) -> Status:
    """Our status from HiGHS's own model status (never from PuLP's, see the module doc)."""
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


def _highs(model: PlanModel, cfg: SolverConfig) -> SolveResult:
    try:
        import highspy  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of the package
        msg = "solver 'highs' needs the Python package 'highspy' (pip install highspy)"
        raise SolveError(msg) from None
    options: dict[str, object] = {"solver": cfg.method, "presolve": "on", "random_seed": 0}
    if cfg.method == "ipm":
        options["run_crossover"] = "on" if cfg.crossover else "off"
    solver = _HiGHS(
        mip=False,
        msg=cfg.verbose,
        timeLimit=cfg.time_limit_s,
        threads=cfg.threads,
        **options,
    )
    start = time.perf_counter()
    model.prob.solve(solver)
    seconds = time.perf_counter() - start
    highs = model.prob.solverModel
    ms = highs.getModelStatus()
    text = highs.modelStatusToString(ms)
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    status = status_from_highs(ms, has_solution)
    # HiGHS sees only the columns: the objective's constant term is added back here
    constant = float(model.prob.objective.constant) if model.prob.objective is not None else 0.0
    objective = float(info.objective_function_value) + constant if has_solution else None
    return SolveResult(status, objective, "highs", _version("highspy"), seconds, text)


def _cbc(model: PlanModel, cfg: SolverConfig) -> SolveResult:
    solver = pulp.COIN_CMD(msg=cfg.verbose, timeLimit=cfg.time_limit_s, threads=cfg.threads)
    if not solver.available():
        msg = (
            "solver 'cbc' is not installed: install Debian's 'coinor-cbc' or "
            "'pip install pulp[cbc]', or set solver.name = 'highs'"
        )
        raise SolveError(msg)
    start = time.perf_counter()
    code = model.prob.solve(solver)
    seconds = time.perf_counter() - start
    text = pulp.LpStatus[code]
    mapping = {
        pulp.LpStatusOptimal: Status.OPTIMAL,
        pulp.LpStatusInfeasible: Status.INFEASIBLE,
        pulp.LpStatusUnbounded: Status.UNBOUNDED,
        pulp.LpStatusNotSolved: Status.TIME_LIMIT_NO_SOLUTION,
    }
    status = mapping.get(code, Status.ERROR)
    objective = pulp.value(model.prob.objective) if status == Status.OPTIMAL else None
    return SolveResult(status, objective, "cbc", _version("pulp"), seconds, text)


def solve(model: PlanModel, cfg: SolverConfig) -> SolveResult:
    """Solve the model with the configured solver; never raises for infeasibility."""
    result = _cbc(model, cfg) if cfg.name == SolverName.CBC else _highs(model, cfg)
    log.info("solve: %s in %.1f s (%s)", result.status, result.seconds, result.detail)
    return result
