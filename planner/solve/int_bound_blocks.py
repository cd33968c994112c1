r"""The centres' integer subproblems of :mod:`planner.solve.int_bound`, all at once (arrays).

Every centre and stage is a block: its window column (reduced cost :math:`a`, capacity
:math:`\kappa`) and its arcs (reduced cost :math:`\rho`, window minutes :math:`\mu`, volume
at most the demand :math:`U`), grouped by item into segments. Per block and mode the least
of :math:`a W + [m = 2]\, t\, W + \sum \rho x` over the integer windows and loads the mode
allows (:math:`V_{s}(m)`, at most 0: the block may serve nothing):

* traditional: per item :math:`\min_{n \ge 1} a n + V_k(\min(v^0_k, \kappa n / \bar\mu_k))`,
  with :math:`V_k` the item's least cost of a volume (cheapest arcs first, convex),
  :math:`v^0_k` the volume of its arcs of negative cost and :math:`\bar\mu_k` the least
  minutes of its arcs (a relaxation where they differ); convex in :math:`n`, so the integer
  least is next to the continuous one;
* big general: the same over the pooled curve :math:`K(C)` (arcs by cost per minute) with
  :math:`\kappa \epsilon` a window and :math:`a + t` a window;
* small general: items at or above the standard (volume :math:`\ge T`) on their own
  windows (:math:`h_k`, the traditional least with volume at least :math:`T`), the rest
  (volume :math:`< T`) on :math:`G \ge 1` general windows. The general windows' capacity
  row is priced: :math:`\psi(G) = a G + \max_{\pi \ge 0} [S(\pi) - \pi \kappa G]` with
  :math:`S(\pi) = \sum_k \min(0, h_k, c_k(\pi))`, :math:`c_k(\pi)` the item's least of
  :math:`V_k(v) + \pi \bar\mu_k v` over :math:`v \le T`. :math:`\psi` is a lower bound of
  the block's value at :math:`G` and convex in :math:`G`; its integer least is found next to
  the continuous least (checked by its neighbours; else the continuous least, also a lower
  bound, is taken). The maximum over :math:`\pi` is found by bisection on the supergradient,
  and any :math:`\pi` reached gives a valid value.

Every value is a lower bound of the block's true least (exact for traditional and big
general up to the :math:`\bar\mu` relaxation), so the Lagrangian value stays a valid bound.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

BISECTIONS = 30
"""Bisection steps for the general windows' price."""
EPS = 1e-9


@dataclass
class Flat:
    """The blocks' static data as flat arrays (arcs grouped by block, then item)."""

    arc_col: np.ndarray
    arc_seg: np.ndarray
    mu: np.ndarray
    cap: np.ndarray
    seg_block: np.ndarray
    seg_mu: np.ndarray
    """Least minutes of the segment's arcs."""
    w_col: np.ndarray
    kappa: np.ndarray
    train: np.ndarray
    """Training kCNY per window over the block's stage."""
    block_centre: np.ndarray
    block_stage: np.ndarray
    """Stage index (0..S-1)."""
    allowed: np.ndarray
    """(centres, paths) mode paths the pace allows."""
    paths: np.ndarray
    hot: float
    pooling: float

    @property
    def n_blocks(self) -> int:
        return len(self.w_col)

    @property
    def n_segs(self) -> int:
        return len(self.seg_block)


def all_paths(n_stages: int) -> np.ndarray:
    return np.array(list(itertools.product(range(3), repeat=n_stages)), dtype=np.int64)


def _bc(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=n)


@dataclass
class _Curve:
    """Arcs sorted by (group, key): cumulative ``x`` (volume or load) and cost."""

    order: np.ndarray
    group: np.ndarray
    X: np.ndarray
    F: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @classmethod
    def of(
        cls, group: np.ndarray, key: np.ndarray, size: np.ndarray, cost: np.ndarray, n: int
    ) -> _Curve:
        order = np.lexsort((key, group))
        g = group[order]
        X = np.concatenate([[0.0], np.cumsum(size[order])])
        F = np.concatenate([[0.0], np.cumsum(cost[order] * size[order])])
        lo = np.searchsorted(g, np.arange(n), side="left")
        hi = np.searchsorted(g, np.arange(n), side="right")
        return cls(order, g, X, F, lo, hi)

    def total(self) -> np.ndarray:
        return self.X[self.hi] - self.X[self.lo]

    def at(self, v: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Cumulative cost of the first ``v`` units of each group (``groups``: which)."""
        lo = self.lo if groups is None else self.lo[groups]
        hi = self.hi if groups is None else self.hi[groups]
        x = self.X[lo] + np.clip(v, 0.0, self.X[hi] - self.X[lo])
        return np.interp(x, self.X, self.F) - self.F[lo]

    def fill(self, v: np.ndarray, n_arcs: int) -> np.ndarray:
        """Per arc (original order) the amount of ``size`` taken when each group takes its
        first ``v`` units."""
        before = self.X[:-1] - self.X[self.lo[self.group]]
        size = np.diff(self.X)
        out = np.zeros(n_arcs)
        out[self.order] = np.clip(v[self.group] - before, 0.0, size)
        return out


def _own(
    curve: _Curve, free: np.ndarray, a: np.ndarray, kappa: np.ndarray, mu: np.ndarray, least: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per segment min over n >= max(1, n_least) of a n + V(clip(free, least, kappa n / mu))
    (inf where ``least`` is beyond the segment's volume), and the volume there."""
    total = curve.total()
    per = kappa / mu  # volume a window holds
    n_lo = np.maximum(1.0, np.ceil(least / per - EPS))
    # volume worth a window: arcs cheaper than -a / per a unit
    thr = -a / per
    cost_sorted = _sorted_cost(curve)
    worth = _bc(curve.group, np.diff(curve.X) * (cost_sorted < thr[curve.group]), len(total))
    worth = np.minimum(np.maximum(worth, 0.0), total)
    star = worth / per
    top = np.maximum(n_lo, np.ceil(total / per - EPS))
    best, vol = np.full(len(total), np.inf), np.zeros(len(total))
    for n in (n_lo, np.floor(star), np.ceil(star), top):
        n = np.clip(n, n_lo, top)
        v = np.clip(np.minimum(free, total), least, np.minimum(per * n, total))
        f = a * n + curve.at(v)
        better = f < best
        best = np.where(better, f, best)
        vol = np.where(better, v, vol)
    out = np.where(least > total + EPS, np.inf, best)
    return out, vol


def _sorted_cost(curve: _Curve) -> np.ndarray:
    size = np.diff(curve.X)
    return np.diff(curve.F) / np.where(size > 0, size, 1.0)


def _pooled(curve: _Curve, a: np.ndarray, per: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per block min over W in {0} u [1, ...] of a W + K(min(per W, free load))."""
    total = curve.total()
    unit = _sorted_cost(curve)
    free = np.minimum(_bc(curve.group, np.diff(curve.X) * (unit < 0), n), total)
    worth = np.minimum(
        _bc(curve.group, np.diff(curve.X) * (unit < -a[curve.group] / per[curve.group]), n), total
    )
    star = worth / per
    top = np.maximum(1.0, np.ceil(free / per - EPS))
    best, load = np.zeros(n), np.zeros(n)
    for w in (np.floor(star), np.ceil(star), top, np.ones(n)):
        w = np.clip(w, 1.0, top)
        c = np.minimum(per * w, free)
        f = a * w + curve.at(c)
        better = f < best
        best = np.where(better, f, best)
        load = np.where(better, c, load)
    return best, load


@dataclass
class Values:
    """Per block and mode the value, and the arcs' loads at it (for the subgradient)."""

    v: np.ndarray
    """(blocks, 3)."""
    x: np.ndarray
    """(3, arcs)."""


def block_values(f: Flat, r: np.ndarray) -> Values:
    n_b, n_s, n_a = f.n_blocks, f.n_segs, len(f.arc_col)
    cost = r[f.arc_col]
    a = r[f.w_col]
    seg = _Curve.of(f.arc_seg, cost, f.cap, cost, n_s)
    unit = _sorted_cost(seg)
    free = _bc(seg.group, np.diff(seg.X) * (unit < 0), n_s)
    a_s, k_s = a[f.seg_block], f.kappa[f.seg_block]
    v = np.zeros((n_b, 3))
    x = np.zeros((3, n_a))
    # traditional
    t, tv = _own(seg, free, a_s, k_s, f.seg_mu, 0.0)
    use = t < 0
    v[:, 0] = _bc(f.seg_block, np.where(use, t, 0.0), n_b)
    x[0] = seg.fill(np.where(use, tv, 0.0), n_a)
    # big general
    block_load = f.mu * f.cap
    pool = _Curve.of(f.seg_block[f.arc_seg], cost / f.mu, block_load, cost / f.mu, n_b)
    per = f.kappa * f.pooling
    v[:, 2], load = _pooled(pool, a + f.train, per, n_b)
    x[2] = pool.fill(load, n_a) / f.mu
    # small general
    v[:, 1], x[1] = _small(f, seg, free, a, cost)
    return Values(v, x)


@dataclass
class _Cold:
    """Small general's items below the standard, priced at pi a general-window minute."""

    f: Flat
    seg: _Curve
    h: np.ndarray
    """Per segment the dedicated value (inf: the item cannot reach the standard)."""
    cap: np.ndarray
    """Per sorted arc the volume it may add below the standard."""

    def s_of(self, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """S(pi) per block, its supergradient (general load), and per segment whether it
        is general and its volume."""
        f, seg = self.f, self.seg
        unit = _sorted_cost(seg)
        mu_arc = f.seg_mu[seg.group]
        priced = unit + pi[f.seg_block[seg.group]] * mu_arc
        take = priced < 0
        vol = _bc(seg.group, self.cap * take, f.n_segs)
        val = _bc(seg.group, priced * self.cap * take, f.n_segs)
        best = np.minimum(np.minimum(self.h, val), 0.0)
        cold = (val <= self.h) & (val < 0)
        s = _bc(f.seg_block, best, f.n_blocks)
        grad = _bc(f.seg_block, np.where(cold, f.seg_mu * vol, 0.0), f.n_blocks)
        return s, grad, cold, vol

    def price(self, g: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ends of the interval (bisection on the supergradient) that holds the pi
        maximising S(pi) - pi kappa g."""
        lo, hi = np.zeros(len(g)), top.copy()
        for _ in range(BISECTIONS):
            mid = (lo + hi) / 2
            _, grad, _, _ = self.s_of(mid)
            up = grad - self.f.kappa * g > 0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        return lo, hi


def _small(
    f: Flat, seg: _Curve, free: np.ndarray, a: np.ndarray, cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Small general per block (module docstring): the least over integer G of the
    largest of a few affine minorants (a - pi kappa) G + S(pi) of psi, each valid for
    every G, so the least is a lower bound of the block's value."""
    n_b, n_a = f.n_blocks, len(f.arc_col)
    h, hv = _own(seg, free, a[f.seg_block], f.kappa[f.seg_block], f.seg_mu, f.hot)
    size = np.diff(seg.X)
    before = seg.X[:-1] - seg.X[seg.lo[seg.group]]
    cold = _Cold(f, seg, h, np.clip(f.hot - before, 0.0, size))
    pi_top = np.zeros(n_b)
    unit = _sorted_cost(seg)
    np.maximum.at(pi_top, f.seg_block[seg.group], np.maximum(-unit / f.seg_mu[seg.group], 0.0))
    load_top = _bc(f.seg_block, f.seg_mu * np.minimum(f.hot, seg.total()), n_b)
    g_top = np.maximum(1.0, np.ceil(load_top / f.kappa - EPS))
    # the continuous least (one price for every G), then the prices of the G around it
    pi0 = cold.price(np.ones(n_b), pi_top)[0]
    _, grad, _, _ = cold.s_of(pi0)
    g0 = np.clip(np.floor(grad / f.kappa), 1.0, g_top)
    pis = [pi0]
    for d in (-1, 0, 1, 2):
        pis.extend(cold.price(np.clip(g0 + d, 1.0, g_top), pi_top))
    lines = [(a - pi * f.kappa, cold.s_of(pi)[0]) for pi in pis]
    value = _least_of_max(lines, g_top)
    value = np.minimum(value, 0.0)
    _, _, is_cold, vol = cold.s_of(pi0)
    ded = ~is_cold & (h < 0)
    take = np.where(is_cold, vol, np.where(ded, hv, 0.0))
    x = np.zeros(n_a)
    limit = np.where(is_cold[seg.group], cold.cap, size)
    x[seg.order] = np.clip(take[seg.group] - before, 0.0, limit)
    return value, np.where((value < 0)[f.seg_block[f.arc_seg]], x, 0.0)


def _least_of_max(lines: list[tuple[np.ndarray, np.ndarray]], top: np.ndarray) -> np.ndarray:
    """Per block the least over integer G in [1, top] of max_i (slope_i G + icpt_i): a
    convex function, so the least is at an end or next to where two lines cross."""
    cands = [np.ones_like(top), top]
    for (s1, c1), (s2, c2) in itertools.combinations(lines, 2):
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = np.where(np.abs(s1 - s2) > EPS, (c2 - c1) / (s1 - s2), 1.0)
        cross = np.nan_to_num(cross, nan=1.0, posinf=1.0, neginf=1.0)
        cands += [np.clip(np.floor(cross), 1.0, top), np.clip(np.ceil(cross), 1.0, top)]
    best = np.full(len(top), np.inf)
    for g in cands:
        best = np.minimum(best, np.max([s * g + c for s, c in lines], axis=0))
    return best


def centre_paths(f: Flat, vals: Values) -> tuple[np.ndarray, np.ndarray]:
    """Per centre the least allowed path's value, and each block's mode on it."""
    n_c, n_stages = f.allowed.shape[0], int(f.block_stage.max(initial=0)) + 1
    grid = np.zeros((n_c, n_stages, 3))
    grid[f.block_centre, f.block_stage] = vals.v
    cost = grid[:, np.arange(n_stages)[None, :], f.paths].sum(axis=2)  # (centres, paths)
    cost = np.where(f.allowed, cost, np.inf)
    best = np.argmin(cost, axis=1)
    return cost[np.arange(n_c), best], f.paths[best][f.block_centre, f.block_stage]


def centre_values(f: Flat, vals: Values) -> tuple[float, np.ndarray]:
    """Sum over centres of the least allowed path's value, and the loads of each arc."""
    values, mode = centre_paths(f, vals)
    arc_block = f.seg_block[f.arc_seg]
    x = vals.x[mode[arc_block], np.arange(len(f.arc_col))]
    return float(values.sum()), x
