"""The comparison of a sweep: dominance, ``comparison.csv`` and ``sweep.json``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from planner.config import LEVELS
from planner.io.plan_files import format_table
from planner.sweep.records import Dominance, ScenarioRecord, SweepResult
from planner.sweep.spec import Sweep, format_value

CRITERIA = ("total cost", "unserved demand in the last stage", "top-heavy share in the last stage")


def criteria(record: ScenarioRecord) -> tuple[float, float, float] | None:
    """Total cost, last-stage unserved and last-stage top-heavy share, rounded as in the CSV.

    ``None`` for a scenario without a plan. Rounding to the CSV's decimals (0.1 kCNY,
    0.1 transaction, 0.0001 share) keeps solver noise from deciding dominance and lets a
    reader check it in ``comparison.csv``.
    """
    if not record.ok or not record.stages or record.objective_kcny is None:
        return None
    last = record.stages[-1]
    return (
        round(record.objective_kcny, 1),
        round(last.metrics.unserved, 1),
        round(last.top_heavy_share, 4),
    )


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is no worse than ``b`` on every criterion and strictly better on one (lower wins)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True)
    )


def dominance(records: Sequence[ScenarioRecord]) -> list[Dominance]:
    """The dominated scenarios and, for each, the scenarios that dominate it (sweep order).

    Scenario A dominates B when A is no worse on total cost (the objective), unserved demand
    in the last stage and top-heavy share in the last stage, and strictly better on one.
    Failed scenarios take no part.
    """
    scored = [(r, c) for r in records if (c := criteria(r)) is not None]
    out = []
    for b, cb in scored:
        by = tuple(a.name for a, ca in scored if a is not b and dominates(ca, cb))
        if by:
            out.append(Dominance(b.name, by))
    return out


def comparison_columns(keys: Sequence[str]) -> dict[str, int | None]:
    """Columns of ``comparison.csv`` and their decimals (``None``: text)."""
    return {
        "n": 0,
        "scenario": None,
        **dict.fromkeys(keys),
        "status": None,
        "stage": 0,
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
            "status": r.status,
            "objective_kcny": r.objective_kcny,
            "error": r.error or "",
        }
        if not r.stages:
            rows.append({**head, "stage": None})
            continue
        for s in r.stages:
            rows.append(
                {
                    **head,
                    "stage": s.stage,
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
