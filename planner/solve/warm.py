"""Warm re-solves: a scenario that changes only costs, weights or column bounds reuses the
built model and the solver's last basis.

A sweep's worker keeps them in a :class:`WarmPool`; the parts are::

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

With an interior point configured (``solver.method = "hipo"``, the default's) the cost phase
runs it again, which ignores the basis; only the tie-break phases start warm. Measured on the
Jiangsu default (2026-12-07, one process each, load 4 to 5): a value-of-time change (30 to
36 CNY an hour) took 138 s by cold HiPO, 335 s by the dual simplex from the previous optimal
basis and 162 s by the primal simplex from it; with the rules on, simplex iterations are dear
(docs/benchmarks.md), so the interior point stays. A change that leaves the optimum where it
was (a top-heavy penalty 1,000 to 4,000 CNY while the cap does not bind) would take 0.2 s
warm: the sweep's gain is there, not in moved optima.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pulp

from planner.config.schema import SolverConfig, SolverName
from planner.model.build import PlanModel, constant_terms, objective_terms
from planner.model.data import ModelData
from planner.model.policy_data import PolicyData
from planner.model.terms import CostTerm
from planner.solve.backends import HighsSolver, LpArrays, lp_arrays
from planner.solve.driver import SolveResult, make_result
from planner.solve.exact import solve_exact
from planner.solve.solution import read_solution
from planner.steps import Timings

SAME_CENTRE_COLUMNS = ["level", "region", "area0", "area_per_window", "window_capacity", "upper"]
"""Centre fields that are row coefficients or right-hand sides (must not change)."""


def _policy_rows(d: ModelData) -> PolicyData:
    """The policy data without its costs (penalties and conversion cost may change warm)."""
    return replace(
        d.policy,
        olive_penalty=(),
        convert_cost=0.0,
        floor_penalty=0.0,
        redeploy_window=0.0,
        redeploy_desk=0.0,
        cut_penalty=0.0,
    )


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
    level = {cid: (float(c.at[cid, "growth_ub"]), float(c.at[cid, "shrink_ub"])) for cid in c.index}
    for (s, cid), var in v.e.items():  # a county's phase may set the bounds (policy.by_phase)
        grow = float(d.policy.bounds.get((s, cid), level[cid])[0])
        var.upBound = None if np.isinf(grow) else grow
    for (s, cid), var in v.r.items():
        var.upBound = float(d.policy.bounds.get((s, cid), level[cid])[1])
    cap = d.demand["online_cap"].to_numpy()
    for i, var in v.y.items():
        var.upBound = float(cap[i])
    terms = objective_terms(d, v)
    years = pd.Series(d.arcs["stage"]).map(d.lengths).to_numpy(dtype=float)
    travel = years * d.arcs["travel_cost"].to_numpy(dtype=float)
    terms[CostTerm.TRAVEL] = [(var, float(travel[i])) for i, var in v.x.items()]
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
    def start(
        cls, model: PlanModel, cfg: SolverConfig, timings: Timings | None = None
    ) -> tuple[WarmModel, SolveResult]:
        """Solve ``model`` (built with every arc) and keep what the next scenario reuses;
        with ``timings``, reading the values back is its own step (``read solution``)."""
        if len(model.var.x) < len(model.data.arcs):
            msg = "warm re-solves need a model built with every arc (no column generation)"
            raise ValueError(msg)
        solver = HighsSolver(cfg)
        lp = lp_arrays(model)
        solver.load(lp)
        warm = cls(model, solver, cfg, lp)
        return warm, warm._run(timings, cold=True)

    def resolve(self, data: ModelData, timings: Timings | None = None) -> SolveResult:
        """The optimum for ``data`` (same rows, new costs or bounds), warm; with ``timings``,
        reading the values back is its own step (``read solution``)."""
        reason = same_rows(self.model.data, data)
        if reason is not None:
            msg = f"the scenario changes the model's rows ({reason}): build it again"
            raise ValueError(msg)
        _retarget(self.model, data)
        self.lp = lp_arrays(self.model)
        self.solver.reset_bounds(self.lp.lower, self.lp.upper, self.lp.row_lower, self.lp.row_upper)
        self.solver.set_objective(self.lp.cost)
        return self._run(timings)

    def _run(self, timings: Timings | None, cold: bool = False) -> SolveResult:
        """Solve; a ``cold`` (first) solve may start from the Lagrangian warm start, a
        re-solve starts from the previous scenario's basis."""
        self.solver.started = time.perf_counter()
        outcome = solve_exact(
            self.model,
            self.solver,
            generate=False,
            tie_break=self.cfg.tie_break,
            loaded=self.lp,
            lagrangian=cold
            and self.cfg.lagrangian_start
            and self.cfg.method in ("simplex", "choose"),
        )
        solution = None
        if outcome.primal is not None:
            with (timings or Timings()).step("read solution"):
                solution = read_solution(self.model, outcome.primal, outcome.duals)
        return make_result(self.model, self.solver, outcome, solution)


@dataclass
class WarmPool:
    """Built models kept between the runs of one process (a sweep's worker), so that a
    scenario that changes only costs, weights or bounds re-solves warm.

    Only HiGHS models built with every arc qualify (:func:`eligible`); any other run is
    built and solved cold as usual. At most ``keep`` models are held (each holds its LP
    and the solver's copy: about 2 GB for the Jiangsu default); the newest first.
    """

    keep: int = 1
    models: list[WarmModel] = field(default_factory=list)
    warm_solves: int = 0
    """How many solves reused a kept model (for tests and logs)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @staticmethod
    def eligible(cfg: SolverConfig) -> bool:
        """Whether a run with this solver config can be kept and re-solved warm."""
        return cfg.name == SolverName.HIGHS and not cfg.column_generation

    def solve(
        self,
        data: ModelData,
        cfg: SolverConfig,
        build: Callable[[ModelData], PlanModel],
        timings: Timings | None = None,
    ) -> tuple[PlanModel, SolveResult, bool]:
        """The model and optimum for ``data``: warm from a kept model with the same rows and
        solver settings, else built with ``build`` and kept. The flag says it was warm. With
        ``timings``, building and reading the solution back are steps of their own
        (``build``, ``read solution``), as in a cold run."""
        timings = timings or Timings()
        with self.lock:
            for warm in self.models:
                if warm.cfg == cfg and same_rows(warm.model.data, data) is None:
                    self.warm_solves += 1
                    return warm.model, warm.resolve(data, timings), True
            with timings.step("build"):
                model = build(data)
            kept, result = WarmModel.start(model, cfg, timings)
            self.models = [kept, *self.models][: max(self.keep, 0)]
            return model, result, False
