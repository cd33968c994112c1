"""Each LP re-solve (``windows.mode_iterations``, ``windows.area_rounds``) builds its LP only
after the LP before it is released: two PuLP models alive at once cost the Jiangsu default
0.7 GB more at the peak (3.3 GB against 2.6 GB) before a name in the re-solve loop stopped
holding the last round's model.

The case (``tests.tiny.one_item_case``) with the modes made never to repeat, so three priced
re-solves run, each made to build its LP (a round whose data changes only in window caps
re-bounds the LP it has instead: ``mode_resolves.rebounded``); before each build no PuLP
problem of this run may be alive (counted by the garbage collector, which tracks every
``pulp.LpProblem``; problems alive before the run, left by other tests in the same process,
are not counted).
"""

from __future__ import annotations

import gc
import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pulp
import pytest

import planner.run.mode_resolves as mode_resolves
from planner.config.schema import load_config
from planner.run.pipeline import run_config
from tests.tiny import one_item_case


def _problems() -> set[int]:
    gc.collect()
    return {id(o) for o in gc.get_objects() if isinstance(o, pulp.LpProblem)}


def test_no_lp_is_alive_when_the_next_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = itertools.count()
    monkeypatch.setattr(mode_resolves, "_modes", lambda _: pd.DataFrame({"n": [next(calls)]}))
    monkeypatch.setattr(mode_resolves, "rebounded", lambda *_: None)
    before = _problems()  # problems other tests of this process left (not this run's)
    alive: list[int] = []
    real = mode_resolves.build_model

    def build(*args: Any, **kwargs: Any) -> Any:
        alive.append(len(_problems() - before))
        return real(*args, **kwargs)

    monkeypatch.setattr(mode_resolves, "build_model", build)
    run = run_config(load_config(one_item_case(tmp_path / "case", {"mode_iterations": 3})))
    assert run.plan is not None
    mip = run.plan.summary.optimality.mode_mip or {}
    assert mip["iterations"] == 3  # three re-solves ran (the modes never repeat)
    assert alive == [0, 0, 0]
