r"""Every centre's mode paths as a layered graph: one node per (stage, mode, area kept).

The mode decision (:mod:`planner.modes.rules`) chooses per centre a path
:math:`m_1, \dots, m_S` from today's mode :math:`m_0` under the pace rule
:math:`lo \le m_s - m_{s-1} \le p`. A path's cost is a sum over its stages of what the mode
needs there (windows, training) and of what the floor area its windows need beyond the LP's
costs (:func:`area_step`), which depends on the path only through the extra area
:math:`x_{s-1}` kept from the stage before. So a node is (stage, mode, :math:`x`) and an arc
from (s-1, m', x') to (s, m, x) carries the stage's cost: every path is a walk from the
centre's source (today's mode, :math:`x = 0`) to a node of the last stage, and every walk a
path. Nodes of a stage with the same mode and :math:`x` are one node, so the graph grows with
the stages times the distinct areas kept (three nodes a stage without area, a few with it),
not as :math:`3^S` paths.

Without area the cheapest path is a shortest path (:func:`cheapest_paths`, ties as the
enumeration broke them: fewer conversions, then the more traditional path, read from the
first stage). The mode MIP (:mod:`planner.modes.mip`) puts one binary on every arc with
flow conservation at every node: a network per centre, so its LP relaxation is the convex
hull of the centre's paths, as the path formulation's was.

A path short of area under the growth limits is allowed only when no path the pace allows
fits better: :math:`\sum_s \text{short}_s \le \text{least} + 0.5` m2, an arc longer than that
bound is dropped and the MIP keeps the bound as a row where an arc left is short at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.modes.rules import MODES, ROUND, SHORT_TOL_M2, AreaSpec, ModeRules, at_stage

N_MODES = len(MODES)
AREA_FIELDS = ("extra", "short", "kcny", "unconverted")
"""Per arc (with area priced): the extra floor area kept after the stage, what the windows
still lack, the stage's area cost (kCNY) and the LP's conversion kept instead."""


@dataclass(frozen=True)
class ModeGraph:
    """The layered graph of every centre's mode paths (module docstring); arcs are flat
    arrays, in the order (stage, centre, tail, mode)."""

    centres: np.ndarray
    """Centre ids, in the order of today's modes; centre ``i``'s source node is ``i``."""
    full: pd.DataFrame
    """:func:`planner.modes.rules.mode_windows` on every (stage, centre)."""
    w: np.ndarray
    """Windows per (centre, stage, mode)."""
    n_nodes: int
    centre: np.ndarray
    stage: np.ndarray
    """Stage index of the arc's head."""
    tail: np.ndarray
    head: np.ndarray
    mode: np.ndarray
    """Mode of the head."""
    cost: np.ndarray
    """kCNY over the stage: windows, training and the area's cost."""
    change: np.ndarray
    """1 where the arc converts (its mode differs from the tail's)."""
    area: dict[str, np.ndarray] | None
    """:data:`AREA_FIELDS` per arc (None: area not priced)."""
    short_cap: np.ndarray | None
    """Per centre: the most area shortfall (m2, summed over the stages) a path may have, or
    None where every arc left fits (no row needed)."""


def area_step(
    c: np.ndarray, x: np.ndarray, windows: np.ndarray, j: int, spec: AreaSpec, years: float
) -> tuple[np.ndarray, ...]:
    r"""One stage of the floor area a path's windows need beyond the LP's, and its cost.

    The windows :math:`W_s` need :math:`N_s = \alpha W_s + \alpha_{bo} z_s` (desks the LP's);
    the extra aimed at is :math:`t_s = \max(0, N_s - A_s)`. The change :math:`t_s - x_{s-1}`
    is made the cheapest way the LP's evolution row allows: an increase first cancels the
    LP's reduction and conversion (the dearer first), then expands within the growth limit
    left; a decrease first cancels the LP's expansion, then reduces within the shrink limit
    left; what cannot be given back is kept. Returns the extra kept :math:`x_s`, the
    shortfall, the cost (:math:`L_s a_c x_s` and the evolution terms) and the conversion
    kept. ``c`` are centre rows, ``x`` the extra kept before, ``windows`` the mode's.
    """
    need = spec.area_per_window[c] * windows + spec.desk[c, j]
    gap = np.round(need - spec.floor[c, j], ROUND)
    change = np.maximum(gap, 0.0) - x
    up, down = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    if spec.convert_cost > spec.reduction_cost:  # cancel the dearer one first
        un_convert = np.minimum(up, spec.convert[c, j])
        un_reduce = np.minimum(up - un_convert, spec.reduce[c, j])
    else:
        un_reduce = np.minimum(up, spec.reduce[c, j])
        un_convert = np.minimum(up - un_reduce, spec.convert[c, j])
    room = np.maximum(at_stage(spec.growth, j)[c] - spec.expand[c, j], 0.0)
    grow = np.minimum(up - un_reduce - un_convert, room)
    un_expand = np.minimum(down, spec.expand[c, j])
    room = np.maximum(at_stage(spec.shrink, j)[c] - spec.reduce[c, j], 0.0)
    cut = np.minimum(down - un_expand, room)
    x = x + un_reduce + un_convert + grow - un_expand - cut
    kcny = (
        years * spec.per_m2_year[c, j] * x
        + spec.expansion_cost * (grow - un_expand)
        + spec.reduction_cost * (cut - un_reduce)
        - spec.convert_cost * un_convert
    )
    short = np.maximum(gap - x, 0.0)
    return tuple(np.round(a, ROUND) for a in (x, short, kcny, un_convert))


def _allowed(
    big_ok: np.ndarray, today: np.ndarray, n_stages: int, rules: ModeRules
) -> tuple[np.ndarray, np.ndarray]:
    """Modes allowed per (centre, stage, mode) and the centres no path fits (stuck: they keep
    today's mode at every stage, big general or not)."""
    n = len(today)
    allowed = np.ones((n, n_stages, N_MODES), dtype=bool)
    allowed[:, :, 2] = big_ok
    lo = -rules.steps_per_stage if rules.backwards else 0
    step = np.arange(N_MODES)[None, :] - np.arange(N_MODES)[:, None]  # [from, to]
    pace = (step >= lo) & (step <= rules.steps_per_stage)
    reach = np.eye(N_MODES, dtype=bool)[today]
    for j in range(n_stages):
        reach = (reach.astype(int) @ pace.astype(int) > 0) & allowed[:, j, :]
    stuck = ~reach.any(axis=1)
    allowed[stuck] = False
    allowed[stuck, :, today[stuck]] = True
    return allowed, pace


def build_graph(
    need: pd.DataFrame,
    today: pd.Series,
    stages: list[int],
    lengths: dict[int, float],
    rules: ModeRules,
    area: AreaSpec | None = None,
) -> ModeGraph:
    """The graph of every centre's mode paths (module docstring)."""
    centres = today.index.to_numpy()
    n, n_stages = len(centres), len(stages)
    full = need.reindex(pd.MultiIndex.from_product([stages, centres]))
    w = np.stack(
        [
            full[f"w{m}"].astype(float).fillna(0.0).to_numpy().reshape(n_stages, n).T
            for m in range(N_MODES)
        ],
        axis=2,
    )
    big_ok = full["big_ok"].astype(object).fillna(True).to_numpy(dtype=bool).reshape(n_stages, n).T
    years = np.array([lengths[s] for s in stages])
    start = today.to_numpy().astype(np.int64)
    allowed, pace = _allowed(big_ok, start, n_stages, rules)
    per_year = w * rules.window_cost
    per_year[:, :, 2] += w[:, :, 2] * rules.training_cost
    layer = (np.arange(n), np.arange(n), start, np.zeros(n))  # centre, node, mode, x
    n_nodes = n
    parts: list[dict[str, np.ndarray]] = []
    for j in range(n_stages):
        c0, node0, m0, x0 = layer
        c = np.repeat(c0, N_MODES)
        m = np.tile(np.arange(N_MODES), len(c0))
        keep = pace[np.repeat(m0, N_MODES), m] & allowed[c, j, m]
        c, m = c[keep], m[keep]
        tail, prev, x = np.repeat(node0, N_MODES)[keep], np.repeat(m0, N_MODES)[keep], None
        arcs = {"centre": c, "tail": tail, "mode": m, "change": (m != prev).astype(np.int64)}
        arcs["cost"] = per_year[c, j, m] * years[j]
        if area is not None:
            x, short, kcny, kept = area_step(
                c, np.repeat(x0, N_MODES)[keep], w[c, j, m], j, area, years[j]
            )
            arcs.update(extra=x, short=short, kcny=kcny, unconverted=kept)
            arcs["cost"] = arcs["cost"] + kcny
        x = np.zeros(len(c)) if x is None else x
        keys = np.stack([c.astype(float), m.astype(float), x], axis=1)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        arcs["head"] = n_nodes + inverse.reshape(-1)
        arcs["stage"] = np.full(len(c), j)
        parts.append(arcs)
        layer = (
            uniq[:, 0].astype(np.int64),
            n_nodes + np.arange(len(uniq)),
            uniq[:, 1].astype(np.int64),
            uniq[:, 2],
        )
        n_nodes += len(uniq)
    flat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return _pruned(centres, full, w, n_nodes, flat, area is not None)


def _alive(flat: dict[str, np.ndarray], n_nodes: int, last: int) -> np.ndarray:
    """Arcs on some walk to the last stage (dead ends dropped)."""
    good = np.zeros(n_nodes, dtype=bool)
    good[flat["head"][flat["stage"] == last]] = True
    live = np.zeros(len(flat["head"]), dtype=bool)
    for j in range(last, -1, -1):
        on = (flat["stage"] == j) & good[flat["head"]]
        live |= on
        good[flat["tail"][on]] = True
    return live


def _pruned(
    centres: np.ndarray,
    full: pd.DataFrame,
    w: np.ndarray,
    n_nodes: int,
    flat: dict[str, np.ndarray],
    priced: bool,
) -> ModeGraph:
    """The graph without dead ends and, with area priced, without arcs whose shortfall alone
    exceeds the least a path of the centre can have (module docstring)."""
    last = w.shape[1] - 1
    flat = {k: v[_alive(flat, n_nodes, last)] for k, v in flat.items()}
    cap = None
    if priced:
        least = shortest(flat, n_nodes, len(centres), flat["short"])
        bound = np.maximum(least, 0.0) + SHORT_TOL_M2
        flat = {k: v[flat["short"] <= bound[flat["centre"]]] for k, v in flat.items()}
        flat = {k: v[_alive(flat, n_nodes, last)] for k, v in flat.items()}
        if (flat["short"] > 0).any():
            cap = bound
    area = {k: flat[k] for k in AREA_FIELDS} if priced else None
    return ModeGraph(
        centres, full, w, n_nodes, flat["centre"], flat["stage"], flat["tail"], flat["head"],
        flat["mode"], flat["cost"], flat["change"], area, cap,
    )  # fmt: skip


def shortest(
    flat: dict[str, np.ndarray], n_nodes: int, n: int, weight: np.ndarray, sign: float = 1.0
) -> np.ndarray:
    """Per centre, the least (``sign`` -1: the most) ``weight`` summed over a walk from its
    source to the last stage (arcs in stage order)."""
    best = np.full(n_nodes, np.inf)
    best[:n] = 0.0
    for j in range(int(flat["stage"].max()) + 1 if len(flat["stage"]) else 0):
        on = flat["stage"] == j
        np.minimum.at(best, flat["head"][on], best[flat["tail"][on]] + sign * weight[on])
    last = flat["stage"] == flat["stage"].max()
    out = np.full(n, np.inf)
    np.minimum.at(out, flat["centre"][last], best[flat["head"][last]])
    return sign * out


def cheapest_paths(g: ModeGraph) -> np.ndarray:
    """Per centre the arcs of its cheapest path, shape (centres, stages): least cost, then
    fewest conversions, then the more traditional path read from the first stage."""
    n, n_stages = len(g.centres), g.w.shape[1]
    best: dict[int, tuple[float, int, tuple[int, ...], tuple[int, ...]]] = {}
    for end in g.head[g.stage == n_stages - 1]:
        best[int(end)] = (0.0, 0, (), ())
    for j in range(n_stages - 1, -1, -1):
        for a in (int(k) for k in np.flatnonzero(g.stage == j)):
            cost, changes, modes, arcs = best[int(g.head[a])]
            key: tuple[float, int, tuple[int, ...], tuple[int, ...]] = (
                float(np.round(cost + g.cost[a], 6)),
                changes + int(g.change[a]),
                (int(g.mode[a]), *modes),
                (a, *arcs),
            )
            tail = int(g.tail[a])
            if tail not in best or key[:3] < best[tail][:3]:
                best[tail] = key
    return np.array([best[c][3] for c in range(n)], dtype=np.int64).reshape(n, n_stages)


def chosen_table(
    g: ModeGraph, arcs: np.ndarray, stages: list[int], rules: ModeRules
) -> pd.DataFrame:
    """The chosen paths, given by their arcs (centres, stages), as a (stage, centre_id) table:
    ``mode``, ``windows``, ``windows_dedicated``, ``windows_general``,
    ``windows_traditional``, ``dedicated_items``, ``training_kcny`` (a year) and the area
    the path keeps (``area_extra_m2``, ``area_short_m2``, ``area_kcny`` over the stage,
    ``area_unconverted_m2``; zeros when area is not priced)."""
    full, w, centres = g.full, g.w, g.centres
    n, n_stages = len(centres), len(stages)
    rows = np.arange(n)
    ded1, hot, served = (
        full[k].astype(float).fillna(0.0).to_numpy().reshape(n_stages, n).T
        for k in ("ded1", "hot", "served")
    )
    frames = []
    for j, s in enumerate(stages):
        a = arcs[:, j]
        m = g.mode[a]
        windows = w[rows, j, m]
        dedicated = np.select([m == 0, m == 1], [windows, ded1[:, j]], 0.0)
        names = ("area_extra_m2", "area_short_m2", "area_kcny", "area_unconverted_m2")
        kept = {
            name: (np.zeros(n) if g.area is None else g.area[field][a])
            for name, field in zip(names, AREA_FIELDS, strict=True)
        }
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
                    **kept,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).set_index(["stage", "centre_id"])


def decide_modes(
    need: pd.DataFrame,
    today: pd.Series,
    stages: list[int],
    lengths: dict[int, float],
    rules: ModeRules,
) -> pd.DataFrame:
    """The cheapest mode path per centre (module docstring), a shortest path in the graph of
    every centre's paths (:mod:`planner.modes.graph`).

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
    g = build_graph(need, today, stages, lengths, rules)
    return chosen_table(g, cheapest_paths(g), stages, rules)
