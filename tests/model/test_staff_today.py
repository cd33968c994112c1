"""Today's desks in the inventory (issue 23): staff and area in use are counted the same way
today as in every later stage. Tiny cases whose optimum is worked out here (``tests/tiny.py``:
two towns, one item of 2 thousand transactions a year at 10 window minutes, no pending
work, so the plan needs no back-office desk)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planner.config.schema import load_config
from planner.errors import InputError
from planner.run.pipeline import RunResult, run_config
from tests.model.test_policy import _run as run_city_or_county
from tests.tiny import tiny_centres, write_case


def _county(folder: Path, desks: float | None, staff: dict[str, Any]) -> RunResult:
    centres = tiny_centres()
    if desks is not None:
        for c in centres:
            c["desks"] = desks if c["level"] == "county" else 0
    config = {"policy": {"staff": staff}}
    run = run_config(load_config(write_case(folder, centres=centres, config=config)))
    assert run.result.status == "optimal" and run.result.solution is not None
    return run


def test_todays_desks_are_redeployed_in_stage_one(tmp_path: Path) -> None:
    # Today's 2 desks are not needed: both are cut in stage 1 at 150 kCNY each (300 kCNY
    # more than the same case without a desk count, where desks count from stage 1).
    staff = {"redeploy_cost_per_desk": 150_000.0}
    without = _county(tmp_path / "without", None, staff)
    counted = _county(tmp_path / "counted", 2.0, staff)
    assert counted.result.solution is not None
    assert counted.result.solution.policy["cut_desks", 1, "cnty_320101"] == pytest.approx(2.0)
    assert counted.result.solution.costs["redeployment"] == pytest.approx(300.0, rel=1e-9)
    assert without.result.objective is not None and counted.result.objective is not None
    assert counted.result.objective - without.result.objective == pytest.approx(300.0, rel=1e-9)


def test_the_county_floor_counts_todays_desks(tmp_path: Path) -> None:
    # The county has 0.2 windows and 0.05 desks today: 0.2 x 45 + 0.05 x 10 = 9.5 m2 in use.
    # A floor of 100% keeps 45 w_county >= 9.5 (the plan needs no desk): w_county = 9.5/45,
    # the city takes the rest of the 20 thousand minutes at 72 a window (test_policy's case:
    # 145 kCNY per county window, 140 per city window; the county, below one window for its
    # item today, runs big general and may not step back: 6 kCNY more a window-year of
    # training, windows.price_forced_training).
    centres = tiny_centres(city=100)
    for c in centres:
        c["desks"] = 0.05 if c["level"] == "county" else 0
        if c["centre_id"] == "cnty_320101":
            c["windows"] = 0.2
    floor = {"share_of_today": {"county": [1.0]}, "hard": True}
    run = run_city_or_county(tmp_path, {"olive": {"stages": []}, "level_floor": floor}, centres)
    w = 9.5 / 45
    assert run.result.solution is not None
    assert run.result.solution.w[1, "cnty_320101"] == pytest.approx(w, rel=1e-6)
    expected = w * (145 + 6) + (20 - 67.5 * w) / 72 * 140
    assert run.result.objective == pytest.approx(expected, rel=1e-6)


def test_a_bad_desk_count_is_named(tmp_path: Path) -> None:
    centres = tiny_centres()
    for c in centres:
        c["desks"] = "many" if c["level"] == "county" else 0
    with pytest.raises(InputError, match=r"'desks' must be a finite number.*cnty_320101"):
        run_config(load_config(write_case(tmp_path, centres=centres)))


def test_the_plan_counts_todays_desks_at_stage_0(tmp_path: Path) -> None:
    # stage 0 of the plan tables: the inventory's desks, and area in use = windows x 45 m2
    # (county) + desks x 10 m2, as in every later stage
    run = _county(tmp_path, 2.0, {})
    assert run.plan is not None
    today = run.plan.centres.reset_index()
    today = today[today["stage"] == 0].set_index("centre_id")
    county = today.loc["cnty_320101"]
    assert county["backoffice_desks"] == 2.0
    assert county["area_in_use_m2"] == pytest.approx(county["windows"] * 45.0 + 2 * 10.0)
    assert today.loc["city_320100", "backoffice_desks"] == 0.0
    levels = run.plan.levels.reset_index()
    row = levels[(levels["stage"] == 0) & (levels["level"] == "county")].iloc[0]
    assert row["area_in_use_m2"] == pytest.approx(county["area_in_use_m2"])
