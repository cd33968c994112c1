"""The arc columns of the LP (physical flows :math:`x_{stkc}`) in bulk: each arc's rows,
coefficients and travel cost as lists and arrays, from which :mod:`planner.model.build`
adds the PuLP variables and row terms (half a million arcs in the Jiangsu default, so
every per-arc step here is one list comprehension or one array operation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pulp

from planner.model.data import ModelData


@dataclass(frozen=True)
class ArcColumns:
    """New arc columns as arrays (for a solver that takes columns in bulk)."""

    variables: list[pulp.LpVariable]
    cost: np.ndarray
    """Objective coefficient of each column (kCNY per thousand transactions)."""
    starts: np.ndarray
    """CSC: column ``j``'s entries are ``rows[starts[j]:starts[j+1]]``."""
    rows: list[str]
    """Row name of each entry."""
    values: np.ndarray


@dataclass(frozen=True)
class ArcTerms:
    """The rows of arc columns: each arc's variable name, its demand and window-time row,
    and its back-office row where it sends pending work (``backoffice[j]`` is None
    otherwise), with the window (``mu``) and back-office (``beta``) coefficients."""

    names: list[str]
    demand: list[str]
    window: list[str]
    backoffice: list[str | None]
    mu: list[float]
    beta: list[float]

    def columns(self, variables: list[pulp.LpVariable], cost: np.ndarray) -> ArcColumns:
        """The arcs as CSC columns (each column's entries: demand, window time, back office)."""
        n = len(variables)
        has_bo = np.array([r is not None for r in self.backoffice], dtype=bool)
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(2 + has_bo, out=starts[1:])
        values = np.column_stack([np.ones(n), self.mu, self.beta]).reshape(-1)
        keep = np.column_stack([np.ones((n, 2), dtype=bool), has_bo]).reshape(-1)
        rows = [
            row
            for triple in zip(self.demand, self.window, self.backoffice, strict=True)
            for row in triple
            if row is not None
        ]
        return ArcColumns(variables, cost, starts, rows, values[keep])


def arc_terms(d: ModelData, idx: np.ndarray) -> ArcTerms:
    """Names, rows and coefficients of the arc columns ``idx`` (rows of ``d.arcs``)."""
    a = d.arcs

    def col(name: str) -> list[Any]:
        return a[name].to_numpy()[idx].tolist()

    stage, town, cls, centre = col("stage"), col("township_id"), col("class_id"), col("centre_id")
    beta = col("bo_work")
    return ArcTerms(
        [f"x__{s}__{t}__{k}__{c}" for s, t, k, c in zip(stage, town, cls, centre, strict=True)],
        [f"demand__{s}__{t}__{k}" for s, t, k in zip(stage, town, cls, strict=True)],
        [f"windowtime__{s}__{c}" for s, c in zip(stage, centre, strict=True)],
        [
            f"backoffice__{s}__{bc}" if b > 0 and bc else None
            for s, bc, b in zip(stage, col("bo_centre"), beta, strict=True)
        ],
        [float(mu) for mu in col("work")],
        [float(b) for b in beta],
    )


def arc_cost(d: ModelData, idx: np.ndarray) -> np.ndarray:
    """Objective coefficient of the arc columns ``idx``: the stage's years x travel cost."""
    stage = d.arcs["stage"].to_numpy()[idx]
    years = np.zeros(len(idx))
    for s in np.unique(stage).tolist():
        years[stage == s] = d.lengths[int(s)]
    return years * d.arcs["travel_cost"].to_numpy()[idx]
