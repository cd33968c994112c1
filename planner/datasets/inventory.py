"""The rule that generates today's (top-heavy) centre inventory from today's demand.

No open source gives the floor area or window count of real service centres, so today's
inventory is generated. The rule keeps it consistent with the item catalogue (today's
network serves today's demand) and makes it top-heavy the way the source paper describes
(市级中心包罗万象、贪大求全; 县、乡镇中心建设力度不够):

1. **Today's demand** per 1,000 residents: every item's ``annual_per_1000``; today's online
   share is ``TODAY_ONLINE_UPTAKE x online_potential``.
2. **Today's split over levels**: an item's physical demand is split over its stage-1
   levels in proportion to ``TODAY_LEVEL_WEIGHT`` (city halls take the largest part of
   every item they may handle).
3. **Front windows** a level needs per 1,000 residents: its minutes over a window's usable
   minutes (service minutes x days x the level's utilisation, the config defaults), times
   the level's ``OVERSIZE`` (halls built bigger than their load).
4. **Back office**: pending items' back-office minutes (physical and online) are decided at
   the serving level for city and province, at the county for county and township, on desks
   of the default size and utilisation.
5. **Area**: windows x the level's default area per window x ``PRESTIGE`` (atriums and
   representative buildings), plus desks x desk area.

The result is an area (and windows) per 1,000 residents served for each level; each centre
scales it by the residents it serves (province: all; city: its city; county: its county;
township: its township) with seeded lognormal noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.config import LEVELS, PolicyConfig, WindowsConfig

TODAY_ONLINE_UPTAKE: float = 0.5
"""Today's online share of an item = this x its online potential."""

TODAY_LEVEL_WEIGHT: dict[str, float] = {
    "province": 0.5,
    "city": 2.0,
    "county": 1.5,
    "township": 1.0,
}
"""Relative pull of each level on today's physical demand (city halls pull hardest)."""

OVERSIZE: dict[str, float] = {"province": 2.5, "city": 1.8, "county": 1.2, "township": 1.0}
"""Windows built per window needed today."""

PRESTIGE: dict[str, float] = {"province": 1.6, "city": 1.4, "county": 1.0, "township": 1.0}
"""Floor area per window relative to the planning norm (big representative halls)."""

MIN_AREA_M2: dict[str, float] = {
    "province": 20_000.0,
    "city": 0.0,
    "county": 0.0,
    "township": 60.0,
}
"""Smallest centre of each level. A provincial hall exists whatever its load (the paper:
已建成的省级中心应尽量压缩规模), so the province gets a representative 20,000 m2."""


@dataclass(frozen=True)
class LevelRule:
    """Today's floor area and windows of one level, per 1,000 residents served."""

    m2_per_1000: float
    windows_per_1000: float
    min_area_m2: float

    @property
    def m2_per_window(self) -> float:
        return self.m2_per_1000 / self.windows_per_1000 if self.windows_per_1000 else 0.0


def _levels(text: str) -> list[str]:
    return [p for p in str(text).split("|") if p in LEVELS]


def inventory_rules(items_path: Path) -> dict[str, LevelRule]:
    """Derive each level's area and windows per 1,000 residents from the item catalogue."""
    items = pd.read_csv(items_path, dtype={"item_id": str})
    policy = PolicyConfig()
    win = WindowsConfig()
    minutes = {lv: 0.0 for lv in LEVELS}
    backoffice = {lv: 0.0 for lv in LEVELS}
    for _, item in items.iterrows():
        levels = _levels(item["levels_s1"])
        weight = sum(TODAY_LEVEL_WEIGHT[lv] for lv in levels)
        online = TODAY_ONLINE_UPTAKE * float(item["online_potential"])
        demand = float(item["annual_per_1000"])
        bo = float(item["pending_share"]) * float(item["backoffice_minutes"])
        approving = [lv for lv in levels if lv != "township"] or ["county"]
        approving_weight = sum(TODAY_LEVEL_WEIGHT[lv] for lv in approving)
        for lv in levels:
            share = TODAY_LEVEL_WEIGHT[lv] / weight
            physical = demand * (1.0 - online) * share
            minutes[lv] += physical * float(item["counter_minutes"])
            decided_at = "county" if lv == "township" else lv
            backoffice[decided_at] += physical * bo
        for lv in approving:
            backoffice[lv] += demand * online * TODAY_LEVEL_WEIGHT[lv] / approving_weight * bo
    rules = {}
    for lv in LEVELS:
        rule = policy.levels[lv]
        window_minutes = win.service_minutes_per_day * win.working_days_per_year
        windows = minutes[lv] / (window_minutes * rule.window_utilisation) * OVERSIZE[lv]
        desks = backoffice[lv] / (window_minutes * win.backoffice_utilisation) * OVERSIZE[lv]
        area = windows * rule.area_per_window_m2 * PRESTIGE[lv] + desks * win.backoffice_m2_per_desk
        rules[lv] = LevelRule(
            m2_per_1000=area, windows_per_1000=windows, min_area_m2=MIN_AREA_M2[lv]
        )
    return rules
