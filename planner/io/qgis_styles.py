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
    "convert_mode": (23, 190, 207, 255),
    "close": (214, 39, 40, 255),
    "closed": (214, 39, 40, 120),
    "today": (200, 200, 200, 255),
}
"""Centre colour by ``action`` (``closed`` is a faded red: closed in an earlier stage).
``convert_mode`` is cyan, far from the purple of the province level."""

LEVEL_COLOURS: dict[str, RGBA] = {
    "province": (94, 60, 153, 255),
    "city": (178, 171, 210, 255),
    "county": (85, 107, 47, 255),
    "township": (166, 195, 111, 255),
}
"""Centre colour by ``level`` in stage 0 (today's inventory), as in the report."""

LEVEL_LABELS: dict[str, str] = {
    "province": "省级 province",
    "city": "市级 city",
    "county": "县级 county",
    "township": "乡镇（街道） township",
}
ACTION_LABELS: dict[str, str] = {
    "keep": "保持 keep",
    "expand": "扩建 expand",
    "shrink": "缩减 shrink",
    "convert_mode": "转换窗口模式 convert mode",
    "close": "本阶段关闭 close",
    "closed": "已关闭 closed earlier",
    "today": "现状 today",
}
PHASE_LABELS: dict[str, str] = {
    "physical_primary": "线下为主 physical primary",
    "balanced": "线上线下并重 balanced",
    "online_primary": "线上为主 online primary",
}
"""Legend labels (Chinese first, then the field value's meaning in English)."""
LABEL_FONT = "Noto Sans CJK SC"
"""Font of the name labels (Chinese names); QGIS substitutes a CJK font where it is missing."""
FIELD_ALIASES: dict[str, str] = {
    "centre_id": "中心编号",
    "township_id": "乡镇（街道）代码",
    "stage": "规划阶段（0=现状）",
    "level": "层级",
    "name": "名称",
    "county": "县区代码",
    "city": "城市代码",
    "code": "城市代码",
    "kind": "乡镇类型",
    "area_m2": "建筑面积（m²）",
    "area_chg": "面积变化（m²）",
    "area_extra": "窗口模式所需新增面积（m²）",
    "idle_posts": "待分流岗位",
    "posts_cut": "本阶段撤减岗位",
    "windows": "窗口数",
    "desks": "后台审批席位",
    "tx_year": "年办件量",
    "tx_day": "日均办件量",
    "mode": "窗口模式",
    "mode_src": "现状窗口模式来源",
    "win_ded": "专项窗口数",
    "win_gen": "综合窗口数",
    "action": "调整方式",
    "reason": "调整原因",
    "inv_src": "现状数据来源",
    "pop": "人口",
    "pt_src": "位置来源",
    "pop_src": "人口来源",
    "maturity": "政务网民成熟度",
    "phase": "三步走阶段（线下为主/并重/线上为主）",
    "demand": "年办件需求",
    "online": "网上办件",
    "physical": "线下办件",
    "unserved": "未满足需求",
    "onl_share": "网办率",
    "min_prov": "至省级中心（分钟）",
    "min_city": "至市级中心（分钟）",
    "min_cnty": "至县级中心（分钟）",
    "min_town": "至乡镇中心（分钟）",
    "shortfall": "站点面积缺口（m²）",
    "minutes": "出行时间（分钟）",
    "year": "年份",
    "valid_from": "起始日期",
    "valid_to": "截止日期",
}
"""Chinese field aliases QGIS shows in attribute tables, forms and identify results."""
STAGE_FIELD_ALIASES: dict[str, str] = {
    "mat": "政务网民成熟度",
    "phase": "三步走阶段",
    "area_c": "县级中心面积（m²）",
    "area_t": "乡镇中心面积（m²）",
    "unsrv": "未满足需求",
    "onl": "网办率",
}
"""Aliases of the per-stage county columns (``<prefix>_s<stage>``)."""
TIME_FIELDS = ("valid_from", "valid_to")
"""Date fields of the long-form layers the temporal controller plays (one stage at a time)."""

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
    attr: str, kind: SymbolKind, categories: Sequence[tuple[str, str, ET.Element]]
) -> ET.Element:
    """A categorised renderer: one ``(value, legend label, symbol layer)`` per category."""
    renderer = _renderer("categorizedSymbol", attr)
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (value, label, layer) in enumerate(categories):
        ET.SubElement(
            cats,
            "category",
            {"label": label, "render": "true", "symbol": str(i), "type": "string", "value": value},
        )
        symbols.append(symbol(kind, str(i), layer))
    source = ET.SubElement(renderer, "source-symbol")
    source.append(symbol(kind, "0", categories[0][2]))
    return renderer


@dataclass(frozen=True)
class Rule:
    """One rule of a rule-based renderer: a filter expression, a legend label and either a
    symbol layer or child rules."""

    filter: str
    label: str
    layer: ET.Element | None = None
    children: tuple[Rule, ...] = ()


def rule_renderer(kind: SymbolKind, rules: Sequence[Rule], order_by: str | None) -> ET.Element:
    """A rule-based renderer (nested rules), drawing features in descending ``order_by``."""
    renderer = _renderer("RuleRenderer", enableorderby="1" if order_by else "0")
    root = ET.SubElement(renderer, "rules", {"key": "{root}"})
    symbols = ET.SubElement(renderer, "symbols")
    counter = iter(range(1_000_000))

    def add(parent: ET.Element, rule: Rule) -> None:
        n = next(counter)
        attrs = {"filter": rule.filter, "key": f"{{rule-{n}}}", "label": rule.label}
        if rule.layer is not None:
            index = str(len(symbols))
            attrs["symbol"] = index
            symbols.append(symbol(kind, index, rule.layer))
        element = ET.SubElement(parent, "rule", attrs)
        for child in rule.children:
            add(element, child)

    for rule in rules:
        add(root, rule)
    if order_by:
        orderby = ET.SubElement(renderer, "orderby")
        clause = ET.SubElement(orderby, "orderByClause", {"asc": "0", "nullsFirst": "0"})
        clause.text = f'"{order_by}"'
    return renderer


def quantile_breaks(values: Sequence[float], classes: int) -> list[float]:
    """Class breaks fitted to the data: ``classes`` quantile classes from the smallest to the
    largest finite value, rounded to 3 decimals (fewer classes when values repeat)."""
    finite = sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))
    if not finite:
        return [0.0, 1.0]
    if finite[0] == finite[-1]:
        return [round(finite[0], 3), round(finite[0], 3)]
    n = len(finite)
    breaks = [finite[min(n - 1, round(k * (n - 1) / classes))] for k in range(classes + 1)]
    lower, upper = math.floor(finite[0] * 1000) / 1000, math.ceil(finite[-1] * 1000) / 1000
    rounded = [lower, *(round(b, 3) for b in breaks[1:-1]), upper]
    return sorted(set(rounded))


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
                "label": f"{lower:.3f} - {upper:.3f}",
                "lower": f"{lower:.6f}",
                "render": "true",
                "symbol": str(i),
                "upper": f"{upper:.6f}",
            },
        )
        symbols.append(symbol(kind, str(i), layer))
    source = ET.SubElement(renderer, "source-symbol")
    source.append(symbol(kind, "0", ranges[0][2]))
    ET.SubElement(renderer, "mode", {"name": "quantile"})
    ET.SubElement(renderer, "classificationMethod", {"id": "Quantile"})
    return renderer


def labeling(field: str, size_pt: float, max_scale: float | None) -> ET.Element:
    """Simple name labels in a CJK font with a white buffer, shown when zoomed in to
    1:``max_scale`` or closer (always with ``None``).

    QGIS writes the label scale range swapped (``scaleMin`` holds the most zoomed-out scale
    denominator for compatibility with QGIS 2); so does this.
    """
    element = ET.Element("labeling", {"type": "simple"})
    settings = ET.SubElement(element, "settings", {"calloutType": "simple"})
    style = ET.SubElement(
        settings,
        "text-style",
        {
            "fieldName": field,
            "isExpression": "0",
            "fontFamily": LABEL_FONT,
            "fontSize": f"{size_pt:g}",
            "fontSizeUnit": "Point",
            "fontWeight": "50",
            "namedStyle": "Regular",
            "textColor": colour((30, 30, 30, 255)),
            "textOpacity": "1",
        },
    )
    ET.SubElement(
        style,
        "text-buffer",
        {
            "bufferDraw": "1",
            "bufferSize": "0.7",
            "bufferSizeUnits": "MM",
            "bufferColor": colour((255, 255, 255, 255)),
            "bufferOpacity": "0.85",
            "bufferNoFill": "1",
            "bufferJoinStyle": "128",
        },
    )
    ET.SubElement(settings, "placement", {"placement": "0", "dist": "1", "distUnits": "MM"})
    ET.SubElement(
        settings,
        "rendering",
        {
            "scaleVisibility": "1" if max_scale else "0",
            "scaleMin": "0",
            "scaleMax": f"{max_scale:g}" if max_scale else "0",
            "obstacle": "1",
            "displayAll": "0",
        },
    )
    return element


def temporal(start_field: str, end_field: str) -> ET.Element:
    """Temporal properties: each feature holds from ``start_field`` to ``end_field``."""
    element = ET.Element(
        "temporal",
        {
            "accumulate": "0",
            "durationField": "",
            "durationUnit": "min",
            "enabled": "1",
            "endExpression": "",
            "endField": end_field,
            "fixedDuration": "0",
            "limitMode": "0",
            "mode": "2",
            "startExpression": "",
            "startField": start_field,
        },
    )
    fixed = ET.SubElement(element, "fixedRange")
    ET.SubElement(fixed, "start")
    ET.SubElement(fixed, "end")
    return element


def field_alias(field: str) -> str | None:
    """Chinese alias of a layer field (``mat_s2`` -> ``政务网民成熟度（阶段2）``), if any."""
    if field in FIELD_ALIASES:
        return FIELD_ALIASES[field]
    prefix, _, stage = field.rpartition("_s")
    if prefix in STAGE_FIELD_ALIASES and stage.isdigit():
        return f"{STAGE_FIELD_ALIASES[prefix]}（阶段{stage}）"
    return None


def aliases(fields: Sequence[str]) -> ET.Element:
    """The ``<aliases>`` element of a layer's fields (in layer order; QGIS matches them by
    name, the index counts the GeoPackage's ``fid`` first)."""
    element = ET.Element("aliases")
    for index, field in enumerate(fields, start=1):
        alias = field_alias(field)
        if alias is not None:
            ET.SubElement(element, "alias", {"field": field, "index": str(index), "name": alias})
    return element


def qml_document(
    renderer: ET.Element,
    kind: SymbolKind,
    labels: ET.Element | None = None,
    time: ET.Element | None = None,
    fields: Sequence[str] = (),
) -> str:
    """Wrap a renderer (and optional labels, temporal properties and the Chinese aliases of
    ``fields``) into a QML document."""
    root = ET.Element(
        "qgis",
        {
            "labelsEnabled": "1" if labels is not None else "0",
            "styleCategories": "Symbology|Labeling|Temporal|Fields",
            "version": QGIS_VERSION,
        },
    )
    if time is not None:
        root.append(time)
    root.append(renderer)
    if labels is not None:
        root.append(labels)
    if fields:
        root.append(aliases(fields))
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


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def centres_style(max_area_m2: float, last_stage: int, fields: Sequence[str] = ()) -> LayerStyle:
    """Centres: today (stage 0) by ``level``, planning stages by ``action``; marker area
    proportional to ``area_m2``; larger markers drawn first so small ones stay on top.

    Parameters
    ----------
    max_area_m2 : float
        Largest floor area in the plan; rounded up to a round number as the scale maximum so
        one marker size means the same floor area in every stage.
    last_stage : int
        Stage named in the filter hint.
    fields : sequence of str
        The layer's fields, given Chinese aliases.
    """
    top = nice_ceiling(max_area_m2)
    size = f'coalesce(scale_exp("area_m2", 0, {top:g}, 1.5, 14, 0.5), 1.5)'
    by_level = tuple(
        Rule(f'"level" = {_quote(level)}', LEVEL_LABELS[level], marker_layer(rgba, 3.0, size))
        for level, rgba in LEVEL_COLOURS.items()
    )
    by_action = tuple(
        Rule(f'"action" = {_quote(action)}', ACTION_LABELS[action], marker_layer(rgba, 3.0, size))
        for action, rgba in ACTION_COLOURS.items()
        if action != "today"
    )
    rules = [
        Rule('"stage" = 0', "现状 today (stage 0): by level", children=by_level),
        Rule('"stage" > 0', "规划阶段 planning stages: by action", children=by_action),
    ]
    renderer = rule_renderer("marker", rules, order_by="area_m2")
    description = (
        f"Centres: today by level, planning stages by action; marker area proportional to "
        f"floor area (0..{top:g} m2). " + _stage_hint(last_stage) + " The temporal controller "
        "plays the stages (valid_from, valid_to)."
    )
    qml = qml_document(
        renderer, "marker", labeling("name", 8, 400_000), temporal(*TIME_FIELDS), fields
    )
    return LayerStyle("centres", qml, description)


def townships_style(last_stage: int, fields: Sequence[str] = ()) -> LayerStyle:
    """Townships categorised by the ``phase`` of their county."""
    categories = [
        (phase, PHASE_LABELS[phase], marker_layer(rgba, 2.2))
        for phase, rgba in PHASE_COLOURS.items()
    ]
    renderer = categorized_renderer("phase", "marker", categories)
    description = "Townships by phase of their county. " + _stage_hint(last_stage)
    qml = qml_document(
        renderer, "marker", labeling("name", 7, 150_000), temporal(*TIME_FIELDS), fields
    )
    return LayerStyle("townships", qml, description)


def counties_style(
    maturity_field: str, values: Sequence[float] = (), fields: Sequence[str] = ()
) -> LayerStyle:
    """Counties graduated by a maturity column, in quantile classes fitted to ``values``
    (the column's values; five equal classes over 0..1 without values). The fill is
    translucent so points below stay visible."""
    breaks = quantile_breaks(values, len(MATURITY_RAMP)) if len(values) else []
    if len(breaks) < 2 or breaks[0] == breaks[-1]:
        n = len(MATURITY_RAMP)
        breaks = [i / n for i in range(n + 1)] if not breaks else [breaks[0], breaks[0] + 1e-6]
    ramp = MATURITY_RAMP
    picks = [
        ramp[round(i * (len(ramp) - 1) / max(len(breaks) - 2, 1))] for i in range(len(breaks) - 1)
    ]
    ranges = [
        (lo, hi, fill_layer((*rgba[:3], 200), (90, 90, 90, 255), 0.2))
        for lo, hi, rgba in zip(breaks[:-1], breaks[1:], picks, strict=True)
    ]
    renderer = graduated_renderer(maturity_field, "fill", ranges)
    description = (
        f"Counties by government-netizen maturity ({maturity_field}, quantile classes of the "
        "plan's counties); one row per county with one column per stage."
    )
    qml = qml_document(renderer, "fill", labeling("name", 8, 2_000_000), fields=fields)
    return LayerStyle("counties", qml, description)


def assignments_style(
    max_tx_year: float, last_stage: int, fields: Sequence[str] = ()
) -> LayerStyle:
    """Thin township-to-centre lines, wider for more transactions a year."""
    top = nice_ceiling(max_tx_year)
    width = f'coalesce(scale_linear("tx_year", 0, {top:g}, 0.1, 1.2), 0.1)'
    renderer = single_renderer("line", line_layer((31, 119, 180, 140), 0.2, width))
    description = (
        f"Township-to-centre assignments; width by transactions a year (0..{top:g}). "
        + _stage_hint(last_stage)
    )
    qml = qml_document(renderer, "line", time=temporal(*TIME_FIELDS), fields=fields)
    return LayerStyle("assignments", qml, description)


def boundaries_style(fields: Sequence[str] = ()) -> LayerStyle:
    """City boundaries as unfilled dark outlines, labelled with the city's name."""
    renderer = single_renderer("fill", fill_layer(None, (60, 60, 60, 255), 0.5))
    qml = qml_document(renderer, "fill", labeling("name", 10, None), fields=fields)
    return LayerStyle("boundaries", qml, "City boundaries (context).")
