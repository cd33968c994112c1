"""Words for the planner's ids, shared by every reader of a plan (the report, ``planner
diff``, the CLI): window modes (``small_general`` -> 小全科), levels, counties by name, the
headline metrics of ``summary.json``, and the display width of text with Chinese characters
for aligned terminal columns.

The ground floor of the package (it imports nothing of the planner): any layer may use it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

WINDOW_MODES = ("traditional", "small_general", "big_general")
"""The window modes (窗口模式), simplest first, as the plan tables spell them."""

MODE_ZH: dict[str, str] = {
    "traditional": "传统窗口",
    "small_general": "小全科",
    "big_general": "大全科",
}
"""Window modes in Chinese: 一人一事一窗 (traditional), 小全科 (small general), 大全科 (big
general)."""

MODE_EN: dict[str, str] = {
    "traditional": "traditional",
    "small_general": "small general",
    "big_general": "big general",
}

LEVEL_ZH: dict[str, str] = {"province": "省", "city": "市", "county": "县", "township": "乡镇"}
"""Levels in Chinese (as the workbook spells them)."""

TERM_EN: dict[str, str] = {
    "backoffice": "back-office desks",
    "conversion": "conversion of surplus area",
    "expansion": "expansion",
    "floor_area": "floor area",
    "level_floor": "level floor penalty",
    "olive": "olive penalty",
    "online": "online handling",
    "reduction": "reduction",
    "top_heavy": "top-heavy penalty",
    "township_shortfall": "township shortfall penalty",
    "travel": "citizens' travel time",
    "unserved": "unserved penalty",
    "windows": "window staff",
    "training": "training",
    "redeploy": "staff redeployment",
}
"""Objective terms (``objective_terms_kcny``) in words."""

STAGE_METRIC_EN: dict[str, str] = {
    "demand": "demand (transactions a year)",
    "online_share": "online share",
    "physical_share": "share served at a counter",
    "unserved": "unserved (transactions a year)",
    "townships_with_unserved": "townships with unserved demand",
    "townships_below_min_station": "townships below the minimum station",
}
"""The per-stage figures of ``summary.json`` in words."""


def mode_label(mode: object, english: bool = True) -> str:
    """``小全科 small general`` (``小全科`` without ``english``); an unknown id as it is."""
    key = str(mode)
    zh = MODE_ZH.get(key)
    if zh is None:
        return key
    return f"{zh} {MODE_EN[key]}" if english else zh


def transition_label(key: object) -> str:
    """``"传统窗口 traditional → 小全科 small general"`` for ``"traditional → small_general"``
    (other keys, ``unchanged`` or ``closed``, as they are)."""
    return " → ".join(mode_label(part) for part in str(key).split(" → "))


def level_label(level: str, english: bool = True) -> str:
    """``县 county`` (``县`` without ``english``); an unknown id as it is."""
    zh = LEVEL_ZH.get(level)
    if zh is None:
        return level
    return f"{zh} {level}" if english else zh


def region_label(code: str, names: Mapping[str, str]) -> str:
    """A county, city or province by name with its code, ``铜山区 (320312)``; the code
    alone when ``names`` (code -> name, e.g. the counties table's ``name``) lacks it."""
    name = str(names.get(code, "") or "").strip()
    return f"{name} ({code})" if name else code


def metric_label(name: str) -> str:
    """A headline metric of ``summary.json`` in words: ``top_heavy_share.1`` -> ``stage 1:
    province+city share of floor area``; an unknown name as it is."""
    head, _, rest = name.partition(".")
    if name == "objective_kcny":
        return "objective (kCNY)"
    if head == "objective_terms_kcny" and rest:
        return f"cost: {TERM_EN.get(rest, rest.replace('_', ' '))} (kCNY)"
    if head == "top_heavy_share" and rest:
        return f"{_stage(rest)}: province+city share of floor area"
    if head == "stages" and "." in rest:
        stage, _, field = rest.partition(".")
        return f"{_stage(stage)}: {STAGE_METRIC_EN.get(field, field.replace('_', ' '))}"
    return name


def _stage(text: str) -> str:
    return "today" if text == "0" else f"stage {text}"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide and full-width characters (Chinese) take
    two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` display columns (right-aligned with
    ``right``)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill
