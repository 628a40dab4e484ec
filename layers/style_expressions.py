"""The style files' rules as expressions of another renderer (MapLibre, QGIS), and the verdict
look (the map's `withStatus` in gisapp/static/gisapp/styles.js) over any paint.

A renderer that evaluates expressions per feature (MapLibre GL, QGIS data-defined properties)
can draw exactly what `feature_paint` (layers/styles.py) and `featureLook` (styles.js) draw: a
paint key's value is a cascade over the rules, the last matching rule winning, and a layer
drawn by verdict then takes its state's look. `Dialect` says how one renderer writes a test,
a cascade and the two sums the verdict look needs; `verdict_paint` is written once over it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from layers.style_files import rule_matches

# The verdict look (styles.js withStatus): a failing line is drawn at least this wide (px),
# a failing point this much larger (px of radius).
FAILING_LINE_MIN_WIDTH = 3
FAILING_POINT_RADIUS_PLUS = 3

# The paint keys each geometry's renderers draw.
GEOMETRY_KEYS = {
    "LineString": ("stroke_color", "stroke_width", "stroke_opacity", "dash", "line_cap"),
    "Point": (
        "stroke_color",
        "stroke_width",
        "stroke_opacity",
        "fill_color",
        "fill_opacity",
        "radius",
    ),
    "Polygon": (
        "stroke_color",
        "stroke_width",
        "stroke_opacity",
        "dash",
        "fill_color",
        "fill_opacity",
    ),
}


@dataclass(frozen=True)
class Dialect:
    """How a renderer writes expressions: `test(rule)` a rule's condition on the feature,
    `case([(condition, value), ...], otherwise)` the first true condition's value, `larger`
    and `plus` two numbers' maximum and sum, `value` a literal."""

    test: Callable[[dict], Any]
    case: Callable[[list[tuple[Any, Any]], Any], Any]
    larger: Callable[[Any, Any], Any]
    plus: Callable[[Any, Any], Any]
    value: Callable[[Any], Any] = lambda v: v


def own_value(style: dict, key: str, default: Any, dialect: Dialect) -> Any:
    """The expression of a paint key over the layer's rules (`feature_paint`): the layer's own
    value (else `default`), replaced by each matching rule that sets the key, the last one
    winning (so it is tested first)."""
    base = dialect.value(style.get(key, default))
    setting = [rule for rule in style.get("rules", []) if key in rule["style"]]
    if not setting:
        return base
    branches = [(dialect.test(rule), dialect.value(rule["style"][key])) for rule in setting]
    return dialect.case(list(reversed(branches)), base)


def own_paint(style: dict, defaults: dict, dialect: Dialect) -> dict:
    """Every paint key the layer's geometry draws, as expressions over its rules. Keys the
    style leaves out take the paint defaults (styles/_defaults.json); dash none: ''; a point
    or polygon without fill colour takes its stroke colour (styles.js toLeaflet)."""
    geometry = style["geometry"]
    paint = {}
    for key in GEOMETRY_KEYS[geometry]:
        default = defaults.get(key, "")
        if key == "fill_color":
            default = style.get("stroke_color", defaults["stroke_color"])
        paint[key] = own_value(style, key, default, dialect)
    return paint


def verdict_paint(geometry: str, own: dict, state: dict, status: str, dialect: Dialect) -> dict:
    """The look of a feature in a verdict state over its own paint, as the map draws it
    (styles.js withStatus): the state's stroke colour, dash and cap; lines keep their width,
    failing ones at least FAILING_LINE_MIN_WIDTH; points and polygons take the state's stroke
    width; polygons its fill (and hatch); failing points grow by FAILING_POINT_RADIUS_PLUS.
    `own` holds values or expressions of `dialect`; so does the result."""
    paint = dict(own)
    paint["stroke_color"] = dialect.value(state["stroke_color"])
    if state.get("dash"):
        paint["dash"] = dialect.value(state["dash"])
    if state.get("line_cap") and "line_cap" in paint:
        paint["line_cap"] = dialect.value(state["line_cap"])
    failing = status == "non_compliant"
    if geometry == "LineString":
        if failing:
            paint["stroke_width"] = dialect.larger(
                own["stroke_width"], dialect.value(FAILING_LINE_MIN_WIDTH)
            )
        return paint
    if state.get("stroke_width"):
        paint["stroke_width"] = dialect.value(state["stroke_width"])
    if geometry == "Polygon":
        paint["fill_color"] = dialect.value(state["fill_color"])
        if "fill_opacity" in state:
            paint["fill_opacity"] = dialect.value(state["fill_opacity"])
        if state.get("hatch"):
            paint["hatch"] = state["hatch"]
    elif failing:
        paint["radius"] = dialect.plus(own["radius"], dialect.value(FAILING_POINT_RADIUS_PLUS))
    return paint


# --- plain values: the dialect of one feature's attributes ---------------------------------


def plain_dialect(properties: dict) -> Dialect:
    """Values, not expressions: the paint of one feature with these attributes (tests compare
    it with `feature_paint` and the map's `featureLook`)."""

    def case(branches, otherwise):
        return next((value for condition, value in branches if condition), otherwise)

    return Dialect(
        test=lambda rule: rule_matches(rule, properties),
        case=case,
        larger=max,
        plus=lambda a, b: a + b,
    )
