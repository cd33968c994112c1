"""Travel minutes from townships to the centres that could serve them.

No open road network exists for this data, so roads are proxied by a graph over township
seats (the rule is configurable, ``[travel]``):

* nodes are township seats, projected to a metric CRS (UTM zone of the data by default);
* edges join Delaunay neighbours (or the k nearest seats), plus every seat's nearest
  neighbour so that no seat is isolated by coincident points; edges longer than
  ``max_edge_km`` are dropped (lakes, estuaries);
* an edge costs ``distance_km * detour_factor / speed_kmh * 60`` minutes.

Every centre sits at a township seat. The minutes from township ``t`` to centre ``c`` are
``local_access_minutes`` (home to one's own seat) plus the shortest-path minutes from ``t``'s
seat to ``c``'s seat on that graph (built with networkx, searched with scipy's compiled
Dijkstra). Paths are searched only up to the largest travel limit of any item, so
the table stays sparse. This module only produces a cost table: the optimisation never sees
a geometry.

**A measured matrix.** With ``travel.matrix`` (CSV or Parquet with ``township_id``,
``centre_id``, ``minutes``: one-way door-to-door minutes, e.g. an OD cost matrix from ArcGIS
Network Analyst, QGIS or OSRM) the matrix replaces the proxy for every pair it has; pairs it
lacks fall back to the proxy (counted in a warning); pairs longer than the cutoff are never
used. Rows naming a township or centre not in the data are ignored (counted in the log). The
run's manifest records which source was used and the matrix file's sha256.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from fastparquet import ParquetFile
from pyproj import CRS, Transformer
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay, cKDTree

from planner.config.schema import TravelConfig
from planner.errors import InputError
from planner.inputs.dataset_csv import INPUT_CRS

log = logging.getLogger(__name__)

DIJKSTRA_CHUNK = 512
"""Sources per Dijkstra call (a chunk x townships block of floats at a time)."""


def province_crs(province: gpd.GeoDataFrame, setting: str = "auto") -> str:
    """The metric CRS of a run: :func:`metric_crs` at a point inside the province."""
    point = province.geometry.union_all().representative_point()
    return metric_crs(pd.Series([point.x]), pd.Series([point.y]), setting)


def metric_crs(lon: pd.Series, lat: pd.Series, setting: str = "auto") -> str:
    """The metric CRS for distances: the UTM zone of the data's centre unless set."""
    if setting != "auto":
        return setting
    zone = int((float(lon.median()) + 180.0) // 6.0) + 1
    north = float(lat.median()) >= 0
    return f"EPSG:{(32600 if north else 32700) + zone}"


def project(lon: pd.Series, lat: pd.Series, crs: str) -> np.ndarray:
    """Project EPSG:4490 degrees to ``crs`` metres, as an (n, 2) array."""
    transformer = Transformer.from_crs(CRS(INPUT_CRS), CRS(crs), always_xy=True)
    x, y = transformer.transform(lon.to_numpy(), lat.to_numpy())
    return np.column_stack([x, y])


def road_graph(ids: list[str], xy: np.ndarray, cfg: TravelConfig) -> nx.Graph:
    """Proxy road graph over township seats with edge attribute ``minutes``."""
    n = len(ids)
    pairs: set[tuple[int, int]] = set()
    if n >= 2:
        tree = cKDTree(xy)
        k = min(n, (cfg.knn_k if cfg.graph == "knn" else 1) + 1)
        _, nbrs = tree.query(xy, k=k)
        for i, row in enumerate(np.atleast_2d(nbrs)):
            for j in row[1:]:
                pairs.add((min(i, int(j)), max(i, int(j))))
    if cfg.graph == "delaunay" and n >= 4:
        tri = Delaunay(xy)
        for simplex in tri.simplices:
            a, b, c = (int(v) for v in simplex)
            pairs.update({(min(a, b), max(a, b)), (min(b, c), max(b, c)), (min(a, c), max(a, c))})
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    factor = cfg.detour_factor / cfg.speed_kmh * 60.0 / 1000.0
    for i, j in sorted(pairs):
        metres = float(np.hypot(*(xy[i] - xy[j])))
        if metres <= cfg.max_edge_km * 1000.0:
            graph.add_edge(ids[i], ids[j], minutes=metres * factor)
    return graph


@dataclass(frozen=True)
class TravelTable:
    """Sparse township-to-centre minutes (one row per reachable pair)."""

    minutes: pd.DataFrame
    """Columns ``township_id, centre_id, minutes``, sorted by both ids."""
    crs: str
    n_edges: int
    provenance: dict[str, object] = field(default_factory=lambda: {"source": "proxy"})
    """Which minutes were used: ``source`` ``proxy``, ``matrix`` or ``matrix+proxy``; with a
    matrix its path, pair counts and the pairs that fell back to the proxy."""


def travel_table(
    townships: pd.DataFrame,
    centres: pd.DataFrame,
    cfg: TravelConfig,
    cutoff_minutes: float,
    crs: str | None = None,
    matrix: Path | None = None,
) -> TravelTable:
    """Minutes from every township to every centre within ``cutoff_minutes``.

    Parameters
    ----------
    townships
        Indexed by township id, with ``lon``, ``lat``.
    centres
        Indexed by centre id, with the host ``township_id``.
    cfg
        The travel assumptions.
    cutoff_minutes
        The largest travel limit of any item: longer trips are never used.
    crs
        Metric CRS; by default the UTM zone of the townships (``cfg.projected_crs``).
    matrix
        A measured township-to-centre matrix (resolved ``travel.matrix``) that replaces the
        proxy for the pairs it has.
    """
    crs = crs or metric_crs(townships["lon"], townships["lat"], cfg.projected_crs)
    ids = [str(t) for t in townships.index]
    graph = road_graph(ids, project(townships["lon"], townships["lat"], crs), cfg)
    budget = cutoff_minutes - cfg.local_access_minutes
    frames = []
    if budget >= 0 and ids:
        # shortest paths on the networkx graph, computed by scipy's compiled Dijkstra in
        # chunks of sources (a dense chunk x n block at a time keeps memory bounded)
        adjacency = nx.to_scipy_sparse_array(graph, nodelist=ids, weight="minutes", format="csr")
        adjacency.data = np.maximum(adjacency.data, 1e-9)  # coincident seats: keep the edge
        host_of = pd.DataFrame(
            {
                "centre_id": centres.index.astype(str),
                "township_id": centres["township_id"].to_numpy(),
            }
        )
        seat_index = pd.Series(np.arange(len(ids)), index=ids)
        host_of = host_of.assign(seat=host_of["township_id"].map(seat_index)).dropna()
        for start in range(0, len(ids), DIJKSTRA_CHUNK):
            sources = np.arange(start, min(len(ids), start + DIJKSTRA_CHUNK))
            dist = dijkstra(adjacency, directed=False, indices=sources, limit=budget)
            src, seat = np.nonzero(np.isfinite(dist))
            reach = pd.DataFrame(
                {
                    "township_id": np.asarray(ids, dtype=object)[sources[src]],
                    "seat": seat,
                    "minutes": cfg.local_access_minutes + dist[src, seat],
                }
            )
            frames.append(reach.merge(host_of[["seat", "centre_id"]], on="seat"))
    columns = ["township_id", "centre_id", "minutes"]
    table = (
        pd.concat(frames, ignore_index=True)[columns]
        if frames
        else pd.DataFrame(
            {c: pd.Series(dtype=float if c == "minutes" else object) for c in columns}
        )
    )
    table["minutes"] = table["minutes"].round(3)
    table = table.sort_values(["township_id", "centre_id"], ignore_index=True)
    provenance: dict[str, object] = {"source": "proxy"}
    if matrix is not None:
        table, provenance = apply_matrix(table, townships, centres, matrix, cutoff_minutes)
    log.info(
        "travel: %d seats, %d edges, %d township-centre pairs within %.0f min",
        graph.number_of_nodes(),
        graph.number_of_edges(),
        len(table),
        cutoff_minutes,
    )
    return TravelTable(
        minutes=table, crs=crs, n_edges=graph.number_of_edges(), provenance=provenance
    )


MATRIX_COLUMNS = ("township_id", "centre_id", "minutes")


def read_matrix(path: Path) -> pd.DataFrame:
    """A travel-time matrix (CSV, or Parquet by its ``.parquet``/``.pq`` suffix), checked."""
    if not path.is_file():
        raise InputError(f"{path}: travel matrix file not found (check 'travel.matrix')")
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            # fastparquet, not pyarrow: with pyarrow installed pandas 3 stores strings as
            # Arrow arrays, which changes arithmetic on empty columns elsewhere
            frame = ParquetFile(io.BytesIO(path.read_bytes())).to_pandas()
        else:
            frame = pd.read_csv(path, dtype={"township_id": str, "centre_id": str})
    except Exception as err:  # readers raise assorted types on corrupt files
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: cannot read the travel matrix ({first})") from None
    missing = [c for c in MATRIX_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: travel matrix lacks column(s) {missing}; found {list(frame.columns)}"
        )
    frame = frame[list(MATRIX_COLUMNS)].copy()
    for col in ("township_id", "centre_id"):
        frame[col] = frame[col].astype(str).str.strip()
    minutes = pd.to_numeric(frame["minutes"], errors="coerce")
    bad = frame.index[minutes.isna() | ~np.isfinite(minutes.fillna(0.0)) | (minutes < 0)]
    if len(bad):
        row = int(bad[0])
        raise InputError(
            f"{path}: 'minutes' must be a number >= 0 but is '{frame.loc[row, 'minutes']}' "
            f"on data row {row + 1} ({frame.loc[row, 'township_id']} -> "
            f"{frame.loc[row, 'centre_id']})"
        )
    frame["minutes"] = minutes.astype(float)
    dup = frame.duplicated(["township_id", "centre_id"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise InputError(
            f"{path}: pair {row['township_id']} -> {row['centre_id']} appears more than once"
        )
    return frame


def apply_matrix(
    proxy: pd.DataFrame,
    townships: pd.DataFrame,
    centres: pd.DataFrame,
    path: Path,
    cutoff_minutes: float,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """The proxy table with the matrix's minutes for every pair the matrix has."""
    matrix = read_matrix(path)
    known = matrix["township_id"].isin(townships.index.astype(str)) & matrix["centre_id"].isin(
        centres.index.astype(str)
    )
    ignored = int((~known).sum())
    matrix = matrix[known]
    key = ["township_id", "centre_id"]
    merged = proxy.merge(matrix[key].assign(_in=True), on=key, how="left")
    fallback = proxy[merged["_in"].isna().to_numpy()]
    used = matrix[matrix["minutes"] <= cutoff_minutes]
    table = pd.concat([used, fallback], ignore_index=True)
    table["minutes"] = table["minutes"].astype(float).round(3)
    table = table.sort_values(key, ignore_index=True)
    if len(fallback):
        log.warning(
            "travel matrix %s lacks %d of the township-centre pairs within %.0f min: they use "
            "the proxy road graph",
            path,
            len(fallback),
            cutoff_minutes,
        )
    if ignored:
        log.info("travel matrix %s: %d rows name unknown townships or centres", path, ignored)
    provenance: dict[str, object] = {
        "source": "matrix+proxy" if len(fallback) else "matrix",
        "matrix": str(path),
        "matrix_pairs": len(matrix),
        "matrix_pairs_used": len(used),
        "proxy_fallback_pairs": len(fallback),
        "ignored_rows": ignored,
    }
    return table, provenance


def combined_provenance(parts: list[dict[str, object]]) -> dict[str, object]:
    """The travel provenance of several regions solved apart (counts summed)."""
    sources = {str(p.get("source")) for p in parts}
    if sources <= {"proxy"}:
        return {"source": "proxy"}
    out: dict[str, object] = {"source": "matrix" if sources == {"matrix"} else "matrix+proxy"}
    for p in parts:
        for key, value in p.items():
            if key == "matrix":
                out[key] = value
            elif isinstance(value, int):
                previous = out.get(key, 0)
                out[key] = (previous if isinstance(previous, int) else 0) + value
    return out
