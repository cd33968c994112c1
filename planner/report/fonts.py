"""The report's Chinese font, shipped with a Python package so no system font is needed.

Chinese names (levels, cities, counties, townships) must read on a machine without a CJK
font (a fresh Debian, a container, a CI runner) and without root. The font is Noto Sans CJK
(SIL Open Font License 1.1) from the PyPI package ``noto-cjk-sans-otc``, an OpenType
collection whose Simplified Chinese face is ``Noto Sans CJK SC``; the same face Debian's
``fonts-noto-cjk`` installs. It is used twice:

* the charts: matplotlib draws their text with it (:func:`chart_family`), so the PNG charts
  read the same in every browser and their bytes do not depend on the machine's fonts;
* the page: :func:`web_font_css` embeds a subset of it, only the characters the page uses
  (Latin too: the page's text then has the same widths on every machine, and fits a
  1024-pixel window as on one with Noto Sans CJK installed), as an ``@font-face`` (WOFF,
  base64) that the page's CSS lists right after the system's ``Noto Sans CJK SC``, so
  tables, headings and the interactive map read in a browser that has no CJK font either.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

FAMILY = "Noto Sans CJK SC"
"""The face used for Chinese text (charts and page)."""
WEB_FAMILY = "Olive Noto Sans CJK SC"
"""The family name of the subset the page embeds (distinct from an installed font's name)."""
FALLBACK_FAMILY = "DejaVu Sans"
"""matplotlib's own font, used when the packaged font is missing (a broken install)."""
FIRST_WIDE = 0x2E80
"""First code point of the CJK blocks (:func:`wide_characters`)."""
_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")


@functools.cache
def packaged_font() -> tuple[Path, int] | None:
    """The font collection file of ``noto-cjk-sans-otc`` and the index of its SC face."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    from fontTools.ttLib import TTCollection

    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    if not path.is_file():
        return None
    with TTCollection(str(path), lazy=True) as collection:
        names = [face["name"].getDebugName(1) for face in collection.fonts]
    return (path, names.index(FAMILY)) if FAMILY in names else None


@functools.cache
def chart_family() -> str:
    """The font family of the charts: the packaged Noto Sans CJK SC, registered with
    matplotlib; without the package (warned) a system Noto Sans CJK SC, else DejaVu Sans."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = packaged_font()
    if found is not None:
        manager.addfont(str(found[0]))
    if FAMILY in {f.name for f in manager.ttflist}:
        if found is None:
            log.warning("package noto-cjk-sans-otc missing: charts use the system's %s", FAMILY)
        return FAMILY
    log.warning(
        "no CJK font: Chinese names in the report's charts will not render; "
        "reinstall the planner (its dependency noto-cjk-sans-otc ships %s)",
        FAMILY,
    )
    return FALLBACK_FAMILY


def wide_characters(text: str) -> str:
    """The distinct CJK characters of ``text`` (also those written as ``\\uXXXX`` escapes
    in inline JSON), sorted."""
    unescaped = "".join(chr(int(h, 16)) for h in _ESCAPED.findall(text))
    return "".join(sorted({c for c in text + unescaped if ord(c) >= FIRST_WIDE}))


def page_characters(text: str) -> str:
    """The distinct printable characters of ``text`` (also ``\\uXXXX`` escapes), sorted."""
    unescaped = "".join(chr(int(h, 16)) for h in _ESCAPED.findall(text))
    return "".join(sorted({c for c in text + unescaped if c.isprintable()}))


def subset_font(characters: str) -> bytes:
    """A WOFF font of the packaged SC face holding only ``characters`` (empty bytes when
    the package is missing or no character is asked for). Same characters, same bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    found = packaged_font()
    if found is None or not characters:
        return b""
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and licence
    buffer = io.BytesIO()
    with TTFont(str(found[0]), fontNumber=found[1], lazy=True, recalcTimestamp=False) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in characters])
        subsetter.subset(font)
        font.flavor = "woff"
        font.save(buffer)
    return buffer.getvalue()


def web_font_css(page_text: str) -> str:
    """An ``@font-face`` rule embedding the subset of the characters of ``page_text`` (empty
    when there is none)."""
    if not wide_characters(page_text):
        return ""
    data = subset_font(page_characters(page_text))
    if not data:
        return ""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face {{ font-family:"{WEB_FAMILY}"; font-style:normal; font-weight:400; '
        f'src:url(data:font/woff;base64,{b64}) format("woff"); }}\n'
    )


__all__ = [
    "FAMILY",
    "WEB_FAMILY",
    "chart_family",
    "packaged_font",
    "page_characters",
    "subset_font",
    "web_font_css",
    "wide_characters",
]
