"""A layer's style file as OGC SLD 1.1.0 / Symbology Encoding 1.1 (rules and labels as the QML's,
layers/style_export.py; SLD has no cascade: a feature takes its last matching rule's look)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405  (we write XML, we parse none)
from typing import Any

from layers.spec import LayerSpec
from layers.style_export import full_paint, legend_when

SLD_NS = "http://www.opengis.net/sld"
SE_NS = "http://www.opengis.net/se"
OGC_NS = "http://www.opengis.net/ogc"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("", SLD_NS)
ET.register_namespace("se", SE_NS)
ET.register_namespace("ogc", OGC_NS)
ET.register_namespace("xlink", XLINK_NS)
ET.register_namespace("xsi", XSI_NS)


def _se(parent: ET.Element, tag: str, text: Any = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, f"{{{SE_NS}}}{tag}", attrs)
    if text is not None:
        node.text = str(text)
    return node


def _ogc(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{OGC_NS}}}{tag}")


def _ogc_compare(parent: ET.Element, tag: str, field: str, value: Any) -> None:
    node = _ogc(parent, tag)
    _ogc(node, "PropertyName").text = field
    _ogc(node, "Literal").text = str(value)


def _ogc_test(parent: ET.Element, rule: dict) -> None:
    """A rule's test as an OGC filter expression under `parent`."""
    field = rule["field"]
    if "equals" in rule:
        _ogc_compare(parent, "PropertyIsEqualTo", field, rule["equals"])
    elif "in" in rule:
        either = _ogc(parent, "Or") if len(rule["in"]) > 1 else parent
        for value in rule["in"]:
            _ogc_compare(either, "PropertyIsEqualTo", field, value)
    else:
        both = _ogc(parent, "And") if "min" in rule and "max" in rule else parent
        if "min" in rule:
            _ogc_compare(both, "PropertyIsGreaterThanOrEqualTo", field, rule["min"])
        if "max" in rule:
            _ogc_compare(both, "PropertyIsLessThan", field, rule["max"])


def _sld_filter(parent: ET.Element, rule: dict, later: list[dict]) -> None:
    holder = _ogc(parent, "Filter")
    if later:
        holder = _ogc(holder, "And")
    _ogc_test(holder, rule)
    if later:
        negated = _ogc(holder, "Not")
        either = _ogc(negated, "Or") if len(later) > 1 else negated
        for other in later:
            _ogc_test(either, other)


def _svg(parent: ET.Element, name: str, value: Any) -> None:
    _se(parent, "SvgParameter", value, name=name)


def _stroke(parent: ET.Element, paint: dict) -> None:
    stroke = _se(parent, "Stroke")
    _svg(stroke, "stroke", paint["stroke_color"])
    _svg(stroke, "stroke-width", paint["stroke_width"])
    _svg(stroke, "stroke-opacity", paint["stroke_opacity"])
    _svg(stroke, "stroke-linecap", paint.get("line_cap", "round"))
    if paint.get("dash"):
        _svg(stroke, "stroke-dasharray", " ".join(paint["dash"].replace(",", " ").split()))


def _fill(parent: ET.Element, paint: dict) -> None:
    fill = _se(parent, "Fill")
    _svg(fill, "fill", paint["fill_color"])
    _svg(fill, "fill-opacity", paint["fill_opacity"])


def _sld_symbolizer(rule: ET.Element, geometry: str, paint: dict) -> None:
    if geometry == "LineString":
        _stroke(_se(rule, "LineSymbolizer"), paint)
    elif geometry == "Polygon":
        polygon = _se(rule, "PolygonSymbolizer")
        _fill(polygon, paint)
        _stroke(polygon, paint)
    else:
        graphic = _se(_se(rule, "PointSymbolizer"), "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", "circle")
        _fill(mark, paint)
        _stroke(mark, paint)
        _se(graphic, "Size", 2 * paint["radius"])


def layer_sld(spec: LayerSpec, style: dict, defaults: dict, *, english: bool) -> str:
    """The SLD 1.1.0 document of a layer: a NamedLayer (the slug) with one UserStyle whose
    rules are the style's rules, each drawn in its legend entry's look, then ELSE."""
    title = style["title_en"] if english else style["title_zh"]
    sld = ET.Element(f"{{{SLD_NS}}}StyledLayerDescriptor", version="1.1.0")
    sld.set(
        f"{{{XSI_NS}}}schemaLocation",
        f"{SLD_NS} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
    )
    layer = ET.SubElement(sld, f"{{{SLD_NS}}}NamedLayer")
    _se(layer, "Name", spec.slug)
    user_style = ET.SubElement(layer, f"{{{SLD_NS}}}UserStyle")
    _se(user_style, "Name", spec.slug)
    _se(_se(user_style, "Description"), "Title", title)
    feature_type = _se(user_style, "FeatureTypeStyle")
    rules = style.get("rules", [])
    for index, rule in enumerate([*rules, None]):
        when, label_zh, label_en = legend_when(style, rule)
        node = _se(feature_type, "Rule")
        _se(node, "Name", f"rule-{index}" if rule is not None else "else")
        _se(_se(node, "Description"), "Title", label_en if english else label_zh)
        if rule is None:
            _se(node, "ElseFilter")
        else:
            _sld_filter(node, rule, rules[index + 1 :])
        _sld_symbolizer(node, style["geometry"], full_paint(style, when, defaults))
    body = ET.tostring(sld, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
