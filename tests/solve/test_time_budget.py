"""Steps skipped or cut short by the time budget are named: a warning each, and
``summary.json``'s ``optimality.skipped_steps`` says which and why.

The tiny case solves in milliseconds, so the budget is spent by moving the solver's start
back (``started``) at a chosen moment: right after the cost phase, or right after the last
phase; the next solve, or the time check of a step after it, finds no time left, as on a
big case near ``solver.time_limit_s``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import planner.solve.exact as exact
from planner.cli.main import cli
from planner.solve.backends import HighsSolver
from tests.tiny import write_case


def _spend_at(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """When ``planner.model.exact``'s ``step`` (its first argument the solver) is first
    called, no time is left."""
    real = getattr(exact, step)
    calls = {"n": 0}

    def spent(solver: HighsSolver, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            solver.started -= 10 * solver.cfg.time_limit_s
        return real(solver, *args)

    monkeypatch.setattr(exact, step, spent)


def _summary(config: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (config.parent / "out" / "tiny" / "plan" / "summary.json").read_text()
    )
    return data


def test_time_out_after_the_cost_phase_names_every_step_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_case(tmp_path)
    _spend_at(monkeypatch, "_restrict_to_face")  # right after the cost phase
    result = CliRunner().invoke(cli, ["run", str(config)])
    assert result.exit_code == 4, result.output
    summary = _summary(config)
    steps = [s["step"] for s in summary["optimality"]["skipped_steps"]]
    assert steps == [
        "phase floor_area",
        "phase travel",
        "phase generic",
        "duals at the plan's own basis (the rule costs rest on the cost phase's duals)",
        "window-relaxed bound",
    ]
    for step in summary["optimality"]["skipped_steps"]:
        assert "solver.time_limit_s" in step["reason"]
        warning = f"skipped: {step['step']} ({step['reason']})"
        assert warning in summary["warnings"]
        assert warning in " ".join(result.output.split())


def test_time_out_after_the_phases_names_the_fallbacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_case(tmp_path)
    _spend_at(monkeypatch, "_canonical")  # right after the last phase
    result = CliRunner().invoke(cli, ["run", str(config)])
    assert result.exit_code == 0, result.output
    summary = _summary(config)
    assert summary["optimality"]["duals"] == "path"
    assert "windows_relaxed_kcny" not in summary["optimality"]
    skipped = summary["optimality"]["skipped_steps"]
    assert [s["step"].split(" (")[0] for s in skipped] == [
        "duals at the plan's own basis",
        "window-relaxed bound",
    ]
    assert "the rule costs rest on the path's duals, a fallback" in skipped[0]["step"]
    assert "the modes' bound rests on the LP's duals, a fallback" in skipped[1]["step"]
    for step in skipped:
        assert step["reason"] == "no time left of solver.time_limit_s"
        assert f"skipped: {step['step']} ({step['reason']})" in summary["warnings"]
