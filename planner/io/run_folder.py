"""The run folder: the names of its files and the one reader of it.

``planner run`` writes ``<output.dir>/<name>/`` with ``config.toml``, ``manifest.json``,
``plan/*.csv``, ``plan/summary.json`` and optionally ``plan.gpkg`` and ``report.html``.
Every module that names one of these files uses the constants here, and every module that
reads a run folder back (``planner diff``, ``planner report``, ``planner sweep``) uses
:func:`read_run_folder`: one list of required files, one set of messages.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.config.schema import StagesConfig
from planner.errors import InputError
from planner.plan.summary import PlanSummary, SummaryError

CONFIG_FILE = "config.toml"
MANIFEST_FILE = "manifest.json"
PLAN_DIR = "plan"
GPKG_FILE = "plan.gpkg"
REPORT_FILE = "report.html"

SUMMARY_FILE = "summary.json"
CENTRES_FILE = "centres.csv"
TOWNSHIPS_FILE = "townships.csv"
UNSERVED_FILE = "unserved.csv"
STATIONS_FILE = "build_or_expand.csv"
COUNTIES_FILE = "counties.csv"
LEVELS_FILE = "levels.csv"
ASSIGNMENTS_FILE = "assignments.csv"
ITEMS_FILE = "items.csv"
CENTRE_ITEMS_FILE = "centre_items.csv"
MODES_FILE = "modes.csv"
RULE_COSTS_FILE = "rule_costs.csv"
"""What each policy rule costs at the margin (:mod:`planner.plan.rule_costs`); not required (older
run folders lack it)."""
RULE_TOTALS_FILE = "rule_totals.csv"
"""Each rule family's total cost by re-solve; only with ``policy.rule_costs.total``."""

REQUIRED_FILES = (
    f"{PLAN_DIR}/{SUMMARY_FILE}",
    f"{PLAN_DIR}/{LEVELS_FILE}",
    f"{PLAN_DIR}/{CENTRES_FILE}",
    f"{PLAN_DIR}/{TOWNSHIPS_FILE}",
    f"{PLAN_DIR}/{COUNTIES_FILE}",
    CONFIG_FILE,
)
"""Files without which a folder is not a run folder (relative to it)."""


@dataclass(frozen=True)
class TableSpec:
    """What the reader checks in a plan table.

    Attributes
    ----------
    ids
        Columns read as text (empty cells become ``""``).
    numbers
        Columns that must be numeric (``stage`` becomes int).
    key
        Columns that identify a row (no duplicates).
    text
        Further columns read as text, empty cells kept as missing.
    """

    ids: tuple[str, ...]
    numbers: tuple[str, ...]
    key: tuple[str, ...]
    text: tuple[str, ...] = ()


TABLES = {
    CENTRES_FILE: TableSpec(
        ("centre_id", "level", "mode", "action"),
        ("stage", "floor_area_m2", "windows"),
        ("centre_id", "stage"),
        ("county_code",),
    ),
    TOWNSHIPS_FILE: TableSpec(
        ("township_id", "county_code", "phase"),
        ("stage", "demand", "unserved"),
        ("township_id", "stage"),
    ),
    COUNTIES_FILE: TableSpec(("county_code",), ("stage",), ("county_code", "stage")),
    LEVELS_FILE: TableSpec(
        ("level",), ("stage", "floor_area_m2", "area_share", "windows"), ("stage", "level")
    ),
}


PLAN_TEXT = ("county", "city", "township_name", "county_name", "city_name", "centre_name")
"""Text columns of the plan CSVs besides a table's ids: the county key as written (read back
as ``county_code``, the planner's name) and the names of :mod:`planner.plan.names`."""


@dataclass(frozen=True, eq=False)
class RunFolder:
    """A run folder as read back.

    Attributes
    ----------
    path
        The folder.
    config_text, config
        ``config.toml`` as written (the config as given, defaults not filled) and parsed.
    manifest
        ``manifest.json`` (empty when the file is missing: see ``notes``).
    summary
        ``plan/summary.json``.
    centres, townships, counties, levels
        The plan tables (columns as written; ids as text, ``stage`` as int).
    plan_hashes
        SHA-256 of every ``plan/*.csv`` and ``plan/summary.json`` by file name.
    notes
        What is missing but not required (``manifest.json``).
    """

    path: Path
    config_text: str
    config: dict[str, Any]
    manifest: dict[str, Any]
    summary: PlanSummary
    centres: pd.DataFrame
    townships: pd.DataFrame
    counties: pd.DataFrame
    levels: pd.DataFrame
    plan_hashes: dict[str, str]
    notes: tuple[str, ...] = field(default=())

    @property
    def plan_dir(self) -> Path:
        """The ``plan/`` folder."""
        return self.path / PLAN_DIR

    @property
    def stages(self) -> list[int]:
        """Stages of the plan, today (0) first."""
        return sorted(int(s) for s in self.levels["stage"].unique())

    @property
    def years(self) -> dict[int, int]:
        """The year of every stage (0: ``stages.base_year``), from ``config.toml``; the
        schema's defaults where the config sets none."""
        table = self.config.get("stages", {})
        table = table if isinstance(table, dict) else {}
        years = [table.get("base_year", StagesConfig().base_year)]
        years += list(table.get("years", StagesConfig().years))
        return {i: int(y) for i, y in enumerate(years) if isinstance(y, int)}


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as err:
        msg = f"{path}: cannot read ({err.strerror or _one_line(err)})"
        raise InputError(msg) from None
    except UnicodeDecodeError:
        msg = f"{path}: not UTF-8 text"
        raise InputError(msg) from None


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    text = _read_text(path)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML ({_one_line(err)})"
        raise InputError(msg) from None


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON file holding an object.

    Raises
    ------
    InputError
        The file is unreadable, not JSON or not an object.
    """
    try:
        value = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as err:
        msg = f"{path}: cannot read ({err.strerror or _one_line(err)})"
        raise InputError(msg) from None
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError
        msg = f"{path}: not valid JSON ({_one_line(err)})"
        raise InputError(msg) from None
    if not isinstance(value, dict):
        msg = f"{path}: expected a JSON object, found {type(value).__name__}"
        raise InputError(msg)
    return value


def read_summary(path: Path) -> PlanSummary:
    """``plan/summary.json`` of a run folder, typed.

    Raises
    ------
    InputError
        The file is unreadable or a field is missing or of the wrong type.
    """
    try:
        return PlanSummary.from_json(read_json_object(path))
    except SummaryError as err:
        msg = f"{path}: {err}"
        raise InputError(msg) from None


def read_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    """Read a plan CSV; check the columns of ``spec``; ``stage`` becomes int."""
    text = (*spec.ids, *spec.text, *PLAN_TEXT)
    try:
        frame = pd.read_csv(
            path, dtype=dict.fromkeys(text, str), keep_default_na=False, na_values=[""]
        )
        if "county" in frame.columns and "county_code" not in frame.columns:
            frame = frame.rename(columns={"county": "county_code"})  # the key as written
    except OSError as err:
        msg = f"{path}: cannot read ({err.strerror or _one_line(err)})"
        raise InputError(msg) from None
    except ValueError as err:  # parser errors, empty files, bad encoding
        msg = f"{path}: not a readable plan CSV ({_one_line(err)})"
        raise InputError(msg) from None
    missing = [c for c in (*spec.ids, *spec.numbers) if c not in frame.columns]
    if missing:
        msg = f"{path}: missing column(s) {', '.join(missing)}"
        raise InputError(msg)
    for col in spec.ids:
        frame[col] = frame[col].fillna("").astype(str)
    for col in spec.numbers:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any() or (col == "stage" and values.isna().any()):
            row = int(bad.to_numpy().argmax()) if bad.any() else int(values.isna().argmax())
            msg = f"{path}: column '{col}' is not numeric (data row {row + 1})"
            raise InputError(msg)
        if col != "stage" and frame[col].dtype == object:
            frame[col] = values
    frame["stage"] = frame["stage"].astype(int)
    if spec.key and frame.duplicated(list(spec.key)).any():
        first = frame[frame.duplicated(list(spec.key))].iloc[0]
        where = ", ".join(f"{k}={first[k]}" for k in spec.key)
        msg = f"{path}: duplicate row for {where}"
        raise InputError(msg)
    return frame


def check_run_folder(path: Path) -> None:
    """Fail unless ``path`` is a folder holding every file of :data:`REQUIRED_FILES`.

    Raises
    ------
    InputError
        One line naming the folder and the first missing file.
    """
    if not path.exists():
        msg = f"{path}: not a folder: run folder not found"
        raise InputError(msg)
    if not path.is_dir():
        msg = f"{path}: not a folder (expected a run folder written by 'planner run')"
        raise InputError(msg)
    missing = [rel for rel in REQUIRED_FILES if not (path / rel).is_file()]
    if missing:
        msg = (
            f"{path / missing[0]}: missing; {path} is not a run folder "
            f"(missing {', '.join(missing)}); give a folder written by 'planner run'"
        )
        raise InputError(msg)


def read_run_folder(path: Path | str) -> RunFolder:
    """Read a run folder written by ``planner run``.

    Parameters
    ----------
    path
        The run folder (``<output.dir>/<name>``, or its hidden twin while it is written).

    Returns
    -------
    RunFolder

    Raises
    ------
    InputError
        The folder or one of its required files is missing or unreadable (one line that
        names the path).
    """
    path = Path(path)
    check_run_folder(path)
    plan = path / PLAN_DIR
    config_text, config = _read_toml(path / CONFIG_FILE)
    summary = read_summary(plan / SUMMARY_FILE)
    tables = {name: read_table(plan / name, spec) for name, spec in TABLES.items()}
    notes: list[str] = []
    manifest: dict[str, Any] = {}
    if (path / MANIFEST_FILE).is_file():
        manifest = read_json_object(path / MANIFEST_FILE)
    else:
        notes.append(f"{MANIFEST_FILE} is missing from the run folder")
    files = [*sorted(p for p in plan.glob("*.csv") if p.is_file()), plan / SUMMARY_FILE]
    try:
        hashes = {p.name: sha256_of(p) for p in files}
    except OSError as err:
        msg = f"{err.filename or plan}: cannot read ({err.strerror})"
        raise InputError(msg) from None
    return RunFolder(
        path=path,
        config_text=config_text,
        config=config,
        manifest=manifest,
        summary=summary,
        centres=tables[CENTRES_FILE],
        townships=tables[TOWNSHIPS_FILE],
        counties=tables[COUNTIES_FILE],
        levels=tables[LEVELS_FILE],
        plan_hashes=hashes,
        notes=tuple(notes),
    )
