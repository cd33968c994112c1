"""TOML text of a mapping (the configs a sweep writes for its scenarios)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any


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
