"""MkDocs hook: the config reference page, generated from the config schema at build time.

The page ``reference/config.md`` holds a marker that is replaced by one table per config
section, walked from :class:`planner.config.schema.Config` (pydantic): every key, its default and
the description the schema gives it. Nothing here is written by hand, so the page cannot
drift from the schema.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

MARKER = "<!-- config-reference -->"


def _value(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        value = value.as_posix()
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f'"{value}"'
    return "`" + text.replace("|", "\\|") + "`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _sections(model: BaseModel, path: str) -> list[str]:
    rows: list[str] = []
    nested: list[tuple[str, BaseModel]] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            nested.append((name, value))
            continue
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, BaseModel) for v in value.values())
        ):
            nested.extend((f"{name}.{key}", sub) for key, sub in value.items())
            continue
        rows.append(f"| `{name}` | {_value(value)} | {_cell(info.description or '')} |")
    out: list[str] = []
    if rows:
        doc = (type(model).__doc__ or "").strip()
        out += ["", f"## `[{path}]`" if path else "## Top level", ""]
        if doc:
            out += [_cell(doc.split("\n\n")[0]), ""]
        out += ["| key | default | meaning |", "|---|---|---|", *rows]
    for name, sub in nested:
        out += _sections(sub, f"{path}.{name}" if path else name)
    return out


def reference() -> str:
    from planner.config.schema import Config

    return "\n".join(_sections(Config(), "")).strip() + "\n"


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference())
