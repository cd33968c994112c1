"""Scenario sweeps: many configs from one base config, run on Dask, compared in one place.

A *sweep file* (TOML) names a base config and the config keys to vary::

    base = "jiangsu.toml"             # relative to the sweep file
    name = "penalty-catchup"          # the sweep folder: <output_dir>/<name>/
    mode = "product"                  # or "zip"
    # output_dir = "../outputs"       # default: the base config's output.dir

    [vary]
    "costs.top_heavy_penalty_per_m2_year" = [1000, 4000]
    "maturity.annual_catch_up" = {start = 0.04, stop = 0.08, step = 0.04}

Each scenario is the base config with one combination of values merged in
(:func:`planner.config.load_config` with ``overrides``). Its resolved config is written to
``<sweep dir>/configs/<scenario>.toml`` (data paths made absolute, so ``planner run`` on it
reproduces the scenario) and run end to end as ``planner run`` does (:func:`run_scenario`:
validate, solve, write the plan and, if the config says so, the report) into
``<sweep dir>/scenarios/<scenario>/``, a normal run folder plus ``scenario.json``. The
scenarios run as tasks on a Dask cluster (:func:`dask_client`, :func:`run_sweep`); a failing
scenario is recorded and never stops the others. The comparison is written to
``comparison.csv``, ``comparison.html`` and ``sweep.json`` in the sweep folder.

A scenario is *reused* (not solved again) when its folder holds a plan written for the same
hash of resolved config, input files and package code (:func:`scenario_hash`).

Nothing here prints; the CLI (:mod:`planner.cli.sweep_cmd`) shows progress through a
:class:`SweepObserver`.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import itertools
import json
import logging
import math
import os
import re
import shutil
import threading
import time
import tomllib
import uuid
from asyncio import CancelledError
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.config import LEVELS, Config, DataConfig, LoadedConfig, deep_merge, load_config
from planner.errors import InputError, PlannerError
from planner.io.files import MAX_CONFIG_BYTES, read_regular_file
from planner.io.inputs import sha256_file
from planner.io.plan_files import format_table, json_text
from planner.io.run_dir import check_sweep_dir, check_writable, is_planner_run, written_by_sweep

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

Status = Literal["solved", "reused", "failed"]
"""What happened to a scenario: solved now, reused from an earlier run, or failed."""

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""Sweep names follow config names (they become folder and scenario names)."""
RANGE_KEYS = frozenset({"start", "stop", "step"})
MAX_RANGE_VALUES = 10_000
"""A range with more values than this is reported as a mistake (a step too small)."""
RANGE_TOLERANCE = 1e-9
"""Relative tolerance (of the step) within which ``stop`` is included in a range."""
SLUG_PART_CHARS = 24
SLUG_CHARS = 64

SCENARIOS_DIR = "scenarios"
CONFIGS_DIR = "configs"
RECORD_FILE = "scenario.json"
COMPARISON_CSV = "comparison.csv"
COMPARISON_HTML = "comparison.html"
SWEEP_JSON = "sweep.json"
SWEEP_COPY = "sweep.toml"
REPORT_FILE = "report.html"

OLIVE_ROWS_PER_CHART = 10
"""Scenarios per olive chart (rows of one chart share the horizontal scale)."""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'"


# --- the sweep file ---------------------------------------------------------------------------


class SweepFile(BaseModel):
    """The sweep file as written (before the ``[vary]`` table is expanded)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: Path = Field(description="Base config (TOML), relative to the sweep file.")
    name: str = Field(
        pattern=NAME_PATTERN, description="Sweep name: the folder <output_dir>/<name>/."
    )
    output_dir: Path | None = Field(
        None,
        description="Parent folder of the sweep folder, relative to the sweep file "
        "(default: the base config's output.dir).",
    )
    mode: Literal["product", "zip"] = Field(
        "product",
        description="'product': every combination of the values (cartesian product); "
        "'zip': the i-th values of every key together (lists of equal length).",
    )
    vary: dict[str, Any] = Field(
        min_length=1,
        description="Dotted config key -> list of values, or a range table "
        "{start, stop, step} (stop included within float tolerance).",
    )


class RangeTable(BaseModel):
    """``{start, stop, step}``: ``start, start + step, ...`` up to ``stop`` included."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    start: float
    stop: float
    step: float


@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario of a sweep: everything a worker needs to run it (picklable).

    Attributes
    ----------
    index : int
        Position in the sweep (1-based), in the order the sweep file generates.
    name : str
        ``<sweep>-<slug of the varied values>``: the config name and folder name.
    values : dict
        Dotted config key -> value of this scenario.
    base : Path
        The base config (absolute).
    sweep_dir : Path
        The sweep folder (absolute).
    sweep_name : str
        Name of the sweep.
    """

    index: int
    name: str
    values: dict[str, Any]
    base: Path
    sweep_dir: Path
    sweep_name: str

    @property
    def overrides(self) -> dict[str, Any]:
        """The varied values as a nested mapping (for :func:`load_config`)."""
        return nest(self.values)

    @property
    def full_overrides(self) -> dict[str, Any]:
        """The varied values plus the scenario's name and output folder."""
        placement = {"name": self.name, "output": {"dir": str(self.sweep_dir / SCENARIOS_DIR)}}
        return deep_merge(self.overrides, placement)

    @property
    def run_dir(self) -> Path:
        """The scenario's run folder."""
        return self.sweep_dir / SCENARIOS_DIR / self.name

    @property
    def config_path(self) -> Path:
        """The scenario's resolved config file."""
        return self.sweep_dir / CONFIGS_DIR / f"{self.name}.toml"


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file with its scenarios.

    Attributes
    ----------
    path : Path
        The sweep file (absolute).
    name : str
        Sweep name.
    base : Path
        The base config (absolute).
    mode : str
        ``"product"`` or ``"zip"``.
    values : dict
        Dotted config key -> the values it takes, in the order of the sweep file.
    sweep_dir : Path
        ``<output_dir>/<name>`` (absolute).
    scenarios : tuple of ScenarioSpec
        In sweep order.
    """

    path: Path
    name: str
    base: Path
    mode: str
    values: dict[str, list[Any]]
    sweep_dir: Path
    scenarios: tuple[ScenarioSpec, ...]

    @property
    def keys(self) -> list[str]:
        """The varied config keys."""
        return list(self.values)


def _validation_message(path: Path, err: ValidationError, prefix: str, hint: str) -> str:
    first = err.errors()[0]
    where = ".".join([prefix, *(str(p) for p in first["loc"])]).strip(".") or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        return f"{path}: unknown key '{where}' ({hint})"
    if kind == "missing":
        return f"{path}: '{where}' is required but missing"
    message = first["msg"].removeprefix("Value error, ")
    if "input" in first and kind != "value_error":
        return f"{path}: '{where}' was {first['input']!r}: {message}"
    return f"{path}: '{where}': {message}"


def load_sweep(path: Path | str, output_dir: Path | None = None) -> Sweep:
    """Read and validate a sweep file and expand its scenarios.

    Parameters
    ----------
    path
        The sweep file (TOML).
    output_dir
        Parent folder of the sweep folder; overrides the file's ``output_dir`` (benchmarks
        and tests write into a temporary folder).

    Returns
    -------
    Sweep

    Raises
    ------
    InputError
        One line naming the file and key: the file is missing or not TOML, a key is unknown,
        a value or range is invalid, ``zip`` lists differ in length, two scenarios are
        identical, the base config is missing or invalid, or the sweep folder would be the
        base config's run folder.
    """
    path = Path(path)
    try:
        text = read_regular_file(path, "sweep", MAX_CONFIG_BYTES).decode("utf-8-sig")  # BOM
        raw = tomllib.loads(text)
    except FileNotFoundError:
        msg = f"{path}: sweep file not found"
        raise InputError(msg) from None
    except UnicodeDecodeError:
        msg = f"{path}: sweep file is not UTF-8 text"
        raise InputError(msg) from None
    except OSError as err:
        msg = f"{path}: cannot read the sweep file ({err.strerror})"
        raise InputError(msg) from None
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML ({err})"
        raise InputError(msg) from None
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as err:
        hint = "a sweep file has base, name, output_dir, mode and a [vary] table"
        raise InputError(_validation_message(path, err, "", hint)) from None

    folder = path.resolve().parent
    base = spec.base if spec.base.is_absolute() else (folder / spec.base).resolve()
    if not base.is_file():
        msg = f"{path}: 'base' config {spec.base} not found (looked for {base})"
        raise InputError(msg)
    base_loaded = load_config(base)
    values = expand_vary(spec.vary, path)
    combos = _combinations(values, spec.mode, path)
    if output_dir is not None:
        parent = Path(output_dir).resolve()
    elif spec.output_dir is not None:
        parent = (folder / spec.output_dir).resolve()
    else:
        parent = base_loaded.resolve(base_loaded.config.output.dir)
    sweep_dir = parent / spec.name
    if sweep_dir == base_loaded.run_dir:
        msg = (
            f"{path}: 'name' {spec.name!r} is the run folder of the base config ({sweep_dir}); "
            "give the sweep another name"
        )
        raise InputError(msg)
    check_sweep_dir(sweep_dir)  # never write into a folder holding files of someone else
    check_writable(sweep_dir)  # a read-only folder or mount: before any cluster starts
    names = scenario_names(spec.name, list(values), combos)
    scenarios = tuple(
        ScenarioSpec(
            index=i + 1,
            name=name,
            values=dict(zip(values, combo, strict=True)),
            base=base,
            sweep_dir=sweep_dir,
            sweep_name=spec.name,
        )
        for i, (name, combo) in enumerate(zip(names, combos, strict=True))
    )
    return Sweep(
        path=path.resolve(),
        name=spec.name,
        base=base,
        mode=spec.mode,
        values=values,
        sweep_dir=sweep_dir,
        scenarios=scenarios,
    )


def expand_vary(vary: Mapping[str, Any], path: Path) -> dict[str, list[Any]]:
    """Expand the ``[vary]`` table into dotted key -> list of values.

    Keys may be quoted dotted keys (``"costs.window_cost_per_year" = [...]``) or nested TOML
    tables; a value is a non-empty list or a range table ``{start, stop, step}``.

    Raises
    ------
    InputError
        An unknown or reserved config key, overlapping keys, an empty list, a value that is
        neither a list nor a range, or a bad range.
    """
    out: dict[str, list[Any]] = {}
    for key, value in _flatten_vary(vary, path):
        problem = config_key_problem(key)
        if problem:
            msg = f"{path}: 'vary.{key}': {problem}"
            raise InputError(msg)
        if isinstance(value, list):
            if not value:
                msg = f"{path}: 'vary.{key}' is an empty list; give at least one value"
                raise InputError(msg)
            values = list(value)
        elif isinstance(value, dict):
            values = range_values(value, f"vary.{key}", path)
        else:
            msg = (
                f"{path}: 'vary.{key}' was {value!r}: give a list of values or a range table "
                "{start = ..., stop = ..., step = ...}"
            )
            raise InputError(msg)
        out[key] = values
    keys = sorted(out)
    for a, b in itertools.pairwise(keys):
        if b.startswith(a + "."):
            msg = f"{path}: 'vary.{a}' and 'vary.{b}' overlap; vary a table or its keys, not both"
            raise InputError(msg)
    return out


def _flatten_vary(
    table: Mapping[str, Any], path: Path, prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not (RANGE_KEYS & value.keys()):
            if not value:
                msg = f"{path}: 'vary.{dotted}' is an empty table"
                raise InputError(msg)
            yield from _flatten_vary(value, path, dotted + ".")
        else:
            yield dotted, value


def config_key_problem(key: str) -> str | None:
    """Why a dotted key cannot be varied (unknown, reserved, not a value), or ``None``.

    The key is checked against the config schema (:class:`planner.config.Config`); tables
    keyed by name (``policy.levels.<level>``) accept any name here, and the config's own
    validation judges it per scenario.
    """
    parts = key.split(".")
    if key == "name" or (parts[0] == "output" and (len(parts) == 1 or parts[1] == "dir")):
        return (
            "is set by the sweep (each scenario is named after its values and written under "
            "the sweep folder)"
        )
    node: Any = Config
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        if isinstance(node, type) and issubclass(node, BaseModel):
            fields = node.model_fields
            if part not in fields:
                return f"unknown config key '{here}' (check the spelling; see configs/default.toml)"
            node = fields[part].annotation
        elif get_origin(node) is dict:
            node = get_args(node)[1]
        else:
            return f"'{'.'.join(parts[:i])}' is a value, not a table"
    return None


def range_values(table: Mapping[str, Any], where: str, path: Path) -> list[Any]:
    """The values of a range table ``{start, stop, step}``, ``stop`` included.

    ``stop`` is included when it is reached within :data:`RANGE_TOLERANCE` of a step, and
    values are rounded to 12 decimals (``0.04 + 2 * 0.02`` is ``0.08``). Integers stay
    integers when start, stop and step all are.

    Raises
    ------
    InputError
        A missing or unknown key, a non-number, a zero step, a step pointing away from
        ``stop``, or more than :data:`MAX_RANGE_VALUES` values.
    """
    try:
        rng = RangeTable.model_validate(table)
    except ValidationError as err:
        hint = "a range table has start, stop and step"
        raise InputError(_validation_message(path, err, where, hint)) from None
    start, stop, step = rng.start, rng.stop, rng.step
    if step == 0 or not all(math.isfinite(v) for v in (start, stop, step)):
        msg = f"{path}: '{where}' is a bad range: step must be a finite non-zero number"
        raise InputError(msg)
    span = (stop - start) / step
    if span < -RANGE_TOLERANCE:
        msg = (
            f"{path}: '{where}' is a bad range: step {step:g} goes away from stop {stop:g} "
            f"(start {start:g})"
        )
        raise InputError(msg)
    count = math.floor(span + RANGE_TOLERANCE) + 1
    if count > MAX_RANGE_VALUES:
        msg = (
            f"{path}: '{where}' is a bad range: {count:,} values (at most "
            f"{MAX_RANGE_VALUES:,}); check the step"
        )
        raise InputError(msg)
    integers = all(isinstance(table[k], int) for k in ("start", "stop", "step"))
    values: list[Any] = []
    for i in range(count):
        value = start + i * step
        if abs(value - stop) <= RANGE_TOLERANCE * abs(step):
            value = stop
        values.append(round(value) if integers else round(value, 12) + 0.0)
    return values


def _same(a: Any, b: Any) -> bool:
    return bool((type(a) is type(b) or (_number(a) and _number(b))) and a == b)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _combinations(values: dict[str, list[Any]], mode: str, path: Path) -> list[tuple[Any, ...]]:
    lists = list(values.values())
    if mode == "product":
        for key, vs in values.items():
            for i, v in enumerate(vs):
                if any(_same(v, w) for w in vs[:i]):
                    msg = f"{path}: 'vary.{key}' lists {format_value(v)} twice"
                    raise InputError(msg)
        return list(itertools.product(*lists))
    lengths = {key: len(v) for key, v in values.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"'{k}' has {n}" for k, n in lengths.items())
        msg = f"{path}: 'vary': mode = \"zip\" needs lists of equal length, but {detail}"
        raise InputError(msg)
    combos = list(zip(*lists, strict=True))
    for i, combo in enumerate(combos):
        for j in range(i):
            if all(_same(a, b) for a, b in zip(combo, combos[j], strict=True)):
                msg = f"{path}: 'vary': zip scenarios {j + 1} and {i + 1} have the same values"
                raise InputError(msg)
    return combos


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "a.c": 2}`` -> ``{"a": {"b": 1, "c": 2}}``."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def format_value(value: Any) -> str:
    """A value as text for tables: integral floats without ``.0``, floats exact (``repr``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _slug_part(value: Any) -> str:
    text = f"{value:.6g}" if isinstance(value, float) and not value.is_integer() else None
    text = text or format_value(value)
    text = re.sub(r"[^A-Za-z0-9.-]+", "-", text.replace("+", ""))
    return text[:SLUG_PART_CHARS] or "x"


def scenario_names(sweep: str, keys: Sequence[str], combos: Sequence[tuple[Any, ...]]) -> list[str]:
    """Deterministic scenario names ``<sweep>-<values>`` (e.g. ``sw-1000_0.06``).

    The slug joins the values of the keys that take more than one value (of every key when
    none does), so a scenario keeps its name, and its folder can be reused, when values are
    added to or removed from the sweep. Names that would collide (or slugs longer than
    :data:`SLUG_CHARS`) get a short hash of the exact values.
    """
    varying = [
        i for i in range(len(keys)) if len({format_value(c[i]) for c in combos}) > 1
    ] or list(range(len(keys)))
    slugs = ["_".join(_slug_part(combo[i]) for i in varying) for combo in combos]
    counts: dict[str, int] = {}
    for slug in slugs:
        counts[slug] = counts.get(slug, 0) + 1
    names = []
    for slug, combo in zip(slugs, combos, strict=True):
        if counts[slug] > 1 or len(slug) > SLUG_CHARS:
            exact = json.dumps([format_value(v) for v in combo], ensure_ascii=False)
            digest = hashlib.sha256(exact.encode()).hexdigest()[:6]
            slug = f"{slug[: SLUG_CHARS - 7]}-{digest}"
        names.append(f"{sweep}-{slug}")
    return names


# --- one scenario, end to end (runs inside a Dask worker) -------------------------------------


@dataclass(frozen=True)
class StageMetrics:
    """Headline figures of one planning stage of a scenario's plan."""

    stage: int
    area_m2: dict[str, float]
    """Floor area by level."""
    top_heavy_share: float
    """Province + city share of the floor area."""
    online_share: float
    unserved: float
    """Transactions a year served neither physically nor online."""
    townships_unserved: int
    """Townships with unserved demand."""
    townships_without_service: int
    """Townships whose station is below the minimum (left without service)."""


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
    solver_status : str or None
        ``optimal``, ``time_limit``, ``infeasible``, ...
    objective_kcny : float or None
        Total cost (the LP objective, each scenario with its own weights), kCNY.
    stages : tuple of StageMetrics
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
    status: Status
    run_dir: str
    error: str | None = None
    config_hash: str | None = None
    solver_status: str | None = None
    objective_kcny: float | None = None
    stages: tuple[StageMetrics, ...] = ()
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
        data["stages"] = tuple(StageMetrics(**s) for s in data.get("stages", ()))
        data["warnings"] = tuple(data.get("warnings", ()))
        return cls(**data)


def input_paths(loaded: LoadedConfig) -> dict[str, Path]:
    """The input files a config names (every path of ``[data]``), resolved."""
    data = loaded.config.data
    paths = {name: getattr(data, name) for name in DataConfig.model_fields}
    return {name: loaded.resolve(p) for name, p in paths.items() if isinstance(p, Path)}


_CODE_HASH: dict[int, str] = {}


def _code_hash() -> str:
    """:func:`planner.pipeline.code_hash`, once per process (the code a worker imported)."""
    from planner.pipeline import code_hash

    pid = os.getpid()
    if pid not in _CODE_HASH:
        _CODE_HASH[pid] = code_hash()
    return _CODE_HASH[pid]


def scenario_hash(loaded: LoadedConfig) -> str:
    """SHA-256 of the resolved config, the input files' SHA-256 and the package code hash.

    The config is the validated model with every default filled in, as canonical JSON
    (sorted keys, no spaces); a missing input file hashes as ``"missing"`` (the run then
    fails with a clear message).
    """
    files = {
        name: sha256_file(path) if path.is_file() else "missing"
        for name, path in sorted(input_paths(loaded).items())
    }
    payload = {
        "config": loaded.config.model_dump(mode="json"),
        "inputs": files,
        "code": _code_hash(),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_config(spec: ScenarioSpec) -> LoadedConfig:
    """Resolve the scenario's config, write it to ``configs/<name>.toml`` and load that file.

    The file is the base config merged with the scenario's values, its name and output
    folder, with every data path absolute: ``planner run`` on it reproduces the scenario, and
    the run folder's ``config.toml`` and manifest describe the scenario, not the base.

    Raises
    ------
    InputError
        The merged config does not validate (the message names the base file and key).
    """
    merged = load_config(spec.base, spec.full_overrides)
    data = {name: str(path) for name, path in input_paths(merged).items()}
    raw = deep_merge(merged.raw, {"data": data})
    described = ", ".join(f"{k} = {format_value(v)}" for k, v in spec.values.items())
    base_text = str(raw.get("description", "")).strip()
    raw["description"] = f"{base_text} | sweep {spec.sweep_name}: {described}".lstrip(" |")
    header = (
        f"# Scenario {spec.name} of sweep {spec.sweep_name}, written by `planner sweep`:\n"
        f"# {spec.base} with {described}.\n"
    )
    if spec.config_path.exists() and not written_by_sweep(spec.config_path):
        msg = f"{spec.config_path}: not written by planner sweep; refusing to overwrite it"
        raise InputError(msg)
    _write_text(spec.config_path, header + to_toml(raw))
    return load_config(spec.config_path)


def run_scenario(spec: ScenarioSpec, topic: str | None = None) -> ScenarioRecord:
    """Run one scenario end to end (config, reuse check, prepare, solve, write, report).

    This is the Dask task; it never raises: a failure (bad config, infeasible plan, a bug)
    becomes a ``failed`` record with a one-line error, also stored in the scenario folder.

    Parameters
    ----------
    spec
        The scenario.
    topic
        When run on a Dask worker, the event topic on which the start of the scenario is
        announced (the client shows it as running).

    Returns
    -------
    ScenarioRecord
    """
    start = time.perf_counter()
    _announce(topic, spec.name)
    digest: str | None = None
    try:
        loaded = scenario_config(spec)
        digest = scenario_hash(loaded)
        previous = read_record(spec.run_dir)
        if (
            previous is not None
            and previous.ok
            and previous.config_hash == digest
            and (spec.run_dir / "plan" / "summary.json").is_file()
        ):
            return record_from_run(spec, "reused", digest, start)
        return _solve(spec, loaded, digest, start)
    except Exception as err:
        log.debug("scenario %s failed", spec.name, exc_info=True)
        record = failed_record(spec, error_text(err), start, digest)
        _store_failure(spec, record)
        return record


def _announce(topic: str | None, name: str) -> None:
    if topic is None:
        return
    try:
        from distributed import get_worker

        worker = get_worker()
        slot = f"{worker.address}/{threading.get_ident()}"
        worker.log_event(topic, {"started": name, "slot": slot})
    except (ImportError, ValueError):  # not inside a Dask worker
        return


def _solve(spec: ScenarioSpec, loaded: LoadedConfig, digest: str, start: float) -> ScenarioRecord:
    """As ``planner run``: validate, solve (province by province if several), write."""
    from planner.pipeline import run_config, write_run

    run = run_config(loaded)
    if run.plan is None:
        from planner.diagnose import explain

        record = failed_record(
            spec, explain(run), start, digest, solver_status=str(run.result.status)
        )
        _store_failure(spec, record)
        return record
    write_run(run)
    record = record_from_run(spec, "solved", digest, start)
    _write_text(spec.run_dir / RECORD_FILE, json_text(record.to_json()))
    return record


def error_text(err: BaseException) -> str:
    """One line for a record: the message of a planner error, else the exception type too."""
    text = str(err) if isinstance(err, PlannerError) else f"{type(err).__name__}: {err}"
    return " ".join(text.split()) or type(err).__name__


def failed_record(
    spec: ScenarioSpec,
    error: str,
    start: float | None = None,
    digest: str | None = None,
    solver_status: str | None = None,
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


def _store_failure(spec: ScenarioSpec, record: ScenarioRecord) -> None:
    """Replace the scenario folder by one holding only ``scenario.json`` with the error.

    A plan left from an earlier config would otherwise sit next to a record of a different
    config.
    """
    try:
        if not is_planner_run(spec.run_dir):  # never remove what the planner did not write
            return
        shutil.rmtree(spec.run_dir, ignore_errors=True)
        _write_text(spec.run_dir / RECORD_FILE, json_text(record.to_json()))
    except OSError:
        log.debug("cannot store the failure of %s", spec.name, exc_info=True)


def read_record(run_dir: Path) -> ScenarioRecord | None:
    """The ``scenario.json`` of a scenario folder, or ``None`` if absent or unreadable."""
    try:
        value = json.loads((run_dir / RECORD_FILE).read_text(encoding="utf-8"))
        return ScenarioRecord.from_json(value)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def record_from_run(
    spec: ScenarioSpec,
    status: Status,
    digest: str,
    start: float,
) -> ScenarioRecord:
    """Build a record from the plan files of the scenario's run folder."""
    plan = spec.run_dir / "plan"
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    area: dict[int, dict[str, float]] = {}
    with (plan / "levels.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            area.setdefault(int(row["stage"]), {})[row["level"]] = float(row["floor_area_m2"])
    stages = []
    for key in sorted(summary["stages"], key=int):
        info = summary["stages"][key]
        s = int(key)
        stages.append(
            StageMetrics(
                stage=s,
                area_m2={level: area.get(s, {}).get(level, 0.0) for level in LEVELS},
                top_heavy_share=float(summary["top_heavy_share"][key]),
                online_share=float(info["online_share"]),
                unserved=float(info["unserved"]),
                townships_unserved=int(info["townships_with_unserved"]),
                townships_without_service=int(info["townships_below_min_station"]),
            )
        )
    warnings = [str(w) for w in summary.get("warnings", [])]
    report = spec.run_dir / REPORT_FILE
    objective = summary.get("objective_kcny")
    return ScenarioRecord(
        name=spec.name,
        index=spec.index,
        values=dict(spec.values),
        status=status,
        run_dir=str(spec.run_dir),
        config_hash=digest,
        solver_status=str(summary.get("status")),
        objective_kcny=float(objective) if objective is not None else None,
        stages=tuple(stages),
        warnings=tuple(warnings),
        seconds=time.perf_counter() - start,
        report=str(report) if report.is_file() else None,
    )


# --- on Dask ----------------------------------------------------------------------------------


class SweepObserver:
    """Told what happens during :func:`run_sweep` (the CLI shows it); does nothing itself.

    ``started`` is called from the Dask client's event-loop thread, the others from the
    thread that runs the sweep.
    """

    def submitted(self, scenarios: Sequence[ScenarioSpec]) -> None:
        """Every scenario was sent to the cluster."""

    def started(self, name: str, slot: str) -> None:
        """Scenario ``name`` began on ``slot`` (a worker thread), which ran nothing else since.

        May come again for a scenario whose worker was lost and whose task is rerun.
        """

    def finished(self, record: ScenarioRecord) -> None:
        """A scenario ended: solved, reused or failed."""


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

    def count(self, status: Status) -> int:
        """Number of scenarios with this status."""
        return sum(r.status == status for r in self.records)


def default_workers() -> int:
    """Cores this process may use (one single-threaded worker per core)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


@contextmanager
def dask_client(
    scheduler: str | None = None,
    workers: int | None = None,
    max_workers: int | None = None,
    log_level: int = logging.WARNING,
) -> Iterator[Client]:
    """A Dask client: to an existing scheduler, or to a new :class:`~distributed.LocalCluster`.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); its workers must import the same
        ``planner`` and see the same paths (a shared file system).
    workers
        Workers of the local cluster (default: :func:`default_workers`); each is a process
        with one thread (HiGHS runs single-threaded for reproducible plans).
    max_workers
        Start no more local workers than this (the number of scenarios).
    log_level
        Least level of the local cluster's own log messages shown (scheduler, nannies,
        workers); ``logging.CRITICAL`` hides the benign heartbeat errors a busy machine can
        produce while the cluster shuts down.

    Raises
    ------
    InputError
        The scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            msg = f"cannot connect to the Dask scheduler at {scheduler} ({err})"
            raise InputError(msg) from None
        with client:
            yield client
        return
    n = workers or default_workers()
    if max_workers is not None:
        n = max(min(n, max_workers), 1)
    log.info("starting a local Dask cluster of %d worker process(es)", n)
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=log_level,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_sweep(sweep: Sweep, client: Client, observer: SweepObserver | None = None) -> SweepResult:
    """Run every scenario of a sweep on a Dask cluster and write the comparison.

    Each scenario is one task (:func:`run_scenario`); records are collected as tasks finish
    (:func:`distributed.as_completed`). A task lost on the cluster (a killed worker) is
    recorded as failed like any other failure. Afterwards folders and configs of scenarios no
    longer in the sweep are removed, and ``comparison.csv``, ``comparison.html`` and
    ``sweep.json`` are written.

    Parameters
    ----------
    sweep
        From :func:`load_sweep`.
    client
        From :func:`dask_client` (or any :class:`distributed.Client`).
    observer
        Told of progress.

    Returns
    -------
    SweepResult
    """
    from distributed import as_completed

    observer = observer or SweepObserver()
    start = time.perf_counter()
    sweep.sweep_dir.mkdir(parents=True, exist_ok=True)
    _write_text(sweep.sweep_dir / SWEEP_COPY, sweep.path.read_text(encoding="utf-8"))
    topic = f"olive-sweep-{uuid.uuid4().hex}"

    def on_event(event: Any) -> None:
        msg = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        if isinstance(msg, dict) and "started" in msg:
            observer.started(str(msg["started"]), str(msg.get("slot", msg["started"])))

    client.subscribe_topic(topic, on_event)
    records: list[ScenarioRecord] = []
    try:
        futures = {
            client.submit(run_scenario, spec, topic, key=f"{spec.name}-{topic[-8:]}"): spec
            for spec in sweep.scenarios
        }
        observer.submitted(sweep.scenarios)
        for future in as_completed(futures):
            spec = futures[future]
            try:
                record = future.result()
            except (Exception, CancelledError) as err:
                record = failed_record(
                    spec, f"the task was lost on the Dask cluster ({error_text(err)})"
                )
            future.release()
            records.append(record)
            observer.finished(record)
    finally:
        client.unsubscribe_topic(topic)
    records.sort(key=lambda r: r.index)
    removed = prune_stale(sweep)
    result = SweepResult(sweep, records, dominance(records), removed=removed)
    result.seconds = time.perf_counter() - start
    result.files = write_outputs(result)
    return result


def prune_stale(sweep: Sweep) -> list[str]:
    """Remove folders and configs of scenarios that are no longer in the sweep.

    Only folders holding a ``scenario.json`` (written by a sweep) are removed. Returns their
    names.
    """
    current = {s.name for s in sweep.scenarios}
    removed = []
    scenarios = sweep.sweep_dir / SCENARIOS_DIR
    if scenarios.is_dir():
        for folder in sorted(scenarios.iterdir()):
            stale = folder.name not in current and not folder.name.startswith(".")
            if stale and (folder / RECORD_FILE).is_file() and is_planner_run(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    configs = sweep.sweep_dir / CONFIGS_DIR
    if configs.is_dir():
        for path in sorted(configs.glob("*.toml")):
            if path.stem not in current and written_by_sweep(path):
                path.unlink(missing_ok=True)
    if removed:
        log.info("removed %d scenario folder(s) no longer in the sweep", len(removed))
    return removed


# --- comparison -------------------------------------------------------------------------------

CRITERIA = ("total cost", "unserved demand in the last stage", "top-heavy share in the last stage")


def criteria(record: ScenarioRecord) -> tuple[float, float, float] | None:
    """Total cost, last-stage unserved and last-stage top-heavy share, rounded as in the CSV.

    ``None`` for a scenario without a plan. Rounding to the CSV's decimals (0.1 kCNY,
    0.1 transaction, 0.0001 share) keeps solver noise from deciding dominance and lets a
    reader check it in ``comparison.csv``.
    """
    if not record.ok or not record.stages or record.objective_kcny is None:
        return None
    last = record.stages[-1]
    return (
        round(record.objective_kcny, 1),
        round(last.unserved, 1),
        round(last.top_heavy_share, 4),
    )


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is no worse than ``b`` on every criterion and strictly better on one (lower wins)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True)
    )


def dominance(records: Sequence[ScenarioRecord]) -> list[Dominance]:
    """The dominated scenarios and, for each, the scenarios that dominate it (sweep order).

    Scenario A dominates B when A is no worse on total cost (the objective), unserved demand
    in the last stage and top-heavy share in the last stage, and strictly better on one.
    Failed scenarios take no part.
    """
    scored = [(r, c) for r in records if (c := criteria(r)) is not None]
    out = []
    for b, cb in scored:
        by = tuple(a.name for a, ca in scored if a is not b and dominates(ca, cb))
        if by:
            out.append(Dominance(b.name, by))
    return out


def comparison_columns(keys: Sequence[str]) -> dict[str, int | None]:
    """Columns of ``comparison.csv`` and their decimals (``None``: text)."""
    return {
        "n": 0,
        "scenario": None,
        **dict.fromkeys(keys),
        "status": None,
        "stage": 0,
        **{f"area_{level}_m2": 1 for level in LEVELS},
        "top_heavy_share": 4,
        "online_share": 4,
        "unserved": 1,
        "townships_unserved": 0,
        "townships_without_service": 0,
        "objective_kcny": 1,
        "error": None,
    }


def comparison_frame(sweep: Sweep, records: Sequence[ScenarioRecord]) -> pd.DataFrame:
    """One row per scenario and planning stage (one row, without a stage, for a failure)."""
    rows: list[dict[str, Any]] = []
    for r in records:
        head: dict[str, Any] = {
            "n": r.index,
            "scenario": r.name,
            **{k: format_value(r.values.get(k)) for k in sweep.keys},
            "status": r.status,
            "objective_kcny": r.objective_kcny,
            "error": r.error or "",
        }
        if not r.stages:
            rows.append({**head, "stage": None})
            continue
        for s in r.stages:
            rows.append(
                {
                    **head,
                    "stage": s.stage,
                    **{f"area_{lvl}_m2": s.area_m2.get(lvl, 0.0) for lvl in LEVELS},
                    "top_heavy_share": s.top_heavy_share,
                    "online_share": s.online_share,
                    "unserved": s.unserved,
                    "townships_unserved": s.townships_unserved,
                    "townships_without_service": s.townships_without_service,
                }
            )
    columns = comparison_columns(sweep.keys)
    frame = pd.DataFrame(rows, columns=list(columns))
    for col, decimals in columns.items():
        if decimals is not None:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        else:
            frame[col] = frame[col].fillna("")
    return frame


def comparison_csv(sweep: Sweep, records: Sequence[ScenarioRecord]) -> str:
    """``comparison.csv``: fixed columns and decimals, rows in sweep then stage order."""
    frame = comparison_frame(sweep, records)
    return format_table(frame, comparison_columns(sweep.keys), ["n", "stage"])


def sweep_json(result: SweepResult) -> dict[str, Any]:
    """The content of ``sweep.json``: the sweep, every record, dominance and counts."""
    sweep = result.sweep
    return {
        "sweep": {
            "name": sweep.name,
            "file": str(sweep.path),
            "base": str(sweep.base),
            "mode": sweep.mode,
            "vary": sweep.values,
            "dir": str(sweep.sweep_dir),
        },
        "counts": {s: result.count(s) for s in ("solved", "reused", "failed")},
        "seconds": result.seconds,
        "scenarios": [r.to_json() for r in result.records],
        "dominance": [
            {"scenario": d.scenario, "dominated_by": list(d.dominated_by)} for d in result.dominance
        ],
        "non_dominated": _non_dominated(result),
        "removed": result.removed,
    }


def _non_dominated(result: SweepResult) -> list[str]:
    dominated = {d.scenario for d in result.dominance}
    return [r.name for r in result.records if r.ok and r.name not in dominated]


def write_outputs(result: SweepResult) -> dict[str, Path]:
    """Write ``comparison.csv``, ``sweep.json`` and ``comparison.html``; return their paths."""
    folder = result.sweep.sweep_dir
    files = {
        "csv": folder / COMPARISON_CSV,
        "json": folder / SWEEP_JSON,
        "html": folder / COMPARISON_HTML,
    }
    _write_text(files["csv"], comparison_csv(result.sweep, result.records))
    _write_text(files["json"], json_text(sweep_json(result)))
    _write_text(files["html"], render_html(result))
    return files


# --- comparison.html --------------------------------------------------------------------------

HTML_CSS = """
body { margin:0; background:#f5f5f0; color:#1f2328; font-size:14px; line-height:1.5;
  font-family:"Noto Sans CJK SC","Noto Sans SC",system-ui,"Segoe UI",Roboto,Arial,sans-serif; }
.page { max-width:1440px; margin:0 auto; background:#fff; padding:24px 32px 40px; }
h1 { margin:0 0 4px; font-size:24px; } h2 { margin:28px 0 8px; font-size:18px;
  border-bottom:2px solid #556b2f; padding-bottom:4px; }
.muted { color:#5f6670; }
table { border-collapse:collapse; margin:8px 0; font-size:12.5px; }
th, td { border-bottom:1px solid #e3e5e8; padding:3px 8px; text-align:left; vertical-align:top; }
th { background:#f3f7ec; } td.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.dominated td { color:#8a8f96; } tr.failed td { background:#fff1f0; }
.tag { display:inline-block; padding:0 6px; border-radius:8px; font-size:11.5px; }
.solved { background:#e6f2da; } .reused { background:#e5eef8; } .failed { background:#fde2e0; }
img { max-width:100%; height:auto; } code { font-size:12.5px; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _num(value: float | None, decimals: int, percent: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.{max(decimals - 2, 1)}%}" if percent else f"{value:,.{decimals}f}"


def render_html(result: SweepResult) -> str:
    """``comparison.html``: one self-contained page (inline PNG and CSS, no script).

    Sections: the sweep, dominance, the metrics table (one row per scenario and stage), the
    olive profiles of every scenario on a shared scale, and the failures.
    """
    sweep = result.sweep
    records = result.records
    dominated = {d.scenario: d.dominated_by for d in result.dominance}
    counts = ", ".join(f"{result.count(s)} {s}" for s in ("solved", "reused", "failed"))
    parts = [
        f"<h1>Sweep {_e(sweep.name)}</h1>",
        f'<p class="muted">{len(records)} scenarios ({counts}) of <code>{_e(sweep.base)}</code>, '
        f"mode <code>{_e(sweep.mode)}</code>; sweep file <code>{_e(sweep.path)}</code>.</p>",
        "<table><tr><th>varied key</th><th>values</th></tr>",
        *(
            f"<tr><td><code>{_e(k)}</code></td>"
            f"<td>{_e(', '.join(format_value(v) for v in vs))}</td></tr>"
            for k, vs in sweep.values.items()
        ),
        "</table>",
        _dominance_section(result),
        '<h2 id="metrics">Metrics by scenario and stage</h2>',
        _metrics_table(sweep, records, dominated),
        '<h2 id="olive">Olive profiles</h2>',
        '<p class="muted">Floor area by level, symmetric bars, province on top; each row is '
        "a scenario, each column a stage (today first); the dashed outline is today.</p>",
        _olive_section(sweep, records),
        _failures_section(records),
    ]
    body = "\n".join(p for p in parts if p)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>Sweep {_e(sweep.name)}: Olive Planner comparison</title>"
        f'<style>{HTML_CSS}</style></head>\n<body><div class="page">\n{body}\n</div></body>'
        "</html>\n"
    )


def _dominance_section(result: SweepResult) -> str:
    lines = [
        '<h2 id="dominance">Dominance</h2>',
        f"<p>Scenario A dominates B when A is no worse on {', '.join(CRITERIA[:-1])} and "
        f"{CRITERIA[-1]}, and strictly better on at least one (compared at the precision of "
        "<code>comparison.csv</code>). The total cost is each scenario's own objective, "
        "penalties weighted by its own config.</p>",
    ]
    if result.dominance:
        lines.append("<table><tr><th>dominated scenario</th><th>dominated by</th></tr>")
        lines += [
            f"<tr><td>{_e(d.scenario)}</td><td>{_e(', '.join(d.dominated_by))}</td></tr>"
            for d in result.dominance
        ]
        lines.append("</table>")
    else:
        lines.append("<p>No scenario is dominated by another.</p>")
    front = _non_dominated(result)
    if front:
        lines.append(f"<p>Not dominated: {_e(', '.join(front))}.</p>")
    return "\n".join(lines)


def _metrics_table(
    sweep: Sweep, records: Sequence[ScenarioRecord], dominated: Mapping[str, tuple[str, ...]]
) -> str:
    head = [
        "scenario",
        *sweep.keys,
        "status",
        "stage",
        *(f"{level} m²" for level in LEVELS),
        "province+city share",
        "online share",
        "unserved",
        "townships with unserved",
        "townships without service",
        "total cost (kCNY)",
    ]
    rows = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for r in records:
        css = "failed" if not r.ok else "dominated" if r.name in dominated else ""
        tag = f'<span class="tag {r.status}">{r.status}</span>'
        if r.name in dominated:
            tag += ' <span class="muted">(dominated)</span>'
        first = [_e(r.name), *(_e(format_value(r.values.get(k))) for k in sweep.keys)]
        if not r.stages:
            cells = [*first, tag, "", *[""] * (len(head) - len(first) - 2)]
            rows.append(_row(cells, css, len(first) + 2))
            continue
        for s in r.stages:
            cells = [
                *first,
                tag,
                str(s.stage),
                *(_num(s.area_m2.get(level, 0.0), 0) for level in LEVELS),
                _num(s.top_heavy_share, 3, percent=True),
                _num(s.online_share, 3, percent=True),
                _num(s.unserved, 0),
                str(s.townships_unserved),
                str(s.townships_without_service),
                _num(r.objective_kcny, 0),
            ]
            rows.append(_row(cells, css, len(first) + 2))
    rows.append("</table>")
    return "\n".join(rows)


def _row(cells: Sequence[str], css: str, numeric_from: int) -> str:
    tds = "".join(
        f'<td class="num">{c}</td>' if i >= numeric_from else f"<td>{c}</td>"
        for i, c in enumerate(cells)
    )
    return f'<tr class="{css}">{tds}</tr>' if css else f"<tr>{tds}</tr>"


def _olive_section(sweep: Sweep, records: Sequence[ScenarioRecord]) -> str:
    ok = [r for r in records if r.ok]
    if not ok:
        return '<p class="muted">No scenario has a plan.</p>'
    try:
        from planner.report.charts import OliveRow, chart_style, olive_figure, to_png
        from planner.report.data import read_run
    except ImportError as err:
        return f'<p class="muted">Olive charts unavailable ({_e(err)}).</p>'
    images = []
    try:
        runs = [(r, read_run(Path(r.run_dir), maps=False)) for r in ok]
        stages = sorted({s for _, run in runs for s in run.stages})
        for i in range(0, len(runs), OLIVE_ROWS_PER_CHART):
            chunk = runs[i : i + OLIVE_ROWS_PER_CHART]
            rows = [
                OliveRow(
                    label=r.name.removeprefix(f"{sweep.name}-"), run=run, column="floor_area_m2"
                )
                for r, run in chunk
            ]
            with chart_style():
                png = to_png(olive_figure(rows, stages))
            data = base64.b64encode(png).decode("ascii")
            names = ", ".join(r.name for r, _ in chunk)
            images.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="Olive profiles of {_e(names)}"></figure>'
            )
    except Exception as err:  # a chart must not cost the comparison of a finished sweep
        log.warning("olive charts of sweep %s not drawn: %s", sweep.name, error_text(err))
        return f'<p class="muted">Olive charts not drawn ({_e(error_text(err))}).</p>'
    return "\n".join(images)


def _failures_section(records: Sequence[ScenarioRecord]) -> str:
    failed = [r for r in records if not r.ok]
    if not failed:
        return ""
    rows = "".join(f"<tr><td>{_e(r.name)}</td><td>{_e(r.error or '')}</td></tr>" for r in failed)
    return (
        '<h2 id="failed">Failed scenarios</h2>'
        f"<table><tr><th>scenario</th><th>error</th></tr>{rows}</table>"
    )


# --- files ------------------------------------------------------------------------------------


def _write_text(path: Path, text: str) -> None:
    """Write a text file atomically (temporary sibling, then ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def to_toml(table: Mapping[str, Any]) -> str:
    """TOML text of a mapping of TOML values (tables, arrays, strings, numbers, booleans)."""
    lines: list[str] = []
    _emit_table(table, [], lines)
    return "\n".join(lines).strip("\n") + "\n"


def _emit_table(table: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if path and (scalars or not tables):
        lines += ["", "[" + ".".join(_toml_key(p) for p in path) + "]"]
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars]
    for key, sub in tables:
        _emit_table(sub, [*path, str(key)], lines)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # also "inf", "-inf" and "nan", as TOML writes them
    if isinstance(value, str | Path):
        return _toml_string(str(value))
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    msg = f"cannot write {type(value).__name__} {value!r} as TOML"
    raise TypeError(msg)
