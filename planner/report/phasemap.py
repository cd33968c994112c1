"""The phase maps of the report (不能一刀切): townships by their county's phase per stage, and
counties by the year they enter each phase (``bal_from``, ``onl_from`` of the GeoPackage's
``counties`` layer, from :func:`planner.inputs.maturity.phase_entry_years`)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
from matplotlib.figure import Figure

from planner.config.schema import StagesConfig
from planner.report import charts, mapparts
from planner.report.data import RunData

ENTRY_FIELDS = {"bal_from": "balanced", "onl_from": "online-primary"}
"""GeoPackage county fields with the year a county enters a phase, and the phase's name."""

Image = tuple[Figure | None, str, str, str]
"""A figure with its alt text, anchor key and caption (``html._img``'s arguments)."""


def entry_bin(value: str, years: Sequence[int]) -> int:
    """0 for 'already', ``i`` for a year within stage ``i``, ``len(years) + 1`` for later or
    never (an empty entry year)."""
    if value == "already":
        return 0
    if not value.isdigit():
        return len(years) + 1
    return next((i for i, y in enumerate(years, start=1) if int(value) <= y), len(years) + 1)


def phase_entry_map(run: RunData) -> Figure | None:
    """Counties by the year they enter the balanced and the online-primary phase, binned by
    the plan's stages."""
    gis = run.gis
    fields = [f for f in ENTRY_FIELDS if gis is not None and f in gis.counties.columns]
    if gis is None or not fields:
        return None
    years = [int(y) for y in run.config.get("stages", {}).get("years", StagesConfig().years)]
    labels = ["already", *(f"by {y}" for y in years), f"after {years[-1]}"]
    cmap = mpl.colormaps["YlGnBu"]
    colours = [cmap(0.9 - 0.8 * i / (len(labels) - 1)) for i in range(len(labels))]
    frame = charts.MapFrame(gis)
    fig, axes = charts.map_grid(len(fields), frame, 2, legend_in=0.6)
    for ax, field in zip(axes, fields, strict=True):
        frame.setup(ax)
        bins = [entry_bin(str(v), years) for v in gis.counties[field].fillna("")]
        faces = [colours[b] for b in bins]
        charts.add_polygons(ax, gis.counties, facecolors=faces, edgecolor="white", linewidth=0.3)
        charts.add_polygons(ax, gis.boundaries, edgecolor=charts.CITY_EDGE, linewidth=0.8, zorder=2)
        mapparts.furniture(ax, gis.geographic)
        ax.set_title(f"Year a county enters the {ENTRY_FIELDS[field]} phase", fontsize=11)
        mapparts.corner_note(ax, "\n".join(f"{lb}: {bins.count(i)}" for i, lb in enumerate(labels)))
    handles = [charts.legend_dot(c, lb) for c, lb in zip(colours, labels, strict=True)]
    fig.legend(handles=handles, loc="lower center", ncol=len(labels), frameon=False, fontsize=9)
    return fig


def phase_maps(run: RunData, planning: Sequence[int]) -> list[Image]:
    """The township phase per stage and the year each county enters a phase."""
    return [
        (
            charts.townships_phase_map(run, planning),
            "Township phase per stage",
            "map-phase",
            "Phase of each township's county (三步走): physical primary, balanced, online primary.",
        ),
        (
            phase_entry_map(run),
            "Year each county enters a phase",
            "map-phase-entry",
            "The first year each county's population-weighted maturity reaches the balanced "
            "and the online-primary threshold, on the model's own yearly trajectory; rules by "
            "phase (<code>policy.by_phase</code>) follow it.",
        ),
    ]
