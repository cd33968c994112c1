"""The input files a config names: its ``[data]`` paths, or a workbook's imported dataset,
plus the travel matrix when there is one."""

from __future__ import annotations

from pathlib import Path

from planner.config.schema import LoadedConfig
from planner.inputs.workbook.importer import DEFAULT_BOUNDARIES, workbook_dataset

DATASET_FILES: dict[str, str] = {
    "townships": "townships.csv",
    "counties": "counties.csv",
    "centres": "centres.csv",
    "items": "items.csv",
    "province_boundary": "province.geojson",
    "city_boundaries": "cities.geojson",
    "county_boundaries": "counties.geojson",
}


def input_files(loaded: LoadedConfig) -> dict[str, Path]:
    """Resolved input paths by role (``travel_matrix`` only when a matrix is used)."""
    data = loaded.config.data
    matrix = loaded.config.travel.matrix
    files: dict[str, Path]
    if data.workbook is not None:
        # polygons: from the folder of data.county_boundaries when the config sets it, else
        # the national boundary files
        raw = loaded.raw.get("data", {})
        boundaries = (
            loaded.resolve(data.county_boundaries).parent
            if "county_boundaries" in raw
            else DEFAULT_BOUNDARIES
        )
        folder = workbook_dataset(loaded.resolve(data.workbook), boundaries)
        files = {role: folder / name for role, name in DATASET_FILES.items()}
        if matrix is None and (folder / "travel_matrix.csv").is_file():
            files["travel_matrix"] = folder / "travel_matrix.csv"
    else:
        files = {role: loaded.resolve(getattr(data, role)) for role in DATASET_FILES}
    if matrix is not None:
        files["travel_matrix"] = loaded.resolve(matrix)
    return files
