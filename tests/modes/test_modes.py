"""Window modes as a decision: hand-worked tiny cases (planner/modes/rules.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.modes.graph import decide_modes
from planner.modes.rules import (
    MODES,
    bar_big_general,
    mode_bounds,
    mode_windows,
    today_modes,
)
from tests.tiny import mode_rules

KAPPA = 100.0
"""A window's thousand minutes a year in these cases."""
LENGTHS = {1: 2.0, 2: 3.0, 3: 5.0}
STAGES = [1, 2, 3]


def items(n: int, load: float, daily: float, centre: str = "c") -> pd.DataFrame:
    """``n`` items with the same load (thousand minutes) and daily volume in every stage."""
    return pd.DataFrame(
        [(s, centre, f"k{i}", load, daily) for s in STAGES for i in range(n)],
        columns=["stage", "centre_id", "item_id", "load", "daily"],
    )


CAPACITY = pd.Series({"c": KAPPA, "d": KAPPA})


def test_windows_each_mode_needs() -> None:
    # six busy items at a quarter window each: one window per item traditional, the same
    # small general (every item is at or above the standard and keeps its own: no general
    # window, which would serve nothing), 1.5 windows of pooled work rounded up big general
    need = mode_windows(items(6, 25.0, 25.0), CAPACITY, mode_rules())
    row = need.loc[(1, "c")]
    assert (row["w0"], row["w1"], row["w2"]) == (6.0, 6.0, 2.0)
    # quiet items (below the standard) share general windows in small general
    quiet = mode_windows(items(8, 20.0, 4.0), CAPACITY, mode_rules()).loc[(1, "c")]
    assert (quiet["w0"], quiet["w1"], quiet["w2"]) == (8.0, 2.0, 2.0)


def test_small_general_keeps_no_idle_general_window() -> None:
    # issue 28: a small-general centre whose items are all at or above the standard keeps
    # their dedicated windows and no general window (it would serve nothing); with one
    # quiet item (a tenth of a window) it keeps one general window for it
    rules = mode_rules(steps=0)
    busy = decide_modes(
        mode_windows(items(6, 25.0, 25.0), CAPACITY, rules), pd.Series({"c": 1}), STAGES,
        LENGTHS, rules,
    )  # fmt: skip
    assert list(busy["mode"]) == ["small_general"] * 3
    assert list(busy["windows"]) == [6.0, 6.0, 6.0]
    assert list(busy["windows_general"]) == [0.0, 0.0, 0.0]
    quiet = pd.DataFrame([(s, "c", "q", 10.0, 5.0) for s in STAGES], columns=items(1, 0, 0).columns)
    mixed = mode_windows(pd.concat([items(6, 25.0, 25.0), quiet]), CAPACITY, rules)
    assert (mixed.loc[(1, "c"), "w0"], mixed.loc[(1, "c"), "w1"]) == (7.0, 7.0)
    kept = decide_modes(mixed, pd.Series({"c": 1}), STAGES, LENGTHS, rules)
    assert list(kept["windows_general"]) == [1.0, 1.0, 1.0]


def _path(chosen: pd.DataFrame, centre: str = "c") -> list[str]:
    return [chosen.at[(s, centre), "mode"] for s in STAGES]


def test_converts_once_training_pays_back() -> None:
    # by hand (kCNY): all traditional 6 x 120 x 10 years = 7,200; the one-step pace forces
    # small general (6 windows) in stage 1, then big general (2 windows): 6 x 120 x 2 +
    # 2 x (120 + t) x 8 = 3,360 + 16 t, cheaper while t < 240 (traditional, small, big:
    # 4,800 + 10 t, cheaper than that only from t = 240 on, where all traditional is)
    need = mode_windows(items(6, 25.0, 25.0), CAPACITY, mode_rules())
    today = pd.Series({"c": 0})
    converts = decide_modes(need, today, STAGES, LENGTHS, mode_rules(training=239.0))
    assert _path(converts) == ["small_general", "big_general", "big_general"]
    assert list(converts["windows"]) == [6.0, 2.0, 2.0]
    assert converts.at[(2, "c"), "windows_general"] == 2.0
    assert converts.at[(1, "c"), "windows_dedicated"] == 6.0
    stays = decide_modes(need, today, STAGES, LENGTHS, mode_rules(training=241.0))
    assert _path(stays) == ["traditional"] * 3
    assert list(stays["windows"]) == [6.0, 6.0, 6.0]
    assert list(stays["windows_dedicated"]) == [6.0, 6.0, 6.0]


def test_low_volume_centre_with_many_items_converts() -> None:
    # ten items at the standard (20 a day) with a twentieth of a window of work each:
    # traditional 10 windows, small general 10 (every item keeps its own, no general one),
    # big general 1. By hand (kCNY): all traditional 10 x 120 x 10 years = 12,000; small
    # general in stage 1 (the pace), then big: 10 x 120 x 2 + 1 x (120 + t) x 8 = 3,360 +
    # 8 t, cheaper while t < 1,080 (traditional, small, big: 6,600 + 5 t, the same limit)
    need = mode_windows(items(10, 5.0, 20.0), CAPACITY, mode_rules())
    row = need.loc[(1, "c")]
    assert (row["w0"], row["w1"], row["w2"]) == (10.0, 10.0, 1.0)
    today = pd.Series({"c": 0})
    converts = decide_modes(need, today, STAGES, LENGTHS, mode_rules(training=1079.0))
    assert _path(converts) == ["small_general", "big_general", "big_general"]
    assert list(converts["windows"]) == [10.0, 1.0, 1.0]
    stays = decide_modes(need, today, STAGES, LENGTHS, mode_rules(training=1081.0))
    assert _path(stays) == ["traditional"] * 3
    assert list(stays["windows"]) == [10.0, 10.0, 10.0]


def test_quiet_items_pool_in_small_general() -> None:
    # ten items of 15 transactions a day (below the standard), a tenth of a window each:
    # traditional 10 windows, small general 1, big general 1 (+ training): small general
    # saves 9 windows a stage and big general adds only training, so it stops there
    need = mode_windows(items(10, 10.0, 15.0), CAPACITY, mode_rules())
    chosen = decide_modes(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules())
    assert _path(chosen) == ["small_general"] * 3
    assert list(chosen["windows"]) == [1.0, 1.0, 1.0]
    assert list(chosen["windows_traditional"]) == [10.0, 10.0, 10.0]


def test_stays_traditional_when_training_does_not_pay() -> None:
    # one busy item: every mode needs its 3 windows, so big general only adds training and
    # the centre stays traditional
    need = mode_windows(items(1, 250.0, 90.0), CAPACITY, mode_rules())
    chosen = decide_modes(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules())
    assert _path(chosen) == ["traditional"] * 3
    assert list(chosen["training_kcny"]) == [0.0, 0.0, 0.0]


def test_one_step_pace_binds() -> None:
    need = mode_windows(items(6, 25.0, 25.0), CAPACITY, mode_rules())
    today = pd.Series({"c": 0})
    one = decide_modes(need, today, STAGES, LENGTHS, mode_rules(steps=1))
    two = decide_modes(need, today, STAGES, LENGTHS, mode_rules(steps=2))
    assert _path(one)[0] == "small_general"
    assert _path(two) == ["big_general"] * 3
    # no pace at all: nothing converts
    none = decide_modes(need, today, STAGES, LENGTHS, mode_rules(steps=0))
    assert _path(none) == ["traditional"] * 3


def test_never_backwards_unless_configured() -> None:
    # today big general with one busy item: 3 windows in every mode, so a year costs
    # 3 x 180 = 540 big general (training 60), 360 small general or traditional; stepping
    # back (3,600) beats staying (540 x 10 = 5,400), and of the equal steps back the one
    # with fewer conversions is kept (S, S, S rather than S, T, T)
    need = mode_windows(items(1, 250.0, 90.0), CAPACITY, mode_rules())
    today = pd.Series({"c": 2})
    forward = decide_modes(need, today, STAGES, LENGTHS, mode_rules(training=60.0))
    assert _path(forward) == ["big_general"] * 3
    back = decide_modes(need, today, STAGES, LENGTHS, mode_rules(training=60.0, backwards=True))
    assert _path(back) == ["small_general"] * 3
    assert list(back["windows"]) == [3.0, 3.0, 3.0]


def test_centre_serving_nothing_keeps_its_mode_with_no_window() -> None:
    need = mode_windows(items(6, 25.0, 25.0), CAPACITY, mode_rules())
    chosen = decide_modes(need, pd.Series({"c": 0, "d": 1}), STAGES, LENGTHS, mode_rules())
    assert _path(chosen, "d") == ["small_general"] * 3
    assert [chosen.at[(s, "d"), "windows"] for s in STAGES] == [0.0, 0.0, 0.0]


def test_today_from_windows_against_items() -> None:
    need = mode_windows(
        pd.concat([items(6, 25.0, 25.0, "c"), items(6, 25.0, 25.0, "d")]), CAPACITY, mode_rules()
    )
    # 6 busy items need 6 windows traditional or small general, 2 big general
    centres = pd.DataFrame({"windows": [6, 2]}, index=["c", "d"])
    today, source = today_modes(centres, need, 1)
    assert list(source) == ["inventory", "inventory"]
    assert [MODES[m] for m in today] == ["traditional", "big_general"]
    given = centres.assign(mode=["small_general", "traditional"])
    today, source = today_modes(given, need, 1)
    assert list(source) == ["data", "data"]
    assert list(today) == [1, 0]
    # a blank mode is inferred as without the column; a given one wins over the windows
    partly = centres.assign(mode=["", "traditional"])
    today, source = today_modes(partly, need, 1)
    assert list(today) == [0, 0]
    assert list(source) == ["inventory", "data"]
    with pytest.raises(ValueError, match="centre 'c' has mode 'other' in column 'mode'"):
        today_modes(given.assign(mode="other"), need, 1)


def test_bounds_bracket_the_plan() -> None:
    cen = pd.DataFrame(
        {
            "stage": [0, 1, 2, 3],
            "windows_lp": [0.0, 1.5, 1.5, 1.5],
            "windows": [6.0, 7.0, 2.0, 2.0],
            "training_kcny": [0.0, 0.0, 12.0, 12.0],
        }
    )
    out = mode_bounds(cen, 1000.0, LENGTHS, mode_rules())
    extra = 2 * 120 * 5.5 + 3 * (120 * 0.5 + 12) + 5 * (120 * 0.5 + 12)
    assert out["lower_bound_kcny"] == pytest.approx(1000.0)
    assert out["plan_cost_kcny"] == pytest.approx(1000.0 + extra)
    assert out["gap"] == pytest.approx(extra / (1000.0 + extra))
    # its parts: pooled windows rounded up (2 each stage), the modes' windows beyond that,
    # training
    assert out["integer_rounding_kcny"] == pytest.approx(120 * 0.5 * 10)
    assert out["mode_windows_kcny"] == pytest.approx(2 * 120 * 5)
    assert out["training_kcny"] == pytest.approx(12 * 8)
    parts = out["integer_rounding_kcny"] + out["mode_windows_kcny"] + out["training_kcny"]
    assert parts == pytest.approx(extra)


def test_nothing_served_anywhere() -> None:
    # no centre serves anything (every township out of reach): no window, modes kept
    need = mode_windows(items(2, 25.0, 25.0).iloc[0:0], CAPACITY, mode_rules())
    chosen = decide_modes(need, pd.Series({"c": 1, "d": 0}), STAGES, LENGTHS, mode_rules())
    assert set(chosen["windows"]) == {0.0}
    assert _path(chosen) == ["small_general"] * 3


def test_savings_round_trip_through_summary_json() -> None:
    from planner.plan.summary import ModeSaving, PlanSummary, SummaryError, mode_savings

    cen = pd.DataFrame(
        {
            "stage": [0, 1, 1],
            "level": ["county", "county", "township"],
            "windows": [9.0, 2.0, 1.0],
            "windows_traditional": [9.0, 6.0, 4.0],
            "training_kcny": [0.0, 12.0, 0.0],
        }
    )
    saved = mode_savings(cen, 120.0)
    assert saved[1]["county"] == ModeSaving(6.0, 2.0, 4.0, 12.0, 468.0)
    assert saved[1]["township"].windows_saved == 3.0
    assert saved[1]["city"].windows == 0.0
    value = {
        "status": "optimal",
        "objective_terms_kcny": {},
        "top_heavy_share": {},
        "stages": {},
        "model": {},
        "mode_savings": {"1": {"county": {"windows": 2.0}}},
    }
    with pytest.raises(SummaryError, match=r"mode_savings\.1\.county\.windows_traditional"):
        PlanSummary.from_json(value)


@pytest.mark.parametrize(("per_window", "path"), [
    (200.0, ["small_general", "big_general", "big_general"]),
    (24.0, ["traditional"] * 3),
])  # fmt: skip
def test_the_per_window_volume_standard_gates_conversion(
    per_window: float, path: list[str]
) -> None:
    # test_converts_once_training_pays_back's centre: six items of 25 a day, 150 a day on 6
    # traditional windows = 25 per window. Under a standard of 200 a window it converts as
    # there; at 24 its traditional windows are too busy to merge, so it stays (issue 23).
    need = mode_windows(items(6, 25.0, 25.0), CAPACITY, mode_rules(per_window=per_window))
    assert bool(need.at[(1, "c"), "convert_ok"]) == (per_window >= 25.0)
    today = pd.Series({"c": 0})
    chosen = decide_modes(
        need, today, STAGES, LENGTHS, mode_rules(training=6.0, per_window=per_window)
    )
    assert _path(chosen) == path


def test_a_held_stage_delays_conversion() -> None:
    # The same centre held in stage 1 (its county's phase is not a converting one): the
    # pace then allows small general in stage 2 and big general in stage 3 only.
    need = mode_windows(items(6, 25.0, 25.0), CAPACITY, mode_rules())
    need.loc[(1, "c"), "convert_ok"] = False
    chosen = decide_modes(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules())
    assert _path(chosen) == ["traditional", "small_general", "big_general"]


def test_a_level_without_big_general_stops_at_small_general() -> None:
    # windows.big_general_levels (issue 23). Centre c, a city hall: four busy items (25 a
    # day, a quarter window each) keep dedicated windows, eight quiet ones (4 a day, a tenth
    # of a window each) share one general window: traditional 12 windows, small general
    # 4 + 1 = 5, big general ceil(1.8) = 2. Centre d, a township station, is the same.
    # By hand (kCNY, 120 a window-year, training 6 a big-general window-year, stages of
    # 2, 3 and 5 years, one step a stage from traditional):
    #   small, big, big: 5 x 120 x 2 + 2 x 126 x 8 = 1,200 + 2,016 = 3,216 (the default)
    #   small general throughout (big general barred): 5 x 120 x 10 = 6,000
    #   traditional throughout: 12 x 120 x 10 = 14,400
    # so barring city halls from big general costs c 2,784 and leaves d as it was.
    busy = pd.concat([items(4, 25.0, 25.0, centre) for centre in ("c", "d")])
    quiet = [
        (s, centre, f"q{i}", 10.0, 4.0) for centre in ("c", "d") for s in STAGES for i in range(8)
    ]
    need = mode_windows(
        pd.concat([busy, pd.DataFrame(quiet, columns=busy.columns)]), CAPACITY, mode_rules()
    )
    assert tuple(need.loc[(1, "c"), ["w0", "w1", "w2"]]) == (12.0, 5.0, 2.0)
    level = pd.Series({"c": "city", "d": "township"})
    today = pd.Series({"c": 0, "d": 0})

    def cost(chosen: pd.DataFrame, centre: str) -> float:
        return sum(
            LENGTHS[s] * (120.0 * chosen.at[(s, centre), "windows"] + chosen.at[(s, centre),
                          "training_kcny"])
            for s in STAGES
        )  # fmt: skip

    every = decide_modes(
        bar_big_general(need, level, ["province", "city", "county", "township"], STAGES),
        today, STAGES, LENGTHS, mode_rules(),
    )  # fmt: skip
    assert _path(every, "c") == _path(every, "d") == ["small_general", "big_general", "big_general"]
    assert cost(every, "c") == pytest.approx(3216.0)
    barred = bar_big_general(need, level, ["county", "township"], STAGES)
    assert not barred.xs("c", level="centre_id")["big_ok"].any()
    assert barred.xs("d", level="centre_id")["big_ok"].all()
    chosen = decide_modes(barred, today, STAGES, LENGTHS, mode_rules())
    assert _path(chosen, "c") == ["small_general"] * 3
    assert list(chosen.xs("c", level="centre_id")["windows"]) == [5.0, 5.0, 5.0]
    assert cost(chosen, "c") == pytest.approx(6000.0)
    assert cost(chosen, "c") - cost(every, "c") == pytest.approx(2784.0)
    assert _path(chosen, "d") == _path(every, "d")
    assert cost(chosen, "d") == pytest.approx(cost(every, "d"))


def test_an_idle_hall_of_a_barred_level_leaves_big_general() -> None:
    # A city hall in big general today that serves nothing in any stage (no row of need):
    # barred from big general and free to step back, it takes small general in stage 1 (no
    # windows, no cost either way) instead of being reported in big general; a township
    # station in the same position keeps big general (fewer changes).
    need = mode_windows(items(1, 25.0, 25.0, "d").iloc[0:0], CAPACITY, mode_rules())
    level = pd.Series({"c": "city", "d": "township"})
    barred = bar_big_general(need, level, ["county", "township"], STAGES)
    assert list(barred.index) == [(s, "c") for s in STAGES]
    assert (barred[["w0", "w1", "w2"]] == 0).all().all() and not barred["big_ok"].any()
    rules = mode_rules(backwards=True)
    chosen = decide_modes(barred, pd.Series({"c": 2, "d": 2}), STAGES, LENGTHS, rules)
    assert _path(chosen, "c") == ["small_general"] * 3
    assert _path(chosen, "d") == ["big_general"] * 3
    assert (chosen["windows"] == 0).all()
