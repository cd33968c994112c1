"""The diff as compact text for a terminal."""

from __future__ import annotations

from planner.diff.formatting import (
    config_value,
    fmt_metric,
    fmt_metric_delta,
    headline,
    level_rows,
    per_stage,
    ranked_centres,
    ranked_service,
)
from planner.diff.records import (
    TEXT_LIMIT,
    CentreChange,
    PlanDiff,
)
from planner.diff.rules import rule_cost_lines
from planner.labels import display_width, metric_label, mode_label, pad


def _text_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """Columns aligned by display width (a Chinese character takes two columns)."""
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [pad(c, widths[i], i in right) for i, c in enumerate(cells)]
        return "  " + "  ".join(parts).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _more(total: int, shown: int) -> list[str]:
    return [f"  ... and {total - shown:,} more (see --format json)"] if total > shown else []


def _centre_text(c: CentreChange) -> str:
    parts = []
    if "area" in c.changed:
        parts.append(f"area {c.area_a:,.1f} -> {c.area_b:,.1f} ({c.area_delta:+,.1f})")
    if "windows" in c.changed:
        parts.append(f"windows {c.windows_a} -> {c.windows_b}")
    if "desks" in c.changed:
        parts.append(f"desks {c.desks_a} -> {c.desks_b}")
    if "mode" in c.changed:
        parts.append(f"mode {mode_label(c.mode_a)} -> {mode_label(c.mode_b)}")
    if "action" in c.changed:
        parts.append(f"action {c.action_a} -> {c.action_b}")
    return "; ".join(parts)


def _county(code: str, name: str) -> str:
    return f"{code} {name}" if name else code


def _of(dataset: str | None) -> str:
    return f" ({dataset})" if dataset else ""


def _head(d: PlanDiff) -> list[str]:
    out = [headline(d), f"  A: {d.run_a}{_of(d.dataset_a)}", f"  B: {d.run_b}{_of(d.dataset_b)}"]
    if d.status_a != d.status_b:
        out.append(f"  solve status: {d.status_a} -> {d.status_b}")
    for f in d.differing_files:
        if f.status != "differs":
            out.append(f"  {f.file}: only in {'A' if f.status == 'only_a' else 'B'}")

    out += ["", f"Config: {len(d.config)} key(s) differ" if d.config else "Config: no differences"]
    out += [
        f"  {c.key}: {config_value(c.a, c.in_a)} -> {config_value(c.b, c.in_b)}" for c in d.config
    ]

    return out


def _metrics_and_levels(d: PlanDiff) -> list[str]:
    out: list[str] = []
    changed = d.changed_metrics
    out += ["", f"Metrics: {len(changed)} of {len(d.metrics)} changed"]
    if changed:
        rows = [
            [
                metric_label(m.name),
                fmt_metric(m.name, m.a),
                fmt_metric(m.name, m.b),
                fmt_metric_delta(m),
            ]
            for m in changed
        ]
        out += _text_table(["metric", "A", "B", "B - A"], rows, {1, 2, 3})

    levels = d.changed_levels
    stages = sorted({r.stage for r in levels})
    out += [
        "",
        f"Level totals: differ in stage(s) {', '.join(map(str, stages))}"
        if stages
        else "Level totals: no differences",
    ]
    if stages:
        rows = level_rows(d, stages)
        header = ["stage", "level", "area A", "area B", "d area", "share A", "share B"]
        header += ["win A", "win B", "d win"]
        out += _text_table(header, rows, set(range(2, 10)))

    return out


def _centres(d: PlanDiff, limit: int) -> list[str]:
    out: list[str] = []
    out.append("")
    if d.centres:
        out.append(
            f"Centres: {len(d.centres):,} changed ({per_stage([c.stage for c in d.centres])});"
            " largest area change first"
        )
        shown = ranked_centres(d)[:limit]
        rows = [
            [c.centre_id, c.name, d.stage_label(c.stage), c.level, _centre_text(c)] for c in shown
        ]
        out += _text_table(["centre", "name", "stage", "level", "change"], rows, set())
        out += _more(len(d.centres), len(shown))
    else:
        out.append("Centres: no changes")
    for label, ids in (("only in A", d.centres_only_a), ("only in B", d.centres_only_b)):
        if ids:
            out.append(f"  centres {label}: {len(ids):,} ({', '.join(ids[:limit])})")

    return out


def _townships(d: PlanDiff, limit: int) -> list[str]:
    out: list[str] = []
    gained = sum(1 for s in d.service if s.direction == "gained")
    lost = len(d.service) - gained
    out += [
        "",
        f"Townships: {gained:,} gained service, {lost:,} lost service, "
        f"{len(d.phases):,} phase change(s)",
    ]
    if d.service:
        shown_s = ranked_service(d)[:limit]
        rows = [
            [
                s.direction,
                s.township_id,
                s.township_name,
                d.stage_label(s.stage),
                _county(s.county_code, s.county_name),
                f"unserved {s.unserved_a:,.1f} -> {s.unserved_b:,.1f} of {s.demand_b:,.1f}",
            ]
            for s in shown_s
        ]
        out += _text_table(
            ["service", "township", "name", "stage", "county", "unserved of demand"], rows, set()
        )
        out += _more(len(d.service), len(shown_s))
    if d.phases:
        shown_p = d.phases[:limit]
        rows = [
            [
                p.township_id,
                p.township_name,
                d.stage_label(p.stage),
                _county(p.county_code, p.county_name),
                f"{p.phase_a} -> {p.phase_b}",
            ]
            for p in shown_p
        ]
        out += _text_table(["township", "name", "stage", "county", "phase"], rows, set())
        out += _more(len(d.phases), len(shown_p))
    for label, ids in (("only in A", d.townships_only_a), ("only in B", d.townships_only_b)):
        if ids:
            out.append(f"  townships {label}: {len(ids):,} ({', '.join(ids[:limit])})")

    return out


def render_text(d: PlanDiff, limit: int = TEXT_LIMIT) -> str:
    """A compact, readable diff for a terminal.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.
    limit
        Rows shown per list (the largest changes); the rest are counted.

    Returns
    -------
    str
        Lines ending in a newline; the first line is :func:`headline`.
    """
    out = _head(d)
    out += _metrics_and_levels(d)
    out += _centres(d, limit)
    out += _townships(d, limit)
    out += rule_cost_lines(d.rule_costs)
    if d.warnings_removed or d.warnings_added:
        out += ["", "Warnings:"]
        out += [f"  - {w}" for w in d.warnings_removed]
        out += [f"  + {w}" for w in d.warnings_added]
    if d.notes:
        out += [""] + [f"note: {n}" for n in d.notes]
    return "\n".join(out) + "\n"
