"""How reports draw things, shared by the SVG map and the folium map: paints and legend rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gisapp.reports.selectors import CountyReport
from layers.models.roads import RoadGrade
from layers.styles import (
    compliance_style,
    feature_paint,
    legend_entries,
    state_paint,
    style_for,
)

COUNTY_OUTLINE = {"stroke_color": "#333333", "stroke_width": 2.5}
FAILING_POINT_RADIUS = 7
# A county-wide report map draws the roads thinner than the live map does (context only).
ROAD_WIDTH_SHARE = 0.55


def zh() -> bool:
    """True unless the active language is English."""
    return not (get_language() or "zh").startswith("en")


def label(doc: dict, key: str = "title") -> str:
    """doc['<key>_zh'] or doc['<key>_en'], by the active language."""
    return doc[f"{key}_zh"] if zh() else doc[f"{key}_en"]


def failing_look() -> dict:
    """The paint of the compliance state 'non_compliant' (styles/compliance.json)."""
    return state_paint(compliance_style(), "non_compliant")


def failing_paint(layer_style: dict, properties: dict, failing: dict) -> dict:
    """A failing feature: the layer's own paint under the failure's look. Points keep no
    hatch (too small to show it) and grow to at least FAILING_POINT_RADIUS."""
    own = feature_paint(layer_style, properties)
    paint = {**own, **failing}
    if layer_style["geometry"] == "Point":
        paint.pop("hatch", None)
        paint["radius"] = max(own.get("radius", 0), FAILING_POINT_RADIUS)
    return paint


def road_paint(properties: dict) -> dict:
    """A road on a report map: its grade's colour (styles/roads.json), thinner lines."""
    paint = feature_paint(style_for("roads"), properties)
    paint["stroke_width"] = round(paint.get("stroke_width", 1) * ROAD_WIDTH_SHARE, 2)
    return paint


def _paint_key(paint: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in paint.items()))


def road_grades(report: CountyReport) -> list[str]:
    """The grades of the report's roads, highest first."""
    present = {road.properties.get("grade") for road in report.roads}
    return [grade for grade in RoadGrade.values if grade in present]


@dataclass(frozen=True)
class LegendRow:
    """A legend entry: the paint, the geometry its swatch shows, and the label."""

    paint: dict
    geometry: str
    label: str


def legend_rows(report: CountyReport) -> list[LegendRow]:
    """The legend of a report map: failing areas and points, towns, roads by grade, county
    boundary."""
    compliance = compliance_style()
    failing = state_paint(compliance, "non_compliant")
    word = label(compliance["states"]["non_compliant"], "label")
    rows = [LegendRow(failing, "Polygon", word)]
    for layer in report.failing:
        style = style_for(layer.slug)
        if layer.features and style["geometry"] == "Point":
            paint = failing_paint(style, {}, failing)
            rows.append(LegendRow(paint, "Point", f"{word}: {label(style)}"))
    if report.towns:
        towns = style_for("towns")
        rows.append(LegendRow(feature_paint(towns, {}), "Polygon", label(towns)))
    if report.roads:
        roads = style_for("roads")
        # each grade's row of the style's own legend (the one whose swatch is the grade's rule)
        entries = {_paint_key(e["paint"]): e for e in legend_entries(roads)}
        for grade in road_grades(report):
            entry = entries.get(_paint_key(feature_paint(roads, {"grade": grade})))
            name = label(entry, "label") if entry else capfirst(str(RoadGrade(grade).label))
            rows.append(LegendRow(road_paint({"grade": grade}), "LineString", name))
    rows.append(LegendRow(COUNTY_OUTLINE, "LineString", _("County boundary")))
    return rows
