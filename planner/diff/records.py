"""What a comparison of two run folders finds: one record type per kind of change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.diff.rules import RuleCostChange

TEXT_LIMIT = 50
"""Rows shown per list in text and markdown (JSON always holds every row)."""
JSON_DIGITS = 6
"""Decimals floats are rounded to in :func:`to_json`."""
JSON_KEYS = (
    "centres",
    "dataset",
    "config",
    "files",
    "identical",
    "levels",
    "metrics",
    "notes",
    "rule_costs",
    "run_a",
    "run_b",
    "stages",
    "status",
    "tolerance",
    "townships",
    "warnings",
)
"""Top-level keys of :func:`to_json`'s object."""

CENTRE_FIELDS = ("area", "windows", "desks", "mode", "action")
"""Names used in :attr:`CentreChange.changed`."""


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


@dataclass(frozen=True)
class Tolerance:
    """How large a difference must be to count.

    Attributes
    ----------
    area_m2
        Absolute floor-area difference (m2) below which a centre's area is unchanged.
    unserved_share
        A township has unserved demand in a stage when ``unserved > unserved_share * demand``
        (the rule ``summary.json`` uses for ``townships_with_unserved``).
    """

    area_m2: float = 0.5
    unserved_share: float = 1e-3


DEFAULT_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class FileChange:
    """One plan file: ``same``, ``differs``, ``only_a`` or ``only_b``."""

    file: str
    status: str


@dataclass(frozen=True)
class ConfigChange:
    """A dotted config key whose value differs (``in_a``/``in_b``: whether it is set)."""

    key: str
    a: Any
    b: Any
    in_a: bool
    in_b: bool


@dataclass(frozen=True)
class LevelChange:
    """Level totals of one stage and level in both runs (``None`` where a run lacks it)."""

    stage: int
    level: str
    area_a: float | None
    area_b: float | None
    share_a: float | None
    share_b: float | None
    windows_a: int | None
    windows_b: int | None

    @property
    def area_delta(self) -> float | None:
        """Floor area of B minus A (m2)."""
        return _delta(self.area_a, self.area_b)

    @property
    def share_delta(self) -> float | None:
        """Area share of B minus A (a fraction)."""
        return _delta(self.share_a, self.share_b)

    @property
    def windows_delta(self) -> int | None:
        """Windows of B minus A."""
        if self.windows_a is None or self.windows_b is None:
            return None
        return self.windows_b - self.windows_a

    def differs(self, tolerance: Tolerance) -> bool:
        """Whether area (beyond the tolerance), share or windows differ."""
        if None in (self.area_a, self.area_b, self.windows_a, self.windows_b):
            return True
        return (
            abs(self.area_delta or 0.0) > tolerance.area_m2
            or self.share_a != self.share_b
            or self.windows_a != self.windows_b
        )


@dataclass(frozen=True)
class CentreChange:
    """A centre and stage whose area, windows, desks, mode or action changed.

    ``changed`` names the changed fields (a subset of :data:`CENTRE_FIELDS`); the other
    values are given for context. Desks are ``None`` when a run has no
    ``backoffice_desks`` column.
    """

    centre_id: str
    stage: int
    level: str
    changed: tuple[str, ...]
    area_a: float
    area_b: float
    windows_a: int
    windows_b: int
    desks_a: int | None
    desks_b: int | None
    mode_a: str
    mode_b: str
    action_a: str
    action_b: str
    name: str = ""
    """The centre's name (``plan/centres.csv``)."""

    @property
    def area_delta(self) -> float:
        """Floor area of B minus A (m2)."""
        return self.area_b - self.area_a

    @property
    def windows_delta(self) -> int:
        """Windows of B minus A."""
        return self.windows_b - self.windows_a


@dataclass(frozen=True)
class ServiceChange:
    """A township and stage whose unserved demand appeared (``lost``) or vanished (``gained``)."""

    township_id: str
    stage: int
    county_code: str
    direction: str
    demand_a: float
    demand_b: float
    unserved_a: float
    unserved_b: float
    township_name: str = ""
    county_name: str = ""


@dataclass(frozen=True)
class PhaseChange:
    """A township and stage whose (county) phase changed."""

    township_id: str
    stage: int
    county_code: str
    phase_a: str
    phase_b: str
    township_name: str = ""
    county_name: str = ""


@dataclass(frozen=True)
class Metric:
    """A headline number of ``summary.json`` in both runs (``None`` where absent)."""

    name: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        """B minus A."""
        return _delta(self.a, self.b)

    @property
    def changed(self) -> bool:
        """Whether the two values differ by what a diff shows: a share by 0.005 pp or
        more, any other figure by 0.005 or more (no ``-0.00 pp`` non-change is listed)."""
        if self.a is None or self.b is None:
            return self.a != self.b
        half_step = 0.5e-4 if "share" in self.name else 0.5e-2
        return abs(self.b - self.a) >= half_step


@dataclass
class PlanDiff:
    """Everything that differs between run A and run B.

    Attributes
    ----------
    run_a, run_b
        The run folders as given.
    identical
        True only when every plan file (``plan/*.csv``, ``plan/summary.json``) is
        byte-identical and both runs have the same plan files.
    tolerance
        The thresholds used.
    files
        Every plan file and whether it is the same, differs or exists in one run only.
    config
        Dotted config keys that differ, sorted.
    stages_a, stages_b
        Stages of each run (0 is today's inventory).
    levels
        Level totals per stage and level (all of them, changed or not).
    centres
        Centres whose area, windows, desks, mode or action changed, by id then stage.
    centres_only_a, centres_only_b
        Centre ids present in one run only.
    service
        Townships that gained or lost service, by id then stage.
    phases
        Townships whose phase changed, by id then stage.
    townships_only_a, townships_only_b
        Township ids present in one run only.
    metrics
        Objective, its terms, top-heavy share per stage and the per-stage summary numbers.
    status_a, status_b
        Solve status of each run.
    warnings_removed, warnings_added
        Plan warnings only in A, only in B.
    notes
        What could not be compared, in words.
    dataset_a, dataset_b
        The part of the dataset each run planned (``summary.json`` or ``manifest.json``).
    """

    run_a: str
    run_b: str
    identical: bool
    tolerance: Tolerance
    files: list[FileChange]
    config: list[ConfigChange]
    stages_a: list[int]
    stages_b: list[int]
    levels: list[LevelChange]
    centres: list[CentreChange]
    centres_only_a: list[str]
    centres_only_b: list[str]
    service: list[ServiceChange]
    phases: list[PhaseChange]
    townships_only_a: list[str]
    townships_only_b: list[str]
    metrics: list[Metric]
    status_a: str | None
    status_b: str | None
    warnings_removed: list[str] = field(default_factory=list)
    warnings_added: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rule_costs: list[RuleCostChange] = field(default_factory=list)
    """Rules whose largest marginal cost changed (``plan/rule_costs.csv``)."""
    dataset_a: str | None = None
    dataset_b: str | None = None
    """The province (or part of the dataset) each run planned, e.g. ``"江苏省 (32)"``."""
    years_a: dict[int, int] = field(default_factory=dict)
    years_b: dict[int, int] = field(default_factory=dict)
    """The year of every stage of each run (stage 0: today's base year)."""

    def stage_label(self, stage: int) -> str:
        """``"s1 (2027)"``: the stage with its year in B (else in A)."""
        year = self.years_b.get(stage, self.years_a.get(stage))
        return f"s{stage} ({year})" if year is not None else f"s{stage}"

    @property
    def changed_levels(self) -> list[LevelChange]:
        """Level rows that differ."""
        return [row for row in self.levels if row.differs(self.tolerance)]

    @property
    def changed_metrics(self) -> list[Metric]:
        """Metrics whose values differ."""
        return [m for m in self.metrics if m.changed]

    @property
    def differing_files(self) -> list[FileChange]:
        """Plan files that are not byte-identical (or exist in one run only)."""
        return [f for f in self.files if f.status != "same"]
