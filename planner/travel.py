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
seat to ``c``'s seat. Paths are searched only up to the largest travel limit of any item, so
the table stays sparse. This module only produces a cost table: the optimisation never sees
a geometry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from scipy.spatial import Delaunay, cKDTree

from planner.config import TravelConfig

log = logging.getLogger(__name__)


def metric_crs(lon: pd.Series, lat: pd.Series, setting: str = "auto") -> str:
    """The metric CRS for distances: the UTM zone of the data's centre unless set."""
    if setting != "auto":
        return setting
    zone = int((float(lon.median()) + 180.0) // 6.0) + 1
    north = float(lat.median()) >= 0
    return f"EPSG:{(32600 if north else 32700) + zone}"


def project(lon: pd.Series, lat: pd.Series, crs: str) -> np.ndarray:
    """Project EPSG:4490 degrees to ``crs`` metres, as an (n, 2) array."""
    transformer = Transformer.from_crs(CRS("EPSG:4490"), CRS(crs), always_xy=True)
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


def travel_table(
    townships: pd.DataFrame,
    centres: pd.DataFrame,
    cfg: TravelConfig,
    cutoff_minutes: float,
    crs: str | None = None,
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
    """
    crs = crs or metric_crs(townships["lon"], townships["lat"], cfg.projected_crs)
    ids = [str(t) for t in townships.index]
    graph = road_graph(ids, project(townships["lon"], townships["lat"], crs), cfg)
    budget = cutoff_minutes - cfg.local_access_minutes
    hosts = centres.groupby("township_id").groups
    rows_t: list[str] = []
    rows_c: list[str] = []
    rows_m: list[float] = []
    if budget >= 0:
        for t in ids:
            reach = nx.single_source_dijkstra_path_length(graph, t, cutoff=budget, weight="minutes")
            for seat, minutes in reach.items():
                for c in hosts.get(seat, ()):
                    rows_t.append(t)
                    rows_c.append(str(c))
                    rows_m.append(cfg.local_access_minutes + minutes)
    table = pd.DataFrame({"township_id": rows_t, "centre_id": rows_c, "minutes": rows_m})
    table["minutes"] = table["minutes"].round(3)
    table = table.sort_values(["township_id", "centre_id"], ignore_index=True)
    log.info(
        "travel: %d seats, %d edges, %d township-centre pairs within %.0f min",
        graph.number_of_nodes(),
        graph.number_of_edges(),
        len(table),
        cutoff_minutes,
    )
    return TravelTable(minutes=table, crs=crs, n_edges=graph.number_of_edges())
