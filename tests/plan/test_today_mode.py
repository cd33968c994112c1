"""Today's (stage 0) window mode comes from the inventory and today's demand, never from a
price (issue 25: changing only ``window_cost_per_year`` changed 7 centres' today)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.config.schema import load_config
from planner.inputs.workbook.importer import import_workbook
from planner.inputs.workbook.template import WORKBOOK_NAME, write_template
from planner.run.pipeline import run_config

CHEAP_WINDOWS_DEAR_TIME = {
    "costs": {"window_cost_per_year": 1000.0, "value_of_time_per_hour": 3000.0}
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's example with two-window township stations (tight enough that the
    mode depends on how much demand a station takes)."""
    folder = tmp_path_factory.mktemp("today")
    write_template(folder / "book")
    import_workbook(folder / "book" / WORKBOOK_NAME, folder / "ds")
    path = folder / "ds" / "centres.csv"
    centres = pd.read_csv(path, dtype=str, keep_default_na=False)
    centres.loc[centres["level"] == "township", "windows"] = "2"
    centres.to_csv(path, index=False)
    return folder / "ds" / "config.toml"


def _stage(config: Path, overrides: dict[str, object], stage: int) -> pd.DataFrame:
    plan = run_config(load_config(config, overrides)).plan
    assert plan is not None
    rows = plan.centres.reset_index()
    return rows[rows["stage"] == stage].sort_values("centre_id").reset_index(drop=True)


def test_a_cost_change_leaves_today_unchanged(dataset: Path) -> None:
    base = _stage(dataset, {}, 0)
    other = _stage(dataset, CHEAP_WINDOWS_DEAR_TIME, 0)
    pd.testing.assert_frame_equal(base, other)
    # the cost change does move the plan (stage 1), so the test can tell
    one = _stage(dataset, {}, 1)["windows"].tolist()
    assert one != _stage(dataset, CHEAP_WINDOWS_DEAR_TIME, 1)["windows"].tolist()


def test_today_modes_follow_todays_windows(dataset: Path) -> None:
    today = _stage(dataset, {}, 0).set_index("centre_id")
    # 梅园新村 (98,336 residents) needs more than its two windows for one window per item;
    # 新街口 (75,638) does not
    assert today.loc["twn_320102002", "mode"] != "traditional"
    assert today.loc["twn_320102003", "mode"] == "traditional"
    assert (today.loc[["prov_320000", "city_320100", "cnty_320102"], "mode"] == "traditional").all()
