"""The mode decision pays for the floor area its windows need (planner/modes/rules.py
``path_areas``, the mode MIP, the plan): hand-worked tiny cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.config.schema import load_config
from planner.modes.mip import solve_mode_mip
from planner.modes.rules import AreaSpec, mode_windows
from planner.run.pipeline import run_config
from tests.tiny import mode_rules, two_province_case

KAPPA = 100.0
LENGTHS = {1: 2.0, 2: 3.0, 3: 5.0}
STAGES = [1, 2, 3]


def busy_need() -> pd.DataFrame:
    # six busy items (25 a day) at a quarter window each: 6 / 7 / 2 windows in the modes
    items = pd.DataFrame(
        [(s, "c", f"k{i}", 25.0, 25.0) for s in STAGES for i in range(6)],
        columns=["stage", "centre_id", "item_id", "load", "daily"],
    )
    return mode_windows(items, pd.Series({"c": KAPPA}), mode_rules(0.0))


def spec(growth: float = np.inf) -> AreaSpec:
    # the LP pooled 1.5 windows into 20 m2 (10 m2 a window, no desks) and kept today's 20
    # m2 in every stage (no expansion, reduction or conversion); area 1 kCNY a m2-year,
    # expansion 4 and reduction 0.3 kCNY a m2, shrink unbounded
    zeros = np.zeros((1, 3))
    return AreaSpec(
        floor=np.full((1, 3), 20.0),
        desk=zeros,
        expand=zeros,
        reduce=zeros,
        convert=zeros,
        area_per_window=np.array([10.0]),
        growth=np.array([growth]),
        shrink=np.array([1e9]),
        per_m2_year=np.ones((1, 3)),
        expansion_cost=4.0,
        reduction_cost=0.3,
        convert_cost=0.0,
    )


def _path(chosen: pd.DataFrame) -> list[str]:
    return [chosen.at[(s, "c"), "mode"] for s in STAGES]


def test_extra_area_changes_the_chosen_mode() -> None:
    """Training 226 kCNY a window-year, one step a stage, by hand (kCNY).

    Windows only: traditional 6 x 120 x 10 = 7,200; small general in stage 1 then big
    general 7 x 120 x 2 + 2 x 346 x 8 = 7,216: the centre stays traditional.

    With area: traditional's 6 windows need 60 m2, 40 beyond the LP's 20: 40 x 1 x 10 years
    + 40 x 4 expansion = 560, total 7,760. Small general's 7 windows need 70 m2 in stage 1
    (50 extra: 50 x 2 + 50 x 4 = 300); big general's 2 windows fit in 20 m2, so the 50 m2
    are reduced in stage 2 (50 x 0.3 = 15): 7,216 + 315 = 7,531. Every other path costs
    more (traditional, small, big: 7,420 + 40 x 2 + 160 + 10 x 4 + 50 x 3 + 15 = 7,865;
    small general to the end: 8,400 + 50 x 10 + 200 = 9,100), so the optimum converts.
    """
    need = busy_need()
    plain = solve_mode_mip(need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(226.0))
    assert _path(plain.chosen) == ["traditional"] * 3
    assert plain.info["objective_kcny"] == pytest.approx(7200.0)
    paid = solve_mode_mip(
        need, pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(226.0), area=spec()
    )
    assert _path(paid.chosen) == ["small_general", "big_general", "big_general"]
    assert paid.info["objective_kcny"] == pytest.approx(7531.0)
    assert list(paid.chosen["area_extra_m2"]) == pytest.approx([50.0, 0.0, 0.0])
    assert list(paid.chosen["area_kcny"]) == pytest.approx([300.0, 15.0, 0.0])
    assert list(paid.chosen["area_short_m2"]) == [0.0, 0.0, 0.0]


def test_growth_forbidden_keeps_the_least_shortfall_path() -> None:
    """No growth: every path is short in stage 1 (today traditional, one step: 6 or 7
    windows in 20 m2). Shortfalls (m2): traditional to the end 40 x 3 = 120; traditional,
    small, big 40 + 50 = 90; small, big, big 50 (big general fits from stage 2 on). The
    least shortfall wins whatever it costs, and is reported."""
    out = solve_mode_mip(
        busy_need(), pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(0.0), area=spec(growth=0.0)
    )
    assert _path(out.chosen) == ["small_general", "big_general", "big_general"]
    assert list(out.chosen["area_short_m2"]) == pytest.approx([50.0, 0.0, 0.0])
    assert list(out.chosen["area_extra_m2"]) == [0.0, 0.0, 0.0]


def test_lp_reduction_is_cancelled_before_expanding() -> None:
    """The LP cut today's 50 m2 to 20 in stage 1 (reduction 30): traditional's 40 m2 extra
    first keeps 30 of those (saves 30 x 0.3 = 9), then expands 10 (40): stage 1 costs
    40 x 2 + 40 - 9 = 111 for the area."""
    base = spec()
    cut = AreaSpec(
        **{**base.__dict__, "reduce": np.array([[30.0, 0.0, 0.0]]), "growth": np.array([10.0])}
    )
    out = solve_mode_mip(
        busy_need(), pd.Series({"c": 0}), STAGES, LENGTHS, mode_rules(1e4), area=cut
    )
    assert _path(out.chosen) == ["traditional"] * 3
    assert list(out.chosen["area_extra_m2"]) == pytest.approx([40.0, 40.0, 40.0])
    assert out.chosen["area_kcny"].iloc[0] == pytest.approx(111.0)
    assert list(out.chosen["area_kcny"].iloc[1:]) == pytest.approx([120.0, 200.0])


def test_plan_floor_area_is_lp_area_plus_extra(tmp_path: Path) -> None:
    """The plan's floor area is the LP's plus the extra its windows need; where a growth
    limit leaves a hall short (the tiny city halls are full and may not grow, and their
    fractional LP windows round up) the shortfall is named by centre and the gap is not
    proven."""
    run = run_config(load_config(two_province_case(tmp_path, {})))
    assert run.parts
    extra = 0.0
    for part in run.parts.values():
        assert part.plan is not None and part.result.solution is not None
        levels = part.prepared.loaded.config.policy.levels
        cen = part.plan.centres
        later = cen[cen["stage"] > 0].set_index(["stage", "centre_id"])
        lp = pd.Series(part.result.solution.area).reindex(later.index)
        assert later["floor_area_m2"].to_numpy() == pytest.approx(
            (lp + later["area_extra_m2"]).to_numpy()
        )
        modes = part.plan.summary.optimality.as_json()["window_modes"]
        assert modes["area_kcny"] == pytest.approx(float(later["area_kcny"].sum()))
        # integer windows and the LP's desks fit, or the shortfall
        # is what the growth limit leaves, named in the report
        apw = later["level"].map({lv: levels[lv].area_per_window_m2 for lv in levels})
        m2_desk = part.prepared.loaded.config.windows.backoffice_m2_per_desk
        desks = pd.Series(part.result.solution.desks).reindex(later.index).fillna(0.0)
        need = apw * later["windows"] + m2_desk * desks
        lack = (need - later["floor_area_m2"]).clip(lower=0.0)
        assert lack.to_numpy() == pytest.approx(later["area_short_m2"].to_numpy(), abs=1e-6)
        short = later[later["area_short_m2"] > 0]
        assert modes["mip"]["area_short_m2"] == pytest.approx(short["area_short_m2"].sum())
        named = [c.split(" ")[0] for c in modes["mip"]["area_short_centres"]]
        assert named == sorted(short.index.get_level_values("centre_id"))
        assert modes["gap_proven"] == (len(short) == 0 and modes["mip"]["bound_valid"])
        extra += float(later["area_extra_m2"].sum())
    assert extra > 0  # the case needs area beyond the LP's, so the test shows something
