r"""Window modes (窗口模式) as a decision: what each mode needs, and the best path per centre.

The paper's third pillar (seed, section 3.3) converts front windows step by step:
traditional 一人一事一窗 (mode 0) -> small general 小全科 (mode 1) -> big general 大全科
(mode 2). A mode changes how many windows a centre needs for the same work.

Windows a mode needs
--------------------
At centre :math:`c` in stage :math:`s`, item :math:`k` has window load :math:`\ell_k`
(thousand window-minutes a year, :math:`\mu_k x`) and :math:`v_k` transactions a working
day; :math:`\kappa` is a window's usable thousand minutes a year and :math:`K` the items
served (:math:`\ell_k > 0`). With :math:`n_k = \max(1, \lceil \ell_k / \kappa \rceil)`:

.. math::

    W_0 &= \textstyle\sum_{k \in K} n_k && \text{traditional: every item its own window(s)}\\
    W_1 &= \textstyle\sum_{k \in H} n_k
        + G\big(\textstyle\sum_{k \in K \setminus H} \ell_k\big)
        && \text{small general}\\
    W_2 &= \max\big(1, \lceil \textstyle\sum_{k \in K} \ell_k / (\kappa \epsilon) \rceil\big)
        && \text{big general}

with :math:`H = \{k \in K : v_k \ge \bar v\}` the items at or above the volume standard
``windows.dedicated_min_daily`` (transactions per window-day) and :math:`\epsilon`
``windows.pooling_efficiency``. The general windows of small general are
:math:`G(\ell) = \max(1, \lceil \ell / \kappa \rceil)` for the items below the standard,
and none where every item served is at or above it (:math:`G(0) = 0`: no idle window).
A centre that serves nothing needs no window in any mode.
Big general is allowed only where the centre's daily transactions stay at or below
``windows.big_general_max_daily`` (when set).

The decision
------------
Per centre the mode path :math:`m_0, m_1, \dots, m_S` (:math:`m_0` today's mode) minimises

.. math::

    \textstyle\sum_s L_s \big(\omega\, W_{m_s} + \tau\, W_{m_s} [m_s = 2]\big)
    \quad\text{s.t.}\quad 0 \le m_s - m_{s-1} \le p

(:math:`\omega` window cost, :math:`\tau` ``windows.training_cost_per_window_year``,
:math:`p` ``windows.mode_steps_per_stage``; with ``windows.mode_backwards`` the lower bound
is :math:`-p`). Given the flows, centres are independent and each has at most
:math:`3^S` paths: :func:`decide_modes` enumerates them all, so the path is the exact
optimum of this problem (ties: fewer conversions, then the more traditional path).

Given the flows, without coupling rows this is each centre's cheapest path; the planner
chooses all centres' paths together in one mixed-integer model with the LP's olive rows on
windows (:mod:`planner.modes.mip`), which uses :func:`path_costs` and
:func:`chosen_table`.

Floor area the windows need
---------------------------
A mode's integer windows need floor area: :math:`\alpha W_s` plus the desks' area, the
desks fixed by the flows. Where that exceeds the LP's floor area :math:`A_s` the path keeps
the extra (:func:`path_areas`) and pays for it as the LP pays for area: area cost per
m2-year over the stage's years, and expansion, reduction and conversion against the LP's
own evolution row (an increase first cancels the LP's reduction or conversion, a decrease
first cancels its expansion). A path whose windows the level's growth limit leaves short
of area (e.g. province and city, which may not grow) is forbidden unless every path the
pace allows is short: then the path with the least shortfall is kept and the shortfall is
reported by centre. The plan's floor area is the LP's plus the chosen path's extra.

Bound on the joint problem
--------------------------
The joint problem chooses flows, modes, integer windows and floor area together. The flows
come from the LP, which pools all window time of a centre
(:math:`w = \sum_k \ell_k / \kappa`). Every mode needs at least the pooled windows (with
``windows.pooling_efficiency`` at most 1), so the LP's optimum is a lower bound on the joint
problem when its window-time rows may be relaxed to inequalities without changing it (no
positive window-time dual: :func:`planner.plan.modes.lp_side`): any joint plan, with its
windows :math:`W` and its floor area, is a point of the relaxed LP (:math:`w = W`, the
same areas, expansion, reduction and conversion, so the same area costs; training
:math:`\ge 0` dropped), and so costs at least the LP's optimum. Paying for the extra
area does not change this: the relaxed LP already carries every area the joint problem
could choose. The plan (the LP's flows, the chosen modes, their integer windows, the extra
area, training and the olive on integer windows) is a point of the joint problem when its
windows fit (no shortfall), and its cost is counted at most (the gain of the extra area
in a lower station shortfall is left out; the top-heavy excess is the plan's, from the
mode MIP's top-heavy rows): :func:`mode_bounds` reports both, the gap and its parts:
rounding the LP's windows up to integers, the windows the chosen modes need beyond that,
training, the extra floor area (``area_kcny``) and the change in olive and top-heavy
penalties. The gap is proven only when the bound is valid and no centre is short of area.
The bound ignores integrality, so the gap is mostly rounding and training that every
integer plan pays.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MODES: tuple[str, ...] = ("traditional", "small_general", "big_general")
"""Window modes, in the order conversion goes."""
ROUND = 6
"""Decimals kept before rounding window counts up (LP noise never adds a window)."""


@dataclass(frozen=True)
class ModeRules:
    """The mode standards and pace (from ``[windows]``), in model units."""

    standard_daily: float
    """Transactions a day at or above which an item keeps dedicated windows (small general)."""
    big_max_daily: float | None
    """Big general only at centres whose daily transactions stay at or below this."""
    window_cost: float
    """kCNY per window-year."""
    training_cost: float
    """kCNY per big-general window-year."""
    pooling_efficiency: float
    steps_per_stage: int
    backwards: bool


def _up(x: np.ndarray) -> np.ndarray:
    return np.ceil(np.round(x, ROUND))


def mode_windows(items: pd.DataFrame, capacity: pd.Series, rules: ModeRules) -> pd.DataFrame:
    """Windows each mode needs per (stage, centre).

    Parameters
    ----------
    items
        One row per (stage, centre_id, item_id) served: ``load`` (thousand window-minutes a
        year) and ``daily`` (transactions a working day).
    capacity
        Centre id -> a window's usable thousand minutes a year.
    rules
        The standards.

    Returns
    -------
    DataFrame indexed by (stage, centre_id): ``w0``, ``w1``, ``w2`` (windows in each mode),
    ``ded1`` (dedicated windows of small general), ``hot`` (items at or above the
    standard), ``served`` (items served), ``daily`` (transactions a day), ``big_ok``.
    """
    f = items[items["load"] > 0].copy()
    kappa = f["centre_id"].map(capacity).to_numpy(dtype=float)
    f["n"] = np.maximum(1.0, _up(f["load"].to_numpy() / kappa))
    f["hot"] = f["daily"] >= rules.standard_daily
    f["ded"] = np.where(f["hot"], f["n"], 0.0)
    f["cold_load"] = np.where(f["hot"], 0.0, f["load"])
    g = f.groupby(["stage", "centre_id"]).agg(
        w0=("n", "sum"),
        ded1=("ded", "sum"),
        cold=("cold_load", "sum"),
        load=("load", "sum"),
        hot=("hot", "sum"),
        served=("n", "size"),
        daily=("daily", "sum"),
    )
    kap = g.index.get_level_values("centre_id").map(capacity).to_numpy(dtype=float)
    cold = g["cold"].to_numpy()
    general = np.where(cold > 0, np.maximum(1.0, _up(cold / kap)), 0.0)
    g["w1"] = g["ded1"] + general  # no general window where every item has its own
    g["w2"] = np.maximum(1.0, _up(g["load"].to_numpy() / (kap * rules.pooling_efficiency)))
    g["big_ok"] = True if rules.big_max_daily is None else g["daily"] <= rules.big_max_daily
    return g[["w0", "w1", "w2", "ded1", "hot", "served", "daily", "big_ok"]]


def _paths(n_stages: int) -> np.ndarray:
    """Every mode path over the stages, shape (paths, stages), most traditional first."""
    return np.array(list(itertools.product(range(len(MODES)), repeat=n_stages)), dtype=np.int64)


@dataclass(frozen=True)
class PathCosts:
    """Every centre's mode paths and what each costs (:func:`path_costs`)."""

    centres: np.ndarray
    """Centre ids, in the order of today's modes."""
    full: pd.DataFrame
    """:func:`mode_windows` on every (stage, centre)."""
    w: np.ndarray
    """Windows per (centre, stage, mode)."""
    paths: np.ndarray
    """Every path, shape (paths, stages), most traditional first."""
    total: np.ndarray
    """kCNY per (centre, path) over the stages (windows and training), inf where the pace or
    the big-general standard forbids the path."""
    changes: np.ndarray
    """Conversions per (centre, path)."""
    area: PathAreas | None = None
    """Floor area each path needs beyond the LP's (:func:`path_areas`; None: not priced)."""


@dataclass(frozen=True)
class AreaSpec:
    """The LP's floor area per centre (rows in the order of today's modes) and stage, and
    what changing it costs (model units: m2, kCNY)."""

    floor: np.ndarray
    """(centres, stages): the LP's floor area."""
    desk: np.ndarray
    """(centres, stages): m2 of the back-office desks (fixed by the flows)."""
    expand: np.ndarray
    """(centres, stages): the LP's expansion."""
    reduce: np.ndarray
    """(centres, stages): the LP's reduction."""
    convert: np.ndarray
    """(centres, stages): the LP's conversion of surplus (0 without it)."""
    area_per_window: np.ndarray
    """(centres,): m2 a window needs."""
    growth: np.ndarray
    """(centres,) or (centres, stages): the largest expansion per stage (inf unbounded, 0
    forbidden), as the LP bounds it (a county's phase may set it, ``policy.by_phase``)."""
    shrink: np.ndarray
    """(centres,) or (centres, stages): the largest reduction per stage, as the LP bounds
    it."""
    per_m2_year: np.ndarray
    """(centres, stages): kCNY per m2-year of floor area (the area cost; the top-heavy
    penalty is the mode MIP's rows, :class:`planner.modes.mip.TopHeavySpec`)."""
    expansion_cost: float
    reduction_cost: float
    convert_cost: float


@dataclass(frozen=True)
class PathAreas:
    """Per (centre, path, stage): the floor area beyond the LP's the path keeps
    (``extra``), what its windows still lack (``short``), the extra's cost (``kcny``,
    the stage's years) and the LP's conversion it keeps instead (``unconverted``)."""

    extra: np.ndarray
    short: np.ndarray
    kcny: np.ndarray
    unconverted: np.ndarray


def _at(bound: np.ndarray, j: int) -> np.ndarray:
    """A per-centre bound in stage index ``j`` (the bound is per centre or per centre and
    stage)."""
    return bound if bound.ndim == 1 else bound[:, j]


def path_areas(w: np.ndarray, paths: np.ndarray, years: np.ndarray, spec: AreaSpec) -> PathAreas:
    r"""The floor area each path's integer windows need beyond the LP's, and its cost.

    Stage by stage (:math:`x_0 = 0`), the path's windows :math:`W_s` need
    :math:`N_s = \alpha W_s + \alpha_{bo} z_s` (desks :math:`z_s` the LP's) and the extra
    aimed at is :math:`t_s = \max(0, N_s - A_s)` over the LP's area :math:`A_s`. The change
    :math:`t_s - x_{s-1}` is made the cheapest way the LP's own evolution row
    :math:`A_s - A_{s-1} - e_s + r_s + q_s = 0` allows, against the LP's :math:`e, r, q`:

    * an increase first cancels the LP's reduction (saves :math:`\delta` a m2) and its
      conversion of surplus (saves the conversion cost), the dearer first, then expands
      (:math:`\epsilon` a m2) within the growth limit left, :math:`\gamma A^0 - e_s`
      (none where growth is forbidden);
    * a decrease first cancels the LP's expansion (saves :math:`\epsilon`), then reduces
      (:math:`\delta`) within the shrink limit left; what cannot be given back is kept.

    The extra kept is :math:`x_s` (at most :math:`t_s` when growing, at least when
    shrinking), the shortfall :math:`\max(0, N_s - A_s - x_s)` and the cost
    :math:`L_s a_c x_s` plus the evolution terms above. What the extra does to the
    top-heavy excess is priced by the mode MIP's top-heavy rows, not here; area kept never
    lowers the station shortfall the plan reports (that gain is left out).
    """
    n, n_stages = spec.floor.shape
    shape = (n, len(paths), n_stages)
    extra, short, kcny, kept = (np.zeros(shape) for _ in range(4))
    rows = np.arange(n)[:, None]
    x = np.zeros((n, len(paths)))
    for j in range(n_stages):
        windows = w[rows, j, paths[None, :, j]]  # (centres, paths)
        need = spec.area_per_window[:, None] * windows + spec.desk[:, j, None]
        gap = np.round(need - spec.floor[:, j, None], ROUND)
        change = np.maximum(gap, 0.0) - x
        up, down = np.maximum(change, 0.0), np.maximum(-change, 0.0)
        if spec.convert_cost > spec.reduction_cost:  # cancel the dearer one first
            un_convert = np.minimum(up, spec.convert[:, j, None])
            un_reduce = np.minimum(up - un_convert, spec.reduce[:, j, None])
        else:
            un_reduce = np.minimum(up, spec.reduce[:, j, None])
            un_convert = np.minimum(up - un_reduce, spec.convert[:, j, None])
        room = np.maximum(_at(spec.growth, j) - spec.expand[:, j], 0.0)[:, None]
        grow = np.minimum(up - un_reduce - un_convert, room)
        un_expand = np.minimum(down, spec.expand[:, j, None])
        room = np.maximum(_at(spec.shrink, j) - spec.reduce[:, j], 0.0)[:, None]
        cut = np.minimum(down - un_expand, room)
        x = x + un_reduce + un_convert + grow - un_expand - cut
        extra[:, :, j] = x
        kept[:, :, j] = un_convert
        short[:, :, j] = np.maximum(gap - x, 0.0)
        kcny[:, :, j] = (
            years[j] * spec.per_m2_year[:, j, None] * x
            + spec.expansion_cost * (grow - un_expand)
            + spec.reduction_cost * (cut - un_reduce)
            - spec.convert_cost * un_convert
        )
    return PathAreas(*(np.round(a, ROUND) for a in (extra, short, kcny, kept)))


SHORT_TOL_M2 = 0.5
"""Floor area (m2) a path may lack and still count as fitting (LP noise)."""


def path_costs(
    need: pd.DataFrame,
    today: pd.Series,
    stages: list[int],
    lengths: dict[int, float],
    rules: ModeRules,
    area: AreaSpec | None = None,
) -> PathCosts:
    """The cost of every mode path of every centre (module docstring), inf where forbidden.

    With ``area`` (:func:`path_areas`) a path also pays the floor area its windows need
    beyond the LP's; a path whose windows the growth limits leave short of area is
    forbidden, unless every path the pace allows is short: then only the paths with the
    least shortfall stay (the shortfall is reported).
    """
    centres = today.index.to_numpy()
    n, S = len(centres), len(stages)
    full = need.reindex(pd.MultiIndex.from_product([stages, centres]))
    w = np.stack(
        [
            full[f"w{m}"].astype(float).fillna(0.0).to_numpy().reshape(S, n).T
            for m in range(len(MODES))
        ],
        axis=2,
    )  # (centres, stages, modes)
    big_ok = full["big_ok"].astype(object).fillna(True).to_numpy(dtype=bool).reshape(S, n).T
    years = np.array([lengths[s] for s in stages])
    per_year = w * rules.window_cost
    per_year[:, :, 2] += w[:, :, 2] * rules.training_cost
    cost = per_year * years[None, :, None]
    cost[:, :, 2] = np.where(big_ok, cost[:, :, 2], np.inf)
    paths = _paths(S)
    total = np.zeros((n, len(paths)))
    for j in range(S):
        total += cost[:, j, :][:, paths[:, j]]
    prev = np.concatenate(
        [
            np.broadcast_to(today.to_numpy()[:, None, None], (n, len(paths), 1)),
            np.broadcast_to(paths[None, :, :-1], (n, len(paths), S - 1)),
        ],
        axis=2,
    )
    step = paths[None, :, :] - prev
    lo = -rules.steps_per_stage if rules.backwards else 0
    ok = ((step >= lo) & (step <= rules.steps_per_stage)).all(axis=2)
    areas = None if area is None else path_areas(w, paths, years, area)
    if areas is not None:
        total = total + areas.kcny.sum(axis=2)
        short = areas.short.sum(axis=2)
        least = np.where(ok & np.isfinite(total), short, np.inf).min(axis=1, initial=np.inf)
        ok &= short <= np.maximum(least, 0.0)[:, None] + SHORT_TOL_M2
    total = np.where(ok, np.round(total, 6), np.inf)
    return PathCosts(centres, full, w, paths, total, (step != 0).sum(axis=2), areas)


def decide_modes(
    need: pd.DataFrame,
    today: pd.Series,
    stages: list[int],
    lengths: dict[int, float],
    rules: ModeRules,
) -> pd.DataFrame:
    """The cheapest mode path per centre (module docstring), by enumerating every path.

    Parameters
    ----------
    need
        :func:`mode_windows` (centres that serve nothing in a stage need no window there).
    today
        Centre id -> today's mode index (every centre of the plan).
    stages, lengths
        Stage numbers and their years.
    rules
        Standards, costs and pace.

    Returns
    -------
    DataFrame indexed by (stage, centre_id) for every centre and stage: ``mode`` and
    ``windows``, ``windows_dedicated``, ``windows_general``, ``windows_traditional``,
    ``dedicated_items`` and ``training_kcny`` (a year).
    """
    pc = path_costs(need, today, stages, lengths, rules)
    order = np.lexsort(
        (np.broadcast_to(np.arange(len(pc.paths)), pc.total.shape), pc.changes, pc.total)
    )
    best = pc.paths[order[:, 0]]  # (centres, stages)
    return chosen_table(pc, best, stages, rules)


def chosen_table(
    pc: PathCosts, best: np.ndarray, stages: list[int], rules: ModeRules
) -> pd.DataFrame:
    """The chosen path ``best`` (centres, stages) as a (stage, centre_id) table."""
    full, w, centres = pc.full, pc.w, pc.centres
    n, S = len(centres), len(stages)
    rows = np.arange(n)
    ded1 = full["ded1"].astype(float).fillna(0.0).to_numpy().reshape(S, n).T
    hot = full["hot"].astype(float).fillna(0.0).to_numpy().reshape(S, n).T
    served = full["served"].astype(float).fillna(0.0).to_numpy().reshape(S, n).T
    frames = []
    for j, s in enumerate(stages):
        m = best[:, j]
        windows = w[rows, j, m]
        dedicated = np.select([m == 0, m == 1], [windows, ded1[:, j]], 0.0)
        frames.append(
            pd.DataFrame(
                {
                    "stage": s,
                    "centre_id": centres,
                    "mode": np.array(MODES, dtype=object)[m],
                    "windows": windows,
                    "windows_dedicated": dedicated,
                    "windows_general": windows - dedicated,
                    "windows_traditional": w[:, j, 0],
                    "dedicated_items": np.select([m == 0, m == 1], [served[:, j], hot[:, j]], 0),
                    "training_kcny": np.where(m == 2, windows * rules.training_cost, 0.0),
                    **_chosen_area(pc, best, j),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).set_index(["stage", "centre_id"])


def _chosen_area(pc: PathCosts, best: np.ndarray, j: int) -> dict[str, np.ndarray]:
    """The chosen paths' extra floor area, shortfall (m2) and area cost (kCNY over the
    stage) in stage ``j``; zeros when area is not priced."""
    n = len(pc.centres)
    if pc.area is None:
        names = ("area_extra_m2", "area_short_m2", "area_kcny", "area_unconverted_m2")
        return {k: np.zeros(n) for k in names}
    # paths are in itertools.product order: the index is the path read in base len(MODES)
    k = best @ (len(MODES) ** np.arange(best.shape[1] - 1, -1, -1))
    rows = np.arange(n)
    return {
        "area_extra_m2": pc.area.extra[rows, k, j],
        "area_short_m2": pc.area.short[rows, k, j],
        "area_kcny": pc.area.kcny[rows, k, j],
        "area_unconverted_m2": pc.area.unconverted[rows, k, j],
    }


def today_modes(
    centres: pd.DataFrame, need: pd.DataFrame, first_stage: int
) -> tuple[pd.Series, str]:
    """Today's mode per centre and where it comes from.

    A ``mode`` column in the centres table is taken as given (source ``data``). Otherwise
    today's windows are held against what each mode would need for the items the centre
    serves today, ``need`` at stage ``first_stage`` (:func:`mode_windows`; the plan passes
    today's demand, :func:`planner.plan.modes.today_need`, so no price moves it):
    traditional where today's windows cover one window per item
    (:math:`W^{today} \\ge W_0`), small general where they cover the dedicated windows of
    the items at or above the standard plus one general window (:math:`\\ge W_1`), else big
    general (source ``inventory``). A centre that serves nothing then needs no window in
    any mode and counts as traditional.
    """
    if "mode" in centres.columns:
        mode = centres["mode"].astype(str).str.strip()
        bad = mode[~mode.isin(MODES)]
        if len(bad):
            msg = (
                f"centres: centre {str(bad.index[0])!r} has mode {bad.iloc[0]!r} in column "
                f"'mode'; expected one of {', '.join(MODES)}"
            )
            raise ValueError(msg)
        return mode.map({m: i for i, m in enumerate(MODES)}).astype(np.int64), "data"
    first = need.xs(first_stage, level="stage") if len(need) else need
    w0 = first["w0"].reindex(centres.index).fillna(0.0)
    w1 = first["w1"].reindex(centres.index).fillna(0.0)
    windows = centres["windows"].astype(float)
    out = np.where(windows >= w0, 0, np.where(windows >= w1, 1, 2))
    return pd.Series(out, index=centres.index, dtype=np.int64), "inventory"


def mode_bounds(
    centres: pd.DataFrame,
    objective: float | None,
    lengths: dict[int, float],
    rules: ModeRules,
    mip: dict[str, Any] | None = None,
    lower: float | None = None,
) -> dict[str, Any]:
    """Lower bound, the plan's cost with its modes, and the gap (module docstring).

    ``centres`` is the plan's centre table (stages > 0 carry ``windows_lp``, ``windows``
    and ``training_kcny``); ``objective`` the LP optimum (kCNY). ``mip`` is the mode
    MIP's report (:func:`planner.modes.mip.solve_mode_mip`) with the LP's own window
    and olive-on-windows terms (``lp_windows_kcny``, ``lp_olive_kcny``): the plan's cost is
    then the LP's with those terms replaced by the MIP's (integer windows, training, olive
    on integer windows). ``lower`` is the best valid lower bound (default: the LP optimum);
    ``mip["bound_valid"]`` False (the LP's duals do not show it valid) leaves the gap
    unproven, as does floor area the plan's windows need beyond the LP's
    (``mip["area_short_m2"]`` > 0).
    """
    cen = centres[centres["stage"] > 0]
    years = cen["stage"].map(lengths).to_numpy(dtype=float)
    w_lp = cen["windows_lp"].to_numpy(dtype=float)
    whole = _up(w_lp)
    lp_windows = float((years * w_lp).sum())
    rounding = rules.window_cost * float((years * (whole - w_lp)).sum())
    modes = rules.window_cost * float(
        (years * (cen["windows"].to_numpy(dtype=float) - whole)).sum()
    )
    training = float((years * cen["training_kcny"].to_numpy(dtype=float)).sum())
    area = float(cen["area_kcny"].sum()) if "area_kcny" in cen else 0.0
    extra = rounding + modes + training + area
    out: dict[str, Any] = {
        "method": "LP flows, then one MIP over every centre's mode path (HiGHS)"
        if mip
        else "LP flows, then every mode path per centre (exact given the flows)",
        "pooling_efficiency": rules.pooling_efficiency,
        "integer_rounding_kcny": rounding,
        "mode_windows_kcny": modes,
        "training_kcny": training,
        "area_kcny": area,
    }
    if "area_extra_m2" in cen and "level" in cen:
        by = cen.groupby(["stage", "level"])["area_extra_m2"].sum()
        out["area_extra_m2"] = {
            str(s): {str(lv): float(m2) for lv, m2 in by[s].items()}
            for s in sorted(set(cen["stage"]))
        }
    valid = True
    if mip:
        out["mip"] = dict(mip)
        priced = float(mip.get("lp_windows_kcny", rules.window_cost * lp_windows))
        out["lp_priced_kcny"] = priced - rules.window_cost * lp_windows
        out["olive_kcny"] = float(mip["olive_violation_kcny"]) - float(mip.get("lp_olive_kcny", 0))
        extra += out["olive_kcny"] - out["lp_priced_kcny"]
        if "top_heavy_kcny" in mip and "lp_top_heavy_kcny" in mip:
            # the MIP's top-heavy rows (the plan's excess) replace the LP's
            out["top_heavy_kcny"] = float(mip["top_heavy_kcny"]) - float(mip["lp_top_heavy_kcny"])
            extra += out["top_heavy_kcny"]
        valid = bool(mip.get("bound_valid", True)) and float(mip.get("area_short_m2", 0.0)) < 0.5
    if objective is None:
        return out
    if lower is None:
        shrink = 1.0 - 1.0 / max(1.0, rules.pooling_efficiency)
        lower = objective - rules.window_cost * lp_windows * shrink
    plan = objective + extra
    out["lower_bound_kcny"] = lower
    out["plan_cost_kcny"] = plan
    out["gap"] = (plan - lower) / plan if plan > 0 else 0.0
    out["gap_proven"] = math.isfinite(out["gap"]) and valid
    return out
