"""``comparison.html``: one self-contained page comparing the scenarios of a sweep."""

from __future__ import annotations

import base64
import html
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from planner.config.schema import LEVELS
from planner.report import fonts
from planner.report.charts import OliveRow, chart_style, olive_figure, to_png
from planner.report.data import read_run
from planner.sweep.comparison import CRITERIA, non_dominated, plan_status
from planner.sweep.records import ScenarioRecord, SweepResult, error_text
from planner.sweep.spec import Sweep, format_value

log = logging.getLogger(__name__)

OLIVE_ROWS_PER_CHART = 10
"""Scenarios per olive chart (rows of one chart share the horizontal scale)."""
CSP = (
    "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
    "script-src 'none'"
)


HTML_CSS = """
body { margin:0; background:#f5f5f0; color:#1f2328; font-size:14px; line-height:1.5;
  font-family:"Noto Sans CJK SC","Olive Noto Sans CJK SC","Noto Sans SC",
    system-ui,"Segoe UI",Roboto,Arial,sans-serif; }
.page { max-width:1440px; margin:0 auto; background:#fff; padding:24px 32px 40px; }
h1 { margin:0 0 4px; font-size:24px; } h2 { margin:28px 0 8px; font-size:18px;
  border-bottom:2px solid #556b2f; padding-bottom:4px; }
.muted { color:#5f6670; }
table { border-collapse:collapse; margin:8px 0; font-size:12.5px; }
th, td { border-bottom:1px solid #e3e5e8; padding:3px 8px; text-align:left; vertical-align:top; }
th { background:#f3f7ec; min-width:4.5em; max-width:9em; white-space:normal;
  overflow-wrap:anywhere; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.wide { overflow-x:auto; max-width:100%; } td .small { font-size:11px; color:#5f6670; }
tr.dominated td { color:#8a8f96; } tr.failed td { background:#fff1f0; }
.tag { display:inline-block; padding:0 6px; border-radius:8px; font-size:11.5px; }
.optimal { background:#e6f2da; } .time_limit { background:#fff4d6; } .failed { background:#fde2e0; }
img { max-width:100%; height:auto; } code { font-size:12.5px; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _num(value: float | None, decimals: int, percent: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.{max(decimals - 2, 1)}%}" if percent else f"{value:,.{decimals}f}"


def render_html(result: SweepResult) -> str:
    """``comparison.html``: one self-contained page (inline PNG and CSS, no script).

    Sections: the sweep, dominance, the metrics table (one row per scenario and stage), the
    olive profiles of every scenario on a shared scale, and the failures.
    """
    sweep = result.sweep
    records = result.records
    dominated = {d.scenario: d.dominated_by for d in result.dominance}
    failed = sum(not r.ok for r in records)
    counts = f"{len(records) - failed} with a plan, {failed} failed"
    parts = [
        f"<h1>Sweep {_e(sweep.name)}</h1>",
        f'<p class="muted">{len(records)} scenarios ({counts}) of <code>{_e(sweep.base)}</code>, '
        f"mode <code>{_e(sweep.mode)}</code>; sweep file <code>{_e(sweep.path)}</code>.</p>",
        "<table><tr><th>varied key</th><th>values</th></tr>",
        *(
            f"<tr><td><code>{_e(k)}</code></td>"
            f"<td>{_e(', '.join(format_value(v) for v in vs))}</td></tr>"
            for k, vs in sweep.values.items()
        ),
        "</table>",
        _dominance_section(result),
        '<h2 id="metrics">Metrics by scenario and stage</h2>',
        _metrics_table(sweep, records, dominated),
        '<h2 id="olive">Olive profiles</h2>',
        '<p class="muted">Floor area by level, symmetric bars, province on top; each row is '
        "a scenario, each column a stage (today first); the dashed outline is today.</p>",
        _olive_section(sweep, records),
        _failures_section(records),
    ]
    body = "\n".join(p for p in parts if p)
    title = f"Sweep {_e(sweep.name)}: Olive Planner comparison"
    css = fonts.web_font_css(title + body) + HTML_CSS  # Chinese without a system CJK font
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{title}</title>"
        f'<style>{css}</style></head>\n<body><div class="page">\n{body}\n</div></body>'
        "</html>\n"
    )


def _dominance_section(result: SweepResult) -> str:
    lines = [
        '<h2 id="dominance">Dominance</h2>',
        f"<p>Scenario A dominates B when A is no worse on {', '.join(CRITERIA[:-1])} and "
        f"{CRITERIA[-1]}, and strictly better on at least one (compared at the precision of "
        "<code>comparison.csv</code>). The total cost is each scenario's own objective, "
        "penalties weighted by its own config.</p>",
    ]
    if result.dominance:
        lines.append("<table><tr><th>dominated scenario</th><th>dominated by</th></tr>")
        lines += [
            f"<tr><td>{_e(d.scenario)}</td><td>{_e(', '.join(d.dominated_by))}</td></tr>"
            for d in result.dominance
        ]
        lines.append("</table>")
    else:
        lines.append("<p>No scenario is dominated by another.</p>")
    front = non_dominated(result)
    if front:
        lines.append(f"<p>Not dominated: {_e(', '.join(front))}.</p>")
    return "\n".join(lines)


def _metrics_table(
    sweep: Sweep, records: Sequence[ScenarioRecord], dominated: Mapping[str, tuple[str, ...]]
) -> str:
    head = [
        "scenario (what changed)",
        *sweep.keys,
        "status",
        "stage (year)",
        *(f"{level} m²" for level in LEVELS),
        "province+city share",
        "online share",
        "unserved",
        "townships with unserved",
        "townships without service",
        "total cost (kCNY)",
    ]
    rows = ['<div class="wide"><table><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for r in records:
        css = "failed" if not r.ok else "dominated" if r.name in dominated else ""
        status = plan_status(r)
        tag = f'<span class="tag {_e(status)}">{_e(status)}</span>'
        if r.name in dominated:
            tag += ' <span class="muted">(dominated)</span>'
        name = f'{_e(changed_label(sweep, r))}<br><span class="small">{_e(r.name)}</span>'
        first = [name, *(_e(format_value(r.values.get(k))) for k in sweep.keys)]
        if not r.stages:
            cells = [*first, tag, "", *[""] * (len(head) - len(first) - 2)]
            rows.append(_row(cells, css, len(first) + 2))
            continue
        for s in r.stages:
            cells = [
                *first,
                tag,
                _e(s.label),
                *(_num(s.area_m2.get(level, 0.0), 0) for level in LEVELS),
                _num(s.top_heavy_share, 3, percent=True),
                _num(s.metrics.online_share, 3, percent=True),
                _num(s.metrics.unserved, 0),
                str(s.metrics.townships_with_unserved),
                str(s.metrics.townships_below_min_station),
                _num(r.objective_kcny, 0),
            ]
            rows.append(_row(cells, css, len(first) + 2))
    rows.append("</table></div>")
    return "\n".join(rows)


def changed_label(sweep: Sweep, record: ScenarioRecord) -> str:
    """What sets a scenario apart: ``key = value`` for every key that takes more than one
    value in the sweep (the last part of the dotted key), e.g.
    ``top_heavy_penalty_per_m2_year = 4000, annual_catch_up = 0.08``."""
    varied = [k for k in sweep.keys if len(sweep.values.get(k, [])) > 1] or list(sweep.keys)
    parts = [f"{k.rsplit('.', 1)[-1]} = {format_value(record.values.get(k))}" for k in varied]
    return ", ".join(parts) or record.name


def _row(cells: Sequence[str], css: str, numeric_from: int) -> str:
    tds = "".join(
        f'<td class="num">{c}</td>' if i >= numeric_from else f"<td>{c}</td>"
        for i, c in enumerate(cells)
    )
    return f'<tr class="{css}">{tds}</tr>' if css else f"<tr>{tds}</tr>"


def _olive_section(sweep: Sweep, records: Sequence[ScenarioRecord]) -> str:
    ok = [r for r in records if r.ok]
    if not ok:
        return '<p class="muted">No scenario has a plan.</p>'
    images = []
    try:
        runs = [(r, read_run(Path(r.run_dir), maps=False)) for r in ok]
        stages = sorted({s for _, run in runs for s in run.stages})
        for i in range(0, len(runs), OLIVE_ROWS_PER_CHART):
            chunk = runs[i : i + OLIVE_ROWS_PER_CHART]
            rows = [
                OliveRow(label=changed_label(sweep, r), run=run, column="floor_area_m2")
                for r, run in chunk
            ]
            with chart_style():
                png = to_png(olive_figure(rows, stages))
            data = base64.b64encode(png).decode("ascii")
            names = ", ".join(r.name for r, _ in chunk)
            images.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="Olive profiles of {_e(names)}"></figure>'
            )
    except Exception as err:  # a chart must not cost the comparison of a finished sweep
        log.warning("olive charts of sweep %s not drawn: %s", sweep.name, error_text(err))
        return f'<p class="muted">Olive charts not drawn ({_e(error_text(err))}).</p>'
    return "\n".join(images)


def _failures_section(records: Sequence[ScenarioRecord]) -> str:
    failed = [r for r in records if not r.ok]
    if not failed:
        return ""
    rows = "".join(f"<tr><td>{_e(r.name)}</td><td>{_e(r.error or '')}</td></tr>" for r in failed)
    return (
        '<h2 id="failed">Failed scenarios</h2>'
        f"<table><tr><th>scenario</th><th>error</th></tr>{rows}</table>"
    )
