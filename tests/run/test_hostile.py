"""Hostile input and faults: the planner never removes what it did not create, never crashes
as a bug (exit 70) and never hangs.

Each case is the project's own, on the tiny case of :mod:`tests.tiny` (a run takes about a
second); faults (a full disk, a read-only mount, Ctrl-C) are injected with mocks, the cases
that could hang (a FIFO) run in a subprocess with a timeout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from planner.cli.main import cli
from planner.errors import InputError
from planner.io.run_dir import check_sweep_dir, is_planner_run
from planner.sweep import load_sweep
from planner.sweep.execution import prune_stale
from planner.sweep.scenario import run_scenario
from tests.tiny import write_case

RUN = ["run", "-q"]


def _invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_line(result: Result, code: int = 2) -> str:
    """The single stderr line of a refused command (exit ``code``, no traceback)."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    assert ("internal error" in result.stderr) == (code == 70)
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


# --- markup and mathtext ----------------------------------------------------------------------


def test_markup_in_a_config_path_is_printed_verbatim(tmp_path: Path) -> None:
    folder = tmp_path / "a[" / "x][red]"  # the path reads .../a[/x][red]/config.toml
    config = write_case(folder, config={"solver": {"method": "[red]fast[/]"}})
    line = _one_line(_invoke(*RUN, config))
    assert "a[/x][red]" in line
    assert "'solver.method' was '[red]fast[/]'" in line


def test_markup_in_an_id_is_printed_verbatim(tmp_path: Path) -> None:
    townships = [
        {"township_id": "[red]9[/]", "name": "T", "kind": "town", "county_code": "[/x]",
         "lon": 118.0, "lat": 32.0, "population": 10},
    ]  # fmt: skip
    config = write_case(tmp_path, townships=townships)
    (tmp_path / "counties.csv").write_text(
        (tmp_path / "counties.csv").read_text().replace("[/x]", "320101")
    )
    line = _one_line(_invoke(*RUN, config))
    assert "unknown county [/x] (townships [red]9[/])" in line


def test_markup_in_the_output_folder_and_a_report_path(tmp_path: Path) -> None:
    config = write_case(tmp_path, config={"output": {"dir": "o[/x]"}})
    result = _invoke("run", config)
    assert result.exit_code == 0, result.output
    assert f"plan written to {tmp_path / 'o[' / 'x]' / 'tiny'}" in result.stdout
    elsewhere = tmp_path / "r[" / "y][bold]" / "r.html"
    result = _invoke("report", tmp_path / "o[" / "x]" / "tiny", "-o", elsewhere)
    assert result.exit_code == 0, result.output
    assert "report written to " + str(elsewhere) in result.stdout


def test_a_formula_in_a_city_name_is_drawn_as_text(tmp_path: Path) -> None:
    config = write_case(tmp_path, config={"output": {"gpkg": True, "report": True}})
    cities = tmp_path / "cities.geojson"
    cities.write_text(cities.read_text().replace('"name": "C"', '"name": "C$\\\\foo{$x"'))
    result = _invoke(*RUN, config)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "tiny" / "report.html").is_file()


# --- unwritable output, full disk -------------------------------------------------------------


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A config whose plan was written once (gpkg and report on), and that plan."""
    config = write_case(tmp_path, config={"output": {"gpkg": True, "report": False}})
    assert _invoke(*RUN, config).exit_code == 0
    return write_case(tmp_path, config={"costs": {"window_cost_per_year": 150_000.0},
                                        "output": {"gpkg": True, "report": False}}), _snapshot(
        tmp_path / "out"
    )  # fmt: skip


def _unchanged(config: Path, before: dict[str, str]) -> None:
    """The previous plan is intact and nothing else is left in the output folder."""
    assert _snapshot(config.parent / "out") == before


def test_a_read_only_output_folder_is_refused_before_the_solve(
    planned: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, before = planned
    import planner.io.run_dir as run_dir
    import planner.run.pipeline as pipeline

    def read_only(*_: object, **__: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    def no_solve(*_: object, **__: object) -> None:
        raise AssertionError("the solve must not start")

    monkeypatch.setattr(run_dir.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(pipeline, "solve", no_solve)
    line = _one_line(_invoke(*RUN, config))
    assert line.endswith("the output folder is not writable (Read-only file system)")
    _unchanged(config, before)


def test_a_full_disk_while_writing_the_tables(
    planned: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, before = planned
    real = Path.write_text

    def full(self: Path, *args: Any, **kwargs: Any) -> int:
        if ".olive-tmp-" in str(self) and self.name == "levels.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    line = _one_line(_invoke(*RUN, config))
    assert line.startswith(f"error: {config.parent / 'out' / 'tiny' / 'plan' / 'levels.csv'}:")
    assert "cannot write the plan (No space left on device)" in line
    _unchanged(config, before)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("sqlite3_exec(INSERT INTO x) failed: database or disk is full", 2),
        ("Failed to commit transaction", 2),
        ("sqlite3_exec(CREATE TABLE x) failed: attempt to write a readonly database", 2),
        ("field 'x' has an unsupported type", 70),  # a bug stays a bug
    ],
)
def test_geopackage_write_errors(
    planned: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, error: str, code: int
) -> None:
    config, before = planned
    import pyogrio.errors

    import planner.run.pipeline as pipeline

    def failing(*_: object, **__: object) -> None:
        raise pyogrio.errors.DataSourceError(error)

    monkeypatch.setattr(pipeline, "write_gpkg", failing)
    line = _one_line(_invoke(*RUN, config), code)
    if code == 2:
        assert line.startswith(f"error: {config.parent / 'out' / 'tiny' / 'plan.gpkg'}: cannot")
    _unchanged(config, before)


# --- Ctrl-C -----------------------------------------------------------------------------------


def _deliver_sigint() -> None:
    """What the interpreter does when Ctrl-C arrives: call the SIGINT handler in place."""
    handler = signal.getsignal(signal.SIGINT)
    assert callable(handler)
    handler(signal.SIGINT, None)


def _report_then(action: str) -> Any:
    """A stand-in for ``write_report`` that is interrupted in one of three ways."""

    def fake(folder: Path) -> Path:
        if action == "raise":
            raise KeyboardInterrupt
        # matplotlib can swallow the KeyboardInterrupt ("Exception ignored in ...")
        with contextlib.suppress(KeyboardInterrupt):
            _deliver_sigint()
        (folder / "report.html").write_text("<!DOCTYPE html>")
        return folder / "report.html"

    return fake


@pytest.mark.parametrize("action", ["raise", "swallowed"])
def test_ctrl_c_while_drawing_the_report_keeps_the_previous_plan(
    planned: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    config, before = planned
    import planner.run.pipeline as pipeline

    monkeypatch.setattr(pipeline, "write_report", _report_then(action))
    text = config.read_text().replace("report = false", "report = true")
    config.write_text(text)
    line = _one_line(_invoke(*RUN, config), 130)
    assert "interrupted; the previous plan (if any) is untouched" in line
    _unchanged(config, before)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_during_the_swap_undoes_it(
    planned: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, before = planned
    real = Path.rename

    def rename(self: Path, target: Any) -> Path:
        out = real(self, target)
        if ".olive-tmp-" in self.name:  # the new plan has just been moved in
            _deliver_sigint()
        return out

    monkeypatch.setattr(Path, "rename", rename)
    line = _one_line(_invoke(*RUN, config), 130)
    assert "the previous plan (if any) is untouched" in line
    _unchanged(config, before)


def test_ctrl_c_after_the_swap_says_the_new_plan_is_written(
    planned: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, before = planned
    import planner.cli.commands as commands

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "_print_run", interrupted)
    line = _one_line(_invoke(*RUN, config), 5)
    assert "interrupted after the new plan was written in full; the new plan is in place" in line
    assert _snapshot(config.parent / "out") != before


# --- two runs into one folder -----------------------------------------------------------------

HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_run_into_the_same_folder_is_refused(
    planned: tuple[Path, dict[str, str]],
) -> None:
    config, before = planned
    lock = config.parent / "out" / ".tiny.olive-lock"
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            line = _one_line(_invoke(*RUN, config))
            assert "another planner run is writing this run folder" in line
        finally:
            holder.kill()  # the process this test started, by its handle
            holder.wait(timeout=10)
    lock.unlink()
    _unchanged(config, before)


# --- data paths -------------------------------------------------------------------------------


def _with_path(tmp_path: Path, key: str, target: str | Path) -> Path:
    return write_case(tmp_path, config={"data": {key: str(target)}})


def test_a_symbolic_link_loop_as_a_data_path(tmp_path: Path) -> None:
    config = _with_path(tmp_path, "townships", "loop.csv")
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop2.csv")
    (tmp_path / "loop2.csv").symlink_to(tmp_path / "loop.csv")
    line = _one_line(_invoke(*RUN, config))
    assert "the path loop.csv cannot be resolved" in line and "symbolic links" in line


def test_a_device_as_a_data_file(tmp_path: Path) -> None:
    line = _one_line(_invoke(*RUN, _with_path(tmp_path, "items", "/dev/zero")))
    assert "/dev/zero: the item path is a device, expected a regular file" in line


@pytest.mark.parametrize("key", ["townships", "province_boundary"])
def test_a_folder_as_a_data_file(tmp_path: Path, key: str) -> None:
    (tmp_path / "folder").mkdir()
    line = _one_line(_invoke(*RUN, _with_path(tmp_path, key, tmp_path / "folder")))
    assert "path is a folder, expected a file" in line


def test_a_huge_sparse_data_file(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(2 << 30)  # 2 GiB of holes: nothing is stored
    line = _one_line(_invoke(*RUN, _with_path(tmp_path, "townships", huge)))
    assert "the township file is 2,048 MiB, above the limit of 1,024 MiB" in line


def test_a_huge_config_file(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    with config.open("a") as handle:
        handle.write("\n" + "#" * (5 << 20) + "\n")
    line = _one_line(_invoke(*RUN, config))
    assert "the config file is 5 MiB, above the limit of 4 MiB" in line


CLI = "from planner.cli.main import main; main()"


@pytest.mark.parametrize(
    ("command", "fifo_key"),
    [("run", "townships"), ("validate", "townships"), ("run", "county_boundaries"),
     ("run", None)],
)  # fmt: skip
def test_a_fifo_is_refused_without_hanging(
    tmp_path: Path, command: str, fifo_key: str | None
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    config = fifo if fifo_key is None else _with_path(tmp_path, fifo_key, fifo)
    done = subprocess.run(
        [sys.executable, "-c", CLI, command, str(config)],
        capture_output=True,
        text=True,
        timeout=120,  # a hang fails the test instead of blocking the suite
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert "path is a FIFO (named pipe), expected a regular file" in done.stderr


# --- numbers, ids and encodings ---------------------------------------------------------------

NaN = float("nan")
INF = float("inf")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"costs": {"window_cost_per_year": INF}},
         "'costs.window_cost_per_year' was inf: Input should be a finite number"),
        ({"costs": {"unserved_penalty_per_transaction": NaN}},
         "'costs.unserved_penalty_per_transaction' was nan: Input should be a finite number"),
        ({"policy": {"township_min_station_m2": INF}},
         "'policy.township_min_station_m2' was inf: Input should be a finite number"),
        ({"policy": {"max_total_area_m2": [NaN]}},
         "'policy.max_total_area_m2.0' was nan: Input should be a finite number"),
        ({"maturity": {"weights": {"edu_years_mean": NaN}}},
         "'maturity.weights.edu_years_mean' was nan: Input should be a finite number"),
        ({"policy": {"levels": {"county": {"max_growth_per_stage": INF}}}},
         "'policy.levels.county.max_growth_per_stage' was inf"),
        ({"windows": {"dedicated_min_daily": NaN}}, "'windows.dedicated_min_daily' was nan"),
        ({"costs": {"top_heavy_penalty_per_m2_year": 1e308}},
         "'costs.top_heavy_penalty_per_m2_year' was 1e+308: every number in a config must be "
         "within +-1e+12"),
        ({"policy": {"max_total_area_m2": [1e308]}}, "'policy.max_total_area_m2' was [1e+308]"),
        ({"stages": {"years": [2026, 99999], "demand_growth_per_year": 0.2},
          "policy": {"top_heavy_max_share": [1.0, 1.0]}},
         "'stages.years' ends in 99999, more than 100 years after base_year 2025"),
    ],
)  # fmt: skip
def test_config_numbers_are_finite_and_bounded(
    tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    line = _one_line(_invoke(*RUN, write_case(tmp_path, config=config)))
    assert message in line


def _counties(folder: Path, column: str, value: object) -> None:
    path = folder / "counties.csv"
    frame = pd.read_csv(path, dtype=str)
    frame[column] = str(value)
    frame.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("pop_urban", -5, "'pop_urban' must be >= 0 but is not for 320101"),
        ("pop_urban", 2001, "'pop_urban' must be <= 'pop_total' but is not for 320101"),
        ("pop_total", 1e308, "'pop_total' must be in [0, 1e+12] but is not for 320101"),
    ],
)
def test_county_populations_are_consistent(
    tmp_path: Path, column: str, value: float, message: str
) -> None:
    config = write_case(tmp_path)
    _counties(tmp_path, column, value)
    line = _one_line(_invoke(*RUN, config))
    assert f"counties.csv: {message}" in line


def test_a_huge_population_is_refused(tmp_path: Path) -> None:
    townships = [
        {"township_id": "320101001", "name": "T", "kind": "town", "lon": 118.0, "lat": 32.0,
         "population": 1e308},
    ]  # fmt: skip
    line = _one_line(_invoke(*RUN, write_case(tmp_path, townships=townships)))
    assert "'population' must be in [0, 1e+12] but is not for 320101001" in line


def test_an_invisible_character_in_an_id_is_shown(tmp_path: Path) -> None:
    townships = [
        {"township_id": "320101001", "name": "T", "kind": "town", "county_code": "320101\u200b",
         "lon": 118.0, "lat": 32.0, "population": 10},
    ]  # fmt: skip
    config = write_case(tmp_path, townships=townships)
    _counties(tmp_path, "county_code", "320101")  # the county itself is spelt right
    line = _one_line(_invoke(*RUN, config))
    assert "names unknown county '320101\\u200b' (townships 320101001)" in line


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u2060", "\u3164"])
def test_an_invisible_character_in_a_county_code_is_shown(tmp_path: Path, char: str) -> None:
    config = write_case(tmp_path)
    _counties(tmp_path, "county_code", f"320101{char}")  # the townships' code is spelt right
    line = _one_line(_invoke(*RUN, config))
    shown = f"'320101\\u{ord(char):04x}'"
    assert "names unknown county 320101 (townships 320101001, 320101002)" in line
    assert f"counties has {shown}: the same id but for invisible characters" in line


def test_an_invisible_character_in_a_township_id_is_shown(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    path = tmp_path / "townships.csv"
    path.write_text(path.read_text().replace("320101001", "320101001\u200b", 1))
    line = _one_line(_invoke(*RUN, config))
    assert "townships has '320101001\\u200b': the same id but for invisible characters" in line


def test_a_config_with_a_byte_order_mark(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    result = _invoke(*RUN, config)
    assert result.exit_code == 0, result.output


def test_a_sweep_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = _sweep(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_sweep(path).scenarios) == 2


def test_a_long_config_is_cut_in_the_report(tmp_path: Path) -> None:
    description = "x" * 1_000_000
    config = write_case(tmp_path, config={"description": description, "output": {"report": True}})
    result = _invoke(*RUN, config)
    assert result.exit_code == 0, result.output
    report = tmp_path / "out" / "tiny" / "report.html"
    assert report.stat().st_size < 400_000  # a page of a tiny plan is about 130 kB
    assert "cut at 100,000 of" in report.read_text(encoding="utf-8")


def _read_only(*_: object, **__: object) -> Any:
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


def test_a_sweep_into_a_read_only_folder_is_refused_before_the_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import planner.io.run_dir as run_dir
    import planner.run.dask_cluster as dask_cluster

    def no_cluster(*_: object, **__: object) -> None:
        raise AssertionError("no cluster may start")

    path = _sweep(tmp_path)
    monkeypatch.setattr(run_dir.tempfile, "mkstemp", _read_only)
    monkeypatch.setattr(dask_cluster, "dask_client", no_cluster)
    line = _one_line(_invoke("sweep", "-q", path))
    assert line.endswith("the output folder is not writable (Read-only file system)")
    assert not (tmp_path / "s").exists()


def test_a_report_to_a_read_only_place(
    planned: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, before = planned
    real = Path.write_text

    def read_only(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name.startswith(".r.html.tmp-"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", read_only)
    target = config.parent / "elsewhere" / "r.html"
    line = _one_line(_invoke("report", config.parent / "out" / "tiny", "-o", target))
    assert "cannot write (Read-only file system)" in line
    assert not target.exists()
    _unchanged(config, before)


# --- more run-folder shapes and markup in other commands ----------------------------------------


def test_a_link_or_a_file_at_the_run_folder_is_refused(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    assert _invoke(*RUN, config).exit_code == 0
    out = tmp_path / "out"
    (out / "tiny").rename(out / "real")
    (out / "tiny").symlink_to(out / "real")
    before = _snapshot(tmp_path)
    assert "the run folder is a symbolic link" in _one_line(_invoke(*RUN, config))
    assert _snapshot(tmp_path) == before
    (out / "tiny").unlink()
    (out / "tiny").write_text("a file of the user\n")
    assert "the run folder is a file" in _one_line(_invoke(*RUN, config))
    assert (out / "tiny").read_text() == "a file of the user\n"


def test_a_run_folder_above_the_data_is_refused(tmp_path: Path) -> None:
    config = write_case(
        tmp_path / "project" / "case", config={"name": "project", "output": {"dir": "../.."}}
    )
    before = _snapshot(tmp_path)
    assert "holds the input file" in _one_line(_invoke(*RUN, config))
    assert _snapshot(tmp_path) == before


def test_markup_in_a_sweep_path_and_diff_paths(tmp_path: Path) -> None:
    folder = tmp_path / "s[" / "x]"
    folder.mkdir(parents=True)
    line = _one_line(_invoke("sweep", "-q", folder / "missing[red].toml"))
    assert "s[/x]/missing[red].toml: sweep file not found" in line
    line = _one_line(_invoke("diff", folder / "a[/b]", folder / "c"))
    assert "a[/b]" in line


MANIFEST = '{"planner_version": "1", "code_sha256": "x"}'


@pytest.mark.parametrize(
    ("files", "replaceable"),
    [
        ({}, True),  # empty: nothing to lose
        ({"manifest.json": MANIFEST, "plan/levels.csv": "x", "report.html": "x"}, True),
        ({"manifest.json": MANIFEST, ".DS_Store": "x", "plan/Thumbs.db": "x"}, True),
        ({"manifest.json": MANIFEST, "report-vs-b.html": "x", "plan.gpkg-wal": "x"}, True),
        ({"scenario.json": '{"name": "a", "status": "failed", "run_dir": "x"}'}, True),
        ({"manifest.json": "{}", "plan/levels.csv": "x"}, False),  # not the planner's manifest
        ({"manifest.json": MANIFEST, "plan/notes.txt": "x"}, False),
        ({"manifest.json": MANIFEST, "plan.qgz": "x"}, False),  # a user's QGIS project
        ({"manifest.json": MANIFEST, ".git/HEAD": "x"}, False),
        ({"notes.txt": "x"}, False),
    ],
)
def test_which_folders_the_planner_may_replace(
    tmp_path: Path, files: dict[str, str], replaceable: bool
) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    assert is_planner_run(folder) == replaceable
