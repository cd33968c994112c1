r"""Window modes of all centres together: one mixed-integer model solved by HiGHS.

Given the flows (the LP's), :func:`planner.modes.graph.build_graph` gives every centre its
mode paths :math:`p` (one mode per stage, the pace and the big-general standard already
applied) with their integer windows :math:`W_{csp}` and cost :math:`C_{cp}` (window-years,
training and the floor area the windows need beyond the LP's,
:func:`planner.modes.graph.area_step`: a path short of area under the growth limits is
left out unless every path of the centre is). Centres are coupled only by the rules the
LP has on windows: the olive (:mod:`planner.model.policy`) by ``windows`` and by
``area_in_use`` (windows times area per window plus the desks' area, the desks fixed by
the flows), and the top-heavy rows (:func:`_top_heavy_rows`: per stage and region the
excess of province and city floor area, the LP's plus the paths' extra, above the cap
against the lower levels' area in use, at the top-heavy penalty), which replace the LP's
so that extra province and city area pays the penalty only above the cap. The model:

.. math::

    \min \textstyle\sum_{c,p} (C_{cp} + \varepsilon_{cp}) z_{cp}
        + \sum_{s,r,M,(a,b)} L_s \psi_M v_{srM ab}
    \quad\text{s.t.}\quad \sum_p z_{cp} = 1,\qquad
    \textstyle\sum_{c \in a} M_{cs}(z) - \sum_{c \in b} M_{cs}(z) \le v_{srMab}

with :math:`z_{cp} \in \{0,1\}`, :math:`M_{cs}(z) = \sum_p \mu_c W_{csp} z_{cp} + k_{cs}`
(:math:`\mu_c = 1` and :math:`k = 0` for windows; area per window and desk area for area in
use), the pairs :math:`(a, b)` of the olive (every level at most the county, the province
at most every level) in each olive stage and region. With ``policy.olive.hard`` the
violations cost :data:`HARD_PENALTY` per unit-year (so the model stays feasible and a rule
that cannot hold shows up as the plan's olive warning). The olive by ``floor_area`` (not
in the default's measures) is not a row here: with it in force, the plan's verdict on
floor area (the LP's plus the extra) shows what the extra did to it.

The paths are not listed (:math:`3^S` of them): the model has a binary per arc of the
layered graph of :mod:`planner.modes.graph` (a node per stage, mode and area kept), one
unit of flow out of each centre's source and flow conservation at every node, so a
:math:`z_{cp}` above is the flow along path :math:`p` and every sum over a centre's paths
is a sum over the arcs into a stage (:math:`W`, the extra area and the cost are the arc's).
Windows are exactly what the chosen mode needs (no idle window). A centre's network is the
convex hull of its choices, as the path formulation was, so the LP relaxation is tight
except where olive rows bind; HiGHS stops at ``windows.mode_mip_gap``
or ``windows.mode_time_limit_s`` and its gap and dual bound are reported.

Tie-break
---------
:math:`\varepsilon_{cp} = \delta\,(1 + \text{conversions}_p + r_p/|P|)(1 + i_c/n)` with
:math:`\delta` = :data:`TIE_KCNY`, :math:`r_p` the path's rank (most traditional first) and
:math:`i_c` the centre's rank among the :math:`n` centres (ids sorted): among plans of equal
cost the one with fewer and later conversions, more traditional, is preferred, centres
weighted apart so symmetric centres do not tie. It adds at most
:math:`\delta (S + 2) \cdot 2` kCNY per centre (:math:`S` stages: under 0.02 kCNY for
1,346 centres) and is left out of every reported cost. HiGHS is deterministic for a given
model, version and thread count, so the same inputs give the same modes.

Limits of the tie-break: the perturbation is smaller than HiGHS's tolerances (its rank
term, about 4e-8 kCNY between neighbouring paths, is below the 1e-7 dual feasibility
tolerance) and far smaller than what ``windows.mode_mip_gap`` lets HiGHS stop at (1e-6 of
a 3e7 kCNY objective is about 30 kCNY) once olive rows bind. So it orders exact ties where
HiGHS's search meets them, but does not prove that the reported modes are the unique
preferred optimum; the answer is reproducible, and the gap reported is the distance it may
be from the best.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pandas as pd
from scipy import sparse

from planner.modes.graph import ModeGraph, build_graph, chosen_table, shortest
from planner.modes.rules import MODES, AreaSpec, ModeRules

log = logging.getLogger(__name__)

TIE_KCNY = 1e-6
"""Scale of the tie-break perturbation (kCNY per centre and path)."""
HARD_PENALTY = 1e6
"""kCNY per unit-year of olive violation when the olive is hard."""
WINDOW_MEASURES = ("windows", "area_in_use")
"""Olive measures that depend on windows (and so on the modes)."""
PAIRS: tuple[tuple[str, str], ...] = (
    ("province", "county"),
    ("city", "county"),
    ("township", "county"),
    ("province", "city"),
    ("province", "township"),
)
"""(narrow, wide) level pairs of the olive (as in :func:`planner.model.policy.add_olive`)."""


@dataclass(frozen=True)
class OliveSpec:
    """The olive rows on windows, in model units."""

    stages: tuple[int, ...]
    penalties: tuple[tuple[str, float], ...]
    """(measure, kCNY per unit-year of violation) for the window measures in force."""
    hard: bool
    region: pd.Series
    """Centre id -> region."""
    level: pd.Series
    """Centre id -> level."""
    area_per_window: pd.Series
    """Centre id -> m2 a window needs."""
    desk_area: dict[tuple[int, str], float]
    """(stage, centre) -> m2 of its back-office desks (fixed by the flows)."""


@dataclass(frozen=True)
class TopHeavySpec:
    """The LP's top-heavy rows for the mode model, in model units: province and city count
    their floor area (the LP's plus the path's extra), the lower levels the area their
    windows and desks use."""

    share: dict[int, float]
    """Stage -> the cap :math:`\theta_s` on the province+city share."""
    penalty: float
    """kCNY per m2-year of excess above the cap."""
    region: pd.Series
    """Centre id -> region."""
    upper: pd.Series
    """Centre id -> True for province and city."""
    area_per_window: pd.Series
    """Centre id -> m2 a window needs."""
    desk_area: dict[tuple[int, str], float]
    """(stage, centre) -> m2 of its back-office desks (fixed by the flows)."""


@dataclass(frozen=True)
class MipOptions:
    """HiGHS's stopping rules for the mode model (``[windows]``)."""

    mip_rel_gap: float = 1e-6
    time_limit_s: float = 60.0


@dataclass(frozen=True)
class MipOutcome:
    """The chosen modes and how good they are."""

    chosen: pd.DataFrame
    """:func:`planner.modes.rules.chosen_table` of the chosen paths."""
    info: dict[str, Any]
    """Status, objective, bound, gap (kCNY, perturbation left out), seconds, size (the
    planner moves ``seconds`` to the manifest's step times: ``summary.json`` is the same
    bytes for the same inputs)."""


def _perturbation(g: ModeGraph) -> np.ndarray:
    """Per arc: the tie-break of its stage, so that a path's sum is
    :math:`\\delta(1 + \text{conversions} + r_p/|P|)(1 + i_c/n)` (module docstring): the
    rank :math:`r_p/|P| = \\sum_s m_s 3^{-1-s}` (the path read in base 3), the 1 on the
    arcs from the source."""
    n = len(g.centres)
    weight = 1.0 + np.argsort(np.argsort(g.centres.astype(str))) / max(n, 1)
    rank = g.mode * float(len(MODES)) ** (-1.0 - g.stage)
    first = (g.stage == 0).astype(float)
    return TIE_KCNY * (first + g.change + rank) * weight[g.centre]


def _olive_rows(
    g: ModeGraph, stages: list[int], olive: OliveSpec | None
) -> list[tuple[int, float, list[tuple[int, float]], float]]:
    """Olive rows as (stage, upper bound, terms on the arc columns, kCNY per unit-year of
    violation)."""
    if olive is None:
        return []
    out = []
    reg = olive.region.reindex(g.centres).astype(str).to_numpy()
    lev = olive.level.reindex(g.centres).astype(str).to_numpy()
    apw = olive.area_per_window.reindex(g.centres).astype(float).to_numpy()
    for s in (s for s in olive.stages if s in stages):
        j = stages.index(s)
        arcs = np.flatnonzero(g.stage == j)
        windows = g.w[g.centre[arcs], j, g.mode[arcs]]
        for region in sorted(set(reg)):
            for measure, penalty in olive.penalties:
                coef = np.ones(len(g.centres)) if measure == "windows" else apw
                for narrow, wide in PAIRS:
                    terms: list[tuple[int, float]] = []
                    const = 0.0
                    for lv, sign in ((narrow, 1.0), (wide, -1.0)):
                        for c in np.flatnonzero((reg == region) & (lev == lv)):
                            if measure == "area_in_use":
                                const += sign * olive.desk_area.get((s, str(g.centres[c])), 0.0)
                            mine = (g.centre[arcs] == c) & (windows != 0)
                            terms += [
                                (int(a), sign * coef[c] * float(v))
                                for a, v in zip(arcs[mine], windows[mine], strict=True)
                            ]
                    per = HARD_PENALTY if olive.hard else penalty
                    out.append((s, -const, terms, per))
    return out


def _top_heavy_rows(
    g: ModeGraph, stages: list[int], spec: AreaSpec, top: TopHeavySpec
) -> list[tuple[int, float, list[tuple[int, float]], float]]:
    r"""Top-heavy rows as :func:`_olive_rows` gives the olive's, per stage and region:
    :math:`(1-\theta_s) \sum_{U} (A_{cs} + x_{csp}) - \theta_s \sum_{\text{lower}}
    (\alpha_c W_{csp} + \alpha_{bo} z_{cs}) \le h_{sr}`, :math:`h` paid at the penalty a
    m2-year (:math:`A` the LP's floor area, :math:`x` the path's extra, on the arcs into the
    stage). The excess is the plan's, so the extra area of province and city costs the
    penalty only above the cap."""
    out = []
    reg = top.region.reindex(g.centres).astype(str).to_numpy()
    upper = top.upper.reindex(g.centres).eq(True).to_numpy(dtype=bool)
    apw = top.area_per_window.reindex(g.centres).fillna(0.0).astype(float).to_numpy()
    for j, s in enumerate(stages):
        theta = top.share[s]
        arcs = np.flatnonzero(g.stage == j)
        c_of = g.centre[arcs]
        windows = g.w[c_of, j, g.mode[arcs]]
        extra = g.area["extra"][arcs] if g.area is not None else np.zeros(len(arcs))
        size = np.where(upper[c_of], extra, apw[c_of] * windows)
        coef = np.where(upper[c_of], 1.0 - theta, -theta)
        for region in sorted(set(reg)):
            const = 0.0
            for c in np.flatnonzero(reg == region):
                if upper[c]:
                    const += (1.0 - theta) * float(spec.floor[c, j])
                else:
                    const -= theta * top.desk_area.get((s, str(g.centres[c])), 0.0)
            mine = (reg[c_of] == region) & (size != 0)
            terms = [
                (int(a), float(k) * float(v))
                for a, k, v in zip(arcs[mine], coef[mine], size[mine], strict=True)
            ]
            out.append((s, -const, terms, top.penalty))
    return out


def _flow_rows(h: highspy.Highs, g: ModeGraph) -> None:
    """One path per centre: out of its source one arc, into every other node that is not
    of the last stage as many as out; with a shortfall cap, the path's shortfall under it."""
    last = int(g.stage.max())
    n_arcs = len(g.tail)
    inner = np.zeros(g.n_nodes, dtype=bool)
    inner[g.head[g.stage < last]] = True
    row_of = np.full(g.n_nodes, -1)
    n = len(g.centres)
    row_of[:n] = np.arange(n)
    row_of[inner] = n + np.arange(int(inner.sum()))
    rows = np.concatenate([row_of[g.tail], row_of[g.head]])
    cols = np.concatenate([np.arange(n_arcs), np.arange(n_arcs)])
    vals = np.concatenate([np.ones(n_arcs), -np.ones(n_arcs)])
    keep = rows >= 0
    matrix = sparse.csr_matrix(
        (vals[keep], (rows[keep], cols[keep])), shape=(n + int(inner.sum()), n_arcs)
    )
    bound = np.concatenate([np.ones(n), np.zeros(int(inner.sum()))])
    h.addRows(
        matrix.shape[0], bound, bound, matrix.nnz,
        matrix.indptr[:-1].astype(np.int32), matrix.indices.astype(np.int32), matrix.data,
    )  # fmt: skip
    if g.short_cap is not None and g.area is not None:
        short = g.area["short"]
        for c in np.unique(g.centre[short > 0]):
            idx = np.flatnonzero((g.centre == c) & (short > 0)).astype(np.int32)
            h.addRow(-highspy.kHighsInf, float(g.short_cap[c]), len(idx), idx, short[idx])


def solve_mode_mip(
    need: pd.DataFrame,
    today: pd.Series,
    stages: list[int],
    lengths: dict[int, float],
    rules: ModeRules,
    olive: OliveSpec | None = None,
    options: MipOptions | None = None,
    area: AreaSpec | None = None,
    top_heavy: TopHeavySpec | None = None,
) -> MipOutcome:
    """The modes of every centre and stage (module docstring), and the MIP's gap and bound.

    Parameters are those of :func:`planner.modes.graph.decide_modes`, plus the olive rows on
    windows (None: no coupling, the answer is every centre's cheapest path), HiGHS's
    stopping rules, the LP's floor area (None: area not priced), with which every path
    pays the floor area its windows need beyond the LP's
    (:func:`planner.modes.graph.area_step`), and the LP's top-heavy rows (None: none;
    they need ``area``), which then replace the LP's: the MIP pays the plan's top-heavy
    excess (``top_heavy_kcny``).
    """
    options = options or MipOptions()
    started = time.perf_counter()
    g = build_graph(need, today, stages, lengths, rules, area)
    n_z = len(g.tail)
    cost = g.cost + _perturbation(g)
    rows = _olive_rows(g, stages, olive)
    n_olive = len(rows)
    if top_heavy is not None and area is not None:
        rows += _top_heavy_rows(g, stages, area, top_heavy)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    h.addVars(n_z, np.zeros(n_z), np.ones(n_z))
    every = np.arange(n_z, dtype=np.int32)
    h.changeColsCost(n_z, every, cost)
    h.changeColsIntegrality(n_z, every, np.full(n_z, highspy.HighsVarType.kInteger))
    _flow_rows(h, g)
    for s, upper, terms, per in rows:
        h.addVar(0.0, inf)
        v = h.getNumCol() - 1
        h.changeColCost(v, lengths[s] * per)
        idx = np.array([k for k, _ in terms] + [v], dtype=np.int32)
        val = np.array([a for _, a in terms] + [-1.0])
        h.addRow(-inf, upper, len(idx), idx, val)
    h.run()
    x = np.asarray(h.getSolution().col_value, dtype=float)
    if len(x) < h.getNumCol():
        msg = f"the window-mode MIP found no plan ({h.modelStatusToString(h.getModelStatus())})"
        raise RuntimeError(msg)
    info = _info(h, g, x, started, (n_olive, len(rows) - n_olive))
    return MipOutcome(chosen_table(g, _walks(g, x[:n_z]), stages, rules), info)


def _walks(g: ModeGraph, x: np.ndarray) -> np.ndarray:
    """The arcs each centre's path takes, (centres, stages): from the source, the arc of the
    largest value out of the node reached (the first on a tie)."""
    n, n_stages = len(g.centres), int(g.stage.max()) + 1
    out = np.zeros((n, n_stages), dtype=np.int64)
    by_tail: dict[int, list[int]] = {}
    for a in range(len(g.tail)):
        by_tail.setdefault(int(g.tail[a]), []).append(a)
    for c in range(n):
        node = c
        for j in range(n_stages):
            arcs = by_tail[node]
            a = arcs[int(np.argmax(x[arcs]))]
            out[c, j] = a
            node = int(g.head[a])
    return out


def _info(
    h: highspy.Highs,
    g: ModeGraph,
    x: np.ndarray,
    started: float,
    n_rows: tuple[int, int],
) -> dict[str, Any]:
    """What the MIP established: its status, objective and dual bound without the tie-break
    perturbation (the bound less the largest perturbation any plan can carry), gap, time,
    and what its olive and top-heavy rows (``n_rows``) cost."""
    status = h.modelStatusToString(h.getModelStatus())
    n_z = len(g.tail)
    pert = _perturbation(g)
    flat = {"centre": g.centre, "stage": g.stage, "tail": g.tail, "head": g.head}
    worst = float(shortest(flat, g.n_nodes, len(g.centres), pert, sign=-1.0).sum())
    objective = float(h.getInfo().objective_function_value) - float(pert @ x[:n_z])
    bound = float(h.getInfo().mip_dual_bound) - worst
    bound = min(bound, objective)
    gap = (objective - bound) / abs(objective) if objective else 0.0
    penalties = x[n_z:] * np.asarray(h.getLp().col_cost_)[n_z:]
    return {
        "status": status,
        "objective_kcny": objective,
        "bound_kcny": bound,
        "gap": max(gap, 0.0),
        "seconds": time.perf_counter() - started,
        "binaries": n_z,
        "olive_rows": n_rows[0],
        "olive_violation_kcny": float(penalties[: n_rows[0]].sum()),
        "top_heavy_rows": n_rows[1],
        "top_heavy_kcny": float(penalties[n_rows[0] :].sum()),
    }
