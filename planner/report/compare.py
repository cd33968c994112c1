"""Tables of the reviewer's comparison of two runs (A the reference, B under review; every
difference is B − A)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.report.data import RunData, objective_terms, stage_metrics
from planner.report.markup import OBJECTIVE_LABELS
from planner.report.markup import escape as _e
from planner.report.markup import fmt as _fmt
from planner.report.markup import fmt_delta as _fmt_delta


def compare_metrics(a: RunData, b: RunData, stages: Sequence[int]) -> str:
    ma = {m.key: m for m in stage_metrics(a)}
    mb = {m.key: m for m in stage_metrics(b)}
    keys = list(mb) + [k for k in ma if k not in mb]
    label_run = b if len(b.stages) >= len(a.stages) else a
    top = "".join(
        f'<th colspan="3" class="num b">{_e(label_run.stage_label(s))}</th>' for s in stages
    )
    sub = "".join(
        '<th class="num b">A</th><th class="num">B</th><th class="num">Δ</th>' for _ in stages
    )
    rows = []
    group = ""
    for key in keys:
        m = mb.get(key) or ma[key]
        if m.group != group:
            group = m.group
            rows.append(
                f'<tr class="group"><th colspan="{1 + 3 * len(stages)}">{_e(group)}</th></tr>'
            )
        cells = []
        for s in stages:
            va = ma[key].values.get(s) if key in ma else None
            vb = mb[key].values.get(s) if key in mb else None
            delta = vb - va if va is not None and vb is not None else None
            text, cls = _fmt_delta(delta, m.kind)
            cells.append(
                f'<td class="num b">{_fmt(va, m.kind)}</td><td class="num">{_fmt(vb, m.kind)}</td>'
                f'<td class="num {cls}">{text}</td>'
            )
        rows.append(f"<tr><td>{_e(m.label)}</td>{''.join(cells)}</tr>")
    return (
        '<div class="wide"><table class="metrics compare"><thead>'
        f'<tr><th rowspan="2">Metric</th>{top}</tr><tr>{sub}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def compare_objective(a: RunData, b: RunData) -> str:
    ta, tb = objective_terms(a), objective_terms(b)
    keys = [k for k in tb if k != "total"] + [k for k in ta if k not in tb and k != "total"]
    keys = [*sorted(keys, key=lambda k: -abs(tb.get(k, 0.0) - ta.get(k, 0.0))), "total"]
    rows = []
    for k in keys:
        va, vb = ta.get(k), tb.get(k)
        delta = vb - va if va is not None and vb is not None else None
        text, cls = _fmt_delta(delta, "kcny")
        rel = f"{delta / va:+.1%}" if delta is not None and va else "—"
        label = OBJECTIVE_LABELS.get(k, k)
        if k == "total":
            label = f"<strong>{_e(label)}</strong>"
        else:
            label = f"{_e(label)} <span class='id'>{_e(k)}</span>"
        rows.append(
            f"<tr><td>{label}</td><td class='num'>{_fmt(va, 'kcny')}</td>"
            f"<td class='num'>{_fmt(vb, 'kcny')}</td><td class='num {cls}'>{text}</td>"
            f"<td class='num'>{rel}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Objective term (kCNY)</th><th class='num'>A</th>"
        "<th class='num'>B</th><th class='num'>Δ</th><th class='num'>Δ %</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def compare_centres(a: RunData, b: RunData, stage: int, top: int = 15) -> str:
    ca = a.centres[a.centres["stage"] == stage].set_index("centre_id")
    cb = b.centres[b.centres["stage"] == stage].set_index("centre_id")
    ids = ca.index.intersection(cb.index)
    if not len(ids):
        return "<p>The two runs share no centre ids.</p>"
    delta = cb.loc[ids, "floor_area_m2"] - ca.loc[ids, "floor_area_m2"]
    delta = delta[delta.abs() > 0.5]
    if delta.empty:
        return f"<p>Every shared centre has the same floor area in {_e(b.stage_label(stage))}.</p>"
    order = delta.abs().sort_values(ascending=False, kind="mergesort").index[:top]
    rows = []
    for cid in order:
        text, cls = _fmt_delta(float(delta[cid]), "area")
        rows.append(
            f"<tr><td>{_e(cb.at[cid, 'name'])}<br><span class='id'>{_e(cid)}</span></td>"
            f"<td>{_e(cb.at[cid, 'level'])}</td>"
            f"<td class='num'>{ca.at[cid, 'floor_area_m2']:,.0f}</td>"
            f"<td class='num'>{cb.at[cid, 'floor_area_m2']:,.0f}</td>"
            f"<td class='num {cls}'>{text}</td>"
            f"<td>{_e(ca.at[cid, 'action'])} / {_e(ca.at[cid, 'mode'])}</td>"
            f"<td>{_e(cb.at[cid, 'action'])} / {_e(cb.at[cid, 'mode'])}</td></tr>"
        )
    changed = int((delta.abs() > 0.5).sum())
    return (
        f"<p class='small'>{changed:,} of {len(ids):,} shared centres differ in floor area in "
        f"{_e(b.stage_label(stage))}; the largest differences:</p>"
        "<table><thead><tr><th>Centre</th><th>Level</th><th class='num'>A m²</th>"
        "<th class='num'>B m²</th><th class='num'>Δ m²</th><th>A action / mode</th>"
        "<th>B action / mode</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out.update(_flatten(item, f"{name}."))
        else:
            out[name] = item
    return out


def changed_keys(a: RunData, b: RunData) -> list[tuple[str, Any, Any]]:
    """Config keys whose values differ between the two run folders' ``config.toml``
    (``None`` where a run does not set the key), sorted by key."""
    fa, fb = _flatten(a.config), _flatten(b.config)
    return [
        (key, fa.get(key), fb.get(key))
        for key in sorted(set(fa) | set(fb))
        if fa.get(key) != fb.get(key)
    ]


def changed_keys_note(a: RunData, b: RunData) -> str:
    """A note listing the changed config keys, for the top of the comparison."""
    changed = changed_keys(a, b)
    if not changed:
        return "<div class='note'><strong>Config:</strong> the two configs are the same.</div>"

    def shown(value: Any) -> str:
        return "<i>not set</i>" if value is None else f"<code>{_e(repr(value))}</code>"

    items = "".join(
        f"<li><code>{_e(key)}</code>: {shown(va)} → {shown(vb)}</li>" for key, va, vb in changed
    )
    return (
        f"<div class='note' id='changed-keys'><strong>What differs in the config "
        f"({len(changed)} key{'' if len(changed) == 1 else 's'}, A → B):</strong>"
        f"<ul>{items}</ul></div>"
    )
