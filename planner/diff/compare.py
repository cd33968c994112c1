"""Compare two run folders into a :class:`~planner.diff.records.PlanDiff`."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import pandas as pd

from planner.config.schema import LEVELS
from planner.diff.inputs import by_content
from planner.diff.records import (
    CENTRE_FIELDS,
    DEFAULT_TOLERANCE,
    CentreChange,
    ConfigChange,
    FileChange,
    LevelChange,
    Metric,
    PhaseChange,
    PlanDiff,
    ServiceChange,
    Tolerance,
)
from planner.diff.rules import rule_cost_changes
from planner.io.run_folder import RunFolder
from planner.plan.summary import DatasetIdentity, PlanSummary, SummaryError


def _num(value: Any) -> float | None:
    """A finite float, or None (NaN, missing, not a number, bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def _text(row: pd.Series, column: str) -> str:
    """A text column of a merged row, B's value first (``""`` where neither run has it)."""
    for col in (f"{column}_b", f"{column}_a", column):
        value = row.get(col)
        if isinstance(value, str) and value:
            return value
    return ""


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
                name=_text(row, "name"),
            )
        )
    return out, desks


def _township_changes(
    a: pd.DataFrame, b: pd.DataFrame, tolerance: Tolerance
) -> tuple[list[ServiceChange], list[PhaseChange]]:
    m = a.merge(b, on=["township_id", "stage"], how="inner", suffixes=("_a", "_b"))
    m = m.sort_values(["township_id", "stage"], kind="mergesort", ignore_index=True)
    rel = tolerance.unserved_share
    if "unserved_items_a" in m.columns and "unserved_items_b" in m.columns:
        # the one rule (planner.plan.unserved): unserved demand of at least one item
        has_a = pd.to_numeric(m["unserved_items_a"], errors="coerce").fillna(0) > 0
        has_b = pd.to_numeric(m["unserved_items_b"], errors="coerce").fillna(0) > 0
    else:  # run folders written before unserved_items: the township's total
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
                township_name=_text(row, "township_name"),
                county_name=_text(row, "county_name"),
            )
        )
    phases = [
        PhaseChange(
            township_id=str(row["township_id"]),
            stage=int(row["stage"]),
            county_code=str(row["county_code_b"] or row["county_code_a"]),
            phase_a=str(row["phase_a"]),
            phase_b=str(row["phase_b"]),
            township_name=_text(row, "township_name"),
            county_name=_text(row, "county_name"),
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
    config, input_notes = by_content(_config_changes(a.config, b.config), a.manifest, b.manifest)
    notes += input_notes
    return PlanDiff(
        run_a=str(a.path),
        run_b=str(b.path),
        identical=all(f.status == "same" for f in files),
        tolerance=tolerance,
        files=files,
        config=config,
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
        dataset_a=dataset_text(a),
        dataset_b=dataset_text(b),
        years_a=a.years,
        years_b=b.years,
        rule_costs=rule_cost_changes(a.plan_dir, b.plan_dir),
    )


def dataset_text(run: RunFolder) -> str | None:
    """The part of the dataset a run planned: ``summary.json``'s ``dataset``, else the
    manifest's (older runs); ``None`` when neither says."""
    if run.summary.dataset is not None:
        return run.summary.dataset.text
    try:
        return DatasetIdentity.from_json(run.manifest["dataset"]).text
    except (KeyError, SummaryError):
        return None
