"""Identity in ``planner diff`` (issue 17): input data is compared by content (the
manifest's SHA-256), not path, and each run's province is named; ``summary.json`` says which
part of the dataset was planned."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

from click.testing import CliRunner

from planner.cli.main import cli
from planner.diff import diff_runs, load_run, render_text
from planner.sweep.toml_writer import to_toml
from tests.tiny import two_province_case, write_case

WEIGHT = "window_cost_per_year"


def _run(config: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "-q", str(config)])
    assert result.exit_code == 0, result.output


def test_only_the_changed_weight_is_listed_when_paths_differ(tmp_path: Path) -> None:
    config = write_case(tmp_path / "a")
    _run(config)
    run_a = tmp_path / "a" / "out" / "tiny"
    # the same data named by absolute paths from a config elsewhere, one weight changed
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    raw["data"] = {
        k: str((config.parent / v).resolve()) if isinstance(v, str) and k != "province" else v
        for k, v in raw["data"].items()
    }
    raw["output"] = {**raw.get("output", {}), "dir": str(tmp_path / "b")}
    raw.setdefault("costs", {})[WEIGHT] = 150_000.0
    other = tmp_path / "elsewhere" / "copy.toml"
    other.parent.mkdir()
    other.write_text(to_toml(raw), encoding="utf-8")
    _run(other)
    d = diff_runs(load_run(run_a), load_run(tmp_path / "b" / "tiny"))
    assert [c.key for c in d.config] == [f"costs.{WEIGHT}"]
    assert d.notes == []


def test_equal_paths_to_edited_data_are_listed(tmp_path: Path) -> None:
    config = write_case(tmp_path / "a")
    _run(config)
    shutil.copytree(tmp_path / "a", tmp_path / "b", ignore=shutil.ignore_patterns("out"))
    townships = tmp_path / "b" / "townships.csv"
    text = townships.read_text(encoding="utf-8")
    townships.write_text(text.replace(",1000\n", ",1200\n", 1), encoding="utf-8")
    assert townships.read_text(encoding="utf-8") != text
    _run(tmp_path / "b" / config.name)
    d = diff_runs(
        load_run(tmp_path / "a" / "out" / "tiny"), load_run(tmp_path / "b" / "out" / "tiny")
    )
    assert [c.key for c in d.config] == ["data.townships"]
    change = d.config[0]
    assert "sha256 " in str(change.a) and str(change.a) != str(change.b)


def test_summary_and_diff_name_the_province(tmp_path: Path) -> None:
    config = write_case(tmp_path / "a")
    _run(config)
    run = tmp_path / "a" / "out" / "tiny"
    summary = json.loads((run / "plan" / "summary.json").read_text(encoding="utf-8"))
    assert summary["dataset"]["provinces"] == [{"code": "32", "name": "江苏省"}]
    assert summary["dataset"]["selection"] == "all"
    text = render_text(diff_runs(load_run(run), load_run(run)))
    assert f"A: {run} (江苏省 (32))" in text


def test_province_flag_reaches_summary_and_diff(tmp_path: Path) -> None:
    config = two_province_case(tmp_path / "case", {})
    result = CliRunner().invoke(cli, ["run", "-q", str(config), "--province", "安徽"])
    assert result.exit_code == 0, result.output
    run = next(p.parent.parent for p in tmp_path.rglob("plan/summary.json"))
    summary = json.loads((run / "plan" / "summary.json").read_text(encoding="utf-8"))
    assert summary["dataset"]["selection"] == "34"
    assert summary["dataset"]["provinces"] == [{"code": "34", "name": "安徽省"}]
    d = diff_runs(load_run(run), load_run(run))
    assert d.dataset_a == d.dataset_b == "安徽省 (34)"
