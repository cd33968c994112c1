"""The ``[policy]`` rules of the paper's olive (issue 15): olive shape, surplus conversion,
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
        "as the run.",
    )


def check_stage_lists(olive: OliveRule, floor: LevelFloorRule, n: int) -> None:
    """Refuse stage numbers below 1 (ValueError naming the key). Stages after the plan's
    last (``n``) are ignored, so one policy serves plans of any number of stages."""
    del floor, n  # per-stage floor lists: entries after the last stage are ignored
    bad = [s for s in olive.stages if s < 1]
    if bad:
        msg = f"'policy.olive.stages' lists stage(s) {bad} but stages are numbered from 1"
        raise ValueError(msg)
