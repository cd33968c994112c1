"""Infeasible scenarios, solver trouble and interrupted runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pulp
import pytest
from click.testing import CliRunner

from planner.cli.main import cli
from planner.config.schema import load_config
from planner.errors import SolveError
from planner.io.run_dir import TMP_MARKER
from planner.run.pipeline import run_config
from planner.solve import backends
from planner.solve.driver import Status, status_from_highs
from tests.tiny import tiny_centres, write_case

STATIONS = tiny_centres(stations={"320101001": 50, "320101002": 50})


def _run(folder: Path, **kwargs: Any) -> Any:
    config = write_case(folder, **kwargs)
    return CliRunner().invoke(cli, ["run", "-q", str(config)])


def test_hard_minimum_station_beyond_growth_is_diagnosed(tmp_path: Path) -> None:
    # stations of 50 m2 may grow 10% a stage (to 55) but must reach 80 m2, with no shortfall
    result = _run(
        tmp_path,
        centres=STATIONS,
        config={
            "policy": {
                "township_min_station_m2": 80.0,
                "township_min_station_hard": True,
                "levels": {"township": {"max_growth_per_stage": 0.1}},
            }
        },
    )
    assert result.exit_code == 3, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "the plan is infeasible" in line
    # each station is 25 m2 short of the hard minimum (55 reachable, 80 required)
    assert re.search(
        r"minimum township station cannot be reached \(320101001, 320101002; short by 50\.0\)", line
    )
    assert "relax policy.township_min_station_hard" in line
    assert not (tmp_path / "out" / "tiny").exists()


def test_service_guarantee_out_of_reach_is_diagnosed(tmp_path: Path) -> None:
    # T2 is beyond the 15-minute limit and nothing goes online: its 1,000 transactions
    # (half of the demand) cannot be served, but the guarantee allows none unserved
    result = _run(
        tmp_path,
        items=[{"max_travel_min": 15}],
        config={"policy": {"max_unserved_share": 0.0}},
    )
    assert result.exit_code == 3, result.output
    line = result.stderr.strip()
    assert "service guarantee cannot be met" in line
    assert "short by 1.0" in line  # thousand transactions
    assert "relax policy.max_unserved_share" in line


def test_area_budget_below_core_is_diagnosed(tmp_path: Path) -> None:
    # the county hall of 100 m2 can shed at most 40% (to 60 m2) but the budget is 10 m2
    result = _run(tmp_path, config={"policy": {"max_total_area_m2": [10.0]}})
    assert result.exit_code == 3, result.output
    line = result.stderr.strip()
    # 60 m2 must go at the least; the violation may be split between the two rules that
    # conflict (equal penalties), so check the total and that both are named when both bind
    shortfalls = [float(x) for x in re.findall(r"short by ([0-9.]+)", line)]
    assert sum(shortfalls) == pytest.approx(50.0, abs=0.2)
    assert "policy.max_total_area_m2" in line or "max_shrink_per_stage" in line


def test_every_centre_closed_is_a_plan_with_a_warning(tmp_path: Path) -> None:
    centres = [dict(c, floor_area_m2=0) for c in STATIONS[:3]]
    config = write_case(
        tmp_path,
        centres=centres,
        config={"policy": {"levels": {"county": {"max_growth_per_stage": 0.0}}}},
    )
    run = run_config(load_config(config))
    assert run.result.status == Status.OPTIMAL
    assert run.plan is not None
    assert any("no demand is served physically" in w for w in run.plan.warnings)
    assert run.plan.summary.stages[1].physical_share == 0.0


def test_time_limit_without_a_solution_says_what_to_raise(tmp_path: Path) -> None:
    result = _run(tmp_path, config={"solver": {"time_limit_s": 1e-9}})
    assert result.exit_code == 3, result.output
    assert "raise solver.time_limit_s" in result.stderr


@pytest.mark.parametrize(
    ("status", "has_solution", "expected"),
    [
        ("kOptimal", True, Status.OPTIMAL),
        ("kTimeLimit", True, Status.TIME_LIMIT),
        ("kTimeLimit", False, Status.TIME_LIMIT_NO_SOLUTION),
        ("kIterationLimit", True, Status.TIME_LIMIT),
        ("kInfeasible", False, Status.INFEASIBLE),
        ("kUnboundedOrInfeasible", False, Status.UNBOUNDED),
        ("kSolveError", False, Status.NUMERICAL),
        ("kPostsolveError", True, Status.NUMERICAL),
        ("kModelError", False, Status.ERROR),
    ],
)
def test_highs_status_is_read_from_highs_not_pulp(
    status: str, has_solution: bool, expected: Status
) -> None:
    import highspy

    assert status_from_highs(getattr(highspy.HighsModelStatus, status), has_solution) == expected
    result_ok = expected in {Status.OPTIMAL, Status.TIME_LIMIT}
    assert result_ok == (expected.value in {"optimal", "time_limit"})


def test_missing_cbc_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # neither a cbc on PATH nor PuLP's bundled binary
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pulp.COIN_CMD, "available", lambda self: False)
    config = write_case(tmp_path, config={"solver": {"name": "cbc"}})
    with pytest.raises(SolveError, match=r"install Debian's 'coinor-cbc'"):
        run_config(load_config(config))
    result = CliRunner().invoke(cli, ["run", "-q", str(config)])
    assert result.exit_code == 3
    assert "coinor-cbc" in result.stderr


@pytest.mark.slow
def test_cbc_without_a_system_cbc_uses_pulps_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a fresh venv: no cbc on PATH
    monkeypatch.setenv("PATH", str(tmp_path))
    assert backends.cbc_path() is not None
    config = write_case(tmp_path, config={"solver": {"name": "cbc"}})
    run = run_config(load_config(config))
    assert run.result.status == "optimal"
    assert run.result.solver == "cbc"


def test_error_text_with_brackets_is_printed_as_is(tmp_path: Path) -> None:
    folder = tmp_path / "dir[abc]"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["run", "-q", str(folder / "missing.toml")])
    assert result.exit_code == 2
    assert "dir[abc]" in result.stderr


# --- interrupted runs -------------------------------------------------------------------


def _plan_bytes(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((run_dir / "plan").iterdir())}


def test_interrupt_mid_write_keeps_the_previous_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_case(tmp_path)
    first = CliRunner().invoke(cli, ["run", "-q", str(config)])
    assert first.exit_code == 0, first.output
    run_dir = tmp_path / "out" / "tiny"
    before = _plan_bytes(run_dir)

    import planner.io.plan_files as plan_files

    real = plan_files.format_table
    calls = {"n": 0}

    def interrupted(*args: Any, **kwargs: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 3:  # two tables written, then Ctrl-C
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(plan_files, "format_table", interrupted)
    changed = write_case(tmp_path, config={"costs": {"window_cost_per_year": 150_000.0}})
    second = CliRunner().invoke(cli, ["run", "-q", str(changed)])
    assert second.exit_code == 130
    assert "interrupted; the previous plan (if any) is untouched" in second.stderr
    assert _plan_bytes(run_dir) == before
    leftovers = [p.name for p in (tmp_path / "out").iterdir() if p.name != "tiny"]
    assert leftovers == []


def test_folder_left_by_a_killed_run_is_cleared(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    stale = tmp_path / "out" / ".tiny.olive-tmp-999999999-0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / TMP_MARKER).write_text("x\n")  # the proof that the planner made it
    (stale / "half.csv").write_text("x\n")
    result = CliRunner().invoke(cli, ["run", "-q", str(config)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tiny"]
