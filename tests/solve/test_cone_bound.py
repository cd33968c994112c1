"""The cone bound (planner/solve/cone_bound.py) on the tiny joint problems of
test_int_bound, checked against their exact optimum found by enumeration.

One township, one centre, window capacity kappa = 1, windows at omega = 10 a window-year,
training tau a window-year, unserved demand at 100 a unit. Each case works out the LP's
optimum, the cone LP's and the exact optimum by hand; the bound must lie between the LP's
optimum and the exact one.
"""

from __future__ import annotations

import itertools

import pytest

from planner.solve.cone_bound import ConeRules, cone_lp, reachable
from tests.solve.test_int_bound import Case, exact_optimum, lp_of, lp_optimum


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
    case = Case(
        {(1, "a"): 1.2, (1, "b"): 0.3, (2, "a"): 2.4, (2, "b"): 0.2},
        {"a": 1.0, "b": 1.0},
        {1: 2.0, 2: 3.0},
        alpha=2.0,
        price=3.0,
        hot=0.5,
        today=0,
    )
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
