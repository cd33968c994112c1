"""Which province a run planned, and a run folder whose ``config.toml`` runs again.

``planner run --province 江苏`` on the tiny case (a dataset of province 32): the run folder is
``<name>-32``, its ``config.toml`` says ``province = "32"`` and the new name, its manifest
names the province and the report's title shows it. The folder's ``config.toml`` validates
and plans into the same folder from another working directory.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from planner.cli.main import cli
from planner.config.schema import load_config
from planner.io.run_config import PATH_KEYS
from planner.report.data import read_run
from planner.report.html import render_report
from tests.tiny import write_case


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("identity")
    return write_case(
        folder / "case",
        config={"name": "tiny", "output": {"dir": "../runs", "gpkg": True, "report": True}},
    )


@pytest.fixture(scope="module")
def province_run(case: Path) -> Path:
    result = CliRunner().invoke(cli, ["run", "-q", str(case), "--province", "江苏"])
    assert result.exit_code == 0, result.output
    run_dir = case.parent.parent / "runs" / "tiny-32"
    assert run_dir.is_dir()
    return run_dir


def test_province_is_in_the_run_config(province_run: Path) -> None:
    config = tomllib.loads((province_run / "config.toml").read_text(encoding="utf-8"))
    assert config["name"] == "tiny-32"
    assert config["data"]["province"] == "32"
    assert config["description"] == "江苏省 (32) alone"  # the tiny case has no description


def test_province_is_in_the_manifest_and_report_title(province_run: Path) -> None:
    manifest = json.loads((province_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dataset"] == {
        "selection": "32",
        "provinces": [{"code": "32", "name": "江苏省"}],
        "label": "江苏省",
    }
    page = (province_run / "report.html").read_text(encoding="utf-8")
    assert "<title>tiny-32 (江苏省): Olive Planner report</title>" in page
    assert "<h1>tiny-32 <small>江苏省 · Olive Planner report</small></h1>" in page


def test_run_config_runs_from_another_folder(
    case: Path, province_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = load_config(case)
    monkeypatch.chdir(tmp_path)
    run_config = province_run / "config.toml"
    # given as a path relative to the working directory: the data paths in it are relative
    # to the run folder, not to the working directory
    result = CliRunner().invoke(cli, ["validate", os.path.relpath(run_config, tmp_path)])
    assert result.exit_code == 0, result.output
    again = load_config(run_config)
    assert again.run_dir == province_run.resolve()
    for key in PATH_KEYS:
        raw = again.raw["data"][key]
        assert not Path(raw).is_absolute(), (key, raw)
        assert again.resolve(Path(raw)) == original.resolve(getattr(original.config.data, key))
    result = CliRunner().invoke(cli, ["run", "-q", str(run_config)])
    assert result.exit_code == 0, result.output
    rerun = tomllib.loads(run_config.read_text(encoding="utf-8"))
    assert rerun["name"] == "tiny-32" and rerun["data"]["province"] == "32"


def test_run_config_of_a_plain_run_keeps_the_name_and_all(case: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "-q", str(case)])
    assert result.exit_code == 0, result.output
    run_dir = case.parent.parent / "runs" / "tiny"
    config = tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8"))
    assert config["name"] == "tiny"
    assert config["output"]["dir"] == ".."
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dataset"]["selection"] == "all"
    assert manifest["dataset"]["label"] == "江苏省"


def test_stage_labels_use_the_default_years(province_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(province_run, copy)
    config = tomllib.loads((copy / "config.toml").read_text(encoding="utf-8"))
    del config["stages"]  # a config relying on the default stages (2025; 2027, 2030, 2035)
    config["policy"].pop("top_heavy_max_share")
    (copy / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    run = read_run(copy, maps=False)
    assert run.stage_label(0) == "Today (2025)"
    assert run.stage_label(1) == "Stage 1 (2027)"
    assert "Stage 1 (2027)" in render_report(copy)


def test_run_config_rebases_the_travel_matrix(case: Path, tmp_path: Path) -> None:
    from planner.io.run_config import run_config as run_config_mapping

    matrix = case.parent / "matrix.csv"
    matrix.write_text("township_id,centre_id,minutes\n", encoding="utf-8")
    loaded = load_config(case, {"travel": {"matrix": "matrix.csv"}})
    run_dir = tmp_path / "elsewhere" / "run"
    raw = run_config_mapping(loaded, run_dir)
    rebased = Path(raw["travel"]["matrix"])
    assert not rebased.is_absolute()
    assert (run_dir / rebased).resolve() == matrix.resolve()
