r"""A Lagrangian lower bound on the joint problem: flows, window modes and integer windows.

The joint problem is the window-relaxed LP (window time ``load <= kappa w``) in which every
centre's windows in every stage are the integer windows of a mode (:mod:`planner.model.modes`:
traditional, small general, big general), big general pays training per window-year, and
each centre's mode path keeps the pace from today's mode. Its optimum lies between the
LP's optimum and the plan's cost; this module computes a lower bound that sees the integer
windows, the modes and training.

Relaxation
----------
Let :math:`D` be the demand rows (equalities, multipliers :math:`\lambda` of any sign),
:math:`W` the window-time rows and :math:`G` every other row, with the multipliers
:math:`y_G` of the window-relaxed LP's optimal duals (HiGHS's sign: a positive dual holds a
row at its lower bound; a dual of the wrong sign for a one-sided row is set to 0, which
keeps the bound valid). For any :math:`\lambda`,

.. math::

    L(\lambda) = \sum_{g \in G} y_g b_g + \sum_{d \in D} \lambda_d D_d
        + \sum_{j \notin \text{blocks}} \min_{l_j \le v_j \le u_j} r_j v_j
        + \sum_{c} B_c(\lambda)

is a lower bound on the joint problem (weak duality: every joint plan is feasible for the
kept constraints and the relaxed rows only add terms that are :math:`\le 0` on it), with
:math:`r = c - A_G^T y_G - A_D^T \lambda` the reduced costs. Columns of the demand rows get
the bound the rows imply (``x, y, u <= D``: every column of a demand row is
non-negative with coefficient 1). A block is a centre over all stages: its arcs
:math:`x_a` (the columns of its window-time rows), its windows and mode path;
:math:`B_c` is the least of :math:`\sum_s V_s(m_s)` over the mode paths the pace allows,
with :math:`V_s(m)` the least of :math:`r_w W + [m = 2] L_s \tau W + \sum_a r_a x_a` over
the loads and integer windows mode :math:`m` allows in stage :math:`s`:

* big general: :math:`\sum \mu x \le \kappa \epsilon W`, integer :math:`W`, at least 1 when
  serving: a continuous knapsack per :math:`W`, every :math:`W` tried (exact);
* traditional: per item :math:`\mu x_k \le \kappa n_k`, :math:`n_k \ge 1` when served:
  items apart, every :math:`n_k` tried (exact);
* small general, relaxed: every item is either dedicated (its own :math:`n_k \ge 1`
  windows, at any volume: the standard's floor is dropped) or general with a volume below the
  standard, sharing :math:`G \ge 1` general windows; the general windows' capacity row is
  priced by :math:`\pi \ge 0` (a Lagrangian bound again) and the best of a few
  :math:`\pi` kept.

With :math:`\lambda` the LP's demand duals, :math:`L` is at least the LP's optimum (each
block's integer set lies inside its LP set, whose minimum is 0 at the LP's duals).
:math:`\lambda` is then raised by subgradient steps (Polyak, towards the plan's cost)
within a time budget; every step's value is a valid bound, the best is kept.

The big-general standards (``windows.big_general_max_daily`` and the levels of
``windows.big_general_levels``) are left out (a relaxation: every centre may still take big
general in the bound, so it stays a valid lower bound), and today's mode is taken as given
when the input names it, else any of the three (it depends on the flows).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.solve.backends import LpArrays
from planner.solve.int_bound_blocks import (
    Flat,
    Values,
    all_paths,
    block_values,
    centre_paths,
    centre_values,
)

EPS_VOLUME = 1e-9
"""Volumes (thousand transactions a year) below this count as nothing served."""
DUAL_TOLERANCE = 1e-9
"""Reduced costs (kCNY a unit) this close to 0 at a column with an infinite bound count as
0 (floating-point noise of the LP's duals: on the Jiangsu default 937 area columns at
-4e-16 to -2e-16)."""


@dataclass(frozen=True)
class BoundRules:
    """Mode rules in model units (see :class:`planner.model.modes.ModeRules`)."""

    years: dict[int, float]
    """Stage -> years."""
    training: float
    """kCNY per big-general window-year."""
    hot_volume: float
    """Thousand transactions a year at which an item keeps dedicated windows (small
    general): ``dedicated_min_daily x working_days / 1000``."""
    pooling: float = 1.0
    steps: int = 1
    backwards: bool = False
    today: dict[str, int] | None = None
    """Centre -> today's mode index; None: any mode."""


@dataclass
class _Block:
    """One centre and stage: its window column, capacity, arcs and their items."""

    centre: str
    stage: int
    w_col: int
    kappa: float
    arcs: np.ndarray
    """Column positions of the arcs."""
    mu: np.ndarray
    cap: np.ndarray
    """Upper bound of each arc (the demand its row holds)."""
    item: np.ndarray
    """Item code per arc (0..items-1 within the block)."""
    n_items: int


@dataclass
class Problem:
    """The LP split for :func:`lagrangian_bound`."""

    lp: LpArrays
    rules: BoundRules
    demand_rows: np.ndarray
    window_rows: np.ndarray
    other_rows: np.ndarray
    blocks: list[_Block]
    free_cols: np.ndarray
    col_demand: np.ndarray
    """Demand row of each column (-1: none)."""
    upper: np.ndarray
    """Column upper bounds with the demand rows' implied bounds."""
    csc: tuple[np.ndarray, np.ndarray, np.ndarray] = field(repr=False, default=None)  # type: ignore[assignment]
    flat: Flat | None = field(repr=False, default=None)


def _entries(lp: LpArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = np.repeat(np.arange(len(lp.row_lower)), np.diff(lp.starts))
    return rows, lp.index, lp.value


def split(lp: LpArrays, rules: BoundRules) -> Problem:
    """The rows and columns by role (demand, window time, blocks, the rest)."""
    n = len(lp.cost)
    names = list(lp.row_index)
    kind = np.zeros(len(names), dtype=np.int8)  # 0 other, 1 demand, 2 window
    item_of_row: dict[int, str] = {}
    for name, i in lp.row_index.items():
        if name.startswith("demand__"):
            kind[i] = 1
            item_of_row[i] = name.split("__")[3]
        elif name.startswith("windowtime__"):
            kind[i] = 2
    rows, cols, vals = _entries(lp)
    dem = kind[rows] == 1
    if np.any(vals[dem] != 1.0) or np.any(lp.row_lower[rows[dem]] != lp.row_upper[rows[dem]]):
        raise ValueError("demand rows must be equalities with coefficients 1")
    col_demand = np.full(n, -1, dtype=np.int64)
    col_demand[cols[dem]] = rows[dem]
    upper = lp.upper.copy()
    has = col_demand >= 0
    upper[has] = np.minimum(upper[has], lp.row_upper[col_demand[has]])
    if np.any(lp.lower[has] < 0):
        raise ValueError("columns of demand rows must be non-negative")
    blocks = _blocks(lp, kind, col_demand, item_of_row, upper)
    in_block = np.zeros(n, dtype=bool)
    for b in blocks:
        in_block[b.arcs] = True
        in_block[b.w_col] = True
    order = np.argsort(cols, kind="stable")
    csc = (rows[order], cols[order], vals[order])
    return Problem(
        lp,
        rules,
        np.flatnonzero(kind == 1),
        np.flatnonzero(kind == 2),
        np.flatnonzero(kind == 0),
        blocks,
        np.flatnonzero(~in_block),
        col_demand,
        upper,
        csc,
    )


def _blocks(
    lp: LpArrays,
    kind: np.ndarray,
    col_demand: np.ndarray,
    item_of_row: dict[int, str],
    upper: np.ndarray,
) -> list[_Block]:
    out = []
    for name, i in lp.row_index.items():
        if kind[i] != 2:
            continue
        _, stage, centre = name.split("__", 2)
        lo, hi = lp.starts[i], lp.starts[i + 1]
        cols, vals = lp.index[lo:hi], lp.value[lo:hi]
        neg = vals < 0
        if neg.sum() != 1:
            raise ValueError(f"window row {name} must hold exactly one window column")
        arcs, mu = cols[~neg], vals[~neg]
        if np.any(col_demand[arcs] < 0):
            raise ValueError(f"window row {name}: an arc without a demand row")
        items = [item_of_row[r] for r in col_demand[arcs]]
        codes = {k: j for j, k in enumerate(sorted(set(items)))}
        out.append(
            _Block(
                centre,
                int(stage),
                int(cols[neg][0]),
                float(-vals[neg][0]),
                arcs,
                mu,
                upper[arcs],
                np.array([codes[k] for k in items], dtype=np.int64),
                len(codes),
            )
        )
    return out


def flat_blocks(p: Problem) -> Flat:
    """The blocks as flat arrays (:class:`planner.solve.int_bound_blocks.Flat`)."""
    rules = p.rules
    stages = sorted({b.stage for b in p.blocks})
    centres = sorted({b.centre for b in p.blocks})
    c_index = {c: i for i, c in enumerate(centres)}
    seg_block: list[int] = []
    seg_mu, arc_seg = [], []
    offset = 0
    for j, b in enumerate(p.blocks):
        seg_block.extend([j] * b.n_items)
        mu = np.full(b.n_items, np.inf)
        np.minimum.at(mu, b.item, b.mu)
        seg_mu.append(mu)
        arc_seg.append(b.item + offset)
        offset += b.n_items
    paths = all_paths(len(stages))
    allowed = np.zeros((len(centres), len(paths)), dtype=bool)
    for c, i in c_index.items():
        today = None if rules.today is None else rules.today.get(c)
        allowed[i] = _allowed(paths, today, rules)

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    return Flat(
        arc_col=cat([b.arcs for b in p.blocks], np.int64),
        arc_seg=cat(arc_seg, np.int64),
        mu=cat([b.mu for b in p.blocks], float),
        cap=cat([b.cap for b in p.blocks], float),
        seg_block=np.array(seg_block, dtype=np.int64),
        seg_mu=cat(seg_mu, float),
        w_col=np.array([b.w_col for b in p.blocks], dtype=np.int64),
        kappa=np.array([b.kappa for b in p.blocks]),
        train=np.array([rules.years[b.stage] * rules.training for b in p.blocks]),
        block_centre=np.array([c_index[b.centre] for b in p.blocks], dtype=np.int64),
        block_stage=np.array([stages.index(b.stage) for b in p.blocks], dtype=np.int64),
        allowed=allowed,
        paths=paths,
        hot=rules.hot_volume,
        pooling=rules.pooling,
    )


def _allowed(paths: np.ndarray, today: int | None, rules: BoundRules) -> np.ndarray:
    starts = [today] if today is not None else [0, 1, 2]
    lo = -rules.steps if rules.backwards else 0
    ok = np.zeros(len(paths), dtype=bool)
    for m0 in starts:
        prev = np.concatenate([np.full((len(paths), 1), m0), paths[:, :-1]], axis=1)
        step = paths - prev
        ok |= ((step >= lo) & (step <= rules.steps)).all(axis=1)
    return ok


@dataclass
class Evaluation:
    value: float
    activity: np.ndarray
    """Demand rows' activity at the minimiser (same order as ``Problem.demand_rows``)."""


def _reduced(p: Problem, y: np.ndarray) -> np.ndarray:
    rows, cols, vals = p.csc
    return p.lp.cost - np.bincount(cols, weights=vals * y[rows], minlength=len(p.lp.cost))


def _row_term(p: Problem, y: np.ndarray) -> float:
    lo, hi = p.lp.row_lower, p.lp.row_upper
    with np.errstate(invalid="ignore"):
        term = np.where(y > 0, y * lo, np.where(y < 0, y * hi, 0.0))
    return float(term.sum())


def valid_duals(p: Problem, duals: np.ndarray) -> np.ndarray:
    """The LP's duals with the window rows at 0 and every dual whose sign would pair it
    with an infinite row bound set to 0 (each keeps the bound valid)."""
    y = np.asarray(duals, dtype=float).copy()
    y[p.window_rows] = 0.0
    y[(y > 0) & ~np.isfinite(p.lp.row_lower)] = 0.0
    y[(y < 0) & ~np.isfinite(p.lp.row_upper)] = 0.0
    return y


def evaluate(p: Problem, y: np.ndarray) -> Evaluation:
    """:math:`L` at the multipliers ``y`` (window rows ignored) and the demand rows'
    activity at the minimiser (for the subgradient)."""
    y = y.copy()
    y[p.window_rows] = 0.0
    r = _reduced(p, y)
    value = _row_term(p, y) + p.lp.constant
    x = np.zeros(len(r))
    f = p.free_cols
    lo, up = p.lp.lower[f], p.upper[f]
    rf = r[f]
    # reduced costs within the LP's own dual tolerance count as 0 where the bound they
    # would meet is infinite (the LP's optimum, the bound reported so far, has the same
    # tolerance)
    noise = (np.abs(rf) <= DUAL_TOLERANCE) & ~(np.isfinite(lo) & np.isfinite(up))
    rf = np.where(noise, 0.0, rf)
    with np.errstate(invalid="ignore"):
        at = np.where(rf > 0, lo, np.where(rf < 0, up, np.where(np.isfinite(lo), lo, 0.0)))
    term = rf * at
    value += float(np.where(np.isfinite(term), term, -np.inf).sum())
    x[f] = np.where(np.isfinite(at), at, 0.0)
    value += _blocks_value(p, r, x)
    act = np.bincount(
        p.col_demand[p.col_demand >= 0],
        weights=x[p.col_demand >= 0],
        minlength=len(p.lp.row_lower),
    )[p.demand_rows]
    return Evaluation(value, act)


def _blocks_value(p: Problem, r: np.ndarray, x: np.ndarray) -> float:
    if p.flat is None:
        p.flat = flat_blocks(p)
    total, loads = centre_values(p.flat, block_values(p.flat, r))
    x[p.flat.arc_col] = loads
    return total


def plan_start(p: Problem, y: np.ndarray, primal: np.ndarray) -> np.ndarray:
    """Demand multipliers raised by the integer windows' extra cost per unit at the LP's
    flows: each centre's cheapest mode path at the LP's loads (windows, training) costs
    ``extra`` beyond the LP's pooled windows; every arc's demand row is raised by its share
    (per window-minute) of its block's extra, averaged over the row's volume. Only a start:
    every multiplier gives a valid bound."""
    f = p.flat if p.flat is not None else flat_blocks(p)
    p.flat = f
    r = _reduced(p, _without_windows(p, y))
    x = np.maximum(primal[f.arc_col], 0.0)
    n_b, n_s = f.n_blocks, f.n_segs
    seg_vol = np.bincount(f.arc_seg, weights=x, minlength=n_s)
    seg_load = np.bincount(f.arc_seg, weights=x * f.mu, minlength=n_s)
    kap_s = f.kappa[f.seg_block]
    served = seg_vol > EPS_VOLUME
    n_own = np.where(served, np.maximum(1.0, np.ceil(np.round(seg_load / kap_s, 6))), 0.0)
    hot = served & (seg_vol >= f.hot)
    load = np.bincount(f.seg_block, weights=seg_load, minlength=n_b)
    cold = np.bincount(f.seg_block, weights=np.where(hot, 0.0, seg_load), minlength=n_b)
    any_served = np.bincount(f.seg_block, weights=served.astype(float), minlength=n_b) > 0
    w0 = np.bincount(f.seg_block, weights=n_own, minlength=n_b)
    w1 = np.bincount(f.seg_block, weights=np.where(hot, n_own, 0.0), minlength=n_b) + np.where(
        any_served, np.maximum(1.0, np.ceil(np.round(cold / f.kappa, 6))), 0.0
    )
    w2 = np.where(
        any_served, np.maximum(1.0, np.ceil(np.round(load / (f.kappa * f.pooling), 6))), 0.0
    )
    a = r[f.w_col]
    pooled = load / f.kappa
    extra = np.stack([a * (w0 - pooled), a * (w1 - pooled), (a + f.train) * w2 - a * pooled], 1)
    vals = Values(extra, np.zeros((3, len(f.arc_col))))
    _, mode = centre_paths(f, vals)
    chosen = np.maximum(extra[np.arange(n_b), mode], 0.0)
    per_minute = np.where(load > EPS_VOLUME, chosen / np.maximum(load, EPS_VOLUME), 0.0)
    raise_arc = f.mu * per_minute[f.seg_block[f.arc_seg]] * x
    rows = p.col_demand[f.arc_col]
    total = np.bincount(rows, weights=raise_arc, minlength=len(y))
    out = y.copy()
    d = p.demand_rows
    raise_row = total / np.maximum(p.lp.row_upper, EPS_VOLUME)
    out[d] += np.minimum(raise_row[d], _room(p, y, primal)[d])
    return out


def _room(p: Problem, y: np.ndarray, primal: np.ndarray) -> np.ndarray:
    """Per demand row how far its multiplier may rise before a column the LP leaves out
    of it (an arc at 0, online or unserved at its lower bound) would enter: its full
    reduced cost (window rows priced too); 0 where a column outside the blocks sits
    between its bounds (it would jump to its upper bound)."""
    r = _reduced(p, y)
    cols = np.flatnonzero(p.col_demand >= 0)
    rows = p.col_demand[cols]
    v = primal[cols]
    in_block = np.zeros(len(r), dtype=bool)
    if p.flat is not None:
        in_block[p.flat.arc_col] = True
    at_low = v <= p.lp.lower[cols] + EPS_VOLUME
    at_up = v >= p.upper[cols] - EPS_VOLUME
    limit = np.full(len(cols), np.inf)
    limit = np.where(at_low, np.maximum(r[cols], 0.0), limit)
    limit = np.where(~at_low & ~at_up & ~in_block[cols], 0.0, limit)
    room = np.full(len(y), np.inf)
    np.minimum.at(room, rows, limit)
    return room


def _without_windows(p: Problem, y: np.ndarray) -> np.ndarray:
    out = y.copy()
    out[p.window_rows] = 0.0
    return out


def lagrangian_bound(
    p: Problem,
    duals: np.ndarray,
    upper_bound: float,
    budget_s: float,
    max_steps: int = 1000,
    primal: np.ndarray | None = None,
    theta: float = 1.0,
) -> dict[str, Any]:
    """The best :math:`L` found from the LP's duals within ``budget_s`` seconds
    (Polyak steps towards ``upper_bound``, the step factor halved after 5 steps without
    a better bound)."""
    start = time.perf_counter()
    y = valid_duals(p, duals)
    first = evaluate(p, y)
    best, best_y, ev = first.value, y.copy(), first
    start_value = None
    if primal is not None:
        y = plan_start(p, y, primal)
        ev = evaluate(p, y)
        start_value = ev.value
        if ev.value > best:
            best, best_y = ev.value, y.copy()
    stall, steps, stopped = 0, 0, "steps"
    rhs = p.lp.row_upper[p.demand_rows]
    while steps < max_steps:
        if time.perf_counter() - start >= budget_s:
            stopped = "time"
            break
        g = rhs - ev.activity
        norm = float(g @ g)
        if norm <= 1e-18 or best >= upper_bound:
            stopped = "no direction" if norm <= 1e-18 else "reached the plan's cost"
            break
        y[p.demand_rows] += theta * (upper_bound - ev.value) / norm * g
        ev = evaluate(p, y)
        steps += 1
        if ev.value > best + 1e-9 * abs(best):
            best, best_y, stall = ev.value, y.copy(), 0
        else:
            stall += 1
            if stall >= 5:
                theta, stall = theta / 2.0, 0
                y = best_y.copy()
                ev = evaluate(p, y)
    return {
        "bound_kcny": best,
        "at_lp_duals_kcny": first.value,
        "at_plan_start_kcny": start_value,
        "steps": steps,
        "stopped": stopped,
        "seconds": time.perf_counter() - start,
        "multipliers": best_y,
    }
