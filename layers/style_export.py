"""A layer's style file (styles/<slug>.json) as a QGIS layer style (QML) and, with
layers/style_sld.py, as OGC SLD 1.1 / Symbology Encoding 1.1, for desktop GIS.

Both have one rule per style rule, labelled by the legend entry that shows it (label_zh, or
label_en for an English site), plus an ELSE rule for features no rule matches. A feature is
drawn by the last rule it matches only (each rule's filter excludes the later ones), so it is
drawn once. In QML each symbol also computes the feature's exact look with data-defined
expressions (layers/style_expressions.py: the rules' cascade, then the verdict look on a
layer drawn by verdict), so QGIS draws what the map draws; SLD has no such cascade, so a
feature matching several rules (a planned DN 300 pipe) takes the last rule's look. Both read
the attributes of the layers API and OGC API features (`compliance.status` for the verdict),
not those of the vector tiles (style.json does, layers/tilejson.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405  (we write XML, we parse none)
from typing import Any

from layers.spec import LayerSpec
from layers.style_expressions import Dialect, own_paint, verdict_paint
from layers.style_files import rule_matches
from layers.styles import feature_paint

QGIS_VERSION = "3.28.0-Firenze"
# The verdict of a feature from the layers API / OGC API (`compliance` = {status, ...}): QGIS
# reads the nested object as a map, or as JSON text; a feature without one counts as no data.
QGIS_STATUS = (
    "coalesce(try(map_get(\"compliance\", 'status')), "
    "try(map_get(json_to_map(\"compliance\"), 'status')), 'no_data')"
)
STATUS_VALUES = ("compliant", "non_compliant", "no_data")
SOLID_DASH = "1;0"  # a custom dash pattern drawing a solid line (QGIS)
_DASH = re.compile(r"^\d+(\.\d+)?([ ,]+\d+(\.\d+)?)*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CAPS = {"butt": "flat", "round": "round", "square": "square"}


def legend_when(style: dict, rule: dict | None) -> tuple[dict, str, str]:
    """The legend entry showing a rule (None: the plain look): its `when`, label_zh,
    label_en. Without such an entry, the rule's own test and the layer's title."""
    for entry in style["legend"]:
        when = entry.get("when")
        if when is None:
            continue
        if (rule is None and when == {}) or (rule is not None and rule_matches(rule, when)):
            return when, entry["label_zh"], entry["label_en"]
    if rule is None:
        return {}, style["title_zh"], style["title_en"]
    value = rule.get("equals", (rule.get("in") or [rule.get("min", rule.get("max"))])[0])
    return {rule["field"]: value}, style["title_zh"], style["title_en"]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _qgis_colour(colour: str, opacity: float = 1.0) -> str:
    r, g, b = _rgb(colour)
    return f"{r},{g},{b},{round(255 * opacity)}"


def full_paint(style: dict, when: dict, defaults: dict) -> dict:
    """feature_paint with the paint defaults filled in (a point or polygon without fill
    colour takes its stroke colour, as on the map)."""
    paint = {**defaults, **feature_paint(style, when)}
    paint.setdefault("fill_color", paint["stroke_color"])
    paint.setdefault("dash", "")
    return paint


# --- QML -----------------------------------------------------------------------------------


def _qgis_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    return "'" + text.replace("'", "''") + "'"


def qgis_dialect() -> Dialect:
    """QGIS expressions over the layers API's attributes. Colours are 'r,g,b' text (the
    opacity is added when the colour is used), dashes QGIS dash patterns ('6;4'), caps QGIS
    cap styles."""

    def value(v: Any) -> str:
        if isinstance(v, str) and _COLOUR.match(v):
            return "'{},{},{}'".format(*_rgb(v))
        if isinstance(v, str) and (v == "" or _DASH.match(v.strip())):
            dash = ";".join(v.replace(",", " ").split())
            return f"'{dash or SOLID_DASH}'"
        if isinstance(v, str) and v in _CAPS:
            return f"'{_CAPS[v]}'"
        return _qgis_literal(v)

    def test(rule: dict) -> str:
        field = '"' + rule["field"].replace('"', '""') + '"'
        if "equals" in rule:
            return f"{field} = {_qgis_literal(rule['equals'])}"
        if "in" in rule:
            return f"{field} IN ({', '.join(_qgis_literal(v) for v in rule['in'])})"
        parts = []
        if "min" in rule:
            parts.append(f"{field} >= {rule['min']!r}")
        if "max" in rule:
            parts.append(f"{field} < {rule['max']!r}")
        return " AND ".join(parts)

    def case(branches: list, otherwise: str) -> str:
        whens = " ".join(f"WHEN {c} THEN {v}" for c, v in branches)
        return f"CASE {whens} ELSE {otherwise} END"

    return Dialect(
        test=test,
        case=case,
        larger=lambda a, b: f"max({a}, {b})",
        plus=lambda a, b: f"({a}) + ({b})",
        value=value,
    )


def qgis_paint(style: dict, compliance: dict | None, defaults: dict) -> dict[str, str]:
    """Each paint key of the layer as one QGIS expression giving a feature's value."""
    dialect = qgis_dialect()
    own = own_paint(style, defaults, dialect)
    if compliance is None:
        return own
    looks = {
        s: verdict_paint(style["geometry"], own, compliance["states"][s], s, dialect)
        for s in STATUS_VALUES
    }
    paint = {}
    for key in own:
        values = [looks[s][key] for s in STATUS_VALUES]
        if len(set(values)) == 1:
            paint[key] = values[0]
        else:
            paint[key] = (
                f"CASE WHEN {QGIS_STATUS} = 'compliant' THEN {values[0]} "
                f"WHEN {QGIS_STATUS} = 'non_compliant' THEN {values[1]} ELSE {values[2]} END"
            )
    return paint


def _option(parent: ET.Element, name: str, value: Any, kind: str = "QString") -> None:
    ET.SubElement(parent, "Option", name=name, value=str(value), type=kind)


def _data_defined(layer: ET.Element, properties: dict[str, str]) -> None:
    """<data_defined_properties>: each QGIS symbol-layer property name → an expression."""
    holder = ET.SubElement(layer, "data_defined_properties")
    root = ET.SubElement(holder, "Option", type="Map")
    _option(root, "name", "")
    props = ET.SubElement(root, "Option", name="properties", type="Map")
    for name, expression in properties.items():
        prop = ET.SubElement(props, "Option", name=name, type="Map")
        _option(prop, "active", "true", "bool")
        _option(prop, "expression", expression)
        _option(prop, "type", 3, "int")  # an expression-based property
    _option(root, "type", "collection")


def _colour_expression(colour: str, opacity: str) -> str:
    return f"({colour}) || ',' || to_string(round(255 * ({opacity})))"


def _symbol_layer(symbol: ET.Element, cls: str, options: dict, defined: dict) -> None:
    layer = ET.SubElement(symbol, "layer", {"class": cls, "pass": "0", "locked": "0"})
    layer.set("enabled", "1")
    opts = ET.SubElement(layer, "Option", type="Map")
    for name, value in options.items():
        _option(opts, name, value)
    _data_defined(layer, defined)


def _line_layer(symbol: ET.Element, paint: dict, expr: dict) -> None:
    dash = ";".join(paint["dash"].replace(",", " ").split()) or SOLID_DASH
    _symbol_layer(
        symbol,
        "SimpleLine",
        {
            "line_color": _qgis_colour(paint["stroke_color"], paint["stroke_opacity"]),
            "line_width": paint["stroke_width"],
            "line_width_unit": "Pixel",
            "line_style": "solid",
            "capstyle": _CAPS.get(paint.get("line_cap", "round"), "round"),
            "joinstyle": "round",
            "use_custom_dash": 1,
            "customdash": dash,
            "customdash_unit": "Pixel",
        },
        {
            "outlineColor": _colour_expression(expr["stroke_color"], expr["stroke_opacity"]),
            "outlineWidth": expr["stroke_width"],
            "customDash": expr.get("dash", f"'{SOLID_DASH}'"),
            **({"capStyle": expr["line_cap"]} if "line_cap" in expr else {}),
        },
    )


def _qml_symbol(symbols: ET.Element, name: str, geometry: str, paint: dict, expr: dict):
    kind = {"Point": "marker", "LineString": "line", "Polygon": "fill"}[geometry]
    symbol = ET.SubElement(symbols, "symbol", type=kind, name=name, alpha="1")
    symbol.set("clip_to_extent", "1")
    symbol.set("force_rhr", "0")
    if geometry == "LineString":
        _line_layer(symbol, paint, expr)
    elif geometry == "Polygon":
        fill = _colour_expression(expr["fill_color"], expr["fill_opacity"])
        _symbol_layer(
            symbol,
            "SimpleFill",
            {
                "color": _qgis_colour(paint["fill_color"], paint["fill_opacity"]),
                "style": "solid",
                "outline_style": "no",
            },
            {"fillColor": fill},
        )
        _line_layer(symbol, paint, expr)
    else:
        _symbol_layer(
            symbol,
            "SimpleMarker",
            {
                "name": "circle",
                "color": _qgis_colour(paint["fill_color"], paint["fill_opacity"]),
                "outline_color": _qgis_colour(paint["stroke_color"], paint["stroke_opacity"]),
                "outline_width": paint["stroke_width"],
                "outline_width_unit": "Pixel",
                "outline_style": "solid",
                "size": 2 * paint["radius"],
                "size_unit": "Pixel",
            },
            {
                "fillColor": _colour_expression(expr["fill_color"], expr["fill_opacity"]),
                "outlineColor": _colour_expression(expr["stroke_color"], expr["stroke_opacity"]),
                "outlineWidth": expr["stroke_width"],
                "size": f"2 * ({expr['radius']})",
            },
        )


def _exclusive_filters(rules: list[dict], test) -> list[str]:
    """Rule i's filter: it matches and no later rule does (a missing value matches none)."""
    filters = []
    for index, rule in enumerate(rules):
        later = [f"coalesce(({test(r)}), FALSE)" for r in rules[index + 1 :]]
        own = f"coalesce(({test(rule)}), FALSE)"
        filters.append(own + "".join(f" AND NOT {c}" for c in later))
    return filters


def qml_renderer(
    style: dict, compliance: dict | None, defaults: dict, *, english: bool
) -> ET.Element:
    """The <renderer-v2> of a rule-based renderer (see the module's docstring)."""
    rules = style.get("rules", [])
    expr = qgis_paint(style, compliance, defaults)
    dialect = qgis_dialect()
    renderer = ET.Element("renderer-v2", type="RuleRenderer", symbollevels="0")
    renderer.set("enableorderby", "0")
    renderer.set("forceraster", "0")
    root = ET.SubElement(renderer, "rules", key="{root}")
    symbols = ET.Element("symbols")
    filters = _exclusive_filters(rules, dialect.test) + ["ELSE"]
    for index, (rule, where) in enumerate(zip([*rules, None], filters, strict=True)):
        when, label_zh, label_en = legend_when(style, rule)
        name = str(index)
        ET.SubElement(
            root,
            "rule",
            key=f"{{rule-{index}}}",
            symbol=name,
            label=label_en if english else label_zh,
            filter=where,
        )
        paint = full_paint(style, when, defaults)
        _qml_symbol(symbols, name, style["geometry"], paint, expr)
    renderer.append(symbols)
    return renderer


def layer_qml(
    spec: LayerSpec, style: dict, compliance: dict | None, defaults: dict, *, english: bool
) -> str:
    """The QML document of a layer (compliance: styles/compliance.json for a layer drawn by
    verdict, else None)."""
    qgis = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    qgis.append(qml_renderer(style, compliance, defaults, english=english))
    ET.SubElement(qgis, "layerGeometryType").text = {"Point": "0", "LineString": "1"}.get(
        spec.geometry_type, "2"
    )
    body = ET.tostring(qgis, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"
