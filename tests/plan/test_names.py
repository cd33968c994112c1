"""Names everywhere a person reads (issue 17): township, county and city names beside their
ids in every plan CSV, one spelling of the county key in the CSVs and the GeoPackage layers,
names and stage years in ``planner diff``, Chinese item names in reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
from click.testing import CliRunner

from planner.cli.main import cli
from planner.diff import diff_runs, load_run, render_markdown, render_text
from planner.plan.names import Names, with_names
from tests.tiny import write_case

REACH_ITEMS = [{"max_travel_min": 15, "online_potential": 0.5}]
PLAN_CSVS = (
    "assignments.csv",
    "centre_items.csv",
    "centres.csv",
    "counties.csv",
    "items.csv",
    "levels.csv",
    "townships.csv",
)


def _run(folder: Path, **case: Any) -> Path:
    config = write_case(folder, **case)
    result = CliRunner().invoke(cli, ["run", "-q", str(config)])
    assert result.exit_code == 0, result.output
    return folder / "out" / "tiny"


def _csv(run: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run / "plan" / name, dtype=str, keep_default_na=False)


def test_every_plan_csv_names_its_ids_and_spells_the_county_key_as_the_layers(
    tmp_path: Path,
) -> None:
    run = _run(tmp_path / "a", config={"output": {"dir": "out", "gpkg": True, "report": False}})
    for name in PLAN_CSVS:
        frame = _csv(run, name)
        assert "county_code" not in frame.columns, name
        if "township_id" in frame.columns:
            assert (
                frame["township_id"]
                .map({"320101001": "T1", "320101002": "T2"})
                .equals(frame["township_name"])
            ), name
        if "county" in frame.columns:
            rows = frame[frame["county"] != ""]
            assert len(rows) and (rows["county_name"] == "K").all(), name
            assert (rows["city"] == "320100").all() and (rows["city_name"] == "C").all()
        if "item_id" in frame.columns:
            assert (frame["item_name"] == "事项").all(), name
        if "centre_id" in frame.columns and "name" not in frame.columns:
            assert (frame["centre_name"] == frame["centre_id"]).all(), name
    # a city centre's city is its own code
    centres = _csv(run, "centres.csv").set_index(["centre_id", "stage"])
    assert centres.loc[("city_320100", "0"), "city"] == "320100"
    # the GeoPackage spells the keys the same way
    for layer in ("centres", "townships", "counties"):
        fields = set(pyogrio.read_info(run / "plan.gpkg", layer=layer)["fields"])
        assert "county" in fields and "county_code" not in fields, layer
        assert all(len(f) <= 11 for f in fields), layer  # township_id aside, <= 10


def test_with_names_puts_each_name_after_its_id() -> None:
    frame = pd.DataFrame(
        {"township_id": ["t1"], "county_code": ["320101"], "item_id": ["a"], "x": [1.0]}
    )
    names = Names(
        townships={"t1": "江陵街道"},
        counties={"320101": "吴江区"},
        cities={"320500": "苏州市"},
        items={"a": "户籍办理"},
        county_city={"320101": "320500"},
    )
    out, columns = with_names(frame, dict.fromkeys(frame.columns), names)
    assert list(columns) == [
        "township_id",
        "township_name",
        "county",
        "county_name",
        "city",
        "city_name",
        "item_id",
        "item_name",
        "x",
    ]
    row = out.iloc[0]
    assert (row["township_name"], row["county_name"], row["city_name"]) == (
        "江陵街道",
        "吴江区",
        "苏州市",
    )
    assert row["item_name"] == "户籍办理"


def test_diff_shows_names_and_stage_years(tmp_path: Path) -> None:
    runs = [
        _run(
            tmp_path / name,
            items=REACH_ITEMS,
            config={"costs": {"unserved_penalty_per_transaction": value}},
        )
        for name, value in (("a", 2000.0), ("b", 1.0))
    ]
    d = diff_runs(load_run(runs[0]), load_run(runs[1]))
    assert d.service, "the cheap penalty must leave a township unserved"
    first = d.service[0]
    assert first.township_name in {"T1", "T2"} and first.county_name == "K"
    text = render_text(d)
    assert f"{first.township_id}  {first.township_name}" in text
    assert "s1 (2026)" in text and "320101 K" in text
    markdown = render_markdown(d)
    assert f"`{first.township_id}` {first.township_name}" in markdown
