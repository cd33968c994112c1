"""The one run-folder reader: typed summary, one list of required files, one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.io.plan_files import json_text
from planner.io.run_folder import REQUIRED_FILES, read_run_folder, read_summary
from planner.plan.summary import PlanSummary
from planner.solve.driver import Status

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("case", ["one-lp", "parts"])
def test_summary_round_trips_byte_for_byte(case: str) -> None:
    path = GOLDEN / case / "summary.json"
    summary = PlanSummary.from_json(json.loads(path.read_text(encoding="utf-8")))
    assert summary.status is Status.OPTIMAL
    assert all(isinstance(s, int) for s in summary.stages)
    assert all(isinstance(s, int) for s in summary.top_heavy_share)
    assert json_text(summary.to_json()) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "fine"}, "'status' is 'fine', expected one of optimal"),
        ({"stages": {"1": {"demand": "many"}}}, "'stages.1.demand' is not a number"),
        ({"stages": {"x": {}}}, "'stages' has a key 'x' that is not a stage number"),
        ({"top_heavy_share": None}, "'top_heavy_share' is missing or not an object"),
    ],
)
def test_a_bad_summary_field_is_named(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    value = json.loads((GOLDEN / "one-lp" / "summary.json").read_text(encoding="utf-8"))
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({**value, **change}), encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        read_summary(path)
    assert str(err.value).startswith(f"{path}: ")


def _folder(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(GOLDEN / "one-lp", run / "plan")
    (run / "plan" / "counties.csv").write_text("county_code,stage\n320101,1\n", encoding="utf-8")
    (run / "config.toml").write_text('name = "golden"\n', encoding="utf-8")
    return run


def test_reads_a_folder_and_notes_a_missing_manifest(tmp_path: Path) -> None:
    run = read_run_folder(_folder(tmp_path))
    assert run.config == {"name": "golden"}
    assert run.stages == [0, 1, 2]
    assert run.centres["stage"].dtype.kind == "i"
    assert run.notes == ("manifest.json is missing from the run folder",)
    assert sorted(run.plan_hashes) == sorted(p.name for p in run.plan_dir.iterdir())


@pytest.mark.parametrize("rel", REQUIRED_FILES)
def test_every_required_file_is_named_when_missing(tmp_path: Path, rel: str) -> None:
    folder = _folder(tmp_path)
    (folder / rel).unlink()
    with pytest.raises(InputError, match=f"{rel.rsplit('/', 1)[-1]}: missing; .* is not a run"):
        read_run_folder(folder)
