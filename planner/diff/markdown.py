"""The diff as GitHub-flavoured markdown with tables, for review threads."""

from __future__ import annotations

from planner.diff.formatting import (
    config_value,
    fmt_change,
    fmt_count,
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
    PlanDiff,
)
from planner.labels import metric_label


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return lines


def _md_more(total: int, shown: int) -> list[str]:
    if total <= shown:
        return []
    return ["", f"_... and {total - shown:,} more (see `--format json`)._"]


def _head(d: PlanDiff) -> list[str]:
    out = ["## Run diff", ""]
    out += _md_table(
        ["run", "folder", "dataset", "status"],
        [
            ["A", f"`{d.run_a}`", _md(d.dataset_a or "n/a"), d.status_a or "n/a"],
            ["B", f"`{d.run_b}`", _md(d.dataset_b or "n/a"), d.status_b or "n/a"],
        ],
        set(),
    )
    out += ["", f"**{_md(headline(d))}**", ""]

    out += ["### Config", ""]
    if d.config:
        rows = [
            [
                f"`{c.key}`",
                config_value(c.a, c.in_a),
                config_value(c.b, c.in_b),
            ]
            for c in d.config
        ]
        out += _md_table(["key", "A", "B"], rows, set())
    else:
        out.append("No differences.")

    return out


def _metrics_and_levels(d: PlanDiff) -> list[str]:
    out: list[str] = []
    changed = d.changed_metrics
    out += ["", f"### Metrics ({len(changed)} of {len(d.metrics)} changed)", ""]
    if changed:
        rows = [
            [
                f"{metric_label(m.name)} (`{m.name}`)",
                fmt_metric(m.name, m.a),
                fmt_metric(m.name, m.b),
                fmt_metric_delta(m),
            ]
            for m in changed
        ]
        out += _md_table(["metric", "A", "B", "B − A"], rows, {1, 2, 3})
    else:
        out.append("No differences.")

    levels = d.changed_levels
    stages = sorted({r.stage for r in levels})
    out += ["", "### Level totals", ""]
    if stages:
        rows = level_rows(d, stages)
        header = ["stage", "level", "area A (m²)", "area B (m²)", "Δ area", "share A", "share B"]
        header += ["windows A", "windows B", "Δ windows"]
        out += _md_table(header, rows, set(range(2, 10)))
    else:
        out.append("No differences.")

    return out


def _centres(d: PlanDiff, limit: int) -> list[str]:
    out: list[str] = []
    out += ["", f"### Centres ({len(d.centres):,} changed)", ""]
    if d.centres:
        shown = ranked_centres(d)[:limit]
        out += [
            f"By stage: {per_stage([c.stage for c in d.centres])}. Largest area change first.",
            "",
        ]
        rows = [
            [
                f"`{c.centre_id}` {_md(c.name)}".rstrip(),
                _md(d.stage_label(c.stage)),
                c.level,
                f"{c.area_a:,.1f}",
                f"{c.area_b:,.1f}",
                f"{c.area_delta:+,.1f}",
                fmt_change(str(c.windows_a), str(c.windows_b)),
                fmt_change(fmt_count(c.desks_a), fmt_count(c.desks_b)),
                fmt_change(c.mode_a, c.mode_b),
                fmt_change(c.action_a, c.action_b),
            ]
            for c in shown
        ]
        header = ["centre", "stage", "level", "area A", "area B", "Δ area", "windows", "desks"]
        header += ["mode", "action"]
        out += _md_table(header, rows, {1, 3, 4, 5})
        out += _md_more(len(d.centres), len(shown))
    else:
        out.append("No changes.")
    for label, ids in (("only in A", d.centres_only_a), ("only in B", d.centres_only_b)):
        if ids:
            out += [
                "",
                f"Centres {label} ({len(ids):,}): " + ", ".join(f"`{i}`" for i in ids[:limit]),
            ]

    return out


def _townships(d: PlanDiff, limit: int) -> list[str]:
    out: list[str] = []
    gained = sum(1 for s in d.service if s.direction == "gained")
    out += [
        "",
        f"### Townships ({gained:,} gained service, {len(d.service) - gained:,} lost service, "
        f"{len(d.phases):,} phase changes)",
        "",
    ]
    if d.service:
        shown_s = ranked_service(d)[:limit]
        rows = [
            [
                f"`{s.township_id}` {_md(s.township_name)}".rstrip(),
                _md(d.stage_label(s.stage)),
                _md(f"{s.county_code} {s.county_name}".rstrip()),
                s.direction,
                f"{s.unserved_a:,.1f}",
                f"{s.unserved_b:,.1f}",
                f"{s.demand_b:,.1f}",
            ]
            for s in shown_s
        ]
        header = ["township", "stage", "county", "service", "unserved A", "unserved B", "demand"]
        out += _md_table(header, rows, {1, 4, 5, 6})
        out += _md_more(len(d.service), len(shown_s))
    if d.phases:
        shown_p = d.phases[:limit]
        rows = [
            [
                f"`{p.township_id}` {_md(p.township_name)}".rstrip(),
                _md(d.stage_label(p.stage)),
                _md(f"{p.county_code} {p.county_name}".rstrip()),
                p.phase_a,
                p.phase_b,
            ]
            for p in shown_p
        ]
        out += [""] if d.service else []
        out += _md_table(["township", "stage", "county", "phase A", "phase B"], rows, {1})
        out += _md_more(len(d.phases), len(shown_p))
    if not d.service and not d.phases:
        out.append("No changes.")
    for label, ids in (("only in A", d.townships_only_a), ("only in B", d.townships_only_b)):
        if ids:
            out += [
                "",
                f"Townships {label} ({len(ids):,}): " + ", ".join(f"`{i}`" for i in ids[:limit]),
            ]

    return out


def render_markdown(d: PlanDiff, limit: int = TEXT_LIMIT) -> str:
    """The diff as GitHub-flavoured markdown with tables, for review threads.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.
    limit
        Rows shown per table (the largest changes); the rest are counted.

    Returns
    -------
    str
        Markdown ending in a newline.
    """
    out = _head(d)
    out += _metrics_and_levels(d)
    out += _centres(d, limit)
    out += _townships(d, limit)
    if d.warnings_removed or d.warnings_added:
        out += ["", "### Warnings", ""]
        out += [f"- removed: {_md(w)}" for w in d.warnings_removed]
        out += [f"- added: {_md(w)}" for w in d.warnings_added]
    if d.notes:
        out += ["", "### Notes", ""]
        out += [f"- {_md(n)}" for n in d.notes]
    return "\n".join(out) + "\n"
