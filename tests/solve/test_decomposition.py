"""Provinces are independent LPs: solving them separately (and in parallel) gives the
monolithic optimum."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from planner.config.schema import load_config
from planner.run.pipeline import run_config, write_run
from tests.tiny import two_province_case as _case

pytestmark = pytest.mark.filterwarnings(
    # distributed closes its comm handlers after the cluster context exits
    "ignore::ResourceWarning",
    "ignore:.*Port .* is already in use.*:UserWarning",
)


def test_parts_sum_to_the_monolithic_optimum(tmp_path: Path) -> None:
    mono = run_config(load_config(_case(tmp_path / "mono", {"model": {"decompose": False}})))
    parts = run_config(load_config(_case(tmp_path / "parts", {"model": {"decompose": True}})))
    assert mono.result.status == parts.result.status == "optimal"
    assert not mono.parts and sorted(parts.parts) == ["32", "34"]
    assert mono.result.objective is not None and parts.result.objective is not None
    assert parts.result.objective == pytest.approx(mono.result.objective, rel=1e-9)
    # the optimum need not be unique (equal-cost splits between levels), so the plans are
    # compared through what every optimum shares: the objective and the demand served
    assert parts.plan is not None and mono.plan is not None
    for column in ("demand", "online", "physical", "unserved"):
        assert parts.plan.townships[column].sum() == pytest.approx(
            mono.plan.townships[column].sum(), rel=1e-7, abs=1e-3
        )
    # top-heavy rows are per province: each part has its own excess variables
    assert set(parts.plan.summary.parts or {}) == {"32", "34"}


def test_parallel_parts_give_the_same_plan_bytes(tmp_path: Path) -> None:
    folders = {}
    for workers in (1, 2):
        config = _case(tmp_path / f"w{workers}", {})
        run = run_config(load_config(config), workers=workers)
        assert run.result.status == "optimal"
        folders[workers] = write_run(run)
    plan1, plan2 = folders[1] / "plan", folders[2] / "plan"
    names = sorted(p.name for p in plan1.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(plan1, plan2, names, shallow=False)
    assert mismatch == [] and errors == [], mismatch
    assert len(match) == len(names) >= 8


def test_one_province_by_name_or_code(tmp_path: Path) -> None:
    for value in ("34", "340000", "安徽", "安徽省"):
        run = run_config(load_config(_case(tmp_path / value, {"data": {"province": value}})))
        assert run.plan is not None
        assert set(run.plan.townships["county_code"]) == {"340101"}


def test_a_dataset_wide_rule_keeps_one_lp(tmp_path: Path) -> None:
    # a service guarantee spans both provinces: splitting would make it a per-province rule
    run = run_config(
        load_config(_case(tmp_path, {"policy": {"max_unserved_share": 1.0}})), workers=2
    )
    assert run.result.status == "optimal"
    assert run.parts == {}
    assert run.model is not None
