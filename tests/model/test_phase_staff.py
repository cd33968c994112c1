"""Rules by phase (不能一刀切) and staff redeployment (人员分流), issue 15 items 5 and 6: tiny
cases whose optimum is worked out here, the phase entry years and today's inventory.

Shared set-up (``tests/tiny.py``): one item of 1,000 transactions per 1,000 residents a
year at 10 window minutes, county only, no online potential, so a town of 1,000 people
needs 10 thousand window minutes a year. A county window gives 360 x 250 x 0.75 = 67.5
thousand minutes and needs 45 m2. Travel costs nothing, reduction costs nothing, a window
costs 100 kCNY and a county m2 1 kCNY a year; the county level may shrink by 100% a stage.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from planner.config.schema import deep_merge, load_config
from planner.datasets.inventory import base_maturity, inventory_rules, rules_from_items
from planner.inputs.load import read_inputs
from planner.inputs.maturity import county_phases, phase_entry_years, township_maturity
from planner.run.pipeline import RunResult, run_config
from tests.tiny import write_case

ROOT = Path(__file__).resolve().parents[2]
KAPPA = 67.5
BASE_COSTS = {
    "window_cost_per_year": 100_000.0,
    "value_of_time_per_hour": 0.0,
    "expansion_cost_per_m2": 0.0,
    "reduction_cost_per_m2": 0.0,
}
COUNTY = {"area_cost_per_m2_year": 1000.0, "max_shrink_per_stage": 1.0}
OFFLINE_CENSUS = {
    "pop_urban": 0.0,
    "share_0_14_pct": 25.0,
    "share_65plus_pct": 20.0,
    "edu_years_mean": 6.0,
    "illiterate_15plus_pct": 15.0,
    "car_share": 0.0,
}
"""Census indicators at the bottom of every range: maturity 0 (physical primary)."""


def _solve(path: Path) -> RunResult:
    run = run_config(load_config(path, {"model": {"formulation": "items"}}))
    assert run.result.status == "optimal"
    return run


# --- rules by phase ---------------------------------------------------------------------------


def _empty_province_and_city() -> list[dict[str, Any]]:
    """The province and city centres of the cases here: no floor area, no windows."""
    return [
        {"centre_id": "prov_320000", "level": "province", "admin_code": "320000",
         "parent_id": "", "floor_area_m2": 0.0, "windows": 0},
        {"centre_id": "city_320100", "level": "city", "admin_code": "320100",
         "parent_id": "prov_320000", "floor_area_m2": 0.0, "windows": 0},
    ]  # fmt: skip


def _two_counties(folder: Path, by_phase: dict[str, Any]) -> Path:
    """Town A (county 320101, full maturity: online primary) and town B (county 320102,
    maturity 0: physical primary), each with a county hall of 100 m2 and no cross-border
    service; each hall needs 10/67.5 windows, 45 x 10/67.5 = 6.667 m2."""
    towns = [
        {"township_id": "320101001", "name": "A", "kind": "town", "county_code": "320101",
         "lon": 118.0, "lat": 32.0, "population": 1000},
        {"township_id": "320102001", "name": "B", "kind": "town", "county_code": "320102",
         "lon": 118.1, "lat": 32.0, "population": 1000},
    ]  # fmt: skip
    centres = [
        *_empty_province_and_city(),
        {"centre_id": "cnty_320101", "level": "county", "admin_code": "320101",
         "parent_id": "city_320100", "floor_area_m2": 100.0, "windows": 1},
        {"centre_id": "cnty_320102", "level": "county", "admin_code": "320102",
         "parent_id": "city_320100", "floor_area_m2": 100.0, "windows": 1,
         "township_id": "320102001", "lon": 118.1},
    ]  # fmt: skip
    config = {
        "costs": BASE_COSTS,
        "policy": {"levels": {"county": COUNTY}, "cross_border_counties": False,
                   "by_phase": by_phase},
    }  # fmt: skip
    path = write_case(folder, townships=towns, centres=centres, config=config)
    counties = pd.read_csv(folder / "counties.csv", dtype={"county_code": str})
    low = counties["county_code"] == "320102"
    for key, value in OFFLINE_CENSUS.items():
        counties[key] = counties[key].astype(float)
        counties.loc[low, key] = value
    counties.to_csv(folder / "counties.csv", index=False)
    return path


NO_OVERRIDES: dict[str, Any] = {"physical_primary": {}, "balanced": {}, "online_primary": {}}


def test_a_phase_override_binds_for_one_county_and_not_the_other(tmp_path: Path) -> None:
    # Without overrides both halls shrink to the 6.667 m2 they use. Physical-primary
    # counties may shrink by 20% a stage: B keeps 80 m2 (binds), A (online primary, no
    # override) still shrinks to 6.667 m2. The optimum rises by (80 - 6.667) x 1 kCNY.
    # (B keeps the county level's growth bound, 30% of 100 m2.)
    in_use = 45 * 10 / KAPPA
    free = _solve(_two_counties(tmp_path / "free", NO_OVERRIDES))
    slow = {**NO_OVERRIDES, "physical_primary": {"county": {"max_shrink_per_stage": 0.2}}}
    bound = _solve(_two_counties(tmp_path / "bound", slow))
    for run in (free, bound):
        assert run.result.solution is not None
    assert free.result.solution is not None and bound.result.solution is not None
    assert free.result.solution.area[1, "cnty_320102"] == pytest.approx(in_use, rel=1e-6)
    assert bound.result.solution.area[1, "cnty_320101"] == pytest.approx(in_use, rel=1e-6)
    assert bound.result.solution.area[1, "cnty_320102"] == pytest.approx(80.0, rel=1e-6)
    assert bound.result.objective is not None and free.result.objective is not None
    assert bound.result.objective - free.result.objective == pytest.approx(80 - in_use, rel=1e-6)
    assert bound.prepared.data is not None
    assert bound.prepared.data.policy.bounds == {(1, "cnty_320102"): (30.0, 20.0)}
    assert bound.plan is not None
    counties = bound.plan.counties.set_index(["county_code", "stage"])
    assert counties.at[("320102", 1), "phase"] == "physical_primary"
    assert counties.at[("320101", 1), "phase"] == "online_primary"


def test_a_phase_overrides_the_township_minimum(tmp_path: Path) -> None:
    # The default physical-primary rules raise the station minimum to 100 m2 for B's
    # township only (the global minimum of the tiny case is 0).
    path = _two_counties(tmp_path, {})
    run = _solve(path)
    assert run.prepared.data is not None
    assert run.prepared.data.policy.station_min == {(1, "320102001"): 100.0}
    # no station: B pays the whole 100 m2 shortfall
    assert run.result.solution is not None
    assert run.result.solution.g[1, "320102001"] == pytest.approx(100.0)
    assert (1, "320101001") not in run.result.solution.g


# --- phase entry years ------------------------------------------------------------------------


def test_entry_years_follow_the_closed_form_and_the_stage_phases() -> None:
    loaded = load_config(ROOT / "configs" / "jiangsu-fast.toml")
    cfg = loaded.config
    inputs = read_inputs(loaded)
    maturity = township_maturity(inputs.townships, inputs.counties, cfg.maturity, cfg.stages)
    entry = phase_entry_years(inputs.townships, inputs.items, maturity, cfg.maturity, cfg.stages)
    phases = county_phases(inputs.townships, inputs.items, maturity, cfg.maturity)
    today = phases[phases["stage"] == 0].set_index("county_code")["maturity"]
    gap = 1 - cfg.maturity.annual_catch_up
    # a county's population-weighted maturity follows 1 - (1 - M0) gap^n, so it reaches
    # threshold T in the first year n >= ln((1 - T) / (1 - M0)) / ln(gap)
    for column, threshold in zip(entry.columns, cfg.maturity.phase_thresholds, strict=True):
        for code, m0 in today.items():
            if m0 >= threshold:
                expected = "already"
            else:
                n = math.log((1 - threshold) / (1 - m0)) / math.log(gap)
                expected = str(cfg.stages.base_year + math.ceil(n - 1e-9))
            assert entry.at[code, column] == expected, (code, column)
    years = dict(enumerate(cfg.stages.years, start=1))
    for code, s, phase in phases[phases["stage"] > 0][["county_code", "stage", "phase"]].values:
        online = entry.at[code, "online_primary_from"]
        reached = online == "already" or (online != "" and int(online) <= years[s])
        assert (phase == "online_primary") == reached


def test_entry_year_is_empty_beyond_the_horizon(tmp_path: Path) -> None:
    # no catch-up: a county below a threshold never reaches it
    path = _two_counties(tmp_path, NO_OVERRIDES)
    loaded = load_config(path, {"maturity": {"annual_catch_up": 0.0}})
    inputs = read_inputs(loaded)
    cfg = loaded.config
    maturity = township_maturity(inputs.townships, inputs.counties, cfg.maturity, cfg.stages)
    entry = phase_entry_years(inputs.townships, inputs.items, maturity, cfg.maturity, cfg.stages)
    assert entry.loc["320102"].tolist() == ["", ""]
    assert entry.loc["320101"].tolist() == ["already", "already"]


# --- staff ------------------------------------------------------------------------------------


def _one_county(folder: Path, staff: dict[str, Any], years: list[int]) -> Path:
    """Two towns of 1,000 people on one county hall of 100 m2 with 2 windows today; it needs
    20/67.5 = 0.2963 windows, so 1.7037 window posts are surplus."""
    centres = [
        *_empty_province_and_city(),
        {"centre_id": "cnty_320101", "level": "county", "admin_code": "320101",
         "parent_id": "city_320100", "floor_area_m2": 100.0, "windows": 2},
    ]  # fmt: skip
    base = {"redeploy_cost_per_window": 0.0, "redeploy_cost_per_desk": 0.0}
    config = {
        "costs": BASE_COSTS,
        "stages": {"years": years},
        "policy": {
            "levels": {"county": COUNTY},
            "top_heavy_max_share": [1.0] * len(years),
            "staff": deep_merge({**base, "max_window_cut_per_stage": {}}, staff),
        },
    }
    items = [{f"levels_s{s}": "county" for s in range(1, len(years) + 1)}]
    return write_case(folder, centres=centres, items=items, config=config)


NEED = 20 / KAPPA
SURPLUS = 2 - NEED


@pytest.mark.parametrize(
    ("years", "kept"),
    [([2026], True), ([2027], False)],
    ids=["one-year-stage-keeps", "two-year-stage-removes"],
)
def test_redeployment_cost_keeps_a_window_for_a_short_stage(
    tmp_path: Path, years: list[int], kept: bool
) -> None:
    # Removing a post costs 150 kCNY once; keeping it idle 100 kCNY a year. Over a
    # one-year stage (the plan's last) keeping is cheaper: 1.7037 idle posts, +170.37
    # kCNY; over two years removing is: +1.7037 x 150 = 255.56 kCNY.
    free = _solve(_one_county(tmp_path / "free", {}, years))
    staff = {"redeploy_cost_per_window": 150_000.0}
    run = _solve(_one_county(tmp_path / "cost", staff, years))
    assert run.result.solution is not None
    policy = run.result.solution.policy
    assert run.result.solution.w[1, "cnty_320101"] == pytest.approx(NEED, rel=1e-6)
    idle = policy.get(("idle_windows", 1, "cnty_320101"), 0.0)  # absent when never cheaper
    cut = policy["cut_windows", 1, "cnty_320101"]
    assert idle == pytest.approx(SURPLUS if kept else 0.0, abs=1e-6)
    assert cut == pytest.approx(0.0 if kept else SURPLUS, abs=1e-6)
    extra = SURPLUS * 100 if kept else SURPLUS * 150
    assert run.result.objective is not None and free.result.objective is not None
    assert run.result.objective - free.result.objective == pytest.approx(extra, rel=1e-6)
    assert run.result.solution.costs["redeployment"] == pytest.approx(
        0.0 if kept else SURPLUS * 150, abs=1e-6
    )


@pytest.mark.parametrize("hard", [False, True])
def test_the_window_cut_limit_binds(tmp_path: Path, hard: bool) -> None:
    # At most 50% of today's 2 windows may go in stage 1: 1 post stays, 0.7037 of it idle
    # at 100 kCNY (one-year stage): +70.37 kCNY. The limit's dual is the idle post's cost,
    # 100 kCNY per window over the stage (100,000 CNY per window-year).
    free = _solve(_one_county(tmp_path / "free", {}, [2026]))
    staff = {"max_window_cut_per_stage": {"county": 0.5}, "hard": hard}
    run = _solve(_one_county(tmp_path / "cut", staff, [2026]))
    assert run.result.solution is not None
    policy = run.result.solution.policy
    assert policy["cut_windows", 1, "cnty_320101"] == pytest.approx(1.0, rel=1e-6)
    assert policy["idle_windows", 1, "cnty_320101"] == pytest.approx(1 - NEED, rel=1e-6)
    assert run.result.objective is not None and free.result.objective is not None
    assert run.result.objective - free.result.objective == pytest.approx(100 * (1 - NEED), rel=1e-6)
    assert run.plan is not None
    centres = run.plan.centres.set_index(["centre_id", "stage"])
    # the plan's one integer window takes the LP's 1 - NEED idle post: 1 post stays, 1 cut
    assert centres.at[("cnty_320101", 1), "idle_posts"] == pytest.approx(0.0, abs=1e-9)
    assert centres.at[("cnty_320101", 1), "windows"] == 1
    assert centres.at[("cnty_320101", 1), "posts_cut"] == pytest.approx(1.0, rel=1e-6)
    costs = run.plan.rule_costs.set_index(["rule", "stage", "level"])
    row = costs.loc[("staff window cut", 1, "county (online_primary)")]
    assert row["binding_rows"] == 1
    assert row["marginal_max_cny_per_unit_year"] == pytest.approx(100_000.0, rel=1e-6)


def test_a_cheap_cut_penalty_is_paid_instead(tmp_path: Path) -> None:
    # 50 kCNY per window cut beyond the limit is cheaper than 100 kCNY of an idle post:
    # every surplus post goes, 0.7037 of them beyond the limit, +35.19 kCNY.
    free = _solve(_one_county(tmp_path / "free", {}, [2026]))
    staff = {"max_window_cut_per_stage": {"county": 0.5}, "penalty_per_window": 50_000.0}
    run = _solve(_one_county(tmp_path / "cut", staff, [2026]))
    assert run.result.solution is not None
    assert run.result.solution.policy["idle_windows", 1, "cnty_320101"] == pytest.approx(0.0)
    assert run.result.objective is not None and free.result.objective is not None
    assert run.result.objective - free.result.objective == pytest.approx(50 * (1 - NEED), rel=1e-6)


def test_the_cut_limit_counts_from_the_previous_stage(tmp_path: Path) -> None:
    # Two one-year stages: stage 1 keeps 1 post (50% of 2), stage 2 may cut 50% of that
    # 1: 0.5 posts stay, 0.5 - 0.2963 idle. Objective over the no-limit plan:
    # 100 x (1 - 0.2963) + 100 x (0.5 - 0.2963).
    free = _solve(_one_county(tmp_path / "free", {}, [2026, 2027]))
    staff = {"max_window_cut_per_stage": {"county": 0.5}, "hard": True}
    run = _solve(_one_county(tmp_path / "cut", staff, [2026, 2027]))
    assert run.result.solution is not None
    policy = run.result.solution.policy
    assert policy["idle_windows", 2, "cnty_320101"] == pytest.approx(0.5 - NEED, rel=1e-6)
    assert run.result.objective is not None and free.result.objective is not None
    extra = 100 * (1 - NEED) + 100 * (0.5 - NEED)
    assert run.result.objective - free.result.objective == pytest.approx(extra, rel=1e-6)


# --- today's inventory ------------------------------------------------------------------------


def test_inventory_maturity_is_the_models_base_year_maturity() -> None:
    loaded = load_config(ROOT / "configs" / "jiangsu.toml")
    inputs = read_inputs(loaded)
    cfg = loaded.config
    model = township_maturity(inputs.townships, inputs.counties, cfg.maturity, cfg.stages)
    mine = base_maturity(inputs.townships, inputs.counties)
    pd.testing.assert_series_equal(mine, model[0], check_names=False)


def test_inventory_rule_is_exact_at_any_maturity() -> None:
    items = pd.read_csv(ROOT / "data" / "items.csv", dtype={"item_id": str})
    by_maturity = inventory_rules(ROOT / "data" / "items.csv")
    direct = rules_from_items(items, 0.37)
    for level, rule in by_maturity.items():
        at = rule.at(0.37)
        assert at.m2_per_1000 == pytest.approx(direct[level].m2_per_1000, rel=1e-12)
        assert at.windows_per_1000 == pytest.approx(direct[level].windows_per_1000, rel=1e-12)
    # a more mature region gets a smaller hall for the same residents
    assert by_maturity["county"].at(0.9).m2_per_1000 < by_maturity["county"].at(0.4).m2_per_1000
