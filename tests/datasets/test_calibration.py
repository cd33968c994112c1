"""The embedded default against public figures (planner validate --calibration)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli.main import cli
from planner.config.schema import load_config
from planner.datasets.calibration import REFERENCES, Tables, calibration_rows
from planner.inputs.load import read_inputs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tables() -> Tables:
    loaded = load_config(ROOT / "configs" / "jiangsu.toml")
    inputs = read_inputs(loaded)
    cfg = loaded.config
    return Tables(
        inputs.townships, inputs.counties, inputs.centres, inputs.items, cfg.maturity, cfg.stages
    )


def test_default_inside_every_band(tables: Tables) -> None:
    rows = calibration_rows(tables)
    assert [r.ref.key for r in rows] == [r.key for r in REFERENCES]
    outside = [(r.ref.key, r.model, r.ref.low, r.ref.high) for r in rows if not r.inside]
    assert not outside
    for row in rows:
        assert row.ref.source.startswith("http")


def test_streets_near_their_seat(tables: Tables) -> None:
    t = tables.townships
    centres = tables.centres
    # 江陵街道 (吴江区) was generated 42 km from its seat before the near-seat rule
    jiangling = t[(t["name"] == "江陵街道")].iloc[0]
    seat = t.loc[centres.loc["cnty_" + jiangling["county_code"], "township_id"]]
    km = math.dist(
        (float(jiangling["lon"]) * 94.0, float(jiangling["lat"]) * 110.6),
        (float(seat["lon"]) * 94.0, float(seat["lat"]) * 110.6),
    )
    assert km < 20.0


def test_validate_calibration_prints_table() -> None:
    result = CliRunner().invoke(
        cli,
        ["validate", str(ROOT / "configs" / "jiangsu.toml"), "--calibration"],
        terminal_width=240,
    )
    assert result.exit_code == 0, result.output
    assert "calibration: model against public figures" in result.output
    assert "Gusu" in result.output
    assert result.output.count("│ yes ") == len(REFERENCES)
    assert "│ NO " not in result.output
