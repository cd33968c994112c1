"""The cone bound (planner/solve/cone_bound.py) on the tiny joint problems of
test_int_bound, checked against their exact optimum found by enumeration.

One township, one centre, window capacity kappa = 1, windows at omega = 10 a window-year,
training tau a window-year, unserved demand at 100 a unit. Each case works out the LP's
optimum, the cone LP's and the exact optimum by hand; the bound must lie between the LP's
optimum and the exact one.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pulp
import pytest

from planner.config.schema import load_config
from planner.model.build import build_model
from planner.plan.bound import cone_rules
from planner.solve.backends import lp_arrays
from planner.solve.cone_bound import ConeRules, cone_lp, forced_training, reachable
from tests.solve.test_int_bound import TWO_STAGES, Case, exact_optimum, lp_of, lp_optimum
from tests.tiny import prepare_run, tiny_centres, write_case


def cone_bound(case: Case) -> tuple[float, float]:
    """The window-relaxed LP's optimum and the cone LP's (modes reachable from today's)."""
    lp = lp_of(case)
    today = [case.today] if case.today is not None else [0, 1, 2]
    reach: dict[tuple[int, str], tuple[bool, bool, bool]] = {}
    for m0 in today:  # any start when today's mode is not given: the union
        got = reachable({"c1": m0}, sorted(case.years), {}, {}, 1, False)
        for key, modes in got.items():
            old = reach.get(key, (False, False, False))
            reach[key] = (old[0] | modes[0], old[1] | modes[1], old[2] | modes[2])
    cone = cone_lp(lp, ConeRules(case.years, case.tau, case.hot, reach=reach))
    return lp_optimum(lp)[0], lp_optimum(cone.lp)[0]


def test_rounding_at_a_wide_reach_is_not_seen() -> None:
    # one item, D = 1.5: its reach (1.5) exceeds a window, so the dedicated cone's rate is
    # 1 / kappa, the LP's: the bound stays at the LP's 15 windows-cost (optimum 20)
    case = Case({(1, "a"): 1.5}, {"a": 1.0}, {1: 1.0})
    lp, cone = cone_bound(case)
    assert lp == pytest.approx(15.0)
    assert cone == pytest.approx(15.0)
    assert exact_optimum(case) == pytest.approx(20.0)


def test_hot_small_items_pay_training_or_a_window_each() -> None:
    # two items of 0.5 (standard 0.1, tau 4): dedicated each needs n >= l / 0.5 (20 a unit
    # of load), cold pooled c_k <= 0.1 G (50 a unit), big general 1 / min(1, 1.0) windows
    # a unit at 10 + 4: the cone LP serves both in big general, 14 = the exact optimum
    # (one big-general window); the LP pools 1 window, 10
    case = Case({(1, "a"): 0.5, (1, "b"): 0.5}, {"a": 1.0, "b": 1.0}, {1: 1.0}, tau=4.0, hot=0.1)
    lp, cone = cone_bound(case)
    assert lp == pytest.approx(10.0)
    assert cone == pytest.approx(14.0)
    assert exact_optimum(case) == pytest.approx(14.0)


def test_small_reach_needs_a_whole_window() -> None:
    # items 0.3 and 0.4, both cold (standard 100), today traditional: one stage reaches
    # traditional (1 / 0.3 and 1 / 0.4 windows a unit) and small general (general windows
    # G >= (c_a + c_b) / min(1, 0.7)): the cone LP takes G = 1, 10 = the exact optimum
    # (one general window); the LP 0.7 windows, 7
    case = Case({(1, "a"): 0.3, (1, "b"): 0.4}, {"a": 1.0, "b": 1.0}, {1: 1.0}, today=0)
    lp, cone = cone_bound(case)
    assert lp == pytest.approx(7.0)
    assert cone == pytest.approx(10.0)
    assert exact_optimum(case) == pytest.approx(10.0)


def test_pace_keeps_big_general_and_its_training() -> None:
    # today big general, no step back: 3 windows of load pooled at 10 + 1 training = 33,
    # the exact optimum; the LP 30
    case = Case({(1, "a"): 2.0, (1, "b"): 1.0}, {"a": 1.0, "b": 1.0}, {1: 1.0}, today=2)
    lp, cone = cone_bound(case)
    assert lp == pytest.approx(30.0)
    assert cone == pytest.approx(33.0)
    assert exact_optimum(case) == pytest.approx(33.0)


def test_two_stages_pace_and_area() -> None:
    # test_int_bound's two-stage case (optimum 249, LP 2 x 16 x 1.5 + 3 x 16 x 2.6 = 172.8,
    # 16 = 10 + 2 m2 x 3 a window-year). Stage 1 reaches traditional and small general: a
    # (1.2, hot) dedicated at rate 1, b (0.3, cold, standard 0.5) in G with c_b <= 0.5 G and
    # c_a + c_b <= 0.8 G: G = 0.6 holds b and 0.18 of a, windows 1.02 + 0.6 = 1.62. Stage 2
    # reaches big general too: a dedicated (2.4), b in big general (0.2 at 16 + 1): 2 x 16 x
    # 1.62 + 3 x (16 x 2.6 + 0.2) = 177.24
    case = TWO_STAGES
    lp, cone = cone_bound(case)
    assert lp == pytest.approx(172.8)
    assert cone == pytest.approx(177.24)
    assert exact_optimum(case) == pytest.approx(249.0)


@pytest.mark.parametrize(
    ("a", "b", "hot", "today"),
    list(itertools.product((0.4, 1.3), (0.2, 0.7), (0.3, 5.0), (0, 1, 2))),
)
def test_bound_between_lp_and_optimum(a: float, b: float, hot: float, today: int) -> None:
    # every integer plan is a point of the cone LP at no higher cost: the bound never
    # exceeds the exact optimum, and never falls below the LP (its rows are kept)
    case = Case({(1, "a"): a, (1, "b"): b}, {"a": 1.0, "b": 1.5}, {1: 1.0}, hot=hot, today=today)
    lp, cone = cone_bound(case)
    assert lp - 1e-6 <= cone <= exact_optimum(case) + 1e-6


def test_reachable_modes() -> None:
    # one step a stage, no step back: from traditional small general in stage 1 and big
    # general in stage 2; a barred phase holds a stage; a level without big general never
    # reaches it, unless today's mode is big general (kept where nothing else is reachable)
    out = reachable({"c": 0, "d": 2, "e": 0, "f": 1}, [1, 2], {(1, "e"): False}, {"f": False},
                    1, False)  # fmt: skip
    assert out[1, "c"] == (True, True, False)
    assert out[2, "c"] == (True, True, True)
    assert out[1, "d"] == out[2, "d"] == (False, False, True)
    assert out[1, "e"] == (True, False, False)
    assert out[2, "e"] == (True, True, False)
    assert out[2, "f"] == (False, True, False)
    back = reachable({"d": 2}, [1], {}, {}, 1, True)
    assert back[1, "d"] == (False, True, True)


def _station_case(folder: Path) -> Path:
    """Two towns of 3,000 people, one item (4,000 transactions per 1,000 residents a year,
    county or township) at a county hall of 150 m2 that may not grow and a station in T2
    whose windows run big general today (the input says so): with no step back, the station
    stays big general and pays training on every window."""
    townships = [
        {"township_id": "320101001", "name": "T1", "kind": "town", "lon": 118.0, "lat": 32.0,
         "population": 3000},
        {"township_id": "320101002", "name": "T2", "kind": "town", "lon": 118.1, "lat": 32.0,
         "population": 3000},
    ]  # fmt: skip
    centres = [
        {**c, "windows": 100, "mode": "traditional"}
        for c in tiny_centres(county=150.0, stations={"320101002": 200.0})
    ]
    centres[-1]["mode"] = "big_general"
    levels = {"township": {"max_growth_per_stage": 100.0}, "county": {"max_growth_per_stage": 0.0}}
    return write_case(
        folder,
        townships=townships,
        centres=centres,
        items=[{"levels_s1": "county|township", "annual_per_1000": 4000}],
        config={
            "costs": {"value_of_time_per_hour": 0.0, "expansion_cost_per_m2": 0.0},
            "policy": {"levels": levels},
        },
    )


def test_planner_case_pays_the_stations_training(tmp_path: Path) -> None:
    # the planner's own LP: the station (today big general, no step back) can reach big
    # general only, the county hall (traditional today, one step a stage) traditional or
    # small general. The cone LP keeps the LP's flows and pays training (6 kCNY a
    # window-year, one year) on the station's LP windows: one item, so the dedicated and
    # pooled cones are the LP's row (T2 reaches 120 thousand minutes, more than a window's
    # 54). The exact optimum (integer windows, training on the station's: every mode needs
    # the same windows for one item) is higher still: 2 + 2 windows (LP 615.83, cone 617.50
    # = 615.83 + 6 x 0.278 station windows, exact 672.0 kCNY).
    config = _station_case(tmp_path)
    loaded = load_config(config)
    prepared = prepare_run(loaded)
    d = prepared.model_data()
    model = build_model(d)
    lp = lp_arrays(model)
    window_rows = [i for n, i in lp.row_index.items() if n.startswith("windowtime__")]
    lp.row_lower[window_rows] = -np.inf  # load <= kappa w
    rules = cone_rules(d, loaded.config, prepared.inputs)
    assert rules.reach[1, "town_320101002"] == (False, False, True)
    assert rules.reach[1, "cnty_320101"] == (True, True, False)
    lp_value, _, x = lp_optimum(lp)
    cone = cone_lp(lp, rules)
    value = lp_optimum(cone.lp)[0]
    station = x[model.positions()[id(model.var.w[1, "town_320101002"])]]
    assert station > 0.1  # the LP uses the station
    assert value == pytest.approx(lp_value + 6.0 * station)
    for var in model.var.w.values():
        var.cat = pulp.LpInteger
    for name, row in model.rows.items():
        if name.startswith("windowtime__"):
            row.sense = pulp.LpConstraintLE
    training = 6.0 * model.var.w[1, "town_320101002"]
    model.prob.setObjective(model.prob.objective + training)
    model.prob.solve(pulp.HiGHS(msg=False, mip_rel_gap=0.0))
    exact = float(pulp.value(model.prob.objective))
    assert value + lp.constant <= exact + 1e-6
    assert exact - (value + lp.constant) > 10.0  # rounding is not seen


def test_demand_classes_are_refused() -> None:
    # a demand row of a class pools several items: their cold caps would not hold per row
    case = Case({(1, "cls_a"): 1.0}, {"cls_a": 1.0}, {1: 1.0})
    with pytest.raises(ValueError, match="one demand row per item"):
        cone_lp(lp_of(case), ConeRules(case.years, case.tau, case.hot))


def test_forced_training_alone() -> None:
    # the LP with training on the windows of the centre-stages that reach big general only:
    # today big general, no step back: 3 windows at 10 + 1 = 33, as the cone LP; today
    # traditional: nothing forced, the LP's 30
    for today, expected in ((2, 33.0), (0, 30.0)):
        case = Case({(1, "a"): 2.0, (1, "b"): 1.0}, {"a": 1.0, "b": 1.0}, {1: 1.0}, today=today)
        lp = lp_of(case)
        reach = reachable({"c1": today}, [1], {}, {}, 1, False)
        cost = forced_training(lp, ConeRules(case.years, case.tau, case.hot, reach=reach))
        assert lp_optimum(dataclasses.replace(lp, cost=cost))[0] == pytest.approx(expected)
