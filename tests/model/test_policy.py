"""The paper's olive as policy (issue 15): tiny cases whose optimum is worked out here.

Shared set-up (``tests/tiny.py``, ``city_or_county_config``): two towns of 1,000 people, one
item of 1.0 thousand transactions per town a year at 10 window minutes, one stage of one
year, city and county centres of 100 m2 at T1 that may shrink to nothing. Window time is
20 thousand minutes. A city window gives 360 x 250 x 0.8 = 72 thousand minutes and needs
40 m2; a county window 67.5 thousand minutes and 45 m2; a window costs 100 kCNY and a m2
1 kCNY a year at both levels. So a city window costs 140 kCNY and a county window 145
kCNY: without a rule everything goes to the city (20/72 windows, 38.889 kCNY).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from planner.cli.main import cli
from planner.config.schema import deep_merge, load_config
from planner.run.pipeline import RunResult, run_config, write_run
from tests.tiny import city_or_county_config, tiny_centres, write_case

ITEM = [{"levels_s1": "city|county"}]
CITY_ONLY = 20 / 72 * 140  # 38.889 kCNY


def _run(
    folder: Path, policy: dict[str, Any], centres: list[dict[str, Any]] | None = None
) -> RunResult:
    config = deep_merge(city_or_county_config(), {"policy": policy})
    path = write_case(folder, items=ITEM, centres=centres or tiny_centres(city=100), config=config)
    run = run_config(load_config(path, {"model": {"formulation": "items"}}))
    assert run.result.status == "optimal"
    return run


def _windows(run: RunResult, centre: str) -> float:
    assert run.result.solution is not None
    return run.result.solution.w[1, centre]


def test_without_the_olive_everything_goes_to_the_city(tmp_path: Path) -> None:
    run = _run(tmp_path, {"olive": {"stages": []}})
    assert _windows(run, "city_320100") == pytest.approx(20 / 72, rel=1e-6)
    assert _windows(run, "cnty_320101") == pytest.approx(0.0, abs=1e-9)
    assert run.result.objective == pytest.approx(CITY_ONLY, rel=1e-6)
    assert run.plan is not None
    assert any("not olive" in w and "windows" in w for w in run.plan.warnings)


@pytest.mark.parametrize("hard", [False, True])
def test_olive_by_windows_splits_the_load_evenly(tmp_path: Path, hard: bool) -> None:
    # city windows <= county windows; moving load to the city saves 140 - 145 x 72/67.5
    # = -14.667 kCNY per city window, so the rule binds: w_city = w_county = w with
    # (72 + 67.5) w = 20, cost 285 w = 40.860 kCNY.
    run = _run(tmp_path, {"olive": {"stages": [1], "measures": ["windows"], "hard": hard}})
    w = 20 / 139.5
    assert _windows(run, "city_320100") == pytest.approx(w, rel=1e-6)
    assert _windows(run, "cnty_320101") == pytest.approx(w, rel=1e-6)
    assert run.result.objective == pytest.approx(285 * w, rel=1e-6)
    assert run.plan is not None
    assert not any("not olive" in w for w in run.plan.warnings)


def test_olive_by_area_in_use(tmp_path: Path) -> None:
    # 40 w_city <= 45 w_county binds: w_county = 40/45 w_city, (72 + 60) w_city = 20.
    run = _run(tmp_path, {"olive": {"stages": [1], "measures": ["area_in_use"]}})
    w_city = 20 / 132
    assert _windows(run, "city_320100") == pytest.approx(w_city, rel=1e-6)
    assert _windows(run, "cnty_320101") == pytest.approx(40 / 45 * w_city, rel=1e-6)
    assert run.result.objective == pytest.approx(140 * w_city + 145 * 40 / 45 * w_city, rel=1e-6)


def test_a_cheap_olive_penalty_is_paid_instead(tmp_path: Path) -> None:
    # Breaking the even split moves 1 city window for 72/67.5 county windows: it saves
    # 14.667 kCNY and adds 2.0667 windows of violation, so below 7.097 kCNY per window-year
    # the penalty is cheaper: all to the city, violation 20/72 windows at 5 kCNY.
    policy = {"olive": {"stages": [1], "measures": ["windows"], "penalty_per_window_year": 5000}}
    run = _run(tmp_path, policy)
    assert _windows(run, "cnty_320101") == pytest.approx(0.0, abs=1e-9)
    assert run.result.solution is not None
    assert run.result.solution.costs["olive"] == pytest.approx(5 * 20 / 72, rel=1e-6)
    assert run.result.objective == pytest.approx(CITY_ONLY + 5 * 20 / 72, rel=1e-6)


def test_the_olive_row_dual_is_its_marginal_cost(tmp_path: Path) -> None:
    # Relaxing 'w_city - w_county <= 0' by d windows: w_county = (20 - 72 d)/139.5 and the
    # cost 285 w_county + 140 d falls by 285 x 72/139.5 - 140 = 7.097 kCNY per window.
    run = _run(tmp_path, {"olive": {"stages": [1], "measures": ["windows"]}})
    assert run.result.solution is not None
    duals = run.result.solution.duals["olive"]
    row = "olive__1__32__windows__city_le_county"
    assert duals[row] == pytest.approx(-(285 * 72 / 139.5 - 140), rel=1e-6)


COUNTY_ONLY = {
    "costs": {
        "window_cost_per_year": 100_000.0,
        "value_of_time_per_hour": 0.0,
        "expansion_cost_per_m2": 0.0,
        "reduction_cost_per_m2": 0.0,
        "top_heavy_penalty_per_m2_year": 0.0,
    },
    "policy": {"levels": {"county": {"area_cost_per_m2_year": 1000.0}}},
}


@pytest.mark.parametrize(("cost", "converted"), [(800.0, 60 - 40 / 3), (1500.0, 0.0)])
def test_surplus_is_converted_beyond_the_shrink_limit(
    tmp_path: Path, cost: float, converted: float
) -> None:
    # One county centre of 100 m2; the load needs 20/67.5 windows = 13.333 m2. The shrink
    # limit (40%) keeps 60 m2; converting the other 46.667 m2 at 0.8 kCNY saves 1 kCNY per
    # m2 for the one-year stage, so it pays; at 1.5 kCNY it does not.
    config = deep_merge(
        COUNTY_ONLY, {"policy": {"surplus": {"convert": True, "cost_per_m2": cost}}}
    )
    run = run_config(load_config(write_case(tmp_path, config=config)))
    assert run.result.status == "optimal" and run.result.solution is not None
    windows = 100 * 20 / 67.5
    area = 60.0 - converted
    expected = area + windows + cost / 1000.0 * converted
    assert run.result.objective == pytest.approx(expected, rel=1e-6)
    assert run.plan is not None
    row = run.plan.centres.set_index(["centre_id", "stage"]).loc[("cnty_320101", 1)]
    # the plan's one integer window needs 45 m2: it keeps that much of the LP's conversion
    extra = max(0.0, 45.0 - area)
    assert row["area_extra_m2"] == pytest.approx(extra, abs=1e-6)
    assert row["converted_m2"] == pytest.approx(converted - extra, abs=1e-6)
    # area in use is what the plan's one integer window needs (45 m2), not the LP's 13.333
    assert row["area_in_use_m2"] == pytest.approx(45.0, rel=1e-6)
    assert row["surplus_m2"] == pytest.approx(area + extra - 45.0, abs=1e-6)
    assert row["action"] == ("convert" if converted else "shrink")
    levels = run.plan.levels.set_index(["stage", "level"])
    surplus = area + extra - 45.0
    assert levels.loc[(1, "county"), "surplus_m2"] == pytest.approx(surplus, abs=1e-6)


@pytest.mark.parametrize("hard", [False, True])
def test_county_floor_keeps_todays_area_in_use(tmp_path: Path, hard: bool) -> None:
    # The county has 0.2 windows today: 9 m2 in use. A floor of 100% keeps 45 w_county >= 9,
    # so w_county = 0.2 (13.5 thousand minutes) and the city takes the other 6.5. Today's
    # 0.2 windows are below one for its item, so the county runs big general today and may
    # not step back: its windows pay 6 kCNY a window-year of training in the LP
    # (windows.price_forced_training). 0.2 x (145 + 6) + 6.5/72 x 140 = 42.839 kCNY.
    centres = tiny_centres(city=100)
    for c in centres:
        if c["centre_id"] == "cnty_320101":
            c["windows"] = 0.2
    floor = {"share_of_today": {"county": [1.0]}, "hard": hard}
    run = _run(tmp_path, {"olive": {"stages": []}, "level_floor": floor}, centres)
    assert _windows(run, "cnty_320101") == pytest.approx(0.2, rel=1e-6)
    assert run.result.objective == pytest.approx(0.2 * (145 + 6) + 6.5 / 72 * 140, rel=1e-6)
    if not hard:
        # one m2 of county in use more is 1/45 county window instead of 67.5/72/45 city
        # windows: (151 - 140 x 67.5/72) / 45 = 0.43889 kCNY per m2
        assert run.result.solution is not None
        dual = run.result.solution.duals["level_floor"]["level_floor__1__32__county"]
        assert dual == pytest.approx(-(145 + 6 - 140 * 67.5 / 72) / 45, rel=1e-6)


def test_rule_costs_table_prices_the_olive_at_its_dual(tmp_path: Path) -> None:
    # the dual above, per window and year (the stage lasts one year): 7,096.8 CNY
    run = _run(tmp_path, {"olive": {"stages": [1], "measures": ["windows"]}})
    assert run.plan is not None
    costs = run.plan.rule_costs.set_index(["rule", "stage", "level"])
    row = costs.loc[("olive (windows)", 1, "city<=county")]
    assert row["unit"] == "window"
    assert row["binding_rows"] == 1
    expected = (285 * 72 / 139.5 - 140) * 1000.0
    assert row["marginal_max_cny_per_unit_year"] == pytest.approx(expected, rel=1e-6)
    # the province and township rows hold with slack: no price
    assert costs.loc[("olive (windows)", 1, "township<=county"), "binding_rows"] == 0


def test_planner_diff_shows_rule_cost_changes(tmp_path: Path) -> None:
    # A prices the olive (7,096.8 CNY per window-year); B has no olive rule: its row is gone
    a = write_run(_run(tmp_path / "a", {"olive": {"stages": [1], "measures": ["windows"]}}))
    b = write_run(_run(tmp_path / "b", {"olive": {"stages": []}}))
    result = CliRunner().invoke(cli, ["diff", str(a), str(b)])
    assert "Rule costs (largest marginal, CNY per unit-year):" in result.output
    assert "olive (windows) s1 city<=county: 7,097 -> - per window-year" in result.output


def test_total_rule_costs_by_re_solve(tmp_path: Path) -> None:
    # With the olive by windows the optimum is 285 w = 40.860 kCNY; without it everything
    # goes to the city at 38.889 kCNY: the olive costs 1.971 kCNY in total. The top-heavy
    # penalty is 0 here, so relaxing it changes nothing.
    policy = {"olive": {"stages": [1], "measures": ["windows"]}, "rule_costs": {"total": True}}
    run = _run(tmp_path, policy)
    assert run.plan is not None and run.plan.rule_totals is not None
    totals = run.plan.rule_totals.set_index("rule")
    with_olive = 285 * 20 / 139.5
    assert totals.at["olive", "objective_kcny"] == pytest.approx(with_olive, rel=1e-6)
    assert totals.at["olive", "relaxed_objective_kcny"] == pytest.approx(CITY_ONLY, rel=1e-6)
    assert totals.at["olive", "total_cost_kcny"] == pytest.approx(with_olive - CITY_ONLY, rel=1e-6)
    assert totals.at["top-heavy cap", "total_cost_kcny"] == pytest.approx(0.0, abs=1e-6)
    assert set(totals["status"]) == {"optimal"}
    plan_dir = write_run(run) / "plan"
    text = (plan_dir / "rule_totals.csv").read_text()
    assert (
        text.splitlines()[0] == "rule,objective_kcny,relaxed_objective_kcny,total_cost_kcny,status"
    )
