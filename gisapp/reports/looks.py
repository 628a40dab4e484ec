"""How reports draw things, shared by the SVG map and the folium map: paints and legend rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gisapp.reports.selectors import CountyReport
from layers.styles import compliance_style, feature_paint, state_paint, style_for

COUNTY_OUTLINE = {"stroke_color": "#333333", "stroke_width": 2.5}
FAILING_POINT_RADIUS = 7


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


@dataclass(frozen=True)
class LegendRow:
    """A legend entry: the paint, the geometry its swatch shows, and the label."""

    paint: dict
    geometry: str
    label: str


def legend_rows(report: CountyReport) -> list[LegendRow]:
    """The legend of a report map: failing areas and points, towns, county boundary."""
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
    rows.append(LegendRow(COUNTY_OUTLINE, "LineString", _("County boundary")))
    return rows
