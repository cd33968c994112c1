"""Government-netizen maturity (政务网民成熟度) and the phase of each county.

The source paper builds maturity from netizen scale, online ability and online habit. No
open source gives these per county, so the index is built from real 2020 census proxies,
each normalised to [0, 1] over a fixed, documented range (so an index means the same in
every province):

==================  ===========================================  ===========
indicator           from the census                              range
==================  ===========================================  ===========
edu_years_mean      mean years of schooling                      6 .. 13
urban_share         urban / total population                     0 .. 1
working_age_share   1 - share aged 0-14 - share aged 65+          0.55 .. 0.80
literacy            1 - illiterate share of people aged 15+      0.85 .. 1.0
car_share           households with a car (long form)            0 .. 0.7
==================  ===========================================  ===========

``m0(county)`` is the weighted mean; a township adds its kind's offset (streets are urban)
and is clipped to [0, 1]. Over time each region closes ``annual_catch_up`` of its own
remaining gap every year: ``m(s) = 1 - (1 - m0) * (1 - catch_up) ** (year_s - base_year)``,
so regions move at their own pace from their own start (不能一刀切).

A county's phase in a stage compares its population-weighted maturity with the two
thresholds: ``physical_primary`` (线下为主), ``balanced`` (线上线下并重) or
``online_primary`` (线上为主).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.config.phase import PHASE_NAMES
from planner.config.schema import MaturityConfig, StagesConfig

RANGES: dict[str, tuple[float, float]] = {
    "edu_years_mean": (6.0, 13.0),
    "urban_share": (0.0, 1.0),
    "working_age_share": (0.55, 0.80),
    "literacy": (0.85, 1.0),
    "car_share": (0.0, 0.7),
}


def county_indicators(counties: pd.DataFrame) -> pd.DataFrame:
    """The five raw indicators per county (index = county code)."""
    pop = counties["pop_total"].where(counties["pop_total"] > 0, np.nan)
    return pd.DataFrame(
        {
            "edu_years_mean": counties["edu_years_mean"],
            "urban_share": (counties["pop_urban"] / pop).fillna(0.0),
            "working_age_share": 1.0
            - (counties["share_0_14_pct"] + counties["share_65plus_pct"]) / 100.0,
            "literacy": 1.0 - counties["illiterate_15plus_pct"] / 100.0,
            "car_share": counties["car_share"],
        },
        index=counties.index,
    )


def county_base_maturity(counties: pd.DataFrame, cfg: MaturityConfig) -> pd.Series:
    """Today's maturity index per county, in [0, 1]."""
    raw = county_indicators(counties)
    total = sum(cfg.weights.values())
    index = pd.Series(0.0, index=counties.index)
    for name, weight in cfg.weights.items():
        lo, hi = RANGES[name]
        index += weight / total * ((raw[name] - lo) / (hi - lo)).clip(0.0, 1.0)
    return index.rename("maturity")


def township_maturity(
    townships: pd.DataFrame,
    counties: pd.DataFrame,
    cfg: MaturityConfig,
    stages: StagesConfig,
) -> pd.DataFrame:
    """Maturity per township and stage: columns ``stage``-indexed (0 = today)."""
    base = county_base_maturity(counties, cfg)
    offset = townships["kind"].map(cfg.kind_offsets).fillna(0.0)
    m0 = (townships["county_code"].map(base) + offset).clip(0.0, 1.0)
    out = {0: m0}
    for s, year in enumerate(stages.years, start=1):
        gap = (1.0 - cfg.annual_catch_up) ** (year - stages.base_year)
        out[s] = 1.0 - (1.0 - m0) * gap
    return pd.DataFrame(out, index=townships.index)


def online_potential_share(items: pd.DataFrame) -> float:
    """The share of a resident's transactions that may go online at maturity 1 (demand is
    per resident, the same in every township, so a county's online cap share in a stage is
    this times its population-weighted maturity)."""
    rate = items["annual_per_1000"].astype(float)
    total = float(rate.sum())
    return float((rate * items["online_potential"].astype(float)).sum() / total) if total else 0.0


def phase_config(cfg: MaturityConfig, items: pd.DataFrame) -> MaturityConfig:
    """``cfg`` with ``phase_thresholds`` on maturity that match its phase measure: with
    'online_share' the bands divided by :func:`online_potential_share` (online share = that
    share x maturity; a band beyond it is never reached)."""
    if cfg.phase_measure != "online_share":
        return cfg
    share = online_potential_share(items)
    lo, hi = cfg.online_share_bands
    big = float("inf")
    bands = (lo / share, hi / share) if share > 0 else (big, big)
    return cfg.model_copy(update={"phase_thresholds": bands})


def phase_of(maturity: float | np.ndarray, cfg: MaturityConfig) -> np.ndarray:
    """Phase names for maturity values (``cfg`` as :func:`phase_config` returns it)."""
    lo, hi = cfg.phase_thresholds
    values = np.asarray(maturity, dtype=float)
    first, middle, last = PHASE_NAMES
    return np.where(values < lo, first, np.where(values < hi, middle, last))


def _county_means(townships: pd.DataFrame, maturity: pd.DataFrame) -> pd.DataFrame:
    """Population-weighted mean maturity per county (rows) for each column of ``maturity``
    (a county without residents takes its townships' plain mean)."""
    pop = townships["population"]
    county = townships["county_code"]
    total = pop.groupby(county).sum()
    weighted = maturity.mul(pop, axis=0).groupby(county).sum()
    plain = maturity.groupby(county).mean()
    mean = weighted.div(total.where(total > 0, np.nan), axis=0)
    return mean.fillna(plain)


def county_phases(
    townships: pd.DataFrame, items: pd.DataFrame, maturity: pd.DataFrame, cfg: MaturityConfig
) -> pd.DataFrame:
    """Population-weighted county maturity and phase per stage (long form: ``county_code``,
    ``stage``, ``maturity``, ``phase``): the one place a county's phase is computed (the
    model's rules by phase and the plan's tables read it). ``items`` give the thresholds
    when the phase is read from the online share (:func:`phase_config`)."""
    cfg = phase_config(cfg, items)
    means = _county_means(townships, maturity)
    rows = []
    for s in maturity.columns:
        mean = means[s]
        rows.append(
            pd.DataFrame(
                {
                    "county_code": mean.index,
                    "stage": int(s),
                    "maturity": mean.to_numpy(),
                    "phase": phase_of(mean.to_numpy(), cfg),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


ENTRY_HORIZON_YEARS = 50
"""How far past ``stages.base_year`` :func:`phase_entry_years` looks; a county that reaches
a phase only later (or never: ``annual_catch_up = 0``) has an empty entry year."""
ENTRY_COLUMNS: dict[str, str] = {
    "balanced": "balanced_from",
    "online_primary": "online_primary_from",
}
"""Phase -> the column holding the year a county enters it."""
ALREADY = "already"


def phase_entry_years(
    townships: pd.DataFrame,
    items: pd.DataFrame,
    maturity: pd.DataFrame,
    cfg: MaturityConfig,
    stages: StagesConfig,
) -> pd.DataFrame:
    """The year each county enters each phase after the first, on the same trajectory the
    model uses: every year from ``base_year`` the townships close ``annual_catch_up`` of their
    gap (:func:`township_maturity`), the county's maturity is their population-weighted mean,
    and it enters a phase in the first year at or above the phase's threshold. ``'already'``
    when it is there in the base year, ``''`` when it gets there only after
    :data:`ENTRY_HORIZON_YEARS` years. ``maturity`` is :func:`township_maturity`'s frame
    (its column 0, today, is the start). Index: county code; text columns
    :data:`ENTRY_COLUMNS`."""
    cfg = phase_config(cfg, items)
    m0 = maturity[0]
    gap = 1.0 - cfg.annual_catch_up
    years = range(ENTRY_HORIZON_YEARS + 1)
    yearly = pd.DataFrame({n: 1.0 - (1.0 - m0) * gap**n for n in years}, index=maturity.index)
    means = _county_means(townships, yearly)
    out = pd.DataFrame(index=means.index)
    for phase, threshold in zip(PHASE_NAMES[1:], cfg.phase_thresholds, strict=True):
        reached = means.to_numpy() >= threshold
        first = np.where(reached.any(axis=1), reached.argmax(axis=1), -1)
        out[ENTRY_COLUMNS[phase]] = [
            "" if n < 0 else ALREADY if n == 0 else str(stages.base_year + int(n)) for n in first
        ]
    return out
