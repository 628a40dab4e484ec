"""A static map as inline SVG, drawn from lon/lat shapes and style paints (no Django, no network).

The report page and its PDF embed it: it prints crisply at any size, needs no JavaScript, and
WeasyPrint renders it as vectors. Paint keys are those of layers.styles (`stroke_color`,
`stroke_width`, `dash`, `fill_color`, `fill_opacity`, `radius`, `hatch`, ...).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class SvgFeature:
    """A shape in lon/lat (EPSG:4326), its paint, and a tooltip title (plain text)."""

    geometry: shapely.Geometry
    paint: dict
    title: str = ""


@dataclass(frozen=True)
class SvgLayer:
    """Features drawn together, in order; `name` becomes the group's data-layer attribute."""

    name: str
    features: Sequence[SvgFeature]


@dataclass(frozen=True)
class SvgLabel:
    """A place name at a lon/lat point; kind: county | town | river | reservoir | road (its
    look); priority: lower keeps its place when two would overlap. A road's name is boxed,
    after its `number` when given, the box edged in `edge` (its line's colour)."""

    lon: float
    lat: float
    text: str
    kind: str = "town"
    priority: int = 1
    number: str = ""
    edge: str = "#8a8a8a"


# kind -> (font size px, weight, colour, italic)
_LABEL_LOOKS = {
    "county": (17, 700, "#333", False),
    "town": (12, 600, "#222", False),
    "river": (11, 400, "#1d5fa8", True),
    "reservoir": (11, 400, "#1d5fa8", True),
    "road": (10, 400, "#3b3226", False),
}
_ROAD_BOX_PAD = 4  # px either side of a road's name inside its box
_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class _Frame:
    """Lon/lat → pixel: an equirectangular projection scaled at the map's mean latitude."""

    min_lon: float
    max_lat: float
    kx: float
    scale: float
    pad: float

    def xy(self, coords):
        out = coords.copy()
        out[:, 0] = self.pad + (coords[:, 0] - self.min_lon) * self.kx * self.scale
        out[:, 1] = self.pad + (self.max_lat - coords[:, 1]) * self.scale
        return out


def _frame(bounds: tuple[float, float, float, float], width: float, pad: float):
    min_lon, min_lat, max_lon, max_lat = bounds
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * kx, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = (width - 2 * pad) / span_x
    height = span_y * scale + 2 * pad
    return _Frame(min_lon, max_lat, kx, scale, pad), height


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _ring(coords) -> str:
    points = [f"{_num(x)},{_num(y)}" for x, y in coords[:, :2]]
    return "M" + "L".join(points)


def _path_data(geom: shapely.Geometry) -> str:
    if isinstance(geom, Polygon):
        rings = [geom.exterior, *geom.interiors]
        return "".join(_ring(shapely.get_coordinates(r)) + "Z" for r in rings if not r.is_empty)
    if isinstance(geom, LineString):
        return _ring(shapely.get_coordinates(geom))
    if isinstance(geom, MultiPolygon | MultiLineString) or geom.geom_type == "GeometryCollection":
        return "".join(_path_data(part) for part in geom.geoms)
    return ""


def _points(geom: shapely.Geometry) -> list[Point]:
    if isinstance(geom, Point):
        return [geom]
    if isinstance(geom, MultiPoint) or geom.geom_type == "GeometryCollection":
        return [p for part in geom.geoms for p in _points(part)]
    return []


class _Patterns:
    """Hatch patterns, one per distinct hatch + fill, declared once in <defs>."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.ids: dict[tuple, str] = {}
        self.defs: list[str] = []

    def fill_for(self, paint: dict) -> str:
        hatch = paint["hatch"]
        key = (
            hatch["color"],
            hatch["angle"],
            hatch["spacing"],
            hatch["width"],
            paint.get("fill_color"),
            paint.get("fill_opacity"),
        )
        if key not in self.ids:
            pattern_id = f"{self.prefix}-hatch-{len(self.ids) + 1}"
            self.ids[key] = pattern_id
            self.defs.append(hatch_pattern(pattern_id, paint))
        return f"url(#{self.ids[key]})"


def hatch_pattern(pattern_id: str, paint: dict) -> str:
    """An SVG <pattern>: the fill colour at its opacity under diagonal lines of the hatch."""
    hatch = paint["hatch"]
    size = _num(hatch["spacing"])
    background = ""
    if paint.get("fill_color"):
        background = (
            f'<rect width="{size}" height="{size}" fill="{escape(paint["fill_color"])}" '
            f'fill-opacity="{paint.get("fill_opacity", 0.2)}"/>'
        )
    return (
        f'<pattern id="{escape(pattern_id)}" patternUnits="userSpaceOnUse" width="{size}" '
        f'height="{size}" patternTransform="rotate({_num(hatch["angle"])})">{background}'
        f'<line x1="0" y1="0" x2="0" y2="{size}" stroke="{escape(hatch["color"])}" '
        f'stroke-width="{_num(hatch["width"])}"/></pattern>'
    )


def _paint_attrs(paint: dict, fill: str | None) -> str:
    attrs = []
    if paint.get("stroke_color") and paint.get("stroke_width", 1) > 0:
        attrs += [
            f'stroke="{escape(paint["stroke_color"])}"',
            f'stroke-width="{_num(paint.get("stroke_width", 1))}"',
            f'stroke-opacity="{paint.get("stroke_opacity", 1)}"',
            f'stroke-linecap="{escape(paint.get("line_cap", "round"))}"',
            'stroke-linejoin="round"',
        ]
        if paint.get("dash"):
            attrs.append(f'stroke-dasharray="{escape(paint["dash"])}"')
    else:
        attrs.append('stroke="none"')
    if fill:
        opacity = 1 if fill.startswith("url(") else paint.get("fill_opacity", 0.2)
        attrs += [f'fill="{escape(fill)}"', f'fill-opacity="{opacity}"', 'fill-rule="evenodd"']
    else:
        attrs.append('fill="none"')
    return " ".join(attrs)


def _fill(paint: dict, patterns: _Patterns) -> str | None:
    if paint.get("hatch"):
        return patterns.fill_for(paint)
    return paint.get("fill_color")


def _feature_svg(feature: SvgFeature, frame: _Frame, patterns: _Patterns, tolerance: float):
    geom = shapely.transform(feature.geometry, frame.xy)
    title = f"<title>{escape(feature.title)}</title>" if feature.title else ""
    paint = feature.paint
    points = _points(geom)
    if points:
        radius = _num(paint.get("radius", 4))
        attrs = _paint_attrs(paint, _fill(paint, patterns))
        return "".join(
            f'<circle cx="{_num(p.x)}" cy="{_num(p.y)}" r="{radius}" {attrs}>{title}</circle>'
            for p in points
        )
    geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    data = _path_data(geom)
    if not data:
        return ""
    fill = None if geom.geom_type in ("LineString", "MultiLineString") else _fill(paint, patterns)
    return f'<path d="{data}" {_paint_attrs(paint, fill)}>{title}</path>'


def svg_map(
    layers: Sequence[SvgLayer],
    *,
    width: float = 800,
    padding: float = 16,
    title: str = "",
    bounds: tuple[float, float, float, float] | None = None,
    id_prefix: str = "svgmap",
    background: str = "#fbfaf6",
    tolerance_px: float = 0.4,
    labels: Sequence[SvgLabel] = (),
    scale_bar: bool = True,
) -> str:
    """An <svg> of the layers, bottom first, framed on `bounds` (lon/lat) or on all shapes,
    with place names on top (none covering another) and a metric scale bar.

    The height follows the shapes' aspect ratio. Titles and attributes are escaped; shapes are
    simplified to `tolerance_px` pixels so a county outline stays a few kilobytes.
    """
    shapes = [f.geometry for layer in layers for f in layer.features if not f.geometry.is_empty]
    if bounds is None:
        if not shapes:
            bounds = (0.0, 0.0, 1.0, 1.0)
        else:
            bounds = tuple(shapely.total_bounds(shapes))
    frame, height = _frame(bounds, width, padding)
    patterns = _Patterns(id_prefix)
    groups = []
    for layer in layers:
        body = "".join(
            _feature_svg(f, frame, patterns, tolerance_px)
            for f in layer.features
            if not f.geometry.is_empty
        )
        groups.append(f'<g data-layer="{escape(layer.name)}">{body}</g>')
    if labels:
        groups.append(f'<g data-layer="place-names">{_labels_svg(labels, frame)}</g>')
    if scale_bar:
        groups.append(_scale_bar_svg(frame, width, height))
    defs = f"<defs>{''.join(patterns.defs)}</defs>" if patterns.defs else ""
    label = escape(title)
    return (
        f'<svg xmlns="{SVG_NS}" class="svg-map" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" role="img" aria-label="{label}">'
        f"<title>{label}</title>{defs}"
        f'<rect width="100%" height="100%" fill="{escape(background)}"/>'
        f"{''.join(groups)}</svg>"
    )


def swatch_svg(paint: dict, geometry: str, *, id_prefix: str, size: int = 22) -> str:
    """A legend swatch: a square (Polygon), a line (LineString) or a dot (Point)."""
    patterns = _Patterns(id_prefix)
    half = size / 2
    if geometry == "Point":
        radius = min(paint.get("radius", 4), half - 2)
        shape = (
            f'<circle cx="{_num(half)}" cy="{_num(half)}" r="{_num(radius)}" '
            f"{_paint_attrs(paint, _fill(paint, patterns))}/>"
        )
    elif geometry == "LineString":
        shape = f'<path d="M2,{_num(half)}L{size - 2},{_num(half)}" {_paint_attrs(paint, None)}/>'
    else:
        inset = min(paint.get("stroke_width", 1), 4) / 2 + 1
        side = _num(size - 2 * inset)
        shape = (
            f'<rect x="{_num(inset)}" y="{_num(inset)}" width="{side}" height="{side}" '
            f"{_paint_attrs(paint, _fill(paint, patterns))}/>"
        )
    defs = f"<defs>{''.join(patterns.defs)}</defs>" if patterns.defs else ""
    return (
        f'<svg xmlns="{SVG_NS}" class="swatch" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" aria-hidden="true">{defs}{shape}</svg>'
    )


def _labels_svg(labels: Sequence[SvgLabel], frame: _Frame) -> str:
    """Place names with a white halo, highest priority first; a name whose box would overlap
    one already placed is left out (boxes estimated from the font size: CJK characters are
    square, Latin ones about half as wide)."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for label in sorted(labels, key=lambda lb: lb.priority):
        size, weight, colour, italic = _LABEL_LOOKS.get(label.kind, _LABEL_LOOKS["town"])
        x, y = frame.xy(np.array([[label.lon, label.lat]]))[0]
        road = label.kind == "road"
        text = f"{label.number} {label.text}" if road and label.number else label.text
        spacing = 0.3 * size if label.kind == "county" else 0
        width = sum(size if ord(c) > 0x2E80 else size * 0.55 for c in text)
        width += spacing * len(text)
        margin = _ROAD_BOX_PAD + 1 if road else 2
        box = (x - width / 2 - margin, y - size / 2 - 2, x + width / 2 + margin, y + size / 2 + 2)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        if road:
            out.append(_road_label_svg(x, y, width, size, text, label, colour))
            continue
        style = ' font-style="italic"' if italic else ""
        out.append(
            f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="middle" dominant-baseline="central" '
            f'font-size="{size}" font-weight="{weight}" fill="{colour}"{style} '
            f'letter-spacing="{_num(spacing)}" stroke="#fff" stroke-width="3" '
            f'stroke-linejoin="round" paint-order="stroke" class="place-{escape(label.kind)}">'
            f"{escape(label.text)}</text>"
        )
    return "".join(out)


def _road_label_svg(
    x: float, y: float, width: float, size: int, text: str, label: SvgLabel, colour: str
) -> str:
    """A road's name in a small rounded box edged in its line's colour (as on the map page)."""
    w, h = width + 2 * _ROAD_BOX_PAD, size + 4
    return (
        f'<g class="place-road"><rect x="{_num(x - w / 2)}" y="{_num(y - h / 2)}" '
        f'width="{_num(w)}" height="{_num(h)}" rx="{_num(h / 2)}" fill="#fffdf4" '
        f'fill-opacity="0.92" stroke="{escape(label.edge)}" stroke-width="1.2"/>'
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="middle" dominant-baseline="central" '
        f'font-size="{size}" fill="{colour}">{escape(text)}</text></g>'
    )


def _scale_bar_svg(frame: _Frame, width: float, height: float) -> str:
    """A metric scale bar bottom left: a round length (1, 2 or 5 × 10ⁿ m) near a fifth of the
    map's width, in kilometres (or metres below 1 km)."""
    metres_per_px = _M_PER_DEG_LAT / frame.scale
    target = metres_per_px * width / 5
    exponent = 10 ** math.floor(math.log10(target))
    length_m = max(s * exponent for s in (1, 2, 5) if s * exponent <= target)
    px = length_m / metres_per_px
    x0, y0 = frame.pad, height - frame.pad / 2 - 4
    text = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    return (
        f'<g class="scale-bar"><polyline points="{_num(x0)},{_num(y0 - 5)} {_num(x0)},'
        f'{_num(y0)} {_num(x0 + px)},{_num(y0)} {_num(x0 + px)},{_num(y0 - 5)}" fill="none" '
        f'stroke="#333" stroke-width="1.5"/>'
        f'<text x="{_num(x0 + px + 4)}" y="{_num(y0)}" font-size="11" fill="#333">{text}</text></g>'
    )
