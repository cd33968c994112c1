"""Build the national dataset: every mainland province, concatenated.

Run as a maintainer script (``make data-china``)::

    python -m planner.datasets.national --raw data/raw/china --out data/china

Each of the 31 provincial-level units is built by :func:`planner.datasets.build.build_dataset`
(same rules, same seed, no township points: every point is generated), then the tables and
boundary layers are concatenated, sorted by code. A run selects one province with
``data.province`` (by code or name) or plans them all (``data.province = "all"``), solving the
provinces separately because no constraint links them. The national boundaries are
simplified (~100 m), which leaves some polygons self-touching; those are repaired with
``shapely.make_valid`` (polygonal parts kept) and counted in the log.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import shape

from planner.config.regions import PROVINCES
from planner.datasets.build import DEFAULT_ITEMS, DEFAULT_SEED, build_dataset
from planner.errors import InputError

logger = logging.getLogger(__name__)


def _repair(feature: dict[str, Any]) -> bool:
    """Make an invalid (self-touching, simplified) polygon valid in place; True if repaired."""
    geom = shape(feature["geometry"])
    if geom.is_valid:
        return False
    fixed = shapely.make_valid(geom)
    polygons = [
        g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in {"Polygon", "MultiPolygon"}
    ]
    merged = shapely.unary_union(polygons)
    feature["geometry"] = json.loads(shapely.to_geojson(shapely.set_precision(merged, 1e-5)))
    return True


def _merge_geojson(paths: list[Path], out: Path) -> int:
    """Concatenate layers sorted by code; return how many geometries were repaired."""
    features: list[dict[str, Any]] = []
    crs: Any = None
    repaired = 0
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        crs = crs or data.get("crs")
        for feature in data["features"]:
            repaired += _repair(feature)
        features.extend(data["features"])
    features.sort(key=lambda f: str(f["properties"]["code"]))
    doc = {"type": "FeatureCollection", "crs": crs, "features": features}
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    return repaired


def build_national(
    raw_dir: Path,
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    items_path: Path = DEFAULT_ITEMS,
    provinces: Sequence[str] = tuple(PROVINCES),
) -> dict[str, int]:
    """Build every province and concatenate them into ``out_dir``; return township counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for code in provinces:
            part = Path(tmp) / code
            report = build_dataset(raw_dir, code, part, seed=seed, items_path=items_path)
            counts[code] = int(report.n_townships) if hasattr(report, "n_townships") else 0
            parts.append(part)
            logger.info("built %s %s", code, PROVINCES[code])
        for table, key in (
            ("townships.csv", "township_id"),
            ("counties.csv", "county_code"),
            ("centres.csv", "centre_id"),
        ):
            frames = [pd.read_csv(p / table, dtype=str, keep_default_na=False) for p in parts]
            merged = pd.concat(frames, ignore_index=True).sort_values(key, kind="mergesort")
            if table == "townships.csv":
                counts = merged.groupby(merged["county_code"].str[:2]).size().to_dict()
            merged.to_csv(out_dir / table, index=False, lineterminator="\n")
        for layer in ("province.geojson", "cities.geojson", "counties.geojson"):
            fixed = _merge_geojson([p / layer for p in parts], out_dir / layer)
            logger.info("%s: %d invalid geometries repaired (shapely.make_valid)", layer, fixed)
    return {str(k): int(v) for k, v in counts.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (maintainer script)."""
    parser = argparse.ArgumentParser(prog="python -m planner.datasets.national")
    parser.add_argument("--raw", type=Path, required=True, help="national raw data folder")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--items", type=Path, default=DEFAULT_ITEMS, help="item catalogue")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("planner.datasets.build").setLevel(logging.WARNING)
    try:
        counts = build_national(args.raw, args.out, args.seed, args.items)
    except InputError as err:
        logger.error("%s", err)
        return 2
    print(f"built {len(counts)} provinces, {sum(counts.values()):,} townships into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
