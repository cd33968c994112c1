"""The values of a solved LP, by variable family: what the plan is read from.

Filled once by :func:`read_solution` (the one reader of the PuLP model after a solve); the
plan tables (:mod:`planner.plan.extract`) and the rule costs read this.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import mul
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.model.stage_costs import costs_by_stage

if TYPE_CHECKING:
    import pulp

    from planner.model.build import PlanModel


@dataclass
class Solution:
    """Primal values by variable family (keys as in :class:`planner.model.build.Variables`)
    and, where the solver gives them, row duals by row family."""

    x: np.ndarray
    """Per row of ``ModelData.arcs`` (0 for an arc that is not in the model)."""
    y: dict[int, float]
    u: dict[int, float]
    w: dict[tuple[int, str], float]
    desks: dict[tuple[int, str], float]
    area: dict[tuple[int, str], float]
    e: dict[tuple[int, str], float]
    r: dict[tuple[int, str], float]
    g: dict[tuple[int, str], float]
    h: dict[tuple[int, str], float]
    elastic: dict[tuple[str, int, str], float]
    costs: dict[str, float]
    """Objective terms by name (kCNY), constants included."""
    costs_by_stage: dict[str, dict[int, float]] = field(default_factory=dict)
    """The same terms by stage (from each variable's name, ``family__stage__...``)."""
    duals: dict[str, dict[str, float]] = field(default_factory=dict)
    """Row family (the name's part before ``__``) -> row name -> dual."""
    policy: dict[tuple[str, int, str], float] = field(default_factory=dict)
    """Policy violations and conversions (:mod:`planner.model.policy`), by (family, stage,
    id)."""

    def online_volume(self, n: int) -> np.ndarray:
        """Per row of ``ModelData.demand`` (``n`` rows): the free online volume (zero where
        the LP has no such variable)."""
        return _dense(self.y, n)

    def unserved_volume(self, n: int) -> np.ndarray:
        """Per row of ``ModelData.demand``: the unserved volume (zero where the LP has no
        such variable)."""
        return _dense(self.u, n)

    def evolution(self) -> dict[tuple[int, str], tuple[float, float, float]]:
        """Per (stage, centre): the LP's expansion, reduction and conversion (m2)."""
        return {
            key: (
                self.e.get(key, 0.0),
                self.r.get(key, 0.0),
                self.policy.get(("convert", *key), 0.0),
            )
            for key in self.area
        }


def _dense(values: dict[int, float], n: int) -> np.ndarray:
    out = np.zeros(n)
    if values:
        out[list(values)] = list(values.values())
    return out


def read_solution(model: PlanModel, primal: np.ndarray, duals: np.ndarray | None) -> Solution:
    """The solution of ``model`` from a solver's column values (``PlanModel.columns``
    order) and row duals (``PlanModel.rows`` order)."""
    position = model.positions()
    values = np.where(np.abs(primal) < 1e-12, 0.0, primal)

    def at(variables: Iterable[pulp.LpVariable], n: int) -> list[float]:
        cols = np.fromiter(map(position.__getitem__, map(id, variables)), np.int64, n)
        return values[cols].tolist()

    def get(family: dict[Any, pulp.LpVariable]) -> dict[Any, float]:
        return dict(zip(family.keys(), at(family.values(), len(family)), strict=True))

    def total(terms: list[tuple[pulp.LpVariable, float]]) -> float:
        # term by term, left to right: the same sum (to the last bit) as a plain loop
        coefs = [coef for _, coef in terms]
        return float(sum(map(mul, coefs, at((var for var, _ in terms), len(terms)))))

    v = model.var
    x = np.zeros(len(model.data.arcs))
    if v.x:
        arcs = np.fromiter(v.x.keys(), np.int64, len(v.x))
        x[arcs] = at(v.x.values(), len(v.x))
    costs = {
        name: total(terms) + model.constants.get(name, 0.0)
        for name, terms in model.cost_terms.items()
    }
    by_stage = costs_by_stage(model, values, position)
    by_family: dict[str, dict[str, float]] = {}
    if duals is not None:
        for name, dual in zip(model.rows, duals.tolist(), strict=False):
            by_family.setdefault(name.split("__", 1)[0], {})[name] = dual
    return Solution(
        x=x,
        y=get(v.y),
        u=get(v.u),
        w=get(v.w),
        desks=get(v.desks),
        area=get(v.area),
        e=get(v.e),
        r=get(v.r),
        g=get(v.g),
        h=get(v.h),
        elastic=get(v.elastic),
        costs=costs,
        costs_by_stage=by_stage,
        duals=by_family,
        policy=get(v.policy),
    )
