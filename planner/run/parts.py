"""Province plans of a national run, streamed to disk and reused by a rerun.

A multi-province run (``model.decompose``) solves its provinces as independent LPs.
``planner run`` hands each solved province to a :class:`PartStore`: its plan, travel minutes,
maturity and solve outcome are written at once to ``<output.dir>/.<name>.olive-parts/`` (a
hidden sibling of the run folder, like the run's temporary and backup siblings of
:mod:`planner.io.run_dir`) and the parent drops them; the run folder is written from the
parts read back, through the same atomic swap as every run. The parts folder is removed once
the run folder is in place.

A run killed midway (or one whose province failed) leaves the parts of the provinces it
solved. A rerun reuses a part only when its key matches: a SHA-256 (:func:`part_key`) over the
province's input tables (by value), the travel matrix file (when there is one), the config
(every field that shapes a plan: all but ``name``, ``description`` and ``[output]``) and the
code version (:func:`planner.run.pipeline.code_hash`). A changed input, config or planner
version gives another key: that province is solved again.

A folder of that name that the planner did not make (no marker file :data:`MARKER`) is
refused; only files named as the planner names its parts are ever removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from planner import __version__
from planner.config.schema import LoadedConfig
from planner.errors import InputError
from planner.inputs.load import Inputs
from planner.inputs.travel import TravelTable
from planner.plan.extract import Plan
from planner.regular_files import sha256_file
from planner.solve.driver import SolveResult

log = logging.getLogger(__name__)

MARKER = ".olive-planner-parts"
"""Written first into a parts folder: the proof that the planner made it."""
MARKER_TEXT = "province plans of an unfinished planner run; removed when the run is written\n"
FORMAT = "olive-planner part 1"
_PART = re.compile(r"^(\d{2})-([0-9a-f]{64})\.part$")
_PART_TMP = re.compile(r"^\.\d{2}-[0-9a-f]{64}\.part\.tmp-\d+$")
CONFIG_EXCLUDED = ("name", "description", "output")
"""Config fields that do not shape a province's plan (they name and place the outputs)."""


@dataclass(frozen=True)
class PartRecord:
    """What the combined run needs of a solved province (its LP and solution dropped)."""

    result: SolveResult
    plan: Plan
    travel: TravelTable
    maturity: pd.DataFrame
    unreachable: set[tuple[int, str]]
    seconds: dict[str, float]
    """Step timings of the province (as solved, possibly in an earlier run)."""

    def lean(self) -> PartRecord:
        """The record without the solver's values (the plan holds what is needed)."""
        return replace(self, result=replace(self.result, solution=None, relaxed=None))


def parts_folder(run_dir: Path) -> Path:
    """Where the province parts of run folder ``run_dir`` are kept (a hidden sibling)."""
    return run_dir.parent / f".{run_dir.name}.olive-parts"


def _frame_digest(digest: Any, frame: pd.DataFrame) -> None:
    """Feed a table's columns, dtypes, index and values (geometry as WKB) to ``digest``."""
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(repr(frame.index.names).encode())
    digest.update(pd.util.hash_pandas_object(frame.index, index=False).to_numpy().tobytes())
    for column in frame.columns:
        values = frame[column]
        if str(values.dtype) == "geometry":
            values = pd.Series(values.to_wkb(hex=True), index=frame.index)
        digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())


def part_key(loaded: LoadedConfig, code: str, inputs: Inputs, code_version: str) -> str:
    """The content hash a province part is saved and found under (see the module text)."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\n{code}\n{__version__}\n{code_version}\n".encode())
    config = loaded.config.model_dump(mode="json", exclude=set(CONFIG_EXCLUDED))
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    for name in ("townships", "counties", "centres", "items"):
        _frame_digest(digest, getattr(inputs, name))
    for name in ("province", "cities", "county_polygons"):
        _frame_digest(digest, getattr(inputs, name))
    for levels in (inputs.item_levels, inputs.decide_levels):
        shown = {k: [sorted(s) for s in v] for k, v in sorted(levels.items())}
        digest.update(json.dumps(shown, sort_keys=True).encode())
    matrix = inputs.files.get("travel_matrix")
    digest.update(b"matrix:" + (sha256_file(matrix).encode() if matrix is not None else b"-"))
    return digest.hexdigest()


class PartStore:
    """The parts folder of one run folder: save, find and finally clear province parts."""

    def __init__(self, run_dir: Path, reuse: bool = True) -> None:
        self.folder = parts_folder(run_dir)
        self.reuse = reuse
        """False: parts saved by an earlier run are not reused (``planner run --fresh``); the
        province is solved again and its part replaced."""
        self.reused: list[str] = []
        """Provinces whose saved part this run used, in the order found."""

    def _path(self, code: str, key: str) -> Path:
        return self.folder / f"{code}-{key}.part"

    def check(self) -> None:
        """Refuse a parts folder the planner did not make.

        Raises
        ------
        InputError
            The path is a file or link, or a folder without :data:`MARKER`.
        """
        folder = self.folder
        if not folder.exists() and not folder.is_symlink():
            return
        if folder.is_symlink() or not folder.is_dir() or not (folder / MARKER).is_file():
            msg = (
                f"{folder}: exists but was not made by the planner (no {MARKER}); it is where "
                "a multi-province run keeps its province plans: move it away"
            )
            raise InputError(msg)

    def load(self, code: str, key: str) -> PartRecord | None:
        """The saved part of province ``code`` under ``key``, or None (none, unreadable or
        of another format: it is then solved again)."""
        path = self._path(code, key)
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                found = pickle.load(handle)  # a file this planner wrote
        except Exception:  # any unreadable part is solved again
            log.warning("%s: unreadable province part; the province is solved again", path)
            return None
        ok = isinstance(found, tuple) and len(found) == 3 and found[:2] == (FORMAT, key)
        if not ok or not isinstance(found[2], PartRecord):
            log.warning("%s: not a part of this run; the province is solved again", path)
            return None
        return found[2]

    def save(self, code: str, key: str, record: PartRecord) -> None:
        """Write a part atomically (a temporary file renamed over the final name)."""
        if not self.folder.is_dir():
            self.check()
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        path = self._path(code, key)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            with tmp.open("wb") as handle:
                pickle.dump((FORMAT, key, record.lean()), handle, protocol=pickle.HIGHEST_PROTOCOL)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove the parts folder: only the planner's own files, and the folder if empty."""
        folder = self.folder
        if folder.is_symlink() or not (folder / MARKER).is_file():
            return
        for entry in folder.iterdir():
            own = _PART.match(entry.name) or _PART_TMP.match(entry.name)
            if own and entry.is_file() and not entry.is_symlink():
                entry.unlink()
        (folder / MARKER).unlink()
        try:
            folder.rmdir()
        except OSError:
            log.warning("%s: left in place (it holds files the planner did not write)", folder)
