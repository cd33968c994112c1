"""The report's "Largest changes" section: growth and reduction, overall and per stage.

A downsizing plan shrinks far more floor area than it adds, so a single list by absolute
change shows only reductions; here increases and reductions get their own tables, for the
whole horizon (today to the last stage) and for every stage against the one before.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from planner.labels import mode_label
from planner.report.data import RunData, largest_changes

MIN_CHANGE_M2 = 0.5
"""Changes smaller than this (m²) are rounding, not a change."""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _centre(name: Any, cid: Any) -> str:
    return f"{_e(name)}<br><span class='id'>{_e(cid)}</span>"


def _table(head: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    ths = "".join(
        f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>" for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def _delta(value: float) -> str:
    cls = "delta pos" if value > 0 else "delta neg"
    return f"<span class='{cls}'>{value:+,.0f}</span>"


def overall_changes(run: RunData, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``top`` centres growing most and shrinking most from today to the last stage
    (rows of :func:`planner.report.data.largest_changes`)."""
    every = largest_changes(run, top=max(run.centres["centre_id"].nunique(), 1))
    if every.empty:
        return every, every
    grow = every[every["change"] > MIN_CHANGE_M2].sort_values(
        "change", ascending=False, kind="mergesort"
    )
    shrink = every[every["change"] < -MIN_CHANGE_M2].sort_values("change", kind="mergesort")
    return grow.head(top), shrink.head(top)


def step_changes(run: RunData, stage: int, top: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``top`` centres growing most and shrinking most in ``stage`` against the stage
    before (``area_change_m2`` of ``plan/centres.csv``), ties by centre id."""
    rows = run.centres[run.centres["stage"] == stage].sort_values("centre_id", kind="mergesort")
    change = rows["area_change_m2"].astype(float)
    grow = rows[change > MIN_CHANGE_M2].sort_values(
        "area_change_m2", ascending=False, kind="mergesort"
    )
    shrink = rows[change < -MIN_CHANGE_M2].sort_values("area_change_m2", kind="mergesort")
    return grow.head(top), shrink.head(top)


def _overall_table(run: RunData, frame: pd.DataFrame, what: str) -> str:
    if frame.empty:
        return f"<p class='small'>No centre {what} from today to the last stage.</p>"
    stages = run.stages
    head = [
        "Centre",
        "Level",
        *(f"{_e(run.stage_label(s))}<br><span class='small'>m²</span>" for s in stages),
        "Δ m²",
        "Last action",
        "Why (stage of the largest step)",
    ]
    rows = [
        [
            _centre(r["name"], r["centre_id"]),
            _e(r["level"]),
            *(f"{r[f'area_s{s}']:,.0f}" for s in stages),
            _delta(float(r["change"])),
            f"{_e(r['last_action'])}<br>"
            f"<span class='small'>{_e(mode_label(r['last_mode']))}</span>",
            f"<span class='small'>stage {int(r['reason_stage'])}: {_e(r['reason'])}</span>",
        ]
        for r in frame.to_dict("records")
    ]
    return _table(head, rows, set(range(2, 3 + len(stages))))


def _step_table(frame: pd.DataFrame, what: str) -> str:
    if frame.empty:
        return f"<p class='small'>No centre {what}.</p>"
    rows = [
        [
            _centre(r["name"], r["centre_id"]),
            _e(r["level"]),
            f"{float(r['floor_area_m2']) - float(r['area_change_m2']):,.0f}",
            f"{float(r['floor_area_m2']):,.0f}",
            _delta(float(r["area_change_m2"])),
            f"{_e(r['action'])} · {_e(r['mode'])}<br><span class='small'>"
            f"{_e('' if pd.isna(r['reason']) else r['reason'])}</span>",
        ]
        for r in frame.to_dict("records")
    ]
    return _table(
        ["Centre", "Level", "Before m²", "After m²", "Δ m²", "Action · why"], rows, {2, 3, 4}
    )


def changes_section(run: RunData) -> str:
    """The section's HTML: both directions over the horizon, then per planning stage."""
    if run.centres.empty:
        return '<h2 id="changes">Largest changes</h2><p>No centres.</p>'
    last = run.stages[-1]
    grow, shrink = overall_changes(run)
    parts = [
        '<h2 id="changes">Largest changes</h2>',
        f"<p class='small'>Floor area, today to {_e(run.stage_label(last))}: the centres that "
        "grow most and those that shrink most (a closed centre ends at 0 m²). Below, every "
        "stage against the stage before.</p>",
        "<h3>Largest increases</h3>",
        _overall_table(run, grow, "grows"),
        "<h3>Largest reductions</h3>",
        _overall_table(run, shrink, "shrinks"),
    ]
    for stage in (s for s in run.stages if s > 0):
        before = run.stage_label(stage - 1)
        grow_s, shrink_s = step_changes(run, stage)
        parts.append(
            f"<details class='stage-changes'><summary>{_e(run.stage_label(stage))} against "
            f"{_e(before)}: {len(grow_s)} largest increases, {len(shrink_s)} largest "
            "reductions</summary><div class='two'>"
            f"<div><h3>Increases</h3>{_step_table(grow_s, 'grows in this stage')}</div>"
            f"<div><h3>Reductions</h3>{_step_table(shrink_s, 'shrinks in this stage')}</div>"
            "</div></details>"
        )
    return "".join(parts)


__all__ = ["changes_section", "overall_changes", "step_changes"]
