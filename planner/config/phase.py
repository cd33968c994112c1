"""The ``[policy]`` rules that differ by a county's phase
(不能一刀切) and the cost and pace of redeploying staff (人员分流).

Sub-sections of :class:`planner.config.schema.PolicyConfig`:

* ``[policy.by_phase.<phase>]`` (``physical_primary``, ``balanced``, ``online_primary``, the
  phases of :mod:`planner.inputs.maturity`) overrides, **for the county and township centres of the
  counties in that phase at that stage**, the level's shrink and growth limits, the staff
  window-cut limit and the township minimum station. City and province centres serve many
  counties at once and keep their level's rules.
* ``[policy.staff]``: a one-off redeployment cost per window and per back-office desk
  removed, and the largest share of a level's staffed windows that may be cut in a stage.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, get_args

from pydantic import Field, field_validator

from planner.config.base import Section, reject_unknown_levels

Phase = Literal["physical_primary", "balanced", "online_primary"]
"""A county's phase (线下为主, 线上线下并重, 线上为主), least online first; the thresholds of
``maturity.phase_thresholds`` separate them (:func:`planner.inputs.maturity.county_phases`)."""
PHASE_NAMES: tuple[Phase, ...] = get_args(Phase)
"""The phases in order, as the plan tables spell them."""
STAFF_LEVELS: tuple[str, ...] = ("province", "city", "county", "township")
PHASE_LEVELS: tuple[str, ...] = ("county", "township")
"""Levels whose centres belong to one county (and so to one phase)."""


INHERIT: Final = "inherit"
"""A by-phase key left at this keeps the level's (or the network's) own rule."""
Share = Annotated[float, Field(ge=0, le=1)]


class PhaseLevelRules(Section):
    """Overrides for one level's centres in the counties of one phase.

    A key left at "inherit" keeps the level's own rule."""

    max_shrink_per_stage: Share | Literal["inherit"] = Field(
        INHERIT,
        description="Largest reduction per stage as a share of today's area (overrides "
        "'policy.levels.<level>.max_shrink_per_stage').",
    )
    max_growth_per_stage: Annotated[float, Field(ge=0)] | Literal["unbounded", "inherit"] = Field(
        INHERIT,
        description="Largest expansion per stage as a share of today's area; 0 forbids "
        'growth, "unbounded" lifts the limit (overrides '
        "'policy.levels.<level>.max_growth_per_stage').",
    )
    max_window_cut_per_stage: Share | Literal["inherit"] = Field(
        INHERIT,
        description="Largest share of the staffed windows of the previous stage that may be "
        "cut in a stage (overrides 'policy.staff.max_window_cut_per_stage.<level>').",
    )
    max_loss_per_stage: Share | Literal["inherit"] = Field(
        INHERIT,
        description="Largest share of a centre's floor area of the previous stage that may "
        "leave the network in a stage, reduction and conversion together (overrides "
        "'policy.pace.centre_max_loss_per_stage.<level>'; 0 = the hall does not shrink).",
    )


class PhaseRules(Section):
    """The rules of the county and township centres of the counties in one phase."""

    county: PhaseLevelRules = Field(
        default_factory=PhaseLevelRules, description="Overrides for county halls."
    )
    township: PhaseLevelRules = Field(
        default_factory=PhaseLevelRules, description="Overrides for township stations."
    )
    township_min_station_m2: Annotated[float, Field(ge=0)] | Literal["inherit"] = Field(
        INHERIT,
        description="Minimum floor area of the township stations of these counties "
        "(overrides 'policy.township_min_station_m2').",
    )


def _slow() -> PhaseRules:
    """Physical-primary (实体为主): halls and stations shrink and cut windows slowly and
    stations keep 100 m2. (The paper's 'county halls do not shrink' in this phase and the
    balanced one, max_loss_per_stage = 0, is off in the schema and on in the Jiangsu default,
    configs/jiangsu.toml.)"""
    rules = PhaseLevelRules(max_shrink_per_stage=0.2, max_window_cut_per_stage=0.2)
    return PhaseRules(county=rules, township=rules, township_min_station_m2=100.0)


def phase_tasks(rules: PhaseRules, converts: bool) -> str:
    """The tasks a phase's rules set, in words (``counties.csv`` column ``tasks``)."""
    out = []
    for level, lv in (("county hall", rules.county), ("stations", rules.township)):
        if lv.max_loss_per_stage != INHERIT:
            out.append(f"{level} lose at most {float(lv.max_loss_per_stage):.0%} a stage")
        if lv.max_shrink_per_stage != INHERIT:
            out.append(f"{level} shrink at most {float(lv.max_shrink_per_stage):.0%} a stage")
        if lv.max_window_cut_per_stage != INHERIT:
            out.append(f"{level} cut at most {float(lv.max_window_cut_per_stage):.0%} of posts")
    if rules.township_min_station_m2 != INHERIT:
        out.append(f"stations of at least {float(rules.township_min_station_m2):g} m2")
    out.append("windows may convert" if converts else "windows not converted")
    return "; ".join(out)


class ByPhase(Section):
    """Rules by county phase for county halls and township stations (不能一刀切).

    Where people still rely on halls (线下为主) halls and staff move slowly and stations stay
    larger (the paper: do not force people online too early). A phase's table, when given,
    replaces that phase's defaults."""

    physical_primary: PhaseRules = Field(
        default_factory=_slow,
        description="Counties whose maturity is below the first phase threshold (线下为主).",
    )
    balanced: PhaseRules = Field(
        default_factory=PhaseRules, description="Counties between the thresholds (线上线下并重)."
    )
    online_primary: PhaseRules = Field(
        default_factory=PhaseRules,
        description="Counties at or above the second threshold (线上为主).",
    )

    def rules(self, phase: str) -> PhaseRules:
        """The rules of ``phase`` (one of :data:`PHASE_NAMES`)."""
        return {
            "physical_primary": self.physical_primary,
            "balanced": self.balanced,
            "online_primary": self.online_primary,
        }[phase]


class StaffRule(Section):
    """Staff redeployment (人员分流): a one-off cost per post removed, and a cut limit.

    What removing a staffed window or desk costs once, and how fast a level's windows may
    be cut. Stage 0 is today's inventory."""

    redeploy_cost_per_window: float = Field(
        0.0,
        ge=0,
        description="One-off cost of redeploying the staff of one window removed (CNY). The "
        "paper names 人员分流 but gives no figure; about a year of a window's staff cost, "
        "120000 (retraining, transfer, overlap), is the Jiangsu default's assumption "
        "(configs/jiangsu.toml). 0 in the schema: priced, a solve takes several times as long "
        "(see the docs).",
    )
    redeploy_cost_per_desk: float = Field(
        0.0,
        ge=0,
        description="One-off cost of redeploying the staff of one back-office desk removed "
        "(CNY; about 120000, 0 by default as per window). Counted from today's desks where "
        "the centres file has a 'desks' column, else from stage 1.",
    )
    max_window_cut_per_stage: dict[str, float] = Field(
        default_factory=dict,
        description="Per level: the largest share of the level's staffed windows of the "
        "previous stage (stage 0 = today's inventory) that may be removed in one stage, per "
        "province (county and township centres: per province and county phase). A level "
        "left out has no limit; none by default (e.g. {province = 0.5, city = 0.5}: see the "
        "README for its effect and run time).",
    )
    hard: bool = Field(
        False, description="Hard rule instead of a penalty per window cut beyond the limit."
    )
    penalty_per_window: float = Field(
        1_000_000.0,
        ge=0,
        description="CNY per window cut beyond the limit (one-off), when not hard.",
    )

    @field_validator("max_window_cut_per_stage")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        reject_unknown_levels(value, STAFF_LEVELS, "policy.staff.max_window_cut_per_stage")
        for level, share in value.items():
            if not 0.0 <= share <= 1.0:
                msg = (
                    f"'policy.staff.max_window_cut_per_stage.{level}' was {share} but must be "
                    "in [0, 1] (1 = no limit)"
                )
                raise ValueError(msg)
        return value
