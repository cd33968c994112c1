"""Tiny instances whose optimum is worked out by hand.

Shared set-up (see ``tests/tiny.py``): two towns T1, T2 of 1,000 people; one item of
1,000 transactions per 1,000 residents a year (so 1.0 thousand per town) at 10 window
minutes each; one stage of one year; centres of 100 m2 at T1's seat. Costs are set so the
arithmetic stays simple: county area 1,000 CNY/m2/year (1 kCNY), a window 100,000 CNY/year
(100 kCNY), no travel cost, no expansion/reduction cost. A county window gives
360 min x 250 days x 0.75 = 67,500 minutes a year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.config.schema import load_config
from planner.run.pipeline import run_config
from tests.tiny import SIMPLE_COST_TERMS, tiny_centres, write_case

SIMPLE_COSTS = {
    "costs": dict(SIMPLE_COST_TERMS),
    "policy": {"levels": {"county": {"area_cost_per_m2_year": 1000.0}}},
}


@pytest.fixture(params=["classes", "items"])
def formulation(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _solve(folder: Path, formulation: str = "classes", **kwargs: object):  # type: ignore[no-untyped-def]
    cfg = write_case(folder, **kwargs)  # type: ignore[arg-type]
    run = run_config(load_config(cfg, {"model": {"formulation": formulation}}))
    assert run.result.status == "optimal"
    return run


def _x(run, township: str, centre: str) -> float:  # type: ignore[no-untyped-def]
    a = run.model.data.arcs
    total = 0.0
    for value, t, c in zip(run.result.solution.x, a["township_id"], a["centre_id"], strict=True):
        if t == township and c == centre:
            total += value
    return total


def test_one_county_centre_serves_both_towns(tmp_path: Path, formulation: str) -> None:
    # Both towns are within reach; 20,000 minutes need 20/67.5 = 0.29630 windows and
    # 13.3 m2, but the centre can shed at most 40% of its 100 m2 in a stage: A = 60.
    # Objective = 60 m2 x 1 kCNY + 0.29630 windows x 100 kCNY = 89.630 kCNY.
    run = _solve(tmp_path, formulation, config=SIMPLE_COSTS)
    assert _x(run, "320101001", "cnty_320101") == pytest.approx(1.0, abs=1e-6)
    assert _x(run, "320101002", "cnty_320101") == pytest.approx(1.0, abs=1e-6)
    assert run.result.solution.w[1, "cnty_320101"] == pytest.approx(20 / 67.5, rel=1e-6)
    assert run.result.solution.area[1, "cnty_320101"] == pytest.approx(60.0, rel=1e-6)
    assert run.result.objective == pytest.approx(60 + 100 * 20 / 67.5, rel=1e-6)
    plan = run.plan
    assert plan is not None
    row = plan.centres.set_index(["centre_id", "stage"]).loc[("cnty_320101", 1)]
    assert row["windows"] == 1  # integer windows never fall below the LP's 0.296
    assert row["action"] == "shrink"


def test_travel_limit_forces_online_or_unserved(tmp_path: Path, formulation: str) -> None:
    # The limit of 15 minutes admits T1 (10 min local access) but not T2 (~19 min of road
    # on top). Maturity is 1.0 and online potential 0.5, so each town may put 0.5 online.
    # T1: online at 6 kCNY per thousand beats physical at 10/67.5 x 100 = 14.8 kCNY, so
    # 0.5 online + 0.5 physical. T2: 0.5 online + 0.5 unserved (2,000 kCNY per thousand).
    # Objective = area 60 + windows 100 x 5/67.5 + online 1.0 x 6 + unserved 0.5 x 2000.
    run = _solve(
        tmp_path,
        formulation,
        items=[{"max_travel_min": 15, "online_potential": 0.5}],
        config=SIMPLE_COSTS,
    )
    assert set(run.model.data.arcs["township_id"]) == {"320101001"}
    assert run.plan is not None
    tw = run.plan.townships.set_index("township_id")
    assert tw["online"].to_dict() == pytest.approx({"320101001": 500, "320101002": 500}, abs=1e-3)
    assert tw["unserved"].to_dict() == pytest.approx({"320101001": 0, "320101002": 500}, abs=1e-3)
    assert _x(run, "320101001", "cnty_320101") == pytest.approx(0.5, abs=1e-6)
    expected = 60 + 100 * 5 / 67.5 + 6 + 0.5 * 2000
    assert run.result.objective == pytest.approx(expected, rel=1e-6)
    assert run.plan is not None
    assert run.plan.summary.stages[1].townships_with_unserved == 1


TOP_HEAVY_CASE = {
    "policy": {
        "levels": {
            # city: cheaper per transaction (denser windows, higher utilisation) ...
            "city": {
                "area_per_window_m2": 40.0,
                "area_cost_per_m2_year": 1000.0,
                "max_shrink_per_stage": 1.0,
                "min_area_m2": 0.0,
            },
            "county": {"area_cost_per_m2_year": 1000.0, "max_shrink_per_stage": 1.0},
        },
        "top_heavy_max_share": [0.0],
    },
}


@pytest.mark.parametrize(
    ("penalty", "centre", "objective"),
    [
        # city: 20,000 min / 72,000 = 0.27778 windows; 11.11 m2 -> 11.111 + 27.778 = 38.889
        (0.0, "city_320100", 40 * 20 / 72 + 100 * 20 / 72),
        # + 1 kCNY per m2 of city area makes the city cost 50.0 > county 13.333 + 29.630
        (1000.0, "cnty_320101", 45 * 20 / 67.5 + 100 * 20 / 67.5),
    ],
)
def test_top_heavy_penalty_moves_item_from_city_to_county(
    tmp_path: Path, penalty: float, centre: str, objective: float, formulation: str
) -> None:
    cfg = {
        **SIMPLE_COSTS,
        "costs": {**SIMPLE_COSTS["costs"], "top_heavy_penalty_per_m2_year": penalty},
    }
    from planner.config.schema import deep_merge

    cfg = deep_merge(cfg, TOP_HEAVY_CASE)
    centres = tiny_centres(city=100)
    run = _solve(
        tmp_path, formulation, items=[{"levels_s1": "city|county"}], centres=centres, config=cfg
    )
    for t in ("320101001", "320101002"):
        assert _x(run, t, centre) == pytest.approx(1.0, abs=1e-6)
    assert run.result.objective == pytest.approx(objective, rel=1e-6)


def test_pending_items_accepted_at_township_are_decided_at_the_county(
    tmp_path: Path, formulation: str
) -> None:
    # One township station at each town, the county centre at T1. The item is township
    # and county competent, wholly pending, 5 front minutes and 30 back-office minutes.
    # With no travel cost and equal capacity costs the fronts are anywhere, but every
    # back-office minute lands at the county: 2,000 x 30 = 60,000 minutes over desks of
    # 360 x 250 x 0.85 = 76,500 minutes -> 0.78431 desks.
    centres = tiny_centres(stations={"320101001": 50, "320101002": 50})
    items = [
        {
            "levels_s1": "county|township",
            "pending_share": 1.0,
            "backoffice_minutes": 30,
            "counter_minutes": 5,
        }
    ]
    run = _solve(tmp_path, formulation, items=items, centres=centres, config=SIMPLE_COSTS)
    desks = {c: value for (_, c), value in run.result.solution.desks.items()}
    assert desks == pytest.approx({"cnty_320101": 60_000 / 76_500}, rel=1e-6)
    assert run.plan is not None
    row = run.plan.centres.set_index(["centre_id", "stage"]).loc[("cnty_320101", 1)]
    assert row["backoffice_desks"] == 1


def test_province_centre_stays_a_candidate_without_cross_border_centres(tmp_path: Path) -> None:
    # the province centre is every township's own: 'cross_border_nearest = 0' keeps it
    run = _solve(
        tmp_path,
        items=[{"levels_s1": "province"}],
        centres=tiny_centres(province=100),
        config={"policy": {"cross_border_nearest": 0}},
    )
    assert set(run.model.data.arcs["centre_id"]) == {"prov_320000"}
    assert _x(run, "320101002", "prov_320000") == pytest.approx(1.0, abs=1e-6)


def test_own_city_comes_from_the_county_table(tmp_path: Path) -> None:
    # a county whose city is not code[:4] + "00" (municipalities, 省直辖县): the county table
    # names city 320200, so without cross-border service only city_320200 may serve
    import json

    centres = [
        *tiny_centres(city=100),
        {"centre_id": "city_320200", "level": "city", "admin_code": "320200",
         "parent_id": "prov_320000", "floor_area_m2": 100},
    ]  # fmt: skip
    for c in centres:
        if c["centre_id"] == "cnty_320101":
            c["parent_id"] = "city_320200"
    config = write_case(
        tmp_path,
        items=[{"levels_s1": "city"}],
        centres=centres,
        config={"policy": {"cross_border_counties": False}},
    )
    counties = pd.read_csv(tmp_path / "counties.csv", dtype=str)
    counties["city_code"] = "320200"
    counties.to_csv(tmp_path / "counties.csv", index=False)
    cities = json.loads((tmp_path / "cities.geojson").read_text())
    second = json.loads(json.dumps(cities["features"][0]))
    second["properties"] = {"code": "320200", "name": "C2"}
    cities["features"].append(second)
    (tmp_path / "cities.geojson").write_text(json.dumps(cities))
    run = run_config(load_config(config))
    assert run.result.status == "optimal"
    assert set(run.model.data.arcs["centre_id"]) == {"city_320200"}


def test_township_without_residents_keeps_its_station_minimum_and_its_rows(
    tmp_path: Path,
) -> None:
    townships = [
        {"township_id": "320101001", "name": "T1", "kind": "town", "lon": 118.0, "lat": 32.0,
         "population": 1000},
        {"township_id": "320101002", "name": "T2", "kind": "town", "lon": 118.1, "lat": 32.0,
         "population": 0},
    ]  # fmt: skip
    run = _solve(
        tmp_path,
        townships=townships,
        centres=tiny_centres(stations={"320101002": 50}),
        config={"policy": {"township_min_station_m2": 80.0}},
    )
    assert (1, "320101002") in run.model.var.g  # the minimum-station row exists
    assert run.result.solution.area[1, "town_320101002"] == pytest.approx(80.0, abs=1e-6)
    assert run.plan is not None
    row = run.plan.townships.set_index("township_id").loc["320101002"]
    assert row["demand"] == 0.0
