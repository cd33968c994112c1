"""The numbers of the ``[policy]`` rules of issue 15 (olive, surplus conversion, level
floors), prepared without PuLP: the only place those config keys become model numbers."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.config import Config

OLIVE_LEVELS: tuple[str, ...] = ("province", "city", "county", "township")


@dataclass(frozen=True)
class PolicyData:
    """The olive rule, surplus conversion and level floors as model numbers."""

    olive_stages: tuple[int, ...] = ()
    """Stages the olive rule applies in."""
    olive_measures: tuple[str, ...] = ()
    """'area_in_use', 'windows' and/or 'floor_area'."""
    olive_hard: bool = False
    olive_penalty: tuple[tuple[str, float], ...] = ()
    """Per measure: kCNY per unit-year of violation."""
    convert: bool = False
    """Surplus floor area may leave the network (压缩转化)."""
    convert_cost: float = 0.0
    """kCNY per m2 converted."""
    floor_measure: str = "area_in_use"
    floors: tuple[tuple[int, str, str, float], ...] = ()
    """(stage, region, level, the level's smallest size there: m2 or windows)."""
    floor_hard: bool = False
    floor_penalty: float = 0.0
    """kCNY per unit-year short of a level floor."""

    def penalty(self, measure: str) -> float:
        """kCNY per unit-year of olive violation by ``measure``."""
        return dict(self.olive_penalty)[measure]


def today_size(centres_in: pd.DataFrame, centres: pd.DataFrame, measure: str) -> pd.Series:
    """Today's size per (region, level): area in use (windows x area per window), floor
    area or windows."""
    if measure == "floor_area":
        size = centres["area0"]
    elif measure == "windows":
        size = centres_in["windows"].astype(float).reindex(centres.index)
    else:
        size = centres_in["windows"].astype(float).reindex(centres.index)
        size = size * centres["area_per_window"]
    return size.groupby([centres["region"], centres["level"]]).sum()


def prepare_policy(centres_in: pd.DataFrame, centres: pd.DataFrame, cfg: Config) -> PolicyData:
    """The policy numbers from the config; ``centres_in`` is today's inventory and
    ``centres`` the model's centre table (:class:`planner.model.data.ModelData`)."""
    pol = cfg.policy
    olive = pol.olive
    per_window = olive.penalty_per_window_year / 1000.0
    per_m2 = olive.penalty_per_m2_year / 1000.0
    fl = pol.level_floor
    today = today_size(centres_in, centres, fl.measure)
    floors = []
    for level, shares in sorted(fl.share_of_today.items()):
        for s, share in enumerate(shares, start=1):
            if share <= 0:
                continue
            for (region, lv), size in sorted(today.items()):
                if lv == level and size > 0:
                    floors.append((s, str(region), level, float(share * size)))
    return PolicyData(
        olive_stages=tuple(olive.stages),
        olive_measures=tuple(olive.measures),
        olive_hard=olive.hard,
        olive_penalty=tuple((m, per_window if m == "windows" else per_m2) for m in olive.measures),
        convert=pol.surplus.convert,
        convert_cost=pol.surplus.cost_per_m2 / 1000.0,
        floor_measure=fl.measure,
        floors=tuple(floors),
        floor_hard=fl.hard,
        floor_penalty=fl.penalty_per_m2_year / 1000.0,
    )
