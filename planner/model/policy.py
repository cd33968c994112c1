r"""The paper's olive as constraint families (issue 15): olive shape, surplus conversion,
level floors, staff redeployment (:func:`add_staff`; the rules by phase are bounds and
right-hand sides set in :mod:`planner.model.policy_data`). Each ``add_*`` function is
registered in
:func:`planner.model.build.build_model`; the numbers come from
:class:`planner.model.policy_data.PolicyData`.

Measures of a level :math:`l` in region :math:`p` at stage :math:`s`:

.. math::

    M^{use}_{spl} = \textstyle\sum_{c \in p,\, l(c)=l} (\alpha_l w_{sc} + \alpha_{bo} z_{sc}),
    \quad M^{win}_{spl} = \sum w_{sc}, \quad M^{area}_{spl} = \sum A_{sc}.

Olive (stages :math:`s \in S_{olive}`, each chosen measure :math:`M`): the county is the
widest level and the province the narrowest,

.. math::

    M_{spl} - M_{sp,county} - v_{spl} &\le 0 \quad l \in \{province, city, township\}\\
    M_{sp,province} - M_{spl} - v'_{spl} &\le 0 \quad l \in \{city, township\}

with violations :math:`v, v' \ge 0` at :math:`L_s \psi_M` each (absent with
``policy.olive.hard``). Conversion (压缩转化): :math:`q_{sc} \ge 0` m2 leave the network,
``evolve`` becomes :math:`A_{sc} - A_{s-1,c} - e_{sc} + r_{sc} + q_{sc} = 0` (not bounded
by the shrink limit, which binds :math:`r`), at :math:`\chi` per m2. Level floor:
:math:`M_{spl} + f_{spl} \ge \phi_{sl} M^0_{pl}` with the shortfall :math:`f \ge 0` at
:math:`L_s \psi_f` (absent when hard).
"""

from __future__ import annotations

from typing import Protocol

import pulp

from planner.model.data import ModelData
from planner.model.policy_data import PolicyData
from planner.model.terms import ElasticRule

Key = tuple[int, str]


class PolicyVariables(Protocol):
    """The variable families the policy rules read (:class:`planner.model.build.Variables`)."""

    @property
    def w(self) -> dict[Key, pulp.LpVariable]: ...
    @property
    def desks(self) -> dict[Key, pulp.LpVariable]: ...
    @property
    def area(self) -> dict[Key, pulp.LpVariable]: ...
    @property
    def policy(self) -> dict[tuple[str, int, str], pulp.LpVariable]: ...


class Builder(Protocol):
    """What a family needs from the model under construction (``build._Build``)."""

    @property
    def d(self) -> ModelData: ...
    @property
    def v(self) -> PolicyVariables: ...
    @property
    def rows(self) -> dict[str, pulp.LpConstraint]: ...
    def new(
        self, name: str, lb: float | None = 0.0, ub: float | None = None
    ) -> pulp.LpVariable: ...
    def violation(self, family: ElasticRule, stage: int, key: str) -> pulp.LpVariable | None: ...


Terms = list[tuple[pulp.LpVariable, float]]

WIDEST = "county"
NARROWEST = "province"


def measure_terms(b: Builder, s: int, centres: list[str], measure: str) -> Terms:
    """The terms of a measure summed over ``centres`` at stage ``s``."""
    v, d = b.v, b.d
    apw = d.centres["area_per_window"]
    out: Terms = []
    for cid in centres:
        if measure == "floor_area":
            out.append((v.area[s, cid], 1.0))
            continue
        out.append((v.w[s, cid], 1.0 if measure == "windows" else float(apw[cid])))
        if measure == "area_in_use" and (s, cid) in v.desks and d.backoffice_m2_per_desk > 0:
            out.append((v.desks[s, cid], d.backoffice_m2_per_desk))
    return out


def _by_region_level(b: Builder) -> dict[tuple[str, str], list[str]]:
    c = b.d.centres
    groups: dict[tuple[str, str], list[str]] = {}
    for cid, region, level in zip(c.index, c["region"], c["level"], strict=True):
        groups.setdefault((str(region), str(level)), []).append(str(cid))
    return {key: sorted(val) for key, val in sorted(groups.items())}


def _row(b: Builder, name: str, family: str, s: int, key: str, expr: Terms, hard: bool) -> None:
    """``expr - slack <= 0`` with a penalised slack (soft) or an elastic one (hard)."""
    if hard:
        slack = b.violation(ElasticRule(family), s, key)
    else:
        slack = b.v.policy[family, s, key] = b.new(f"{family}_violation__{s}__{key}")
    terms = list(expr) if slack is None else [*expr, (slack, -1.0)]
    b.rows[name] = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=0.0)


def add_olive(b: Builder) -> None:
    r"""Olive: :math:`M_{spl} - M_{sp,county} \le v_{spl}` and
    :math:`M_{sp,province} - M_{spl} \le v'_{spl}` (module docstring)."""
    p: PolicyData = b.d.policy
    groups = _by_region_level(b)
    regions = sorted({r for r, _ in groups})
    for s in p.olive_stages:
        if s not in b.d.stages:
            continue
        for region in regions:
            for m in p.olive_measures:
                size = {
                    lv: measure_terms(b, s, groups.get((region, lv), []), m)
                    for lv in ("province", "city", "county", "township")
                }
                # (narrow, wide): every level at most the county, the province at most any
                pairs = [(lv, WIDEST) for lv in ("province", "city", "township")]
                pairs += [(NARROWEST, lv) for lv in ("city", "township")]
                for narrow, wide in pairs:
                    key = f"{region}__{m}__{narrow}_le_{wide}"
                    expr = [*size[narrow], *((var, -c) for var, c in size[wide])]
                    _row(b, f"olive__{s}__{key}", "olive", s, key, expr, p.olive_hard)


def add_conversion(b: Builder) -> None:
    r"""Conversion: :math:`+q_{sc}` in every ``evolve`` row (surplus leaves the network)."""
    p: PolicyData = b.d.policy
    if not p.convert:
        return
    for s, cid in sorted(b.v.area):
        q = b.v.policy["convert", s, cid] = b.new(f"convert__{s}__{cid}")
        b.rows[f"evolve__{s}__{cid}"].addInPlace(pulp.LpAffineExpression([(q, 1.0)]))


def add_level_floor(b: Builder) -> None:
    r"""Level floor: :math:`\phi_{sl} M^0_{pl} - M_{spl} \le f_{spl}`."""
    p: PolicyData = b.d.policy
    groups = _by_region_level(b)
    for s, region, level, floor in p.floors:
        if s not in b.d.stages:
            continue
        key = f"{region}__{level}"
        expr = [
            (var, -c)
            for var, c in measure_terms(b, s, groups.get((region, level), []), p.floor_measure)
        ]
        name = f"level_floor__{s}__{key}"
        _row(b, name, "level_floor", s, key, expr, p.floor_hard)
        b.rows[name].constant = float(floor)


def _posts(b: Builder, s: int, cid: str) -> Terms:
    """Staffed window posts of ``cid`` at stage ``s``: windows in use plus idle posts."""
    out: Terms = [(b.v.w[s, cid], 1.0)]
    idle = b.v.policy.get(("idle_windows", s, cid))
    if idle is not None:
        out.append((idle, 1.0))
    return out


def add_staff(b: Builder) -> None:
    r"""Staff (人员分流): posts :math:`n_{sc} = w_{sc} + i_{sc}` (idle posts :math:`i \ge 0`
    kept while their staff wait to be redeployed, at the window cost a year; only where a
    cut limit covers the centre or the redeployment cost exceeds the stage's window cost,
    as elsewhere they are never cheaper than removal), window cuts
    :math:`k_{sc} \ge n_{s-1,c} - n_{sc}` with :math:`n_{0c} = W^0_c` (today's inventory),
    desk cuts :math:`k^z_{sc} \ge z_{s-1,c} - z_{sc}` from stage 2 (today's desks are not in
    the inventory), both at a one-off redeployment cost; and per cut group :math:`G` (region,
    level and, for county and township centres, county phase at stage :math:`s`)
    :math:`\sum_{c \in G} k_{sc} - \chi_G \sum_{c \in G} n_{s-1,c} \le v_{sG}`."""
    p: PolicyData = b.d.policy
    if not p.staff:
        return
    v = b.v
    keys = sorted(v.w)
    limited = {(s, cid) for s, _, members, _ in p.cut_groups for cid in members}
    for s, cid in keys:
        # An idle post costs L_s window-years; with R <= L_s window-years and no cut limit
        # removing it now (and hiring again if ever needed, at no cost) is never dearer,
        # so idle posts exist only where a limit covers the centre or R > L_s years.
        if (s, cid) in limited or p.redeploy_window > b.d.lengths[s] * b.d.window_cost:
            v.policy["idle_windows", s, cid] = b.new(f"idle_windows__{s}__{cid}")
    for s, cid in keys:
        k = v.policy["cut_windows", s, cid] = b.new(f"cut_windows__{s}__{cid}")
        prev = _posts(b, s - 1, cid) if (s - 1, cid) in v.w else []
        expr = [*prev, *((var, -c) for var, c in _posts(b, s, cid)), (k, -1.0)]
        rhs = -p.windows0.get(cid, 0.0) if s == b.d.stages[0] else 0.0
        b.rows[f"staffcut__{s}__{cid}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr), pulp.LpConstraintLE, rhs=rhs
        )
    for s, cid in sorted(v.desks):
        if s == b.d.stages[0] or (s - 1, cid) not in v.desks:
            continue
        k = v.policy["cut_desks", s, cid] = b.new(f"cut_desks__{s}__{cid}")
        expr = [(v.desks[s - 1, cid], 1.0), (v.desks[s, cid], -1.0), (k, -1.0)]
        b.rows[f"deskcut__{s}__{cid}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(expr), pulp.LpConstraintLE, rhs=0.0
        )
    for s, key, members, share in p.cut_groups:
        if s not in b.d.stages:
            continue
        expr = [(v.policy["cut_windows", s, cid], 1.0) for cid in members]
        first = s == b.d.stages[0]
        if not first:
            expr += [(var, -share * c) for cid in members for var, c in _posts(b, s - 1, cid)]
        name = f"staff_cut__{s}__{key}"
        _row(b, name, "staff_cut", s, key, expr, p.cut_hard)
        if first:
            b.rows[name].constant = -share * sum(p.windows0.get(cid, 0.0) for cid in members)


def policy_terms(
    lengths: dict[int, float], p: PolicyData, v: PolicyVariables, window_cost: float = 0.0
) -> dict[str, Terms]:
    """The objective's policy terms (kCNY): olive and floor violations, conversion, staff
    redeployment, idle posts (``window_cost`` kCNY a year each) and cuts beyond the limit."""
    out: dict[str, Terms] = {"olive": [], "level_floor": [], "conversion": []}
    if p.staff:
        out.update(redeployment=[], idle_staff=[], staff_cut=[])
    for (family, s, key), var in v.policy.items():
        if family == "olive":
            out["olive"].append((var, lengths[s] * p.penalty(key.split("__")[1])))
        elif family == "level_floor":
            out["level_floor"].append((var, lengths[s] * p.floor_penalty))
        elif family == "convert":
            out["conversion"].append((var, p.convert_cost))
        elif family in ("cut_windows", "cut_desks"):
            cost = p.redeploy_window if family == "cut_windows" else p.redeploy_desk
            out["redeployment"].append((var, cost))
        elif family == "idle_windows":
            out["idle_staff"].append((var, lengths[s] * window_cost))
        elif family == "staff_cut":
            out["staff_cut"].append((var, p.cut_penalty))
    return out
