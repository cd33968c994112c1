"""The window-mode re-solves (``windows.mode_iterations``) share the run's time budget.

Each priced re-solve gets what is left of ``solver.time_limit_s`` counted from the run's
start; one that finds no time left is skipped, and one that is not optimal (cut short or
failed) is not used: the plan keeps the modes before it. Each is a warning and an entry of
``optimality.skipped_steps``; the bound stays the first (unpriced) LP's.

The clocks are moved as in ``tests/run/test_budget_after_plan.py``, never real timing. The
case: two townships, one item served at the county or the station, 31,000 residents
(``tests/plan/test_modes_joint.py``): the first re-solve changes the plan's cost (the
county's integer windows priced in) and the modes then repeat.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import planner.run.mode_resolves as mode_resolves
import planner.run.pipeline as pipeline
from planner.solve.driver import SolveResult
from planner.solve.status import SolveReport, Status
from tests.run.test_budget_after_plan import (
    _cut_after_cost,
    _plan,
    _run,
    _run_clock_jumps,
    _solve_spends_the_budget,
)
from tests.tiny import one_item_case

UNPRICED = "not used: the plan keeps the modes of the unpriced LP"


def _case(folder: Path, iterations: int) -> Path:
    return one_item_case(folder, {"mode_iterations": iterations})


def _baseline(tmp_path: Path, iterations: int) -> Path:
    """The case run without any clock moved."""
    out = tmp_path / f"base{iterations}"
    result = _run(_case(tmp_path / f"case{iterations}", iterations), out)
    assert result.exit_code == 0, result.output
    return out


def _skipped(out: Path, printed: str) -> list[dict[str, str]]:
    """The steps skipped, each checked to be a warning of the summary and printed."""
    summary = _plan(out, "summary.json")
    steps = list(summary["optimality"].get("skipped_steps", []))
    for step in steps:
        warning = f"skipped: {step['step']} ({step['reason']})"
        assert warning in summary["warnings"]
        assert warning in " ".join(printed.split())
    return steps


def _modes(out: Path) -> dict[str, Any]:
    return dict(_plan(out, "summary.json")["optimality"]["window_modes"])


def _same_plan(out: Path, base: Path) -> None:
    """The plan's centres, modes and cost are the base run's."""
    for name in ("centres.csv", "assignments.csv", "modes.csv"):
        assert (out / "plan" / name).read_bytes() == (base / "plan" / name).read_bytes()
    assert _modes(out)["plan_cost_kcny"] == _modes(base)["plan_cost_kcny"]
    ours, theirs = _plan(out, "summary.json"), _plan(base, "summary.json")
    assert ours["objective_kcny"] == theirs["objective_kcny"]


def test_the_case_uses_a_re_solve(tmp_path: Path) -> None:
    # the premise of the tests below: a priced re-solve changes the plan's LP cost
    priced, unpriced = _baseline(tmp_path, 3), _baseline(tmp_path, 0)
    mip = _modes(priced)["mip"]
    assert mip["iterations"] == 1 and mip["converged"]
    assert mip["lp_objectives_kcny"][1] > mip["lp_objectives_kcny"][0] + 1.0
    assert _plan(priced, "summary.json")["objective_kcny"] == pytest.approx(
        mip["lp_objectives_kcny"][1]
    )
    assert "skipped_steps" not in _plan(priced, "summary.json")["optimality"]
    # the bound and the window-relaxed optimum are the unpriced LP's
    first = _plan(unpriced, "summary.json")["optimality"]
    ours = _plan(priced, "summary.json")["optimality"]
    assert ours["windows_relaxed_kcny"] == first["windows_relaxed_kcny"]
    assert mip["lp_bound_kcny"] == first["windows_relaxed_kcny"]
    assert _modes(priced)["lower_bound_kcny"] == _modes(unpriced)["lower_bound_kcny"]


def test_no_time_left_skips_the_re_solves_and_keeps_the_lps_modes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = _baseline(tmp_path, 0)
    _solve_spends_the_budget(monkeypatch)
    out = tmp_path / "run"
    result = _run(_case(tmp_path / "case", 3), out)
    assert result.exit_code == 0, result.output
    assert _skipped(out, result.output) == [
        {"step": "window-mode re-solve 1", "reason": f"{mode_resolves.NO_TIME}; {UNPRICED}"}
    ]
    mip = _modes(out)["mip"]
    assert (mip["iterations"], mip["converged"], len(mip["lp_objectives_kcny"])) == (0, False, 1)
    _same_plan(out, base)


def test_a_re_solve_cut_short_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the priced re-solve runs out of time right after its cost phase: its cost optimum
    # holds but not its tie-break, so its flows would depend on when the time ran out
    base = _baseline(tmp_path, 0)
    real = mode_resolves.solve

    def solve(model: Any, cfg: Any, **kw: Any) -> SolveResult:
        with monkeypatch.context() as patch:
            _cut_after_cost(patch)
            return real(model, cfg, **kw)

    monkeypatch.setattr(mode_resolves, "solve", solve)
    out = tmp_path / "run"
    result = _run(_case(tmp_path / "case", 3), out)
    assert result.exit_code == 0, result.output
    steps = _skipped(out, result.output)
    assert [s["step"] for s in steps] == ["window-mode re-solve 1"]
    reason = steps[0]["reason"]
    assert reason.startswith("it stopped at solver.time_limit_s")
    assert reason.endswith(f"in phase 'floor_area'; {UNPRICED}")
    assert _modes(out)["mip"]["iterations"] == 0
    assert not _modes(out)["mip"]["converged"]
    _same_plan(out, base)
    # the gap is the unpriced plan's against the same bound, proven as before
    assert _modes(out)["gap"] == _modes(base)["gap"]
    assert _modes(out)["gap_proven"] == _modes(base)["gap_proven"]


def test_a_re_solve_gets_what_is_left_of_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 s are left when the re-solves start: the first is given 5 s (not the full limit)
    priced = _baseline(tmp_path, 3)
    offset, real_clock = {"s": 0.0}, mode_resolves.steps.clock
    monkeypatch.setattr(mode_resolves.steps, "clock", lambda: real_clock() + offset["s"])
    real_price, real_solve = pipeline.price_modes, mode_resolves.solve
    limits: list[float] = []

    def price_modes(prepared: Any, box: list[Any]) -> Any:
        deadline = prepared.timings.deadline(prepared.loaded.config.solver.time_limit_s)
        offset["s"] = deadline - 5.0 - real_clock()
        return real_price(prepared, box)

    def solve(model: Any, cfg: Any, **kw: Any) -> SolveResult:
        limits.append(cfg.time_limit_s)
        return real_solve(model, cfg, **kw)

    monkeypatch.setattr(pipeline, "price_modes", price_modes)
    monkeypatch.setattr(mode_resolves, "solve", solve)
    out = tmp_path / "run"
    result = _run(_case(tmp_path / "case", 3), out)
    assert result.exit_code == 0, result.output
    assert len(limits) == 1
    assert 4.0 < limits[0] <= 5.0
    assert _skipped(out, result.output) == []
    _same_plan(out, priced)


def test_a_later_re_solve_skipped_keeps_the_modes_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the modes are made never to repeat, so a second re-solve would run; the first one
    # takes the whole budget: the plan is the first re-solve's, its bound the unpriced LP's
    priced, unpriced = _baseline(tmp_path, 1), _baseline(tmp_path, 0)
    calls = itertools.count()
    monkeypatch.setattr(mode_resolves, "_modes", lambda _: pd.DataFrame({"n": [next(calls)]}))
    spend, real = _run_clock_jumps(monkeypatch), mode_resolves.solve

    def solve(model: Any, cfg: Any, **kw: Any) -> SolveResult:
        out = real(model, cfg, **kw)
        spend()
        return out

    monkeypatch.setattr(mode_resolves, "solve", solve)
    out = tmp_path / "run"
    result = _run(_case(tmp_path / "case", 3), out)
    assert result.exit_code == 0, result.output
    assert _skipped(out, result.output) == [
        {
            "step": "window-mode re-solve 2",
            "reason": f"{mode_resolves.NO_TIME}; not used: the plan keeps the modes of re-solve 1",
        }
    ]
    mip = _modes(out)["mip"]
    assert (mip["iterations"], mip["converged"]) == (1, False)
    _same_plan(out, priced)
    first = _plan(unpriced, "summary.json")["optimality"]["windows_relaxed_kcny"]
    assert _plan(out, "summary.json")["optimality"]["windows_relaxed_kcny"] == first


def test_a_failed_re_solve_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = _baseline(tmp_path, 0)

    def solve(model: Any, cfg: Any, **kw: Any) -> SolveResult:
        return SolveResult(Status.NUMERICAL, None, "highs", "x", 0.1, "numerical trouble")

    monkeypatch.setattr(mode_resolves, "solve", solve)
    out = tmp_path / "run"
    result = _run(_case(tmp_path / "case", 3), out)
    assert result.exit_code == 0, result.output
    assert _skipped(out, result.output) == [
        {"step": "window-mode re-solve 1", "reason": f"it gave numerical_trouble; {UNPRICED}"}
    ]
    _same_plan(out, base)


@pytest.mark.parametrize(
    ("status", "objective", "stopped_in", "k", "expected"),
    [
        (Status.OPTIMAL, 10.0, None, 1, None),
        (
            Status.TIME_LIMIT,
            10.0,
            "travel",
            2,
            "it stopped at solver.time_limit_s (d) in phase 'travel'; not used: the plan "
            "keeps the modes of re-solve 1",
        ),
        (
            Status.TIME_LIMIT_NO_SOLUTION,
            None,
            "cost",
            1,
            f"it stopped at solver.time_limit_s (d) in phase 'cost' without a solution; {UNPRICED}",
        ),
        (Status.INFEASIBLE, None, None, 3, "it gave infeasible; not used: the plan keeps the "
         "modes of re-solve 2"),
    ],
)  # fmt: skip
def test_which_re_solves_are_used(
    status: Status, objective: float | None, stopped_in: str | None, k: int, expected: str | None
) -> None:
    report = SolveReport(stopped_in=stopped_in)
    result = SolveResult(status, objective, "highs", "x", 1.0, "d", optimality=report)
    assert mode_resolves.unused(result, k) == expected
