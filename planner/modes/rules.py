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
``windows.big_general_max_daily`` (when set) and only at centres of the levels
``windows.big_general_levels`` lists (:func:`bar_big_general`; every level by default).

The decision
------------
Per centre the mode path :math:`m_0, m_1, \dots, m_S` (:math:`m_0` today's mode) minimises

.. math::

    \textstyle\sum_s L_s \big(\omega\, W_{m_s} + \tau\, W_{m_s} [m_s = 2]\big)
    \quad\text{s.t.}\quad 0 \le m_s - m_{s-1} \le p

(:math:`\omega` window cost, :math:`\tau` ``windows.training_cost_per_window_year``,
:math:`p` ``windows.mode_steps_per_stage``; with ``windows.mode_backwards`` the lower bound
is :math:`-p`). Given the flows, centres are independent and each has at most
:math:`3^S` paths; the cost
is a sum over stages that depends on the path only through the mode before and the floor
area kept (below), so the paths are the walks of a layered graph with a node per (stage,
mode, area kept) (:mod:`planner.modes.graph`), which grows linearly with the stages.
:func:`planner.modes.graph.decide_modes` takes the shortest walk: the exact optimum of this
problem (ties: fewer conversions, then the more traditional path).

Given the flows, without coupling rows this is each centre's cheapest path; the planner
chooses all centres' paths together in one mixed-integer model with the LP's olive rows on
windows (:mod:`planner.modes.mip`), with a binary per arc of that graph.

Floor area the windows need
---------------------------
A mode's integer windows need floor area: :math:`\alpha W_s` plus the desks' area, the
desks fixed by the flows. Where that exceeds the LP's floor area :math:`A_s` the path keeps
the extra (:func:`planner.modes.graph.area_step`) and pays for it as the LP pays for
area: area cost per m2-year over the stage's years, and expansion, reduction and conversion
against the LP's own evolution row (an increase first cancels the LP's reduction or
conversion, a decrease first cancels its expansion). A path whose windows the level's
growth limit leaves short of area (e.g. province and city, which may not grow) is forbidden
unless every path the pace allows is short: then the path with the least shortfall is kept
and the shortfall is reported by centre. The plan's floor area is the LP's plus the chosen
path's extra.

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

import math
from collections.abc import Iterable
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
    convert_max_per_window: float | None = None
    """A step towards general windows only where the traditional windows would handle at
    most this many transactions a day each."""


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
    standard), ``served`` (items served), ``daily`` (transactions a day), ``big_ok``,
    ``convert_ok`` (the per-window standard allows a step towards general windows).
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
    per_window = rules.convert_max_per_window
    g["convert_ok"] = True if per_window is None else g["daily"] <= per_window * g["w0"]
    return g[["w0", "w1", "w2", "ded1", "hot", "served", "daily", "big_ok", "convert_ok"]]


def bar_big_general(
    need: pd.DataFrame, level: pd.Series, levels: Iterable[str], stages: Iterable[int]
) -> pd.DataFrame:
    """``need`` (:func:`mode_windows`) with ``big_ok`` false in every stage of ``stages`` at
    every centre whose level (``level``: centre id -> level, every centre of the plan) is not
    one of ``levels`` (``windows.big_general_levels``): such a centre steps at most to small
    general. A barred centre that serves nothing in a stage gets a row there that needs no
    window in any mode (as its absent row would) with ``big_ok`` false, so that it is not
    reported in big general either."""
    barred = level.index[~level.isin(list(levels))]
    grid = pd.MultiIndex.from_product([list(stages), barred], names=["stage", "centre_id"])
    idle = pd.DataFrame(0.0, index=grid.difference(need.index), columns=need.columns)
    idle["big_ok"], idle["convert_ok"] = False, True
    out = pd.concat([need, idle.astype(need.dtypes.to_dict())]) if len(idle) else need.copy()
    at = out.index.get_level_values("centre_id")
    out["big_ok"] = out["big_ok"].astype(bool) & ~np.asarray(at.isin(barred), dtype=bool)
    return out.sort_index()


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
    pace: np.ndarray | None = None
    """(centres, stages): the largest share of the previous stage's floor area a centre
    may lose in a stage (``policy.pace``, 1 where none); the extra is given back only
    within it."""


def at_stage(bound: np.ndarray, j: int) -> np.ndarray:
    """A per-centre bound in stage index ``j`` (the bound is per centre or per centre and
    stage)."""
    return bound if bound.ndim == 1 else bound[:, j]


SHORT_TOL_M2 = 0.5
"""Floor area (m2) a path may lack and still count as fitting (LP noise)."""


def today_modes(
    centres: pd.DataFrame, need: pd.DataFrame, first_stage: int
) -> tuple[pd.Series, pd.Series]:
    """Today's mode per centre and where each comes from.

    A ``mode`` in the centres table is taken as given (source ``data``). Where the column
    is absent or blank, today's windows are held against what each mode would need for the
    items the centre serves today, ``need`` at stage ``first_stage`` (:func:`mode_windows`;
    the plan passes today's demand, :func:`planner.plan.modes.today_need`, so no price moves
    it): traditional where today's windows cover one window per item
    (:math:`W^{today} \\ge W_0`), small general where they cover the dedicated windows of
    the items at or above the standard plus one general window (:math:`\\ge W_1`), else big
    general (source ``inventory``). A centre that serves nothing then needs no window in
    any mode and counts as traditional.
    """
    given = pd.Series("", index=centres.index, dtype=object)
    if "mode" in centres.columns:
        given = centres["mode"].fillna("").astype(str).str.strip()
        bad = given[(given != "") & ~given.isin(MODES)]
        if len(bad):
            msg = (
                f"centres: centre {str(bad.index[0])!r} has mode {bad.iloc[0]!r} in column "
                f"'mode'; expected one of {', '.join(MODES)} or blank"
            )
            raise ValueError(msg)
    first = need.xs(first_stage, level="stage") if len(need) else need
    w0 = first["w0"].reindex(centres.index).fillna(0.0) if len(first) else 0.0
    w1 = first["w1"].reindex(centres.index).fillna(0.0) if len(first) else 0.0
    windows = centres["windows"].astype(float)
    inferred = np.where(windows >= w0, 0, np.where(windows >= w1, 1, 2))
    code = given.map({m: i for i, m in enumerate(MODES)})
    known = code.notna().to_numpy()
    out = np.where(known, code.fillna(0).to_numpy(dtype=np.int64), inferred)
    source = np.where(known, "data", "inventory")
    return (
        pd.Series(out, index=centres.index, dtype=np.int64),
        pd.Series(source, index=centres.index, dtype=object),
    )


def _extras_by_stage(
    cen: pd.DataFrame,
    w_lp: np.ndarray,
    whole: np.ndarray,
    window_cost: float,
    lengths: dict[int, float],
) -> dict[str, dict[str, float]]:
    """:func:`mode_bounds`' integer rounding, mode windows, training and area per stage
    (each stage's length times its yearly values; the same sums, split)."""
    stage = cen["stage"].to_numpy()
    zero = np.zeros(len(cen))
    parts = {
        "integer_rounding_kcny": window_cost * (whole - w_lp),
        "mode_windows_kcny": window_cost * (cen["windows"].to_numpy(dtype=float) - whole),
        "training_kcny": cen["training_kcny"].to_numpy(dtype=float),
    }
    area = cen["area_kcny"].to_numpy(dtype=float) if "area_kcny" in cen else zero
    out: dict[str, dict[str, float]] = {}
    for s in sorted(set(stage.tolist())):
        at = stage == s
        years = float(lengths[s])
        row = {k: years * float(v[at].sum()) for k, v in parts.items()}
        row["area_kcny"] = float(area[at].sum())
        out[str(s)] = row
    return out


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
    out["by_stage"] = _extras_by_stage(cen, w_lp, whole, rules.window_cost, lengths)
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
