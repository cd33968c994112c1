"""Warm re-solves: a scenario that changes only costs, weights or column bounds reuses the
built model and the solver's last basis.

The lead wires this into the sweep. Use::

    warm = WarmModel.start(model, solver_cfg)     # a built model (every arc), solved once
    result = warm.resolve(new_data)               # same structure, new costs or bounds

:meth:`WarmModel.resolve` refuses (``ValueError``) data whose rows differ from the model's:
other stages, townships, items or arcs, other demand, capacities, minutes, shares, or a
bound that appears or disappears (e.g. growth allowed where it was forbidden). Then the
model must be built again. What it changes: the objective (every cost and penalty, the
value of time) and the column bounds (core area, growth and shrink limits, online caps).
The PuLP model is updated too (objective, bounds, ``cost_terms``), so an LP/MPS export and
the cost breakdown match the scenario. Every tie-break phase runs again, from the previous
basis; the optimum is the same unique vertex a cold run reaches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pulp

from planner.config import SolverConfig
from planner.model.build import PlanModel, constant_terms, objective_terms
from planner.model.data import ModelData
from planner.model.exact import solve_exact
from planner.model.policy_data import PolicyData
from planner.model.solvers import HighsSolver, LpArrays, lp_arrays, read_solution
from planner.solve import SolveResult, make_result

SAME_CENTRE_COLUMNS = ["level", "region", "area0", "area_per_window", "window_capacity", "upper"]
"""Centre fields that are row coefficients or right-hand sides (must not change)."""


def _policy_rows(d: ModelData) -> PolicyData:
    """The policy data without its costs (penalties and conversion cost may change warm)."""
    return replace(d.policy, olive_penalty=(), convert_cost=0.0, floor_penalty=0.0)


def same_rows(a: ModelData, b: ModelData) -> str | None:
    """Why ``b`` cannot reuse a model built from ``a`` (None: it can)."""
    checks: list[tuple[str, bool]] = [
        ("stages", a.stages == b.stages and a.lengths == b.lengths),
        ("top-heavy shares", a.top_heavy_share == b.top_heavy_share),
        ("centres", a.centres[SAME_CENTRE_COLUMNS].equals(b.centres[SAME_CENTRE_COLUMNS])),
        (
            "bounds that appear or disappear",
            all(
                ((a.centres[c] > 0) == (b.centres[c] > 0)).all() for c in ("growth_ub", "shrink_ub")
            )
            and ((a.demand["online_cap"] > 0) == (b.demand["online_cap"] > 0)).all(),
        ),
        (
            "demand",
            a.demand.drop(columns=["online_cap"]).equals(b.demand.drop(columns=["online_cap"])),
        ),
        ("arcs", a.arcs.drop(columns=["travel_cost"]).equals(b.arcs.drop(columns=["travel_cost"]))),
        ("back office", a.backoffice.equals(b.backoffice)),
        ("stations", a.stations.equals(b.stations)),
        (
            "rules",
            (a.formulation, a.min_station_m2, a.min_station_hard, a.max_total_area)
            == (b.formulation, b.min_station_m2, b.min_station_hard, b.max_total_area)
            and a.max_unserved_share == b.max_unserved_share
            and a.backoffice_capacity == b.backoffice_capacity
            and a.backoffice_m2_per_desk == b.backoffice_m2_per_desk,
        ),
        ("policy rules", _policy_rows(a) == _policy_rows(b)),
    ]
    bad = [name for name, ok in checks if not ok]
    return ", ".join(bad) if bad else None


def _retarget(model: PlanModel, d: ModelData) -> None:
    """Put ``d``'s costs and column bounds into the PuLP model (same variables)."""
    v = model.var
    c = d.centres
    for (_, cid), var in v.area.items():
        var.lowBound = float(c.at[cid, "area_lb"])
    for (_, cid), var in v.e.items():
        grow = float(c.at[cid, "growth_ub"])
        var.upBound = None if np.isinf(grow) else grow
    for (_, cid), var in v.r.items():
        var.upBound = float(c.at[cid, "shrink_ub"])
    cap = d.demand["online_cap"].to_numpy()
    for i, var in v.y.items():
        var.upBound = float(cap[i])
    terms = objective_terms(d, v)
    years = pd.Series(d.arcs["stage"]).map(d.lengths).to_numpy(dtype=float)
    travel = years * d.arcs["travel_cost"].to_numpy(dtype=float)
    terms["travel"] = [(var, float(travel[i])) for i, var in v.x.items()]
    constants = constant_terms(d)
    model.prob.setObjective(
        pulp.LpAffineExpression(
            [pair for family in terms.values() for pair in family if pair[1]],
            constant=sum(constants.values()),
        )
    )
    model.cost_terms = terms
    model.constants = constants
    model.data = d


@dataclass
class WarmModel:
    """A built model with its solver, kept for the next scenario."""

    model: PlanModel
    solver: HighsSolver
    cfg: SolverConfig
    lp: LpArrays

    @classmethod
    def start(cls, model: PlanModel, cfg: SolverConfig) -> tuple[WarmModel, SolveResult]:
        """Solve ``model`` (built with every arc) and keep what the next scenario reuses."""
        if len(model.var.x) < len(model.data.arcs):
            msg = "warm re-solves need a model built with every arc (no column generation)"
            raise ValueError(msg)
        solver = HighsSolver(cfg)
        lp = lp_arrays(model)
        solver.load(lp)
        warm = cls(model, solver, cfg, lp)
        return warm, warm._run()

    def resolve(self, data: ModelData) -> SolveResult:
        """The optimum for ``data`` (same rows, new costs or bounds), warm."""
        reason = same_rows(self.model.data, data)
        if reason is not None:
            msg = f"the scenario changes the model's rows ({reason}): build it again"
            raise ValueError(msg)
        _retarget(self.model, data)
        self.lp = lp_arrays(self.model)
        self.solver.reset_bounds(self.lp.lower, self.lp.upper, self.lp.row_lower, self.lp.row_upper)
        self.solver.set_objective(self.lp.cost)
        return self._run()

    def _run(self) -> SolveResult:
        self.solver.started = time.perf_counter()
        outcome = solve_exact(
            self.model, self.solver, generate=False, tie_break=self.cfg.tie_break, loaded=self.lp
        )
        solution = None
        if outcome.primal is not None:
            solution = read_solution(self.model, outcome.primal, outcome.duals)
        return make_result(self.model, self.solver, outcome, solution)
