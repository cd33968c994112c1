"""The objective's terms split by stage, for the plan's cost per stage in the report.

Every variable of the LP is named ``family__stage__...`` (:mod:`planner.model.build`,
:mod:`planner.model.policy`, the arcs of :mod:`planner.model.arcs`), so a term's value per
stage is the sum of its entries grouped by the stage in their names; constants (online volume
fixed at its cap) are split by their demand row's stage. The stages of a term add up to the
term (to rounding), as ``tests/test_report_costs.py`` checks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from planner.model.build import PlanModel
from planner.model.data import ModelData
from planner.model.terms import CostTerm


def constant_terms_by_stage(d: ModelData) -> dict[str, dict[int, float]]:
    """:func:`planner.model.build.constant_terms` split by stage (the same values, summed
    per stage)."""
    L = d.demand["stage"].map(d.lengths)
    online = (L * d.demand["online_fixed"] * d.online_cost).groupby(d.demand["stage"]).sum()
    return {CostTerm.ONLINE: {int(s): float(v) for s, v in online.items()}}


def costs_by_stage(
    model: PlanModel, values: np.ndarray, position: Mapping[int, int]
) -> dict[str, dict[int, float]]:
    """The objective's terms by name and stage (kCNY, constants included): each variable's
    stage is the second part of its name (``family__stage__...``, as every family is named)."""
    out: dict[str, dict[int, float]] = {}
    constants = constant_terms_by_stage(model.data)
    for name, terms in model.cost_terms.items():
        stages = np.fromiter((int(var.name.split("__", 2)[1]) for var, _ in terms), np.int64)
        cols = np.fromiter((position[id(var)] for var, _ in terms), np.int64, len(terms))
        coefs = np.fromiter((coef for _, coef in terms), float, len(terms))
        amounts = coefs * values[cols]
        by: dict[int, float] = dict(constants.get(name, {}))
        for s in np.unique(stages).tolist():
            by[s] = by.get(s, 0.0) + float(amounts[stages == s].sum())
        out[str(name)] = dict(sorted(by.items()))
    return out
