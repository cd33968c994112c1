"""Input data compared by content: the SHA-256 of every input file in ``manifest.json``.

Two runs whose config names the same data by different paths (a config copied elsewhere, a
run folder's ``config.toml`` with paths rebased) read the same data: their path keys are
not differences. Two runs whose paths are equal but whose files differ are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.diff.records import ConfigChange

PATH_KEYS = ("travel.matrix",)
"""Config keys outside ``[data]`` that name an input file."""
NOT_PATHS = ("data.province",)
"""Keys of ``[data]`` that are not paths."""


def config_key(role: str) -> str:
    """The config key of an input role of the manifest (``travel_matrix`` -> ``travel.matrix``)."""
    return "travel.matrix" if role == "travel_matrix" else f"data.{role}"


def is_path_key(key: str) -> bool:
    """Whether a dotted config key names an input file."""
    return key in PATH_KEYS or (key.startswith("data.") and key not in NOT_PATHS)


def input_hashes(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str]] | None:
    """``role -> (path, sha256)`` of the manifest's ``inputs``; ``None`` without them."""
    inputs = manifest.get("inputs")
    if not isinstance(inputs, Mapping) or not inputs:
        return None
    out = {}
    for role, entry in inputs.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("sha256"), str):
            return None
        out[str(role)] = (str(entry.get("path", "")), str(entry["sha256"]))
    return out


def _shown(entry: tuple[str, str] | None) -> str | None:
    return None if entry is None else f"{entry[0]} (sha256 {entry[1][:12]})"


def by_content(
    changes: list[ConfigChange], manifest_a: Mapping[str, Any], manifest_b: Mapping[str, Any]
) -> tuple[list[ConfigChange], list[str]]:
    """The config changes with input paths replaced by a comparison of file contents.

    Returns
    -------
    changes, notes
        Every non-path change, plus one change per input whose SHA-256 differs (or that one
        run lacks), keyed by its config key, values ``"<path> (sha256 <12 hex>)"``; sorted by
        key. When a manifest lacks its input hashes the changes are returned as they are,
        with a note that paths were compared.
    """
    ha, hb = input_hashes(manifest_a), input_hashes(manifest_b)
    if ha is None or hb is None:
        which = " and ".join(w for w, h in (("A", ha), ("B", hb)) if h is None)
        note = f"input files compared by path: manifest.json of {which} lists no input hashes"
        return changes, [note]
    kept = [c for c in changes if not is_path_key(c.key)]
    for role in sorted(set(ha) | set(hb)):
        a, b = ha.get(role), hb.get(role)
        if a is not None and b is not None and a[1] == b[1]:
            continue
        key = config_key(role)
        kept.append(ConfigChange(key, _shown(a), _shown(b), a is not None, b is not None))
    return sorted(kept, key=lambda c: c.key), []
