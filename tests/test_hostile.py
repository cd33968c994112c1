"""Hostile input and faults: the planner never removes what it did not create, never crashes
as a bug (exit 70) and never hangs.

Each case is the project's own, on the tiny case of :mod:`tests.tiny` (a run takes about a
second); faults (a full disk, a read-only mount, Ctrl-C) are injected with mocks, the cases
that could hang (a FIFO) run in a subprocess with a timeout.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from planner.cli.main import cli
from planner.errors import InputError
from planner.io.run_dir import check_sweep_dir, is_planner_run
from planner.sweep import load_sweep, prune_stale, run_scenario
from tests.tiny import write_case

RUN = ["run", "-q"]


def _invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_line(result: Result, code: int = 2) -> str:
    """The single stderr line of a refused command (exit ``code``, no traceback)."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    assert "internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with the SHA-256 of its bytes."""
    out = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        out[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _plan(run_dir: Path) -> dict[str, str]:
    return _snapshot(run_dir / "plan")


# --- data loss --------------------------------------------------------------------------------


def _users_folder(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "thesis.docx").write_bytes(b"\x00thesis")


def test_a_users_folder_is_never_replaced(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    _users_folder(tmp_path / "out" / "tiny")
    before = _snapshot(tmp_path)
    line = _one_line(_invoke(*RUN, config))
    assert "was not written by the planner" in line and "tiny" in line
    assert _snapshot(tmp_path) == before  # nothing touched, no lock or temporary left


def test_the_data_folder_is_never_the_run_folder(tmp_path: Path) -> None:
    config = write_case(tmp_path / "case", config={"name": "case", "output": {"dir": ".."}})
    before = _snapshot(tmp_path)
    line = _one_line(_invoke(*RUN, config))
    assert "holds the input file" in line
    assert _snapshot(tmp_path) == before


def test_a_file_added_to_a_run_folder_keeps_it_from_being_replaced(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    assert _invoke(*RUN, config).exit_code == 0
    run_dir = tmp_path / "out" / "tiny"
    assert is_planner_run(run_dir)
    (run_dir / "my-notes.md").write_text("keep me\n")
    before = _snapshot(tmp_path)
    line = _one_line(_invoke(*RUN, config))
    assert "holds my-notes.md, which the planner did not write" in line
    assert _snapshot(tmp_path) == before


def test_a_planner_run_folder_is_replaced(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    assert _invoke(*RUN, config).exit_code == 0
    first = _plan(tmp_path / "out" / "tiny")
    changed = write_case(tmp_path, config={"costs": {"window_cost_per_year": 150_000.0}})
    assert _invoke(*RUN, changed).exit_code == 0
    assert _plan(tmp_path / "out" / "tiny") != first
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tiny"]


COLLIDING = [
    ".tiny.old-123",  # the names of earlier versions
    ".tiny.tmp-999999999",
    ".tiny.olive-tmp-999999999-0123456789abcdef",  # today's pattern, but no marker inside
    ".tiny.olive-old-999999999-0123456789abcdef",  # today's pattern, not a planner run
]


@pytest.mark.parametrize("name", COLLIDING)
def test_a_users_hidden_folder_with_a_colliding_name_is_kept(tmp_path: Path, name: str) -> None:
    config = write_case(tmp_path)
    _users_folder(tmp_path / "out" / name)
    before = _snapshot(tmp_path / "out" / name)
    result = _invoke(*RUN, config)
    assert result.exit_code == 0, result.output
    assert _snapshot(tmp_path / "out" / name) == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([name, "tiny"])


def test_a_stale_backup_the_planner_made_is_put_back(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    assert _invoke(*RUN, config).exit_code == 0
    out = tmp_path / "out"
    backup = out / ".tiny.olive-old-999999999-0123456789abcdef"
    (out / "tiny").rename(backup)  # a run killed between its two renames
    assert _invoke("validate", config).exit_code == 0
    result = _invoke(*RUN, write_case(tmp_path, config={"costs": {"window_cost_per_year": 1.0}}))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["tiny"]


SWEEP = """
base = "case/config.toml"
name = "s"
output_dir = "."
[vary]
"costs.window_cost_per_year" = [100000, 150000]
"""


def _sweep(tmp_path: Path) -> Path:
    write_case(tmp_path / "case")
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


def test_a_sweep_into_a_folder_holding_a_users_file_is_refused(tmp_path: Path) -> None:
    path = _sweep(tmp_path)
    (tmp_path / "s" / "configs").mkdir(parents=True)
    (tmp_path / "s" / "configs" / "my-important-run.toml").write_text("name = 'mine'\n")
    before = _snapshot(tmp_path)
    line = _one_line(_invoke("sweep", "-q", path))
    assert "configs/my-important-run.toml, which planner sweep did not write" in line
    assert _snapshot(tmp_path) == before


def test_a_sweep_removes_only_the_configs_it_wrote(tmp_path: Path) -> None:
    sweep = load_sweep(_sweep(tmp_path))
    record = run_scenario(sweep.scenarios[0])  # in this process, no cluster
    assert record.status == "solved", record.error
    configs = sweep.sweep_dir / "configs"
    written = configs / f"{sweep.scenarios[0].name}.toml"
    users = configs / "my-important-run.toml"
    users.write_text("name = 'mine'\n")
    with pytest.raises(InputError, match=r"my-important-run\.toml"):
        check_sweep_dir(sweep.sweep_dir)
    # the next sweep no longer has the first scenario: its folder and config go, the user's stay
    removed = prune_stale(dataclasses.replace(sweep, scenarios=sweep.scenarios[1:]))
    assert removed == [sweep.scenarios[0].name]
    assert not written.exists()
    assert users.read_text() == "name = 'mine'\n"


def test_a_failed_scenario_never_empties_a_users_folder(tmp_path: Path) -> None:
    sweep = load_sweep(_sweep(tmp_path))
    spec = sweep.scenarios[0]
    _users_folder(spec.run_dir)
    before = _snapshot(spec.run_dir)
    record = run_scenario(spec)
    assert record.status == "failed"
    assert "was not written by the planner" in (record.error or "")
    assert _snapshot(spec.run_dir) == before
