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
* :math:`w_{sc}` windows (at most :math:`\bar w_{sc}` where a re-solve caps them so that
  the chosen mode's integer windows fit the floor area, ``ModelData.window_cap``),
  :math:`z_{sc}` back-office desks (at centres that decide
  pending items), :math:`A_{sc}` floor area (m2)
* :math:`e_{sc} \le \gamma_{l(c)} A^0_c`, :math:`r_{sc} \le \sigma_{l(c)} A^0_c` expansion and
  reduction against the previous stage (:math:`e` absent where growth is forbidden)
* :math:`g_{st}` township station shortfall (m2), :math:`h_{sp}` top-heavy excess (m2)

Constraints:

.. math::

    \textstyle\sum_{c} x_{stkc} + y_{stk} + u_{stk} &= D_{stk}
        && \text{demand}\\
    \textstyle\sum_{t,k} \mu_k x_{stkc} &= \kappa_{l(c)}\, w_{sc}
        && \text{window time}\\
    \textstyle\sum \beta x + \sum \beta y + B^{fixed}_{sc} &= \kappa_{bo}\, z_{sc}
        && \text{back office}\\
    \alpha_{l(c)} w_{sc} + \alpha_{bo} z_{sc} &\le A_{sc} && \text{floor area}\\
    A_{sc} - A_{s-1,c} - e_{sc} + r_{sc} &= 0,\quad A_{0c} = A^0_c
        && \text{area evolution}\\
    A_{s c_t} + g_{st} &\ge \underline{A}_{\text{station}} && \text{township minimum}\\
    \textstyle (1 - \theta_s) \sum_{c \in U_p} A_{sc}
        - \theta_s \sum_{c \in p \setminus U_p} (\alpha_{l(c)} w_{sc} + \alpha_{bo} z_{sc})
        &\le h_{sp} && \text{top-heavy}

with :math:`U_p` the province and city centres of region :math:`p`,
:math:`A_{sc} \ge \min(\underline{A}_{l(c)}, A^0_c)` (core area kept), :math:`\mu_k` the
front-window minutes of item :math:`k`, :math:`\kappa_l` a window's usable thousand
minutes a year (service minutes x days x utilisation of its level), :math:`\beta` the
back-office minutes of pending items (decided at the serving centre from county level up,
at the township's own approving centre for township stations and online demand) and
:math:`B^{fixed}` those of the online volume fixed at its cap.

Windows and desks are exactly the ones the load needs (window time and back office are
equalities): they carry no lower bound and cost money, so the inequality form has the same
optimum, and the equality makes :math:`\alpha w + \alpha_{bo} z` the floor area **in use**.

Top-heavy excess. :math:`h_{sp}` is the province+city floor area above the share
:math:`\theta_s` of the region's floor area, where the county and township levels count
only the area they use:

.. math::

    h_{sp} \ge \textstyle\sum_{U_p} A_{sc}
        - \theta_s \big(\sum_{U_p} A_{sc} + \sum_{p \setminus U_p}
        (\alpha_{l(c)} w_{sc} + \alpha_{bo} z_{sc})\big).

Floor area that serves nothing cannot lower it: idle county or township area is not in the
sum, and idle province or city area only raises it. (Measured against all floor area, as
before, every idle township m2 lowered the excess by :math:`\theta_s` m2, so while the
penalty :math:`\theta_s \eta` exceeded a township m2's cost the LP built empty stations.)

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

from planner.model.arcs import ArcColumns, ArcTerms, arc_cost, arc_terms
from planner.model.data import ModelData
from planner.model.gc_pause import paused_gc
from planner.model.policy import (
    add_conversion,
    add_level_floor,
    add_olive,
    add_pace,
    add_staff,
    policy_terms,
)
from planner.model.terms import CostTerm, ElasticRule

log = logging.getLogger(__name__)

Key = tuple[int, str]
"""(stage, id)."""
RESIDUAL_EPS = 1e-12
"""Demand rows whose physical residual is below this (thousand transactions) need no row."""


@dataclass
class Variables:
    """The model's variables by family; keys are tuples of ids."""

    x: dict[int, pulp.LpVariable] = field(default_factory=dict)
    """Keyed by the row of ``ModelData.arcs``: every arc, or the arcs generated so far
    (column generation, :mod:`planner.solve.exact`)."""
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
    policy: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)
    """Olive and level-floor violations, conversions (:mod:`planner.model.policy`), keyed by
    (family, stage, id)."""


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
    rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    """The constraints by name, in the order they were added."""
    columns: list[pulp.LpVariable] = field(default_factory=list)
    """Every variable in creation order (the column order handed to the solver)."""
    _positions: dict[int, int] = field(default_factory=dict, repr=False)

    def positions(self) -> dict[int, int]:
        """Column position by ``id(variable)`` (cached, extended as columns are added)."""
        for j in range(len(self._positions), len(self.columns)):
            self._positions[id(self.columns[j])] = j
        return self._positions

    @property
    def n_variables(self) -> int:
        v = self.var
        return (
            len(v.x)
            + len(v.y)
            + len(v.u)
            + sum(len(d) for d in (v.w, v.desks, v.area, v.e, v.r, v.g, v.h, v.elastic, v.policy))
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
    columns: list[pulp.LpVariable] = field(default_factory=list)
    elastic: bool = False
    """Add a penalised violation variable to every hard rule (infeasibility diagnosis)."""

    def violation(self, family: ElasticRule, stage: int, key: str) -> pulp.LpVariable | None:
        """A violation variable of a hard rule when building elastically, else None."""
        if not self.elastic:
            return None
        return self.elastic_var(family, stage, key)

    def elastic_var(self, family: ElasticRule, stage: int, key: str) -> pulp.LpVariable:
        """A new violation variable of a hard rule (the elastic LP only)."""
        var = self.v.elastic[family, stage, key] = self.new(f"violate_{family}__{stage}__{key}")
        return var

    def new(self, name: str, lb: float | None = 0.0, ub: float | None = None) -> pulp.LpVariable:
        var = self.prob.add_variable(name, lowBound=lb, upBound=ub)
        self.columns.append(var)
        return var


def add_flow_variables(b: _Build) -> None:
    """y (online, bounded by potential x maturity x demand) and u (unserved); the physical
    flows x come with :func:`attach_arcs`.

    Online volume fixed at its cap (see :func:`planner.model.data.online_dominates`) is a
    constant, not a variable.
    """
    d, v = b.d, b.v
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
    """Windows, floor area, expansion and reduction per stage and centre (growth and
    shrink bounds of a county or township centre as its county's phase sets them,
    ``policy.by_phase``; windows at most ``ModelData.window_cap`` where a re-solve fits the
    plan's integer windows into the floor area, :func:`planner.run.mode_resolves.fit_area`)."""
    d, v = b.d, b.v
    c = d.centres
    phase_bounds = d.policy.bounds
    for s in d.stages:
        for cid, lb, grow, shrink in zip(
            c.index, _col(c, "area_lb"), _col(c, "growth_ub"), _col(c, "shrink_ub"), strict=True
        ):
            grow, shrink = phase_bounds.get((s, cid), (grow, shrink))
            v.w[s, cid] = b.new(f"w__{s}__{cid}", 0.0, d.window_cap.get((s, cid)))
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
    residual = dm["residual"].to_numpy()
    for i, (s, t, k) in enumerate(
        zip(_col(dm, "stage"), _col(dm, "township_id"), _col(dm, "class_id"), strict=True)
    ):
        if i in v.u:
            rows[f"demand__{s}__{t}__{k}"] = pulp.LpConstraint(
                pulp.LpAffineExpression(terms[i]), pulp.LpConstraintEQ, rhs=float(residual[i])
            )


def add_window_time(b: _Build) -> None:
    r"""Window time: :math:`\sum_{t,k} \mu_k x_{stkc} - \kappa_{l(c)} w_{sc} = 0`.

    Every window variable has its row (without one, idle windows would count as in use);
    the arcs' terms come with :func:`attach_arcs`.
    """
    d, v, rows = b.d, b.v, b.rows
    cap = d.centres["window_capacity"]
    for s, c in sorted(v.w):
        # a chosen window mode keeps its integer windows: w >= W, load <= kappa w
        least = d.window_price.get((s, c), (0.0, 0.0))[0]
        v.w[s, c].lowBound = least
        rows[f"windowtime__{s}__{c}"] = pulp.LpConstraint(
            pulp.LpAffineExpression([(v.w[s, c], -float(cap[c]))]),
            pulp.LpConstraintLE if least > 0 else pulp.LpConstraintEQ,
            rhs=0.0,
        )


def add_backoffice(b: _Build) -> None:
    r"""Back office: :math:`\sum \beta x + \sum \beta y + B^{fixed}_{sc} = \kappa_{bo} z_{sc}`.

    Pending items accepted at a front window (or online) are decided by back-office desks
    :math:`z_{sc}` of the approving centre: the serving centre itself at county level and
    above, the township's own approving centre for township stations and online demand.
    """
    d, v, rows = b.d, b.v, b.rows
    terms: dict[Key, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    fixed: dict[Key, float] = defaultdict(float)
    a = d.arcs
    # a row for every centre any arc sends pending work to (the arcs' terms come later)
    for s, c, beta in zip(_col(a, "stage"), _col(a, "bo_centre"), _col(a, "bo_work"), strict=True):
        if beta > 0 and c:
            terms[s, c]
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
            pulp.LpAffineExpression(expr), pulp.LpConstraintEQ, rhs=-fixed.get(key, 0.0)
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
    A township merged into its county hall (撤并, ``policy.merge_within_minutes``) has none.
    """
    d, v, rows = b.d, b.v, b.rows
    by_phase = d.policy.station_min
    if d.min_station_m2 <= 0 and not any(m2 > 0 for m2 in by_phase.values()):
        return
    # every township with demand, and every station (a township without residents keeps
    # its station's minimum too)
    townships = sorted(set(d.demand["township_id"]) | set(d.stations.index))
    for s in d.stages:
        for t in townships:
            minimum = by_phase.get((s, t), d.min_station_m2)
            if minimum <= 0 or t in d.policy.merged:
                continue
            if d.min_station_hard:
                slack = b.violation(ElasticRule.TOWNSHIP_MIN, s, t)
                expr = [] if slack is None else [(slack, 1.0)]
            else:
                g = v.g[s, t] = b.new(f"shortfall__{s}__{t}", 0.0, None)
                expr = [(g, 1.0)]
            station = d.stations.get(t)
            if station is not None:
                expr.append((v.area[s, station], 1.0))
            rows[f"township_min__{s}__{t}"] = pulp.LpConstraint(
                pulp.LpAffineExpression(expr), pulp.LpConstraintGE, rhs=minimum
            )


def add_top_heavy(b: _Build) -> None:
    r"""Top-heavy, per region: :math:`(1-\theta_s) \sum_{U_p} A_{sc} - \theta_s
    \sum_{p \setminus U_p} (\alpha_{l(c)} w_{sc} + \alpha_{bo} z_{sc}) - h_{sp} \le 0`.

    Lower levels count the floor area in use (windows and desks), never idle area: see the
    module docstring.
    """
    d, v, rows = b.d, b.v, b.rows
    c = d.centres
    apw = c["area_per_window"]
    for s in d.stages:
        theta = d.top_heavy_share[s]
        for region, members in sorted(c.groupby("region").groups.items()):
            h = v.h[s, region] = b.new(f"topheavy__{s}__{region}", 0.0, None)
            expr: list[tuple[pulp.LpVariable, float]] = []
            for cid in sorted(members):
                if c.at[cid, "upper"]:
                    expr.append((v.area[s, cid], 1.0 - theta))
                    continue
                expr.append((v.w[s, cid], -theta * float(apw[cid])))
                if (s, cid) in v.desks and d.backoffice_m2_per_desk > 0:
                    expr.append((v.desks[s, cid], -theta * d.backoffice_m2_per_desk))
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
        slack = b.violation(ElasticRule.AREA_BUDGET, s, "all")
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
        slack = b.violation(ElasticRule.UNSERVED_CAP, s, "all")
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
        for family, sign in ((ElasticRule.GROWTH, 1.0), (ElasticRule.SHRINK, -1.0)):
            slack = b.elastic_var(family, s, cid)
            row = rows[f"evolve__{s}__{cid}"]
            row.addInPlace(pulp.LpAffineExpression([(slack, -sign)]))
        lb = float(c.at[cid, "area_lb"])
        if lb > 0:
            area.lowBound = 0.0
            slack = b.elastic_var(ElasticRule.CORE_AREA, s, cid)
            rows[f"core__{s}__{cid}"] = pulp.LpConstraint(
                pulp.LpAffineExpression([(area, 1.0), (slack, 1.0)]), pulp.LpConstraintGE, rhs=lb
            )


def objective_terms(d: ModelData, v: Variables) -> dict[str, list[tuple[pulp.LpVariable, float]]]:
    """The objective's terms by name (coefficients in kCNY); travel comes with the arcs."""
    L = d.lengths
    c = d.centres
    stage = d.demand["stage"].to_numpy()
    return {
        CostTerm.FLOOR_AREA: [
            (var, L[s] * float(c.at[cid, "area_cost"])) for (s, cid), var in v.area.items()
        ],
        CostTerm.WINDOWS: [
            (var, L[s] * (d.window_cost + d.window_price.get((s, cid), (0.0, 0.0))[1]))
            for (s, cid), var in v.w.items()
        ],
        CostTerm.BACKOFFICE: [(var, L[s] * d.window_cost) for (s, _), var in v.desks.items()],
        CostTerm.TRAVEL: [],
        CostTerm.ONLINE: [(var, L[stage[i]] * d.online_cost) for i, var in v.y.items()],
        CostTerm.UNSERVED: [(var, L[stage[i]] * d.unserved_penalty) for i, var in v.u.items()],
        CostTerm.TOWNSHIP_SHORTFALL: [
            (var, L[s] * d.shortfall_penalty) for (s, _), var in v.g.items()
        ],
        CostTerm.TOP_HEAVY: [(var, L[s] * d.top_heavy_penalty) for (s, _), var in v.h.items()],
        CostTerm.EXPANSION: [(var, d.expansion_cost) for var in v.e.values()],
        CostTerm.REDUCTION: [(var, d.reduction_cost) for var in v.r.values()],
        **policy_terms(d.lengths, d.policy, v, d.window_cost),
    }


def constant_terms(d: ModelData) -> dict[str, float]:
    """Objective terms that no decision changes: online volume fixed at its cap."""
    L = d.demand["stage"].map(d.lengths)
    return {CostTerm.ONLINE: float((L * d.demand["online_fixed"]).sum() * d.online_cost)}


ELASTIC_PENALTY = 1e6
"""kCNY per unit of violation of a hard rule in the diagnosis LP (dominates every cost)."""


def _attach_arcs(model: PlanModel, idx: np.ndarray) -> tuple[list[pulp.LpVariable], ArcTerms]:
    """Add the physical flows of arcs ``idx`` to the PuLP model (variables in ``idx`` order,
    their terms appended to each row in that order); return the variables and their terms."""
    rows = model.rows
    terms = arc_terms(model.data, idx)
    new = [model.prob.add_variable(name, lowBound=0.0) for name in terms.names]
    model.var.x.update(zip(idx.tolist(), new, strict=True))
    # every variable is new, so setting its term is what ``addterm`` would do
    for var, dem, win, bo, mu, beta in zip(
        new, terms.demand, terms.window, terms.backoffice, terms.mu, terms.beta, strict=True
    ):
        rows[dem].expr[var] = 1.0
        rows[win].expr[var] = mu
        if bo is not None:
            rows[bo].expr[var] = beta
    model.columns.extend(new)
    model.n_nonzeros += 2 * len(new) + sum(bo is not None for bo in terms.backoffice)
    return new, terms


def _add_arc_flows(
    model: PlanModel, idx: np.ndarray
) -> tuple[list[pulp.LpVariable], ArcTerms, np.ndarray]:
    """Variables, row terms and travel cost of arcs ``idx``; the new variables, their
    terms and their objective coefficients."""
    new, terms = _attach_arcs(model, idx)
    cost = arc_cost(model.data, idx)
    pairs = list(zip(new, cost.tolist(), strict=True))
    objective = model.prob.objective
    if objective is None:
        msg = "arcs are added to a model with its objective set (build_model)"
        raise ValueError(msg)
    objective.update(pair for pair in pairs if pair[1])
    model.cost_terms[CostTerm.TRAVEL].extend(pairs)
    return new, terms, cost


def add_arcs(model: PlanModel, idx: np.ndarray) -> ArcColumns:
    """Add the physical flows of arcs ``idx`` (rows of ``ModelData.arcs`` not yet in the
    model) to the PuLP model: variables, row terms, objective. Returns them as columns."""
    idx = np.asarray(idx, dtype=np.int64)
    with paused_gc():
        new, terms, cost = _add_arc_flows(model, idx)
        return terms.columns(new, cost)


def build_model(
    d: ModelData,
    name: str = "olive_plan",
    elastic: bool = False,
    arcs: np.ndarray | None = None,
) -> PlanModel:
    """Build the LP (see the module docstring for the formulation).

    With ``elastic`` every hard rule gets a violation variable at :data:`ELASTIC_PENALTY`,
    so the LP is always feasible and the violations say which rules cannot hold together.
    ``arcs`` (rows of ``ModelData.arcs``) restricts the physical flows to those arcs (the
    start of column generation); every row exists either way, so later arcs only add
    columns (:func:`add_arcs`).
    """
    with paused_gc():  # no cyclic garbage here: see planner.model.gc_pause
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
            add_olive,
            add_conversion,
            add_level_floor,
            add_staff,
            add_pace,
            add_elastic_bounds,
        ):
            family(b)
        v, rows = b.v, b.rows
        terms = objective_terms(d, v)
        if elastic:
            terms[CostTerm.VIOLATIONS] = [(var, ELASTIC_PENALTY) for var in v.elastic.values()]
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
            rows=rows,
            columns=b.columns,
            n_constraints=len(rows),
            n_nonzeros=sum(len(row) for row in rows.values()),
        )
        idx = np.arange(len(d.arcs)) if arcs is None else np.asarray(arcs, dtype=np.int64)
        _add_arc_flows(model, idx)
    log.info(
        "model: %d variables, %d constraints, %d non-zeros",
        model.n_variables,
        model.n_constraints,
        model.n_nonzeros,
    )
    return model
