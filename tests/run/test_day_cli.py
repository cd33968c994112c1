"""A planner's day at the command line (issue 25): the reference config, missing files,
``run --out``, province names, words for ids, aligned diff columns, a quiet Dask."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli.main import cli
from planner.config.regions import province_code
from planner.diff.records import Metric
from planner.diff.text import _text_table
from planner.errors import InputError
from planner.inputs.workbook.importer import import_workbook
from planner.inputs.workbook.template import WORKBOOK_NAME, write_template
from planner.labels import display_width, level_label, metric_label, mode_label, region_label

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's example imported: its config."""
    folder = tmp_path_factory.mktemp("example")
    write_template(folder / "book")
    return import_workbook(folder / "book" / WORKBOOK_NAME, folder / "ds")


# -- the reference config and missing files ----------------------------------------------------


def test_reference_config_validates_as_it_is() -> None:
    result = CliRunner().invoke(cli, ["validate", str(ROOT / "configs" / "default.toml")])
    assert result.exit_code == 0, result.output
    assert "inputs are valid" in result.output


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[data]\nworkbook = "gone.xlsx"\n',
            "gone.xlsx: workbook not found (check 'data.workbook'",
        ),
        ('[data]\nworkbook = "unbounded"\n', "unbounded: workbook not found"),
        ('[data]\ntownships = "gone.csv"\n', "gone.csv: township file not found"),
    ],
)
def test_a_missing_data_path_is_one_line_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    result = CliRunner().invoke(cli, ["validate", "-v", str(_config(tmp_path, text))])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and expected in lines[0]
    assert "internal error" not in result.output


def test_validate_calls_supplied_points_supplied(example: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(example)])
    assert result.exit_code == 0, result.output
    assert "with points as supplied" in result.output
    assert "generated" not in result.output


# -- planner run --out, --province by name -----------------------------------------------------


def test_run_out_chooses_the_run_folder(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "somewhere" / "hainan-try"
    result = CliRunner().invoke(cli, ["run", "-q", str(example), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "plan" / "centres.csv").is_file()
    assert 'name = "hainan-try"' in (out / "config.toml").read_text(encoding="utf-8")
    bad = CliRunner().invoke(cli, ["run", "-q", str(example), "--out", str(tmp_path / "试")])
    assert bad.exit_code == 2
    assert "--out" in bad.output


def test_province_by_english_name_and_a_suggestion() -> None:
    assert province_code("Hainan") == "46"
    assert province_code("inner mongolia") == "15"
    with pytest.raises(InputError, match=r"did you mean 46 \(海南省/Hainan\)\?"):
        province_code("Hainen")


# -- words for ids, aligned columns ------------------------------------------------------------


def test_labels_for_ids() -> None:
    assert mode_label("small_general") == "小全科 small general"
    assert mode_label("big_general", english=False) == "大全科"
    assert level_label("township") == "乡镇 township"
    assert region_label("320312", {"320312": "铜山区"}) == "铜山区 (320312)"
    assert region_label("320399", {}) == "320399"
    assert metric_label("top_heavy_share.1") == "stage 1: province+city share of floor area"
    assert metric_label("objective_terms_kcny.travel") == "cost: citizens' travel time (kCNY)"
    assert metric_label("stages.2.townships_with_unserved") == (
        "stage 2: townships with unserved demand"
    )


def test_diff_columns_align_after_chinese_names() -> None:
    lines = _text_table(
        ["centre", "name", "change"],
        [["cnty_1", "玄武区政务服务中心", "area"], ["twn_2", "Gusu", "windows"]],
        set(),
    )
    starts = [
        display_width(ln[: ln.index(word)])
        for ln, word in zip(lines[1:], ["area", "windows"], strict=True)
    ]
    assert starts[0] == starts[1]


def test_no_zero_pp_non_change() -> None:
    assert not Metric("top_heavy_share.1", 0.346012, 0.346013).changed
    assert Metric("top_heavy_share.1", 0.3460, 0.3461).changed
    assert not Metric("objective_kcny", 100.001, 100.002).changed
    assert Metric("objective_kcny", 100.0, 100.01).changed


# -- a quiet Dask ------------------------------------------------------------------------------


def test_dask_start_up_is_quiet(tmp_path: Path) -> None:
    script = tmp_path / "dask_run.py"
    script.write_text(
        textwrap.dedent(
            """
            from planner.cli.common import setup_logging
            from planner.run.dask_cluster import dask_client

            if __name__ == "__main__":
                setup_logging(False, False)
                with dask_client(workers=1) as client:
                    print(client.submit(sum, [1, 2]).result())
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
    for chatter in ("jupyter-server-proxy", "Scheduler at", "Start Nanny", "State start"):
        assert chatter not in done.stderr
