"""The re-solves after the plan share the run's time budget, and say when it ran out.

The rule-cost re-solves (``policy.rule_costs.total``) and the diagnosis of an infeasible
plan get what is left of ``solver.time_limit_s`` counted from the run's start. Each one
skipped, cut short or failed is a warning, an entry of ``optimality.skipped_steps`` (or, for
the diagnosis of a run without a plan, a clause of its one-line error), and the figures that
rest on a fallback say so in ``rule_totals.csv``, ``rule_costs.csv`` and the report.

The tiny cases solve in milliseconds: the budget is spent deterministically by moving the
clocks, never by real timing. The run's clock (:func:`planner.steps.clock`) jumps past the
budget at a chosen moment; a solve is cut short by moving its solver's start back
(``started``) right after its cost phase, as ``tests/solve/test_time_budget.py`` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import planner.run.diagnose as diagnose
import planner.run.pipeline as pipeline
import planner.run.rule_costs_total as totals
import planner.solve.driver as driver
import planner.solve.exact as exact
import planner.steps as steps
from planner.cli.main import cli
from planner.report.html import render_report
from planner.solve.backends import HighsSolver
from planner.solve.driver import SolveResult
from planner.solve.status import SolveReport, Status
from tests.tiny import tiny_centres, two_province_case, write_case

RULES = list(totals.RELAXATIONS)
ONE_LP = {"model": {"decompose": False}, "policy": {"rule_costs": {"total": True}}}
MAIN_STEPS = [
    "phase floor_area",
    "phase travel",
    "phase generic",
    "duals at the plan's own basis (the rule costs rest on the cost phase's duals)",
    "window-relaxed bound",
]


def _run_clock_jumps(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """The run's clock; calling the returned function moves it far past any budget."""
    offset = {"s": 0.0}
    real = steps.clock
    monkeypatch.setattr(steps, "clock", lambda: real() + offset["s"])

    def spend() -> None:
        offset["s"] = 1e9

    return spend


def _solve_spends_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's own solve (``pipeline.solve``) takes the whole time budget: every re-solve
    after it finds none left."""
    spend, real = _run_clock_jumps(monkeypatch), pipeline.solve

    def solve(*args: Any) -> SolveResult:
        out = real(*args)
        spend()
        return out

    monkeypatch.setattr(pipeline, "solve", solve)


def _cut_after_cost(
    monkeypatch: pytest.MonkeyPatch, then: Callable[[], None] = lambda: None
) -> None:
    """The next solve's time runs out right after its cost phase (its first
    ``_restrict_to_face``); ``then`` is called at that moment."""
    real = exact._restrict_to_face
    calls = {"n": 0}

    def spent(solver: HighsSolver, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            solver.started -= 10 * solver.cfg.time_limit_s
            then()
        return real(solver, *args)

    monkeypatch.setattr(exact, "_restrict_to_face", spent)


def _run(config: Path, out: Path) -> Any:
    # one worker: the re-solves run in this process, where the clocks are patched
    return CliRunner().invoke(cli, ["run", str(config), "--out", str(out), "--workers", "1"])


def _plan(out: Path, name: str) -> Any:
    if name.endswith(".json"):
        return json.loads((out / "plan" / name).read_text())
    return pd.read_csv(out / "plan" / name, dtype={"status": str, "basis": str})


def test_budget_out_after_the_cost_phase_names_every_step_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = two_province_case(tmp_path, ONE_LP)
    _cut_after_cost(monkeypatch, then=_run_clock_jumps(monkeypatch))
    out = tmp_path / "run"
    result = _run(config, out)
    assert result.exit_code == 4, result.output
    summary = _plan(out, "summary.json")
    skipped = summary["optimality"]["skipped_steps"]
    # the case has halls short of area: their floor-area re-solve is skipped too
    assert [s["step"] for s in skipped] == MAIN_STEPS + ["floor-area re-solve 1"] + [
        f"rule cost re-solve: {rule}" for rule in RULES
    ]
    printed = " ".join(result.output.split())
    for step in skipped:
        warning = f"skipped: {step['step']} ({step['reason']})"
        assert warning in summary["warnings"]
        assert warning in printed
    for step in skipped[len(MAIN_STEPS) + 1 :]:
        assert step["reason"] == totals.NO_TIME
    # the totals are not computed and say why; the marginal costs say they are a fallback
    rule_totals = _plan(out, "rule_totals.csv")
    assert list(rule_totals["rule"]) == sorted(RULES)
    assert set(rule_totals["status"]) == {"skipped (no time left)"}
    assert rule_totals["total_cost_kcny"].isna().all()
    rule_costs = _plan(out, "rule_costs.csv")
    assert len(rule_costs) > 0
    assert set(rule_costs["basis"]) == {"path (fallback)"}
    report = " ".join(render_report(out).split())
    assert "These marginal costs rest on a fallback" in report
    assert "These totals rest on no optimal re-solve" in report
    assert "The lower bound rests on a fallback" in report
    assert "(a fallback: see the costs)" in report  # on the cost card


def test_a_rule_cost_re_solve_cut_short_is_named_and_its_total_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the first re-solve (the olive relaxed) runs out of time after its cost phase: its
    # objective is the cost optimum, so its total holds, but the re-solve was cut short
    config = two_province_case(tmp_path, ONE_LP)
    real = totals.solve
    calls = {"n": 0}

    def solve(model: Any, cfg: Any) -> SolveResult:
        calls["n"] += 1
        if calls["n"] > 1:
            return real(model, cfg)
        with monkeypatch.context() as patch:
            _cut_after_cost(patch)
            return real(model, cfg)

    monkeypatch.setattr(totals, "solve", solve)
    out = tmp_path / "run"
    result = _run(config, out)
    assert result.exit_code == 0, result.output
    summary = _plan(out, "summary.json")
    skipped = summary["optimality"]["skipped_steps"]
    assert [s["step"] for s in skipped] == ["rule cost re-solve: olive"]
    reason = skipped[0]["reason"]
    assert "stopped at solver.time_limit_s" in reason
    assert "in phase 'floor_area': its cost optimum holds" in reason
    assert f"skipped: rule cost re-solve: olive ({reason})" in " ".join(result.output.split())
    rule_totals = _plan(out, "rule_totals.csv").set_index("rule")
    assert rule_totals.at["olive", "status"] == totals.COST_OPTIMAL
    assert pd.notna(rule_totals.at["olive", "total_cost_kcny"])
    assert set(rule_totals["status"].drop("olive")) == {"optimal"}
    assert set(_plan(out, "rule_costs.csv")["basis"]) == {"plan"}
    report = " ".join(render_report(out).split())
    assert "olive: optimal cost (tie-break cut short)" in report
    assert "rest on a fallback" not in report


def test_re_solves_get_what_is_left_of_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 s are left when the totals start: the first re-solve is given 5 s, and takes them
    # all; the rest find no time left and are skipped
    config = two_province_case(tmp_path, ONE_LP)
    offset = {"s": 0.0}
    real_clock, real_totals, real_solve = steps.clock, totals.total_costs, totals.solve
    monkeypatch.setattr(steps, "clock", lambda: real_clock() + offset["s"])
    limits: list[float] = []

    def total_costs(parts: Any, cfg: Any, deadline: float, workers: int = 1) -> Any:
        offset["s"] = deadline - 5.0 - real_clock()
        return real_totals(parts, cfg, deadline, workers)

    def solve(model: Any, cfg: Any) -> SolveResult:
        limits.append(cfg.time_limit_s)
        offset["s"] += 1e9
        return real_solve(model, cfg)

    monkeypatch.setattr(pipeline, "total_costs", total_costs)
    monkeypatch.setattr(totals, "solve", solve)
    out = tmp_path / "run"
    result = _run(config, out)
    assert result.exit_code == 0, result.output
    assert len(limits) == 1
    assert 4.0 < limits[0] <= 5.0
    rule_totals = _plan(out, "rule_totals.csv").set_index("rule")
    assert rule_totals.at["olive", "status"] == "optimal"
    assert set(rule_totals["status"].drop("olive")) == {"skipped (no time left)"}
    steps_named = [s["step"] for s in _plan(out, "summary.json")["optimality"]["skipped_steps"]]
    assert steps_named == [f"rule cost re-solve: {rule}" for rule in RULES[1:]]


def test_provinces_solved_apart_are_named_in_each_skipped_re_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = two_province_case(tmp_path, {"policy": {"rule_costs": {"total": True}}})
    spend, real_totals = _run_clock_jumps(monkeypatch), totals.total_costs

    def total_costs(*args: Any) -> Any:
        spend()  # the provinces' solves took the whole budget
        return real_totals(*args)

    monkeypatch.setattr(pipeline, "total_costs", total_costs)
    out = tmp_path / "run"
    result = _run(config, out)
    assert result.exit_code == 0, result.output
    summary = _plan(out, "summary.json")
    skipped = summary["optimality"]["skipped_steps"]
    assert [s["step"] for s in skipped] == [f"rule cost re-solve: {rule}" for rule in RULES]
    assert {s["reason"] for s in skipped} == {f"province 32, 34: {totals.NO_TIME}"}
    assert set(_plan(out, "rule_totals.csv")["status"]) == {totals.SKIPPED}
    assert set(_plan(out, "rule_costs.csv")["basis"]) == {"plan"}


def _result(status: Status, objective: float | None, stopped_in: str | None) -> SolveResult:
    report = SolveReport(stopped_in=stopped_in)
    return SolveResult(status, objective, "highs", "x", 1.0, "detail", optimality=report)


@pytest.mark.parametrize(
    ("status", "objective", "stopped_in", "expected", "kept", "why"),
    [
        (Status.OPTIMAL, 10.0, None, "optimal", True, None),
        (Status.TIME_LIMIT, 10.0, "travel", totals.COST_OPTIMAL, True, "its cost optimum holds"),
        (Status.TIME_LIMIT, 12.0, "cost", totals.NOT_OPTIMAL, True, "total cost is understated"),
        (Status.TIME_LIMIT_NO_SOLUTION, None, "cost", totals.NO_SOLUTION, False, "no total"),
        (Status.INFEASIBLE, None, None, "infeasible", False, "it gave infeasible"),
    ],
)
def test_what_a_re_solve_is_worth(
    status: Status,
    objective: float | None,
    stopped_in: str | None,
    expected: str,
    kept: bool,
    why: str | None,
) -> None:
    judged = totals.judged(_result(status, objective, stopped_in))
    assert judged.status == expected
    assert (judged.objective is not None) == kept
    if why is None:
        assert judged.skipped is None
    else:
        assert judged.skipped is not None and why in judged.skipped


HARD_MINIMUM = {
    "policy": {
        "township_min_station_m2": 80.0,
        "township_min_station_hard": True,
        "levels": {"township": {"max_growth_per_stage": 0.1}},
    }
}
"""Stations of 50 m2 may grow to 55 but must reach 80 (tests/solve/test_reliability.py)."""


def _infeasible(folder: Path) -> Path:
    stations = tiny_centres(stations={"320101001": 50, "320101002": 50})
    return write_case(folder, centres=stations, config=HARD_MINIMUM)


def _error(result: Any) -> str:
    assert result.exit_code == 3, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "the plan is infeasible" in line
    return str(line)


def test_diagnosis_skipped_when_the_budget_ran_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _infeasible(tmp_path)
    spend = _run_clock_jumps(monkeypatch)
    real = pipeline.solve

    def solve(*args: Any) -> SolveResult:
        out = real(*args)
        spend()  # the infeasible solve took the whole budget
        return out

    monkeypatch.setattr(pipeline, "solve", solve)
    line = _error(_run(config, tmp_path / "run"))
    assert line.endswith(diagnose.NO_TIME)
    assert "minimum township station" not in line


def test_diagnosis_cut_short_says_what_its_violations_rest_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _infeasible(tmp_path)
    real = diagnose.solve

    def solve(model: Any, cfg: Any) -> SolveResult:
        with monkeypatch.context() as patch:
            _cut_after_cost(patch)
            return real(model, cfg)

    monkeypatch.setattr(diagnose, "solve", solve)
    line = _error(_run(config, tmp_path / "run"))
    assert "minimum township station cannot be reached (320101001, 320101002" in line
    assert "(the diagnosis (an elastic re-solve) stopped at solver.time_limit_s" in line
    assert "in phase 'floor_area': its cost phase ended, the violations hold)" in line


def test_diagnosis_without_time_for_a_solution_says_what_to_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the elastic re-solve's solver starts with its time spent: no solution at all
    config = _infeasible(tmp_path)
    real_solve, real_make = diagnose.solve, driver.make_solver

    def spent_solver(cfg: Any) -> Any:
        solver = real_make(cfg)
        solver.started -= 10 * cfg.time_limit_s
        return solver

    def solve(model: Any, cfg: Any) -> SolveResult:
        with monkeypatch.context() as patch:
            patch.setattr(driver, "make_solver", spent_solver)
            return real_solve(model, cfg)

    monkeypatch.setattr(diagnose, "solve", solve)
    line = _error(_run(config, tmp_path / "run"))
    assert "stopped at solver.time_limit_s" in line
    assert line.endswith("without a solution; raise solver.time_limit_s")
