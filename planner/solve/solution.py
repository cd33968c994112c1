"""The values of a solved LP, by variable family: what the plan is read from.

Filled once by :func:`planner.solve.backends.read_solution` (the one reader of the PuLP model
after a solve); the plan tables (:mod:`planner.plan.extract`) and the rule costs read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
