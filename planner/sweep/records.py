"""What a scenario and a sweep produce: small, picklable records read from run folders."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from planner.config.schema import LEVELS
from planner.errors import PlannerError
from planner.io.run_folder import REPORT_FILE, read_run_folder
from planner.plan.summary import StageMetrics, level_areas
from planner.solve.driver import Status
from planner.sweep.folder import RECORD_FILE
from planner.sweep.spec import ScenarioSpec, Sweep, nest

ScenarioStatus = Literal["solved", "reused", "failed"]
"""What happened to a scenario: solved now, reused from an earlier run, or failed."""


@dataclass(frozen=True)
class ScenarioStage:
    """Headline figures of one planning stage of a scenario's plan."""

    stage: int
    area_m2: dict[str, float]
    """Floor area by level."""
    top_heavy_share: float
    """Province + city share of the floor area."""
    metrics: StageMetrics
    """The plan's metrics of the stage (as in ``summary.json``)."""
    year: int | None = None
    """The stage's year (``stages.years`` of the scenario's config)."""

    @property
    def label(self) -> str:
        """``"1 (2027)"``: the stage and its year."""
        return f"{self.stage} ({self.year})" if self.year is not None else str(self.stage)


@dataclass(frozen=True)
class ScenarioRecord:
    """What a scenario task returns: small and picklable.

    Attributes
    ----------
    name, index, values
        The scenario (see :class:`ScenarioSpec`).
    status : {"solved", "reused", "failed"}
    run_dir : str
        The scenario's run folder.
    error : str or None
        One line saying why the scenario failed.
    config_hash : str or None
        :func:`scenario_hash` of the scenario (``None`` when its config was invalid).
    solver_status : Status or None
        ``optimal``, ``time_limit``, ``infeasible``, ...
    objective_kcny : float or None
        Total cost (the LP objective, each scenario with its own weights), kCNY.
    stages : tuple of ScenarioStage
        Planning stages, first to last.
    warnings : tuple of str
        The plan's warnings.
    seconds : float
        Wall time of the task.
    report : str or None
        The scenario's ``report.html`` when one was written.
    """

    name: str
    index: int
    values: dict[str, Any]
    status: ScenarioStatus
    run_dir: str
    error: str | None = None
    config_hash: str | None = None
    solver_status: Status | None = None
    objective_kcny: float | None = None
    stages: tuple[ScenarioStage, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    report: str | None = None

    @property
    def ok(self) -> bool:
        """The scenario has a plan (solved now or reused)."""
        return self.status != "failed"

    @property
    def overrides(self) -> dict[str, Any]:
        """The scenario's values as the nested overrides of the base config."""
        return nest(self.values)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ScenarioRecord:
        """Rebuild a record written by :meth:`to_json`."""
        data = dict(value)
        data["stages"] = tuple(
            ScenarioStage(**{**s, "metrics": StageMetrics(**s["metrics"])})
            for s in data.get("stages", ())
        )
        data["warnings"] = tuple(data.get("warnings", ()))
        if data.get("solver_status") is not None:
            data["solver_status"] = Status(data["solver_status"])
        return cls(**data)


def error_text(err: BaseException) -> str:
    """One line for a record: the message of a planner error, else the exception type too."""
    text = str(err) if isinstance(err, PlannerError) else f"{type(err).__name__}: {err}"
    return " ".join(text.split()) or type(err).__name__


def failed_record(
    spec: ScenarioSpec,
    error: str,
    start: float | None = None,
    digest: str | None = None,
    solver_status: Status | None = None,
) -> ScenarioRecord:
    """The record of a scenario that produced no plan."""
    seconds = time.perf_counter() - start if start is not None else 0.0
    return ScenarioRecord(
        name=spec.name,
        index=spec.index,
        values=dict(spec.values),
        status="failed",
        run_dir=str(spec.run_dir),
        error=error,
        config_hash=digest,
        solver_status=solver_status,
        seconds=seconds,
    )


def read_record(run_dir: Path) -> ScenarioRecord | None:
    """The ``scenario.json`` of a scenario folder, or ``None`` if absent or unreadable."""
    try:
        value = json.loads((run_dir / RECORD_FILE).read_text(encoding="utf-8"))
        return ScenarioRecord.from_json(value)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def record_from_run(
    spec: ScenarioSpec,
    status: ScenarioStatus,
    digest: str,
    start: float,
) -> ScenarioRecord:
    """Build a record from the plan files of the scenario's run folder."""
    run = read_run_folder(spec.run_dir)
    summary = run.summary
    area = level_areas(run.levels)
    years = run.years
    stages = [
        ScenarioStage(
            stage=s,
            area_m2=area.get(s, dict.fromkeys(LEVELS, 0.0)),
            top_heavy_share=summary.top_heavy_share[s],
            metrics=metrics,
            year=years.get(s),
        )
        for s, metrics in sorted(summary.stages.items())
    ]
    report = spec.run_dir / REPORT_FILE
    return ScenarioRecord(
        name=spec.name,
        index=spec.index,
        values=dict(spec.values),
        status=status,
        run_dir=str(spec.run_dir),
        config_hash=digest,
        solver_status=summary.status,
        objective_kcny=summary.objective_kcny,
        stages=tuple(stages),
        warnings=summary.warnings,
        seconds=time.perf_counter() - start,
        report=str(report) if report.is_file() else None,
    )


@dataclass(frozen=True)
class Dominance:
    """A scenario and the scenarios that dominate it."""

    scenario: str
    dominated_by: tuple[str, ...]


@dataclass
class SweepResult:
    """The records of a sweep (in sweep order) and the files written."""

    sweep: Sweep
    records: list[ScenarioRecord]
    dominance: list[Dominance]
    files: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    removed: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ScenarioRecord]:
        """Scenarios without a plan."""
        return [r for r in self.records if not r.ok]

    def count(self, status: ScenarioStatus) -> int:
        """Number of scenarios with this status."""
        return sum(r.status == status for r in self.records)
