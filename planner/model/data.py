"""The numbers the LP is built from, prepared without PuLP.

Units inside the model are chosen so that coefficients stay within a few orders of
magnitude: transactions in **thousands per year**, window time in **thousand minutes per
year**, floor area in **m2**, money in **thousand CNY** (kCNY).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.config import LEVELS, UPPER_LEVELS, Config
from planner.io.inputs import Inputs


@dataclass(frozen=True)
class ModelData:
    """Everything :func:`planner.model.build.build_model` needs, as flat frames."""

    stages: list[int]
    """Stage numbers ``1..n``."""
    lengths: dict[int, float]
    """Years in each stage (weights of the annual cost terms)."""
    top_heavy_share: dict[int, float]
    """Province+city share of floor area above which the top-heavy penalty applies."""
    centres: pd.DataFrame
    """Per centre: level, region, area0, area_lb, growth_ub, shrink_ub, area_per_window,
    window_capacity (thousand minutes per window-year), area_cost (kCNY/m2/year)."""
    demand: pd.DataFrame
    """Per (stage, township_id, item_id): demand and online_cap (thousand tx/year)."""
    arcs: pd.DataFrame
    """Candidate physical assignments: stage, township_id, item_id, centre_id, minutes,
    travel_cost (kCNY per thousand transactions)."""
    item_minutes: pd.Series
    """Front-window minutes per transaction, by item."""
    stations: pd.Series
    """Township id -> its township station's centre id (townships that have one)."""
    min_station_m2: float
    window_cost: float
    """kCNY per window-year."""
    expansion_cost: float
    """kCNY per m2 added."""
    reduction_cost: float
    """kCNY per m2 given up."""
    online_cost: float
    """kCNY per thousand online transactions."""
    unserved_penalty: float
    """kCNY per thousand unserved transactions."""
    shortfall_penalty: float
    """kCNY per m2-year of township station shortfall."""
    top_heavy_penalty: float
    """kCNY per m2-year of top-heavy excess."""


def _centre_table(inputs: Inputs, cfg: Config) -> pd.DataFrame:
    c = inputs.centres
    pol = cfg.policy.levels
    win = cfg.windows
    level = c["level"]
    area0 = c["floor_area_m2"].astype(float)
    get = {name: level.map({lv: getattr(pol[lv], name) for lv in LEVELS}) for name in (
        "area_per_window_m2",
        "max_shrink_per_stage",
        "min_area_m2",
        "window_utilisation",
        "area_cost_per_m2_year",
    )}
    growth = level.map(
        {lv: (np.inf if pol[lv].max_growth_per_stage is None else pol[lv].max_growth_per_stage)
         for lv in LEVELS}
    ).astype(float)
    return pd.DataFrame(
        {
            "level": level,
            "region": c["admin_code"].str[:2],
            "area0": area0,
            "area_lb": np.minimum(get["min_area_m2"].astype(float), area0),
            "growth_ub": growth * area0,
            "shrink_ub": get["max_shrink_per_stage"].astype(float) * area0,
            "area_per_window": get["area_per_window_m2"].astype(float),
            "window_capacity": win.service_minutes_per_day
            * win.working_days_per_year
            * get["window_utilisation"].astype(float)
            / 1000.0,
            "area_cost": get["area_cost_per_m2_year"].astype(float) / 1000.0,
            "upper": level.isin(UPPER_LEVELS),
        },
        index=c.index,
    )


def _eligible_pairs(inputs: Inputs, travel: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """Township-centre pairs allowed by the cross-border rules."""
    c = inputs.centres
    t = inputs.townships
    pairs = travel.copy()
    pairs["level"] = pairs["centre_id"].map(c["level"])
    admin = pairs["centre_id"].map(c["admin_code"])
    host = pairs["centre_id"].map(c["township_id"])
    county = pairs["township_id"].map(t["county_code"])
    city = county.str[:4] + "00"
    lv = pairs["level"]
    own = (
        ((lv == "township") & (host == pairs["township_id"]))
        | ((lv == "county") & (admin == county))
        | ((lv == "city") & (admin == city))
    )
    same_region = admin.str[:2] == county.str[:2]
    allowed = own | (lv == "province") & same_region
    if cfg.policy.cross_border_counties:
        allowed |= lv.isin(["county", "city"]) & same_region
    if cfg.policy.cross_border_townships:
        allowed |= (lv == "township") & same_region
    return pairs.loc[allowed, ["township_id", "centre_id", "level", "minutes"]]


def prepare(inputs: Inputs, travel: pd.DataFrame, maturity: pd.DataFrame, cfg: Config) -> ModelData:
    """Turn inputs, travel times and maturity into the model's numbers.

    Parameters
    ----------
    inputs
        Validated inputs.
    travel
        Township-centre minutes (:func:`planner.travel.travel_table`).
    maturity
        Township maturity per stage (:func:`planner.maturity.township_maturity`).
    cfg
        The run configuration.
    """
    stages = list(range(1, len(cfg.stages.years) + 1))
    items = inputs.items
    rate = items["annual_per_1000"].astype(float)

    # demand per stage, township and item (thousand transactions a year)
    growth = {
        s: (1.0 + cfg.stages.demand_growth_per_year) ** (year - cfg.stages.base_year)
        for s, year in zip(stages, cfg.stages.years, strict=True)
    }
    pop = inputs.townships["population"].astype(float)
    frames = []
    for s in stages:
        d = np.outer(pop.to_numpy() / 1000.0 * growth[s], rate.to_numpy()) / 1000.0
        cap = d * np.outer(maturity[s].to_numpy(), items["online_potential"].to_numpy())
        frames.append(
            pd.DataFrame(
                {
                    "stage": s,
                    "township_id": np.repeat(pop.index.to_numpy(), len(items)),
                    "item_id": np.tile(items.index.to_numpy(), len(pop)),
                    "demand": d.ravel(),
                    "online_cap": cap.ravel(),
                }
            )
        )
    demand = pd.concat(frames, ignore_index=True)
    demand = demand[demand["demand"] > 0].reset_index(drop=True)

    # candidate physical assignments: competent level, within the item's travel limit
    pairs = _eligible_pairs(inputs, travel, cfg)
    comp = pd.DataFrame(
        [
            (s, k, level, float(items.at[k, "max_travel_min"]))
            for k, per_stage in inputs.item_levels.items()
            for s in stages
            for level in sorted(per_stage[s - 1])
        ],
        columns=["stage", "item_id", "level", "limit"],
    )
    arcs = pairs.merge(comp, on="level")
    arcs = arcs[arcs["minutes"] <= arcs["limit"]]
    arcs = arcs.merge(demand[["stage", "township_id", "item_id"]], on=["stage", "township_id", "item_id"])
    trip = 2.0 if cfg.travel.round_trip else 1.0
    # kCNY per thousand transactions == CNY per transaction
    arcs["travel_cost"] = cfg.costs.value_of_time_per_hour / 60.0 * trip * arcs["minutes"]
    arcs = arcs.sort_values(["stage", "township_id", "item_id", "centre_id"], ignore_index=True)
    arcs = arcs[["stage", "township_id", "item_id", "centre_id", "minutes", "travel_cost"]]

    stations = inputs.centres[inputs.centres["level"] == "township"]
    costs = cfg.costs
    return ModelData(
        stages=stages,
        lengths={s: float(n) for s, n in zip(stages, cfg.stages.lengths, strict=True)},
        top_heavy_share=dict(zip(stages, cfg.policy.top_heavy_max_share, strict=True)),
        centres=_centre_table(inputs, cfg),
        demand=demand,
        arcs=arcs,
        item_minutes=items["counter_minutes"].astype(float),
        stations=pd.Series(stations.index, index=stations["township_id"].to_numpy()),
        min_station_m2=cfg.policy.township_min_station_m2,
        window_cost=costs.window_cost_per_year / 1000.0,
        expansion_cost=costs.expansion_cost_per_m2 / 1000.0,
        reduction_cost=costs.reduction_cost_per_m2 / 1000.0,
        online_cost=costs.online_cost_per_transaction,
        unserved_penalty=costs.unserved_penalty_per_transaction,
        shortfall_penalty=costs.township_shortfall_penalty_per_m2_year / 1000.0,
        top_heavy_penalty=costs.top_heavy_penalty_per_m2_year / 1000.0,
    )
