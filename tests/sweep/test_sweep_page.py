"""``comparison.html`` of a sweep in real headless Chromium at 1024 pixels (issue 17): the
page does not scroll sideways (a wide metrics table scrolls inside its box), and no header
or cell of the table is clipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from planner.plan.summary import StageMetrics
from planner.report.browser import CHROMIUM, PLAYWRIGHT_FLAGS
from planner.sweep.html import render_html
from planner.sweep.records import ScenarioRecord, ScenarioStage, SweepResult
from planner.sweep.spec import Sweep
from tests.report.test_report import INSTALL_HINT

KEYS: dict[str, list[Any]] = {
    "costs.top_heavy_penalty_per_m2_year": [1000, 4000],
    "costs.unserved_penalty_per_transaction": [2000, 5000],
    "maturity.annual_catch_up": [0.04, 0.08],
    "policy.township_min_station_m2": [60, 120],
}


def _record(i: int) -> ScenarioRecord:
    values = {k: v[i % 2] for k, v in KEYS.items()}
    stages = tuple(
        ScenarioStage(
            stage=s,
            area_m2={"province": 12345.6, "city": 234567.8, "county": 1234567.8, "township": 9.0},
            top_heavy_share=0.25,
            metrics=StageMetrics(1e8, 0.5, 0.4, 12345.6, 156, 3),
            year=2026 + s,
        )
        for s in (1, 2, 3)
    )
    return ScenarioRecord(
        name=f"wide-sweep-with-a-long-name-{i}",
        index=i,
        values=values,
        status="solved",
        run_dir=f"/nowhere/{i}",
        objective_kcny=49_764_007.0 + i,
        stages=stages,
    )


@pytest.mark.browser
def test_wide_table_scrolls_in_its_box_and_nothing_is_clipped(tmp_path: Path) -> None:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is not installed: the page test needs it; {INSTALL_HINT}")
    sweep = Sweep(tmp_path / "s.toml", "wide", tmp_path / "b.toml", "product", KEYS, tmp_path, ())
    records = [_record(i) for i in range(2)]
    page = tmp_path / "comparison.html"
    page.write_text(render_html(SweepResult(sweep, records, [])), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(PLAYWRIGHT_FLAGS))
        tab: Any = browser.new_context(viewport={"width": 1024, "height": 900}).new_page()
        tab.goto(page.as_uri())
        assert tab.evaluate("document.documentElement.scrollWidth") <= 1024
        clipped = tab.evaluate(
            "[...document.querySelectorAll('#metrics ~ .wide th, #metrics ~ .wide td')]"
            ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent)"
        )
        assert clipped == []
        box = tab.evaluate(
            "(() => { const b = document.querySelector('.wide');"
            " return [b.scrollWidth, b.clientWidth]; })()"
        )
        assert box[1] <= 1024
        browser.close()
