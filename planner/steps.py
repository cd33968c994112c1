"""The named steps of a run and their seconds (``manifest.json``'s ``timings_s``).

A run is load -> travel -> maturity -> prepare -> build -> solve -> read solution -> plan
(with its window modes and duals) -> bound -> mode re-solves -> area re-solves -> rule costs
-> write, with a diagnosis when the solve fails (:data:`RUN_STEPS`). A step started inside
another (the window modes inside the plan, the read-back inside the solve) pauses the outer
one, so every step is timed as itself and the steps add up to the run: no step subtracts
another's seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

RUN_STEPS: tuple[str, ...] = (
    "load",
    "travel",
    "maturity",
    "prepare",
    "build",
    "solve",
    "read solution",
    "plan",
    "window modes",
    "duals",
    "bound",
    "mode re-solves",
    "area re-solves",
    "rule costs",
    "diagnosis",
    "write",
)
"""Every step a run may time, in the order a run takes them: the names of the manifest's
``timings_s`` and of the benchmark tables' columns (``scripts/bench.py``)."""

Progress = Callable[[str], None]
"""Told the name of each top-level step as it starts (the CLI's progress display)."""


def quiet(_: str) -> None:
    return None


def clock() -> float:
    """The run's budget clock: monotonic seconds, one clock for every process of the machine
    (a Dask worker compares it with the run's start)."""
    return time.monotonic()


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)
    _open: list[tuple[str, float]] = field(default_factory=list, repr=False)
    started: float = field(default_factory=lambda: clock(), repr=False)
    """The run's start on :func:`clock`: the re-solves after the plan (rule costs, the
    diagnosis) get what is left of ``solver.time_limit_s`` counted from it."""

    def deadline(self, limit_s: float) -> float:
        """When ``limit_s`` seconds from the run's start run out (on :func:`clock`)."""
        return self.started + limit_s

    @contextmanager
    def step(self, name: str, progress: Progress = quiet) -> Iterator[None]:
        """Time ``name`` (seconds add up over repeats); an enclosing step pauses."""
        now = time.perf_counter()
        if self._open:
            outer, began = self._open[-1]
            self._add(outer, now - began)
        else:
            progress(name)
        self._open.append((name, now))
        try:
            yield
        finally:
            _, began = self._open.pop()
            now = time.perf_counter()
            self._add(name, now - began)
            if self._open:
                self._open[-1] = (self._open[-1][0], now)

    def _add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
