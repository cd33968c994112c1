"""The sweep folder: the names of its files and the one atomic text writer."""

from __future__ import annotations

import os
from pathlib import Path

SCENARIOS_DIR = "scenarios"
CONFIGS_DIR = "configs"
RECORD_FILE = "scenario.json"
COMPARISON_CSV = "comparison.csv"
COMPARISON_HTML = "comparison.html"
SWEEP_JSON = "sweep.json"
SWEEP_COPY = "sweep.toml"


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (temporary sibling, then ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
