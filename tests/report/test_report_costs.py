"""The report's cost section: the plan's cost (not the LP bound), split into public spending,
citizens' time and penalties, per stage, with the bound and the gap beside it.

The run is test_report's tiny *main* case: its whole windows cost more than the LP's
fractional ones, so the plan's cost (5,863.5 kCNY) is above the LP bound (5,213.8).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from planner.report.costs import ALL, PENALTY, PUBLIC, TIME, UNSPLIT, cost_table
from planner.report.data import read_run
from planner.report.html import render_report
from tests.report.test_report import _solve_and_write


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve_and_write(tmp_path_factory.mktemp("main"), 0.5, 15.0)


def _summary(run_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((run_dir / "plan" / "summary.json").read_text(encoding="utf-8"))


def test_terms_by_stage_add_up_to_the_terms(run_dir: Path) -> None:
    summary = _summary(run_dir)
    by_stage = summary["objective_terms_by_stage_kcny"]
    assert sorted(by_stage) == ["1", "2", "3"]
    for term, total in summary["objective_terms_kcny"].items():
        split = sum(stage.get(term, 0.0) for stage in by_stage.values())
        assert split == pytest.approx(total, abs=1e-5), term


def test_split_adds_up_to_the_plan_cost(run_dir: Path) -> None:
    modes = _summary(run_dir)["optimality"]["window_modes"]
    cost = cost_table(read_run(run_dir))
    assert cost.stages == [1, 2, 3]
    total = cost.total()
    assert total[ALL] == pytest.approx(modes["plan_cost_kcny"], abs=1e-4)
    assert total[ALL] > modes["lower_bound_kcny"] + 100  # the plan, not the bound
    assert cost.lower_bound == pytest.approx(modes["lower_bound_kcny"])
    assert cost.gap == pytest.approx(modes["gap"], abs=1e-6)
    groups = [cost.total(g) for g in (PUBLIC, TIME, PENALTY)]
    for column in [*cost.stages, ALL]:
        assert sum(g[column] for g in groups) == pytest.approx(total[column])
    for line in cost.lines:
        if line.key in UNSPLIT:
            assert set(line.values) == {ALL}  # the whole horizon only
            continue
        stages = sum(line.values[s] for s in cost.stages)
        assert stages == pytest.approx(line.values[ALL], abs=1e-5), line.key
    keys = {line.key: line.group for line in cost.lines}
    assert keys["travel"] == TIME and keys["unserved"] == PENALTY
    assert keys["windows"] == keys["integer_rounding_kcny"] == PUBLIC


def test_page_heads_with_the_plan_cost(run_dir: Path) -> None:
    modes = _summary(run_dir)["optimality"]["window_modes"]
    page = render_report(run_dir)
    plan, bound = f"{modes['plan_cost_kcny']:,.0f}", f"{modes['lower_bound_kcny']:,.0f}"
    card = re.search(r'id="card-cost">.*?<div class="v">([^<]*)</div>(.*?)</div>', page)
    assert card is not None
    assert card.group(1) == plan
    assert f"LP bound {bound}" in card.group(2) and "gap 11.1%" in card.group(2)
    assert re.search(r'data-plan-cost="all">' + re.escape(plan) + "<", page)
    section = page.split('id="objective"', 1)[1].split("<h2", 1)[0]
    for label in ("Public spending", "Citizens&#x27; time", "Penalties", "Lower bound"):
        assert label in section, label
    assert f"<strong>{bound}</strong> kCNY" in section
    assert "Stage 1 (2026)" in section and "All stages" in section


def test_run_folder_without_the_split_shows_the_horizon(run_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    summary = _summary(old)
    del summary["objective_terms_by_stage_kcny"]
    (old / "plan" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    cost = cost_table(read_run(old))
    assert cost.stages == []
    modes = summary["optimality"]["window_modes"]
    assert cost.total()[ALL] == pytest.approx(modes["plan_cost_kcny"], abs=1e-4)
    assert "no split by stage" in render_report(old)
