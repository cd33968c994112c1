"""The identity of a run: the config as it ran, and the dataset part it planned.

``planner run`` writes :func:`run_config_toml` into the run folder as ``config.toml``: the
config file with every command-line setting merged in (``--province`` sets ``data.province``
and the run's ``name``), and every path of ``[data]`` and ``output.dir`` rewritten relative to
the run folder. So ``planner run <run folder>/config.toml`` (or ``planner validate``) works
from any working directory and plans the same thing again into the same folder, and two run
folders written side by side name the same data files with the same text.

:func:`dataset_identity` names the province(s) a run planned, for the manifest and the report
title.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomli_w

from planner.config.regions import PROVINCES
from planner.config.schema import LoadedConfig

PATH_KEYS = (
    "townships",
    "counties",
    "centres",
    "items",
    "province_boundary",
    "city_boundaries",
    "county_boundaries",
)
"""Keys of ``[data]`` that are file paths (``data.workbook`` and ``travel.matrix`` are rebased
too when set)."""


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` (POSIX separators), absolute when no relative path
    exists (another drive)."""
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:
        return path.as_posix()


def run_config(loaded: LoadedConfig, run_dir: Path) -> dict[str, Any]:
    """The config mapping written into ``run_dir``: as given plus overrides, paths rebased.

    Parameters
    ----------
    loaded : LoadedConfig
        The config the run used (its ``raw`` mapping already holds the overrides).
    run_dir : Path
        The run folder the mapping is written into (its final name).

    Returns
    -------
    dict
        The raw mapping with every data path (also the defaulted ones) and ``output.dir``
        relative to ``run_dir``.
    """
    raw: dict[str, Any] = {
        k: (dict(v) if isinstance(v, dict) else v) for k, v in loaded.raw.items()
    }
    folder = Path(run_dir).resolve()
    data = raw.setdefault("data", {})
    for key in PATH_KEYS:
        data[key] = _relative(loaded.resolve(getattr(loaded.config.data, key)), folder)
    if loaded.config.data.workbook is not None:
        data["workbook"] = _relative(loaded.resolve(loaded.config.data.workbook), folder)
    if loaded.config.travel.matrix is not None:
        travel = raw.setdefault("travel", {})
        travel["matrix"] = _relative(loaded.resolve(loaded.config.travel.matrix), folder)
    output = raw.setdefault("output", {})
    output["dir"] = _relative(loaded.resolve(loaded.config.output.dir), folder)
    return raw


def run_config_toml(loaded: LoadedConfig, run_dir: Path) -> str:
    """:func:`run_config` as TOML text with a header saying what it is."""
    header = (
        f"# The config of run {loaded.config.name!r} as 'planner run' used it: the config file\n"
        "# with the command-line settings merged in; paths are relative to this folder, so\n"
        "# 'planner run config.toml' in this folder (or from anywhere) plans it again.\n"
    )
    return header + tomli_w.dumps(run_config(loaded, run_dir))


def province_name(code: str) -> str:
    """Name of a two-digit province code (``"33"`` -> ``"浙江省"``), the code if unknown."""
    return PROVINCES.get(code, code)


def dataset_identity(loaded: LoadedConfig, codes: list[str]) -> dict[str, Any]:
    """What part of the dataset a run planned, for the manifest.

    Parameters
    ----------
    loaded : LoadedConfig
        The run's config (``data.province`` as given).
    codes : list of str
        Two-digit province codes present in the run's inputs.

    Returns
    -------
    dict
        ``selection`` (``data.province`` as given: ``"all"`` or a code), ``provinces`` (one
        ``{"code", "name"}`` per province planned) and ``label`` (the provinces' names, or
        "N provinces" beyond three).
    """
    names = [province_name(c) for c in codes]
    label = "、".join(names) if len(names) <= 3 else f"{len(names)} provinces"
    return {
        "selection": loaded.config.data.province,
        "provinces": [{"code": c, "name": n} for c, n in zip(codes, names, strict=True)],
        "label": label,
    }


__all__ = ["dataset_identity", "province_name", "run_config", "run_config_toml"]
