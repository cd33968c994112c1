r"""Window modes of all centres together: one mixed-integer model solved by HiGHS.

Given the flows (the LP's), :func:`planner.modes.rules.path_costs` gives every centre its
mode paths :math:`p` (one mode per stage, the pace and the big-general standard already
applied) with their integer windows :math:`W_{csp}` and cost :math:`C_{cp}` (window-years,
training and the floor area the windows need beyond the LP's,
:func:`planner.modes.rules.path_areas`: a path short of area under the growth limits is
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

Windows are exactly what the chosen mode needs (one binary per centre and path, no idle
window). The path formulation is the convex hull of each centre's choices, so the LP
relaxation is tight except where olive rows bind; HiGHS stops at ``windows.mode_mip_gap``
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

from planner.modes.rules import AreaSpec, ModeRules, PathCosts, chosen_table, path_costs

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


def _perturbation(pc: PathCosts) -> np.ndarray:
    n, n_paths = pc.total.shape
    rank = np.arange(n_paths) / max(n_paths, 1)
    weight = 1.0 + np.argsort(np.argsort(pc.centres.astype(str))) / max(n, 1)
    return TIE_KCNY * (1.0 + pc.changes + rank[None, :]) * weight[:, None]


def _olive_rows(
    pc: PathCosts, cols: np.ndarray, stages: list[int], olive: OliveSpec | None
) -> list[tuple[int, float, list[tuple[int, float]], float]]:
    """Olive rows as (stage, upper bound, terms on the path columns, kCNY per unit-year of
    violation)."""
    if olive is None:
        return []
    out = []
    reg = olive.region.reindex(pc.centres).astype(str).to_numpy()
    lev = olive.level.reindex(pc.centres).astype(str).to_numpy()
    apw = olive.area_per_window.reindex(pc.centres).astype(float).to_numpy()
    for s in (s for s in olive.stages if s in stages):
        j = stages.index(s)
        windows = pc.w[:, j, :][:, pc.paths[:, j]]  # (centres, paths)
        for region in sorted(set(reg)):
            for measure, penalty in olive.penalties:
                coef = np.ones(len(pc.centres)) if measure == "windows" else apw
                for narrow, wide in PAIRS:
                    terms: list[tuple[int, float]] = []
                    const = 0.0
                    for lv, sign in ((narrow, 1.0), (wide, -1.0)):
                        for c in np.flatnonzero((reg == region) & (lev == lv)):
                            if measure == "area_in_use":
                                const += sign * olive.desk_area.get((s, str(pc.centres[c])), 0.0)
                            terms += [
                                (int(k), sign * coef[c] * windows[c, p])
                                for p, k in enumerate(cols[c])
                                if k >= 0 and windows[c, p] != 0
                            ]
                    per = HARD_PENALTY if olive.hard else penalty
                    out.append((s, -const, terms, per))
    return out


def _top_heavy_rows(
    pc: PathCosts, cols: np.ndarray, stages: list[int], spec: AreaSpec, top: TopHeavySpec
) -> list[tuple[int, float, list[tuple[int, float]], float]]:
    r"""Top-heavy rows as :func:`_olive_rows` gives the olive's, per stage and region:
    :math:`(1-	heta_s) \sum_{U} (A_{cs} + x_{csp}) - 	heta_s \sum_{	ext{lower}}
    (lpha_c W_{csp} + lpha_{bo} z_{cs}) \le h_{sr}`, :math:`h` paid at the penalty a
    m2-year (:math:`A` the LP's floor area, :math:`x` the path's extra). The excess is
    the plan's, so the extra area of province and city costs the penalty only above the
    cap."""
    out = []
    reg = top.region.reindex(pc.centres).astype(str).to_numpy()
    upper = top.upper.reindex(pc.centres).eq(True).to_numpy(dtype=bool)
    apw = top.area_per_window.reindex(pc.centres).fillna(0.0).astype(float).to_numpy()
    for j, s in enumerate(stages):
        theta = top.share[s]
        windows = pc.w[:, j, :][:, pc.paths[:, j]]  # (centres, paths)
        extra = pc.area.extra[:, :, j] if pc.area is not None else np.zeros(windows.shape)
        for region in sorted(set(reg)):
            terms: list[tuple[int, float]] = []
            const = 0.0
            for c in np.flatnonzero(reg == region):
                if upper[c]:
                    const += (1.0 - theta) * float(spec.floor[c, j])
                    size, coef = extra[c], 1.0 - theta
                else:
                    const -= theta * top.desk_area.get((s, str(pc.centres[c])), 0.0)
                    size, coef = apw[c] * windows[c], -theta
                terms += [
                    (int(k), coef * float(size[p]))
                    for p, k in enumerate(cols[c])
                    if k >= 0 and size[p] != 0
                ]
            out.append((s, -const, terms, top.penalty))
    return out


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

    Parameters are those of :func:`planner.modes.rules.decide_modes`, plus the olive rows on
    windows (None: no coupling, the answer is every centre's cheapest path), HiGHS's
    stopping rules, the LP's floor area (None: area not priced), with which every path
    pays the floor area its windows need beyond the LP's
    (:func:`planner.modes.rules.path_areas`), and the LP's top-heavy rows (None: none;
    they need ``area``), which then replace the LP's: the MIP pays the plan's top-heavy
    excess (``top_heavy_kcny``).
    """
    options = options or MipOptions()
    started = time.perf_counter()
    pc = path_costs(need, today, stages, lengths, rules, area)
    ok = np.isfinite(pc.total)
    stuck = ~ok.any(axis=1)  # no path the pace allows: the centre keeps today's mode
    if stuck.any():
        keep = [int(np.flatnonzero((pc.paths == m).all(axis=1))[0]) for m in today.to_numpy()]
        for i in (int(j) for j in np.flatnonzero(stuck)):
            ok[i, keep[i]] = True
            m = int(today.iloc[i])
            per_year = rules.window_cost + (rules.training_cost if m == 2 else 0.0)
            years = np.array([lengths[s] for s in stages])
            pc.total[i, keep[i]] = float(years @ pc.w[i, :, m]) * per_year
            if pc.area is not None:
                pc.total[i, keep[i]] += float(pc.area.kcny[i, keep[i]].sum())
    cols = np.where(ok, np.cumsum(ok.ravel()).reshape(ok.shape) - 1, -1)
    n_z = int(ok.sum())
    cost = (pc.total + _perturbation(pc))[ok]
    rows = _olive_rows(pc, cols, stages, olive)
    n_olive = len(rows)
    if top_heavy is not None and area is not None:
        rows += _top_heavy_rows(pc, cols, stages, area, top_heavy)
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
    for c in range(len(pc.centres)):
        idx = cols[c][cols[c] >= 0].astype(np.int32)
        h.addRow(1.0, 1.0, len(idx), idx, np.ones(len(idx)))
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
    info = _info(h, pc, ok, x, started, (n_olive, len(rows) - n_olive))
    pick = np.full(len(pc.centres), -1)
    for c in range(len(pc.centres)):
        k = cols[c]
        sel = np.flatnonzero(k >= 0)
        pick[c] = sel[np.argmax(x[k[sel]])] if len(sel) else 0
    best = pc.paths[pick]
    return MipOutcome(chosen_table(pc, best, stages, rules), info)


def _info(
    h: highspy.Highs,
    pc: PathCosts,
    ok: np.ndarray,
    x: np.ndarray,
    started: float,
    n_rows: tuple[int, int],
) -> dict[str, Any]:
    """What the MIP established: its status, objective and dual bound without the tie-break
    perturbation (the bound less the largest perturbation any plan can carry), gap, time,
    and what its olive and top-heavy rows (``n_rows``) cost."""
    status = h.modelStatusToString(h.getModelStatus())
    n_z = int(ok.sum())
    pert = _perturbation(pc)
    worst = float(np.where(ok, pert, 0.0).max(axis=1).sum())
    objective = float(h.getInfo().objective_function_value) - float(pert[ok] @ x[:n_z])
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
