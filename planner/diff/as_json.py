"""The diff as JSON: every row, sorted keys, rounded floats."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from typing import Any

from planner.diff.records import JSON_DIGITS, CentreChange, LevelChange, PlanDiff, Tolerance


def _plain(value: Any) -> Any:
    """JSON-safe copy: dates as ISO text, non-finite floats as text, tuples as lists."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits) + 0.0  # +0.0 turns -0.0 into 0.0
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    return value


def _level_json(r: LevelChange, tolerance: Tolerance) -> dict[str, Any]:
    return {
        "stage": r.stage,
        "level": r.level,
        "changed": r.differs(tolerance),
        "area_a": r.area_a,
        "area_b": r.area_b,
        "area_delta": r.area_delta,
        "share_a": r.share_a,
        "share_b": r.share_b,
        "share_delta": r.share_delta,
        "windows_a": r.windows_a,
        "windows_b": r.windows_b,
        "windows_delta": r.windows_delta,
    }


def _centre_json(c: CentreChange) -> dict[str, Any]:
    return {
        "centre_id": c.centre_id,
        "name": c.name,
        "stage": c.stage,
        "level": c.level,
        "changed": list(c.changed),
        "area_a": c.area_a,
        "area_b": c.area_b,
        "area_delta": c.area_delta,
        "windows_a": c.windows_a,
        "windows_b": c.windows_b,
        "windows_delta": c.windows_delta,
        "desks_a": c.desks_a,
        "desks_b": c.desks_b,
        "mode_a": c.mode_a,
        "mode_b": c.mode_b,
        "action_a": c.action_a,
        "action_b": c.action_b,
    }


def _townships_json(d: PlanDiff) -> dict[str, Any]:
    return {
        "service": [
            {
                "township_id": s.township_id,
                "township_name": s.township_name,
                "stage": s.stage,
                "county_code": s.county_code,
                "county_name": s.county_name,
                "direction": s.direction,
                "demand_a": s.demand_a,
                "demand_b": s.demand_b,
                "unserved_a": s.unserved_a,
                "unserved_b": s.unserved_b,
            }
            for s in d.service
        ],
        "phase": [
            {
                "township_id": p.township_id,
                "township_name": p.township_name,
                "stage": p.stage,
                "county_code": p.county_code,
                "county_name": p.county_name,
                "phase_a": p.phase_a,
                "phase_b": p.phase_b,
            }
            for p in d.phases
        ],
        "only_in_a": d.townships_only_a,
        "only_in_b": d.townships_only_b,
    }


def to_dict(d: PlanDiff) -> dict[str, Any]:
    """The diff as plain JSON-ready data (every row, no caps).

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.

    Returns
    -------
    dict
        With the keys in :data:`JSON_KEYS`.
    """
    return {
        "identical": d.identical,
        "run_a": d.run_a,
        "run_b": d.run_b,
        "dataset": {"a": d.dataset_a, "b": d.dataset_b},
        "tolerance": {
            "area_m2": d.tolerance.area_m2,
            "unserved_share": d.tolerance.unserved_share,
        },
        "files": [{"file": f.file, "status": f.status} for f in d.files],
        "config": [
            {"key": c.key, "a": _plain(c.a), "b": _plain(c.b), "in_a": c.in_a, "in_b": c.in_b}
            for c in d.config
        ],
        "stages": {
            "a": d.stages_a,
            "b": d.stages_b,
            "years_a": {str(k): v for k, v in sorted(d.years_a.items())},
            "years_b": {str(k): v for k, v in sorted(d.years_b.items())},
        },
        "status": {"a": d.status_a, "b": d.status_b},
        "levels": [_level_json(r, d.tolerance) for r in d.levels],
        "centres": {
            "changed": [_centre_json(c) for c in d.centres],
            "only_in_a": d.centres_only_a,
            "only_in_b": d.centres_only_b,
        },
        "townships": _townships_json(d),
        "metrics": [
            {"name": m.name, "a": m.a, "b": m.b, "delta": m.delta, "changed": m.changed}
            for m in d.metrics
        ],
        "warnings": {"removed": d.warnings_removed, "added": d.warnings_added},
        "notes": d.notes,
        "rule_costs": [
            {"rule": c.rule, "stage": c.stage, "level": c.level, "unit": c.unit, "a": c.a, "b": c.b}
            for c in d.rule_costs
        ],
    }


def to_json(d: PlanDiff, digits: int = JSON_DIGITS) -> str:
    """Stable JSON of the whole diff: sorted keys, floats rounded, trailing newline.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.
    digits
        Decimals floats are rounded to.

    Returns
    -------
    str
        A JSON object with the keys in :data:`JSON_KEYS`.
    """
    payload = _rounded(to_dict(d), digits)
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
