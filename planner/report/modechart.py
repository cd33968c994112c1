"""The report's chart of window-mode conversions between stages, and what they save.

One bar per conversion (from -> to) and stage pair, counting the open centres that convert;
next to it the windows the chosen modes need per stage against every centre run
traditional (``windows_traditional`` of ``plan/centres.csv``).
"""

from __future__ import annotations

import base64
import itertools
from html import escape

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from planner.labels import WINDOW_MODES, transition_label
from planner.report import charts
from planner.report.data import RunData, mode_transitions

MODE_ORDER = WINDOW_MODES
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


def conversions(run: RunData) -> pd.DataFrame:
    """Open centres per conversion (rows ``from → to``) and stage pair (columns); the
    ``unchanged`` and ``closed`` rows of :func:`mode_transitions` are left out."""
    frame = mode_transitions(run)
    keep = [i for i in frame.index if " → " in str(i) and str(i).split(" → ")[0] in MODE_ORDER]
    return frame.loc[keep]


def conversion_figure(run: RunData) -> Figure | None:
    """Bars of conversions per stage pair and windows per stage (chosen vs traditional);
    None when no centre converts and the plan has no mode columns."""
    conv = conversions(run)
    cen = run.centres
    has_windows = "windows_traditional" in cen.columns
    if conv.empty and not has_windows:
        return None
    with charts.chart_style():
        fig = Figure(figsize=(charts.WIDTH_IN, 3.8), dpi=charts.DPI)
        ax, ax2 = fig.subplots(1, 2)
        pairs = list(conv.columns)
        x = np.arange(len(pairs))
        width = 0.8 / max(1, len(conv.index))
        for j, (label, colour) in enumerate(zip(conv.index, itertools.cycle(COLOURS))):
            ax.bar(
                x + j * width,
                conv.loc[label].to_numpy(),
                width,
                label=transition_label(label),
                color=colour,
            )
        ax.set_xticks(x + width * (len(conv.index) - 1) / 2, pairs)
        ax.set_title("Conversions between stages (centres)")
        if len(conv.index):
            ax.set_ylim(0, max(1.0, float(conv.to_numpy().max())) * 1.25)
            ax.legend(fontsize=8, frameon=False, loc="upper right")
        if has_windows:
            planned = cen[cen["stage"] > 0].groupby("stage")
            stages = list(planned.groups)
            xs = np.arange(len(stages))
            trad = planned["windows_traditional"].sum().to_numpy(dtype=float)
            chosen = planned["windows"].sum().to_numpy(dtype=float)
            ax2.bar(xs - 0.2, trad, 0.4, label="all traditional", color="#bbbbbb")
            ax2.bar(xs + 0.2, chosen, 0.4, label="chosen modes", color=COLOURS[0])
            ax2.set_xticks(xs, [run.stage_label(int(s)) for s in stages])
            ax2.set_title("Windows: chosen modes vs all traditional")
            ax2.set_ylim(0, max(1.0, float(trad.max(initial=0.0))) * 1.2)
            ax2.legend(fontsize=8, frameon=False, loc="upper center", ncol=2)
        fig.tight_layout()
    return fig


def conversion_html(run: RunData) -> str:
    """The chart as an inline PNG figure ('' when there is nothing to draw)."""
    fig = conversion_figure(run)
    if fig is None:
        return ""
    data = base64.b64encode(charts.to_png(fig)).decode("ascii")
    fig.clear()
    return (
        '<figure class="chart" id="fig-mode-conversions"><img data-chart="mode-conversions" '
        f'alt="{escape("window-mode conversions")}" src="data:image/png;base64,{data}">'
        "<figcaption>Window-mode conversions between consecutive stages, and the windows the "
        "chosen modes need against every centre run traditional.</figcaption></figure>"
    )
