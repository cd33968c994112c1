"""The numbers of the ``[policy]`` rules (olive, surplus conversion, level
floors, rules by phase, staff redeployment), prepared without PuLP: the only place those
config keys become model numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.config.phase import INHERIT, PHASE_LEVELS
from planner.config.schema import Config
from planner.inputs.load import Inputs
from planner.inputs.maturity import county_phases

Key = tuple[int, str]
OLIVE_LEVELS: tuple[str, ...] = ("province", "city", "county", "township")


@dataclass(frozen=True)
class PolicyData:
    """The olive rule, surplus conversion and level floors as model numbers."""

    olive_stages: tuple[int, ...] = ()
    """Stages the olive rule applies in."""
    olive_measures: tuple[str, ...] = ()
    """'area_in_use', 'windows' and/or 'floor_area'."""
    olive_hard: bool = False
    olive_margin: float = 0.0
    """The county at least ``1 + margin`` times every other level."""
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

    bounds: dict[tuple[int, str], tuple[float, float]] = field(default_factory=dict)
    """(stage, centre) -> (growth bound, shrink bound) in m2 where ``policy.by_phase``
    overrides the level's (county and township centres of a county in that phase)."""
    station_min: dict[tuple[int, str], float] = field(default_factory=dict)
    """(stage, township) -> its station's minimum m2 where ``policy.by_phase`` overrides
    ``policy.township_min_station_m2``."""
    phase: dict[tuple[int, str], str] = field(default_factory=dict)
    """(stage, county or township centre) -> its county's phase."""
    merged: frozenset[str] = frozenset()
    """Townships within ``policy.merge_within_minutes`` of their county hall (撤并): no
    township minimum station."""
    staff: bool = False
    """Staff posts, their cuts and redeployment (:func:`planner.model.policy.add_staff`)."""
    redeploy_window: float = 0.0
    """kCNY per window post removed."""
    redeploy_desk: float = 0.0
    """kCNY per back-office desk removed."""
    windows0: dict[str, float] = field(default_factory=dict)
    """Today's windows per centre (stage 0 of the staff posts)."""
    desks0: dict[str, float] = field(default_factory=dict)
    """Today's back-office desks per centre where the inventory has a ``desks`` column
    (stage 0 of the desk cuts; without it desks are counted from stage 1)."""
    cut_groups: tuple[tuple[int, str, tuple[str, ...], float], ...] = ()
    """(stage, key, centres, largest share of their previous posts cut in the stage); key
    ``<region>__<level>__<phase or all>``."""
    cut_hard: bool = False
    cut_penalty: float = 0.0
    """kCNY per window cut beyond the limit (one-off)."""
    pace_centre: dict[str, float] = field(default_factory=dict)
    """Per level: the largest share of a centre's previous floor area lost in a stage."""
    pace_phase: dict[tuple[int, str], float] = field(default_factory=dict)
    """(stage, centre) -> its pace where its county's phase overrides the level's."""
    pace_level: dict[str, float] = field(default_factory=dict)
    """Per level: the largest share of a province's level area lost in a stage."""
    pace_region: tuple[float, ...] = ()
    """Per stage (index 0 = stage 1): the largest share of a province's area lost."""
    pace_hard: bool = True
    pace_penalty: float = 0.0
    """kCNY per m2 lost beyond the pace (one-off), when not hard."""

    def penalty(self, measure: str) -> float:
        """kCNY per unit-year of olive violation by ``measure``."""
        return dict(self.olive_penalty)[measure]


def today_desks(centres_in: pd.DataFrame, index: pd.Index) -> pd.Series | None:
    """Today's back-office desks per centre (the inventory's optional ``desks`` column,
    blanks 0), or None without the column."""
    if "desks" not in centres_in.columns:
        return None
    desks = pd.to_numeric(centres_in["desks"], errors="coerce").fillna(0.0).astype(float)
    return desks.reindex(index).fillna(0.0)


def today_size(
    centres_in: pd.DataFrame, centres: pd.DataFrame, measure: str, m2_per_desk: float = 0.0
) -> pd.Series:
    """Today's size per (region, level): area in use (windows x area per window plus, where
    the inventory counts desks, desks x ``m2_per_desk``: measured as in every later stage),
    floor area or windows."""
    if measure == "floor_area":
        size = centres["area0"]
    elif measure == "windows":
        size = centres_in["windows"].astype(float).reindex(centres.index)
    else:
        size = centres_in["windows"].astype(float).reindex(centres.index)
        size = size * centres["area_per_window"]
        desks = today_desks(centres_in, centres.index)
        if desks is not None:
            size = size + desks * m2_per_desk
    return size.groupby([centres["region"], centres["level"]]).sum()


def centre_phases(inputs: Inputs, phases: pd.DataFrame) -> pd.DataFrame:
    """Per stage (columns ``1..n``), the phase of each county and township centre's county
    (index: centre id; city and province centres are absent: they serve many counties);
    ``phases`` as :func:`planner.inputs.maturity.county_phases` gives them."""
    phases = phases[phases["stage"] > 0]
    by = phases.pivot(index="county_code", columns="stage", values="phase")
    c = inputs.centres
    county = pd.Series(
        np.where(
            c["level"] == "county",
            c["admin_code"],
            c["township_id"].map(inputs.townships["county_code"]),
        ),
        index=c.index,
    )
    county = county[c["level"].isin(PHASE_LEVELS)].dropna()
    out = by.reindex(county.to_numpy())
    out.index = county.index
    return out.dropna(how="all")


def _bounds(
    centres: pd.DataFrame, phases: pd.DataFrame, cfg: Config
) -> dict[tuple[int, str], tuple[float, float]]:
    """(stage, centre) -> growth and shrink bounds where a phase overrides them."""
    out: dict[tuple[int, str], tuple[float, float]] = {}
    by_phase = cfg.policy.by_phase
    for s in phases.columns:
        for cid, phase in phases[s].dropna().items():
            level = str(centres.at[cid, "level"])
            rules = getattr(by_phase.rules(str(phase)), level)
            if rules.max_shrink_per_stage == INHERIT and rules.max_growth_per_stage == INHERIT:
                continue
            area0 = float(centres.at[cid, "area0"])
            grow = float(centres.at[cid, "growth_ub"])
            shrink = float(centres.at[cid, "shrink_ub"])
            if rules.max_shrink_per_stage != INHERIT:
                shrink = float(rules.max_shrink_per_stage) * area0
            if rules.max_growth_per_stage == "unbounded":
                grow = np.inf
            elif rules.max_growth_per_stage != INHERIT:
                grow = float(rules.max_growth_per_stage) * area0
            out[int(s), str(cid)] = (grow, shrink)
    return out


def _phase_pace(centres: pd.DataFrame, phases: pd.DataFrame, cfg: Config) -> dict[Key, float]:
    """(stage, centre) -> the pace its county's phase sets (``max_loss_per_stage``)."""
    out: dict[Key, float] = {}
    for s in phases.columns:
        for cid, phase in phases[s].dropna().items():
            level = str(centres.at[cid, "level"])
            share = getattr(cfg.policy.by_phase.rules(str(phase)), level).max_loss_per_stage
            if share != INHERIT:
                out[int(s), str(cid)] = float(share)
    return out


def _station_min(inputs: Inputs, phases: pd.DataFrame, cfg: Config) -> dict[tuple[int, str], float]:
    """(stage, township) -> station minimum where the township's county phase (``phases``,
    :func:`planner.inputs.maturity.county_phases`) overrides it."""
    phases = phases[phases["stage"] > 0]
    rules = {
        ph: cfg.policy.by_phase.rules(ph).township_min_station_m2 for ph in set(phases["phase"])
    }
    m2 = {ph: float(v) for ph, v in sorted(rules.items()) if v != INHERIT}
    county = inputs.townships["county_code"]
    out: dict[tuple[int, str], float] = {}
    for s, grp in phases.groupby("stage"):
        value = county.map(grp.set_index("county_code")["phase"].map(m2))
        for t, v in sorted(value.dropna().items()):
            if float(v) != cfg.policy.township_min_station_m2:
                out[int(s), str(t)] = float(v)
    return out


def _cut_groups(
    centres: pd.DataFrame, phases: pd.DataFrame, cfg: Config, n: int
) -> tuple[tuple[int, str, tuple[str, ...], float], ...]:
    """The staff window-cut groups: per stage, region, level and (county and township
    centres) county phase, with the share of their previous posts that may be cut."""
    staff = cfg.policy.staff
    groups: dict[tuple[int, str, str, str], list[str]] = {}
    for s in range(1, n + 1):
        phase_s = phases[s] if s in phases.columns else pd.Series(dtype=object)
        for cid, region, level in zip(
            centres.index, centres["region"], centres["level"], strict=True
        ):
            phase = phase_s.get(cid)
            key = (
                s,
                str(region),
                str(level),
                "all" if phase is None or pd.isna(phase) else str(phase),
            )
            groups.setdefault(key, []).append(str(cid))
    out = []
    for (s, region, level, phase), members in sorted(groups.items()):
        share = staff.max_window_cut_per_stage.get(level)
        if phase != "all":
            override = getattr(cfg.policy.by_phase.rules(phase), level).max_window_cut_per_stage
            share = share if override == INHERIT else float(override)
        if share is None or share >= 1.0:
            continue
        out.append((s, f"{region}__{level}__{phase}", tuple(sorted(members)), float(share)))
    return tuple(out)


def merged_townships(
    inputs: Inputs, travel: pd.DataFrame | None, minutes: float | None
) -> frozenset[str]:
    """Townships whose seat is within ``minutes`` of their own county's hall (``travel``:
    township_id, centre_id, minutes)."""
    if minutes is None or travel is None or travel.empty:
        return frozenset()
    c = inputs.centres
    halls = c.index[c["level"] == "county"]
    hall_of = pd.Series(halls.to_numpy(), index=c.loc[halls, "admin_code"].to_numpy())
    hall_of = hall_of[~hall_of.index.duplicated()]
    county = inputs.townships["county_code"].astype(str)
    own = pd.DataFrame({"township_id": county.index, "centre_id": county.map(hall_of).to_numpy()})
    near = own.dropna().merge(travel, on=["township_id", "centre_id"])
    return frozenset(str(t) for t in near.loc[near["minutes"] <= minutes, "township_id"])


def prepare_policy(
    centres_in: pd.DataFrame,
    centres: pd.DataFrame,
    cfg: Config,
    inputs: Inputs | None = None,
    maturity: pd.DataFrame | None = None,
    travel: pd.DataFrame | None = None,
) -> PolicyData:
    """The policy numbers from the config; ``centres_in`` is today's inventory and
    ``centres`` the model's centre table (:class:`planner.model.data.ModelData`). The rules
    by phase need ``inputs`` and the township ``maturity``; without them there are none."""
    pol = cfg.policy
    olive = pol.olive
    per_window = olive.penalty_per_window_year / 1000.0
    per_m2 = olive.penalty_per_m2_year / 1000.0
    fl = pol.level_floor
    m2_per_desk = cfg.windows.backoffice_m2_per_desk
    today = today_size(centres_in, centres, fl.measure, m2_per_desk)
    desks0 = today_desks(centres_in, centres.index)
    floors = []
    for level, shares in sorted(fl.share_of_today.items()):
        for s, share in enumerate(shares, start=1):
            if share <= 0:
                continue
            for (region, lv), size in sorted(today.items()):
                if lv == level and size > 0:
                    floors.append((s, str(region), level, float(share * size)))
    n = len(cfg.stages.years)
    phases = pd.DataFrame(index=pd.Index([], dtype=object), columns=list(range(1, n + 1)))
    station_min: dict[tuple[int, str], float] = {}
    if inputs is not None and maturity is not None:
        by_county = county_phases(inputs.townships, inputs.items, maturity, cfg.maturity)
        phases = centre_phases(inputs, by_county)
        station_min = _station_min(inputs, by_county, cfg)
    staff = pol.staff
    cuts = _cut_groups(centres, phases, cfg, n)
    return PolicyData(
        olive_stages=tuple(olive.stages),
        olive_measures=tuple(olive.measures),
        olive_hard=olive.hard,
        olive_margin=olive.margin,
        olive_penalty=tuple((m, per_window if m == "windows" else per_m2) for m in olive.measures),
        convert=pol.surplus.convert,
        convert_cost=pol.surplus.cost_per_m2 / 1000.0,
        floor_measure=fl.measure,
        floors=tuple(floors),
        floor_hard=fl.hard,
        floor_penalty=fl.penalty_per_m2_year / 1000.0,
        bounds=_bounds(centres, phases, cfg),
        station_min=station_min,
        merged=(
            frozenset()
            if inputs is None
            else merged_townships(inputs, travel, pol.merge_within_minutes)
        ),
        staff=bool(staff.redeploy_cost_per_window or staff.redeploy_cost_per_desk or cuts),
        redeploy_window=staff.redeploy_cost_per_window / 1000.0,
        redeploy_desk=staff.redeploy_cost_per_desk / 1000.0,
        windows0={
            str(k): float(v)
            for k, v in centres_in["windows"].astype(float).reindex(centres.index).items()
        },
        desks0={} if desks0 is None else {str(k): float(v) for k, v in desks0.items()},
        cut_groups=cuts,
        cut_hard=staff.hard,
        cut_penalty=staff.penalty_per_window / 1000.0,
        pace_centre={k: v for k, v in pol.pace.centre_max_loss_per_stage.items() if v < 1.0},
        pace_phase=_phase_pace(centres, phases, cfg),
        phase={
            (int(s), str(cid)): str(ph)
            for s in phases.columns
            for cid, ph in phases[s].dropna().items()
        },
        pace_level={k: v for k, v in pol.pace.level_max_loss_per_stage.items() if v < 1.0},
        pace_region=tuple(pol.pace.region_max_loss_per_stage),
        pace_hard=pol.pace.hard,
        pace_penalty=pol.pace.penalty_per_m2 / 1000.0,
    )
