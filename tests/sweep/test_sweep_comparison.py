"""What a sweep's comparison shows (issue 17): the same plans give the same bytes whether
they were solved now or reused; dominance looks at every stage and every headline metric;
the HTML table is labelled by what changed, with stage years, and scrolls instead of
clipping."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from planner.cli import common
from planner.cli.sweep_cmd import _summary
from planner.plan.summary import StageMetrics
from planner.sweep.comparison import comparison_csv, dominance
from planner.sweep.html import changed_label, render_html
from planner.sweep.records import ScenarioRecord, ScenarioStage, SweepResult
from planner.sweep.spec import Sweep


def _stage(stage: int, unserved: float = 0.0, towns: int = 0, share: float = 0.2) -> ScenarioStage:
    return ScenarioStage(
        stage=stage,
        area_m2={"province": 1.0, "city": 2.0, "county": 3.0, "township": 4.0},
        top_heavy_share=share,
        metrics=StageMetrics(100.0, 0.5, 0.5, unserved, towns, 0),
        year=2026 + stage,
    )


def _record(
    name: str, cost: float, stages: tuple[ScenarioStage, ...], index: int = 0
) -> ScenarioRecord:
    return ScenarioRecord(
        name=name,
        index=index,
        values={"costs.window_cost_per_year": 100000 + index, "maturity.annual_catch_up": 0.06},
        status="solved",
        run_dir=f"/nowhere/{name}",
        objective_kcny=cost,
        stages=stages,
    )


def _sweep(tmp_path: Path) -> Sweep:
    values: dict[str, list[Any]] = {
        "costs.window_cost_per_year": [100000, 100001],
        "maturity.annual_catch_up": [0.06],
    }
    return Sweep(tmp_path / "s.toml", "s", tmp_path / "base.toml", "product", values, tmp_path, ())


def test_an_earlier_stage_decides_dominance() -> None:
    # equal cost and equal last stage; a leaves 5 townships unserved in stage 1, b none
    a = _record("a", 100.0, (_stage(1, unserved=50.0, towns=5), _stage(2)))
    b = _record("b", 100.0, (_stage(1), _stage(2)))
    assert {d.scenario: d.dominated_by for d in dominance([a, b])} == {"a": ("b",)}
    # the count of unserved townships alone also decides (same unserved volume)
    c = _record("c", 100.0, (_stage(1, towns=3), _stage(2)))
    assert {d.scenario: d.dominated_by for d in dominance([b, c])} == {"c": ("b",)}
    # different stages: not comparable
    d = _record("d", 90.0, (_stage(1),))
    assert dominance([b, d]) == []


def test_the_same_plans_give_the_same_comparison_bytes(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    records = [
        _record("s-0", 100.0, (_stage(1), _stage(2)), 0),
        _record("s-1", 101.0, (_stage(1), _stage(2)), 1),
    ]
    reused = [replace(r, status="reused", seconds=9.0) for r in records]
    assert comparison_csv(sweep, records) == comparison_csv(sweep, reused)
    first = SweepResult(sweep, records, dominance(records), seconds=1.0)
    again = SweepResult(sweep, reused, dominance(reused), seconds=2.0)
    assert render_html(first) == render_html(again)
    header = comparison_csv(sweep, records).splitlines()[0].split(",")
    assert header[header.index("stage") + 1] == "year"
    assert ",solved," not in comparison_csv(sweep, records)


def test_html_rows_say_what_changed_with_stage_years(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    records = [_record("s-0", 100.0, (_stage(1), _stage(2)), 0)]
    assert changed_label(sweep, records[0]) == "window_cost_per_year = 100000"
    page = render_html(SweepResult(sweep, records, []))
    table = page.split('id="metrics"')[1]
    assert '<div class="wide"><table>' in table
    assert "<td>window_cost_per_year = 100000<br>" in table
    assert "<td>1 (2027)</td>" in table and "<td>2 (2028)</td>" in table


def test_cli_summary_labels_the_last_stage_with_its_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep = _sweep(tmp_path)
    records = [_record("s-0", 100.0, (_stage(1), _stage(2)), 0)]
    result = SweepResult(
        sweep, records, [], files={k: tmp_path / k for k in ("csv", "html", "json")}
    )
    monkeypatch.setattr(common.out_console, "width", 200)  # one line per header
    _summary(result)
    out = capsys.readouterr().out
    assert "top-heavy (s2 (2028))" in out and "unserved (s2 (2028))" in out
