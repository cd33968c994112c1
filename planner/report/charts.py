"""Charts and maps of the report, drawn with matplotlib's Agg canvas into PNG bytes.

Figures are made with :class:`matplotlib.figure.Figure` directly (never ``pyplot``), so no
GUI backend is ever selected and no global figure state is kept. Text uses Noto Sans CJK SC
shipped with the Python package ``noto-cjk-sans-otc`` (:mod:`planner.report.fonts`), so
Chinese names render on a machine without a CJK font and the charts' bytes do not depend on
the machine's fonts; without it the charts fall back to DejaVu Sans and a warning is logged.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Colormap, Normalize, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from PIL import Image

from planner.config.schema import LEVELS
from planner.io.qgis_styles import ACTION_COLOURS, PHASE_COLOURS, PHASE_LABELS, RGBA
from planner.plan.unserved import unserved_townships
from planner.report import fonts, mapparts
from planner.report.data import GisLayers, RunData
from planner.report.olive import OliveRow as OliveRow
from planner.report.olive import olive_figure as olive_figure
from planner.report.palette import (
    DPI,
    INK,
    LEVEL_COLOURS,
    LEVEL_LABELS,
    MUTED,
    WIDTH_IN,
)

log = logging.getLogger(__name__)

CJK_FAMILIES = (fonts.FAMILY,)
"""The font family of Chinese text."""
FALLBACK_FAMILY = fonts.FALLBACK_FAMILY
ACTION_LABELS = {
    "keep": "keep",
    "expand": "expand",
    "shrink": "shrink",
    "convert_mode": "convert mode",
    "close": "close",
    "closed": "closed earlier",
}
LAND = "#f1efe8"
GROW = "#1d5fa8"
SHRINK = "#c25a00"
"""Colours of "B has more" and "B has less" floor area on the comparison's change map."""
COUNTY_EDGE = "#c9c5b8"
CITY_EDGE = "#4d4d4d"
MAX_MARKER = 320.0
"""Marker area (points²) of the largest centre on the centre maps."""
SIZE_EXPONENT = 0.6
"""Marker area grows as floor area to this power, so township stations (a few hundred m²)
stay visible next to city halls a thousand times larger."""


def _rgba(value: RGBA) -> tuple[float, float, float, float]:
    return (value[0] / 255, value[1] / 255, value[2] / 255, value[3] / 255)


# --- fonts and style --------------------------------------------------------------------------


def cjk_font() -> str:
    """The font family used in charts: Noto Sans CJK SC shipped with the package
    ``noto-cjk-sans-otc`` (:mod:`planner.report.fonts`), else DejaVu Sans (warned)."""
    return fonts.chart_family()


@contextmanager
def chart_style() -> Iterator[str]:
    """Matplotlib settings of every report chart; yields the font family in use."""
    family = cjk_font()
    families = [family, FALLBACK_FAMILY] if family != FALLBACK_FAMILY else [family]
    style = mpl.rc_context(
        {
            "font.family": families,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.titleweight": "normal",  # the packaged font has one weight (Regular)
            "axes.edgecolor": "#999999",
            "axes.labelcolor": INK,
            "text.color": INK,
            "xtick.color": MUTED,
            "ytick.color": INK,
            "axes.unicode_minus": False,
            "text.parse_math": False,  # names are text: "$" in a city name is no formula
            "savefig.dpi": DPI,
            "figure.dpi": DPI,
        }
    )
    with style, warnings.catch_warnings():
        if family == FALLBACK_FAMILY:
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield family


def _key_colours() -> list[tuple[int, int, int]]:
    """The colours that carry meaning (levels, actions, phases, changes, ink, land), kept
    exact in every chart's palette."""
    named = [*LEVEL_COLOURS.values(), GROW, SHRINK, INK, MUTED, LAND, CITY_EDGE, COUNTY_EDGE]
    out = [tuple(round(255 * c) for c in to_rgba(v)[:3]) for v in named]
    out += [rgba[:3] for rgba in (*ACTION_COLOURS.values(), *PHASE_COLOURS.values())]
    return sorted({(int(r), int(g), int(b)) for r, g, b in out})


def to_png(fig: Figure) -> bytes:
    """PNG bytes of a figure drawn on the Agg canvas, quantised to a 256-colour palette.

    The palette keeps the charts sharp (they have few colours) at about a third of the size
    of a true-colour PNG. It holds the colours that carry meaning exactly (a median cut alone
    merges a legend's small cyan or red dots into their green or orange neighbours), and a
    median cut of the picture for the rest.
    """
    canvas = FigureCanvasAgg(fig)
    fig.set_facecolor("white")
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]))
    buf = io.BytesIO()
    quantise(image).save(buf, format="PNG", compress_level=9)
    return buf.getvalue()


def quantise(image: Image.Image) -> Image.Image:
    """A 256-colour palette version of an RGB image that keeps the key colours exact."""
    keys = _key_colours()
    auto = image.quantize(colors=256 - len(keys), method=Image.Quantize.MEDIANCUT)
    colours = (auto.getpalette() or [])[: 3 * (256 - len(keys))]
    colours += [c for key in keys for c in key]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours + [0] * (768 - len(colours)))
    return image.quantize(palette=palette, dither=Image.Dither.NONE)


def _corner_note(ax: Axes, text: str) -> None:
    """A note in the lower left corner of a map panel, on a white box."""
    mapparts.corner_note(ax, text)


def _colourbar(fig: Figure, norm: Normalize, cmap: Colormap, label: str) -> Colorbar:
    """A horizontal colour bar centred under the map panels."""
    height = fig.get_figheight()
    cax = fig.add_axes((0.3, 0.32 * 0.75 / height, 0.4, 0.16 / height))
    bar = fig.colorbar(
        mpl.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal"
    )
    bar.set_label(label, fontsize=9)
    bar.ax.tick_params(labelsize=8.5)
    return bar


# --- maps -------------------------------------------------------------------------------------


def _ring_path(geometry: shapely.Geometry) -> MplPath | None:
    polygons = shapely.get_parts(geometry)
    paths: list[MplPath] = []
    for polygon in polygons:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        rings = [polygon.exterior, *polygon.interiors]
        paths.extend(MplPath(np.asarray(ring.coords)[:, :2], closed=True) for ring in rings)
    return MplPath.make_compound_path(*paths) if paths else None


def _add_polygons(
    ax: Axes,
    gdf: gpd.GeoDataFrame,
    *,
    facecolors: Sequence[tuple[float, float, float, float]] | str = "none",
    edgecolor: str = COUNTY_EDGE,
    linewidth: float = 0.4,
    zorder: float = 1.0,
) -> None:
    patches = []
    colours = []
    for i, geometry in enumerate(gdf.geometry):
        if geometry is None:
            continue
        path = _ring_path(geometry)
        if path is None:
            continue
        patches.append(PathPatch(path))
        if not isinstance(facecolors, str):
            colours.append(facecolors[i])
    collection = PatchCollection(
        patches,
        facecolors=colours if not isinstance(facecolors, str) else facecolors,
        edgecolors=edgecolor,
        linewidths=linewidth,
        zorder=zorder,
    )
    ax.add_collection(collection)


class MapFrame:
    """Extent and aspect shared by every map panel of a run."""

    def __init__(self, gis: GisLayers) -> None:
        minx, miny, maxx, maxy = (float(v) for v in gis.counties.total_bounds)
        if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
            minx, miny, maxx, maxy = 0.0, 0.0, 1.0, 1.0
        pad = 0.02 * max(maxx - minx, maxy - miny, 1e-6)
        self.xlim = (minx - pad, maxx + pad)
        self.ylim = (miny - pad, maxy + pad)
        mid = (miny + maxy) / 2
        self.aspect = 1 / math.cos(math.radians(mid)) if gis.geographic else 1.0

    @property
    def ratio(self) -> float:
        """Height over width of a panel."""
        dx = self.xlim[1] - self.xlim[0]
        dy = self.ylim[1] - self.ylim[0]
        return dy * self.aspect / dx if dx > 0 else 1.0

    def setup(self, ax: Axes) -> None:
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_aspect(self.aspect)
        ax.set_axis_off()


def _map_grid(n: int, frame: MapFrame, ncols: int, legend_in: float) -> tuple[Figure, list[Axes]]:
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    panel_w = WIDTH_IN / ncols
    panel_h = panel_w * min(frame.ratio, 1.6) + 0.35
    height = nrows * panel_h + legend_in
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    grid = fig.add_gridspec(
        nrows,
        ncols,
        left=0.005,
        right=0.995,
        top=1 - 0.3 / height,
        bottom=legend_in / height,
        wspace=0.02,
        hspace=0.12,
    )
    axes = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]
    return fig, axes


def _base(ax: Axes, gis: GisLayers, frame: MapFrame, land: bool = True) -> None:
    frame.setup(ax)
    if land:
        _add_polygons(ax, gis.counties, facecolors=LAND, edgecolor=COUNTY_EDGE, linewidth=0.35)
    _add_polygons(ax, gis.boundaries, edgecolor=CITY_EDGE, linewidth=0.8, zorder=2)
    mapparts.furniture(ax, gis.geographic)


def _city_labels(ax: Axes, gis: GisLayers, size: float = 8.5) -> None:
    if "name" not in gis.boundaries.columns:
        return
    for name, geometry in zip(gis.boundaries["name"], gis.boundaries.geometry, strict=True):
        if geometry is None or not name:
            continue
        p = geometry.representative_point()
        ax.text(
            p.x,
            p.y,
            str(name),
            fontsize=size,
            ha="center",
            va="center",
            color="#1a1a1a",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )


def _xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    coords = shapely.get_coordinates(gdf.geometry.to_numpy())
    if len(coords) != len(gdf):  # empty points have no coordinates
        points = [g if g is not None and not g.is_empty else None for g in gdf.geometry]
        x = np.array([p.x if p is not None else np.nan for p in points])
        y = np.array([p.y if p is not None else np.nan for p in points])
        return x, y
    return coords[:, 0], coords[:, 1]


def _marker_area(area: np.ndarray | float, max_area: float) -> np.ndarray:
    ratio = np.clip(np.asarray(area, dtype=float) / max(max_area, 1e-9), 0.0, None)
    return np.maximum(MAX_MARKER * ratio**SIZE_EXPONENT, 2.0)


def _sizes(area: pd.Series, max_area: float) -> np.ndarray:
    return _marker_area(area.to_numpy(dtype=float), max_area)


def _nice_sizes(max_area: float) -> list[float]:
    if max_area <= 0:
        return []
    top = 10 ** math.floor(math.log10(max_area))
    return [top / 100, top / 10, top] if top >= 100 else [top]


def _size_handles(max_area: float) -> list[Line2D]:
    handles = []
    for value in _nice_sizes(max_area):
        s = float(_marker_area(value, max_area))
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                markersize=math.sqrt(s),
                markerfacecolor="none",
                markeredgecolor="#555555",
                label=f"{value:,.0f} m²",
            )
        )
    return handles


def _dot(colour: str | tuple[float, float, float, float], label: str, size: float = 8.0) -> Line2D:
    return Line2D([], [], ls="none", marker="o", markersize=size, color=colour, label=label)


def _draw_centres(ax: Axes, sub: gpd.GeoDataFrame, max_area: float, by_level: bool) -> None:
    """Centres as circles (area by floor area), closed ones as crosses, coloured by level
    (today) or action (planning stages); the largest are drawn first so none hides another."""
    sub = sub.sort_values("area_m2", ascending=False, kind="mergesort")
    x, y = _xy(sub)
    rank = {level: i for i, level in enumerate(LEVELS)}
    mapparts.spread_shared(ax, x, y, [rank.get(v, len(rank)) for v in sub["level"]])
    if by_level:
        colours = [to_rgba(LEVEL_COLOURS.get(v, "#999999")) for v in sub["level"]]
    else:
        colours = [_rgba(ACTION_COLOURS.get(a, (150, 150, 150, 255))) for a in sub["action"]]
    closed = sub["action"].isin(["close", "closed"]).to_numpy()
    sizes = _sizes(sub["area_m2"], max_area)
    shown = ~closed
    ax.scatter(
        x[shown],
        y[shown],
        s=sizes[shown],
        c=[colours[i] for i in np.flatnonzero(shown)],
        edgecolors="white",
        linewidths=0.3,
        alpha=0.9,
        zorder=4,
    )
    if closed.any():
        ax.scatter(
            x[closed],
            y[closed],
            s=14,
            marker="x",
            c=[colours[i] for i in np.flatnonzero(closed)],
            linewidths=0.9,
            zorder=5,
        )


def _action_handles() -> list[Line2D]:
    handles = [
        _dot(_rgba(ACTION_COLOURS[a]), ACTION_LABELS[a])
        for a in ("keep", "expand", "shrink", "convert_mode")
    ]
    handles.append(
        Line2D(
            [],
            [],
            ls="none",
            marker="x",
            color=_rgba(ACTION_COLOURS["close"]),
            label="closed (this or an earlier stage)",
        )
    )
    return handles


def centres_map(run: RunData, stages: Sequence[int], ncols: int = 2) -> Figure | None:
    """Centres per stage: today by level, planning stages by action; marker area by floor area.

    Returns
    -------
    matplotlib.figure.Figure or None
        ``None`` when the run has no map layers.
    """
    gis = run.gis
    if gis is None:
        return None
    frame = MapFrame(gis)
    fig, axes = _map_grid(len(stages), frame, ncols, legend_in=0.85)
    cen = gis.centres
    max_area = float(cen["area_m2"].max()) if len(cen) else 1.0
    big = len(stages) <= ncols * 2
    for ax, s in zip(axes, stages, strict=True):
        _base(ax, gis, frame)
        sub = cen[cen["stage"] == s]
        _draw_centres(ax, sub, max_area, by_level=s == 0)
        what = "level" if s == 0 else "action"
        title = f"{run.stage_label(s)} · centres by {what}"
        if big:
            _city_labels(ax, gis)
        ax.set_title(title, fontsize=11)
    level_handles = [_dot(LEVEL_COLOURS[v], LEVEL_LABELS[v]) for v in LEVELS]
    action_handles = _action_handles()
    fig.legend(
        handles=level_handles,
        loc="lower left",
        bbox_to_anchor=(0.01, 0.0),
        ncol=4,
        frameon=False,
        title="Today: level",
        fontsize=9,
    )
    fig.legend(
        handles=action_handles,
        loc="lower center",
        bbox_to_anchor=(0.56, 0.0),
        ncol=3,
        frameon=False,
        title="Stages: action",
        fontsize=9,
    )
    fig.legend(
        handles=_size_handles(max_area),
        loc="lower right",
        bbox_to_anchor=(0.99, 0.0),
        ncol=3,
        frameon=False,
        title="Floor area",
        fontsize=9,
    )
    return fig


def townships_phase_map(run: RunData, stages: Sequence[int]) -> Figure | None:
    """Townships coloured by the phase of their county, one panel per planning stage."""
    gis = run.gis
    if gis is None or not stages:
        return None
    frame = MapFrame(gis)
    fig, axes = _map_grid(len(stages), frame, 4, legend_in=0.55)
    tw = gis.townships
    for ax, s in zip(axes, stages, strict=True):
        _base(ax, gis, frame)
        sub = tw[tw["stage"] == s]
        x, y = _xy(sub)
        colours = [_rgba(PHASE_COLOURS.get(p, (150, 150, 150, 255))) for p in sub["phase"]]
        ax.scatter(x, y, s=7, c=colours, linewidths=0, zorder=4)
        counts = sub["phase"].value_counts()
        ax.set_title(f"{run.stage_label(s)} · township phase", fontsize=11)
        _corner_note(
            ax,
            "\n".join(
                f"{PHASE_LABELS.get(p, p).split()[0]} {counts.get(p, 0):,}" for p in PHASE_LABELS
            ),
        )
    handles = [_dot(_rgba(PHASE_COLOURS[p]), PHASE_LABELS[p]) for p in PHASE_LABELS]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=9.5)
    return fig


def unserved_map(run: RunData, stages: Sequence[int]) -> Figure | None:
    """Townships by unserved share of their demand, one panel per planning stage."""
    gis = run.gis
    if gis is None or not stages:
        return None
    frame = MapFrame(gis)
    fig, axes = _map_grid(len(stages), frame, 4, legend_in=0.75)
    tw = gis.townships.copy()
    demand = tw["demand"].astype(float).where(tw["demand"] > 0)
    tw["share"] = (tw["unserved"].astype(float) / demand).fillna(0.0)
    top = max(float(tw.loc[tw["stage"].isin(stages), "share"].max()), 0.01)
    norm = Normalize(0.0, top)
    cmap = mpl.colormaps["YlOrRd"]
    for ax, s in zip(axes, stages, strict=True):
        _base(ax, gis, frame)
        sub = tw[tw["stage"] == s].sort_values("share", kind="mergesort")
        x, y = _xy(sub)
        share = sub["share"].to_numpy()
        # the one rule of an unserved township (planner.plan.unserved), as the summary counts
        hit = sub["township_id"].astype(str).isin(unserved_townships(run.townships, s)).to_numpy()
        ax.scatter(x[~hit], y[~hit], s=3, c="#b9b9b9", linewidths=0, zorder=3)
        if hit.any():
            ax.scatter(
                x[hit],
                y[hit],
                s=8 + 50 * share[hit] / top,
                c=share[hit],
                cmap=cmap,
                norm=norm,
                edgecolors="#7f0000",
                linewidths=0.25,
                zorder=4,
            )
        total = float(sub["unserved"].sum())
        ax.set_title(f"{run.stage_label(s)} · unserved demand", fontsize=11)
        n = int(hit.sum())
        _corner_note(
            ax,
            f"{n:,} township{'' if n == 1 else 's'} with unserved demand\n"
            f"{total:,.0f} unserved transactions/year",
        )
    bar = _colourbar(
        fig, norm, cmap, "unserved share of the township's demand (grey: fully served)"
    )
    bar.ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
    return fig


def maturity_map(run: RunData, stages: Sequence[int]) -> Figure | None:
    """Counties by government-netizen maturity (政务网民成熟度), one panel per stage."""
    gis = run.gis
    if gis is None:
        return None
    columns = [f"mat_s{s}" for s in stages if f"mat_s{s}" in gis.counties.columns]
    if not columns:
        return None
    frame = MapFrame(gis)
    fig, axes = _map_grid(len(columns), frame, 4, legend_in=0.75)
    values = gis.counties[columns].astype(float)
    low = float(np.nanmin(values.to_numpy())) if values.notna().any().any() else 0.0
    norm = Normalize(math.floor(low * 10) / 10, 1.0)
    cmap = mpl.colormaps["YlGn"]
    for ax, col in zip(axes, columns, strict=True):
        s = int(col.removeprefix("mat_s"))
        frame.setup(ax)
        mat = gis.counties[col].astype(float).to_numpy()
        colours = [cmap(norm(v)) if math.isfinite(v) else to_rgba("#eeeeee") for v in mat]
        _add_polygons(ax, gis.counties, facecolors=colours, edgecolor="white", linewidth=0.3)
        _add_polygons(ax, gis.boundaries, edgecolor=CITY_EDGE, linewidth=0.8, zorder=2)
        mapparts.furniture(ax, gis.geographic)
        ax.set_title(f"{run.stage_label(s)} · county maturity", fontsize=11)
        finite = mat[np.isfinite(mat)]
        if len(finite):
            _corner_note(ax, f"mean {finite.mean():.2f} · min {finite.min():.2f}")
    _colourbar(fig, norm, cmap, "政务网民成熟度 government-netizen maturity (0..1)")
    return fig


def compare_centres_map(runs: Mapping[str, RunData], stage: int) -> Figure | None:
    """Centres by action in one stage, one panel per run (the reviewer's side-by-side)."""
    with_maps = {label: (run, run.gis) for label, run in runs.items() if run.gis is not None}
    if len(with_maps) < 2:
        return None
    frame = MapFrame(next(iter(with_maps.values()))[1])
    fig, axes = _map_grid(len(with_maps), frame, len(with_maps), legend_in=0.6)
    max_area = max(float(gis.centres["area_m2"].max()) for _, gis in with_maps.values())
    for ax, (label, (run, gis)) in zip(axes, with_maps.items(), strict=True):
        _base(ax, gis, frame)
        _draw_centres(ax, gis.centres[gis.centres["stage"] == stage], max_area, by_level=False)
        _city_labels(ax, gis)
        ax.set_title(f"{label} · {run.stage_label(stage)}", fontsize=11)
    handles = [*_action_handles(), *_size_handles(max_area)]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=9)
    return fig


def change_map(a: RunData, b: RunData, stages: Sequence[int]) -> Figure | None:
    """What changed between two runs: per stage, each centre whose floor area differs, sized
    by the difference and coloured by its sign (B more: blue, B less: orange).

    Returns
    -------
    matplotlib.figure.Figure or None
        ``None`` when a run has no map layers or the runs share no stage.
    """
    if a.gis is None or b.gis is None or not stages:
        return None
    frame = MapFrame(b.gis)
    fig, axes = _map_grid(len(stages), frame, 4, legend_in=0.6)
    ca, cb = a.gis.centres, b.gis.centres
    deltas = {}
    for s in stages:
        area_a = ca[ca["stage"] == s].set_index("centre_id")["area_m2"]
        sub = cb[cb["stage"] == s].set_index("centre_id")
        deltas[s] = (sub, sub["area_m2"] - area_a.reindex(sub.index).fillna(0.0))
    top = max((float(d.abs().max()) for _, d in deltas.values() if len(d)), default=1.0)
    for ax, s in zip(axes, stages, strict=True):
        _base(ax, b.gis, frame)
        sub, delta = deltas[s]
        x, y = _xy(sub)
        hit = (delta.abs() > 0.5).to_numpy()
        ax.scatter(x[~hit], y[~hit], s=2, c="#bdbdbd", linewidths=0, zorder=3)
        order = np.argsort(-delta.abs().to_numpy()[hit], kind="mergesort")
        d = delta.to_numpy()[hit][order]
        ax.scatter(
            x[hit][order],
            y[hit][order],
            s=_marker_area(np.abs(d), max(top, 1.0)),
            c=[GROW if v > 0 else SHRINK for v in d],
            edgecolors="white",
            linewidths=0.3,
            alpha=0.85,
            zorder=4,
        )
        more, less = int((d > 0).sum()), int((d < 0).sum())
        ax.set_title(f"{b.stage_label(s)} · B − A floor area", fontsize=11)
        _corner_note(ax, f"{more:,} centres larger in B, {less:,} smaller\n{len(d):,} differ")
    handles = [
        _dot(GROW, "B has more floor area"),
        _dot(SHRINK, "B has less floor area"),
        _dot("#bdbdbd", "same in both", 4.0),
        *_size_handles(max(top, 1.0)),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=9)
    return fig


# public names for the map modules built on these helpers (planner.report.phasemap)
add_polygons = _add_polygons
map_grid = _map_grid
legend_dot = _dot
