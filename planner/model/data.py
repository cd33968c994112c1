"""The numbers the LP is built from, prepared without PuLP.

Units inside the model are chosen so that coefficients stay within a few orders of
magnitude: transactions in **thousands per year**, window time in **thousand minutes per
year**, floor area in **m2**, money in **thousand CNY** (kCNY).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.config.schema import LEVELS, UPPER_LEVELS, Config
from planner.inputs.item_rules import approver, derived_decide
from planner.inputs.load import Inputs
from planner.model.policy_data import PolicyData, prepare_policy
from planner.modes.rules import ModeRules


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
    """Per (stage, township_id, class_id): ``demand`` (all channels), ``online_fixed``
    (online volume fixed at its cap), ``online_cap`` (bound of the online variable; 0 = no
    variable), ``residual`` (demand - online_fixed), ``minutes`` (window minutes per
    physical transaction). Volumes in thousand transactions a year."""
    items: pd.DataFrame
    """Per (stage, township_id, item_id): ``class_id``, ``demand``, ``online_fixed`` and
    ``share`` (the item's part of its class's residual), to split class flows back."""
    arcs: pd.DataFrame
    """Candidate physical assignments: stage, township_id, class_id, centre_id, minutes
    (travel), travel_cost (kCNY per thousand transactions), work (window minutes per
    transaction), bo_centre and bo_work (back-office centre and minutes per transaction)."""
    backoffice: pd.DataFrame
    """Per (stage, township_id, class_id) with back-office work on its online volume:
    ``bo_centre`` (the approving centre), ``bo_fixed`` (thousand minutes from online volume
    fixed at its cap) and ``bo_online`` (minutes per online transaction of the online
    variable, if any)."""
    backoffice_capacity: float
    """Thousand usable minutes of one back-office desk a year."""
    backoffice_m2_per_desk: float
    stations: pd.Series
    """Township id -> its township station's centre id (townships that have one)."""
    formulation: str
    min_station_m2: float
    min_station_hard: bool
    max_total_area: dict[int, float] | None
    """Per-stage cap on all floor area (m2), if any."""
    max_unserved_share: float | None
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
    policy: PolicyData
    """The olive rule, surplus conversion and level floors (:mod:`planner.model.policy`)."""
    modes: ModeRules | None = None
    """Window-mode standards, costs and pace (:mod:`planner.modes.rules`)."""
    window_price: dict[tuple[int, str], tuple[float, float]] = field(default_factory=dict)
    """(stage, centre) -> (the integer windows of the centre's chosen mode, kCNY per
    window-year beyond the window cost) priced into the LP: the centre keeps at least those
    windows and its load fits in them or more (:func:`planner.plan.modes.window_price`);
    absent: (0, 0), windows exactly the pooled load."""
    window_cap: dict[tuple[int, str], float] = field(default_factory=dict)
    """(stage, centre) -> the most windows the centre may have in the LP (a whole number):
    where the growth limit left its chosen mode's integer windows short of floor area, the
    largest count whose integer need fits (:func:`planner.run.mode_resolves.fit_area`);
    absent: no bound."""


def mode_rules(cfg: Config) -> ModeRules:
    """The ``[windows]`` mode keys in model units (kCNY)."""
    win = cfg.windows
    return ModeRules(
        standard_daily=win.dedicated_min_daily,
        big_max_daily=win.big_general_max_daily,
        convert_max_per_window=win.convert_max_daily_per_window,
        window_cost=cfg.costs.window_cost_per_year / 1000.0,
        training_cost=win.training_cost_per_window_year / 1000.0,
        pooling_efficiency=win.pooling_efficiency,
        steps_per_stage=win.mode_steps_per_stage,
        backwards=win.mode_backwards,
    )


def _centre_table(inputs: Inputs, cfg: Config) -> pd.DataFrame:
    c = inputs.centres
    pol = cfg.policy.levels
    win = cfg.windows
    level = c["level"]
    area0 = c["floor_area_m2"].astype(float)
    get = {
        name: level.map({lv: getattr(pol[lv], name) for lv in LEVELS})
        for name in (
            "area_per_window_m2",
            "max_shrink_per_stage",
            "min_area_m2",
            "window_utilisation",
            "area_cost_per_m2_year",
        )
    }
    growth = level.map(
        {
            lv: (np.inf if pol[lv].max_growth_per_stage is None else pol[lv].max_growth_per_stage)
            for lv in LEVELS
        }
    ).astype(float)
    return pd.DataFrame(
        {
            "level": level,
            "region": c["admin_code"].str[:2],
            "area0": area0,
            "area_lb": np.minimum(get["min_area_m2"].astype(float), area0),
            # inf * 0 is NaN: an unbounded level may grow from nothing
            "growth_ub": np.where(np.isinf(growth), np.inf, growth * area0),
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
    # the county table knows each county's city (municipalities, 省直辖县 differ from code[:4])
    city = county.map(inputs.counties["city_code"])
    lv = pairs["level"]
    same_region = admin.str[:2] == county.str[:2]
    own = (
        ((lv == "township") & (host == pairs["township_id"]))
        | ((lv == "county") & (admin == county))
        | ((lv == "city") & (admin == city))
        | ((lv == "province") & same_region)
    )
    allowed = own.copy()
    if cfg.policy.cross_border_counties:
        allowed |= lv.isin(["county", "city"]) & same_region
    if cfg.policy.cross_border_townships:
        allowed |= (lv == "township") & same_region
    pairs = pairs.assign(own=own).loc[allowed]
    nearest = cfg.policy.cross_border_nearest
    if nearest is not None:
        others = pairs[~pairs["own"]].sort_values(["township_id", "level", "minutes", "centre_id"])
        rank = others.groupby(["township_id", "level"]).cumcount()
        keep = others.index[rank < nearest]
        pairs = pairs[pairs["own"] | pairs.index.isin(keep)]
    return pairs[["township_id", "centre_id", "level", "minutes"]]


def approving_centres(inputs: Inputs) -> pd.DataFrame:
    """Each township's own township station, county, city and province centre ('' where
    there is none)."""
    c = inputs.centres
    by_admin = {
        (lv, code): cid for cid, lv, code in zip(c.index, c["level"], c["admin_code"], strict=True)
    }
    stations = c[c["level"] == "township"]
    station_of = dict(zip(stations["township_id"], stations.index, strict=True))
    county = inputs.townships["county_code"]
    out = pd.DataFrame(index=inputs.townships.index)
    out["township"] = [station_of.get(t, "") for t in inputs.townships.index]
    out["county"] = [by_admin.get(("county", cc), "") for cc in county]
    city_of = inputs.counties["city_code"]
    out["city"] = [by_admin.get(("city", str(city_of.get(cc, ""))), "") for cc in county]
    out["province"] = [by_admin.get(("province", cc[:2] + "0000"), "") for cc in county]
    return out


def online_dominates(items: pd.DataFrame, centres: pd.DataFrame, cfg: Config) -> pd.Series:
    """Items whose online volume can be fixed at its cap without losing optimality.

    Moving one transaction of item ``k`` from a physical window to the online channel saves
    at least its window time, ``mu_k`` minutes at ``window_cost / kappa_max`` per minute
    (windows are never sunk: they have no lower bound), plus any travel; its back-office
    work is needed either way. Moving it from unserved to online saves the unserved penalty
    but adds its back-office work, at most ``beta_k`` minutes of a desk (staff plus desk
    area at the dearest level, plus expansion spread over the shortest stage). So whenever
    ``online_cost <= mu_k * window_cost / kappa_max`` and ``online_cost + beta_k *
    desk_cost <= penalty``, some optimal plan puts exactly the cap online, and the online
    variable can be replaced by that constant.

    One effect is not covered: online back-office work is decided at the township's own
    deciding centre, while a physical transaction's is decided where it is served when that
    centre's level decides it; if the deciding centre cannot grow, the move shifts desk area
    between centres. The benchmark
    compares this formulation with the item-level LP (``model.formulation = "items"``).
    """
    kappa_max = float(centres["window_capacity"].max())
    window = cfg.costs.window_cost_per_year / 1000.0
    per_minute = window / kappa_max
    online = cfg.costs.online_cost_per_transaction
    win = cfg.windows
    bo_capacity = win.service_minutes_per_day * win.working_days_per_year
    bo_capacity *= win.backoffice_utilisation / 1000.0
    dearest_m2 = float(centres["area_cost"].max())
    shortest = float(min(cfg.stages.lengths))
    desk_cost = (
        window
        + win.backoffice_m2_per_desk
        * (dearest_m2 + cfg.costs.expansion_cost_per_m2 / 1000.0 / shortest)
    ) / bo_capacity
    beta = items["pending_share"].astype(float) * items["backoffice_minutes"].astype(float)
    ok = (online <= items["counter_minutes"].astype(float) * per_minute) & (
        online + beta * desk_cost <= cfg.costs.unserved_penalty_per_transaction
    )
    return ok.rename("fixed")


def _class_ids(
    inputs: Inputs, stages: list[int], fixed: pd.Series, formulation: str
) -> pd.DataFrame:
    """Per (stage, item): the demand class it belongs to."""
    rows = []
    items = inputs.items
    for k, per_stage in inputs.item_levels.items():
        for s in stages:
            if formulation == "items" or not fixed[k]:
                cls = k
            else:
                accept = per_stage[s - 1]
                levels = "_".join(lv for lv in LEVELS if lv in accept)
                cls = f"cls_{levels}_t{float(items.at[k, 'max_travel_min']):g}".replace(".", "p")
                decide = inputs.decide_levels[k][s - 1]
                if decide != derived_decide(accept):  # the name of every class before
                    cls += "_d" + "_".join(lv for lv in LEVELS if lv in decide)
            rows.append((s, k, cls))
    return pd.DataFrame(rows, columns=["stage", "item_id", "class_id"])


def _approvers(
    demand: pd.DataFrame, decide: dict[tuple[int, str], frozenset[str]], own: pd.DataFrame
) -> list[str]:
    """Per demand row, the township's own centre that decides what it does not decide
    where it is handed in (:func:`planner.inputs.item_rules.approver`)."""
    cache: dict[tuple[str, frozenset[str]], str] = {}
    rows = own.to_dict("index")
    out = []
    for s, t, c in zip(
        demand["stage"].tolist(),
        demand["township_id"].tolist(),
        demand["class_id"].tolist(),
        strict=True,
    ):
        key = (t, decide[s, c])
        if key not in cache:
            cache[key] = approver(key[1], rows[t])
        out.append(cache[key])
    return out


def _per_item(
    inputs: Inputs, maturity: pd.DataFrame, cfg: Config, stages: list[int], fixed: pd.Series
) -> pd.DataFrame:
    """Demand per stage, township and item (thousand transactions a year), with its online
    volume fixed at its cap (``fixed`` items), window and back-office minutes and class."""
    items = inputs.items
    rate = items["annual_per_1000"].astype(float)
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
                    "cap": cap.ravel(),
                }
            )
        )
    per_item = pd.concat(frames, ignore_index=True)
    per_item = per_item[per_item["demand"] > 0].reset_index(drop=True)
    is_fixed = per_item["item_id"].map(fixed).to_numpy(dtype=bool)
    per_item["online_fixed"] = np.where(is_fixed, per_item["cap"], 0.0)
    per_item["online_cap"] = np.where(is_fixed, 0.0, per_item["cap"])
    per_item["residual"] = per_item["demand"] - per_item["online_fixed"]
    per_item["mu"] = per_item["item_id"].map(items["counter_minutes"].astype(float))
    per_item["work"] = per_item["residual"] * per_item["mu"]
    bo = items["pending_share"].astype(float) * items["backoffice_minutes"].astype(float)
    per_item["bo"] = per_item["item_id"].map(bo)
    per_item["bo_work"] = per_item["residual"] * per_item["bo"]
    per_item["bo_fixed"] = per_item["online_fixed"] * per_item["bo"]
    return per_item.merge(
        _class_ids(inputs, stages, fixed, cfg.model.formulation), on=["stage", "item_id"]
    )


KEYS = ["stage", "township_id", "class_id"]


def _demand(per_item: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Per (stage, township, class): volumes, mean window and back-office minutes of a
    physical transaction, and the approving centre of its pending items."""
    demand = (
        per_item.groupby(KEYS, sort=True)[
            ["demand", "online_fixed", "online_cap", "residual", "work", "bo_work", "bo_fixed"]
        ]
        .sum()
        .reset_index()
    )
    bo_mean = per_item.groupby(KEYS, sort=True)["bo"].mean().to_numpy()
    demand["bo_phys"] = np.where(
        demand["residual"] > 0,
        demand["bo_work"] / demand["residual"].where(demand["residual"] > 0, 1.0),
        bo_mean,
    )
    demand["bo_online"] = np.where(demand["online_cap"] > 0, bo_mean, 0.0)
    demand["bo_centre"] = _approvers(
        demand, class_decide(per_item, inputs), approving_centres(inputs)
    )
    mean_mu = per_item.groupby(KEYS, sort=True)["mu"].mean().to_numpy()
    demand["minutes"] = np.where(
        demand["residual"] > 0,
        demand["work"] / demand["residual"].where(demand["residual"] > 0, 1.0),
        mean_mu,
    )
    return demand.drop(columns=["work", "bo_work"])


def class_decide(per_item: pd.DataFrame, inputs: Inputs) -> dict[tuple[int, str], frozenset[str]]:
    """Per (stage, class): the decide levels of its items (one set per class)."""
    pairs = per_item[["stage", "item_id", "class_id"]].drop_duplicates(["stage", "item_id"])
    return {
        (s, c): inputs.decide_levels[k][s - 1]
        for s, k, c in zip(pairs["stage"], pairs["item_id"], pairs["class_id"], strict=True)
    }


def _item_shares(per_item: pd.DataFrame) -> pd.DataFrame:
    """Each item's part of its class's residual (to split class flows back to items)."""
    class_residual = per_item.groupby(KEYS)["residual"].transform("sum")
    per_item = per_item.assign(
        share=np.where(
            class_residual > 0,
            per_item["residual"] / class_residual.where(class_residual > 0, 1.0),
            0.0,
        )
    )
    per_item = per_item[
        ["stage", "township_id", "item_id", "class_id", "demand", "online_fixed", "share"]
    ]
    return per_item.sort_values(["stage", "township_id", "item_id"], ignore_index=True)


def _arcs(
    per_item: pd.DataFrame,
    demand: pd.DataFrame,
    inputs: Inputs,
    travel: pd.DataFrame,
    cfg: Config,
) -> pd.DataFrame:
    """Candidate physical assignments: an accept level, within the travel limit, only for
    demand that is not entirely online. The back office of an arc is its centre's where the
    centre's level is a decide level of the class, else the township's deciding centre
    (``bo_centre`` of the demand: :func:`planner.inputs.item_rules.approver`)."""
    items = inputs.items
    pairs = _eligible_pairs(inputs, travel, cfg)
    comp = (
        per_item[["stage", "item_id", "class_id"]]
        .drop_duplicates(["stage", "item_id"])
        .assign(
            limit=lambda f: f["item_id"].map(items["max_travel_min"].astype(float)),
            levels=lambda f: [
                sorted(inputs.item_levels[k][s - 1])
                for s, k in zip(f["stage"], f["item_id"], strict=True)
            ],
        )
        .explode("levels")
        .rename(columns={"levels": "level"})
        .drop_duplicates(["stage", "class_id", "level"])
        .drop(columns="item_id")
    )
    decide = class_decide(per_item, inputs)
    keys = zip(comp["stage"], comp["class_id"], comp["level"], strict=True)
    comp["decides"] = [lv in decide[s, c] for s, c, lv in keys]  # accepted where decided
    arcs = pairs.merge(comp, on="level")
    arcs = arcs[arcs["minutes"] <= arcs["limit"]]
    physical = demand.loc[
        demand["residual"] > 1e-12,
        ["stage", "township_id", "class_id", "minutes", "bo_phys", "bo_centre"],
    ]
    arcs = arcs.merge(
        physical.rename(columns={"minutes": "work", "bo_phys": "bo_work"}),
        on=["stage", "township_id", "class_id"],
    )
    # accepted where it is decided: that centre's back office; else forwarded (前台受理、后台审批)
    arcs["bo_centre"] = np.where(arcs["decides"], arcs["centre_id"], arcs["bo_centre"])
    trip = 2.0 if cfg.travel.round_trip else 1.0
    # kCNY per thousand transactions == CNY per transaction
    arcs["travel_cost"] = cfg.costs.value_of_time_per_hour / 60.0 * trip * arcs["minutes"]
    arcs = arcs.sort_values(["stage", "township_id", "class_id", "centre_id"], ignore_index=True)
    return arcs[
        [
            "stage",
            "township_id",
            "class_id",
            "centre_id",
            "minutes",
            "travel_cost",
            "work",
            "bo_centre",
            "bo_work",
        ]
    ]


def prepare(inputs: Inputs, travel: pd.DataFrame, maturity: pd.DataFrame, cfg: Config) -> ModelData:
    """Turn inputs, travel times and maturity into the model's numbers.

    The item-level formulation (``model.formulation = "items"``, the default) keeps every
    online volume a variable; only the approximate ``classes`` mode fixes online volume at
    its cap by :func:`online_dominates` (whose argument leaves one effect uncovered).

    Parameters
    ----------
    inputs
        Validated inputs.
    travel
        Township-centre minutes (:func:`planner.inputs.travel.travel_table`).
    maturity
        Township maturity per stage (:func:`planner.inputs.maturity.township_maturity`).
    cfg
        The run configuration.
    """
    stages = list(range(1, len(cfg.stages.years) + 1))
    centres = _centre_table(inputs, cfg)
    formulation = cfg.model.formulation
    fixed = online_dominates(inputs.items, centres, cfg)
    if formulation == "items":
        fixed = fixed & False
    per_item = _per_item(inputs, maturity, cfg, stages, fixed)
    demand = _demand(per_item, inputs)
    per_item = _item_shares(per_item)
    arcs = _arcs(per_item, demand, inputs, travel, cfg)
    backoffice = demand.loc[
        (demand["bo_fixed"] > 0) | (demand["bo_online"] > 0),
        ["stage", "township_id", "class_id", "bo_centre", "bo_fixed", "bo_online"],
    ].reset_index(drop=True)
    win = cfg.windows
    stations = inputs.centres[inputs.centres["level"] == "township"]
    costs = cfg.costs
    return ModelData(
        stages=stages,
        lengths={s: float(n) for s, n in zip(stages, cfg.stages.lengths, strict=True)},
        top_heavy_share=dict(zip(stages, cfg.policy.top_heavy_max_share, strict=True)),
        centres=centres,
        demand=demand,
        items=per_item,
        arcs=arcs,
        backoffice=backoffice,
        backoffice_capacity=win.service_minutes_per_day
        * win.working_days_per_year
        * win.backoffice_utilisation
        / 1000.0,
        backoffice_m2_per_desk=win.backoffice_m2_per_desk,
        stations=pd.Series(stations.index, index=stations["township_id"].to_numpy()),
        formulation=formulation,
        min_station_m2=cfg.policy.township_min_station_m2,
        min_station_hard=cfg.policy.township_min_station_hard,
        max_total_area=(
            None
            if cfg.policy.max_total_area_m2 is None
            else dict(zip(stages, cfg.policy.max_total_area_m2, strict=True))
        ),
        max_unserved_share=cfg.policy.max_unserved_share,
        window_cost=costs.window_cost_per_year / 1000.0,
        expansion_cost=costs.expansion_cost_per_m2 / 1000.0,
        reduction_cost=costs.reduction_cost_per_m2 / 1000.0,
        online_cost=costs.online_cost_per_transaction,
        unserved_penalty=costs.unserved_penalty_per_transaction,
        shortfall_penalty=costs.township_shortfall_penalty_per_m2_year / 1000.0,
        top_heavy_penalty=costs.top_heavy_penalty_per_m2_year / 1000.0,
        modes=mode_rules(cfg),
        policy=prepare_policy(inputs.centres, centres, cfg, inputs, maturity, travel),
    )
