"""Colours, labels and sizes shared by the report's charts (:mod:`planner.report.charts`,
:mod:`planner.report.olive`)."""

from __future__ import annotations

DPI = 100
WIDTH_IN = 14.0
"""Figure width in inches (1,400 pixels at :data:`DPI`)."""

LEVEL_COLOURS = {
    "province": "#5e3c99",
    "city": "#b2abd2",
    "county": "#556b2f",
    "township": "#a6c36f",
}
"""Level colours: the thick olive middle (county) is the darkest green."""
DARK_LEVELS = frozenset({"province", "county"})
"""Levels whose bar colour takes white text."""
LEVEL_LABELS = {
    "province": "省 province",
    "city": "市 city",
    "county": "县区 county",
    "township": "乡镇街道 township",
}
INK = "#222222"
MUTED = "#666666"
