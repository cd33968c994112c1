"""The pace of compression (issue 23, 逐步压缩): tiny cases whose optimum is worked out here.

One county hall of 100 m2 (province and city 0 m2) serves two towns' 20 thousand window
minutes a year: 20/67.5 = 0.2963 windows, 13.333 m2 in use. A m2 costs 1 kCNY a year, a
window 100 kCNY; reduction is free within the county's 40% shrink limit and converting
surplus beyond it costs 0.8 kCNY a m2 once, so without a pace every stage keeps only the
13.333 m2 in use (converting saves 1 - 0.8 kCNY per m2 in a one-year stage).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planner.config.schema import deep_merge, load_config
from planner.run.pipeline import RunResult, run_config
from tests.tiny import write_case

PAPER = Path(__file__).resolve().parents[2] / "configs" / "jiangsu.toml"
"""Issue 23's rules on (they are off by default: run time, issue 24)."""

NEED_M2 = 45 * 20 / 67.5  # 13.333 m2 in use
WINDOWS_KCNY = 100 * 20 / 67.5  # 29.630 kCNY a year


def _run(folder: Path, pace: dict[str, Any], years: list[int] | None = None) -> RunResult:
    years = years or [2026]
    config = {
        "costs": {
            "window_cost_per_year": 100_000.0,
            "value_of_time_per_hour": 0.0,
            "expansion_cost_per_m2": 0.0,
            "reduction_cost_per_m2": 0.0,
            "top_heavy_penalty_per_m2_year": 0.0,
        },
        "stages": {"years": years},
        "policy": {
            "levels": {"county": {"area_cost_per_m2_year": 1000.0}},
            "top_heavy_max_share": [1.0] * len(years),
            "surplus": {"convert": True, "cost_per_m2": 800.0},
            "olive": {"stages": []},
            "level_floor": {"share_of_today": {}},
            "pace": deep_merge(
                {
                    "centre_max_loss_per_stage": {},
                    "level_max_loss_per_stage": {},
                    "region_max_loss_per_stage": [],
                },
                pace,
            ),
        },
    }
    items = [{f"levels_s{s}": "county" for s in range(1, len(years) + 1)}]
    run = run_config(load_config(write_case(folder, items=items, config=config)))
    assert run.result.status == "optimal" and run.result.solution is not None
    return run


def _area(run: RunResult, stage: int) -> float:
    assert run.result.solution is not None
    return run.result.solution.area[stage, "cnty_320101"]


def test_without_a_pace_the_hall_keeps_only_its_area_in_use(tmp_path: Path) -> None:
    run = _run(tmp_path, {})
    assert _area(run, 1) == pytest.approx(NEED_M2, rel=1e-6)
    # 40 m2 reduced free, 46.667 converted at 0.8
    expected = NEED_M2 + WINDOWS_KCNY + 0.8 * (60 - NEED_M2)
    assert run.result.objective == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("hard", [True, False])
def test_a_hall_loses_at_most_half_its_area_conversion_included(tmp_path: Path, hard: bool) -> None:
    # Pace 0.5: A_1 >= 50. The shrink limit gives 40 m2 free, the other 10 m2 are converted
    # (0.8 kCNY each): 50 + 29.630 + 8 = 87.630 kCNY. Relaxing the row by a m2 saves
    # 1 - 0.8 = 0.2 kCNY (its dual; the soft rule at 20 kCNY a m2 is never paid).
    run = _run(tmp_path, {"centre_max_loss_per_stage": {"county": 0.5}, "hard": hard})
    assert _area(run, 1) == pytest.approx(50.0, rel=1e-6)
    assert run.result.objective == pytest.approx(50 + WINDOWS_KCNY + 8.0, rel=1e-6)
    assert run.result.solution is not None
    dual = run.result.solution.duals["pace"]["pace__1__cnty_320101"]
    assert dual == pytest.approx(-0.2, rel=1e-6)
    assert run.plan is not None
    table = run.plan.rule_costs.set_index(["rule", "stage", "level"])
    row = table.loc[("pace (centre)", 1, "county")]
    assert row["binding_rows"] == 1
    assert row["marginal_max_cny_per_unit_year"] == pytest.approx(200.0, rel=1e-6)


def test_a_cheap_pace_penalty_is_paid_instead(tmp_path: Path) -> None:
    # At 0.1 kCNY per m2 beyond the pace, converting a m2 still saves 1 - 0.8 - 0.1: the
    # hall keeps 13.333 m2 and pays 50 - 13.333 = 36.667 m2 of violation.
    pace = {"centre_max_loss_per_stage": {"county": 0.5}, "hard": False, "penalty_per_m2": 100}
    run = _run(tmp_path, pace)
    assert _area(run, 1) == pytest.approx(NEED_M2, rel=1e-6)
    assert run.result.solution is not None
    assert run.result.solution.costs["pace"] == pytest.approx(0.1 * (50 - NEED_M2), rel=1e-6)


def test_the_province_pace_keeps_85_percent(tmp_path: Path) -> None:
    # The province (all levels: the county's 100 m2 alone) may lose 15%: A_1 >= 85, all of it
    # a free reduction within the 40% shrink limit, nothing converted.
    run = _run(tmp_path, {"region_max_loss_per_stage": [0.15]})
    assert _area(run, 1) == pytest.approx(85.0, rel=1e-6)
    assert run.result.objective == pytest.approx(85 + WINDOWS_KCNY, rel=1e-6)


def test_the_level_pace_counts_the_levels_area(tmp_path: Path) -> None:
    run = _run(tmp_path, {"level_max_loss_per_stage": {"county": 0.3}})
    assert _area(run, 1) == pytest.approx(70.0, rel=1e-6)


def test_the_pace_counts_from_the_previous_stage(tmp_path: Path) -> None:
    # Two one-year stages at pace 0.5: 100 -> 50 -> 25 (not 0.5 x today's 100 again).
    run = _run(tmp_path, {"centre_max_loss_per_stage": {"county": 0.5}}, years=[2026, 2027])
    assert _area(run, 1) == pytest.approx(50.0, rel=1e-6)
    assert _area(run, 2) == pytest.approx(25.0, rel=1e-6)


def test_a_physical_primary_county_hall_does_not_shrink(tmp_path: Path) -> None:
    # test_phase_staff's two counties: A online primary, B physical primary (maturity 0),
    # each hall 100 m2 needing 6.667 m2. The rules by phase set B's hall's pace to 0 (as
    # configs/jiangsu.toml does for physical-primary and balanced counties, 健全县级实体
    # 中心; off by default): it keeps its 100 m2; A, online primary, shrinks to what it uses.
    # The optimum rises by (100 - 6.667) x 1 kCNY against no overrides; relaxing B's pace
    # row by a m2 saves its 1 kCNY a year.
    from planner.config.phase import ByPhase
    from tests.model.test_phase_staff import KAPPA, NO_OVERRIDES, _solve, _two_counties

    paper = load_config(PAPER).config.policy.by_phase
    assert paper.physical_primary.county.max_loss_per_stage == 0.0
    assert paper.balanced.county.max_loss_per_stage == 0.0
    assert paper.online_primary.county.max_loss_per_stage == "inherit"
    defaults = ByPhase()  # off by default (run time, issue 24)
    assert defaults.physical_primary.county.max_loss_per_stage == "inherit"
    assert defaults.balanced.county.max_loss_per_stage == "inherit"

    in_use = 45 * 10 / KAPPA
    free = _solve(_two_counties(tmp_path / "free", NO_OVERRIDES))
    rule = {"county": {"max_loss_per_stage": 0.0}}
    slow = _solve(_two_counties(tmp_path / "slow", {**NO_OVERRIDES, "physical_primary": rule}))
    assert slow.result.solution is not None and free.result.solution is not None
    assert slow.result.solution.area[1, "cnty_320102"] == pytest.approx(100.0, rel=1e-6)
    assert slow.result.solution.area[1, "cnty_320101"] == pytest.approx(in_use, rel=1e-6)
    assert slow.result.objective is not None and free.result.objective is not None
    assert slow.result.objective - free.result.objective == pytest.approx(100 - in_use, rel=1e-6)
    assert slow.prepared.data is not None
    assert slow.prepared.data.policy.pace_phase == {(1, "cnty_320102"): 0.0}
    assert slow.result.solution.duals["pace"]["pace__1__cnty_320102"] == pytest.approx(-1.0)


def test_the_olive_margin_keeps_the_county_ahead(tmp_path: Path) -> None:
    # test_policy's city-or-county case (a city window 140 kCNY for 72 thousand minutes, a
    # county window 145 kCNY for 67.5) with the olive by windows and a 10% margin:
    # 1.1 w_city = w_county binds, (72 + 67.5 x 1.1) w_city = 20.
    from tests.model.test_policy import _run as run_city_or_county

    olive = {"stages": [1], "measures": ["windows"], "margin": 0.1}
    run = run_city_or_county(tmp_path, {"olive": olive})
    assert run.result.solution is not None
    w_city = 20 / (72 + 67.5 * 1.1)
    assert run.result.solution.w[1, "city_320100"] == pytest.approx(w_city, rel=1e-6)
    assert run.result.solution.w[1, "cnty_320101"] == pytest.approx(1.1 * w_city, rel=1e-6)
    assert run.result.objective == pytest.approx(140 * w_city + 145 * 1.1 * w_city, rel=1e-6)


def test_a_station_near_its_county_hall_is_merged_and_closed(tmp_path: Path) -> None:
    # Stations of 100 m2 at T1 (the county hall's seat: 10 minutes, merged with the default
    # 20 minutes) and at T2 (0.1 degree east: more than 20 minutes, not merged); the item is
    # county only, so both serve nothing. A station m2 costs 1 kCNY a year and conversion
    # 0.8 once: T1's station, without a minimum, goes (50 m2 reduced free, 50 converted);
    # T2's keeps the 80 m2 minimum station. Both are reported closed (serving nothing).
    from tests.tiny import tiny_centres

    centres = tiny_centres(stations={"320101001": 100.0, "320101002": 100.0})
    config = {
        "policy": {
            "township_min_station_m2": 80.0,
            "merge_within_minutes": 20.0,
            "surplus": {"convert": True, "cost_per_m2": 800.0},
            "levels": {"township": {"area_cost_per_m2_year": 1000.0}},
        }
    }
    run = run_config(load_config(write_case(tmp_path, centres=centres, config=config)))
    assert run.result.status == "optimal" and run.result.solution is not None
    assert run.prepared.data is not None
    assert run.prepared.data.policy.merged == frozenset({"320101001"})
    area = run.result.solution.area
    assert area[1, "town_320101001"] == pytest.approx(0.0, abs=1e-6)
    assert area[1, "town_320101002"] == pytest.approx(80.0, rel=1e-6)
    assert run.plan is not None
    plan = run.plan.centres.set_index(["centre_id", "stage"])
    assert plan.at[("town_320101001", 1), "action"] == "close"
    assert plan.at[("town_320101002", 1), "action"] == "close"
    assert "80 m2 still held" in plan.at[("town_320101002", 1), "reason"]


@pytest.mark.parametrize(
    ("potential", "phase"),
    [(0.40, "physical_primary"), (0.50, "balanced"), (0.60, "online_primary")],
)
def test_a_countys_phase_is_read_from_its_online_share(
    tmp_path: Path, potential: float, phase: str
) -> None:
    # Both towns at maturity 1 (tests/tiny.py): the share of transactions that may go online
    # is the item's online potential itself; the default bands are 45% and 55%. The tasks by
    # phase and the phase gate of conversion as configs/jiangsu.toml sets them.
    items = [{"online_potential": potential}]
    paper = load_config(PAPER).raw
    config = {
        "maturity": {"phase_measure": "online_share"},
        "policy": {"by_phase": paper["policy"]["by_phase"]},
        "windows": {"convert_phases": paper["windows"]["convert_phases"]},
    }
    run = run_config(load_config(write_case(tmp_path, items=items, config=config)))
    assert run.plan is not None
    counties = run.plan.counties.set_index(["county_code", "stage"])
    assert counties.at[("320101", 1), "phase"] == phase
    tasks = counties.at[("320101", 1), "tasks"]
    assert ("windows may convert" in tasks) == (phase != "physical_primary")
    assert ("county hall lose at most 0%" in tasks) == (phase != "online_primary")


def test_a_convenience_item_reaches_township_stations_before_its_scheduled_stage() -> None:
    # School enrolment-like items: county only in stage 1, township stations from stage 2.
    # The 'early' rule of the convenience class (configs/jiangsu.toml; 'listed' by
    # default) lets stations accept them in stage 1 too (no township waits without a
    # channel); a business item keeps the schedule.
    import pandas as pd

    from planner.config.items import ItemClassesConfig
    from planner.inputs.item_rules import accept_levels

    county, both = frozenset({"county"}), frozenset({"county", "township"})
    listed = {"school": [county, both, both], "shop": [county, both, both], "pass": [county] * 3}
    classes = pd.Series({"school": "convenience", "shop": "business", "pass": "convenience"})
    early = load_config(PAPER).config.policy.item_classes
    assert early.convenience.township == ["early"]
    out = accept_levels(listed, classes, early, Path("items.csv"))
    assert out["school"] == [both, both, both]
    assert out["shop"] == [county, both, both]
    assert out["pass"] == [county] * 3  # never listed for township: stays at the county
    default = accept_levels(listed, classes, ItemClassesConfig(), Path("items.csv"))
    assert default["school"] == [county, both, both]  # off by default
