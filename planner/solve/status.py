"""A solve's status and how its optimality was established: no solver is imported here.

:class:`Status` is what every back-end reports (:mod:`planner.solve.backends` maps HiGHS's
and CBC's own codes onto it). :class:`SolveReport` is ``summary.json``'s ``optimality``
object, typed: written by the exact driver (:mod:`planner.solve.exact`: phases, the
reduced-cost certificate, the duals), the solve (:mod:`planner.solve.driver`: formulation)
and the plan (:mod:`planner.plan.modes`: the window-mode bound), read back by
:meth:`SolveReport.from_json`. Readers of a run folder (report, diff, sweep) import this
module, not the back-ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    """Stopped at the time limit with a feasible (not proven optimal) solution."""
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NUMERICAL = "numerical_trouble"
    ERROR = "error"


@dataclass(frozen=True)
class PhaseReport:
    """One phase of the lexicographic solve (cost, then the tie-break's)."""

    phase: str
    objective: float | None
    solves: int
    arcs_added: int
    min_reduced_cost: str | None
    """As text (the plan files round numbers to 6 decimals); None without pricing."""

    def as_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "objective": self.objective,
            "solves": self.solves,
            "arcs_added": self.arcs_added,
            "min_reduced_cost": self.min_reduced_cost,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> PhaseReport:
        return cls(
            str(value.get("phase", "")),
            value.get("objective"),
            int(value.get("solves", 0)),
            int(value.get("arcs_added", 0)),
            value.get("min_reduced_cost"),
        )


@dataclass(frozen=True)
class Certificate:
    """The reduced-cost certificate of a finished solve: every arc priced (column
    generation) or in the model, and the tolerances of pricing and of the optimal face."""

    method: str
    arcs_total: int
    arcs_in_model: int
    pricing_tolerance: str
    min_reduced_cost_all_arcs: str | None
    tie_break: tuple[str, ...]
    face_tolerance: str

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "arcs_total": self.arcs_total,
            "arcs_in_model": self.arcs_in_model,
            "pricing_tolerance": self.pricing_tolerance,
            "min_reduced_cost_all_arcs": self.min_reduced_cost_all_arcs,
            "tie_break": list(self.tie_break),
            "face_tolerance": self.face_tolerance,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Certificate | None:
        if "method" not in value:
            return None
        return cls(
            str(value["method"]),
            int(value.get("arcs_total", 0)),
            int(value.get("arcs_in_model", 0)),
            str(value.get("pricing_tolerance", "")),
            value.get("min_reduced_cost_all_arcs"),
            tuple(value.get("tie_break", ())),
            str(value.get("face_tolerance", "")),
        )


@dataclass(frozen=True)
class SolveReport:
    """How optimality was established (``summary.json``'s ``optimality``). A field left
    None is not written."""

    phases: tuple[PhaseReport, ...] = ()
    certificate: Certificate | None = None
    """None when the solve stopped before its last phase."""
    stopped_in: str | None = None
    """The phase a solve that did not finish stopped in."""
    duals: str | None = None
    """With the tie-break: ``vertex`` (the cost duals at the plan's own basis), ``generic``
    (:mod:`planner.solve.dual_face`) or ``path``."""
    windows_relaxed_kcny: float | None = None
    """The cost optimum with idle windows allowed: a bound of the joint mode problem."""
    formulation: str | None = None
    exact: bool | None = None
    note: str | None = None
    skipped_steps: tuple[Mapping[str, str], ...] = ()
    """Steps skipped or cut short (``step`` and ``reason``), e.g. by the time budget."""
    window_modes: Mapping[str, Any] | None = None
    """The window-mode bound and MIP report (:func:`planner.modes.rules.mode_bounds`)."""
    parts: Mapping[str, SolveReport] = field(default_factory=dict)
    """Per part of a decomposed run (by province code): its own report."""

    def skipped_like(self, prefix: str) -> list[str]:
        """The reasons of the steps skipped whose name starts with ``prefix``, of this report
        and of its parts (each then named by its province)."""
        found = [("", self)] + [(f"province {c}: ", p) for c, p in self.parts.items()]
        return [
            f"{where}{step['reason']}"
            for where, report in found
            for step in report.skipped_steps
            if str(step["step"]).startswith(prefix)
        ]

    @property
    def mode_mip(self) -> Mapping[str, Any] | None:
        """The window-mode MIP's report, when there was one."""
        return (self.window_modes or {}).get("mip")

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.phases or self.certificate is not None or self.stopped_in is not None:
            out["phases"] = [p.as_json() for p in self.phases]
        if self.certificate is not None:
            out.update(self.certificate.as_json())
        optional = {
            "stopped_in": self.stopped_in,
            "duals": self.duals,
            "windows_relaxed_kcny": self.windows_relaxed_kcny,
            "formulation": self.formulation,
            "exact": self.exact,
            "note": self.note,
            "window_modes": None if self.window_modes is None else dict(self.window_modes),
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.skipped_steps:
            out["skipped_steps"] = [dict(step) for step in self.skipped_steps]
        if self.parts:
            out["parts"] = {code: part.as_json() for code, part in self.parts.items()}
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> SolveReport:
        return cls(
            phases=tuple(PhaseReport.from_json(p) for p in value.get("phases") or ()),
            certificate=Certificate.from_json(value),
            stopped_in=value.get("stopped_in"),
            duals=value.get("duals"),
            windows_relaxed_kcny=value.get("windows_relaxed_kcny"),
            formulation=value.get("formulation"),
            exact=value.get("exact"),
            note=value.get("note"),
            skipped_steps=tuple(value.get("skipped_steps") or ()),
            window_modes=value.get("window_modes"),
            parts={c: cls.from_json(p) for c, p in (value.get("parts") or {}).items()},
        )
