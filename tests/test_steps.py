"""Step timings: a step inside another pauses it, so the steps add up to the run."""

from __future__ import annotations

import pytest

import planner.steps as steps
from planner.steps import Timings


def test_a_nested_step_pauses_the_outer_one(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 1.0, 3.0, 4.0, 10.0, 10.5])
    monkeypatch.setattr(steps.time, "perf_counter", lambda: next(clock))
    told: list[str] = []
    timings = Timings()
    with timings.step("plan", told.append):  # 0
        told.append("inside plan")
        with timings.step("window modes", told.append):  # 1 .. 3
            pass
    # plan: 0..1 and 3..4
    with timings.step("plan", told.append):  # 10 .. 10.5
        pass
    assert timings.seconds == {"plan": 2.5, "window modes": 2.0}
    assert told == ["plan", "inside plan", "plan"]  # only top-level steps are shown as progress
