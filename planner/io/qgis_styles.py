"""Default QGIS styles (QML) for the layers of ``plan.gpkg``.

QGIS reads a GeoPackage's ``layer_styles`` table and applies the row marked ``useAsDefault``
when a layer is added, so GIS teams open the plan already symbolised. The QML here is kept
minimal but valid: a ``<qgis>`` root holding one ``<renderer-v2>`` (categorised, graduated or
single symbol) built from small element helpers with :mod:`xml.etree.ElementTree`, so the
text is always well-formed and escaped. Symbol-layer properties are written both as an
``<Option type="Map">`` (QGIS >= 3.16) and as legacy ``<prop k= v=>`` elements (older QGIS 3),
which is what QGIS itself wrote for several releases.

Data-defined sizes use QGIS expressions: centre markers grow with the square root of the
floor area (``scale_exp(..., 0.5)``, so marker *area* is proportional to floor area) and
assignment lines widen with the annual transactions.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

QGIS_VERSION = "3.28.0-Firenze"
"""Version written into the QML root (any QGIS 3 reads this minimal QML)."""
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
STYLE_NAME = "olive_default"
"""``styleName`` of every default style row."""

SymbolKind = Literal["marker", "line", "fill"]
RGBA = tuple[int, int, int, int]

GEOMETRY_TYPES: dict[SymbolKind, int] = {"marker": 0, "line": 1, "fill": 2}
"""QGIS ``layerGeometryType`` codes (point, line, polygon)."""

OUTLINE: RGBA = (35, 35, 35, 255)

ACTION_COLOURS: dict[str, RGBA] = {
    "keep": (128, 128, 128, 255),
    "expand": (44, 160, 44, 255),
    "shrink": (255, 127, 14, 255),
    "convert_mode": (31, 119, 180, 255),
    "close": (214, 39, 40, 255),
    "closed": (214, 39, 40, 120),
    "today": (200, 200, 200, 255),
}
"""Centre colour by ``action`` (``closed`` is a faded red: closed in an earlier stage)."""

PHASE_COLOURS: dict[str, RGBA] = {
    "physical_primary": (166, 97, 26, 255),
    "balanced": (223, 194, 125, 255),
    "online_primary": (1, 133, 113, 255),
}
"""Township colour by ``phase`` (线下为主, 线上线下并重, 线上为主)."""

MATURITY_RAMP: tuple[RGBA, ...] = (
    (255, 255, 204, 255),
    (194, 230, 153, 255),
    (120, 198, 121, 255),
    (49, 163, 84, 255),
    (0, 104, 55, 255),
)
"""Five yellow-to-green classes for county maturity."""


@dataclass(frozen=True)
class LayerStyle:
    """One row of the ``layer_styles`` table.

    Attributes
    ----------
    layer : str
        GeoPackage table the style applies to.
    qml : str
        The QGIS style document.
    description : str
        Shown by QGIS next to the style name; carries hints such as the stage filter.
    """

    layer: str
    qml: str
    description: str


# --- element helpers ------------------------------------------------------------------------


def colour(rgba: RGBA) -> str:
    """QGIS colour text ``"r,g,b,a"``."""
    return ",".join(str(int(c)) for c in rgba)


def _option(parent: ET.Element, name: str | None, value: str | None, kind: str) -> ET.Element:
    attrs = {"type": kind}
    if name is not None:
        attrs["name"] = name
    if value is not None:
        attrs["value"] = value
    return ET.SubElement(parent, "Option", attrs)


def properties(parent: ET.Element, props: dict[str, str]) -> None:
    """Append symbol-layer properties as an Option map and as legacy ``prop`` elements."""
    options = _option(parent, None, None, "Map")
    for key in sorted(props):
        _option(options, key, props[key], "QString")
    for key in sorted(props):
        ET.SubElement(parent, "prop", {"k": key, "v": props[key]})


def data_defined(parent: ET.Element, expressions: dict[str, str]) -> ET.Element:
    """Append a ``data_defined_properties`` collection of expression-based properties."""
    element = ET.SubElement(parent, "data_defined_properties")
    collection = _option(element, None, None, "Map")
    _option(collection, "name", "", "QString")
    props = _option(collection, "properties", None, "Map")
    for key in sorted(expressions):
        prop = _option(props, key, None, "Map")
        _option(prop, "active", "true", "bool")
        _option(prop, "expression", expressions[key], "QString")
        _option(prop, "type", "3", "int")  # 3 = expression-based property
    _option(collection, "type", "collection", "QString")
    return element


def symbol_layer(
    layer_class: str, props: dict[str, str], expressions: dict[str, str] | None = None
) -> ET.Element:
    """A ``<layer>`` element of one symbol layer class (SimpleMarker, SimpleLine, SimpleFill)."""
    element = ET.Element(
        "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"}
    )
    properties(element, props)
    data_defined(element, expressions or {})
    return element


def marker_layer(fill: RGBA, size_mm: float, size_expression: str | None = None) -> ET.Element:
    """A circle marker with a thin dark outline, optionally sized by an expression (mm)."""
    props = {
        "angle": "0",
        "color": colour(fill),
        "joinstyle": "bevel",
        "name": "circle",
        "offset": "0,0",
        "offset_unit": "MM",
        "outline_color": colour(OUTLINE),
        "outline_style": "solid",
        "outline_width": "0.2",
        "outline_width_unit": "MM",
        "scale_method": "diameter",
        "size": f"{size_mm:g}",
        "size_unit": "MM",
    }
    return symbol_layer(
        "SimpleMarker", props, {"size": size_expression} if size_expression else None
    )


def line_layer(stroke: RGBA, width_mm: float, width_expression: str | None = None) -> ET.Element:
    """A solid line, optionally with a data-defined width (mm)."""
    props = {
        "capstyle": "round",
        "joinstyle": "round",
        "line_color": colour(stroke),
        "line_style": "solid",
        "line_width": f"{width_mm:g}",
        "line_width_unit": "MM",
        "offset": "0",
        "offset_unit": "MM",
    }
    expressions = {"outlineWidth": width_expression} if width_expression else None
    return symbol_layer("SimpleLine", props, expressions)


def fill_layer(fill: RGBA | None, stroke: RGBA, stroke_mm: float) -> ET.Element:
    """A polygon fill (``None`` for no fill) with an outline."""
    props = {
        "color": colour(fill or (0, 0, 0, 0)),
        "joinstyle": "bevel",
        "offset": "0,0",
        "offset_unit": "MM",
        "outline_color": colour(stroke),
        "outline_style": "solid",
        "outline_width": f"{stroke_mm:g}",
        "outline_width_unit": "MM",
        "style": "solid" if fill is not None else "no",
    }
    return symbol_layer("SimpleFill", props)


def symbol(kind: SymbolKind, name: str, layer: ET.Element) -> ET.Element:
    """A ``<symbol>`` of one symbol layer."""
    element = ET.Element(
        "symbol",
        {
            "alpha": "1",
            "clip_to_extent": "1",
            "force_rhr": "0",
            "name": name,
            "type": kind,
        },
    )
    element.append(layer)
    return element


def _renderer(renderer_type: str, attr: str | None = None, **extra: str) -> ET.Element:
    attrs = {
        "enableorderby": "0",
        "forceraster": "0",
        "symbollevels": "0",
        "type": renderer_type,
    }
    if attr is not None:
        attrs["attr"] = attr
    attrs.update(extra)
    return ET.Element("renderer-v2", attrs)


def single_renderer(kind: SymbolKind, layer: ET.Element) -> ET.Element:
    """A single-symbol renderer."""
    renderer = _renderer("singleSymbol")
    ET.SubElement(renderer, "symbols").append(symbol(kind, "0", layer))
    return renderer


def categorized_renderer(
    attr: str, kind: SymbolKind, categories: Sequence[tuple[str, ET.Element]]
) -> ET.Element:
    """A categorised renderer: one ``(value, symbol layer)`` per category, in legend order."""
    renderer = _renderer("categorizedSymbol", attr)
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (value, layer) in enumerate(categories):
        ET.SubElement(
            cats,
            "category",
            {"label": value, "render": "true", "symbol": str(i), "type": "string", "value": value},
        )
        symbols.append(symbol(kind, str(i), layer))
    source = ET.SubElement(renderer, "source-symbol")
    source.append(symbol(kind, "0", categories[0][1]))
    return renderer


def graduated_renderer(
    attr: str, kind: SymbolKind, ranges: Sequence[tuple[float, float, ET.Element]]
) -> ET.Element:
    """A graduated renderer: one ``(lower, upper, symbol layer)`` per class."""
    renderer = _renderer("graduatedSymbol", attr, graduatedMethod="GraduatedColor")
    classes = ET.SubElement(renderer, "ranges")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (lower, upper, layer) in enumerate(ranges):
        ET.SubElement(
            classes,
            "range",
            {
                "label": f"{lower:.2f} - {upper:.2f}",
                "lower": f"{lower:.6f}",
                "render": "true",
                "symbol": str(i),
                "upper": f"{upper:.6f}",
            },
        )
        symbols.append(symbol(kind, str(i), layer))
    source = ET.SubElement(renderer, "source-symbol")
    source.append(symbol(kind, "0", ranges[0][2]))
    ET.SubElement(renderer, "mode", {"name": "equal"})
    ET.SubElement(renderer, "classificationMethod", {"id": "EqualInterval"})
    return renderer


def qml_document(renderer: ET.Element, kind: SymbolKind) -> str:
    """Wrap a renderer into a QML document (DOCTYPE, ``<qgis>`` root, geometry type)."""
    root = ET.Element("qgis", {"styleCategories": "Symbology", "version": QGIS_VERSION})
    root.append(renderer)
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerOpacity").text = "1"
    ET.SubElement(root, "layerGeometryType").text = str(GEOMETRY_TYPES[kind])
    ET.indent(root, space=" ")
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def nice_ceiling(value: float) -> float:
    """Smallest of 1, 2, 5 x 10^k at or above ``value`` (at least 1): a round scale maximum."""
    if not math.isfinite(value) or value <= 1.0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def _stage_hint(last_stage: int) -> str:
    return (
        f'One row per stage: filter with "stage" = {last_stage} (Layer Properties > Source > '
        "Query Builder) to see one network."
    )


# --- the default style of each layer --------------------------------------------------------


def centres_style(max_area_m2: float, last_stage: int) -> LayerStyle:
    """Centres categorised by ``action``, marker area proportional to ``area_m2``.

    Parameters
    ----------
    max_area_m2 : float
        Largest floor area in the plan; rounded up to a round number as the scale maximum so
        one marker size means the same floor area in every stage.
    last_stage : int
        Stage named in the filter hint.
    """
    top = nice_ceiling(max_area_m2)
    size = f'coalesce(scale_exp("area_m2", 0, {top:g}, 1.5, 14, 0.5), 1.5)'
    categories = [
        (action, marker_layer(rgba, 3.0, size)) for action, rgba in ACTION_COLOURS.items()
    ]
    renderer = categorized_renderer("action", "marker", categories)
    description = (
        f"Centres by action; marker area proportional to floor area (0..{top:g} m2). "
        + _stage_hint(last_stage)
    )
    return LayerStyle("centres", qml_document(renderer, "marker"), description)


def townships_style(last_stage: int) -> LayerStyle:
    """Townships categorised by the ``phase`` of their county."""
    categories = [(phase, marker_layer(rgba, 2.2)) for phase, rgba in PHASE_COLOURS.items()]
    renderer = categorized_renderer("phase", "marker", categories)
    description = "Townships by phase of their county. " + _stage_hint(last_stage)
    return LayerStyle("townships", qml_document(renderer, "marker"), description)


def counties_style(maturity_field: str) -> LayerStyle:
    """Counties graduated by a maturity column (five equal classes over 0..1)."""
    n = len(MATURITY_RAMP)
    ranges = [
        (i / n, (i + 1) / n, fill_layer(rgba, (90, 90, 90, 255), 0.2))
        for i, rgba in enumerate(MATURITY_RAMP)
    ]
    renderer = graduated_renderer(maturity_field, "fill", ranges)
    description = (
        f"Counties by government-netizen maturity ({maturity_field}); one row per county with "
        "one column per stage."
    )
    return LayerStyle("counties", qml_document(renderer, "fill"), description)


def assignments_style(max_tx_year: float, last_stage: int) -> LayerStyle:
    """Thin township-to-centre lines, wider for more transactions a year."""
    top = nice_ceiling(max_tx_year)
    width = f'coalesce(scale_linear("tx_year", 0, {top:g}, 0.1, 1.2), 0.1)'
    renderer = single_renderer("line", line_layer((31, 119, 180, 140), 0.2, width))
    description = (
        f"Township-to-centre assignments; width by transactions a year (0..{top:g}). "
        + _stage_hint(last_stage)
    )
    return LayerStyle("assignments", qml_document(renderer, "line"), description)


def boundaries_style() -> LayerStyle:
    """City boundaries as unfilled dark outlines."""
    renderer = single_renderer("fill", fill_layer(None, (60, 60, 60, 255), 0.5))
    return LayerStyle("boundaries", qml_document(renderer, "fill"), "City boundaries (context).")
