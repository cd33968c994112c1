"""Map furniture of the report's static maps: scale bar, north arrow, readable notes, and
centres that share a seat spread apart.

Kept apart from :mod:`planner.report.charts` (which draws the maps) so each helper is small
and testable on its own axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from planner.report.webmap import SEAT_RING_PX

INK = "#222222"
NOTE_BOX = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#bbbbbb", "lw": 0.5, "alpha": 0.9}
KM_PER_DEGREE = 111.32
"""Kilometres per degree of latitude (and of longitude at the equator)."""
RING_PT = SEAT_RING_PX * 0.75
"""Radius (points) of the ring on which centres sharing a seat are spread (as the web map)."""


def nice_length(target: float) -> float:
    """Largest 1, 2 or 5 x 10^k not above ``target`` (``target`` > 0)."""
    power = 10.0 ** math.floor(math.log10(target))
    for step in (5.0, 2.0, 1.0):
        if step * power <= target:
            return step * power
    return power


def km_per_unit(ax: Axes, geographic: bool) -> float:
    """Kilometres per x data unit at the middle of the panel (degrees or metres)."""
    if not geographic:
        return 1e-3
    y0, y1 = ax.get_ylim()
    return KM_PER_DEGREE * math.cos(math.radians((y0 + y1) / 2))


def scale_bar(ax: Axes, geographic: bool, fraction: float = 0.22) -> float:
    """A scale bar in the lower right corner, about ``fraction`` of the panel wide; returns
    its length in km."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    per_unit = km_per_unit(ax, geographic)
    km = nice_length(max((x1 - x0) * fraction * per_unit, 1e-6))
    length = km / per_unit
    right = x1 - 0.04 * (x1 - x0)
    base = y0 + 0.05 * (y1 - y0)
    tick = 0.012 * (y1 - y0)
    ax.plot(
        [right - length, right - length, right, right],
        [base + tick, base, base, base + tick],
        color=INK,
        lw=1.4,
        solid_capstyle="butt",
        zorder=8,
    )
    label = f"{km:g} km" if km >= 1 else f"{km * 1000:g} m"
    ax.text(
        right - length / 2,
        base + 1.6 * tick,
        label,
        ha="center",
        va="bottom",
        fontsize=8.5,
        color=INK,
        zorder=8,
        bbox={**NOTE_BOX, "ec": "none", "alpha": 0.7, "boxstyle": "round,pad=0.15"},
    )
    return km


def north_arrow(ax: Axes) -> None:
    """An arrow with "N" in the upper right corner (the maps are north-up)."""
    ax.annotate(
        "N",
        xy=(0.95, 0.97),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontfamily="DejaVu Sans",
        fontweight="bold",
        color=INK,
        arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 1.3, "mutation_scale": 12},
        zorder=8,
    )


def furniture(ax: Axes, geographic: bool) -> None:
    """Scale bar and north arrow of a map panel (call after the panel's limits are set)."""
    scale_bar(ax, geographic)
    north_arrow(ax)


def corner_note(ax: Axes, text: str) -> None:
    """A note in the lower left corner on a white box, readable over the map."""
    ax.text(
        0.02,
        0.03,
        text,
        transform=ax.transAxes,
        fontsize=9,
        color=INK,
        va="bottom",
        ha="left",
        zorder=9,
        linespacing=1.3,
        bbox=NOTE_BOX,
    )


def spread_shared(ax: Axes, x: np.ndarray, y: np.ndarray, order: Sequence[int]) -> None:
    """Move points that share a location onto a small ring around it, in place.

    Parameters
    ----------
    ax : Axes
        The panel (its limits, aspect and size set): the ring is :data:`RING_PT` points wide
        whatever the map's extent.
    x, y : numpy.ndarray
        Point coordinates in data units, changed in place.
    order : sequence of int
        Rank of each point within its group (lower first: north, then clockwise).
    """
    if len(x) < 2:
        return
    ax.apply_aspect()
    box = ax.get_position()
    fig = ax.figure
    root = fig if isinstance(fig, Figure) else getattr(fig, "figure", None)
    width_in, height_in = root.get_size_inches() if isinstance(root, Figure) else (6.0, 6.0)
    width_pt, height_pt = box.width * width_in * 72, box.height * height_in * 72
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    rx = RING_PT * (x1 - x0) / max(width_pt, 1.0)
    ry = RING_PT * (y1 - y0) / max(height_pt, 1.0)
    keys = np.round(np.column_stack([x, y]), 6)
    groups: dict[tuple[float, float], list[int]] = {}
    for i, (kx, ky) in enumerate(keys):
        if math.isfinite(kx) and math.isfinite(ky):
            groups.setdefault((float(kx), float(ky)), []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (order[i], i))
        for k, i in enumerate(members):
            angle = 2 * math.pi * k / len(members)
            x[i] += rx * math.sin(angle)
            y[i] += ry * math.cos(angle)
