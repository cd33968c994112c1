"""The comparison of a sweep: dominance, ``comparison.csv`` and ``sweep.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from planner.config.schema import LEVELS
from planner.io.plan_files import format_table
from planner.sweep.records import Dominance, ScenarioRecord, SweepResult
from planner.sweep.spec import Sweep, format_value

STAGE_CRITERIA: tuple[tuple[str, str, int], ...] = (
    ("unserved", "unserved demand", 1),
    ("townships_unserved", "townships with unserved demand", 0),
    ("townships_without_service", "townships without service", 0),
    ("top_heavy_share", "top-heavy (province+city) share", 4),
)
"""Per-stage criteria of dominance (lower is better): column of ``comparison.csv``, words,
decimals of the CSV."""
CRITERIA = ("total cost", *(f"{words} in every stage" for _, words, _ in STAGE_CRITERIA))
"""Every criterion of dominance in words (lower is better on each)."""


def criteria(record: ScenarioRecord) -> dict[str, float] | None:
    """The total cost and, in every planning stage, every per-stage criterion.

    Keys are ``objective_kcny`` and ``<column>@<stage>`` (the columns of
    :data:`STAGE_CRITERIA`); values are rounded to the decimals of ``comparison.csv``
    (0.1 kCNY, 0.1 transaction, 0.0001 share), so solver noise decides nothing and a reader
    can check dominance in the CSV. ``None`` for a scenario without a plan.
    """
    if not record.ok or not record.stages or record.objective_kcny is None:
        return None
    out = {"objective_kcny": round(record.objective_kcny, 1)}
    for s in record.stages:
        values = {
            "unserved": s.metrics.unserved,
            "townships_unserved": float(s.metrics.townships_with_unserved),
            "townships_without_service": float(s.metrics.townships_below_min_station),
            "top_heavy_share": s.top_heavy_share,
        }
        for column, _, decimals in STAGE_CRITERIA:
            out[f"{column}@{s.stage}"] = round(values[column], decimals)
    return out


def dominates(a: Mapping[str, float], b: Mapping[str, float]) -> bool:
    """``a`` is no worse than ``b`` on every criterion and strictly better on one (lower wins).

    Scenarios with different criteria (different stages) are not comparable: neither
    dominates.
    """
    if a.keys() != b.keys():
        return False
    return all(a[k] <= b[k] for k in a) and any(a[k] < b[k] for k in a)


def dominance(records: Sequence[ScenarioRecord]) -> list[Dominance]:
    """The dominated scenarios and, for each, the scenarios that dominate it (sweep order).

    Scenario A dominates B when A is no worse on the total cost (the objective) and on every
    per-stage criterion of :data:`STAGE_CRITERIA` in every planning stage, and strictly
    better on one. Failed scenarios take no part.
    """
    scored = [(r, c) for r in records if (c := criteria(r)) is not None]
    out = []
    for b, cb in scored:
        by = tuple(a.name for a, ca in scored if a is not b and dominates(ca, cb))
        if by:
            out.append(Dominance(b.name, by))
    return out


def plan_status(record: ScenarioRecord) -> str:
    """What the comparison shows as a scenario's status: its plan's solver status
    (``optimal``, ``time_limit``) or ``failed``; whether it was solved now or reused is run
    provenance, kept in ``sweep.json`` only, so the same plans give the same bytes."""
    if not record.ok:
        return "failed"
    return str(record.solver_status) if record.solver_status is not None else "unknown"


def comparison_columns(keys: Sequence[str]) -> dict[str, int | None]:
    """Columns of ``comparison.csv`` and their decimals (``None``: text)."""
    return {
        "n": 0,
        "scenario": None,
        **dict.fromkeys(keys),
        "status": None,
        "stage": 0,
        "year": 0,
        **{f"area_{level}_m2": 1 for level in LEVELS},
        "top_heavy_share": 4,
        "online_share": 4,
        "unserved": 1,
        "townships_unserved": 0,
        "townships_without_service": 0,
        "objective_kcny": 1,
        "error": None,
    }


def comparison_frame(sweep: Sweep, records: Sequence[ScenarioRecord]) -> pd.DataFrame:
    """One row per scenario and planning stage (one row, without a stage, for a failure)."""
    rows: list[dict[str, Any]] = []
    for r in records:
        head: dict[str, Any] = {
            "n": r.index,
            "scenario": r.name,
            **{k: format_value(r.values.get(k)) for k in sweep.keys},
            "status": plan_status(r),
            "objective_kcny": r.objective_kcny,
            "error": r.error or "",
        }
        if not r.stages:
            rows.append({**head, "stage": None, "year": None})
            continue
        for s in r.stages:
            rows.append(
                {
                    **head,
                    "stage": s.stage,
                    "year": s.year,
                    **{f"area_{lvl}_m2": s.area_m2.get(lvl, 0.0) for lvl in LEVELS},
                    "top_heavy_share": s.top_heavy_share,
                    "online_share": s.metrics.online_share,
                    "unserved": s.metrics.unserved,
                    "townships_unserved": s.metrics.townships_with_unserved,
                    "townships_without_service": s.metrics.townships_below_min_station,
                }
            )
    columns = comparison_columns(sweep.keys)
    frame = pd.DataFrame(rows, columns=list(columns))
    for col, decimals in columns.items():
        if decimals is not None:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        else:
            frame[col] = frame[col].fillna("")
    return frame


def comparison_csv(sweep: Sweep, records: Sequence[ScenarioRecord]) -> str:
    """``comparison.csv``: fixed columns and decimals, rows in sweep then stage order."""
    frame = comparison_frame(sweep, records)
    return format_table(frame, comparison_columns(sweep.keys), ["n", "stage"])


def sweep_json(result: SweepResult) -> dict[str, Any]:
    """The content of ``sweep.json``: the sweep, every record, dominance and counts."""
    sweep = result.sweep
    return {
        "sweep": {
            "name": sweep.name,
            "file": str(sweep.path),
            "base": str(sweep.base),
            "mode": sweep.mode,
            "vary": sweep.values,
            "dir": str(sweep.sweep_dir),
        },
        "counts": {s: result.count(s) for s in ("solved", "reused", "failed")},
        "seconds": result.seconds,
        "scenarios": [r.to_json() for r in result.records],
        "dominance": [
            {"scenario": d.scenario, "dominated_by": list(d.dominated_by)} for d in result.dominance
        ],
        "non_dominated": non_dominated(result),
        "removed": result.removed,
    }


def non_dominated(result: SweepResult) -> list[str]:
    dominated = {d.scenario for d in result.dominance}
    return [r.name for r in result.records if r.ok and r.name not in dominated]
