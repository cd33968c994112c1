"""Config sections that stand on their own: netizen maturity and travel times.

Re-exported by :mod:`planner.config.schema`, which holds the rest of the schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from planner.config.base import Section


class MaturityConfig(Section):
    """Government-netizen maturity (政务网民成熟度) from census indicators."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "edu_years_mean": 0.35,
            "urban_share": 0.25,
            "working_age_share": 0.15,
            "literacy": 0.15,
            "car_share": 0.10,
        },
        description="Weights of the normalised indicators (they are rescaled to sum to 1): "
        "edu_years_mean (6..13 years), urban_share, working_age_share (1 - share 0-14 - "
        "share 65+, 0.55..0.80), literacy (1 - illiterate share, 0.85..1.0), car_share "
        "(0..0.7).",
    )
    kind_offsets: dict[str, float] = Field(
        default_factory=lambda: {"street": 0.05, "town": 0.0, "township": -0.05, "other": 0.0},
        description="Added to a township's maturity by its kind (streets are urban).",
    )
    annual_catch_up: float = Field(
        0.06,
        ge=0,
        le=1,
        description="Share of the remaining gap to full maturity (1.0) closed each year; "
        "regions move at their own pace from their own start.",
    )
    phase_thresholds: tuple[float, float] = Field(
        (0.45, 0.65),
        description="With phase_measure 'maturity': county maturity below the first is "
        "physical-primary, below the second balanced, else online-primary.",
    )
    phase_measure: Literal["online_share", "maturity"] = Field(
        "maturity",
        description="What a county's phase is read from: 'online_share' (the share of its "
        "transactions that may go online in the stage, the model's own online cap: the "
        "paper's 实体为主 / 并重 / 虚拟为主 by channel) against online_share_bands, or "
        "'maturity' (the index, the default) against phase_thresholds ('online_share' in "
        "configs/jiangsu.toml).",
    )
    online_share_bands: tuple[float, float] = Field(
        (0.45, 0.55),
        description="Online share below the first is physical-primary, below the second "
        "balanced, else online-primary.",
    )

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        known = {"edu_years_mean", "urban_share", "working_age_share", "literacy", "car_share"}
        unknown = sorted(set(value) - known)
        if unknown:
            msg = f"unknown indicator(s) {unknown} in 'maturity.weights'; expected {sorted(known)}"
            raise ValueError(msg)
        if any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            msg = "'maturity.weights' must be >= 0 with a positive sum"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _thresholds(self) -> MaturityConfig:
        lo, hi = self.phase_thresholds
        if not 0 <= lo <= hi <= 1:
            msg = f"'maturity.phase_thresholds' was {[lo, hi]} but must satisfy 0 <= lo <= hi <= 1"
            raise ValueError(msg)
        return self


class TravelConfig(Section):
    """How travel minutes are estimated (no open road network exists for this data)."""

    graph: Literal["delaunay", "knn"] = Field(
        "delaunay", description="Road proxy graph over township seats."
    )
    knn_k: int = Field(6, ge=1, le=30, description="Neighbours per seat when graph = 'knn'.")
    max_edge_km: float = Field(
        35.0, gt=0, description="Drop graph edges longer than this (lakes, estuaries)."
    )
    detour_factor: float = Field(
        1.35, ge=1.0, le=3.0, description="Road distance / straight-line distance."
    )
    speed_kmh: float = Field(40.0, gt=0, le=130, description="Average door-to-door speed.")
    local_access_minutes: float = Field(
        10.0, ge=0, description="Minutes from home to the seat of one's own township."
    )
    round_trip: bool = Field(True, description="Charge citizens' time for the way back too.")
    projected_crs: str = Field(
        "auto",
        description="Metric CRS for distances; 'auto' picks the UTM zone of the data centroid.",
    )
    matrix: Path | None = Field(
        None,
        description="Measured travel times replacing the proxy graph: CSV or Parquet with "
        "township_id, centre_id, minutes (one-way, door to door, e.g. an OD cost matrix from "
        "ArcGIS, QGIS or OSRM); pairs it lacks fall back to the proxy (counted in a warning).",
    )
