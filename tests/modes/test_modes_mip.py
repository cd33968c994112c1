"""The joint window-mode MIP (planner/modes/mip.py): hand-worked tiny cases."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.modes.graph import decide_modes
from planner.modes.mip import MipOptions, OliveSpec, solve_mode_mip
from planner.modes.rules import mode_windows
from tests.tiny import mode_rules

KAPPA = 100.0
LENGTHS = {1: 2.0, 2: 3.0, 3: 5.0}
STAGES = [1, 2, 3]


def items(n: int, load: float, daily: float, centre: str) -> pd.DataFrame:
    return pd.DataFrame(
        [(s, centre, f"k{i}", load, daily) for s in STAGES for i in range(n)],
        columns=["stage", "centre_id", "item_id", "load", "daily"],
    )


def _path(chosen: pd.DataFrame, centre: str) -> list[str]:
    return [chosen.at[(s, centre), "mode"] for s in STAGES]


def test_low_volume_centre_converts_once_training_pays_back() -> None:
    # ten quiet items (5 a day) at a tenth of a window each: traditional 10 windows, small
    # and big general 1 (a pooled window). By hand (kCNY): traditional 10 x 120 x 10 =
    # 12,000; small general from stage 1 (1 window, no training): 1 x 120 x 10 = 1,200; big
    # general only adds training, so the centre stops at small general; with the standard
    # above every item the small general pools everything too.
    need = mode_windows(items(10, 10.0, 5.0, "c"), pd.Series({"c": KAPPA}), mode_rules())
    out = solve_mode_mip(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules())
    assert _path(out.chosen, "c") == ["small_general"] * 3
    assert list(out.chosen["windows"]) == [1.0, 1.0, 1.0]
    assert out.info["objective_kcny"] == pytest.approx(1200.0)
    assert out.info["gap"] <= 1e-6


def test_busy_items_convert_to_big_general_once_training_pays_back() -> None:
    # six busy items (25 a day) at a quarter window: 6 / 6 / 2 windows in the three modes.
    # Pace: small general (6) in stage 1, then big general (2): 6 x 120 x 2 + 2 x (120 + t)
    # x 8 = 3,360 + 16 t against 7,200 traditional: converts while t < 240
    need = mode_windows(items(6, 25.0, 25.0, "c"), pd.Series({"c": KAPPA}), mode_rules())
    go = solve_mode_mip(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(training=239.0))
    assert _path(go.chosen, "c") == ["small_general", "big_general", "big_general"]
    assert go.info["objective_kcny"] == pytest.approx(3360.0 + 16 * 239.0)
    stay = solve_mode_mip(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(training=241.0))
    assert _path(stay.chosen, "c") == ["traditional"] * 3
    assert stay.info["objective_kcny"] == pytest.approx(7200.0)


def test_one_step_pace_binds() -> None:
    # with two steps allowed the centre goes big general at once: 2 x (120 + 6) x 10 =
    # 2,520; with one step it must pass small general (6 windows) in stage 1: 6 x 120 x 2
    # + 2 x 126 x 8 = 3,456
    need = mode_windows(items(6, 25.0, 25.0, "c"), pd.Series({"c": KAPPA}), mode_rules())
    two = solve_mode_mip(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(steps=2))
    assert _path(two.chosen, "c") == ["big_general"] * 3
    assert two.info["objective_kcny"] == pytest.approx(2520.0)
    one = solve_mode_mip(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(steps=1))
    assert _path(one.chosen, "c") == ["small_general", "big_general", "big_general"]
    assert one.info["objective_kcny"] == pytest.approx(3456.0)


def _olive(penalty: float, hard: bool = False) -> OliveSpec:
    return OliveSpec(
        stages=(3,),
        penalties=(("windows", penalty),),
        hard=hard,
        region=pd.Series({"cnty": "p", "twp": "p"}),
        level=pd.Series({"cnty": "county", "twp": "township"}),
        area_per_window=pd.Series({"cnty": 60.0, "twp": 60.0}),
        desk_area={},
    )


def test_olive_by_windows_changes_the_mode_choice() -> None:
    # a county hall with six busy items (6 / 6 / 2 windows) and a township station with
    # three busy items at 0.9 window each (3 / 3 / 3 windows). Alone, the county goes
    # small -> big general (6 x 120 x 2 + 2 x 126 x 8 = 3,456 kCNY; 2 windows in stage 3)
    # and the township stays traditional (3 windows): the township is wider than the
    # county by one window in stage 3. No step back, so a county with at least 3 windows
    # in stage 3 is traditional or small general there (6 windows either way): the
    # cheapest such path is traditional throughout (6 x 120 x 10 = 7,200; the paths
    # through small general cost the same with more conversions): the cure costs 3,744
    # kCNY, against 1 window x 5 years x the penalty.
    need = mode_windows(
        pd.concat([items(6, 25.0, 25.0, "cnty"), items(3, 90.0, 25.0, "twp")]),
        pd.Series({"cnty": KAPPA, "twp": KAPPA}),
        mode_rules(),
    )
    today = pd.Series({"cnty": 0, "twp": 0})
    alone = decide_modes(need, today, STAGES, LENGTHS, mode_rules())
    assert _path(alone, "cnty") == ["small_general", "big_general", "big_general"]
    assert _path(alone, "twp") == ["traditional"] * 3
    free = solve_mode_mip(need, today, STAGES, LENGTHS, mode_rules(), _olive(1000.0))
    assert _path(free.chosen, "cnty") == ["traditional"] * 3
    assert free.chosen.at[(3, "cnty"), "windows"] == 6.0
    assert free.chosen.at[(3, "twp"), "windows"] == 3.0
    assert free.info["olive_violation_kcny"] == pytest.approx(0.0)
    assert free.info["objective_kcny"] == pytest.approx(7200.0 + 3600.0)
    # a penalty below what the cure costs (3,744 over 5 window-years: 748.8 a
    # window-year) leaves the violation and pays its penalty
    cheap = solve_mode_mip(need, today, STAGES, LENGTHS, mode_rules(), _olive(500.0))
    assert _path(cheap.chosen, "cnty") == ["small_general", "big_general", "big_general"]
    assert cheap.info["olive_violation_kcny"] == pytest.approx(5 * 500.0)


def test_uncoupled_mip_matches_every_path_enumerated() -> None:
    # without coupling rows the MIP is each centre's cheapest path: the same as
    # decide_modes, by path and by cost
    frames = [
        items(n, load, daily, f"c{n}")
        for n, load, daily in [(6, 25.0, 25.0), (3, 90.0, 25.0), (10, 10.0, 5.0), (2, 150.0, 40.0)]
    ]
    cap = pd.Series({f"c{n}": KAPPA for n in (6, 3, 10, 2)})
    need = mode_windows(pd.concat(frames), cap, mode_rules(training=30.0))
    today = pd.Series({c: 0 for c in cap.index})
    enumerated = decide_modes(need, today, STAGES, LENGTHS, mode_rules(training=30.0))
    mip = solve_mode_mip(
        need, today, STAGES, LENGTHS, mode_rules(training=30.0), None, MipOptions()
    )
    pd.testing.assert_series_equal(enumerated["mode"], mip.chosen["mode"])
    years = enumerated.index.get_level_values("stage").map(LENGTHS).to_numpy()
    cost = float((years * (enumerated["windows"] * 120.0 + enumerated["training_kcny"])).sum())
    assert mip.info["objective_kcny"] == pytest.approx(cost)
    assert mip.info["bound_kcny"] <= mip.info["objective_kcny"] + 1e-9


def test_centre_with_no_allowed_path_keeps_todays_mode() -> None:
    # today big general, but the big-general standard (at most 10 transactions a day) now
    # forbids it and no step back is allowed: no path is left, so the centre keeps its
    # mode (2 windows at 126 kCNY a window-year over 10 years) rather than breaking the pace
    strict = mode_rules(big_max_daily=10.0)
    need = mode_windows(items(6, 25.0, 25.0, "c"), pd.Series({"c": KAPPA}), strict)
    out = solve_mode_mip(need, pd.Series({"c": 2}), STAGES, LENGTHS, strict)
    assert _path(out.chosen, "c") == ["big_general"] * 3
    assert out.info["objective_kcny"] == pytest.approx(2 * 126.0 * 10)
