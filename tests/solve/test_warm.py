"""Warm re-solves (planner.solve.warm): a scenario that changes only costs or bounds gives
the plan a cold run gives, from the previous basis; a scenario that changes rows is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.config.schema import load_config
from planner.io.plan_files import write_plan_tables
from planner.model.build import build_model
from planner.plan.extract import extract_plan
from planner.run.pipeline import execute
from planner.solve.warm import WarmModel
from tests.tiny import prepare_run, tiny_centres, write_case

ITEMS = [
    {"levels_s1": "province|city|county"},
    {"item_id": "b", "counter_minutes": 7, "online_potential": 0.4},
]


def _case(tmp_path: Path) -> Path:
    return write_case(
        tmp_path,
        centres=tiny_centres(province=100.0, city=100.0, stations={"320101002": 50.0}),
        items=ITEMS,
        config={"policy": {"levels": {"township": {"min_area_m2": 0.0}}}},
    )


@pytest.mark.parametrize(
    "change",
    [
        {"costs": {"window_cost_per_year": 60_000.0, "value_of_time_per_hour": 90.0}},
        {"costs": {"top_heavy_penalty_per_m2_year": 9_000.0, "online_cost_per_transaction": 1.0}},
        {"policy": {"levels": {"township": {"max_shrink_per_stage": 0.1}}}},
    ],
)
def test_warm_resolve_gives_the_cold_plan(tmp_path: Path, change: dict[str, object]) -> None:
    config = _case(tmp_path)
    base = prepare_run(load_config(config))
    assert base.data is not None
    model = build_model(base.data)
    warm, first = WarmModel.start(model, base.loaded.config.solver)
    assert first.status == "optimal"

    scenario = prepare_run(load_config(config, change))
    assert scenario.data is not None
    hot = warm.resolve(scenario.data)
    cold = execute(scenario)
    assert hot.status == cold.result.status == "optimal"
    assert hot.objective == pytest.approx(cold.result.objective, rel=1e-9)
    assert hot.objective != pytest.approx(first.objective, rel=1e-6)  # the change matters
    plan = extract_plan(warm.model, hot, scenario.inputs, scenario.maturity, scenario.loaded.config)
    assert cold.plan is not None
    write_plan_tables(plan, tmp_path / "warm")
    write_plan_tables(cold.plan, tmp_path / "cold")
    for table in ("levels.csv", "centres.csv", "townships.csv", "assignments.csv"):
        assert (tmp_path / "warm" / table).read_text() == (tmp_path / "cold" / table).read_text()


def test_a_scenario_that_changes_rows_is_refused(tmp_path: Path) -> None:
    config = _case(tmp_path)
    base = prepare_run(load_config(config))
    assert base.data is not None
    warm, _ = WarmModel.start(build_model(base.data), base.loaded.config.solver)
    other = prepare_run(load_config(config, {"policy": {"top_heavy_max_share": [0.2]}}))
    assert other.data is not None
    with pytest.raises(ValueError, match="top-heavy shares"):
        warm.resolve(other.data)
