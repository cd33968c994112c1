r"""A lower bound on the joint problem (flows, window modes, integer windows) as one LP.

The joint problem is the window-relaxed LP (window time ``load <= kappa w``) in which every
centre's windows in every stage are the integer windows of a mode reachable under the pace
(:mod:`planner.modes.rules`): traditional, small general, big general, big general paying
training per window-year. This module writes a relaxation of it as an LP, the Lagrangian
dual's value of :mod:`planner.solve.int_bound` computed directly for a weaker (conic) block.

Cones
-----
At a centre-stage (a *block*: window capacity :math:`\kappa`, arcs :math:`a` with window
minutes :math:`\mu_a` and volume at most :math:`U_a`, the demand their row holds) let
:math:`\ell_k = \sum_{a \in k} \mu_a x_a` be item :math:`k`'s load, :math:`L_k = \sum_{a
\in k} \mu_a U_a` the most it can be, :math:`V_k = \sum_{a \in k} U_a` its most volume,
:math:`\bar\mu_k = \max_{a \in k} \mu_a` and :math:`T` the volume standard of small general
(an item below it is *cold*). Each mode's set of (loads, windows) relaxes to a cone through 0:

* an item on its own windows (traditional, or hot under small general):
  :math:`n_k \ge \max(1, \lceil \ell_k / \kappa \rceil)` when served, so
  :math:`n_k \ge \ell_k / r_k` with :math:`r_k = \min(\kappa, L_k)`; under small general only
  an item that can reach the standard (:math:`V_k \ge T`) may be dedicated;
* the general windows :math:`G` of small general hold cold items only:
  :math:`G \ge \max(1, \lceil \sum \ell / \kappa \rceil)` when any, so
  :math:`G \ge \sum_k c_k / r_C` with :math:`r_C = \min(\kappa, \sum_k \min(L_k, \bar\mu_k
  T))`, and each cold item's load is below :math:`\bar\mu_k T \le \bar\mu_k T G`
  (:math:`G \ge 1`): :math:`c_k \le \bar\mu_k T G`;
* big general's pooled windows :math:`B \ge \max(1, \lceil \sum \ell / (\kappa\epsilon)
  \rceil)`: :math:`B \ge \sum_k b_k / r_B`, :math:`r_B = \min(\kappa\epsilon, \sum_k L_k)`,
  with training :math:`\tau Y B` (:math:`Y` the stage's years).

Every inequality is homogeneous and holds on its mode's integer set, so it holds on the
set's conic hull. The convex hull of a union of cones through 0 is their sum, so the block's
loads split into parts :math:`\ell_k \le d_k + c_k + b_k` (dedicated, cold pooled, big
pooled; only the parts of the modes reachable there) with
:math:`w \ge \sum_k d_k / r_k + G + \sum_k b_k / r_B`, training :math:`\tau Y / r_B` a unit of
:math:`b`. Any joint plan maps to a point of this LP at no higher cost: its mode's loads go
to that mode's parts, its windows :math:`w` are at least the parts' sum, the training it
pays is at least :math:`\tau Y B`; every other row and column is the LP's. So the LP's
optimum is a lower bound on the joint problem.

The LP's pooled row (:math:`\sum \mu x \le \kappa w`) is kept (valid: every mode needs at
least the pooled windows when :math:`\epsilon \le 1`), and a block where every item may be
dedicated at :math:`r_k = \kappa` gets nothing more (its dedicated cone is the pooled row).

Reachable modes
---------------
Left out (relaxations): the stage-to-stage coupling of the pace (each block takes every mode
some allowed path reaches there), the standards that depend on the flows (the big-general
daily cap, the per-window conversion standard). Kept (data only): today's mode, the pace's
step limits, the levels that may run big general, and the phases in which a county's centres
may step towards general windows. Today's mode is always reachable (a centre no path fits
keeps it).

Not part of the run: on the Jiangsu default it rises 0.43% above the LP, almost all of it the
training the pace forces (docs/window-modes.md, "The Lagrangian dual's value as one LP").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from planner.solve.backends import LpArrays

Modes = tuple[bool, bool, bool]
"""Traditional, small general, big general reachable."""
ALL: Modes = (True, True, True)


@dataclass(frozen=True)
class ConeRules:
    """Mode rules in model units."""

    years: Mapping[int, float]
    """Stage -> years."""
    training: float
    """kCNY per big-general window-year."""
    hot_volume: float
    """Thousand transactions a year at which an item may keep dedicated windows."""
    pooling: float = 1.0
    reach: Mapping[tuple[int, str], Modes] = field(default_factory=dict)
    """(stage, centre) -> modes reachable there (absent: all three)."""


def reachable(
    today: Mapping[str, int],
    stages: list[int],
    may_convert: Mapping[tuple[int, str], bool],
    big_ok: Mapping[str, bool],
    steps: int,
    backwards: bool,
) -> dict[tuple[int, str], Modes]:
    """Per (stage, centre) the modes some path the pace allows reaches (today's mode
    always included). ``may_convert``: a step towards general windows allowed there
    (absent: allowed); ``big_ok``: the centre's level may run big general (absent: yes)."""
    out: dict[tuple[int, str], Modes] = {}
    lo = -steps if backwards else 0
    for c, m0 in today.items():
        reach = {int(m0)}
        for s in stages:
            may = may_convert.get((s, c), True)
            nxt = set()
            for a in reach:
                for b in range(3):
                    step = b - a
                    if lo <= step <= steps and (step <= 0 or may):
                        nxt.add(b)
            if not big_ok.get(c, True):
                nxt.discard(2)
            reach = nxt
            got = reach | {int(m0)}
            out[s, c] = (0 in got, 1 in got, 2 in got)
    return out


@dataclass
class _Blocks:
    """The window-time rows' blocks as flat arrays (segments = (block, item))."""

    stage: np.ndarray
    centre: list[str]
    w_col: np.ndarray
    kappa: np.ndarray
    arc_col: np.ndarray
    arc_mu: np.ndarray
    arc_seg: np.ndarray
    seg_block: np.ndarray
    seg_load: np.ndarray
    """Most load (L_k)."""
    seg_volume: np.ndarray
    """Most volume (V_k)."""
    seg_mu: np.ndarray
    """Largest minutes of the segment's arcs."""


def _blocks(lp: LpArrays) -> _Blocks:
    names = list(lp.row_index)
    item_of_row = np.full(len(names), -1, dtype=np.int64)
    codes: dict[str, int] = {}
    win: list[tuple[int, int, str]] = []
    for name, i in lp.row_index.items():
        if name.startswith("demand__"):
            item_of_row[i] = codes.setdefault(name.split("__")[3], len(codes))
        elif name.startswith("windowtime__"):
            _, at, c = name.split("__", 2)
            win.append((i, int(at), c))
    if any(k.startswith("cls_") for k in codes):
        raise ValueError("the cone bound needs one demand row per item (model.formulation 'items')")
    rows = np.repeat(np.arange(len(names)), np.diff(lp.starts))
    dem = item_of_row[rows] >= 0
    equal = lp.row_lower[rows[dem]] == lp.row_upper[rows[dem]]
    if np.any(lp.value[dem] != 1.0) or not np.all(equal) or np.any(lp.lower[lp.index[dem]] < 0):
        raise ValueError("demand rows must be equalities of non-negative columns, coefficients 1")
    col_row = np.full(len(lp.cost), -1, dtype=np.int64)
    col_row[lp.index[dem]] = rows[dem]
    upper = lp.upper.copy()
    has = col_row >= 0
    upper[has] = np.minimum(upper[has], lp.row_upper[col_row[has]])
    stage: list[int] = []
    centre: list[str] = []
    w_col: list[int] = []
    kappa: list[float] = []
    arc_col: list[np.ndarray] = []
    arc_mu: list[np.ndarray] = []
    arc_block: list[np.ndarray] = []
    arc_item: list[np.ndarray] = []
    for j, (i, s, c) in enumerate(win):
        lo, hi = lp.starts[i], lp.starts[i + 1]
        cols, vals = lp.index[lo:hi], lp.value[lo:hi]
        neg = vals < 0
        if neg.sum() != 1 or np.any(col_row[cols[~neg]] < 0):
            raise ValueError(f"window row {names[i]}: one window column and arcs of demand rows")
        stage.append(s)
        centre.append(c)
        w_col.append(int(cols[neg][0]))
        kappa.append(float(-vals[neg][0]))
        arc_col.append(cols[~neg])
        arc_mu.append(vals[~neg])
        arc_block.append(np.full(int((~neg).sum()), j))
        arc_item.append(item_of_row[col_row[cols[~neg]]])
    a_col = np.concatenate(arc_col) if arc_col else np.zeros(0, np.int64)
    a_mu = np.concatenate(arc_mu) if arc_mu else np.zeros(0)
    a_blk = np.concatenate(arc_block) if arc_block else np.zeros(0, np.int64)
    a_item = np.concatenate(arc_item) if arc_item else np.zeros(0, np.int64)
    keys, arc_seg = np.unique(a_blk * (len(codes) + 1) + a_item, return_inverse=True)
    n_seg = len(keys)
    cap = upper[a_col]
    seg_mu = np.zeros(n_seg)
    np.maximum.at(seg_mu, arc_seg, a_mu)
    return _Blocks(
        np.array(stage, dtype=np.int64),
        centre,
        np.array(w_col, dtype=np.int64),
        np.array(kappa),
        a_col,
        a_mu,
        arc_seg,
        keys // (len(codes) + 1),
        np.bincount(arc_seg, weights=a_mu * cap, minlength=n_seg),
        np.bincount(arc_seg, weights=cap, minlength=n_seg),
        seg_mu,
    )


@dataclass
class ConeLp:
    """The cone LP: the LP's columns and rows first, then the new ones."""

    lp: LpArrays
    n_cols: int
    """Columns of the original LP (the new ones follow)."""
    n_rows: int
    blocks: int
    split_blocks: int
    segments: int
    mode_counts: dict[str, int]
    """Split blocks by reachable mode set (e.g. ``"012"``)."""


class _Rows:
    """New rows and columns, gathered as entry lists."""

    def __init__(self, n_cols: int) -> None:
        self.n_cols = n_cols
        self.cost: list[float] = []
        self.row_cols: list[np.ndarray] = []
        self.row_vals: list[np.ndarray] = []

    def col(self, cost: float) -> int:
        self.cost.append(cost)
        return self.n_cols + len(self.cost) - 1

    def row(self, cols: np.ndarray | list[int], vals: np.ndarray | list[float]) -> None:
        self.row_cols.append(np.asarray(cols, dtype=np.int64))
        self.row_vals.append(np.asarray(vals, dtype=float))


def cone_lp(lp: LpArrays, rules: ConeRules) -> ConeLp:
    """The LP with each block's loads split over its reachable modes' cones (module
    docstring); every new row is ``<= 0`` and every new column in ``[0, inf)``."""
    if rules.pooling > 1.0:
        raise ValueError("the cone bound keeps the pooled row: pooling efficiency at most 1")
    b = _blocks(lp)
    out = _Rows(len(lp.cost))
    seg_of = np.split(
        np.arange(len(b.seg_block)),
        np.cumsum(np.bincount(b.seg_block, minlength=len(b.w_col)))[:-1],
    )
    order = np.argsort(b.arc_seg, kind="stable")
    arcs_of = np.split(order, np.cumsum(np.bincount(b.arc_seg, minlength=len(b.seg_block)))[:-1])
    counts: dict[str, int] = {}
    split = 0
    for j in range(len(b.w_col)):
        modes = rules.reach.get((int(b.stage[j]), b.centre[j]), ALL)
        segs = seg_of[j]
        if _add_block(b, j, segs, arcs_of, modes, rules, out):
            split += 1
            key = "".join(str(m) for m in range(3) if modes[m])
            counts[key] = counts.get(key, 0) + 1
    return ConeLp(
        _joined(lp, out),
        len(lp.cost),
        len(lp.row_lower),
        len(b.w_col),
        split,
        len(b.seg_block),
        counts,
    )


def _add_block(
    b: _Blocks,
    j: int,
    segs: np.ndarray,
    arcs_of: list[np.ndarray],
    modes: Modes,
    rules: ConeRules,
    out: _Rows,
) -> bool:
    """The block's parts, rows and columns; False (nothing added) where it needs none."""
    kappa, t = float(b.kappa[j]), rules.hot_volume
    big_l, vol, mu = b.seg_load[segs], b.seg_volume[segs], b.seg_mu[segs]
    r_ded = np.minimum(kappa, big_l)
    dedicated = modes[0] | (modes[1] & (vol >= t))
    if len(segs) == 0 or bool(np.all(dedicated & (r_ded >= kappa))):
        return False
    years = float(rules.years[int(b.stage[j])])
    g = out.col(0.0) if modes[1] else -1
    r_big = min(kappa * rules.pooling, float(big_l.sum()))
    r_cold = min(kappa, float(np.minimum(big_l, mu * t).sum()))
    win_cols: list[int] = [g] if modes[1] else []
    win_vals: list[float] = [1.0] if modes[1] else []
    cold_cols: list[int] = []
    for k, s in enumerate(segs):
        arcs = arcs_of[s]
        parts: list[int] = []
        if dedicated[k] and r_ded[k] > 0:
            d = out.col(0.0)
            parts.append(d)
            win_cols.append(d)
            win_vals.append(1.0 / r_ded[k])
        if modes[1] and r_cold > 0:
            c = out.col(0.0)
            parts.append(c)
            cold_cols.append(c)
            out.row([c, g], [1.0, -mu[k] * t])
        if modes[2] and r_big > 0:
            e = out.col(rules.training * years / r_big)
            parts.append(e)
            win_cols.append(e)
            win_vals.append(1.0 / r_big)
        out.row(
            np.concatenate([b.arc_col[arcs], parts]),
            np.concatenate([b.arc_mu[arcs], -np.ones(len(parts))]),
        )
    if cold_cols:
        out.row([*cold_cols, g], [*([1.0] * len(cold_cols)), -r_cold])
    out.row([*win_cols, int(b.w_col[j])], [*win_vals, -1.0])
    return True


def _joined(lp: LpArrays, out: _Rows) -> LpArrays:
    k = len(out.cost)
    m = len(out.row_cols)
    lengths = np.array([len(c) for c in out.row_cols], dtype=np.int64)
    starts = np.concatenate([lp.starts, lp.starts[-1] + np.cumsum(lengths)])
    index = np.concatenate([lp.index, *out.row_cols]) if m else lp.index
    value = np.concatenate([lp.value, *out.row_vals]) if m else lp.value
    n_rows = len(lp.row_lower)
    row_index = dict(lp.row_index)
    row_index.update({f"cone__{i}": n_rows + i for i in range(m)})
    return LpArrays(
        np.concatenate([lp.cost, out.cost]),
        np.concatenate([lp.lower, np.zeros(k)]),
        np.concatenate([lp.upper, np.full(k, np.inf)]),
        np.concatenate([lp.row_lower, np.full(m, -np.inf)]),
        np.concatenate([lp.row_upper, np.zeros(m)]),
        starts,
        index,
        value,
        row_index,
        lp.constant,
    )


def window_column(lp: LpArrays, row: int) -> int:
    """The window column of window-time row ``row`` (its one negative coefficient)."""
    lo, hi = lp.starts[row], lp.starts[row + 1]
    return int(lp.index[lo:hi][lp.value[lo:hi] < 0][0])


def forced_training(lp: LpArrays, rules: ConeRules) -> np.ndarray:
    """The LP's costs with training added to the window column of every centre-stage that can
    reach big general only (every joint plan pays it on all of that centre's windows there):
    a bound without new rows, the cone bound's rise where it comes from the pace alone."""
    cost = lp.cost.copy()
    for name, i in lp.row_index.items():
        if not name.startswith("windowtime__"):
            continue
        _, at, c = name.split("__", 2)
        if rules.reach.get((int(at), c), ALL) != (False, False, True):
            continue
        cost[window_column(lp, i)] += rules.training * float(rules.years[int(at)])
    return cost
