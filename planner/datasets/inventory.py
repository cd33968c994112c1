"""The rule that generates today's (top-heavy) centre inventory from today's demand.

No open source gives the floor area or window count of real service centres, so today's
inventory is generated. The rule keeps it consistent with the item catalogue (today's
network serves today's demand) and makes it top-heavy the way the source paper describes
(市级中心包罗万象、贪大求全; 县、乡镇中心建设力度不够):

1. **Today's demand** per 1,000 residents: every item's ``annual_per_1000``; today's online
   share is ``m0 x online_potential``, with ``m0`` the base-year maturity of the residents
   the centre serves, from the **same** maturity function the model uses
   (:func:`planner.inputs.maturity.township_maturity`, default ``[maturity]`` config, its column 0:
   the model's online cap at the base year). A centre's ``m0`` is the population-weighted
   mean over the townships it serves (province: all; city: its city; county: its county;
   township: itself), so halls in mature regions are generated smaller (flagged generated).
2. **Today's split over levels**: an item's physical demand is split over its stage-1
   levels in proportion to ``TODAY_LEVEL_WEIGHT`` (county halls and township stations
   take most of every item they may handle; city halls little).
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

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.config.schema import LEVELS, PolicyConfig, StagesConfig, WindowsConfig
from planner.config.sections import MaturityConfig
from planner.inputs.dataset_csv import round_half_up
from planner.inputs.maturity import township_maturity

TODAY_ONLINE_UPTAKE: float = 0.68
"""Today's online share of an item = this x its online potential. 0.68 is the population-
weighted base-year (2025) maturity of the Jiangsu default (:mod:`planner.inputs.maturity`, default
config), so today's inventory and the model's 2025 online cap agree (52% of transactions)."""

TODAY_LEVEL_WEIGHT: dict[str, float] = {
    "province": 0.02,
    "city": 0.08,
    "county": 0.6,
    "township": 1.5,
}
"""Relative pull of each level on today's physical demand of an item it may handle (the
city's is :data:`CITY_PULL` by the item's kind). Calibrated (November 2026) to public hall
figures: Nanjing's city centre has about 155 windows for 9.3 M residents, Gusu's district
hall 118 windows and about 600,000 transactions a year for 0.92 M residents, so county halls
and township stations handle most transactions."""

CITY_PULL: dict[str, float] = {
    "major_approval": 1.2,
    "city_wide": 0.2,
    "business": 0.2,
    "convenience": 0.08,
}
"""The city level's pull (as :data:`TODAY_LEVEL_WEIGHT`) on an item by its kind: city halls
carry a real share of today's major approvals (``item_class = major_approval``: they lead
on them), of business items and of the city-wide services (a convenience item whose
stage-1 levels name the city but no township: driving licences, exit-entry documents, the
housing fund, real estate registration, notary), and little of the everyday items that
township stations also handle (the paper: 市级中心包罗万象 ... 与县或市区中心功能交叉重疊).
Calibrated (December 2026, issue 23) so that Nanjing's centre stays within the public
band of its windows and the city halls' share of today's physical work within the band of
``data/README.md``."""

OVERSIZE: dict[str, float] = {"province": 2.5, "city": 1.2, "county": 0.85, "township": 1.0}
"""Windows and desks built per window (desk) needed today: upper halls built bigger than
their load, county halls smaller (the paper: 县或市区中心、乡镇街道中心建设力度不够; they grow
to their load when the plan starts)."""

PRESTIGE: dict[str, float] = {"province": 5.0, "city": 2.5, "county": 1.0, "township": 1.0}
"""Floor area per window relative to the planning norm: city and province halls are large
representative buildings (Nanjing about 180 m² per window, Changzhou's combined centre
111,858 m²); county halls are near the norm (Gusu about 51 m² per window)."""

MIN_AREA_M2: dict[str, float] = {
    "province": 20_000.0,
    "city": 0.0,
    "county": 0.0,
    "township": 60.0,
}
"""Smallest centre of each level. A provincial hall exists whatever its load (the paper:
已建成的省级中心应尽量压缩规模), so the province gets a representative 20,000 m2."""

ITEM_VOLUME_SCALE: float = 2.0
"""The factor by which ``data/items.csv`` volumes were multiplied in the November 2026
calibration (documentation only: the catalogue holds the scaled values)."""


HALL_MODES: dict[str, tuple[tuple[str, float], ...]] = {
    "province": (("traditional", 0.6), ("small_general", 1.0)),
    "city": (("traditional", 0.6), ("small_general", 1.0)),
    "county": (("traditional", 0.6), ("small_general", 1.0)),
}
"""Today's window mode of a hall: the first mode whose cumulative share is above the hall's
seeded uniform draw (:func:`hall_mode`). The paper: the traditional window (一人一事一窗)
still dominates (依然占主导地位) and many halls are in substance small general (许多政务服务中心
的窗口设置模式实质上是"小全科"); big general (大全科) suits township stations and other small
centres, so no hall is generated big general. Township stations get no mode (blank: the
planner infers it from today's windows and demand)."""

MODE_STREAM_TAG: int = 3
"""Trailing seed of the mode draw (``default_rng([seed, int(admin_code), 3])``), apart from
the point (none), weight (none) and area (2) streams seeded with the same codes."""


def hall_mode(level: str, rng_seed: list[int]) -> str:
    """Today's window mode of a centre of ``level`` (:data:`HALL_MODES`; ``""`` for a
    township station), drawn from ``default_rng(rng_seed)``."""
    if level not in HALL_MODES:
        return ""
    u = float(np.random.default_rng(rng_seed).uniform())
    return next(mode for mode, upto in HALL_MODES[level] if u < upto)


@dataclass(frozen=True)
class LevelRule:
    """Today's floor area, windows and back-office desks of one level, per 1,000 residents
    served."""

    m2_per_1000: float
    windows_per_1000: float
    min_area_m2: float
    desks_per_1000: float = 0.0
    window_m2: float = 0.0
    """Floor area per window (the level's norm x :data:`PRESTIGE`)."""
    desk_m2: float = 0.0
    """Floor area per back-office desk."""

    @property
    def m2_per_window(self) -> float:
        return self.m2_per_1000 / self.windows_per_1000 if self.windows_per_1000 else 0.0


def _levels(text: str) -> list[str]:
    return [p for p in str(text).split("|") if p in LEVELS]


def item_kind(item_class: str, levels: list[str]) -> str:
    """An item's kind for :data:`CITY_PULL`: its class, ``city_wide`` for a convenience
    item whose stage-1 levels name the city but no township."""
    if item_class == "convenience" and "city" in levels and "township" not in levels:
        return "city_wide"
    return item_class if item_class in CITY_PULL else "convenience"


def level_weights(
    item_class: str, levels: list[str], listed: str | None = None
) -> dict[str, float]:
    """Today's pull of each of an item's stage-1 levels on its physical demand
    (:data:`TODAY_LEVEL_WEIGHT`, the city's by :func:`item_kind` of the catalogue's
    ``levels_s1``, ``listed``; default ``levels``)."""
    kind = item_kind(item_class, levels if listed is None else _levels(listed))
    return {lv: CITY_PULL[kind] if lv == "city" else TODAY_LEVEL_WEIGHT[lv] for lv in levels}


@dataclass(frozen=True)
class LevelLoad:
    """Today's load of one level per 1,000 residents (by the rule's split)."""

    transactions: float
    """Physical transactions a year."""
    counter_minutes: float
    """Front-window minutes a year."""
    backoffice_minutes: float
    """Back-office minutes a year (pending items decided at this level)."""


def today_load(items: pd.DataFrame, uptake: float) -> dict[str, LevelLoad]:
    """Today's physical transactions and minutes per level and 1,000 residents whose
    base-year maturity is ``uptake`` (steps 1, 2 and the back-office split of step 4)."""
    transactions = {lv: 0.0 for lv in LEVELS}
    minutes = {lv: 0.0 for lv in LEVELS}
    backoffice = {lv: 0.0 for lv in LEVELS}
    for item in items.to_dict("records"):
        levels = _levels(item["levels_s1"])
        pull = level_weights(str(item.get("item_class", "convenience")), levels)
        weight = sum(pull.values())
        online = uptake * float(item["online_potential"])
        demand = float(item["annual_per_1000"])
        bo = float(item["pending_share"]) * float(item["backoffice_minutes"])
        approving = [lv for lv in levels if lv != "township"] or ["county"]
        approving_weight = sum(pull.get(lv, TODAY_LEVEL_WEIGHT[lv]) for lv in approving)
        for lv in levels:
            physical = demand * (1.0 - online) * pull[lv] / weight
            transactions[lv] += physical
            minutes[lv] += physical * float(item["counter_minutes"])
            backoffice["county" if lv == "township" else lv] += physical * bo
        for lv in approving:
            share = pull.get(lv, TODAY_LEVEL_WEIGHT[lv]) / approving_weight
            backoffice[lv] += demand * online * share * bo
    return {lv: LevelLoad(transactions[lv], minutes[lv], backoffice[lv]) for lv in LEVELS}


@dataclass(frozen=True)
class MaturityRule:
    """A level's inventory rule as a function of the served residents' base-year maturity
    (every quantity is affine in the online share, so two points give it exactly)."""

    offline: LevelRule
    """At maturity 0 (nothing online today)."""
    online: LevelRule
    """At maturity 1."""

    def at(self, maturity: float) -> LevelRule:
        """The rule for residents of base-year maturity ``maturity``."""
        m = min(max(float(maturity), 0.0), 1.0)
        return LevelRule(
            m2_per_1000=self.offline.m2_per_1000
            + m * (self.online.m2_per_1000 - self.offline.m2_per_1000),
            windows_per_1000=self.offline.windows_per_1000
            + m * (self.online.windows_per_1000 - self.offline.windows_per_1000),
            min_area_m2=self.offline.min_area_m2,
            desks_per_1000=self.offline.desks_per_1000
            + m * (self.online.desks_per_1000 - self.offline.desks_per_1000),
            window_m2=self.offline.window_m2,
            desk_m2=self.offline.desk_m2,
        )


def inventory_rules(items_path: Path) -> dict[str, MaturityRule]:
    """Each level's area and windows per 1,000 residents, by maturity, from the item
    catalogue."""
    items = pd.read_csv(items_path, dtype={"item_id": str})
    offline, online = rules_from_items(items, 0.0), rules_from_items(items, 1.0)
    return {lv: MaturityRule(offline[lv], online[lv]) for lv in LEVELS}


def base_maturity(townships: pd.DataFrame, counties: pd.DataFrame) -> pd.Series:
    """Each township's base-year maturity by the model's own function and default config
    (``townships``: kind, county_code, population; ``counties``: the census columns of
    ``counties.csv``, indexed by county code)."""
    cfg = MaturityConfig()
    return township_maturity(townships, counties, cfg, StagesConfig())[0]


def served_maturity(
    maturity: pd.Series, townships: pd.DataFrame, city_of: Mapping[str, str], province: str
) -> dict[str, float]:
    """Population-weighted base-year maturity of the residents a centre serves, by the
    centre's admin code: each township, county (``townships.county_code``), city
    (``city_of`` a county) and the province (all townships)."""
    t = townships.set_index("township_id")
    pop = t["population"].astype(float)
    m = maturity.reindex(t.index).astype(float)
    county = t["county_code"].astype(str)
    city = county.map(city_of).fillna("")

    def mean(mask: pd.Series) -> float:
        w = pop[mask]
        return float((m[mask] * w).sum() / w.sum()) if w.sum() > 0 else float(m[mask].mean())

    out = {str(tid): float(v) for tid, v in m.items()}
    for codes in (city, county):
        out |= {str(code): mean(codes == code) for code in sorted(set(codes)) if code}
    out[province] = mean(county == county)
    return out


def rules_from_items(items: pd.DataFrame, uptake: float) -> dict[str, LevelRule]:
    """Each level's area and windows per 1,000 residents of base-year maturity ``uptake``
    (steps 3 to 5)."""
    policy = PolicyConfig()
    win = WindowsConfig()
    load = today_load(items, uptake)
    rules = {}
    for lv in LEVELS:
        rule = policy.levels[lv]
        window_minutes = win.service_minutes_per_day * win.working_days_per_year
        windows = (
            load[lv].counter_minutes / (window_minutes * rule.window_utilisation) * OVERSIZE[lv]
        )
        desks = (
            load[lv].backoffice_minutes
            / (window_minutes * win.backoffice_utilisation)
            * OVERSIZE[lv]
        )
        window_m2 = rule.area_per_window_m2 * PRESTIGE[lv]
        area = windows * window_m2 + desks * win.backoffice_m2_per_desk
        rules[lv] = LevelRule(
            m2_per_1000=area,
            windows_per_1000=windows,
            min_area_m2=MIN_AREA_M2[lv],
            desks_per_1000=desks,
            window_m2=window_m2,
            desk_m2=win.backoffice_m2_per_desk,
        )
    return rules


def centre_inventory(rule: LevelRule, residents: float, noise: float) -> tuple[int, int, int]:
    """Today's floor area (m², multiple of 10), windows and back-office desks of one centre
    of ``residents`` by its level's rule and its noise factor: windows and desks scale with
    the residents (both at least their level minimum's share when the area would fall below
    it), the area is what they take (``windows x window_m2 + desks x desk_m2``, rounded up to
    10 m²), so today's area in use is measured as in every later stage."""
    scale = residents / 1000.0 * noise
    area = rule.m2_per_1000 * scale
    if 0.0 < area < rule.min_area_m2:
        scale *= rule.min_area_m2 / area
    windows = max(1, round_half_up(rule.windows_per_1000 * scale))
    desks = round_half_up(rule.desks_per_1000 * scale)
    need = windows * rule.window_m2 + desks * rule.desk_m2
    area_m2 = max(int(rule.min_area_m2), math.ceil(round(need / 10.0, 6)) * 10)
    return area_m2, windows, desks
