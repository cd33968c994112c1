"""Changes in what each rule costs between two runs (``plan/rule_costs.csv``, issue 15)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.io.run_folder import RULE_COSTS_FILE

KEY = ["rule", "stage", "level"]
VALUE = "marginal_max_cny_per_unit_year"
SAME_CNY = 0.5
"""Marginal costs closer than this (CNY per unit-year) count as unchanged."""


@dataclass(frozen=True)
class RuleCostChange:
    """A rule whose largest marginal cost differs (None: the row is in one run only)."""

    rule: str
    stage: int
    level: str
    unit: str
    a: float | None
    b: float | None


def _read(plan_dir: Path) -> pd.DataFrame | None:
    path = plan_dir / RULE_COSTS_FILE
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype={"rule": str, "level": str, "unit": str})


def rule_cost_changes(plan_a: Path, plan_b: Path) -> list[RuleCostChange]:
    """The rule-cost rows that differ between two ``plan/`` folders (empty when either run
    has no rule_costs.csv)."""
    a, b = _read(plan_a), _read(plan_b)
    if a is None or b is None:
        return []
    both = a.merge(b, on=KEY, how="outer", suffixes=("_a", "_b"))
    out = []
    for row in both.sort_values(KEY).to_dict("records"):
        va, vb = row[f"{VALUE}_a"], row[f"{VALUE}_b"]
        va = None if pd.isna(va) else float(va)
        vb = None if pd.isna(vb) else float(vb)
        if va is not None and vb is not None and abs(va - vb) < SAME_CNY:
            continue
        unit = row["unit_b"] if isinstance(row["unit_b"], str) else row["unit_a"]
        out.append(RuleCostChange(row["rule"], int(row["stage"]), row["level"], unit, va, vb))
    return out


def rule_cost_lines(changes: list[RuleCostChange]) -> list[str]:
    """The changes as text lines for ``planner diff``."""
    if not changes:
        return []

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:,.0f}"

    out = ["", "Rule costs (largest marginal, CNY per unit-year):"]
    for c in changes:
        out.append(f"  {c.rule} s{c.stage} {c.level}: {fmt(c.a)} -> {fmt(c.b)} per {c.unit}-year")
    return out
