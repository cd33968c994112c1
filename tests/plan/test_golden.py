"""Plan bytes are pinned: a refactor must not change what a run writes.

The two-province tiny case (``tests/tiny.py``) is solved as one LP and as two parts; every
file under ``plan/`` must match ``tests/golden/<case>/`` byte for byte. A change that is
meant to alter the plan regenerates the files with ``PLANNER_UPDATE_GOLDEN=1 pytest
tests/plan/test_golden.py`` and the diff is reviewed with the change.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from planner.config.schema import load_config
from planner.run.pipeline import run_config, write_run
from tests.tiny import two_province_case

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("decompose", [False, True], ids=["one-lp", "parts"])
def test_plan_bytes_match_the_golden_files(tmp_path: Path, decompose: bool) -> None:
    case = "parts" if decompose else "one-lp"
    config = two_province_case(tmp_path, {"model": {"decompose": decompose}})
    run = run_config(load_config(config))
    assert run.result.status == "optimal"
    plan = write_run(run) / "plan"
    expected = GOLDEN / case
    if os.environ.get("PLANNER_UPDATE_GOLDEN") == "1":
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(plan, expected)
    names = sorted(p.name for p in plan.iterdir())
    assert names == sorted(p.name for p in expected.iterdir())
    for name in names:
        assert (plan / name).read_bytes() == (expected / name).read_bytes(), name
