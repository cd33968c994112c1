"""The Lagrangian bound (planner/solve/int_bound.py) on tiny joint problems worked by hand and
checked against the exact optimum found by enumeration.

Each case is one township and one centre: demand D_k per item and stage, a unit of item k
takes mu_k window minutes, a window kappa; windows cost omega a window-year, big general adds
training tau a window-year; unserved demand costs rho a unit; each window needs alpha m2
of floor area at p a m2 (the row alpha w - A <= 0, a row the bound prices by its LP dual).
The exact optimum enumerates every mode path and every integer window vector, solving the
flows' LP for each (scipy); the plan is what the planner's route gives (the LP's flows,
their windows rounded up in the cheapest mode), worked out by hand in each test.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from planner.config.schema import load_config
from planner.report.bound_card import bound_card
from planner.run.pipeline import run_config
from planner.solve.backends import LpArrays
from planner.solve.int_bound import BoundRules, lagrangian_bound, split
from tests.plan.test_modes_joint import _case, joint_optimum


@dataclass
class Case:
    demand: dict[tuple[int, str], float]
    """(stage, item) -> demand."""
    mu: dict[str, float]
    years: dict[int, float]
    kappa: float = 1.0
    omega: float = 10.0
    tau: float = 1.0
    rho: float = 100.0
    alpha: float = 0.0
    price: float = 0.0
    hot: float = 100.0
    today: int | None = None


def lp_of(case: Case) -> LpArrays:
    """The window-relaxed LP: columns x (one per stage and item), u, w and A per stage."""
    cost: list[float] = []
    rows: dict[str, list[tuple[int, float]]] = {}
    lo: list[float] = []
    up: list[float] = []

    def col(c: float) -> int:
        cost.append(c)
        return len(cost) - 1

    for s, years in case.years.items():
        w = col(case.omega * years)
        area = col(case.price * years)
        window: list[tuple[int, float]] = [(w, -case.kappa)]
        for (s2, k), d in case.demand.items():
            if s2 != s:
                continue
            x, u = col(0.0), col(case.rho * years)
            rows[f"demand__{s}__t1__{k}"] = [(x, 1.0), (u, 1.0)]
            lo.append(d)
            up.append(d)
            window.append((x, case.mu[k]))
        rows[f"windowtime__{s}__c1"] = window
        lo.append(-np.inf)
        up.append(0.0)
        rows[f"floor__{s}__c1"] = [(w, case.alpha), (area, -1.0)]
        lo.append(-np.inf)
        up.append(0.0)
    starts = np.cumsum([0] + [len(r) for r in rows.values()])
    return LpArrays(
        np.array(cost),
        np.zeros(len(cost)),
        np.full(len(cost), np.inf),
        np.array(lo),
        np.array(up),
        starts,
        np.array([j for r in rows.values() for j, _ in r]),
        np.array([v for r in rows.values() for _, v in r]),
        {name: i for i, name in enumerate(rows)},
    )


def lp_optimum(lp: LpArrays) -> tuple[float, np.ndarray, np.ndarray]:
    """The LP's optimum and row duals (scipy's HiGHS: d objective / d right-hand side, the
    sign HiGHS reports; a highspy run here would fix the thread pool of the planner's)."""
    n, m = len(lp.cost), len(lp.row_lower)
    dense = np.zeros((m, n))
    for i in range(m):
        lo, hi = lp.starts[i], lp.starts[i + 1]
        dense[i, lp.index[lo:hi]] = lp.value[lo:hi]
    eq = lp.row_lower == lp.row_upper
    res = linprog(
        lp.cost,
        A_ub=dense[~eq],
        b_ub=lp.row_upper[~eq],
        A_eq=dense[eq],
        b_eq=lp.row_upper[eq],
        bounds=[(0, None)] * n,
        method="highs",
    )
    assert res.status == 0
    duals = np.zeros(m)
    duals[eq] = res.eqlin.marginals
    duals[~eq] = res.ineqlin.marginals
    return float(res.fun), duals, np.asarray(res.x)


def rules_of(case: Case) -> BoundRules:
    today = None if case.today is None else {"c1": case.today}
    return BoundRules(case.years, case.tau, case.hot, today=today)


def _stage_cost(case: Case, s: int, mode: int) -> float:
    """Least cost of stage ``s`` in ``mode``: every integer window vector, flows by LP."""
    items = sorted(k for s2, k in case.demand if s2 == s)
    top = 1 + max(math.ceil(case.demand[s, k] * case.mu[k] / case.kappa) for k in items)
    years, best = case.years[s], math.inf
    for config in _configs(items, mode, top):
        n_windows, caps = config
        value = _flows(case, s, items, caps)
        if value is None:
            continue
        per_window = case.omega + case.alpha * case.price + (case.tau if mode == 2 else 0)
        best = min(best, value + years * per_window * n_windows)
    return best


def _configs(items: list[str], mode: int, top: int):  # type: ignore[no-untyped-def]
    """(windows, per item (group, lower volume, upper volume)) of every window vector."""
    if mode == 0:
        for n in itertools.product(range(top + 1), repeat=len(items)):
            yield (
                sum(n),
                {
                    k: (("own", n_k), 0.0, math.inf if n_k else 0.0)
                    for k, n_k in zip(items, n, strict=True)
                },
            )
    elif mode == 2:
        for w in range(top + 1):
            yield w, {k: (("pool", w), 0.0, math.inf if w else 0.0) for k in items}
    else:
        for hot in itertools.product((False, True), repeat=len(items)):
            for n in itertools.product(range(1, top + 1), repeat=sum(hot)):
                for g in range(top + 1):
                    it = iter(n)
                    caps = {}
                    for k, h in zip(items, hot, strict=True):
                        caps[k] = (
                            (("own", next(it)), "hot", math.inf)
                            if h
                            else (("pool", g), 0.0, "cold")
                        )
                    if g == 0 and any(hot):
                        continue
                    yield sum(n) + g, caps


def _flows(case: Case, s: int, items: list[str], caps: dict) -> float | None:  # type: ignore[type-arg]
    """Least travel-free cost of serving: x_k loads within the window groups, u unserved."""
    m = len(items)
    c = np.r_[np.zeros(m), np.full(m, case.rho * case.years[s])]
    a_eq = np.hstack([np.eye(m), np.eye(m)])
    b_eq = np.array([case.demand[s, k] for k in items])
    bounds = []
    a_ub, b_ub = [], []
    groups: dict[tuple[str, int], list[int]] = {}
    for j, k in enumerate(items):
        (kind, n), low, high = caps[k]
        low = case.hot if low == "hot" else low
        high = case.hot - 1e-9 if high == "cold" else high
        bounds.append((low, high))
        key = (kind, n) if kind == "pool" else (f"own{j}", n)
        groups.setdefault(key, []).append(j)
    for (_, n), js in groups.items():
        row = np.zeros(2 * m)
        row[js] = [case.mu[items[j]] for j in js]
        a_ub.append(row)
        b_ub.append(case.kappa * n)
    res = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                  bounds=bounds + [(0, None)] * m, method="highs")  # fmt: skip
    return float(res.fun) if res.status == 0 else None


def exact_optimum(case: Case) -> float:
    stages = sorted(case.years)
    cost = {(s, m): _stage_cost(case, s, m) for s in stages for m in range(3)}
    best = math.inf
    starts = [case.today] if case.today is not None else [0, 1, 2]
    for path in itertools.product(range(3), repeat=len(stages)):
        if not any(
            all(0 <= b - a <= 1 for a, b in zip((m0, *path[:-1]), path, strict=True))
            for m0 in starts
        ):
            continue
        best = min(best, sum(cost[s, m] for s, m in zip(stages, path, strict=True)))
    return best


def bound(case: Case, upper: float) -> tuple[float, float, float]:
    """The LP's optimum, the Lagrangian value at its duals and the best bound reached; the
    start from the LP's flows (``primal``) must give a valid bound too."""
    lp = lp_of(case)
    lp_value, duals, primal = lp_optimum(lp)
    out = lagrangian_bound(split(lp, rules_of(case)), duals, upper, budget_s=5.0, max_steps=400)
    started = lagrangian_bound(
        split(lp, rules_of(case)), duals, upper, budget_s=5.0, max_steps=400, primal=primal
    )
    assert started["at_plan_start_kcny"] <= upper + 1e-6
    assert started["bound_kcny"] <= upper + 1e-6
    return lp_value, out["at_lp_duals_kcny"], out["bound_kcny"]


def test_rounding_lp_loose_bound_tight() -> None:
    # one item, D = 1.5, mu = kappa = 1, omega = 10: the LP runs 1.5 windows (15); every
    # integer plan serves it with 2 windows (20: traditional or small general; big general
    # 2 x 11 = 22; 1 window and 0.5 unserved 10 + 50 = 60). The plan (LP flows, windows
    # rounded up, traditional) costs 20 = the optimum. L(lambda) = 1.5 lambda +
    # min(0, 10 - lambda, 20 - 1.5 lambda) reaches 20 at lambda = 20.
    case = Case({(1, "a"): 1.5}, {"a": 1.0}, {1: 1.0})
    lp_value, start, best = bound(case, upper=20.0)
    assert lp_value == pytest.approx(15.0)
    assert start == pytest.approx(15.0)
    assert exact_optimum(case) == pytest.approx(20.0)
    assert best == pytest.approx(20.0, abs=1e-6)


def test_training_and_hot_items_bound_valid() -> None:
    # two hot items of 0.5 (standard 0.1): traditional 2 windows (20), small general 2
    # dedicated + 1 general (30), big general 1 window with training 4 (14): optimum 14; the
    # plan (LP flows 0.5 + 0.5, cheapest mode big general) 14. The LP pools 1 window (10).
    # At lambda_a = lambda_b = lambda in [14, 100] the centre serves both: traditional
    # 2 x (10 - lambda / 2), small general 3 x 10 - lambda, big general 14 - lambda, the
    # least; L = 0.5 lambda x 2 + 14 - lambda = 14: the bound is tight.
    case = Case({(1, "a"): 0.5, (1, "b"): 0.5}, {"a": 1.0, "b": 1.0}, {1: 1.0}, tau=4.0, hot=0.1)
    lp_value, start, best = bound(case, upper=14.0)
    exact = exact_optimum(case)
    assert lp_value == pytest.approx(10.0)
    assert start == pytest.approx(10.0)
    assert exact == pytest.approx(14.0)
    assert best == pytest.approx(exact, abs=1e-6)


TWO_STAGES = Case(
    {(1, "a"): 1.2, (1, "b"): 0.3, (2, "a"): 2.4, (2, "b"): 0.2},
    {"a": 1.0, "b": 1.0},
    {1: 2.0, 2: 3.0},
    alpha=2.0,
    price=3.0,
    hot=0.5,
    today=0,
)
"""Two stages, the pace and floor area: the case of
:func:`test_two_stages_pace_and_area_bound_valid` (exact optimum 249)."""


def test_two_stages_pace_and_area_bound_valid() -> None:
    # stage 1: items a 1.2, b 0.3 (b below the standard 0.5), stage 2: a 2.4, b 0.2; area 2 m2
    # a window at 3 a m2-year (the floor row priced by its dual); today traditional, one step
    # a stage; stage 1 lasts 2 years, stage 2 three. Traditional needs 2 + 1 and 3 + 1
    # windows, small general (a dedicated) the same, big general 2 and 3 with training 1.
    # Window-years at 16 (10 + 2 x 3): traditional both stages 2 x 3 x 16 + 3 x 4 x 16 =
    # 288; small general in either stage the same; the pace forbids big general in stage 1
    # and after traditional; small then big general 96 + 3 x 3 x 17 = 249: optimum 249, the
    # plan.
    case = TWO_STAGES
    exact = exact_optimum(case)
    assert exact == pytest.approx(249.0)
    lp_value, start, best = bound(case, upper=249.0)
    assert lp_value == pytest.approx(2 * 16 * 1.5 + 3 * 16 * 2.6)
    assert start >= lp_value - 1e-6
    assert best <= exact + 1e-6
    assert best == pytest.approx(exact, abs=1e-6)


def test_planner_run_reports_the_integer_bound(tmp_path: Path) -> None:
    # the planner's own tiny case of test_modes_joint (one item: every mode needs the same
    # windows, so the LP with integer windows is the joint problem; exact optimum 3030.0):
    # the run reports the Lagrangian bound, valid (at most the optimum) and at least the
    # window-relaxed LP's optimum, and the gap against the better of the two
    config = _case(tmp_path, (15000, 16000), {"bound_time_s": 5.0})
    run = run_config(load_config(config))
    assert run.plan is not None
    modes = run.plan.summary.optimality.window_modes
    assert modes is not None
    best = joint_optimum(config)
    assert best == pytest.approx(3030.0)
    lag = modes["lagrangian"]
    assert lag["at_lp_duals_kcny"] == pytest.approx(modes["lp_lower_bound_kcny"], rel=1e-9)
    assert lag["bound_kcny"] <= best + 1e-6
    assert modes["lower_bound_kcny"] == max(lag["bound_kcny"], modes["lp_lower_bound_kcny"])
    assert modes["lower_bound_kcny"] <= best <= modes["plan_cost_kcny"] + 1e-6
    gap = (modes["plan_cost_kcny"] - modes["lower_bound_kcny"]) / modes["plan_cost_kcny"]
    assert modes["gap"] == pytest.approx(gap)
    assert modes["gap_proven"]
    assert "bound" in run.prepared.timings.seconds  # its own timed step, after "plan"
    card = bound_card(run.plan.summary.optimality)
    assert f"{modes['plan_cost_kcny']:,.0f}" in card
    assert f"bound {modes['lower_bound_kcny']:,.0f} ({modes['bound_method']})" in card
    assert f"{gap:.2%}, proven" in card


def test_bound_is_off_by_default(tmp_path: Path) -> None:
    # windows.bound_time_s defaults to 0: the run reports the window-relaxed LP's bound only
    # (no Lagrangian record, no LP bound restated beside it, no bound method)
    config = _case(tmp_path, (15000, 16000), {})
    run = run_config(load_config(config))
    assert run.plan is not None
    modes = run.plan.summary.optimality.window_modes
    assert modes is not None and "lower_bound_kcny" in modes
    assert not {"lagrangian", "lp_lower_bound_kcny", "bound_method"} & set(modes)
    assert "bound" not in run.prepared.timings.seconds
    assert bound_card(run.plan.summary.optimality) == ""  # the cost card shows the LP bound
