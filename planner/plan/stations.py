"""The centres to build or expand, stage by stage: the work list a planner acts on.

Every centre whose action in a planning stage is ``expand`` (from ``plan/centres.csv``):
``work`` is ``build`` when it had no floor area before the stage (below 1 m2), else
``expand``. Rows by stage, level (township stations, 便民服务中心, at the end) and id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BUILD_BELOW_M2 = 1.0
"""A centre with less floor area than this before the stage is built, not expanded."""
STATION_COLUMNS = [
    "stage",
    "level",
    "centre_id",
    "name",
    "county_code",
    "work",
    "area_before_m2",
    "floor_area_m2",
    "area_change_m2",
    "windows",
    "reason",
]


def stations_to_build(centres: pd.DataFrame) -> pd.DataFrame:
    """The centres to build or expand per planning stage (columns :data:`STATION_COLUMNS`).

    Parameters
    ----------
    centres
        The plan's centre table (``action``, ``floor_area_m2``, ``area_change_m2``, ...).
    """
    rows = centres[(centres["stage"] > 0) & (centres["action"] == "expand")].copy()
    rows["area_before_m2"] = rows["floor_area_m2"] - rows["area_change_m2"]
    rows["work"] = np.where(rows["area_before_m2"] < BUILD_BELOW_M2, "build", "expand")
    rows = rows.sort_values(["stage", "level", "centre_id"], kind="mergesort")
    return rows[STATION_COLUMNS].reset_index(drop=True)
