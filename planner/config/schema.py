"""Typed configuration schema.

A run is described by one TOML file. Every section is a pydantic model with
``extra="forbid"`` so a misspelt key is an error, every field has a description and a
default, and cross-field rules live in ``model_validator`` methods. ``configs/default.toml``
and ``configs/schema.json`` are generated from these models (``planner config-docs``) and a
test fails when they drift.

Paths in the ``[data]`` and ``[output]`` sections are resolved relative to the directory of
the config file, so a config can be run from anywhere.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.config.base import LEVELS, MAX_HORIZON_YEARS, Section, reject_unknown_levels
from planner.config.items import ItemClassesConfig, ItemRule
from planner.config.keys import per_stage_message, unknown_key_message
from planner.config.phase import ByPhase, StaffRule
from planner.config.policy import (
    LevelFloorRule,
    OliveRule,
    PaceRule,
    RuleCostsConfig,
    SurplusRule,
    check_stage_lists,
)
from planner.config.sections import MaturityConfig, TravelConfig
from planner.config.windows import WindowsConfig
from planner.errors import InputError
from planner.regular_files import MAX_CONFIG_BYTES, read_text_file

UPPER_LEVELS: tuple[str, ...] = ("province", "city")
"""Levels whose floor area counts towards the top-heavy share."""


class DataConfig(Section):
    """Input files (relative to the config file)."""

    townships: Path = Field(
        Path("../data/jiangsu/townships.csv"),
        description="Township table: township_id, name, kind, county_code, lon, lat, population.",
    )
    counties: Path = Field(
        Path("../data/jiangsu/counties.csv"),
        description="County table with 2020 census indicators (maturity inputs).",
    )
    centres: Path = Field(
        Path("../data/jiangsu/centres.csv"),
        description="Today's centre inventory: centre_id, level, parent, floor area, windows.",
    )
    items: Path = Field(
        Path("../data/items.csv"),
        description="Item catalogue: volumes, minutes, delegation per stage, online potential.",
    )
    province_boundary: Path = Field(
        Path("../data/jiangsu/province.geojson"),
        description="Province polygon (EPSG:4490); township points must fall inside it.",
    )
    city_boundaries: Path = Field(
        Path("../data/jiangsu/cities.geojson"), description="City (prefecture) polygons."
    )
    county_boundaries: Path = Field(
        Path("../data/jiangsu/counties.geojson"), description="County polygons."
    )
    province: str = Field(
        "all",
        description="Plan one province of a multi-province dataset, by code (44, 440000) or "
        "name (广东, 广东省), or 'all' of them (each province is an independent LP).",
    )
    workbook: Path | None = Field(
        None,
        description="A planner workbook (.xlsx from `planner template`, or a folder of its CSV "
        "sheets) to plan instead of the files above: imported (validated) into "
        ".<name>.dataset/ next to it on first use and whenever it changes; boundary polygons "
        "come from the folder of county_boundaries when set, else the national data/china; "
        "its travel_matrix sheet, if filled, is used unless travel.matrix is set.",
    )


class StagesConfig(Section):
    """The planning stages (三步走)."""

    base_year: int = Field(2025, description="Year of today's inventory (stage 0).")
    years: list[int] = Field(
        [2027, 2030, 2035],
        description="End year of each stage, strictly increasing; a stage lasts from the "
        "previous end year (or base_year) to its own. Annual costs are weighted by its length.",
    )
    demand_growth_per_year: float = Field(
        0.0,
        ge=-0.2,
        le=0.2,
        description="Annual growth of total demand (all channels), applied from base_year.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> StagesConfig:
        if not self.years:
            msg = "'stages.years' is empty but must list at least one stage end year"
            raise ValueError(msg)
        prev = self.base_year
        for i, year in enumerate(self.years):
            if year <= prev:
                msg = (
                    f"'stages.years' must be strictly increasing after base_year "
                    f"{self.base_year}, but entry {i + 1} is {year} after {prev}"
                )
                raise ValueError(msg)
            prev = year
        if self.years[-1] - self.base_year > MAX_HORIZON_YEARS:
            msg = (
                f"'stages.years' ends in {self.years[-1]}, more than {MAX_HORIZON_YEARS} years "
                f"after base_year {self.base_year}; plan a nearer horizon"
            )
            raise ValueError(msg)
        return self

    @property
    def lengths(self) -> list[int]:
        """Length of each stage in years."""
        ends = [self.base_year, *self.years]
        return [b - a for a, b in pairwise(ends)]


class LevelPolicy(Section):
    """Capacity rules and unit costs of one level."""

    area_per_window_m2: float = Field(
        gt=0, description="Floor area one window needs, waiting area and back office included."
    )
    max_growth_per_stage: float | None = Field(
        ge=0,
        description="Largest expansion per stage as a share of today's area (0 forbids "
        'growth; "unbounded" for no limit).',
    )
    max_shrink_per_stage: float = Field(
        0.5, ge=0, le=1, description="Largest reduction per stage as a share of today's area."
    )
    min_area_m2: float = Field(
        0.0,
        ge=0,
        description="Core area every centre of this level keeps (rule-making, supervision); "
        "capped at today's area.",
    )
    window_utilisation: float = Field(
        gt=0,
        le=1,
        description="Share of a window's service minutes that demand can actually use "
        "(queueing: small stations idle more than large halls).",
    )
    area_cost_per_m2_year: float = Field(
        ge=0, description="Operating cost of floor area, CNY per m2 per year."
    )

    @field_validator("max_growth_per_stage", mode="before")
    @classmethod
    def _unbounded(cls, value: object) -> object:
        return None if value == "unbounded" else value


def _default_levels() -> dict[str, LevelPolicy]:
    return {
        "province": LevelPolicy(
            area_per_window_m2=70,
            max_growth_per_stage=0.0,
            max_shrink_per_stage=0.4,
            min_area_m2=3000,
            window_utilisation=0.8,
            area_cost_per_m2_year=1200,
        ),
        "city": LevelPolicy(
            area_per_window_m2=60,
            max_growth_per_stage=0.0,
            max_shrink_per_stage=0.4,
            min_area_m2=1500,
            window_utilisation=0.8,
            area_cost_per_m2_year=1000,
        ),
        "county": LevelPolicy(
            area_per_window_m2=45,
            max_growth_per_stage=0.3,
            max_shrink_per_stage=0.4,
            min_area_m2=0,
            window_utilisation=0.75,
            area_cost_per_m2_year=800,
        ),
        "township": LevelPolicy(
            area_per_window_m2=30,
            max_growth_per_stage=None,
            max_shrink_per_stage=0.5,
            min_area_m2=0,
            window_utilisation=0.6,
            area_cost_per_m2_year=600,
        ),
    }


class PolicyConfig(Section):
    """Network-wide policies of the olive layout."""

    levels: dict[str, LevelPolicy] = Field(
        default_factory=_default_levels, description="Per-level rules, keyed by level."
    )
    township_min_station_m2: float = Field(
        80.0,
        ge=0,
        description="Minimum floor area of every township station; a station below it pays "
        "the township shortfall penalty (the township is counted as left without service).",
    )
    merge_within_minutes: float | None = Field(
        None,
        ge=0,
        description="A township whose seat is within this many minutes of its own county hall "
        "may be served by the hall without a station of its own (撤并): the township minimum "
        "station does not apply to it, so a station left serving nothing closes. null: every "
        "township keeps the minimum (the default; 20 in configs/jiangsu.toml).",
    )
    township_min_station_hard: bool = Field(
        False,
        description="Make the township minimum station a hard rule (no shortfall may be "
        "paid); the plan is infeasible when growth limits cannot reach it.",
    )
    max_total_area_m2: list[float] | None = Field(
        None,
        description="Optional per-stage cap on the floor area of all centres together "
        "(a budget for halls); one entry per stage.",
    )
    max_unserved_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Optional hard cap on the share of demand left unserved in every stage "
        "(a service guarantee instead of the unserved penalty alone).",
    )
    top_heavy_max_share: list[float] = Field(
        [0.30, 0.22, 0.15],
        description="Per stage, the province+city share of total floor area above which the "
        "top-heavy penalty applies (one entry per stage).",
    )
    cross_border_counties: bool = Field(
        True,
        description="Allow a township to use a county or city centre of another county or "
        "city when it is within the item's travel limit (跨域通办).",
    )
    cross_border_townships: bool = Field(
        False,
        description="Allow a township station to serve neighbouring townships within reach.",
    )
    cross_border_nearest: int | None = Field(
        3,
        ge=0,
        description="Per township and level, consider only this many of the nearest other "
        'centres beside its own (a sparsification; "unbounded" = every centre in reach).',
    )

    olive: OliveRule = Field(
        default_factory=OliveRule,
        description="The olive shape (橄榄型) as a rule: per stage and province, the county "
        "level the widest and the province level the narrowest.",
    )
    surplus: SurplusRule = Field(
        default_factory=SurplusRule, description="Surplus floor area converted (压缩转化)."
    )
    level_floor: LevelFloorRule = Field(
        default_factory=LevelFloorRule, description="Level sizes kept against today's."
    )
    rule_costs: RuleCostsConfig = Field(
        default_factory=RuleCostsConfig, description="What each rule costs (rule_costs.csv)."
    )
    item_classes: ItemClassesConfig = Field(
        default_factory=ItemClassesConfig,
        description="Per item class, what township stations accept (front acceptance).",
    )
    items: dict[str, ItemRule] = Field(
        default_factory=dict,
        description="Per catalogue item, a table '[policy.items.<item_id>]' with a 'township' "
        "list of the values of 'policy.item_classes' (listed, accept, early, never per stage) "
        "that overrides the rule of the item's class for that item. None by default; "
        "configs/jiangsu.toml sets individual_business_licence to 'early'. An item_id "
        "not in the item catalogue is an error.",
    )
    by_phase: ByPhase = Field(
        default_factory=ByPhase,
        description="Rules by county phase (不能一刀切): county halls and township stations "
        "change more slowly where people still rely on them.",
    )
    staff: StaffRule = Field(
        default_factory=StaffRule,
        description="Staff redeployment (人员分流): a one-off cost per window post or desk "
        "removed, and how fast a level's windows may be cut.",
    )
    pace: PaceRule = Field(
        default_factory=PaceRule,
        description="Pace of compression (逐步压缩): how much floor area may leave the "
        "network in one stage, per centre, level and province.",
    )

    @field_validator("cross_border_nearest", mode="before")
    @classmethod
    def _nearest_unbounded(cls, value: object) -> object:
        return None if value == "unbounded" else value

    @field_validator("levels", mode="before")
    @classmethod
    def _merge_defaults(cls, value: object) -> object:
        """A partial ``[policy.levels.<level>]`` table overrides only the keys it sets."""
        if not isinstance(value, dict):
            return value
        reject_unknown_levels(value, LEVELS, "policy.levels")
        merged: dict[str, object] = {}
        for level, policy in _default_levels().items():
            given = value.get(level, {})
            if isinstance(given, LevelPolicy):
                given = given.model_dump()
            merged[level] = {**policy.model_dump(), **given} if isinstance(given, dict) else given
        merged.update({k: v for k, v in value.items() if k not in merged})
        return merged

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, value: dict[str, LevelPolicy]) -> dict[str, LevelPolicy]:
        reject_unknown_levels(value, LEVELS, "policy.levels")
        missing = [lvl for lvl in LEVELS if lvl not in value]
        if missing:
            msg = f"'policy.levels' is missing {missing}; every level needs its rules"
            raise ValueError(msg)
        return value

    @field_validator("top_heavy_max_share")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        for i, share in enumerate(value):
            if not 0.0 <= share <= 1.0:
                msg = (
                    f"'policy.top_heavy_max_share' entry {i + 1} was {share} but must be in [0, 1]"
                )
                raise ValueError(msg)
        return value


class CostsConfig(Section):
    """Objective weights (CNY). Annual terms are multiplied by each stage's length."""

    window_cost_per_year: float = Field(
        120_000.0, ge=0, description="Staffing cost of one window per year."
    )
    expansion_cost_per_m2: float = Field(
        4_000.0, ge=0, description="One-off cost of adding a m2 of service hall."
    )
    reduction_cost_per_m2: float = Field(
        300.0, ge=0, description="One-off cost of giving up a m2 (relocation, refit)."
    )
    value_of_time_per_hour: float = Field(
        30.0, ge=0, description="Citizens' value of time, CNY per hour of travel."
    )
    online_cost_per_transaction: float = Field(
        6.0, ge=0, description="Cost of handling one transaction online."
    )
    unserved_penalty_per_transaction: float = Field(
        2_000.0, ge=0, description="Penalty per transaction served neither physically nor online."
    )
    township_shortfall_penalty_per_m2_year: float = Field(
        20_000.0, ge=0, description="Penalty per m2 a township station falls below its minimum."
    )
    top_heavy_penalty_per_m2_year: float = Field(
        2_000.0, ge=0, description="Penalty per m2 of province+city area above the share cap."
    )


class SolverName(StrEnum):
    HIGHS = "highs"
    CBC = "cbc"


class SolverConfig(Section):
    """Solver choice and limits."""

    name: SolverName = Field(SolverName.HIGHS, description="'highs' (highspy) or 'cbc'.")
    method: Literal["ipm", "hipo", "simplex", "pdlp", "choose"] = Field(
        "simplex",
        description="HiGHS algorithm, chosen by measurement: on the Jiangsu default "
        "(item-level LP) dual simplex takes about 70 s; primal simplex and interior point "
        "did not finish in 240 s (docs, Benchmarks). 'ipm': HiGHS's IPX interior point; "
        "'hipo': its HiPO interior point (normal equations): for rule-heavy configs "
        "(bench-brakes), not the default. With crossover both run the tie-break by simplex.",
    )
    crossover: bool = Field(
        True,
        description="Run crossover after IPM or HiPO (a vertex solution; steadier plan files).",
    )
    time_limit_s: float = Field(600.0, gt=0, description="Wall-clock limit of the solve.")
    threads: int = Field(1, ge=1, le=64, description="Solver threads (1 = deterministic).")
    verbose: bool = Field(False, description="Show the solver log.")
    column_generation: bool = Field(
        False,
        description="Start from the nearest centre per competent level and add the arcs that "
        "price out with the row duals until none is left (exact). Measured slower than "
        "building every arc on the Jiangsu default (HiGHS 43 s vs 24 s, shared machine), "
        "so off by default.",
    )
    lagrangian_start: bool = Field(
        True,
        description="HiGHS only: start the cost phase by pricing the network-wide policy "
        "rows (olive, top-heavy, level floors, budgets) into the costs and solving without "
        "them, then restore them and solve the full LP from that basis. Same optimum and "
        "plan; on the Jiangsu default the LP takes about 30 s instead of 77 s (docs, "
        "Benchmarks).",
    )
    warm_iteration_limit: int = Field(
        12_000,
        ge=0,
        description="HiGHS with method 'hipo' or 'ipm' only: a re-solve after the first LP "
        "(window-mode prices, floor-area caps) starts its cost phase by dual simplex from "
        "the LP before it; past this many iterations it is solved cold by the method "
        "instead (a large change of caps makes every warm iteration dear: Sichuan's first "
        "floor-area re-solve took 44,237 iterations and 860 s warm, about 235 s cold). "
        "The plan is the same either way (the tie-break's unique optimum); 0: no limit.",
    )
    canonical_duals: Literal["vertex", "generic"] = Field(
        "vertex",
        description="Which optimal duals of the cost phase plan/rule_costs.csv reports (the "
        "LP is degenerate: they are not unique). 'vertex': re-solved by simplex from a basis "
        "built from the plan alone. 'generic': the optimal duals maximising a generic "
        "BLAKE2b-weighted function of the row duals (each inequality rule at the low end of "
        "its optimal range, each equality at the high end), found by a dual simplex warm "
        "from the cost phase's basis with every row bound shifted by a tiny weighted amount, "
        "and checked optimal for the LP (else 'vertex'); summary.json's optimality.duals "
        "says which. Both depend on the LP only, not on the solver's path; 'generic' "
        "takes a fraction of the time on large provinces (docs, Benchmarks). HiGHS with the "
        "tie-break only.",
    )
    tie_break: bool = Field(
        True,
        description="Report the lexicographic optimum (cost, then total floor area, then "
        "travel, then a fixed generic objective over every column): one plan whatever the "
        "solver. False stops at the first optimum the solver finds.",
    )


class ModelConfig(Section):
    """How the LP is formulated."""

    formulation: Literal["classes", "items"] = Field(
        "items",
        description="'items' (default, exact) keeps one flow per item and centre; 'classes' "
        "is an approximate screening mode: per stage it merges the items that share competent "
        "levels and travel limit into one demand class per township, split over centres in "
        "one proportion, after fixing online volume at its cap by a dominance argument.",
    )
    decompose: bool = Field(
        True,
        description="Solve each province as its own LP (exact: no constraint links provinces) "
        "and combine the plans; false builds one LP for the whole dataset.",
    )


class OutputConfig(Section):
    """Where and how the plan is written."""

    dir: Path = Field(Path("../outputs"), description="Parent folder of run folders.")
    crs: str = Field("EPSG:4490", description="CRS of the GeoPackage layers.")
    gpkg: bool = Field(True, description="Write plan.gpkg.")
    report: bool = Field(True, description="Write report.html.")


class Config(Section):
    """A complete run configuration."""

    name: str = Field(
        "jiangsu-default",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Run name; the plan is written to <output.dir>/<name>/.",
    )
    description: str = Field("", description="Free text shown in the report.")
    data: DataConfig = Field(default_factory=DataConfig)
    stages: StagesConfig = Field(default_factory=StagesConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    windows: WindowsConfig = Field(default_factory=WindowsConfig)
    maturity: MaturityConfig = Field(default_factory=MaturityConfig)
    travel: TravelConfig = Field(default_factory=TravelConfig)
    costs: CostsConfig = Field(default_factory=CostsConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    solver: SolverConfig = Field(default_factory=SolverConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @model_validator(mode="after")
    def _per_stage_lists(self) -> Config:
        n = len(self.stages.years)
        cap = self.policy.max_total_area_m2
        if cap is not None and len(cap) != n:
            raise ValueError(per_stage_message("policy.max_total_area_m2", len(cap), n, True))
        shares = self.policy.top_heavy_max_share
        if len(shares) != n:
            given = "top_heavy_max_share" in self.policy.model_fields_set
            raise ValueError(per_stage_message("policy.top_heavy_max_share", len(shares), n, given))
        check_stage_lists(self.policy.olive, self.policy.level_floor, n)
        return self


SWEEP_KEYS = frozenset({"base", "vary"})
"""Top-level keys of a sweep file: a config holding them is a sweep file given to ``run``."""


class LoadedConfig(BaseModel):
    """A validated config plus where it came from (paths resolved)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    config: Config
    path: Path
    raw: dict[str, Any]

    def resolve(self, relative: Path) -> Path:
        """Resolve a path from the config relative to the config file's folder.

        Raises
        ------
        InputError
            The path runs into a loop of symbolic links (one line naming it).
        """
        if relative.is_absolute():
            return relative
        try:
            return (self.path.parent / relative).resolve()
        except (RuntimeError, OSError) as err:  # a symbolic-link loop (RuntimeError in 3.11)
            msg = (
                f"{self.path}: the path {relative} cannot be resolved "
                f"({type(err).__name__}: a loop of symbolic links?); expected a path to a file "
                "or folder"
            )
            raise InputError(msg) from None

    @property
    def run_dir(self) -> Path:
        """Folder the plan of this run is written to."""
        return self.resolve(self.config.output.dir) / self.config.name


def _format_validation_error(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        if len(first["loc"]) == 1 and str(first["loc"][0]) in SWEEP_KEYS:
            return (
                f"{path}: this is a sweep file (it has '{where}'), not a run config: "
                f"run it with `planner sweep {path}`"
            )
        return unknown_key_message(Config, path, [str(p) for p in first["loc"]])
    message = first["msg"].removeprefix("Value error, ")
    if "input" in first and kind not in {"value_error", "missing"}:
        return f"{path}: '{where}' was {first['input']!r}: {message}"
    if kind == "missing":
        return f"{path}: '{where}' is required but missing"
    if message.startswith("'") or where == "(top level)":
        return f"{path}: {message}"
    return f"{path}: '{where}': {message}"


def parse_config(raw: dict[str, Any], path: Path) -> Config:
    """Validate a config mapping, turning pydantic errors into one-line :class:`InputError`."""
    try:
        return Config.model_validate(raw)
    except ValidationError as err:
        raise InputError(_format_validation_error(path, err)) from None


def load_config(path: Path | str, overrides: dict[str, Any] | None = None) -> LoadedConfig:
    """Read and validate a TOML config.

    Parameters
    ----------
    path
        The TOML file.
    overrides
        Nested mapping merged over the file's content (used by sweeps and tests).

    Raises
    ------
    InputError
        The file is missing, is not TOML, or does not match the schema.
    """
    path = Path(path)
    text = read_text_file(path, "config", MAX_CONFIG_BYTES)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML ({err})"
        raise InputError(msg) from None
    if overrides:
        raw = deep_merge(raw, overrides)
    config = parse_config(raw, path)
    return LoadedConfig(config=config, path=path.resolve(), raw=raw)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``over`` merged in recursively (``over`` wins)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
