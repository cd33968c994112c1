"""The plan's headline figures: one :class:`StageMetrics` per stage and the typed
:class:`PlanSummary` that ``plan/summary.json`` holds.

The metrics are computed here and nowhere else (from the township and level tables of a
plan); the plan, the run-folder reader, the sweep, the diff and the report all read them.
``PlanSummary.to_json`` gives the JSON object of ``summary.json`` (stage numbers as text
keys, as JSON needs) and ``PlanSummary.from_json`` reads it back with integer stages and
the status as a :class:`~planner.solve.driver.Status`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd

from planner.config.schema import LEVELS, UPPER_LEVELS
from planner.solve.driver import Status

UNSERVED_SHARE = 1e-3
"""A township has unserved demand when ``unserved > UNSERVED_SHARE * demand``."""
SHORTFALL_M2 = 0.5
"""A township station is below the minimum when its shortfall exceeds this (m2)."""


class SummaryError(ValueError):
    """A ``summary.json`` object lacks a field or holds a value of the wrong type."""


@dataclass(frozen=True)
class StageMetrics:
    """Headline figures of one planning stage (from the township table).

    Attributes
    ----------
    demand
        Transactions a year, all channels.
    online_share, physical_share
        Shares of the demand served online and at a counter.
    unserved
        Transactions a year served neither way.
    townships_with_unserved
        Townships whose unserved demand exceeds :data:`UNSERVED_SHARE` of their demand.
    townships_below_min_station
        Townships whose station falls short of the minimum by more than
        :data:`SHORTFALL_M2`.
    """

    demand: float
    online_share: float
    physical_share: float
    unserved: float
    townships_with_unserved: int
    townships_below_min_station: int

    @classmethod
    def from_townships(cls, grp: pd.DataFrame) -> StageMetrics:
        """The metrics of one stage's rows of the township table."""
        demand = float(grp["demand"].sum())
        return cls(
            demand=demand,
            online_share=float(grp["online"].sum() / demand) if demand else 0.0,
            physical_share=float(grp["physical"].sum() / demand) if demand else 0.0,
            unserved=float(grp["unserved"].sum()),
            townships_with_unserved=int(_unserved_townships(grp)),
            townships_below_min_station=int((grp["station_shortfall_m2"] > SHORTFALL_M2).sum()),
        )


def _unserved_townships(grp: pd.DataFrame) -> int:
    """Townships with unserved demand of at least one item (``unserved_items``, the rule of
    :mod:`planner.plan.unserved`); a township table without that column (older run folders) by
    its total: unserved above :data:`UNSERVED_SHARE` of its demand."""
    if "unserved_items" in grp.columns:
        return int((grp["unserved_items"] > 0).sum())
    return int((grp["unserved"] > UNSERVED_SHARE * grp["demand"]).sum())


def stage_metrics(townships: pd.DataFrame) -> dict[int, StageMetrics]:
    """:class:`StageMetrics` per stage of a township table."""
    return {int(s): StageMetrics.from_townships(grp) for s, grp in townships.groupby("stage")}


def top_heavy_share(levels: pd.DataFrame) -> dict[int, float]:
    """Province + city share of the floor area per stage, from a level table."""
    upper = levels[levels["level"].isin(UPPER_LEVELS)].groupby("stage")["floor_area_m2"].sum()
    total = levels.groupby("stage")["floor_area_m2"].sum()
    return {
        int(s): float(upper.get(s, 0.0) / total[s]) if total[s] > 0 else 0.0 for s in total.index
    }


def level_areas(levels: pd.DataFrame) -> dict[int, dict[str, float]]:
    """Floor area per stage and level (every level, 0.0 where a level has none)."""
    area: dict[int, dict[str, float]] = {}
    for s, level, value in zip(
        levels["stage"], levels["level"], levels["floor_area_m2"], strict=True
    ):
        area.setdefault(int(s), {})[str(level)] = float(value)
    return {s: {lv: by_level.get(lv, 0.0) for lv in LEVELS} for s, by_level in area.items()}


@dataclass(frozen=True)
class ModelSize:
    """Size of the LP (summed over the parts of a decomposed run)."""

    variables: int
    constraints: int
    nonzeros: int
    formulation: str
    demand_classes: int
    parts: int | None = None
    """Number of independent parts (None for one LP)."""


@dataclass(frozen=True)
class PartSummary:
    """The headline of one independently solved part (a province)."""

    status: Status
    objective_kcny: float | None
    top_heavy_share: dict[int, float]


@dataclass(frozen=True)
class ModeSaving:
    """What window-mode conversion saves at one level in one stage, against every centre
    of the level running traditional (one window per item)."""

    windows_traditional: float
    """Windows the level's centres would need run traditional."""
    windows: float
    """Windows the chosen modes need."""
    windows_saved: float
    training_kcny: float
    """Training of big-general windows, kCNY a year."""
    saved_kcny: float
    """Window cost saved less training, kCNY a year."""


def mode_savings(
    centres: pd.DataFrame, window_cost_kcny: float
) -> dict[int, dict[str, ModeSaving]]:
    """Per planning stage and level, the windows and money conversion saves (from the
    centre table's ``windows``, ``windows_traditional`` and ``training_kcny``)."""
    cen = centres[centres["stage"] > 0]
    g = cen.groupby(["stage", "level"])[["windows_traditional", "windows", "training_kcny"]].sum()
    out: dict[int, dict[str, ModeSaving]] = {}
    for s in sorted(cen["stage"].unique()):
        out[int(s)] = {}
        for lv in LEVELS:
            row = g.loc[(s, lv)] if (s, lv) in g.index else None
            trad = float(row["windows_traditional"]) if row is not None else 0.0
            win = float(row["windows"]) if row is not None else 0.0
            training = float(row["training_kcny"]) if row is not None else 0.0
            out[int(s)][lv] = ModeSaving(
                trad, win, trad - win, training, window_cost_kcny * (trad - win) - training
            )
    return out


@dataclass(frozen=True)
class DatasetIdentity:
    """What part of the dataset a plan covers (as in ``manifest.json`` ``dataset``).

    Attributes
    ----------
    selection
        ``data.province`` as the run had it (``"all"`` or a province code).
    provinces
        ``(code, name)`` of every province planned, by code.
    label
        The provinces' names (``"江苏省"``), or ``"N provinces"`` beyond three.
    """

    selection: str
    provinces: tuple[tuple[str, str], ...]
    label: str

    @property
    def text(self) -> str:
        """``"浙江省 (33)"``; the label alone for more than one province."""
        if len(self.provinces) == 1:
            code, name = self.provinces[0]
            return f"{name} ({code})"
        return self.label

    def to_json(self) -> dict[str, Any]:
        """The JSON object (the manifest's ``dataset`` layout)."""
        return {
            "selection": self.selection,
            "provinces": [{"code": c, "name": n} for c, n in self.provinces],
            "label": self.label,
        }

    @classmethod
    def from_json(cls, value: Any, where: str = "dataset") -> DatasetIdentity:
        """Read the object written by :meth:`to_json` (or the manifest's ``dataset``).

        Raises
        ------
        SummaryError
            A field is missing or of the wrong type.
        """
        if not isinstance(value, Mapping):
            msg = f"'{where}' is not an object"
            raise SummaryError(msg)
        provinces = []
        for i, p in enumerate(_list(value.get("provinces"), f"{where}.provinces")):
            if not isinstance(p, Mapping) or not {"code", "name"} <= p.keys():
                msg = f"'{where}.provinces.{i}' is not an object with a code and a name"
                raise SummaryError(msg)
            provinces.append((str(p["code"]), str(p["name"])))
        return cls(str(value.get("selection", "")), tuple(provinces), str(value.get("label", "")))


@dataclass(frozen=True)
class PlanSummary:
    """What ``plan/summary.json`` holds, typed."""

    status: Status
    solver: str
    solver_detail: str
    objective_kcny: float | None
    objective_terms_kcny: dict[str, float]
    top_heavy_share: dict[int, float]
    """Province + city share of the floor area per stage (today included)."""
    stages: dict[int, StageMetrics]
    """Per planning stage."""
    model: ModelSize
    parts: dict[str, PartSummary] | None = None
    warnings: tuple[str, ...] = field(default=())
    optimality: Mapping[str, Any] = field(default_factory=dict)
    """How optimality was established (formulation, exact or screening, method, the
    reduced-cost certificate, the tie-break): :attr:`planner.solve.driver.SolveResult.optimality`;
    for a plan combined from parts, each part's under ``parts``."""
    mode_savings: dict[int, dict[str, ModeSaving]] = field(default_factory=dict)
    """Per stage and level: what window-mode conversion saves (:func:`mode_savings`)."""
    dataset: DatasetIdentity | None = None
    """The part of the dataset planned (set when the run folder is written)."""
    objective_terms_by_stage_kcny: dict[int, dict[str, float]] = field(default_factory=dict)
    """``objective_terms_kcny`` per planning stage (absent from run folders written before
    it was added): the report's cost section splits the plan's cost by stage with it."""

    @property
    def last_stage(self) -> StageMetrics | None:
        """The metrics of the last planning stage (None for a plan without stages)."""
        return self.stages[max(self.stages)] if self.stages else None

    def to_json(self, *, warnings: bool = True) -> dict[str, Any]:
        """The JSON object of ``summary.json`` (stage keys as text)."""
        model = {k: v for k, v in asdict(self.model).items() if v is not None}
        out: dict[str, Any] = {
            "status": str(self.status),
            "solver": self.solver,
            "solver_detail": self.solver_detail,
            "optimality": dict(self.optimality),
            "objective_kcny": self.objective_kcny,
            "objective_terms_kcny": dict(self.objective_terms_kcny),
            "top_heavy_share": _text_keys(self.top_heavy_share),
            "stages": {str(s): asdict(m) for s, m in self.stages.items()},
            "model": model,
        }
        if self.objective_terms_by_stage_kcny:
            out["objective_terms_by_stage_kcny"] = {
                str(s): dict(terms) for s, terms in self.objective_terms_by_stage_kcny.items()
            }
        if self.parts is not None:
            out["parts"] = {
                code: {
                    "status": str(p.status),
                    "objective_kcny": p.objective_kcny,
                    "top_heavy_share": _text_keys(p.top_heavy_share),
                }
                for code, p in self.parts.items()
            }
        if self.mode_savings:
            out["mode_savings"] = {
                str(s): {lv: asdict(m) for lv, m in by_level.items()}
                for s, by_level in self.mode_savings.items()
            }
        if warnings:
            out["warnings"] = list(self.warnings)
        if self.dataset is not None:
            out["dataset"] = self.dataset.to_json()
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> PlanSummary:
        """Read the object of ``summary.json``.

        Raises
        ------
        SummaryError
            A field is missing or of the wrong type (the message names it).
        """
        stages = _table(value, "stages")
        parts = value.get("parts")
        dataset = value.get("dataset")
        return cls(
            status=_status(value.get("status"), "status"),
            solver=str(value.get("solver", "")),
            solver_detail=str(value.get("solver_detail", "")),
            optimality=dict(value.get("optimality") or {}),
            objective_kcny=_optional_number(value.get("objective_kcny"), "objective_kcny"),
            objective_terms_kcny={
                str(k): _number(v, f"objective_terms_kcny.{k}")
                for k, v in _table(value, "objective_terms_kcny").items()
            },
            top_heavy_share=_stage_numbers(_table(value, "top_heavy_share"), "top_heavy_share"),
            stages={
                _stage(k, "stages"): _stage_from_json(v, f"stages.{k}") for k, v in stages.items()
            },
            model=_model_from_json(_table(value, "model")),
            parts=None if parts is None else _parts_from_json(parts),
            warnings=tuple(str(w) for w in _list(value.get("warnings", []), "warnings")),
            mode_savings=_savings_from_json(_table(value, "mode_savings"))
            if "mode_savings" in value
            else {},
            dataset=None if dataset is None else DatasetIdentity.from_json(dataset),
            objective_terms_by_stage_kcny=_by_stage_from_json(value),
        )


def _by_stage_from_json(value: Mapping[str, Any]) -> dict[int, dict[str, float]]:
    key = "objective_terms_by_stage_kcny"
    if key not in value:
        return {}
    out: dict[int, dict[str, float]] = {}
    for k, terms in _table(value, key).items():
        inner = _table({f"{key}.{k}": terms}, f"{key}.{k}")
        out[_stage(k, key)] = {str(t): _number(v, f"{key}.{k}.{t}") for t, v in inner.items()}
    return out


def terms_by_stage(by_term: Mapping[str, Mapping[int, float]]) -> dict[int, dict[str, float]]:
    """Objective terms by term and stage turned into terms by stage and term."""
    out: dict[int, dict[str, float]] = {}
    for term, stages in by_term.items():
        for stage, value in stages.items():
            out.setdefault(int(stage), {})[str(term)] = float(value)
    return dict(sorted(out.items()))


def _savings_from_json(value: Mapping[str, Any]) -> dict[int, dict[str, ModeSaving]]:
    out: dict[int, dict[str, ModeSaving]] = {}
    for k in value:
        s = _stage(k, "mode_savings")
        by_level = _table(value, k)
        out[s] = {
            str(lv): ModeSaving(
                **{
                    f.name: _number(
                        _table(by_level, lv).get(f.name), f"mode_savings.{k}.{lv}.{f.name}"
                    )
                    for f in fields(ModeSaving)
                }
            )
            for lv in by_level
        }
    return out


def _text_keys(values: Mapping[int, float]) -> dict[str, float]:
    return {str(k): v for k, v in values.items()}


def _table(value: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    table = value.get(key)
    if not isinstance(table, Mapping):
        msg = f"'{key}' is missing or not an object"
        raise SummaryError(msg)
    return table


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        msg = f"'{key}' is not a list"
        raise SummaryError(msg)
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"'{key}' is not a number"
        raise SummaryError(msg)
    return float(value)


def _optional_number(value: Any, key: str) -> float | None:
    return None if value is None else _number(value, key)


def _int(value: Any, key: str) -> int:
    number = _number(value, key)
    if not math.isfinite(number) or number != round(number):
        msg = f"'{key}' is not a whole number"
        raise SummaryError(msg)
    return int(number)


def _stage(key: Any, where: str) -> int:
    text = str(key)
    if not text.isdigit():
        msg = f"'{where}' has a key {text!r} that is not a stage number"
        raise SummaryError(msg)
    return int(text)


def _stage_numbers(values: Mapping[str, Any], where: str) -> dict[int, float]:
    return {_stage(k, where): _number(v, f"{where}.{k}") for k, v in values.items()}


def _status(value: Any, key: str) -> Status:
    try:
        return Status(str(value))
    except ValueError:
        known = ", ".join(s.value for s in Status)
        msg = f"'{key}' is {value!r}, expected one of {known}"
        raise SummaryError(msg) from None


def _stage_from_json(value: Any, where: str) -> StageMetrics:
    if not isinstance(value, Mapping):
        msg = f"'{where}' is not an object"
        raise SummaryError(msg)
    numbers: dict[str, Any] = {}
    for f in fields(StageMetrics):
        if f.name not in value:
            msg = f"'{where}.{f.name}' is missing"
            raise SummaryError(msg)
        read = _int if f.type == "int" else _number
        numbers[f.name] = read(value[f.name], f"{where}.{f.name}")
    return StageMetrics(**numbers)


def _model_from_json(value: Mapping[str, Any]) -> ModelSize:
    counts = {
        key: _int(value.get(key, 0), f"model.{key}")
        for key in ("variables", "constraints", "nonzeros", "demand_classes")
    }
    parts = value.get("parts")
    return ModelSize(
        formulation=str(value.get("formulation", "")),
        parts=None if parts is None else _int(parts, "model.parts"),
        **counts,
    )


def _parts_from_json(value: Any) -> dict[str, PartSummary]:
    if not isinstance(value, Mapping):
        msg = "'parts' is not an object"
        raise SummaryError(msg)
    out = {}
    for code, part in value.items():
        where = f"parts.{code}"
        if not isinstance(part, Mapping):
            msg = f"'{where}' is not an object"
            raise SummaryError(msg)
        out[str(code)] = PartSummary(
            status=_status(part.get("status"), f"{where}.status"),
            objective_kcny=_optional_number(part.get("objective_kcny"), f"{where}.objective_kcny"),
            top_heavy_share=_stage_numbers(
                _table(part, "top_heavy_share"), f"{where}.top_heavy_share"
            ),
        )
    return out
