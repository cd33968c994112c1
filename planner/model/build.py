r"""Build the three-stage capacity LP with PuLP.

Formulation
-----------
Sets: stages :math:`s \in S`, townships :math:`t`, items :math:`k`, centres :math:`c`
(level :math:`l(c)`), candidate arcs :math:`(s,t,k,c) \in \mathcal{A}` (centre competent for
:math:`k` in stage :math:`s`, within :math:`k`'s travel limit of :math:`t`, allowed by the
cross-border rules), township stations :math:`c_t`, regions :math:`p` (provinces).

Variables (all continuous, :math:`\ge 0`):

* :math:`x_{stkc}` physical transactions on arc (thousand/year)
* :math:`y_{stk} \le \pi_k\, m_{st}\, D_{stk}` online transactions (online potential times
  maturity times demand: the offline share is always physical or unserved)
* :math:`u_{stk}` unserved transactions
* :math:`w_{sc}` windows, :math:`z_{sc}` back-office desks (at centres that decide
  pending items), :math:`A_{sc}` floor area (m2)
* :math:`e_{sc} \le \gamma_{l(c)} A^0_c`, :math:`r_{sc} \le \sigma_{l(c)} A^0_c` expansion and
  reduction against the previous stage (:math:`e` absent where growth is forbidden)
* :math:`g_{st}` township station shortfall (m2), :math:`h_{sp}` top-heavy excess (m2)

Constraints:

.. math::

    \textstyle\sum_{c} x_{stkc} + y_{stk} + u_{stk} &= D_{stk}
        && \text{demand}\\
    \textstyle\sum_{t,k} \mu_k x_{stkc} &\le \kappa_{l(c)}\, w_{sc}
        && \text{window time}\\
    \textstyle\sum \beta x + \sum \beta y + B^{fixed}_{sc} &\le \kappa_{bo}\, z_{sc}
        && \text{back office}\\
    \alpha_{l(c)} w_{sc} + \alpha_{bo} z_{sc} &\le A_{sc} && \text{floor area}\\
    A_{sc} - A_{s-1,c} - e_{sc} + r_{sc} &= 0,\quad A_{0c} = A^0_c
        && \text{area evolution}\\
    A_{s c_t} + g_{st} &\ge \underline{A}_{\text{station}} && \text{township minimum}\\
    \textstyle\sum_{c \in p,\, l(c) \in \{P, C\}} A_{sc} - \theta_s \sum_{c \in p} A_{sc}
        &\le h_{sp} && \text{top-heavy}

with :math:`A_{sc} \ge \min(\underline{A}_{l(c)}, A^0_c)` (core area kept), :math:`\mu_k` the
front-window minutes of item :math:`k`, :math:`\kappa_l` a window's usable thousand
minutes a year (service minutes x days x utilisation of its level), :math:`\beta` the
back-office minutes of pending items (decided at the serving centre from county level up,
at the township's own approving centre for township stations and online demand) and
:math:`B^{fixed}` those of the online volume fixed at its cap.

Optional hard rules: :math:`g \equiv 0` (``policy.township_min_station_hard``),
:math:`\sum_c A_{sc} \le \bar{A}_s` (``policy.max_total_area_m2``) and
:math:`\sum u_{stk} \le \bar{u} \sum D_{stk}` (``policy.max_unserved_share``). For the
infeasibility diagnosis every hard rule (and the growth, shrink and core-area bounds) gets
a violation variable at a dominating penalty (``build_model(..., elastic=True)``).

Objective (kCNY; :math:`L_s` the years in stage :math:`s`):

.. math::

    \min \sum_s L_s \Big[ \sum_c (a_{l(c)} A_{sc} + \omega\, (w_{sc} + z_{sc}))
    + \sum_{\mathcal{A}} \tau_{tc} x_{stkc} + \sum_{t,k} (o\, y_{stk} + \rho\, u_{stk})
    + \sum_t \phi\, g_{st} + \sum_p \eta\, h_{sp} \Big]
    + \sum_{s,c} (\epsilon\, e_{sc} + \delta\, r_{sc})

area, windows and desks (staffed like windows), citizens' travel time, online handling
(including the constant of the volume fixed online), unserved penalty, shortfall penalty,
top-heavy penalty, expansion and reduction.

Names are an API: ``<family>__<id>[__<id>]`` in ``[A-Za-z0-9_]``; e.g.
``x__1__320102002__social_insurance__cnty_320102``, ``windowtime__2__city_320100``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pulp

from planner.model.data import ModelData

log = logging.getLogger(__name__)

Key = tuple[int, str]
"""(stage, id)."""
RESIDUAL_EPS = 1e-12
"""Demand rows whose physical residual is below this (thousand transactions) need no row."""


@dataclass
class Variables:
    """The model's variables by family; keys are tuples of ids."""

    x: list[pulp.LpVariable] = field(default_factory=list)
    """Aligned with the rows of ``ModelData.arcs``."""
    y: dict[int, pulp.LpVariable] = field(default_factory=dict)
    """Keyed by the row of ``ModelData.demand`` (only rows whose online volume is free)."""
    u: dict[int, pulp.LpVariable] = field(default_factory=dict)
    """Keyed by the row of ``ModelData.demand`` (rows with a physical residual)."""
    w: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    desks: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    """Back-office desks, only at centres that receive pending items."""
    area: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    e: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    r: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    g: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    """Keyed by (stage, township_id)."""
    h: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    """Keyed by (stage, region)."""
    elastic: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)
    """Diagnosis only: violation of a hard rule, keyed by (family, stage, id)."""


@dataclass
class PlanModel:
    """A built LP: the PuLP problem, its variables and the data it came from."""

    prob: pulp.LpProblem
    data: ModelData
    var: Variables
    cost_terms: dict[str, list[tuple[pulp.LpVariable, float]]]
    """Objective terms by name, for the breakdown after the solve."""
    constants: dict[str, float] = field(default_factory=dict)
    """Constant objective terms by name (kCNY)."""

    @property
    def n_variables(self) -> int:
        v = self.var
        return (
            len(v.x)
            + len(v.y)
            + len(v.u)
            + sum(len(d) for d in (v.w, v.desks, v.area, v.e, v.r, v.g, v.h, v.elastic))
        )

    n_constraints: int = 0
    n_nonzeros: int = 0


def _col(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a plain list: iterating pandas (Arrow) string arrays element by element
    costs ~1 us per access, which dominated the build."""
    return frame[name].tolist()


@dataclass
class _Build:
    """What the ``add_*`` families share while the model is built."""

    prob: pulp.LpProblem
    d: ModelData
    v: Variables = field(default_factory=Variables)
    rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    elastic: bool = False
    """Add a penalised violation variable to every hard rule (infeasibility diagnosis)."""

    def violation(self, family: str, stage: int, key: str) -> pulp.LpVariable | None:
        """A violation variable of a hard rule when building elastically, else None."""
        if not self.elastic:
            return None
        var = self.v.elastic[family, stage, key] = self.new(f"violate_{family}__{stage}__{key}")
        return var

    def new(self, name: str, lb: float | None = 0.0, ub: float | None = None) -> pulp.LpVariable:
        return self.prob.add_variable(name, lowBound=lb, upBound=ub)


def add_flow_variables(b: _Build) -> None:
    """x (physical), y (online, bounded by potential x maturity x demand), u (unserved).

    Online volume fixed at its cap (see :func:`planner.model.data.online_dominates`) is a
    constant, not a variable.
    """
    d, v = b.d, b.v
    a = d.arcs
    v.x = [
        b.new(f"x__{s}__{t}__{k}__{c}")
        for s, t, k, c in zip(
            _col(a, "stage"),
            _col(a, "township_id"),
            _col(a, "class_id"),
            _col(a, "centre_id"),
            strict=True,
        )
    ]
    dm = d.demand
    for i, (s, t, k, cap, residual) in enumerate(
        zip(
            _col(dm, "stage"),
            _col(dm, "township_id"),
            _col(dm, "class_id"),
            _col(dm, "online_cap"),
            _col(dm, "residual"),
            strict=True,
        )
    ):
        if residual <= RESIDUAL_EPS:
            continue
        if cap > 0:
            v.y[i] = b.new(f"y__{s}__{t}__{k}", 0.0, float(cap))
        v.u[i] = b.new(f"u__{s}__{t}__{k}")


def add_capacity_variables(b: _Build) -> None:
    """Windows, floor area, expansion and reduction per stage and centre."""
    d, v = b.d, b.v
    c = d.centres
    for s in d.stages:
        for cid, lb, grow, shrink in zip(
            c.index, _col(c, "area_lb"), _col(c, "growth_ub"), _col(c, "shrink_ub"), strict=True
        ):
            v.w[s, cid] = b.new(f"w__{s}__{cid}", 0.0, None)
            v.area[s, cid] = b.new(f"area__{s}__{cid}", float(lb), None)
            if grow > 0:
                v.e[s, cid] = b.new(
                    f"expand__{s}__{cid}", 0.0, None if np.isinf(grow) else float(grow)
                )
            if shrink > 0:
                v.r[s, cid] = b.new(f"reduce__{s}__{cid}", 0.0, float(shrink))


def add_demand_balance(b: _Build) -> None:
    r"""Demand: :math:`\sum_c x_{stkc} + y_{stk} + u_{stk} = D_{stk} - Y^{fixed}_{stk}`."""
    d, v, rows = b.d, b.v, b.rows
    dm = d.demand
    terms: dict[int, list[tuple[pulp.LpVariable, float]]] = {i: [(u, 1.0)] for i, u in v.u.items()}
    for i, y in v.y.items():
        terms[i].append((y, 1.0))
    index = {
        key: i
        for i, key in enumerate(
            zip(_col(dm, "stage"), _col(dm, "township_id"), _col(dm, "class_id"), strict=True)
        )
        if i in v.u
    }
    a = d.arcs
    for var, key in zip(
        v.x,
        zip(_col(a, "stage"), _col(a, "township_id"), _col(a, "class_id"), strict=True),
        strict=True,
    ):
        terms[index[key]].append((var, 1.0))
    residual = dm["residual"].to_numpy()
    for (s, t, k), i in index.items():
        rows[f"demand__{s}__{t}__{k}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(terms[i]), pulp.LpConstraintEQ, rhs=float(residual[i])
        )


def add_window_time(b: _Build) -> None:
    r"""Window time: :math:`\sum_{t,k} \mu_k x_{stkc} - \kappa_{l(c)} w_{sc} \le 0`."""
    d, v, rows = b.d, b.v, b.rows
    a = d.arcs
    terms: dict[Key, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    for var, s, c, mu in zip(
        v.x, _col(a, "stage"), _col(a, "centre_id"), _col(a, "work"), strict=True
    ):
        terms[s, c].append((var, float(mu)))
    cap = d.centres["window_capacity"]
    for (s, c), expr in sorted(terms.items()):
        expr.append((v.w[s, c], -float(cap[c])))
        rows[f"windowtime__{s}__{c}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr), pulp.LpConstraintLE, rhs=0.0
        )


def add_backoffice(b: _Build) -> None:
    r"""Back office: :math:`\sum \beta x + \sum \beta y + B^{fixed}_{sc} \le \kappa_{bo} z_{sc}`.

    Pending items accepted at a front window (or online) are decided by back-office desks
    :math:`z_{sc}` of the approving centre: the serving centre itself at county level and
    above, the township's own approving centre for township stations and online demand.
    """
    d, v, rows = b.d, b.v, b.rows
    terms: dict[Key, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    fixed: dict[Key, float] = defaultdict(float)
    a = d.arcs
    for var, s, c, beta in zip(
        v.x, _col(a, "stage"), _col(a, "bo_centre"), _col(a, "bo_work"), strict=True
    ):
        if beta > 0 and c:
            terms[s, c].append((var, float(beta)))
    bo = d.backoffice
    online_rows = {
        key: i
        for i, key in enumerate(
            zip(
                _col(d.demand, "stage"),
                _col(d.demand, "township_id"),
                _col(d.demand, "class_id"),
                strict=True,
            )
        )
    }
    for s, t, k, c, const, beta in zip(
        _col(bo, "stage"),
        _col(bo, "township_id"),
        _col(bo, "class_id"),
        _col(bo, "bo_centre"),
        _col(bo, "bo_fixed"),
        _col(bo, "bo_online"),
        strict=True,
    ):
        if not c:
            continue
        fixed[s, c] += float(const)
        i = online_rows[s, t, k]
        if beta > 0 and i in v.y:
            terms[s, c].append((v.y[i], float(beta)))
    for key in sorted(set(terms) | {k for k, val in fixed.items() if val > 0}):
        s, c = key
        desks = v.desks[key] = b.new(f"desks__{s}__{c}")
        expr = [*terms.get(key, []), (desks, -d.backoffice_capacity)]
        rows[f"backoffice__{s}__{c}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr), pulp.LpConstraintLE, rhs=-fixed.get(key, 0.0)
        )


def add_floor_area(b: _Build) -> None:
    r"""Floor area: :math:`\alpha_{l(c)} w_{sc} + \alpha_{bo} z_{sc} - A_{sc} \le 0`."""
    d, v, rows = b.d, b.v, b.rows
    apw = d.centres["area_per_window"]
    for (s, c), w in v.w.items():
        expr = [(w, float(apw[c])), (v.area[s, c], -1.0)]
        if (s, c) in v.desks and d.backoffice_m2_per_desk > 0:
            expr.append((v.desks[s, c], d.backoffice_m2_per_desk))
        rows[f"floor__{s}__{c}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr),
            pulp.LpConstraintLE,
            rhs=0.0,
        )


def add_area_evolution(b: _Build) -> None:
    r"""Area evolution: :math:`A_{sc} - A_{s-1,c} - e_{sc} + r_{sc} = 0` with :math:`A_{0c}=A^0_c`.

    Province and city (growth 0) have no :math:`e`, so their area never grows.
    """
    d, v, rows = b.d, b.v, b.rows
    area0 = d.centres["area0"]
    for (s, c), a_s in v.area.items():
        expr: list[tuple[pulp.LpVariable, float]] = [(a_s, 1.0)]
        rhs = float(area0[c]) if s == d.stages[0] else 0.0
        if s != d.stages[0]:
            expr.append((v.area[s - 1, c], -1.0))
        if (s, c) in v.e:
            expr.append((v.e[s, c], -1.0))
        if (s, c) in v.r:
            expr.append((v.r[s, c], 1.0))
        rows[f"evolve__{s}__{c}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr), pulp.LpConstraintEQ, rhs=rhs
        )


def add_township_minimum(b: _Build) -> None:
    r"""Township minimum: :math:`A_{s c_t} + g_{st} \ge \underline{A}_{\text{station}}`.

    A township without any station pays the full shortfall. With
    ``policy.township_min_station_hard`` there is no :math:`g`: the minimum is a hard rule.
    """
    d, v, rows = b.d, b.v, b.rows
    if d.min_station_m2 <= 0:
        return
    # every township with demand, and every station (a township without residents keeps
    # its station's minimum too)
    townships = sorted(set(d.demand["township_id"]) | set(d.stations.index))
    for s in d.stages:
        for t in townships:
            if d.min_station_hard:
                slack = b.violation("township_min", s, t)
                expr = [] if slack is None else [(slack, 1.0)]
            else:
                g = v.g[s, t] = b.new(f"shortfall__{s}__{t}", 0.0, None)
                expr = [(g, 1.0)]
            station = d.stations.get(t)
            if station is not None:
                expr.append((v.area[s, station], 1.0))
            rows[f"township_min__{s}__{t}"] = pulp.LpConstraint(
                pulp.LpAffineExpression(expr), pulp.LpConstraintGE, rhs=d.min_station_m2
            )


def add_top_heavy(b: _Build) -> None:
    r"""Top-heavy: :math:`\sum_{upper} A - \theta_s \sum_{all} A - h_{sp} \le 0` per region."""
    d, v, rows = b.d, b.v, b.rows
    c = d.centres
    for s in d.stages:
        theta = d.top_heavy_share[s]
        for region, members in sorted(c.groupby("region").groups.items()):
            h = v.h[s, region] = b.new(f"topheavy__{s}__{region}", 0.0, None)
            expr = [
                (v.area[s, cid], (1.0 - theta) if c.at[cid, "upper"] else -theta)
                for cid in sorted(members)
            ]
            expr.append((h, -1.0))
            rows[f"topheavy__{s}__{region}"] = pulp.LpConstraint(
                pulp.LpAffineExpression(expr), pulp.LpConstraintLE, rhs=0.0
            )


def add_area_budget(b: _Build) -> None:
    r"""Area budget (optional): :math:`\sum_c A_{sc} \le \bar{A}_s`."""
    d, v, rows = b.d, b.v, b.rows
    if d.max_total_area is None:
        return
    for s in d.stages:
        expr = [(var, 1.0) for (st, _), var in v.area.items() if st == s]
        slack = b.violation("area_budget", s, "all")
        if slack is not None:
            expr.append((slack, -1.0))
        rows[f"area_budget__{s}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr), pulp.LpConstraintLE, rhs=float(d.max_total_area[s])
        )


def add_unserved_cap(b: _Build) -> None:
    r"""Service guarantee (optional): :math:`\sum_{t,k} u_{stk} \le \bar{u} \sum D_{stk}`."""
    d, v, rows = b.d, b.v, b.rows
    if d.max_unserved_share is None:
        return
    stage = d.demand["stage"].to_numpy()
    for s in d.stages:
        total = float(d.demand.loc[d.demand["stage"] == s, "demand"].sum())
        expr = [(u, 1.0) for i, u in v.u.items() if stage[i] == s]
        slack = b.violation("unserved_cap", s, "all")
        if slack is not None:
            expr.append((slack, -1.0))
        rows[f"unserved_cap__{s}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr), pulp.LpConstraintLE, rhs=d.max_unserved_share * total
        )


def add_elastic_bounds(b: _Build) -> None:
    """Diagnosis only: let growth, shrink and core-area bounds be exceeded at a penalty."""
    if not b.elastic:
        return
    d, v, rows = b.d, b.v, b.rows
    c = d.centres
    for (s, cid), area in v.area.items():
        for family, sign in (("growth", 1.0), ("shrink", -1.0)):
            slack = b.violation(family, s, cid)
            assert slack is not None
            row = rows[f"evolve__{s}__{cid}"]
            row.addInPlace(pulp.LpAffineExpression([(slack, -sign)]))
        lb = float(c.at[cid, "area_lb"])
        if lb > 0:
            area.lowBound = 0.0
            slack = b.violation("core_area", s, cid)
            assert slack is not None
            rows[f"core__{s}__{cid}"] = pulp.LpConstraint(
                pulp.LpAffineExpression([(area, 1.0), (slack, 1.0)]), pulp.LpConstraintGE, rhs=lb
            )


def objective_terms(d: ModelData, v: Variables) -> dict[str, list[tuple[pulp.LpVariable, float]]]:
    """The objective's terms by name (coefficients in kCNY)."""
    L = d.lengths
    c = d.centres
    a = d.arcs
    stage = d.demand["stage"].to_numpy()
    return {
        "floor_area": [
            (var, L[s] * float(c.at[cid, "area_cost"])) for (s, cid), var in v.area.items()
        ],
        "windows": [(var, L[s] * d.window_cost) for (s, _), var in v.w.items()],
        "backoffice": [(var, L[s] * d.window_cost) for (s, _), var in v.desks.items()],
        "travel": [
            (var, L[s] * float(cost))
            for var, s, cost in zip(v.x, _col(a, "stage"), _col(a, "travel_cost"), strict=True)
        ],
        "online": [(var, L[stage[i]] * d.online_cost) for i, var in v.y.items()],
        "unserved": [(var, L[stage[i]] * d.unserved_penalty) for i, var in v.u.items()],
        "township_shortfall": [(var, L[s] * d.shortfall_penalty) for (s, _), var in v.g.items()],
        "top_heavy": [(var, L[s] * d.top_heavy_penalty) for (s, _), var in v.h.items()],
        "expansion": [(var, d.expansion_cost) for var in v.e.values()],
        "reduction": [(var, d.reduction_cost) for var in v.r.values()],
    }


def constant_terms(d: ModelData) -> dict[str, float]:
    """Objective terms that no decision changes: online volume fixed at its cap."""
    L = d.demand["stage"].map(d.lengths)
    return {"online": float((L * d.demand["online_fixed"]).sum() * d.online_cost)}


ELASTIC_PENALTY = 1e6
"""kCNY per unit of violation of a hard rule in the diagnosis LP (dominates every cost)."""


def build_model(d: ModelData, name: str = "olive_plan", elastic: bool = False) -> PlanModel:
    """Build the LP (see the module docstring for the formulation).

    With ``elastic`` every hard rule gets a violation variable at :data:`ELASTIC_PENALTY`,
    so the LP is always feasible and the violations say which rules cannot hold together.
    """
    prob = pulp.LpProblem(name, pulp.LpMinimize)
    b = _Build(prob=prob, d=d, elastic=elastic)
    for family in (
        add_flow_variables,
        add_capacity_variables,
        add_demand_balance,
        add_window_time,
        add_backoffice,
        add_floor_area,
        add_area_evolution,
        add_township_minimum,
        add_top_heavy,
        add_area_budget,
        add_unserved_cap,
        add_elastic_bounds,
    ):
        family(b)
    v, rows = b.v, b.rows
    terms = objective_terms(d, v)
    if elastic:
        terms["violations"] = [(var, ELASTIC_PENALTY) for var in v.elastic.values()]
    constants = constant_terms(d)
    prob.setObjective(
        pulp.LpAffineExpression(
            [pair for family in terms.values() for pair in family if pair[1]],
            constant=sum(constants.values()),
        )
    )
    prob.extend(rows)
    model = PlanModel(
        prob=prob,
        data=d,
        var=v,
        cost_terms=terms,
        constants=constants,
        n_constraints=len(rows),
        n_nonzeros=sum(len(row) for row in rows.values()),
    )
    log.info(
        "model: %d variables, %d constraints, %d non-zeros",
        model.n_variables,
        model.n_constraints,
        model.n_nonzeros,
    )
    return model
