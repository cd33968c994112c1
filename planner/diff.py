"""Compare two run folders: config keys, level totals, centres, townships and headline metrics.

A run folder is what ``planner run`` writes (``config.toml``, ``manifest.json`` and
``plan/``). :func:`load_run` reads the parts a comparison needs, :func:`diff_runs` compares
two of them into a :class:`PlanDiff`, and :func:`render_text`, :func:`render_markdown` and
:func:`to_json` turn that into text for a terminal, a review thread or a script.

Two runs are *identical* when every plan file (``plan/*.csv`` and ``plan/summary.json``) is
byte-identical; ``manifest.json`` (paths, timings) and ``config.toml`` are not part of that
test, but the config keys that differ are always listed.

Everything is deterministic: records are sorted by id then stage, JSON keys are sorted and
floats are rounded to :data:`JSON_DIGITS` decimals. Nothing here prints or imports PuLP.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from planner.config import LEVELS
from planner.run_folder import RunFolder, read_run_folder
from planner.summary import PlanSummary

__all__ = [
    "DEFAULT_TOLERANCE",
    "JSON_DIGITS",
    "JSON_KEYS",
    "TEXT_LIMIT",
    "CentreChange",
    "ConfigChange",
    "FileChange",
    "LevelChange",
    "Metric",
    "PhaseChange",
    "PlanDiff",
    "ServiceChange",
    "Tolerance",
    "diff_runs",
    "flatten_config",
    "headline",
    "load_run",
    "render_markdown",
    "render_text",
    "to_dict",
    "to_json",
]

TEXT_LIMIT = 50
"""Rows shown per list in text and markdown (JSON always holds every row)."""
JSON_DIGITS = 6
"""Decimals floats are rounded to in :func:`to_json`."""
JSON_KEYS = (
    "centres",
    "config",
    "files",
    "identical",
    "levels",
    "metrics",
    "notes",
    "run_a",
    "run_b",
    "stages",
    "status",
    "tolerance",
    "townships",
    "warnings",
)
"""Top-level keys of :func:`to_json`'s object."""

CENTRE_NUMBERS = ("stage", "floor_area_m2", "windows", "backoffice_desks")
TOWNSHIP_NUMBERS = ("stage", "demand", "unserved")
LEVEL_NUMBERS = ("stage", "floor_area_m2", "area_share", "windows")
CENTRE_FIELDS = ("area", "windows", "desks", "mode", "action")
"""Names used in :attr:`CentreChange.changed`."""


# --- records --------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class PhaseChange:
    """A township and stage whose (county) phase changed."""

    township_id: str
    stage: int
    county_code: str
    phase_a: str
    phase_b: str


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
        """Whether the two values differ (summary values are already rounded)."""
        return self.a != self.b


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


# --- loading --------------------------------------------------------------------------------


def _floats(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """A copy with the compared numeric columns as float (``stage`` stays int)."""
    out = frame.copy()
    for col in columns:
        if col in out.columns and col != "stage":
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def load_run(path: Path) -> RunFolder:
    """Read a run folder written by ``planner run`` for a comparison.

    Parameters
    ----------
    path
        The run folder (``<output.dir>/<name>``), holding ``config.toml`` and ``plan/``.

    Returns
    -------
    RunFolder
        As :func:`planner.run_folder.read_run_folder`, with the compared numbers as floats.

    Raises
    ------
    InputError
        The folder or one of its required files is missing or unreadable (one line that
        names the path).
    """
    run = read_run_folder(path)
    return replace(
        run,
        centres=_floats(run.centres, CENTRE_NUMBERS),
        townships=_floats(run.townships, TOWNSHIP_NUMBERS),
        levels=_floats(run.levels, LEVEL_NUMBERS),
    )


# --- comparing ------------------------------------------------------------------------------


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def _num(value: Any) -> float | None:
    """A finite float, or None (NaN, missing, not a number, bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def _int(value: Any) -> int | None:
    out = _num(value)
    return None if out is None else round(out)


def flatten_config(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested TOML tables into dotted keys (arrays are kept as values).

    Parameters
    ----------
    value
        A parsed TOML document or table.
    prefix
        Prepended to every key (used in recursion).

    Returns
    -------
    dict
        ``{"costs.window_cost_per_year": 150000.0, ...}``.
    """
    out: dict[str, Any] = {}
    for key, val in value.items():
        name = f"{prefix}{key}"
        if isinstance(val, dict):
            out.update(flatten_config(val, f"{name}."))
        else:
            out[name] = val
    return out


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _config_changes(a: dict[str, Any], b: dict[str, Any]) -> list[ConfigChange]:
    fa, fb = flatten_config(a), flatten_config(b)
    out = []
    for key in sorted(set(fa) | set(fb)):
        if key in fa and key in fb and _same_value(fa[key], fb[key]):
            continue
        out.append(ConfigChange(key, fa.get(key), fb.get(key), key in fa, key in fb))
    return out


def _file_changes(a: dict[str, str], b: dict[str, str]) -> list[FileChange]:
    out = []
    for name in sorted(set(a) | set(b)):
        if name not in b:
            status = "only_a"
        elif name not in a:
            status = "only_b"
        else:
            status = "same" if a[name] == b[name] else "differs"
        out.append(FileChange(name, status))
    return out


def _level_order(level: str) -> tuple[int, str]:
    return (LEVELS.index(level), level) if level in LEVELS else (len(LEVELS), level)


def _level_changes(a: pd.DataFrame, b: pd.DataFrame) -> list[LevelChange]:
    def rows(frame: pd.DataFrame) -> dict[tuple[int, str], tuple[float, float, int]]:
        return {
            (int(s), str(lv)): (float(area), float(share), round(float(w)))
            for s, lv, area, share, w in zip(
                frame["stage"],
                frame["level"],
                frame["floor_area_m2"],
                frame["area_share"],
                frame["windows"],
                strict=True,
            )
        }

    ra, rb = rows(a), rows(b)
    out = []
    for key in sorted(set(ra) | set(rb), key=lambda k: (k[0], _level_order(k[1]))):
        va, vb = ra.get(key), rb.get(key)
        out.append(
            LevelChange(
                stage=key[0],
                level=key[1],
                area_a=None if va is None else va[0],
                area_b=None if vb is None else vb[0],
                share_a=None if va is None else va[1],
                share_b=None if vb is None else vb[1],
                windows_a=None if va is None else va[2],
                windows_b=None if vb is None else vb[2],
            )
        )
    return out


def _centre_changes(
    a: pd.DataFrame, b: pd.DataFrame, tolerance: Tolerance
) -> tuple[list[CentreChange], bool]:
    """Changed centres on the (centre_id, stage) rows both runs have; also whether desks
    were compared."""
    desks = "backoffice_desks" in a.columns and "backoffice_desks" in b.columns
    m = a.merge(b, on=["centre_id", "stage"], how="inner", suffixes=("_a", "_b"))
    m = m.sort_values(["centre_id", "stage"], kind="mergesort", ignore_index=True)
    flags = {
        "area": (m["floor_area_m2_b"] - m["floor_area_m2_a"]).abs() > tolerance.area_m2,
        "windows": m["windows_a"].round() != m["windows_b"].round(),
        "desks": (
            m["backoffice_desks_a"].round() != m["backoffice_desks_b"].round()
            if desks
            else pd.Series(False, index=m.index)
        ),
        "mode": m["mode_a"] != m["mode_b"],
        "action": m["action_a"] != m["action_b"],
    }
    any_change = pd.concat(flags, axis=1).any(axis=1)
    out = []
    for i in m.index[any_change.to_numpy()]:
        row = m.loc[i]
        out.append(
            CentreChange(
                centre_id=str(row["centre_id"]),
                stage=int(row["stage"]),
                level=str(row["level_b"] or row["level_a"]),
                changed=tuple(name for name in CENTRE_FIELDS if bool(flags[name][i])),
                area_a=float(row["floor_area_m2_a"]),
                area_b=float(row["floor_area_m2_b"]),
                windows_a=_int(row["windows_a"]) or 0,
                windows_b=_int(row["windows_b"]) or 0,
                desks_a=_int(row["backoffice_desks_a"]) if desks else None,
                desks_b=_int(row["backoffice_desks_b"]) if desks else None,
                mode_a=str(row["mode_a"]),
                mode_b=str(row["mode_b"]),
                action_a=str(row["action_a"]),
                action_b=str(row["action_b"]),
            )
        )
    return out, desks


def _township_changes(
    a: pd.DataFrame, b: pd.DataFrame, tolerance: Tolerance
) -> tuple[list[ServiceChange], list[PhaseChange]]:
    m = a.merge(b, on=["township_id", "stage"], how="inner", suffixes=("_a", "_b"))
    m = m.sort_values(["township_id", "stage"], kind="mergesort", ignore_index=True)
    rel = tolerance.unserved_share
    has_a = m["unserved_a"].fillna(0.0) > rel * m["demand_a"].fillna(0.0)
    has_b = m["unserved_b"].fillna(0.0) > rel * m["demand_b"].fillna(0.0)
    service = []
    for i in m.index[(has_a != has_b).to_numpy()]:
        row = m.loc[i]
        service.append(
            ServiceChange(
                township_id=str(row["township_id"]),
                stage=int(row["stage"]),
                county_code=str(row["county_code_b"] or row["county_code_a"]),
                direction="gained" if bool(has_a[i]) else "lost",
                demand_a=_num(row["demand_a"]) or 0.0,
                demand_b=_num(row["demand_b"]) or 0.0,
                unserved_a=_num(row["unserved_a"]) or 0.0,
                unserved_b=_num(row["unserved_b"]) or 0.0,
            )
        )
    phases = [
        PhaseChange(
            township_id=str(row["township_id"]),
            stage=int(row["stage"]),
            county_code=str(row["county_code_b"] or row["county_code_a"]),
            phase_a=str(row["phase_a"]),
            phase_b=str(row["phase_b"]),
        )
        for _, row in m[m["phase_a"] != m["phase_b"]].iterrows()
    ]
    return service, phases


def _metrics(a: PlanSummary, b: PlanSummary) -> list[Metric]:
    out = [Metric("objective_kcny", _num(a.objective_kcny), _num(b.objective_kcny))]
    ta, tb = a.objective_terms_kcny, b.objective_terms_kcny
    for term in sorted(set(ta) | set(tb)):
        out.append(Metric(f"objective_terms_kcny.{term}", _num(ta.get(term)), _num(tb.get(term))))
    ha, hb = a.top_heavy_share, b.top_heavy_share
    for stage in sorted(set(ha) | set(hb)):
        out.append(Metric(f"top_heavy_share.{stage}", _num(ha.get(stage)), _num(hb.get(stage))))
    sa, sb = a.stages, b.stages
    for stage in sorted(set(sa) | set(sb)):
        da = asdict(sa[stage]) if stage in sa else {}
        db = asdict(sb[stage]) if stage in sb else {}
        for name in sorted(set(da) | set(db)):
            out.append(Metric(f"stages.{stage}.{name}", _num(da.get(name)), _num(db.get(name))))
    return out


def diff_runs(a: RunFolder, b: RunFolder, tolerance: Tolerance = DEFAULT_TOLERANCE) -> PlanDiff:
    """Compare run A (before) with run B (after).

    Parameters
    ----------
    a, b
        Runs read by :func:`load_run`.
    tolerance
        When an area or unserved difference counts (see :class:`Tolerance`).

    Returns
    -------
    PlanDiff
        The differences, sorted by id then stage.
    """
    files = _file_changes(a.plan_hashes, b.plan_hashes)
    centres, desks = _centre_changes(a.centres, b.centres, tolerance)
    service, phases = _township_changes(a.townships, b.townships, tolerance)
    stages_a = sorted({int(s) for s in a.centres["stage"]} | {int(s) for s in a.levels["stage"]})
    stages_b = sorted({int(s) for s in b.centres["stage"]} | {int(s) for s in b.levels["stage"]})
    ids_ca, ids_cb = set(a.centres["centre_id"]), set(b.centres["centre_id"])
    ids_ta, ids_tb = set(a.townships["township_id"]), set(b.townships["township_id"])
    notes = []
    if stages_a != stages_b:
        notes.append(
            f"the runs have different stages (A: {', '.join(map(str, stages_a))}; "
            f"B: {', '.join(map(str, stages_b))}); only the stages both have are compared"
        )
    if not desks:
        notes.append("back-office desks not compared: a run has no backoffice_desks column")
    warnings_a, warnings_b = list(a.summary.warnings), list(b.summary.warnings)
    return PlanDiff(
        run_a=str(a.path),
        run_b=str(b.path),
        identical=all(f.status == "same" for f in files),
        tolerance=tolerance,
        files=files,
        config=_config_changes(a.config, b.config),
        stages_a=stages_a,
        stages_b=stages_b,
        levels=_level_changes(a.levels, b.levels),
        centres=centres,
        centres_only_a=sorted(ids_ca - ids_cb),
        centres_only_b=sorted(ids_cb - ids_ca),
        service=service,
        phases=phases,
        townships_only_a=sorted(ids_ta - ids_tb),
        townships_only_b=sorted(ids_tb - ids_ta),
        metrics=_metrics(a.summary, b.summary),
        status_a=str(a.summary.status),
        status_b=str(b.summary.status),
        warnings_removed=[w for w in warnings_a if w not in warnings_b],
        warnings_added=[w for w in warnings_b if w not in warnings_a],
        notes=notes,
    )


# --- JSON -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-safe copy: dates as ISO text, non-finite floats as text, tuples as lists."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits) + 0.0  # +0.0 turns -0.0 into 0.0
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    return value


def to_dict(d: PlanDiff) -> dict[str, Any]:
    """The diff as plain JSON-ready data (every row, no caps).

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.

    Returns
    -------
    dict
        With the keys in :data:`JSON_KEYS`.
    """
    return {
        "identical": d.identical,
        "run_a": d.run_a,
        "run_b": d.run_b,
        "tolerance": {
            "area_m2": d.tolerance.area_m2,
            "unserved_share": d.tolerance.unserved_share,
        },
        "files": [{"file": f.file, "status": f.status} for f in d.files],
        "config": [
            {"key": c.key, "a": _plain(c.a), "b": _plain(c.b), "in_a": c.in_a, "in_b": c.in_b}
            for c in d.config
        ],
        "stages": {"a": d.stages_a, "b": d.stages_b},
        "status": {"a": d.status_a, "b": d.status_b},
        "levels": [
            {
                "stage": r.stage,
                "level": r.level,
                "changed": r.differs(d.tolerance),
                "area_a": r.area_a,
                "area_b": r.area_b,
                "area_delta": r.area_delta,
                "share_a": r.share_a,
                "share_b": r.share_b,
                "share_delta": r.share_delta,
                "windows_a": r.windows_a,
                "windows_b": r.windows_b,
                "windows_delta": r.windows_delta,
            }
            for r in d.levels
        ],
        "centres": {
            "changed": [
                {
                    "centre_id": c.centre_id,
                    "stage": c.stage,
                    "level": c.level,
                    "changed": list(c.changed),
                    "area_a": c.area_a,
                    "area_b": c.area_b,
                    "area_delta": c.area_delta,
                    "windows_a": c.windows_a,
                    "windows_b": c.windows_b,
                    "windows_delta": c.windows_delta,
                    "desks_a": c.desks_a,
                    "desks_b": c.desks_b,
                    "mode_a": c.mode_a,
                    "mode_b": c.mode_b,
                    "action_a": c.action_a,
                    "action_b": c.action_b,
                }
                for c in d.centres
            ],
            "only_in_a": d.centres_only_a,
            "only_in_b": d.centres_only_b,
        },
        "townships": {
            "service": [
                {
                    "township_id": s.township_id,
                    "stage": s.stage,
                    "county_code": s.county_code,
                    "direction": s.direction,
                    "demand_a": s.demand_a,
                    "demand_b": s.demand_b,
                    "unserved_a": s.unserved_a,
                    "unserved_b": s.unserved_b,
                }
                for s in d.service
            ],
            "phase": [
                {
                    "township_id": p.township_id,
                    "stage": p.stage,
                    "county_code": p.county_code,
                    "phase_a": p.phase_a,
                    "phase_b": p.phase_b,
                }
                for p in d.phases
            ],
            "only_in_a": d.townships_only_a,
            "only_in_b": d.townships_only_b,
        },
        "metrics": [
            {"name": m.name, "a": m.a, "b": m.b, "delta": m.delta, "changed": m.changed}
            for m in d.metrics
        ],
        "warnings": {"removed": d.warnings_removed, "added": d.warnings_added},
        "notes": d.notes,
    }


def to_json(d: PlanDiff, digits: int = JSON_DIGITS) -> str:
    """Stable JSON of the whole diff: sorted keys, floats rounded, trailing newline.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.
    digits
        Decimals floats are rounded to.

    Returns
    -------
    str
        A JSON object with the keys in :data:`JSON_KEYS`.
    """
    payload = _rounded(to_dict(d), digits)
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- text and markdown ----------------------------------------------------------------------


def _config_value(value: Any, present: bool) -> str:
    if not present:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_config_value(v, True) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_config_value(v, True)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return repr(value)


def _metric_kind(name: str) -> str:
    leaf = name.rsplit(".", 1)[-1]
    if "share" in name:
        return "share"
    if leaf.startswith("townships_"):
        return "count"
    return "amount"


def _fmt_metric(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    kind = _metric_kind(name)
    if kind == "share":
        return f"{value:.2%}"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _fmt_metric_delta(m: Metric) -> str:
    delta = m.delta
    if delta is None:
        return "n/a"
    kind = _metric_kind(m.name)
    if kind == "share":
        return f"{delta * 100:+.2f} pp"
    if kind == "count":
        return f"{delta:+,.0f}"
    text = f"{delta:+,.2f}"
    if m.a:
        text += f" ({delta / abs(m.a):+.1%})"
    return text


def _area(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _area_delta(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+,.1f}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _count(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def _count_delta(value: int | None) -> str:
    return "n/a" if value is None else f"{value:+,}"


def _arrow(a: str, b: str) -> str:
    return a if a == b else f"{a} → {b}"


def _ranked_centres(d: PlanDiff) -> list[CentreChange]:
    """Centres, largest area change first (then id, stage)."""
    return sorted(d.centres, key=lambda c: (-abs(c.area_delta), c.centre_id, c.stage))


def _ranked_service(d: PlanDiff) -> list[ServiceChange]:
    """Service changes, largest change of unserved demand first (then id, stage)."""
    return sorted(
        d.service,
        key=lambda s: (-abs(s.unserved_b - s.unserved_a), s.township_id, s.stage),
    )


def _per_stage(stages: list[int]) -> str:
    counts: dict[int, int] = {}
    for s in stages:
        counts[s] = counts.get(s, 0) + 1
    return ", ".join(f"stage {s}: {n:,}" for s, n in sorted(counts.items()))


def headline(d: PlanDiff) -> str:
    """One line: identical or different, and what differs.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.

    Returns
    -------
    str
        For example ``"different: 3 of 7 plan files differ (...); 1 config key differs"``.
    """
    n_config = len(d.config)
    config = (
        "no config differences"
        if n_config == 0
        else "1 config key differs"
        if n_config == 1
        else f"{n_config} config keys differ"
    )
    if d.identical:
        return f"identical: all {len(d.files)} plan files are byte-identical; {config}"
    differing = d.differing_files
    names = ", ".join(f.file for f in differing)
    return (
        f"different: {len(differing)} of {len(d.files)} plan files differ ({names}); "
        f"{config}; {len(d.centres):,} centre change(s); "
        f"{len(d.service):,} township service change(s)"
    )


def _text_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _more(total: int, shown: int) -> list[str]:
    return [f"  ... and {total - shown:,} more (see --format json)"] if total > shown else []


def _centre_text(c: CentreChange) -> str:
    parts = []
    if "area" in c.changed:
        parts.append(f"area {c.area_a:,.1f} -> {c.area_b:,.1f} ({c.area_delta:+,.1f})")
    if "windows" in c.changed:
        parts.append(f"windows {c.windows_a} -> {c.windows_b}")
    if "desks" in c.changed:
        parts.append(f"desks {c.desks_a} -> {c.desks_b}")
    if "mode" in c.changed:
        parts.append(f"mode {c.mode_a} -> {c.mode_b}")
    if "action" in c.changed:
        parts.append(f"action {c.action_a} -> {c.action_b}")
    return "; ".join(parts)


def _level_rows(d: PlanDiff, stages: list[int]) -> list[list[str]]:
    """Level totals of the stages that differ, as table cells (text and markdown)."""
    return [
        [
            str(r.stage),
            r.level,
            _area(r.area_a),
            _area(r.area_b),
            _area_delta(r.area_delta),
            _share(r.share_a),
            _share(r.share_b),
            _count(r.windows_a),
            _count(r.windows_b),
            _count_delta(r.windows_delta),
        ]
        for r in d.levels
        if r.stage in stages
    ]


def render_text(d: PlanDiff, limit: int = TEXT_LIMIT) -> str:
    """A compact, readable diff for a terminal.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.
    limit
        Rows shown per list (the largest changes); the rest are counted.

    Returns
    -------
    str
        Lines ending in a newline; the first line is :func:`headline`.
    """
    out = [headline(d), f"  A: {d.run_a}", f"  B: {d.run_b}"]
    if d.status_a != d.status_b:
        out.append(f"  solve status: {d.status_a} -> {d.status_b}")
    for f in d.differing_files:
        if f.status != "differs":
            out.append(f"  {f.file}: only in {'A' if f.status == 'only_a' else 'B'}")

    out += ["", f"Config: {len(d.config)} key(s) differ" if d.config else "Config: no differences"]
    out += [
        f"  {c.key}: {_config_value(c.a, c.in_a)} -> {_config_value(c.b, c.in_b)}" for c in d.config
    ]

    changed = d.changed_metrics
    out += ["", f"Metrics: {len(changed)} of {len(d.metrics)} changed"]
    if changed:
        rows = [
            [m.name, _fmt_metric(m.name, m.a), _fmt_metric(m.name, m.b), _fmt_metric_delta(m)]
            for m in changed
        ]
        out += _text_table(["metric", "A", "B", "B - A"], rows, {1, 2, 3})

    levels = d.changed_levels
    stages = sorted({r.stage for r in levels})
    out += [
        "",
        f"Level totals: differ in stage(s) {', '.join(map(str, stages))}"
        if stages
        else "Level totals: no differences",
    ]
    if stages:
        rows = _level_rows(d, stages)
        header = ["stage", "level", "area A", "area B", "d area", "share A", "share B"]
        header += ["win A", "win B", "d win"]
        out += _text_table(header, rows, set(range(2, 10)))

    out.append("")
    if d.centres:
        out.append(
            f"Centres: {len(d.centres):,} changed ({_per_stage([c.stage for c in d.centres])});"
            " largest area change first"
        )
        shown = _ranked_centres(d)[:limit]
        rows = [[c.centre_id, f"s{c.stage}", c.level, _centre_text(c)] for c in shown]
        out += _text_table(["centre", "stage", "level", "change"], rows, set())
        out += _more(len(d.centres), len(shown))
    else:
        out.append("Centres: no changes")
    for label, ids in (("only in A", d.centres_only_a), ("only in B", d.centres_only_b)):
        if ids:
            out.append(f"  centres {label}: {len(ids):,} ({', '.join(ids[:limit])})")

    gained = sum(1 for s in d.service if s.direction == "gained")
    lost = len(d.service) - gained
    out += [
        "",
        f"Townships: {gained:,} gained service, {lost:,} lost service, "
        f"{len(d.phases):,} phase change(s)",
    ]
    if d.service:
        shown_s = _ranked_service(d)[:limit]
        rows = [
            [
                s.direction,
                s.township_id,
                f"s{s.stage}",
                s.county_code,
                f"unserved {s.unserved_a:,.1f} -> {s.unserved_b:,.1f} of {s.demand_b:,.1f}",
            ]
            for s in shown_s
        ]
        out += _text_table(
            ["service", "township", "stage", "county", "unserved of demand"], rows, set()
        )
        out += _more(len(d.service), len(shown_s))
    if d.phases:
        shown_p = d.phases[:limit]
        rows = [
            [p.township_id, f"s{p.stage}", p.county_code, f"{p.phase_a} -> {p.phase_b}"]
            for p in shown_p
        ]
        out += _text_table(["township", "stage", "county", "phase"], rows, set())
        out += _more(len(d.phases), len(shown_p))
    for label, ids in (("only in A", d.townships_only_a), ("only in B", d.townships_only_b)):
        if ids:
            out.append(f"  townships {label}: {len(ids):,} ({', '.join(ids[:limit])})")

    if d.warnings_removed or d.warnings_added:
        out += ["", "Warnings:"]
        out += [f"  - {w}" for w in d.warnings_removed]
        out += [f"  + {w}" for w in d.warnings_added]
    if d.notes:
        out += [""] + [f"note: {n}" for n in d.notes]
    return "\n".join(out) + "\n"


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return lines


def _md_more(total: int, shown: int) -> list[str]:
    if total <= shown:
        return []
    return ["", f"_... and {total - shown:,} more (see `--format json`)._"]


def render_markdown(d: PlanDiff, limit: int = TEXT_LIMIT) -> str:
    """The diff as GitHub-flavoured markdown with tables, for review threads.

    Parameters
    ----------
    d
        A diff from :func:`diff_runs`.
    limit
        Rows shown per table (the largest changes); the rest are counted.

    Returns
    -------
    str
        Markdown ending in a newline.
    """
    out = ["## Run diff", ""]
    out += _md_table(
        ["run", "folder", "status"],
        [["A", f"`{d.run_a}`", d.status_a or "n/a"], ["B", f"`{d.run_b}`", d.status_b or "n/a"]],
        set(),
    )
    out += ["", f"**{_md(headline(d))}**", ""]

    out += ["### Config", ""]
    if d.config:
        rows = [
            [
                f"`{c.key}`",
                _config_value(c.a, c.in_a),
                _config_value(c.b, c.in_b),
            ]
            for c in d.config
        ]
        out += _md_table(["key", "A", "B"], rows, set())
    else:
        out.append("No differences.")

    changed = d.changed_metrics
    out += ["", f"### Metrics ({len(changed)} of {len(d.metrics)} changed)", ""]
    if changed:
        rows = [
            [
                f"`{m.name}`",
                _fmt_metric(m.name, m.a),
                _fmt_metric(m.name, m.b),
                _fmt_metric_delta(m),
            ]
            for m in changed
        ]
        out += _md_table(["metric", "A", "B", "B − A"], rows, {1, 2, 3})
    else:
        out.append("No differences.")

    levels = d.changed_levels
    stages = sorted({r.stage for r in levels})
    out += ["", "### Level totals", ""]
    if stages:
        rows = _level_rows(d, stages)
        header = ["stage", "level", "area A (m²)", "area B (m²)", "Δ area", "share A", "share B"]
        header += ["windows A", "windows B", "Δ windows"]
        out += _md_table(header, rows, set(range(2, 10)))
    else:
        out.append("No differences.")

    out += ["", f"### Centres ({len(d.centres):,} changed)", ""]
    if d.centres:
        shown = _ranked_centres(d)[:limit]
        out += [
            f"By stage: {_per_stage([c.stage for c in d.centres])}. Largest area change first.",
            "",
        ]
        rows = [
            [
                f"`{c.centre_id}`",
                str(c.stage),
                c.level,
                f"{c.area_a:,.1f}",
                f"{c.area_b:,.1f}",
                f"{c.area_delta:+,.1f}",
                _arrow(str(c.windows_a), str(c.windows_b)),
                _arrow(_count(c.desks_a), _count(c.desks_b)),
                _arrow(c.mode_a, c.mode_b),
                _arrow(c.action_a, c.action_b),
            ]
            for c in shown
        ]
        header = ["centre", "stage", "level", "area A", "area B", "Δ area", "windows", "desks"]
        header += ["mode", "action"]
        out += _md_table(header, rows, {1, 3, 4, 5})
        out += _md_more(len(d.centres), len(shown))
    else:
        out.append("No changes.")
    for label, ids in (("only in A", d.centres_only_a), ("only in B", d.centres_only_b)):
        if ids:
            out += [
                "",
                f"Centres {label} ({len(ids):,}): " + ", ".join(f"`{i}`" for i in ids[:limit]),
            ]

    gained = sum(1 for s in d.service if s.direction == "gained")
    out += [
        "",
        f"### Townships ({gained:,} gained service, {len(d.service) - gained:,} lost service, "
        f"{len(d.phases):,} phase changes)",
        "",
    ]
    if d.service:
        shown_s = _ranked_service(d)[:limit]
        rows = [
            [
                f"`{s.township_id}`",
                str(s.stage),
                s.county_code,
                s.direction,
                f"{s.unserved_a:,.1f}",
                f"{s.unserved_b:,.1f}",
                f"{s.demand_b:,.1f}",
            ]
            for s in shown_s
        ]
        header = ["township", "stage", "county", "service", "unserved A", "unserved B", "demand"]
        out += _md_table(header, rows, {1, 4, 5, 6})
        out += _md_more(len(d.service), len(shown_s))
    if d.phases:
        shown_p = d.phases[:limit]
        rows = [
            [f"`{p.township_id}`", str(p.stage), p.county_code, p.phase_a, p.phase_b]
            for p in shown_p
        ]
        out += [""] if d.service else []
        out += _md_table(["township", "stage", "county", "phase A", "phase B"], rows, {1})
        out += _md_more(len(d.phases), len(shown_p))
    if not d.service and not d.phases:
        out.append("No changes.")
    for label, ids in (("only in A", d.townships_only_a), ("only in B", d.townships_only_b)):
        if ids:
            out += [
                "",
                f"Townships {label} ({len(ids):,}): " + ", ".join(f"`{i}`" for i in ids[:limit]),
            ]

    if d.warnings_removed or d.warnings_added:
        out += ["", "### Warnings", ""]
        out += [f"- removed: {_md(w)}" for w in d.warnings_removed]
        out += [f"- added: {_md(w)}" for w in d.warnings_added]
    if d.notes:
        out += ["", "### Notes", ""]
        out += [f"- {_md(n)}" for n in d.notes]
    return "\n".join(out) + "\n"
