"""The plan's cost rebuilt from its tables, independently of the planner's code (issue 28).

``plan_cost_kcny`` (``summary.json``, ``optimality.window_modes``) is the LP's optimum with
the terms the window modes change replaced by the plan's. Rebuilt here from
``plan/centres.csv`` (every stage, 0 = today) and the config, in kCNY, :math:`L_s` the
stage's years:

* windows :math:`\\sum L_s \\omega W` and training :math:`\\sum L_s \\tau W` (big general);
* floor area :math:`\\sum L_s a_l A` (``floor_area_m2``, the level's area cost);
* expansion, reduction, conversion: per centre and stage, ``converted_m2`` :math:`q` at the
  conversion cost and :math:`n = A_s - A_{s-1} + q` expanded (:math:`n > 0`, at the
  expansion cost) or reduced (:math:`-n`, at the reduction cost);
* top-heavy: per province and stage :math:`L_s \\eta \\max(0, (1-\\theta_s) U - \\theta_s D)`,
  :math:`U` the province and city ``floor_area_m2``, :math:`D` the county and township
  ``area_in_use_m2``;
* the olive by windows and by area in use: per province and olive stage
  :math:`L_s \\psi \\max(0, M_a - M_b)` over the pairs (a level at most the county, the
  province at most every level);
* every other term (travel, online, back office, unserved, township shortfall, level
  floor, ...) is the LP's, from ``summary.json``'s ``objective_terms_kcny``: the modes do
  not change it.
"""

from __future__ import annotations

import pandas as pd

from planner.config.schema import Config

UPPER = ("province", "city")
PAIRS = (
    ("province", "county"),
    ("city", "county"),
    ("township", "county"),
    ("province", "city"),
    ("province", "township"),
)
REPLACED = ("windows", "floor_area", "expansion", "reduction", "conversion", "top_heavy", "olive")
"""LP terms the rebuild computes from the tables instead."""


def _evolution(cen: pd.DataFrame, cfg: Config) -> float:
    c = cfg.costs
    wide = cen.pivot(index="centre_id", columns="stage", values="floor_area_m2").fillna(0.0)
    conv = cen.pivot(index="centre_id", columns="stage", values="converted_m2").fillna(0.0)
    total = 0.0
    for s in wide.columns[1:]:
        q = conv[s]
        n = wide[s] - wide[s - 1] + q
        total += float(
            c.expansion_cost_per_m2 * n.clip(lower=0.0).sum()
            + c.reduction_cost_per_m2 * (-n).clip(lower=0.0).sum()
            + cfg.policy.surplus.cost_per_m2 * q.sum()
        )
    return total / 1000.0


def _top_heavy_and_olive(later: pd.DataFrame, cfg: Config, years: dict[int, float]) -> float:
    pol = cfg.policy
    olive = pol.olive
    assert not olive.hard and set(olive.measures) <= {"windows", "area_in_use"}
    penalty = {
        "windows": olive.penalty_per_window_year / 1000.0,
        "area_in_use": olive.penalty_per_m2_year / 1000.0,
    }
    column = {"windows": "windows", "area_in_use": "area_in_use_m2"}
    eta = cfg.costs.top_heavy_penalty_per_m2_year / 1000.0
    total = 0.0
    for (s, _), grp in later.groupby(["stage", "region"]):
        theta = pol.top_heavy_max_share[int(s) - 1]
        upper = float(grp.loc[grp["level"].isin(UPPER), "floor_area_m2"].sum())
        lower = float(grp.loc[~grp["level"].isin(UPPER), "area_in_use_m2"].sum())
        total += years[int(s)] * eta * max(0.0, (1.0 - theta) * upper - theta * lower)
        if int(s) not in olive.stages:
            continue
        for measure in olive.measures:
            size = grp.groupby("level")[column[measure]].sum()
            for a, b in PAIRS:
                gap = float(size.get(a, 0.0) - size.get(b, 0.0))
                total += years[int(s)] * penalty[measure] * max(0.0, gap)
    return total


def plan_cost_from_tables(
    centres: pd.DataFrame, terms: dict[str, float], cfg: Config, region: dict[str, str]
) -> float:
    """The plan's cost (kCNY) from its centre table (every stage), the LP's objective terms
    and the config; ``region``: centre id -> province (the admin code's first two digits)."""
    years = {s: float(n) for s, n in enumerate(cfg.stages.lengths, start=1)}
    levels = cfg.policy.levels
    later = centres[centres["stage"] > 0].assign(region=centres["centre_id"].map(region))
    assert later["region"].notna().all()
    length = later["stage"].map(years)
    omega = cfg.costs.window_cost_per_year / 1000.0
    tau = cfg.windows.training_cost_per_window_year / 1000.0
    big = later["mode"].eq("big_general")
    windows = float((length * later["windows"] * (omega + tau * big)).sum())
    area_cost = later["level"].map(
        {lv: p.area_cost_per_m2_year / 1000.0 for lv, p in levels.items()}
    )
    floor = float((length * area_cost * later["floor_area_m2"]).sum())
    kept = sum(v for k, v in terms.items() if k not in REPLACED)
    return (
        kept + windows + floor + _evolution(centres, cfg) + _top_heavy_and_olive(later, cfg, years)
    )
