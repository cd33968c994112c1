"""Cell formats and the headline shared by the text and markdown renderings."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from planner.diff.records import (
    CentreChange,
    Metric,
    PlanDiff,
    ServiceChange,
)


def config_value(value: Any, present: bool) -> str:
    if not present:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(config_value(v, True) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {config_value(v, True)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return repr(value)


def metric_kind(name: str) -> str:
    leaf = name.rsplit(".", 1)[-1]
    if "share" in name:
        return "share"
    if leaf.startswith("townships_"):
        return "count"
    return "amount"


def fmt_metric(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    kind = metric_kind(name)
    if kind == "share":
        return f"{value:.2%}"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def fmt_metric_delta(m: Metric) -> str:
    delta = m.delta
    if delta is None:
        return "n/a"
    kind = metric_kind(m.name)
    if kind == "share":
        return f"{delta * 100:+.2f} pp"
    if kind == "count":
        return f"{delta:+,.0f}"
    text = f"{delta:+,.2f}"
    if m.a:
        text += f" ({delta / abs(m.a):+.1%})"
    return text


def fmt_area(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def fmt_area_delta(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+,.1f}"


def fmt_share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def fmt_count(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def fmt_count_delta(value: int | None) -> str:
    return "n/a" if value is None else f"{value:+,}"


def fmt_change(a: str, b: str) -> str:
    return a if a == b else f"{a} → {b}"


def ranked_centres(d: PlanDiff) -> list[CentreChange]:
    """Centres, largest area change first (then id, stage)."""
    return sorted(d.centres, key=lambda c: (-abs(c.area_delta), c.centre_id, c.stage))


def ranked_service(d: PlanDiff) -> list[ServiceChange]:
    """Service changes, largest change of unserved demand first (then id, stage)."""
    return sorted(
        d.service,
        key=lambda s: (-abs(s.unserved_b - s.unserved_a), s.township_id, s.stage),
    )


def per_stage(stages: list[int]) -> str:
    counts: dict[int, int] = {}
    for s in stages:
        counts[s] = counts.get(s, 0) + 1
    return ", ".join(f"stage {s}: {n:,}" for s, n in sorted(counts.items()))


def headline(d: PlanDiff) -> str:
    """One line: identical or different, and what differs.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.

    Returns
    -------
    str
        For example ``"different: 3 of 7 plan files differ (...); 1 config key differs"``.
    """
    n_config = len(d.config)
    config = (
        "no config differences"
        if n_config == 0
        else "1 config key differs"
        if n_config == 1
        else f"{n_config} config keys differ"
    )
    if d.identical:
        return f"identical: all {len(d.files)} plan files are byte-identical; {config}"
    differing = d.differing_files
    names = ", ".join(f.file for f in differing)
    return (
        f"different: {len(differing)} of {len(d.files)} plan files differ ({names}); "
        f"{config}; {len(d.centres):,} centre change(s); "
        f"{len(d.service):,} township service change(s)"
    )


def level_rows(d: PlanDiff, stages: list[int]) -> list[list[str]]:
    """Level totals of the stages that differ, as table cells (text and markdown)."""
    return [
        [
            d.stage_label(r.stage),
            r.level,
            fmt_area(r.area_a),
            fmt_area(r.area_b),
            fmt_area_delta(r.area_delta),
            fmt_share(r.share_a),
            fmt_share(r.share_b),
            fmt_count(r.windows_a),
            fmt_count(r.windows_b),
            fmt_count_delta(r.windows_delta),
        ]
        for r in d.levels
        if r.stage in stages
    ]
