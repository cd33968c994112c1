"""The HTML report of a run folder: one self-contained file for planners and reviewers.

:func:`render_report` reads only the run folder (``plan/*.csv``, ``plan/summary.json``,
``plan.gpkg``, ``config.toml``, ``manifest.json``) and returns one HTML page with every
chart and map inlined as a base64 PNG, the CSS inlined and, with ``plan.gpkg``, the
interactive map's scripts inlined (:mod:`planner.report.webmap`): the page opens offline and
its Content-Security-Policy allows those scripts by hash and forbids any network fetch. With
``against``, the page is a reviewer's side-by-side view of two runs: *A* is the reference
(``against``), *B* the run under review (``run_dir``) and every difference is *B − A*.
"""

from __future__ import annotations

import base64
import difflib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from planner import __version__
from planner.io.run_folder import REPORT_FILE
from planner.labels import transition_label
from planner.report import changes, charts, costs, fonts, modechart, phasemap, rules, webmap
from planner.report.bound_card import bound_card
from planner.report.compare import changed_keys_note
from planner.report.compare import compare_centres as _compare_centres
from planner.report.compare import compare_metrics as _compare_metrics
from planner.report.compare import compare_objective as _compare_objective
from planner.report.data import (
    Metric,
    RunData,
    action_counts,
    finite,
    mode_transitions,
    read_run,
    stage_metrics,
)
from planner.report.markup import CSS
from planner.report.markup import escape as _e
from planner.report.markup import fmt as _fmt
from planner.report.markup import fmt_delta as _fmt_delta
from planner.report.markup import table as _table
from planner.solve.status import Status

log = logging.getLogger(__name__)

REPORT_NAME = REPORT_FILE
MAX_CONFIG_CHARS = 100_000
"""Longest config echoed in a report (a config is a few kB; a larger one is cut)."""
CSP = (
    "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
    "script-src {scripts}"
)
"""Content-Security-Policy of the page: inline images, fonts and styles, and only the inline
scripts whose hashes it lists (``'none'`` without the interactive map); nothing is fetched."""

GENERATED_MEANING = {
    "centres.inventory_source": "today's inventory of centres (floor areas, windows)",
    "townships.population_source": "the township population (census county totals split "
    "over townships)",
    "townships.point_source": "township points where no real point was found",
    "counties.population_source": "county population",
}
"""What a ``generated_data`` entry of the manifest means, in words."""

# --- small HTML helpers -----------------------------------------------------------------------


def _img(fig: Any, alt: str, key: str, caption: str = "") -> str:
    """A figure as an inline base64 PNG (the figure is closed afterwards)."""
    if fig is None:
        return ""
    data = charts.to_png(fig)
    fig.clear()
    b64 = base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        f'<figure class="chart" id="fig-{_e(key)}"><img data-chart="{_e(key)}" alt="{_e(alt)}" '
        f'src="data:image/png;base64,{b64}">{cap}</figure>'
    )


def _status_tag(run: RunData) -> str:
    status = run.summary.status
    cls = "ok" if status == Status.OPTIMAL else "bad"
    return f'<span class="tag {cls}">status: {_e(status)}</span>'


def _meta_tags(run: RunData) -> str:
    solver = run.manifest.get("solver", {})
    tags = [
        _status_tag(run),
        f'<span class="tag">solver: {_e(solver.get("name", run.summary.solver))} '
        f"{_e(solver.get('version', ''))}</span>",
        f'<span class="tag">planner {_e(run.manifest.get("planner_version", "?"))}</span>',
        f'<span class="tag">run folder: {_e(run.folder)}</span>',
    ]
    model = run.summary.model
    tags.append(
        f'<span class="tag">LP: {model.variables:,} variables, '
        f"{model.constraints:,} constraints</span>"
    )
    return f'<div class="meta">{"".join(tags)}</div>'


# --- sections of a single report --------------------------------------------------------------


def _cards(run: RunData, metrics: dict[str, Metric]) -> str:
    stages = run.stages
    first, last = stages[0], stages[-1]

    def card(key: str, title: str, sub: str) -> str:
        metric = metrics.get(key)
        value = metric.values.get(last) if metric else None
        return (
            f'<div class="card"><div class="k">{_e(title)}</div>'
            f'<div class="v">{_fmt(value, metric.kind if metric else "int")}</div>'
            f'<div class="d">{sub}</div></div>'
        )

    heavy = metrics["top_heavy"].values
    area = metrics["area_total"].values
    last_label = _e(run.stage_label(last))
    area_delta = (area.get(last, 0.0) - area.get(first, 0.0)) / max(area.get(first, 0.0), 1.0)
    parts = [
        card(
            "top_heavy",
            "Province + city share",
            f"{last_label} · today {_fmt(heavy.get(first), 'share')}",
        ),
        card("area_total", "Floor area (m²)", f"{last_label} · {area_delta:+.1%} against today"),
        card("online_share", "Online share", last_label),
        card("unserved", "Unserved (transactions/yr)", last_label),
        card("townships_unserved", "Townships with unserved", last_label),
        costs.cost_card(run),
        bound_card(run.summary.optimality),
    ]
    return f'<div class="cards">{"".join(parts)}</div>'


def _generated_note(runs: Sequence[RunData]) -> str:
    items: dict[str, list[str]] = {}
    for run in runs:
        for entry in run.generated_data:
            items.setdefault(entry, []).append(run.name)
    if not items:
        return (
            '<div class="note generated" id="generated"><strong>Generated data.</strong> '
            "The manifest flags no input column as generated.</div>"
        )
    lis = []
    for entry, names in sorted(items.items()):
        meaning = GENERATED_MEANING.get(entry, "values generated by a seeded rule")
        which = f' <span class="small">({_e(", ".join(names))})</span>' if len(runs) > 1 else ""
        lis.append(f"<li><code>{_e(entry)}</code>: {_e(meaning)}{which}</li>")
    return (
        '<div class="note generated" id="generated"><strong>Generated data.</strong> '
        "What no open source gives is generated by documented, seeded rules and flagged in "
        "every output. This plan rests on these generated inputs "
        "(<code>manifest.json</code> <code>generated_data</code>):"
        f"<ul>{''.join(lis)}</ul>"
        "Read the plan as a demonstration of the method on real boundaries and townships, "
        "not as a survey of today's centres.</div>"
    )


def _warnings_section(run: RunData) -> str:
    warnings = run.warnings
    if not warnings:
        body = "<p>No warnings.</p>"
    else:
        body = '<ul class="warnings">' + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul>"
    cls = "note warn" if warnings else "note"
    return f'<h2 id="warnings">Warnings ({len(warnings)})</h2><div class="{cls}">{body}</div>'


def _notes(runs: Sequence[RunData]) -> str:
    notes = [f"{run.name}: {note}" for run in runs for note in run.notes]
    if not notes:
        return ""
    return '<div class="note">' + "<br>".join(_e(n) for n in notes) + "</div>"


def _metrics_table(run: RunData, metrics: Sequence[Metric]) -> str:
    stages = run.stages
    head = ["Metric", *(_e(run.stage_label(s)) for s in stages), "Change, first → last"]
    ths = "".join(f'<th class="num">{h}</th>' if i else f"<th>{h}</th>" for i, h in enumerate(head))
    rows = []
    group = ""
    for m in metrics:
        if m.group != group:
            group = m.group
            rows.append(f'<tr class="group"><th colspan="{len(head)}">{_e(group)}</th></tr>')
        cells = "".join(f'<td class="num">{_fmt(m.values.get(s), m.kind)}</td>' for s in stages)
        shown = [s for s in stages if s in m.values and finite(m.values[s])]
        delta = m.values[shown[-1]] - m.values[shown[0]] if len(shown) > 1 else None
        text, cls = _fmt_delta(delta, m.kind)
        rows.append(f'<tr><td>{_e(m.label)}</td>{cells}<td class="num {cls}">{text}</td></tr>')
    return (
        f'<table class="metrics"><thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _transition_cell(key: object) -> str:
    """``传统窗口 → 小全科`` over ``traditional → small general`` (other keys as they are)."""
    label = transition_label(key)
    if label == str(key):
        return _e(label)
    parts = [p.split(" ", 1) for p in label.split(" → ")]
    chinese = " → ".join(p[0] for p in parts)
    english = " → ".join(p[-1] for p in parts)
    return f"{_e(chinese)}<br><span class='small'>{_e(english)}</span>"


def _counts_table(frame: pd.DataFrame, first: str, labels: dict[Any, str]) -> str:
    if frame.empty:
        return "<p>Nothing to count.</p>"
    head = [first, *(labels.get(c, str(c)) for c in frame.columns)]
    rows = [(_transition_cell(i), *(f"{int(v):,}" for v in frame.loc[i])) for i in frame.index]
    return _table([_e(h) for h in head], rows)


def _modes_section(run: RunData) -> str:
    transitions = mode_transitions(run)
    labels = {
        c: f"{run.stage_label(int(c.split(' → ')[0]))} → {run.stage_label(int(c.split(' → ')[1]))}"
        for c in transitions.columns
    }
    actions = action_counts(run)
    action_labels = {s: run.stage_label(int(s)) for s in actions.columns}
    return (
        '<h2 id="modes">Window modes and actions</h2>'
        "<p class='small'>Window modes: <b>传统窗口 traditional</b> 一人一事一窗 (one person, "
        "one item, one window), <b>小全科 small general</b> (high-volume items keep dedicated "
        "windows, the rest are pooled), <b>大全科 big general</b> (every window takes every "
        "item). "
        "Counts of open centres changing mode between consecutive stages; "
        "<i>closed</i> counts centres closing in the later stage.</p>"
        '<div class="two wide-left"><div><h3>Mode transitions</h3>'
        + _counts_table(transitions, "Transition", labels)
        + "</div><div><h3>Centres by action</h3>"
        + _counts_table(actions, "Action", action_labels)
        + "</div></div>"
        + modechart.conversion_html(run)
    )


def _short(text: str, limit: int = 2_000) -> str:
    """A free text (the config's description) cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + " ... (cut; see config.toml)"


def _config_section(runs: Sequence[tuple[str, RunData]]) -> str:
    parts = ['<h2 id="config">Config</h2>']
    for label, run in runs:
        source = run.manifest.get("config", {})
        where = (
            f" <span class='small'>from {_e(source.get('path', '?'))}, sha256 "
            f"<span class='id'>{_e(source.get('sha256', '?'))}</span></span>"
        )
        title = f"<h3>{_e(label)}config.toml{where}</h3>" if label else f"<p>config.toml{where}</p>"
        text = run.config_text or "(config.toml is missing from the run folder)"
        if len(text) > MAX_CONFIG_CHARS:  # bound what the page embeds
            note = (
                f"\n... (cut at {MAX_CONFIG_CHARS:,} of {len(text):,} characters; the whole "
                "file is config.toml in the run folder)"
            )
            text = text[:MAX_CONFIG_CHARS] + note
        parts.append(f"{title}<pre class='config'>{_e(text)}</pre>")
    return "".join(parts)


def _manifest_block(run: RunData) -> str:
    m = run.manifest
    if not m:
        return "<p>manifest.json is missing.</p>"
    solver = m.get("solver", {})
    timings = m.get("timings_s", {})
    rows = [
        ("Planner version", _e(m.get("planner_version", "?"))),
        ("Code sha256", f"<span class='id'>{_e(m.get('code_sha256', '?'))}</span>"),
        ("Python", _e(m.get("python", "?"))),
        (
            "Solver",
            _e(
                f"{solver.get('name', '?')} {solver.get('version', '')}: "
                f"{solver.get('status', '?')} ({solver.get('detail', '')})"
            ),
        ),
        (
            "Timings (s)",
            _e(", ".join(f"{k} {float(v):.1f}" for k, v in timings.items())) or "—",
        ),
        (
            "Generated data",
            _e(", ".join(m.get("generated_data", [])) or "none"),
        ),
    ]
    table = _table(["Field", "Value"], rows, num_from=99)
    inputs = m.get("inputs", {})
    input_rows = [
        (
            _e(name),
            f"<span class='id'>{_e(info.get('path', '?'))}</span>",
            f"<span class='id' title='{_e(info.get('sha256', ''))}'>"
            f"{_e(str(info.get('sha256', '?'))[:16])}…</span>",
        )
        for name, info in sorted(inputs.items())
    ]
    input_table = _table(["Input", "Path", "sha256"], input_rows, num_from=99)
    raw = json.dumps(m, indent=2, ensure_ascii=False, sort_keys=True)
    return (
        f"{table}<h3>Inputs</h3>{input_table}"
        f"<details><summary>manifest.json</summary><pre>{_e(raw)}</pre></details>"
    )


def _page(title: str, body: str, font: str, interactive: webmap.WebMap | None = None) -> str:
    scripts = interactive.scripts if interactive is not None else ()
    allowed = " ".join(webmap.script_hash(s) for s in scripts) or "'none'"
    css = CSS + (interactive.css if interactive is not None else "")
    tail = "".join(f"<script>{s}</script>" for s in scripts)
    css = fonts.web_font_css(title + body + tail) + css
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP.format(scripts=allowed)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="olive-planner {_e(__version__)}">'
        f"<title>{_e(title)}</title><style>{css}</style></head>\n"
        f'<body><div class="page">{body}'
        f"<footer>Olive Planner {_e(__version__)} · charts drawn with matplotlib, font "
        f"{_e(font)}; Chinese text in {_e(fonts.FAMILY)} (SIL Open Font License 1.1, a "
        "subset embedded in this page); interactive map drawn with Leaflet (vendored, "
        "inlined) · this page is self-contained (no network).</footer>"
        f"</div>{tail}</body></html>\n"
    )


def _dataset(run: RunData) -> str:
    """``"浙江省 · "``: the province(s) a run planned, for titles (empty when unknown)."""
    return f"{_e(run.dataset)} · " if run.dataset else ""


def _toc(entries: Sequence[tuple[str, str]]) -> str:
    links = "".join(f'<a href="#{_e(anchor)}">{_e(text)}</a>' for anchor, text in entries)
    return f'<nav class="toc">{links}</nav>'


def _maps_section(run: RunData, interactive: webmap.WebMap | None) -> str:
    """The interactive map, then the static maps (centres, maturity, phase, unserved)."""
    if run.gis is None:
        return "<p>No <code>plan.gpkg</code> in the run folder: no maps.</p>"
    stages = run.stages
    planning = [s for s in stages if s > 0]
    parts: list[str] = []
    if interactive is not None:
        parts += ['<h3 id="map">Interactive map</h3>', interactive.markup]
    parts += [
        _img(
            charts.centres_map(run, stages),
            "Centres per stage: today by level, later stages by action",
            "map-centres",
            "Marker area grows with floor area (as area<sup>0.6</sup>, so township stations "
            "stay visible next to city halls; same scale in every panel); a cross marks a "
            "centre closed in or before that stage; centres that share a seat (a county hall "
            "and its town's station) sit on a small ring around it. City boundaries in dark "
            "grey, counties in light grey.",
        ),
        _img(
            charts.maturity_map(run, stages),
            "County maturity per stage",
            "map-maturity",
            "Population-weighted government-netizen maturity of each county.",
        ),
        *(_img(*image) for image in phasemap.phase_maps(run, planning)),
        _img(
            charts.unserved_map(run, planning),
            "Unserved demand per stage",
            "map-unserved",
            "Townships with unserved demand (neither online nor at a centre within reach), "
            "coloured and sized by the unserved share of their demand.",
        ),
    ]
    return "".join(parts)


IN_USE = ("area_in_use_m2",)
"""The olive chart's in-use row (absent from run folders written before the olive rules)."""


def _single(run: RunData, font: str, interactive: webmap.WebMap | None = None) -> str:
    metrics = stage_metrics(run)
    by_key = {m.key: m for m in metrics}
    stages = run.stages
    olive = charts.olive_figure(
        [
            charts.OliveRow("Floor area", run, "floor_area_m2"),
            *[charts.OliveRow("Area in use", run, c) for c in IN_USE if c in run.levels],
            charts.OliveRow("Windows", run, "windows"),
        ],
        stages,
    )
    parts = [
        '<header class="top">',
        f"<h1>{_e(run.name)} <small>{_dataset(run)}Olive Planner report</small></h1>",
        f'<p class="lead">{_e(_short(run.description))}</p>' if run.description else "",
        _meta_tags(run),
        _toc(
            [
                ("olive", "Olive profile"),
                ("metrics", "Metrics"),
                ("maps", "Maps"),
                ("changes", "Largest changes"),
                ("modes", "Window modes"),
                ("objective", "Plan cost"),
                ("rules", "Rule costs"),
                ("warnings", "Warnings"),
                ("config", "Config"),
                ("manifest", "Manifest"),
            ]
        ),
        "</header>",
        _cards(run, by_key),
        _generated_note([run]),
        _notes([run]),
        _warnings_section(run) if run.warnings else "",
        '<h2 id="olive">Olive profile (橄榄型)</h2>',
        "<p class='small'>Floor area, area in use (windows and desks) and windows by level, "
        "bars centred on zero: a top-heavy network (头重脚轻) is wide at province and city, "
        "an olive is widest at the county level with strong township stations. The dashed "
        "outline is today's shape.</p>",
        _img(olive, "Olive profile: floor area and windows by level and stage", "olive"),
        '<h2 id="metrics">Headline metrics</h2>',
        "<p class='small'>Travel minutes are demand-weighted means over the townships a level "
        "serves. Demand is in transactions a year. Stage 0 is today's inventory (no demand is "
        "assigned to it).</p>",
        _metrics_table(run, metrics),
        '<h2 id="maps">Maps</h2>',
    ]
    parts.append(_maps_section(run, interactive))
    parts += [
        changes.changes_section(run),
        _modes_section(run),
        '<h2 id="objective">What the plan costs</h2>',
        costs.cost_section(run),
        rules.rule_costs_section(run),
        _warnings_section(run) if not run.warnings else "",
        _config_section([("", run)]),
        '<h2 id="manifest">Manifest</h2>',
        _manifest_block(run),
    ]
    return "".join(parts)


# --- the reviewer's comparison ----------------------------------------------------------------


def _compare_warnings(a: RunData, b: RunData) -> str:
    wa, wb = a.warnings, b.warnings
    sa, sb = set(wa), set(wb)

    def items(values: Sequence[str], other: set[str], mark: str) -> str:
        if not values:
            return "<p>No warnings.</p>"
        lis = "".join(
            f"<li>{_e(w)}{f' <b>({mark})</b>' if w not in other else ''}</li>" for w in values
        )
        return f"<ul class='warnings'>{lis}</ul>"

    cls = "note warn" if wa or wb else "note"
    return (
        f'<h2 id="warnings">Warnings (A {len(wa)}, B {len(wb)})</h2><div class="two">'
        f'<div class="{cls}"><strong>A: {_e(a.name)}</strong>{items(wa, sb, "only in A")}</div>'
        f'<div class="{cls}"><strong>B: {_e(b.name)}</strong>{items(wb, sa, "only in B")}</div>'
        "</div>"
    )


def _config_diff(a: RunData, b: RunData) -> str:
    if max(len(a.config_text), len(b.config_text)) > MAX_CONFIG_CHARS:
        return (
            f"<p>A config is longer than {MAX_CONFIG_CHARS:,} characters: no line diff "
            "(compare the two config.toml files, or run <code>planner diff</code>).</p>"
        )
    lines = list(
        difflib.unified_diff(
            a.config_text.splitlines(),
            b.config_text.splitlines(),
            fromfile=f"A: {a.path}/config.toml",
            tofile=f"B: {b.path}/config.toml",
            lineterm="",
        )
    )
    if not lines:
        return "<p>The two configs are identical.</p>"
    out = []
    for line in lines:
        if line.startswith("+") and not line.startswith("+++"):
            out.append(f"<span class='add'>{_e(line)}</span>")
        elif line.startswith("-") and not line.startswith("---"):
            out.append(f"<span class='del'>{_e(line)}</span>")
        else:
            out.append(_e(line))
    return f"<pre class='diff'>{chr(10).join(out)}</pre>"


def _centres_section(a: RunData, b: RunData, common: Sequence[int], last: int) -> str:
    """Both plans' centres in the last common stage, the map of what changed per stage and
    the largest differences per stage."""
    parts = [
        f'<h2 id="centres">Centres in {_e(b.stage_label(last))}</h2>',
        _img(
            charts.compare_centres_map({f"A: {a.name}": a, f"B: {b.name}": b}, last),
            "Centres by action in the last common stage, A and B",
            "map-compare",
            "Marker area grows with floor area (as area<sup>0.6</sup>), same scale in both panels.",
        ),
        '<h3 id="changed">What changed, stage by stage</h3>',
        _img(
            charts.change_map(a, b, [s for s in common if s > 0]),
            "Centres whose floor area differs between A and B, per stage",
            "map-change",
            "Each centre whose floor area differs between the runs, sized by the difference "
            "(same scale in every panel); grey dots are the same in both.",
        ),
        *(
            f"<details{' open' if s == last else ''}><summary>Centres in "
            f"{_e(b.stage_label(s))}: largest differences</summary>"
            f"{_compare_centres(a, b, s)}</details>"
            for s in common
            if s > 0
        ),
    ]
    return "".join(parts)


def _compare(a: RunData, b: RunData, font: str) -> str:
    stages = sorted(set(a.stages) | set(b.stages))
    common = sorted(set(a.stages) & set(b.stages))
    last = common[-1] if common else stages[-1]
    area = charts.olive_figure(
        [
            charts.OliveRow(f"A: {a.name}", a, "floor_area_m2"),
            charts.OliveRow(f"B: {b.name}", b, "floor_area_m2", ghost=a),
        ],
        stages,
    )
    windows = charts.olive_figure(
        [
            charts.OliveRow(f"A: {a.name}", a, "windows"),
            charts.OliveRow(f"B: {b.name}", b, "windows", ghost=a),
        ],
        stages,
    )
    run_rows = [
        (
            label,
            f"<strong>{_e(run.name)}</strong> {_dataset(run).removesuffix(' · ')}<br>"
            f"<span class='small'>{_e(_short(run.description))}</span>",
            f"<span class='id'>{_e(run.path)}</span>",
            _status_tag(run),
            _fmt(run.summary.objective_kcny, "kcny"),
        )
        for label, run in (("A (reference)", a), ("B (this run)", b))
    ]
    parts = [
        '<header class="top">',
        f"<h1>{_e(b.name)} <small>against {_e(a.name)}: Olive Planner review</small></h1>",
        "<p class='lead'>A is the reference plan (<code>--against</code>), B the plan under "
        "review; every Δ is B − A (percentage points for shares).</p>",
        _toc(
            [
                ("olive", "Olive profiles"),
                ("metrics", "Metrics"),
                ("objective", "Objective"),
                ("centres", "Centres"),
                ("warnings", "Warnings"),
                ("config", "Config"),
                ("manifest", "Manifests"),
            ]
        ),
        "</header>",
        _table(["Plan", "Name", "Run folder", "Status", "Objective kCNY"], run_rows, num_from=4),
        changed_keys_note(a, b),
        _generated_note([a, b]),
        _notes([a, b]),
        '<h2 id="olive">Olive profiles (橄榄型)</h2>',
        "<p class='small'>Both plans on one scale. The dashed outline in B's panels is A's shape "
        "in the same stage.</p>",
        _img(area, "Olive profiles of floor area, A and B", "olive-area"),
        _img(windows, "Olive profiles of windows, A and B", "olive-windows"),
        '<h2 id="metrics">Headline metrics</h2>',
        _compare_metrics(a, b, stages),
        '<h2 id="objective">Objective terms</h2>',
        _compare_objective(a, b),
        _centres_section(a, b, common, last),
        _compare_warnings(a, b),
        '<h2 id="config">Config</h2><h3>Diff (A → B)</h3>',
        _config_diff(a, b),
        "<details><summary>Both configs verbatim</summary>",
        _config_section([("A: ", a), ("B: ", b)]).replace('<h2 id="config">Config</h2>', ""),
        "</details>",
        '<h2 id="manifest">Manifests</h2><div class="two">',
        f"<div><h3>A: {_e(a.name)}</h3>{_manifest_block(a)}</div>",
        f"<div><h3>B: {_e(b.name)}</h3>{_manifest_block(b)}</div></div>",
    ]
    return "".join(parts)


# --- entry points -----------------------------------------------------------------------------


def render_report(run_dir: Path, against: Path | None = None) -> str:
    """Render the HTML report of a run folder.

    Parameters
    ----------
    run_dir : Path
        A run folder written by ``planner run`` (``plan/``, ``config.toml``,
        ``manifest.json`` and, for the maps, ``plan.gpkg``).
    against : Path, optional
        A second run folder: the page then compares the two plans, ``against`` as the
        reference A and ``run_dir`` as B.

    Returns
    -------
    str
        One self-contained HTML document (inline PNG images, CSS and the map's scripts).

    Raises
    ------
    InputError
        If a folder is not a run folder or one of its files cannot be read.
    """
    start = time.perf_counter()
    run = read_run(Path(run_dir))
    reference = read_run(Path(against)) if against is not None else None
    interactive = webmap.web_map(run) if reference is None else None
    with charts.chart_style() as font:
        if reference is None:
            where = f" ({run.dataset})" if run.dataset else ""
            title = f"{run.name}{where}: Olive Planner report"
            body = _single(run, font, interactive)
        else:
            title = f"{run.name} against {reference.name}: Olive Planner review"
            body = _compare(reference, run, font)
    page = _page(title, body, font, interactive)
    log.info("report of %s rendered in %.1f s", run_dir, time.perf_counter() - start)
    return page


def write_report(run_dir: Path, against: Path | None = None, path: Path | None = None) -> Path:
    """Render the report and write it atomically (temporary file, then ``os.replace``).

    Parameters
    ----------
    run_dir : Path
        The run folder.
    against : Path, optional
        A reference run folder to compare with (see :func:`render_report`).
    path : Path, optional
        Output file; default ``run_dir / "report.html"``.

    Returns
    -------
    Path
        The file written.
    """
    run_dir = Path(run_dir)
    target = Path(path) if path is not None else run_dir / REPORT_NAME
    text = render_report(run_dir, against)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("report written to %s (%.1f MB)", target, target.stat().st_size / 1e6)
    return target


__all__ = ["REPORT_NAME", "render_report", "write_report"]
