"""Messages a person acts on (issue 17): ``--province`` errors blame the flag; a sweep file
given to ``planner run`` (and a run config given to ``planner sweep``) says so; per-stage
lists say one entry per stage; unknown keys get a "did you mean"; a bad value in a sweep
names the sweep file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from planner.cli.main import cli
from planner.config.keys import suggest_key
from planner.config.schema import Config
from planner.errors import InputError
from planner.sweep.scenario import scenario_config
from planner.sweep.spec import load_sweep
from tests.tiny import write_case

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_province_flag_is_blamed_not_the_config_key() -> None:
    line = _one_error(_cli("run", REPO / "configs/jiangsu.toml", "--province", "99", "-q"))
    assert "--province was '99'" in line and "data.province" not in line
    line = _one_error(_cli("run", REPO / "configs/jiangsu.toml", "--province", "浙江", "-q"))
    assert "no township of province 33" in line and "check --province" in line
    assert "data.province" not in line


def test_sweep_file_given_to_run_and_run_config_given_to_sweep() -> None:
    line = _one_error(_cli("run", REPO / "configs/sweep-example.toml", "-q"))
    assert "this is a sweep file" in line and "planner sweep" in line
    line = _one_error(_cli("sweep", REPO / "configs/jiangsu.toml", "-q"))
    assert "this is a run config, not a sweep file" in line and "planner run" in line


def test_unknown_keys_get_a_suggestion(tmp_path: Path) -> None:
    assert suggest_key(Config, ["solver", "time_limt_s"]) == "solver.time_limit_s"
    assert suggest_key(Config, ["policy", "levels", "county", "min_area"]) == (
        "policy.levels.county.min_area_m2"
    )
    assert suggest_key(Config, ["costs", "zzzzzz"]) is None
    config = write_case(tmp_path / "case", config={"solver": {"time_limt_s": 5}})
    line = _one_error(_cli("validate", config))
    assert line.endswith(
        "unknown key 'solver.time_limt_s' (did you mean 'solver.time_limit_s'? "
        "see configs/default.toml)"
    )
    config = write_case(tmp_path / "good")
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'base = "{config}"\nname = "s"\nmdoe = "zip"\n[vary]\n"x" = [1]\n')
    assert "did you mean 'mode'?" in _one_error(_cli("sweep", sweep))
    sweep.write_text(f'base = "{config}"\nname = "s"\n[vary]\n"costs.window_cost" = [1, 2]\n')
    assert "did you mean 'costs.window_cost_per_year'?" in _one_error(_cli("sweep", sweep))


def test_per_stage_lists_say_one_entry_per_stage(tmp_path: Path) -> None:
    config = tmp_path / "two.toml"
    config.write_text('name = "two"\n[stages]\nyears = [2027, 2030]\n')
    line = _one_error(_cli("validate", config))
    assert "the default of 'policy.top_heavy_max_share' has 3 entries" in line
    assert "one entry per stage is expected" in line and "'(top level)'" not in line
    config = write_case(
        tmp_path / "case2",
        config={"stages": {"years": [2027, 2030]}, "policy": {"top_heavy_max_share": [0.3]}},
    )
    line = _one_error(_cli("validate", config))
    assert "'policy.top_heavy_max_share' has 1 entries but 'stages.years' has 2" in line
    assert "one entry per stage is expected" in line


def test_a_bad_value_in_a_sweep_names_the_sweep_file(tmp_path: Path) -> None:
    config = write_case(tmp_path / "case")
    sweep = tmp_path / "bad.toml"
    sweep.write_text(
        f'base = "{config}"\nname = "bad"\n[vary]\n"costs.window_cost_per_year" = [-5, 1]\n'
    )
    spec = load_sweep(sweep).scenarios[0]
    with pytest.raises(InputError) as err:
        scenario_config(spec)
    text = str(err.value)
    assert text.startswith(f"{sweep}: scenario {spec.name} (costs.window_cost_per_year = -5)")
    assert "'costs.window_cost_per_year' was -5" in text


def test_item_levels_say_one_column_per_stage(tmp_path: Path) -> None:
    cfg = {"stages": {"years": [2026, 2028]}, "policy": {"top_heavy_max_share": [0.3, 0.3]}}
    config = write_case(tmp_path / "case", config=cfg)
    line = _one_error(_cli("validate", config))
    assert "has levels for 1 stage(s) but the config has 2 (add 'levels_s2')" in line
    assert "one levels column per stage of 'stages.years' is expected" in line
