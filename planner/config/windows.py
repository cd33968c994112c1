"""The ``[windows]`` section: window working time and the window-mode standards (全科窗口).

Split from :mod:`planner.config.schema` (which re-exports :class:`WindowsConfig`).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from planner.config.base import LEVELS, Section, reject_unknown_levels
from planner.config.phase import PHASE_NAMES, Phase


class WindowsConfig(Section):
    """Window working time and the window-mode thresholds (全科窗口)."""

    service_minutes_per_day: float = Field(
        360.0, gt=0, le=1440, description="Service minutes of one window per working day."
    )
    working_days_per_year: float = Field(250.0, gt=0, le=366, description="Working days.")
    dedicated_min_daily: float = Field(
        20.0,
        gt=0,
        description="Volume standard of small general (小全科), in transactions a window-day: an "
        "item with at least this many transactions a day at a centre keeps dedicated windows; "
        "the rest share general windows (at least one).",
    )
    big_general_max_daily: float | None = Field(
        None,
        gt=0,
        description="Standard of big general (大全科): only a centre whose daily transactions "
        "stay at or below this may pool all front work (the paper: it suits township stations "
        "and small centres); null (the default) = any centre where it pays. "
        "configs/jiangsu.toml: 400 a day, the scale of a busy township station "
        "(Jiangsu's stations average about 140, its county halls about 2,000).",
    )
    big_general_levels: list[str] = Field(
        list(LEVELS),
        description="Levels whose centres may run big general (大全科); a centre of another "
        "level steps at most to small general (the paper: big general suits township "
        "stations and small centres, city halls are compressed and converted). Every level "
        'by default; ["county", "township"] in configs/jiangsu.toml. A centre whose '
        "today's mode is big general keeps it where no other mode is reachable "
        "(windows.mode_backwards off), as with 'big_general_max_daily'.",
    )
    convert_max_daily_per_window: float | None = Field(
        None,
        gt=0,
        description="Per-window volume standard of conversion (以窗口每日平均办件数量作为导向): a "
        "centre steps towards general windows in a stage only where its traditional windows "
        "would handle at most this many transactions a day each (busy dedicated windows stay); "
        "null (the default) = no standard; 30 in configs/jiangsu.toml.",
    )
    convert_phases: list[Phase] = Field(
        list(PHASE_NAMES),
        description="Phases in which a county's halls and stations may step towards general "
        "windows (the paper converts as one-network service matures); centres without a "
        "county phase (city, province) are not held by it. Every phase by default; balanced "
        "and online-primary in configs/jiangsu.toml.",
    )
    training_cost_per_window_year: float = Field(
        6_000.0,
        ge=0,
        description="Training cost of one big-general window a year (CNY): every window must "
        "handle every immediate item. A centre converts once the windows it saves pay this.",
    )
    pooling_efficiency: float = Field(
        1.0,
        gt=0,
        le=2,
        description="Work a big-general window handles relative to a dedicated one (1 = the "
        "same minutes; above 1 pooled queues idle less).",
    )
    mode_steps_per_stage: int = Field(
        1,
        ge=0,
        le=2,
        description="Pace of conversion: at most this many steps (traditional -> small general "
        "-> big general) per stage.",
    )
    mode_backwards: bool = Field(
        False, description="Allow a centre to step back to a more traditional mode."
    )
    mode_mip_gap: float = Field(
        1e-6,
        ge=0,
        le=1,
        description="Relative gap at which HiGHS stops the mixed-integer model that chooses "
        "every centre's window modes together (mip_rel_gap); the gap reached is reported.",
    )
    mode_time_limit_s: float = Field(
        60.0, gt=0, description="Time limit of the window-mode mixed-integer model (seconds)."
    )
    mode_iterations: int = Field(
        0,
        ge=0,
        le=10,
        description="LP re-solves with the chosen modes priced in (each centre keeps at least "
        "its mode's integer windows and pays its training, so flows and floor area follow "
        "the mode), stopping early once modes and windows repeat; each costs a full LP "
        "solve. 0 = modes chosen by the mode MIP after the LP only.",
    )
    area_rounds: int = Field(
        10,
        ge=0,
        le=20,
        description="LP re-solves at most that fit the plan's integer windows into the floor "
        "area the growth limits allow: while a centre's chosen mode needs more floor area "
        "than its growth limit leaves, the LP is solved again (warm) with that shortfall "
        "reserved at the centre and the modes are chosen again. 0 = off (the plan may then "
        "lack floor area: optimality.window_modes.mip.area_short_m2, gap not proven).",
    )
    price_forced_training: bool = Field(
        True,
        description="Price training in the LP at every centre-stage where the pace leaves big "
        "general as the only mode (on big general today, no step back): every plan pays it "
        "there, so the LP stays a lower bound and a higher one, and the flows see the cost. "
        "false = the LP prices no training (the mode MIP adds it after the flows).",
    )
    bound_time_s: float = Field(
        0.0,
        ge=0,
        description="Time budget (seconds) of the Lagrangian lower bound that sees integer "
        "windows, modes and training (optimality.window_modes.lagrangian), raised from the "
        "window-relaxed LP's duals by subgradient steps. 0 = off (the default; on the Jiangsu "
        "default it took 70 s and never rose above the LP's bound); opt in with e.g. 60.",
    )
    bound_steps: int = Field(
        10,
        ge=0,
        le=10_000,
        description="Subgradient steps of the Lagrangian lower bound at most (each re-solves "
        "every centre's integer subproblem); the bound is deterministic when they finish "
        "within bound_time_s (optimality.window_modes.lagrangian.stopped says which ended it).",
    )
    viable_min_m2: float = Field(
        20.0,
        ge=0,
        description="A centre serving nothing and planned below this area, and a township "
        "station serving nothing whatever its area, are reported as closed.",
    )
    backoffice_m2_per_desk: float = Field(
        10.0,
        ge=0,
        description="Floor area of one back-office desk (pending items are accepted at a front "
        "window and decided in the back office of the approving county, city or province "
        "centre, 前台受理、后台审批).",
    )
    backoffice_utilisation: float = Field(
        0.85,
        gt=0,
        le=1,
        description="Share of a back-office desk's minutes usable (no queue at a desk).",
    )

    @field_validator("big_general_levels")
    @classmethod
    def _big_levels(cls, value: list[str]) -> list[str]:
        reject_unknown_levels(value, LEVELS, "windows.big_general_levels")
        return value
