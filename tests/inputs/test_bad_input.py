"""The bad-input corpus: each case breaks a valid tiny case in one way and expects one
clear line on stderr naming the file, field or id, exit code 2, no traceback and no output
folder left behind."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli.main import cli
from tests.tiny import write_case


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Path], None]
    message: str
    """Regular expression the one-line error must match."""
    command: str = "run"


def _edit_csv(name: str, fn: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / name
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        fn(frame).to_csv(path, index=False)

    return mutate


def _set(name: str, column: str, value: object, row: int = 0) -> Callable[[Path], None]:
    def fn(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = str(value)
        return frame

    return _edit_csv(name, fn)


def _config(text_from: str, text_to: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / "config.toml"
        text = path.read_text()
        assert text_from in text, text_from
        path.write_text(text.replace(text_from, text_to, 1))

    return mutate


def _into_config_table(table: str, line: str) -> Callable[[Path], None]:
    """Add ``line`` to the tiny config's existing ``[table]`` (a second one is bad TOML)."""

    def mutate(folder: Path) -> None:
        path = folder / "config.toml"
        text = path.read_text()
        assert f"[{table}]\n" in text
        path.write_text(text.replace(f"[{table}]\n", f"[{table}]\n{line}\n", 1))

    return mutate


def _append_config(extra: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / "config.toml"
        path.write_text(path.read_text() + "\n" + extra + "\n")

    return mutate


def _chain(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for step in steps:
            step(folder)

    return mutate


def _write(name: str, content: bytes) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / name).write_bytes(content)

    return mutate


def _remove(name: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / name).unlink()

    return mutate


def _drop_column(name: str, column: str) -> Callable[[Path], None]:
    return _edit_csv(name, lambda f: f.drop(columns=[column]))


def _duplicate_first_row(name: str) -> Callable[[Path], None]:
    return _edit_csv(name, lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True))


def _geojson_edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / name
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new))

    return mutate


def _no_crs_gpkg(name: str) -> Callable[[Path], None]:
    """Replace a GeoJSON (which is WGS84 by definition) by a GeoPackage without a CRS."""

    def mutate(folder: Path) -> None:
        import warnings

        import geopandas as gpd

        frame = gpd.read_file(folder / name).set_crs(None, allow_override=True)
        target = (folder / name).with_suffix(".gpkg")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "crs was not provided": intended
            frame.to_file(target, driver="GPKG")
        _config(f'"{name}"', f'"{target.name}"')(folder)

    return mutate


CASES: list[Case] = [
    # --- config -------------------------------------------------------------------------
    Case("config-missing", _remove("config.toml"), r"config\.toml: config file not found"),
    Case("config-not-toml", _write("config.toml", b"name = [unclosed\n"), r"not valid TOML"),
    Case(
        "config-gbk",
        _write("config.toml", "name = '江苏'\n".encode("gbk")),
        r"config\.toml: config file is not UTF-8 \(byte \d+\); it looks like GBK",
    ),
    Case(
        "config-unknown-top-key",
        _config('name = "tiny"', "colour = 'red'\nname = 'tiny'"),
        r"unknown key 'colour'",
    ),
    Case(
        "config-misspelt-nested-key",
        _config("[solver]", "[solver]\ntime_limt_s = 5"),
        r"unknown key 'solver\.time_limt_s'",
    ),
    Case(
        "config-wrong-type", _config('method = "simplex"', "method = 3"), r"'solver\.method' was 3"
    ),
    Case(
        "config-bad-solver-name",
        _config("[solver]", '[solver]\nname = "gurobi"'),
        r"'solver\.name' was 'gurobi'",
    ),
    Case(
        "config-negative-weight",
        _append_config("[costs]\nwindow_cost_per_year = -5"),
        r"'costs\.window_cost_per_year' was -5.*greater than or equal to 0",
    ),
    Case(
        "config-share-out-of-range",
        _config("top_heavy_max_share = [1.0]", "top_heavy_max_share = [1.5]"),
        r"'policy\.top_heavy_max_share' entry 1 was 1\.5 but must be in \[0, 1\]",
    ),
    Case(
        "config-stages-out-of-order",
        _config("years = [2026]", "years = [2030, 2028]"),
        r"'stages\.years' must be strictly increasing.*entry 2 is 2028 after 2030",
    ),
    Case(
        "config-stage-count-mismatch",
        _config("years = [2026]", "years = [2026, 2028]"),
        r"'policy\.top_heavy_max_share' has 1 entries but 'stages\.years' has 2",
    ),
    Case(
        "config-unknown-level",
        _append_config("[policy.levels.village]\narea_per_window_m2 = 10"),
        r"unknown level\(s\) \['village'\]",
    ),
    Case(
        "config-bad-run-name",
        _config('name = "tiny"', 'name = "../escape"'),
        r"'name' was '\.\./escape'",
    ),
    Case(
        "config-phase-thresholds",
        _into_config_table("maturity", "phase_thresholds = [0.8, 0.2]"),
        r"'maturity\.phase_thresholds' was \[0\.8, 0\.2\]",
    ),
    Case(
        "config-unknown-indicator",
        _append_config("[maturity.weights]\nincome = 1.0"),
        r"unknown indicator\(s\) \['income'\]",
    ),
    # --- files ---------------------------------------------------------------------------
    Case("townships-missing", _remove("townships.csv"), r"townships\.csv: township file not found"),
    Case(
        "townships-gbk",
        _write("townships.csv", "township_id,name\n1,镇\n".encode("gbk")),
        r"townships\.csv: township file is not UTF-8.*looks like GBK",
    ),
    Case(
        "townships-empty", _write("townships.csv", b""), r"townships\.csv: township file is empty"
    ),
    Case(
        "townships-header-only",
        _write("townships.csv", b"township_id,name,kind,county_code,lon,lat,population\n"),
        r"township file has a header but no rows",
    ),
    Case(
        "townships-missing-column",
        _drop_column("townships.csv", "population"),
        r"townships\.csv: township file lacks column\(s\) \['population'\]",
    ),
    Case(
        "townships-duplicate-id",
        _duplicate_first_row("townships.csv"),
        r"townships\.csv: duplicated township_id 320101001",
    ),
    Case(
        "townships-not-a-number",
        _set("townships.csv", "population", "many"),
        r"'population' must be a finite number but is not for township_id 320101001",
    ),
    Case(
        "townships-infinite-population",
        _set("townships.csv", "population", "1e400"),
        r"'population' must be a finite number but is not for township_id 320101001",
    ),
    Case(
        "townships-negative-population",
        _set("townships.csv", "population", -5),
        r"townships\.csv: 'population' must be >= 0 but is not for 320101001",
    ),
    Case(
        "townships-unknown-county",
        _set("townships.csv", "county_code", "329999"),
        r"'county_code' names unknown county 329999 \(townships 320101001\)",
    ),
    Case(
        "townships-outside-province",
        _set("townships.csv", "lon", 121.5),
        r"'lon'/'lat' of township_id 320101001 fall outside the province boundary",
    ),
    Case(
        "townships-projected-coordinates",
        _set("townships.csv", "lon", 650000.0),
        r"'lon'/'lat' are not degrees in EPSG:4490 for township_id 320101001",
    ),
    Case(
        "counties-unknown-city",
        _set("counties.csv", "city_code", "329900"),
        r"'city_code' names city 329900 not in the city boundaries \(counties 320101\)",
    ),
    Case(
        "counties-share-out-of-range",
        _set("counties.csv", "car_share", 1.7),
        r"counties\.csv: 'car_share' must be in \[0, 1\] but is not for 320101",
    ),
    Case(
        "centres-unknown-level",
        _set("centres.csv", "level", "village", row=2),
        r"centres\.csv: 'level' must be one of .* but is not for cnty_320101",
    ),
    Case(
        "centres-unknown-parent",
        _set("centres.csv", "parent_id", "city_999999", row=2),
        r"'parent_id' names no known centre for cnty_320101",
    ),
    Case(
        "centres-hierarchy-gap",
        _set("centres.csv", "parent_id", "prov_320000", row=2),
        r"'parent_id' of county centre\(s\) cnty_320101 must be a city centre",
    ),
    Case(
        "centres-cycle",
        _set("centres.csv", "parent_id", "cnty_320101", row=0),
        r"province centre\(s\) prov_320000 must have an empty 'parent_id'",
    ),
    Case(
        "centres-negative-area",
        _set("centres.csv", "floor_area_m2", -1, row=2),
        r"'floor_area_m2' must be >= 0 but is not for cnty_320101",
    ),
    Case(
        "centres-unknown-mode",
        _set("centres.csv", "mode", "hybrid", row=2),
        r"centres\.csv: centre 'cnty_320101' has mode 'hybrid' in column 'mode'; expected one "
        r"of traditional, small_general, big_general or blank",
    ),
    Case(
        "centres-negative-desks",
        _set("centres.csv", "desks", -3, row=2),
        r"'desks' must be >= 0 but is not for cnty_320101",
    ),
    Case(
        "centres-desks-not-a-number",
        _set("centres.csv", "desks", "many", row=2),
        r"centres\.csv: 'desks' must be a finite number but is not for centre_id cnty_320101",
    ),
    Case(
        "centres-unknown-host",
        _set("centres.csv", "township_id", "320101999", row=2),
        r"'township_id' names an unknown township for cnty_320101",
    ),
    Case(
        "items-no-level",
        _set("items.csv", "levels_s1", ""),
        r"'levels_s1' of item a is empty: no level may handle it",
    ),
    Case(
        "items-unknown-level",
        _set("items.csv", "levels_s1", "county|village"),
        r"'levels_s1' of item a names unknown level\(s\) \['village'\]",
    ),
    Case(
        "items-share-out-of-range",
        _set("items.csv", "online_potential", 1.2),
        r"items\.csv: 'online_potential' must be in \[0, 1\] but is not for a",
    ),
    Case(
        "items-unreachable",
        _set("items.csv", "max_travel_min", 5),
        r"'max_travel_min' of item a \(5\) is beyond reach: no township reaches a county centre",
    ),
    Case(
        "items-no-stage-columns",
        _drop_column("items.csv", "levels_s1"),
        r"item catalogue lacks 'levels_s1'",
    ),
    Case(
        "items-fewer-stages-than-config",
        _chain(
            _config("years = [2026]", "years = [2026, 2027]"),
            _config("top_heavy_max_share = [1.0]", "top_heavy_max_share = [1.0, 1.0]"),
        ),
        r"has levels for 1 stage\(s\) but the config has 2 \(add 'levels_s2'\)",
    ),
    Case(
        "geometry-no-crs",
        _no_crs_gpkg("province.geojson"),
        r"province\.gpkg: province boundary has no CRS",
    ),
    Case(
        "geometry-wrong-crs",
        _geojson_edit("counties.geojson", "EPSG::4490", "EPSG::3857"),
        r"counties\.geojson: county boundaries CRS is EPSG:3857; expected EPSG:4490",
    ),
    Case(
        "geometry-empty",
        _geojson_edit("cities.geojson", '"features": [', '"features": [] , "x": ['),
        r"cities\.geojson: city boundaries has no features",
    ),
    Case(
        "geometry-invalid",
        _geojson_edit(
            "counties.geojson",
            "[[117.5, 31.5], [118.6, 31.5], [118.6, 32.5], [117.5, 32.5], [117.5, 31.5]]",
            "[[117.5, 31.5], [118.6, 32.5], [118.6, 31.5], [117.5, 32.5], [117.5, 31.5]]",
        ),
        r"counties\.geojson: county boundaries has empty or invalid geometry for code 320101",
    ),
    Case(
        "geometry-not-json",
        _write("province.geojson", b"{not json"),
        r"province\.geojson: cannot read province boundary",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_one_line_and_exit_2(tmp_path: Path, case: Case) -> None:
    config = write_case(tmp_path)
    case.mutate(tmp_path)
    result = CliRunner().invoke(cli, [case.command, "-q", str(config)])
    assert result.exit_code == 2, result.output
    stderr = result.stderr.strip()
    assert "Traceback" not in result.output
    assert len(stderr.splitlines()) == 1, stderr
    assert re.search(case.message, stderr), stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


def test_validate_reports_inventory(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 0, result.output
    assert re.search(r"county centres\s+│\s+1", result.output)
    assert re.search(r"townships\s+│\s+2", result.output)
