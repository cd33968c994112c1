"""Property-based: mutate a valid config and dataset; every run ends in a valid plan or in
a one-line input error (exit 2), never in a traceback or a half-written folder."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.cli.main import cli
from tests.tiny import write_case

NUMBERS = st.one_of(
    st.floats(min_value=-1e4, max_value=1e7, allow_nan=False),
    st.sampled_from(["", "nan", "abc", "-0", "1e400"]),
)

CSV_FIELDS = [
    ("townships.csv", "population"),
    ("townships.csv", "lon"),
    ("townships.csv", "lat"),
    ("townships.csv", "county_code"),
    ("counties.csv", "edu_years_mean"),
    ("counties.csv", "car_share"),
    ("centres.csv", "floor_area_m2"),
    ("centres.csv", "parent_id"),
    ("items.csv", "annual_per_1000"),
    ("items.csv", "counter_minutes"),
    ("items.csv", "online_potential"),
    ("items.csv", "max_travel_min"),
    ("items.csv", "levels_s1"),
]

CONFIG_FIELDS = [
    ("costs", "window_cost_per_year"),
    ("costs", "value_of_time_per_hour"),
    ("costs", "unserved_penalty_per_transaction"),
    ("windows", "service_minutes_per_day"),
    ("windows", "dedicated_min_daily"),
    ("travel", "speed_kmh"),
    ("travel", "detour_factor"),
    ("maturity", "annual_catch_up"),
    ("policy", "township_min_station_m2"),
]

csv_mutation = st.tuples(st.sampled_from(CSV_FIELDS), st.integers(0, 2), NUMBERS)
config_mutation = st.tuples(
    st.sampled_from(CONFIG_FIELDS), st.floats(min_value=-10, max_value=1e6, allow_nan=False)
)


def _apply_csv(folder: Path, mutation: tuple[tuple[str, str], int, Any]) -> None:
    (name, column), row, value = mutation
    path = folder / name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row % len(frame), column] = str(value)
    frame.to_csv(path, index=False)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    csv_mutations=st.lists(csv_mutation, max_size=3),
    config_mutations=st.lists(config_mutation, max_size=2),
)
def test_mutated_inputs_end_in_a_plan_or_a_clear_error(
    csv_mutations: list[tuple[tuple[str, str], int, Any]],
    config_mutations: list[tuple[tuple[str, str], float]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        overrides: dict[str, Any] = {}
        for (section, key), value in config_mutations:
            overrides.setdefault(section, {})[key] = value
        config = write_case(folder, config=overrides)
        for mutation in csv_mutations:
            _apply_csv(folder, mutation)
        result = CliRunner().invoke(cli, ["run", "-q", str(config)])
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 2), (result.exit_code, result.output)
        out = folder / "out"
        if result.exit_code == 0:
            plan = out / "tiny" / "plan"
            for name in ("centres.csv", "townships.csv", "levels.csv", "summary.json"):
                assert (plan / name).is_file()
            townships = pd.read_csv(plan / "townships.csv")
            total = townships["online"] + townships["physical"] + townships["unserved"]
            assert ((total - townships["demand"]).abs() <= 0.2).all()
        else:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ")
            assert not out.exists() or not any(out.iterdir())
