"""Compare two run folders: config keys, level totals, centres, townships and headline metrics.

A run folder is what ``planner run`` writes (``config.toml``, ``manifest.json`` and
``plan/``). :func:`load_run` reads the parts a comparison needs, :func:`diff_runs` compares
two of them into a :class:`PlanDiff`, and :func:`render_text`, :func:`render_markdown` and
:func:`to_json` turn that into text for a terminal, a review thread or a script.

Two runs are *identical* when every plan file (``plan/*.csv`` and ``plan/summary.json``) is
byte-identical; ``manifest.json`` (paths, timings) and ``config.toml`` are not part of that
test, but the config keys that differ are always listed.

Everything is deterministic: records are sorted by id then stage, JSON keys are sorted and
floats are rounded to :data:`JSON_DIGITS` decimals. Nothing here prints.
"""

from __future__ import annotations

from planner.diff.as_json import to_dict, to_json
from planner.diff.compare import diff_runs, flatten_config
from planner.diff.formatting import headline
from planner.diff.load import load_run
from planner.diff.markdown import render_markdown
from planner.diff.records import (
    DEFAULT_TOLERANCE,
    JSON_DIGITS,
    JSON_KEYS,
    TEXT_LIMIT,
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
from planner.diff.text import render_text

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
