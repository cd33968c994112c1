"""The ``[policy]`` rules of the paper's olive: olive shape, surplus conversion,
level floors against today, and the rule-cost report.

Sub-sections of :class:`planner.config.schema.PolicyConfig`; their per-stage lists are checked
against ``stages.years`` by :func:`check_stage_lists`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from planner.config.base import Section, reject_unknown_levels

OliveMeasure = Literal["area_in_use", "windows", "floor_area"]
LEVEL_NAMES: tuple[str, ...] = ("province", "city", "county", "township")


class OliveRule(Section):
    """The olive (橄榄型): per stage and province, the county level is the widest and the
    province level the narrowest, by each chosen measure."""

    stages: list[int] = Field(
        [2, 3],
        description="Stages (1-based) in which the olive rule applies; the paper forms the "
        "county-centred olive in stage 2 and keeps it in stage 3. [] switches it off; "
        "stages the plan does not have are ignored.",
    )
    measures: list[OliveMeasure] = Field(
        ["area_in_use", "windows"],
        description="How a level's width is measured: 'area_in_use' (the floor area its "
        "windows and back-office desks need), 'windows', or 'floor_area' (all of it, idle "
        "area included).",
    )
    margin: float = Field(
        0.0,
        ge=0,
        le=1,
        description="The county level at least this share wider than every other level "
        "(county >= (1 + margin) x the other), so the olive never rests on a tie (0 by default; "
        "0.1 in configs/jiangsu.toml).",
    )
    hard: bool = Field(
        False,
        description="Make the olive a hard rule (infeasible when it cannot hold) instead of "
        "a penalty per unit of violation.",
    )
    penalty_per_m2_year: float = Field(
        20_000.0,
        ge=0,
        description="CNY per m2-year by which a level is wider than the county (or the "
        "province wider than a level), for the area measures.",
    )
    penalty_per_window_year: float = Field(
        900_000.0,
        ge=0,
        description="CNY per window-year of violation, for the 'windows' measure.",
    )

    @field_validator("measures")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            msg = f"'policy.olive.measures' lists a measure twice: {value}"
            raise ValueError(msg)
        return value


class SurplusRule(Section):
    """Surplus floor area (not needed by windows or desks) converted to other uses
    (压缩转化): it leaves the network beyond the shrink limit, at a cost per m2."""

    convert: bool = Field(
        True,
        description="Allow surplus area to leave the service network (handed to other uses) "
        "in any stage, beyond the level's max_shrink_per_stage, which then binds only the "
        "reduction of halls that keep serving.",
    )
    cost_per_m2: float = Field(
        800.0,
        ge=0,
        description="One-off cost of converting a m2 of surplus hall to another use (CNY).",
    )


class LevelFloorRule(Section):
    """A level's size per province may not fall below a share of today's (county halls
    strengthened: 县级大厅做实做强)."""

    measure: Literal["area_in_use", "floor_area", "windows"] = Field(
        "area_in_use",
        description="What the floor is on: 'area_in_use' (today: windows x area per window), "
        "'floor_area' or 'windows'.",
    )
    share_of_today: dict[str, list[float]] = Field(
        default_factory=lambda: {"county": [1.0, 0.0, 0.0]},
        description="Per level, per stage: the smallest share of today's size the level keeps "
        "in each province (0 = no floor; entries after the plan's last stage are ignored). "
        "Default: county area in use does not fall in stage 1.",
    )
    hard: bool = Field(False, description="Hard rule instead of a penalty per unit short.")
    penalty_per_m2_year: float = Field(
        20_000.0,
        ge=0,
        description="CNY per unit short per year (a m2, or a window with measure 'windows').",
    )

    @field_validator("share_of_today")
    @classmethod
    def _levels(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        reject_unknown_levels(value, LEVEL_NAMES, "policy.level_floor.share_of_today")
        for level, shares in value.items():
            if any(not 0.0 <= x <= 10.0 for x in shares):
                msg = (
                    f"'policy.level_floor.share_of_today.{level}' was {shares} but every "
                    "share must be in [0, 10]"
                )
                raise ValueError(msg)
        return value


class RuleCostsConfig(Section):
    """What each policy rule costs (plan/rule_costs.csv)."""

    marginal: bool = Field(
        True, description="Marginal costs from the LP duals of the cost phase (no re-solve)."
    )
    total: bool = Field(
        False,
        description="Total costs: re-solve once per rule family with that rule relaxed (on "
        "Dask when workers exist, else one after another); each re-solve takes about as long "
        "as the run, and they share solver.time_limit_s counted from the run's start.",
    )


def check_stage_lists(olive: OliveRule, floor: LevelFloorRule, n: int) -> None:
    """Refuse stage numbers below 1 (ValueError naming the key). Stages after the plan's
    last (``n``) are ignored, so one policy serves plans of any number of stages."""
    del floor, n  # per-stage floor lists: entries after the last stage are ignored
    bad = [s for s in olive.stages if s < 1]
    if bad:
        msg = f"'policy.olive.stages' lists stage(s) {bad} but stages are numbered from 1"
        raise ValueError(msg)


class PaceRule(Section):
    """The pace of compression (逐步压缩, 切不可操之过急): how much floor area may leave the
    network in one stage, reduction and conversion of surplus together (gross: expansion
    elsewhere does not offset it),
    per centre, per level and per province, each as a share of the previous stage's area."""

    centre_max_loss_per_stage: dict[str, float] = Field(
        default_factory=dict,
        description="Per level: the largest share of a centre's floor area of the previous "
        "stage (stage 0 = today) that may leave the network in one stage. A level left out "
        "has no limit. None by default (configs/jiangsu.toml: halls at most half of "
        "their area in one stage; township stations left out so that an empty station may "
        "close).",
    )
    level_max_loss_per_stage: dict[str, float] = Field(
        default_factory=dict,
        description="Per level: the largest share of the level's floor area in a province "
        "that may leave the network in one stage. None by default.",
    )
    region_max_loss_per_stage: list[float] = Field(
        default_factory=list,
        description="Per stage: the largest share of a province's floor area (all levels) "
        "that may leave the network in that stage; entries after the plan's last stage are "
        "ignored, a share of 1 (or a stage left out) is no limit. None by default "
        "(configs/jiangsu.toml: 15% a stage).",
    )
    hard: bool = Field(
        True,
        description="Hard rule (keeping area is always possible, so it never makes the plan "
        "infeasible) instead of a penalty per m2 lost beyond the pace.",
    )
    penalty_per_m2: float = Field(
        20_000.0,
        ge=0,
        description="CNY per m2 lost beyond the pace (one-off), when not hard.",
    )

    @field_validator("centre_max_loss_per_stage", "level_max_loss_per_stage")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        reject_unknown_levels(value, LEVEL_NAMES, "policy.pace")
        for level, share in value.items():
            if not 0.0 <= share <= 1.0:
                msg = f"'policy.pace' share for '{level}' was {share} but must be in [0, 1]"
                raise ValueError(msg)
        return value

    @field_validator("region_max_loss_per_stage")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        if any(not 0.0 <= x <= 1.0 for x in value):
            msg = f"'policy.pace.region_max_loss_per_stage' was {value} but must be in [0, 1]"
            raise ValueError(msg)
        return value
