"""The olive profile (橄榄型): floor area or windows by level as symmetric bars, one panel per
stage, province on top; a top-heavy network (头重脚轻) is a pyramid standing on its head."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from planner.config.schema import LEVELS
from planner.report.data import RunData
from planner.report.palette import (
    DARK_LEVELS,
    DPI,
    INK,
    LEVEL_COLOURS,
    LEVEL_LABELS,
    MUTED,
    WIDTH_IN,
)


@dataclass(frozen=True)
class OliveRow:
    """One row of olive panels: a quantity of one run, one panel per stage.

    Attributes
    ----------
    label : str
        Row title (left of the first panel).
    run : RunData
        The run whose ``levels.csv`` is drawn.
    column : str
        ``"floor_area_m2"`` or ``"windows"``.
    ghost : RunData | None
        A run whose silhouette is drawn dashed over each panel (the reference plan of a
        comparison); ``None`` draws today's silhouette in the planning stages instead.
    """

    label: str
    run: RunData
    column: str
    ghost: RunData | None = None


def _level_values(run: RunData, column: str, stage: int) -> list[float]:
    lv = run.levels[run.levels["stage"] == stage].set_index("level")[column]
    return [float(lv.get(level, 0.0)) for level in LEVELS]


def _fmt_quantity(value: float, column: str) -> str:
    if column in ("floor_area_m2", "area_in_use_m2"):
        if value >= 1_000_000:
            return f"{value / 1e6:,.2f}M m²"
        if value >= 1000:
            return f"{value / 1000:,.1f}k m²"
        return f"{value:,.0f} m²"
    return f"{value:,.0f}"


def olive_figure(rows: Sequence[OliveRow], stages: Sequence[int]) -> Figure:
    """Symmetric horizontal bars by level, province on top: the olive (or pyramid) shape.

    Parameters
    ----------
    rows : sequence of OliveRow
        One row of panels each; rows with the same ``column`` share the horizontal scale.
    stages : sequence of int
        The columns of panels, today (0) first.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_cols = max(len(stages), 1)
    height = 0.6 + 2.5 * len(rows)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    grid = fig.add_gridspec(
        len(rows), n_cols, left=0.115, right=0.99, top=1 - 0.55 / height, bottom=0.15 / height
    )
    grid.update(hspace=0.55, wspace=0.06)
    half: dict[str, float] = {}
    for row in rows:
        for run in (row.run, row.ghost):
            if run is None:
                continue
            for s in stages:
                values = _level_values(run, row.column, s) if s in run.stages else [0.0]
                half[row.column] = max(half.get(row.column, 0.0), max(values) / 2, 1e-9)
    y = np.arange(len(LEVELS))[::-1].astype(float)
    for r, row in enumerate(rows):
        h = half[row.column]
        for c, s in enumerate(stages):
            ax = fig.add_subplot(grid[r, c])
            ax.set_xlim(-1.12 * h, 1.12 * h)
            ax.set_ylim(-0.6, len(LEVELS) - 0.4)
            for side in ("top", "right", "left", "bottom"):
                ax.spines[side].set_visible(False)
            ax.set_xticks([])
            if c == 0:
                ax.set_yticks(y, [LEVEL_LABELS[level] for level in LEVELS])
                ax.tick_params(axis="y", length=0, labelsize=9.5)
                ax.set_ylabel(row.label, fontsize=10.5, labelpad=8)
            else:
                ax.set_yticks([])
            if s not in row.run.stages:
                ax.text(0, 1.5, "no such stage", ha="center", color=MUTED)
                ax.set_title(row.run.stage_label(s), fontsize=10.5)
                continue
            _olive_panel(ax, row, s, y, h)
    return fig


def _olive_panel(ax: Axes, row: OliveRow, stage: int, y: np.ndarray, h: float) -> None:
    values = np.array(_level_values(row.run, row.column, stage))
    total = float(values.sum())
    ax.axvline(0, color="#dddddd", lw=0.8, zorder=0)
    ax.fill_betweenx(y, -values / 2, values / 2, color="#e9eddc", zorder=1, lw=0)
    colours = [LEVEL_COLOURS[level] for level in LEVELS]
    ax.barh(y, values, left=-values / 2, height=0.64, color=colours, zorder=2, lw=0)
    ghost_run = row.ghost if row.ghost is not None else (row.run if stage > 0 else None)
    ghost_stage = stage if row.ghost is not None else 0
    if ghost_run is not None and ghost_stage in ghost_run.stages:
        g = np.array(_level_values(ghost_run, row.column, ghost_stage))
        for sign in (1.0, -1.0):
            ax.plot(sign * g / 2, y, color="#333333", lw=0.9, ls=(0, (3, 2)), zorder=3)
    for level, yi, v in zip(LEVELS, y, values, strict=True):
        share = v / total if total > 0 else 0.0
        text = f"{_fmt_quantity(v, row.column)} · {share:.0%}"
        if v / 2 > 0.42 * h:
            ink = "white" if level in DARK_LEVELS else INK
            ax.text(0, yi, text, ha="center", va="center", fontsize=8.5, color=ink, zorder=4)
        else:
            ax.text(
                v / 2 + 0.03 * h,
                yi,
                text,
                ha="left",
                va="center",
                fontsize=8.5,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
            )
    upper = float(values[0] + values[1])
    heavy = upper / total if total > 0 else 0.0
    ax.set_title(row.run.stage_label(stage), fontsize=10.5, pad=14)
    ax.text(
        0.5,
        1.0,
        f"total {_fmt_quantity(total, row.column)} · province+city {heavy:.0%}",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=8.5,
        color=MUTED,
    )
