"""The sweep file: its schema, the expansion of ``[vary]`` into scenarios and their names."""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.config.keys import suggest_key
from planner.config.schema import Config, LoadedConfig, deep_merge, load_config
from planner.errors import InputError
from planner.io.run_dir import check_sweep_dir, check_writable
from planner.regular_files import MAX_CONFIG_BYTES, read_text_file
from planner.sweep.folder import CONFIGS_DIR, SCENARIOS_DIR

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""Sweep names follow config names (they become folder and scenario names)."""
RANGE_KEYS = frozenset({"start", "stop", "step"})
MAX_RANGE_VALUES = 10_000
"""A range with more values than this is reported as a mistake (a step too small)."""
RANGE_TOLERANCE = 1e-9
"""Relative tolerance (of the step) within which ``stop`` is included in a range."""
SLUG_PART_CHARS = 24
SLUG_CHARS = 64


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
    sweep_file: Path | None = None
    """The sweep file (named in the error of a value that makes the scenario invalid)."""

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
        close = difflib.get_close_matches(where, list(SweepFile.model_fields), n=1, cutoff=0.6)
        return f"{path}: unknown key '{where}' (" + (
            f"did you mean '{close[0]}'? {hint})" if close else f"{hint})"
        )
    if kind == "missing":
        return f"{path}: '{where}' is required but missing"
    message = first["msg"].removeprefix("Value error, ")
    if "input" in first and kind != "value_error":
        return f"{path}: '{where}' was {first['input']!r}: {message}"
    return f"{path}: '{where}': {message}"


def _read_sweep_file(path: Path) -> SweepFile:
    """The sweep file parsed and checked against :class:`SweepFile`."""
    text = read_text_file(path, "sweep", MAX_CONFIG_BYTES)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML ({err})"
        raise InputError(msg) from None
    if isinstance(raw, dict) and not {"base", "vary"} & raw.keys():
        msg = (
            f"{path}: this is a run config, not a sweep file (it has no 'base' and no [vary]): "
            f"run it with `planner run {path}`, or write a sweep file naming it as 'base' "
            "(see configs/sweep-example.toml)"
        )
        raise InputError(msg)
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as err:
        hint = "a sweep file has base, name, output_dir, mode and a [vary] table"
        raise InputError(_validation_message(path, err, "", hint)) from None
    return spec


def _sweep_dir(path: Path, spec: SweepFile, base: LoadedConfig, output_dir: Path | None) -> Path:
    """The sweep folder: ``output_dir``, the file's ``output_dir`` or the base's output dir."""
    folder = path.resolve().parent
    if output_dir is not None:
        parent = Path(output_dir).resolve()
    elif spec.output_dir is not None:
        parent = (folder / spec.output_dir).resolve()
    else:
        parent = base.resolve(base.config.output.dir)
    sweep_dir = parent / spec.name
    if sweep_dir == base.run_dir:
        msg = (
            f"{path}: 'name' {spec.name!r} is the run folder of the base config ({sweep_dir}); "
            "give the sweep another name"
        )
        raise InputError(msg)
    return sweep_dir


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
    spec = _read_sweep_file(path)
    folder = path.resolve().parent
    base = spec.base if spec.base.is_absolute() else (folder / spec.base).resolve()
    if not base.is_file():
        msg = f"{path}: 'base' config {spec.base} not found (looked for {base})"
        raise InputError(msg)
    base_loaded = load_config(base)
    values = expand_vary(spec.vary, path)
    combos = _combinations(values, spec.mode, path)
    sweep_dir = _sweep_dir(path, spec, base_loaded, output_dir)
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
            sweep_file=path,
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

    The key is checked against the config schema (:class:`planner.config.schema.Config`); tables
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
                guess = suggest_key(Config, parts[: i + 1])
                hint = f"did you mean '{guess}'?" if guess else "check the spelling;"
                return f"unknown config key '{here}' ({hint} see configs/default.toml)"
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
