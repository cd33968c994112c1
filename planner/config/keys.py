"""Messages about config keys: the closest known key to a misspelt one ("did you mean")
and per-stage lists of the wrong length. Pure functions over a pydantic schema (the config
model is passed in, so :mod:`planner.config.schema` can use them)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel


def per_stage_message(key: str, entries: int, stages: int, given: bool) -> str:
    """A per-stage list of the wrong length: one entry per stage of ``stages.years``."""
    which = f"'{key}'" if given else f"the default of '{key}'"
    return (
        f"{which} has {entries} entries but 'stages.years' has {stages} stage(s): "
        f"one entry per stage is expected; set '{key}' to {stages} entries"
    )


def suggest_key(schema: type[BaseModel], parts: Sequence[str]) -> str | None:
    """The schema key closest to an unknown dotted key (``difflib``), or ``None``.

    ``schema`` is the config model (:class:`planner.config.schema.Config`); ``parts`` is the
    unknown key split at dots; the candidates are the keys of the table
    that holds it (tables keyed by name, such as ``policy.levels.<level>``, are walked
    through).
    """
    node: Any = schema
    for part in parts[:-1]:
        if get_origin(node) is dict:
            node = get_args(node)[1]
        elif isinstance(node, type) and issubclass(node, BaseModel) and part in node.model_fields:
            node = node.model_fields[part].annotation
        else:
            return None
        if get_origin(node) is not dict and not (
            isinstance(node, type) and issubclass(node, BaseModel)
        ):
            args = [a for a in get_args(node) if isinstance(a, type) and issubclass(a, BaseModel)]
            node = args[0] if args else node
    if not (isinstance(node, type) and issubclass(node, BaseModel)):
        return None
    close = difflib.get_close_matches(parts[-1], list(node.model_fields), n=1, cutoff=0.6)
    return ".".join([*parts[:-1], close[0]]) if close else None


def unknown_key_message(schema: type[BaseModel], path: Path | str, parts: Sequence[str]) -> str:
    """``<file>: unknown key 'a.b' (did you mean 'a.c'? see configs/default.toml)``."""
    where = ".".join(parts)
    guess = suggest_key(schema, parts)
    hint = f"did you mean '{guess}'?" if guess else "check the spelling;"
    return f"{path}: unknown key '{where}' ({hint} see configs/default.toml)"
