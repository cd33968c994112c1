"""Read a run folder for a comparison (through :func:`planner.io.run_folder.read_run_folder`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from planner.io.run_folder import RunFolder, read_run_folder

CENTRE_NUMBERS = ("stage", "floor_area_m2", "windows", "backoffice_desks")
TOWNSHIP_NUMBERS = ("stage", "demand", "unserved")
LEVEL_NUMBERS = ("stage", "floor_area_m2", "area_share", "windows")


def _floats(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """A copy with the compared numeric columns as float (``stage`` stays int)."""
    out = frame.copy()
    for col in columns:
        if col in out.columns and col != "stage":
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def load_run(path: Path) -> RunFolder:
    """Read a run folder written by ``planner run`` for a comparison.

    Parameters
    ----------
    path
        The run folder (``<output.dir>/<name>``), holding ``config.toml`` and ``plan/``.

    Returns
    -------
    RunFolder
        As :func:`planner.io.run_folder.read_run_folder`, with the compared numbers as floats.

    Raises
    ------
    InputError
        The folder or one of its required files is missing or unreadable (one line that
        names the path).
    """
    run = read_run_folder(path)
    return replace(
        run,
        centres=_floats(run.centres, CENTRE_NUMBERS),
        townships=_floats(run.townships, TOWNSHIP_NUMBERS),
        levels=_floats(run.levels, LEVEL_NUMBERS),
    )
