"""National (multi-province) runs: province plans streamed to disk, a resumed run, a Dask
scheduler of separate processes.

The dataset is :func:`tests.tiny.two_province_case` (provinces 32 and 34, a second each).
An interrupted run is simulated by failing province 34's solve after province 32 was saved
(the serial order is by code).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from planner.cli.main import cli
from planner.config.schema import load_config
from planner.run import pipeline
from planner.run.parts import MARKER, PartStore, parts_folder
from planner.run.pipeline import RunResult, run_config, write_run
from tests.tiny import two_province_case

pytestmark = pytest.mark.filterwarnings(
    # distributed closes its comm handlers after the cluster context exits
    "ignore::ResourceWarning",
    "ignore:.*Port .* is already in use.*:UserWarning",
)


def _invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _plan_bytes(run_dir: Path) -> dict[str, str]:
    """SHA-256 of every file of ``plan/`` (the tables and summary.json)."""
    files = sorted((run_dir / "plan").iterdir())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def fresh_bytes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The plan of the two-province case solved in memory, without a part store."""
    config = two_province_case(tmp_path_factory.mktemp("fresh"), {})
    run = run_config(load_config(config))
    assert run.result.status == "optimal" and sorted(run.parts) == ["32", "34"]
    return _plan_bytes(write_run(run))


class _Solves:
    """Records the provinces solved; fails province ``fail`` as a killed run would stop."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: str | None = None) -> None:
        self.codes: list[str] = []
        real: Callable[..., RunResult] = pipeline.solve_region

        def wrapped(loaded: Any, code: str, *args: Any, **kwargs: Any) -> RunResult:
            if code == fail:
                msg = f"simulated kill while solving province {code}"
                raise RuntimeError(msg)
            self.codes.append(code)
            return real(loaded, code, *args, **kwargs)

        monkeypatch.setattr(pipeline, "solve_region", wrapped)


def _interrupted(folder: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any]) -> Path:
    """A run of the case killed while solving province 34; return its config path."""
    path = two_province_case(folder, config)
    loaded = load_config(path)
    with monkeypatch.context() as patch:
        solves = _Solves(patch, fail="34")
        with pytest.raises(RuntimeError, match="simulated kill"):
            run_config(loaded, store=PartStore(loaded.run_dir))
    assert solves.codes == ["32"]
    saved = sorted(p.name[:2] for p in parts_folder(loaded.run_dir).glob("*.part"))
    assert saved == ["32"]
    assert not loaded.run_dir.exists(), "nothing is written into the run folder"
    return path


def _rerun(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[RunResult, list[str]]:
    loaded = load_config(path)
    solves = _Solves(monkeypatch)
    run = run_config(loaded, store=PartStore(loaded.run_dir))
    return run, solves.codes


def test_a_cli_run_streams_parts_and_writes_the_same_bytes(
    tmp_path: Path, fresh_bytes: dict[str, str]
) -> None:
    config = two_province_case(tmp_path, {})
    result = _invoke("run", "-q", "--workers", "1", config)
    assert result.exit_code == 0, result.output
    run_dir = load_config(config).run_dir
    assert _plan_bytes(run_dir) == fresh_bytes
    assert not parts_folder(run_dir).exists(), "the parts are removed once the run is written"


def test_a_killed_run_resumes_with_the_provinces_it_solved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_bytes: dict[str, str]
) -> None:
    path = _interrupted(tmp_path, monkeypatch, {})
    run, solved = _rerun(path, monkeypatch)
    assert solved == ["34"], "province 32 is reused, not solved again"
    assert run.reused == ("32",)
    assert sorted(run.parts) == ["32", "34"]
    run_dir = write_run(run)
    assert _plan_bytes(run_dir) == fresh_bytes
    manifest = (run_dir / "manifest.json").read_text(encoding="utf-8")
    assert '"reused": [\n      "32"\n    ]' in manifest


def test_a_resumed_run_with_rule_totals_gives_the_fresh_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule totals re-solve every province: a reused part keeps its travel minutes then."""
    totals = {"policy": {"rule_costs": {"total": True}}}
    fresh = run_config(load_config(two_province_case(tmp_path / "fresh", totals)))
    assert fresh.plan is not None and fresh.plan.rule_totals is not None
    path = _interrupted(tmp_path / "resumed", monkeypatch, totals)
    run, solved = _rerun(path, monkeypatch)
    assert solved == ["34"] and run.reused == ("32",)
    assert _plan_bytes(write_run(run)) == _plan_bytes(write_run(fresh))


def test_the_cli_says_which_provinces_it_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_bytes: dict[str, str]
) -> None:
    path = _interrupted(tmp_path, monkeypatch, {})
    result = _invoke("run", "--workers", "1", path)
    assert result.exit_code == 0, result.output
    assert "reused the saved plans of 1 of 2 provinces" in result.stdout
    run_dir = load_config(path).run_dir
    assert _plan_bytes(run_dir) == fresh_bytes
    assert not parts_folder(run_dir).exists()


def test_fresh_solves_every_province_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _interrupted(tmp_path, monkeypatch, {})
    loaded = load_config(path)
    solves = _Solves(monkeypatch)
    run = run_config(loaded, store=PartStore(loaded.run_dir, reuse=False))
    assert solves.codes == ["32", "34"] and run.reused == ()


def test_a_changed_config_does_not_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _interrupted(tmp_path, monkeypatch, {})
    text = path.read_text(encoding="utf-8")
    changed = two_province_case(tmp_path, {"costs": {"window_cost_per_year": 123_456}})
    assert changed == path and path.read_text(encoding="utf-8") != text
    run, solved = _rerun(path, monkeypatch)
    assert solved == ["32", "34"] and run.reused == ()


def test_changed_data_does_not_reuse_that_province(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _interrupted(tmp_path, monkeypatch, {})
    townships = path.parent / "townships.csv"
    frame = pd.read_csv(townships, dtype=str)
    row = frame.index[frame["county_code"].str.startswith("32")][0]
    frame.loc[row, "population"] = str(int(frame.loc[row, "population"]) + 1)
    frame.to_csv(townships, index=False)
    run, solved = _rerun(path, monkeypatch)
    assert solved == ["32", "34"] and run.reused == ()


def test_changed_data_of_another_province_keeps_the_saved_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _interrupted(tmp_path, monkeypatch, {})
    townships = path.parent / "townships.csv"
    frame = pd.read_csv(townships, dtype=str)
    row = frame.index[frame["county_code"].str.startswith("34")][0]
    frame.loc[row, "population"] = str(int(frame.loc[row, "population"]) + 1)
    frame.to_csv(townships, index=False)
    run, solved = _rerun(path, monkeypatch)
    assert solved == ["34"] and run.reused == ("32",)


def test_a_users_folder_in_the_parts_place_is_refused_and_kept(tmp_path: Path) -> None:
    config = two_province_case(tmp_path, {})
    folder = parts_folder(load_config(config).run_dir)
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = _invoke("run", "-q", "--workers", "1", config)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "was not made by the planner" in lines[0], lines
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert not (folder / MARKER).exists()


def test_clearing_the_parts_keeps_a_file_the_planner_did_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _interrupted(tmp_path, monkeypatch, {})
    folder = parts_folder(load_config(path).run_dir)
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = _invoke("run", "-q", "--workers", "1", path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


# --- a Dask scheduler of separate processes ------------------------------------------------

Start = Callable[[int], tuple[str, Any]]


@pytest.mark.dask
def test_scheduler_with_two_worker_processes_gives_the_same_bytes(
    tmp_path: Path, dask_processes: Start, fresh_bytes: dict[str, str]
) -> None:
    address, _ = dask_processes(2)
    config = two_province_case(tmp_path, {})
    result = _invoke("run", "-q", "--scheduler", address, config)
    assert result.exit_code == 0, result.output
    run_dir = load_config(config).run_dir
    assert _plan_bytes(run_dir) == fresh_bytes
    assert not parts_folder(run_dir).exists()


@pytest.mark.dask
def test_scheduler_and_resume_together(
    tmp_path: Path,
    dask_processes: Start,
    monkeypatch: pytest.MonkeyPatch,
    fresh_bytes: dict[str, str],
) -> None:
    address, _ = dask_processes(2)
    path = _interrupted(tmp_path, monkeypatch, {})
    result = _invoke("run", "--scheduler", address, path)
    assert result.exit_code == 0, result.output
    assert "reused the saved plans of 1 of 2 provinces" in result.stdout
    assert _plan_bytes(load_config(path).run_dir) == fresh_bytes


@pytest.mark.dask
def test_scheduler_without_workers_is_one_line(tmp_path: Path, dask_processes: Start) -> None:
    address, _ = dask_processes(0)
    config = two_province_case(tmp_path, {})
    result = _invoke("run", "-q", "--scheduler", address, "--worker-timeout", "1.5", config)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"the Dask scheduler at {address} has no worker after 1.5 s" in lines[0]
    assert not load_config(config).run_dir.exists()


@pytest.mark.parametrize("address", ["not-an-address", "tcp://127.0.0.1:http"])
def test_a_malformed_scheduler_is_one_line_before_any_work(tmp_path: Path, address: str) -> None:
    config = two_province_case(tmp_path, {})
    result = _invoke("run", "-q", "--scheduler", address, config)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is not a Dask scheduler address" in lines[0], lines


@pytest.mark.dask
def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    config = two_province_case(tmp_path, {})
    result = _invoke("run", "-q", "--scheduler", "tcp://127.0.0.1:1", config)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to the Dask scheduler" in lines[0], lines


def test_scheduler_and_workers_exclude_each_other(tmp_path: Path) -> None:
    config = two_province_case(tmp_path, {})
    result = _invoke("run", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1", config)
    assert result.exit_code == 2
    assert "--workers and --scheduler exclude each other" in result.output


def test_scheduler_with_one_province_says_it_is_not_used(tmp_path: Path) -> None:
    config = two_province_case(tmp_path, {"data": {"province": "32"}})
    result = _invoke("run", "-q", "--scheduler", "tcp://127.0.0.1:1", config)
    assert result.exit_code == 0, result.output
    assert "the Dask scheduler is not used" in result.stderr
