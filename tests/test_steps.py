"""Step timings: a step inside another pauses it, so the steps add up to the run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import planner.steps as steps
from planner.steps import RUN_STEPS, Timings


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


def test_every_step_a_run_times_is_a_named_step() -> None:
    """The names in ``timings.step("...")`` across the package are :data:`RUN_STEPS` (the
    manifest's keys and the benchmark tables' columns have one list)."""
    package = Path(steps.__file__).parent
    used = {
        name
        for path in package.rglob("*.py")
        for name in re.findall(r"\.step\(\s*\"([^\"]+)\"", path.read_text(encoding="utf-8"))
    }
    assert used == set(RUN_STEPS)
    assert len(RUN_STEPS) == len(set(RUN_STEPS))
