"""TileJSON 3.0.0 documents of the vector tiles and a MapLibre style document drawn from
styles/*.json, for desktop and web clients (QGIS, MapLibre) that add the tiles by URL.

The tiles: one MVT layer per tiled layer at /tiles/<slug>/{z}/{x}/{y}.pbf, and all of a user's
readable tiled layers in one tile at /tiles/all/{z}/{x}/{y}.pbf (layers/api_desktop.py). The
style's layers are the style files' rules translated into MapLibre expressions
(layers/style_expressions.py: the same cascade as `feature_paint`, the same verdict look as
the map's `featureLook`), reading the attributes the tiles carry (`tile_properties`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from layers.geometry_limits import BBox
from layers.spec import LayerSpec
from layers.style_expressions import Dialect, own_paint, verdict_paint
from layers.tiles import MAX_ZOOM

TILEJSON_VERSION = "3.0.0"
SOURCE_ID = "lianzhou"
ALL_LAYERS = "all"  # the slug of the tile holding every readable tiled layer
STATUS_PROPERTY = "status"  # the verdict attribute every tile carries (layers/tiles.py)
NUMERIC_KINDS = ("int", "float")
_KIND_WORDS = {"int": "Number", "float": "Number", "bool": "Boolean"}
STATUS_VALUES = ("compliant", "non_compliant", "no_data")


def tile_properties(spec: LayerSpec) -> dict[str, str]:
    """The attributes a layer's tiles carry (layers/tiles.py `_tile_shape`) with a TileJSON
    field description: 'Type: meaning'. Types and choices come from the spec's attrs."""
    attrs = {attr.name: attr for attr in spec.attrs}
    # The layers API's id is each feature's MVT id (`feature.id`), not an attribute.
    fields = {"code": "String: feature code"}
    for column in spec.tile.columns:
        name = spec.tile.renamed.get(column, column)
        attr = attrs.get(column)
        kind = _KIND_WORDS.get(attr.kind, "String") if attr else "Number"
        text = f"{kind}: {column}"
        if attr and attr.choices:
            text += f" ({' | '.join(attr.choices)})"
        fields[name] = text
    fields[STATUS_PROPERTY] = (
        "String: compliance verdict of the year asked (?year=, default the latest evaluated): "
        f"{' | '.join(STATUS_VALUES)}, or null where the layer is not judged"
    )
    return fields


def _tiles_template(base_url: str, slug: str, query: str) -> str:
    return f"{base_url}/tiles/{slug}/{{z}}/{{x}}/{{y}}.pbf" + (f"?{query}" if query else "")


def _center(bounds: BBox | None, zoom: int) -> list[float] | None:
    if bounds is None:
        return None
    west, south, east, north = bounds
    return [round((west + east) / 2, 6), round((south + north) / 2, 6), zoom]


def tilejson(
    specs: list[LayerSpec],
    *,
    slug: str,
    name: str,
    base_url: str,
    bounds: BBox | None,
    attribution: str,
    query: str = "",
    title_of: Callable[[LayerSpec], str] = lambda spec: str(spec.title),
) -> dict:
    """A TileJSON 3.0.0 document of tiles holding `specs`' layers at /tiles/<slug>/….

    base_url: the server's scheme://host (the tile template is absolute); bounds: the county's
    lon/lat box (EPSG:4326, west, south, east, north); query: the tile URLs' query string
    (e.g. 'year=2024'). minzoom: the lowest zoom any of the layers is drawn from (each
    vector layer says its own); maxzoom: the tiles' MAX_ZOOM.
    """
    minzoom = min((spec.tile.min_zoom for spec in specs), default=0)
    doc: dict[str, Any] = {
        "tilejson": TILEJSON_VERSION,
        "name": name,
        "version": "1.0.0",
        "attribution": attribution,
        "scheme": "xyz",
        "tiles": [_tiles_template(base_url, slug, query)],
        "minzoom": minzoom,
        "maxzoom": MAX_ZOOM,
        "vector_layers": [
            {
                "id": spec.slug,
                "description": title_of(spec),
                "minzoom": spec.tile.min_zoom,
                "maxzoom": MAX_ZOOM,
                "fields": tile_properties(spec),
            }
            for spec in specs
        ],
    }
    if bounds is not None:
        doc["bounds"] = [round(v, 6) for v in bounds]
        doc["center"] = _center(bounds, minzoom)
    return doc


# --- MapLibre style ------------------------------------------------------------------------


def maplibre_dialect(renamed: dict[str, str]) -> Dialect:
    """MapLibre GL expressions over a tile's attributes; `renamed` maps a style rule's field to
    the tile attribute holding it (pipes: status → pipe_status)."""

    def get(field: str) -> list:
        return ["get", renamed.get(field, field)]

    def test(rule: dict) -> list:
        value = get(rule["field"])
        if "equals" in rule:
            return ["==", value, rule["equals"]]
        if "in" in rule:
            return ["in", value, ["literal", list(rule["in"])]]
        # A range needs a number (rule_matches): `all` stops at the type test.
        parts: list = [["==", ["typeof", value], "number"]]
        if "min" in rule:
            parts.append([">=", value, rule["min"]])
        if "max" in rule:
            parts.append(["<", value, rule["max"]])
        return ["all", *parts]

    def case(branches: list, otherwise: Any) -> list:
        return ["case", *(item for branch in branches for item in branch), otherwise]

    return Dialect(
        test=test,
        case=case,
        larger=lambda a, b: ["max", a, b],
        plus=lambda a, b: ["+", a, b],
    )


def _by_status(looks: dict[str, dict], key: str) -> Any:
    """One key of the per-state looks: the common value, or a match on the tile's status (a
    missing or unknown status draws as no data, as on the map)."""
    values = [looks[status][key] for status in STATUS_VALUES]
    if all(json.dumps(v) == json.dumps(values[0]) for v in values):
        return values[0]
    return [
        "match",
        ["get", STATUS_PROPERTY],
        "compliant",
        values[0],
        "non_compliant",
        values[1],
        values[2],
    ]


def _dashes(style: dict, compliance: dict | None) -> list[str]:
    """Every dash pattern the layer can be drawn with ('' = solid), in a stable order."""
    found = [style.get("dash", "")]
    found += [rule["style"]["dash"] for rule in style.get("rules", []) if "dash" in rule["style"]]
    if compliance is not None:
        found += [state.get("dash", "") for state in compliance["states"].values()]
    return list(dict.fromkeys(d.strip() for d in found))


def _dash_units(dash: str, width: float) -> list[float]:
    """A dash in px ('6 4') as MapLibre's line-dasharray, in line widths."""
    return [round(float(part) / width, 3) for part in dash.replace(",", " ").split()]


def maplibre_layers(
    spec: LayerSpec, style: dict, compliance: dict | None, defaults: dict
) -> list[dict]:
    """The MapLibre style layers drawing one tiled layer as the map does.

    compliance: styles/compliance.json when the layer is drawn by verdict (`verdicts`), else
    None. Lines are split by dash pattern (line-dasharray cannot vary per feature), each
    pattern in units of the layer's own stroke width; points are circles.
    """
    dialect = maplibre_dialect(spec.tile.renamed)
    own = own_paint(style, defaults, dialect)
    geometry = style["geometry"]
    if compliance is not None:
        looks = {
            status: verdict_paint(geometry, own, compliance["states"][status], status, dialect)
            for status in STATUS_VALUES
        }
        paint = {key: _by_status(looks, key) for key in own}
    else:
        paint = own
    common = {"source": SOURCE_ID, "source-layer": spec.slug, "minzoom": spec.tile.min_zoom}
    if geometry == "Point":
        return [
            {
                "id": spec.slug,
                "type": "circle",
                **common,
                "paint": {
                    "circle-color": paint["fill_color"],
                    "circle-opacity": paint["fill_opacity"],
                    "circle-radius": paint["radius"],
                    "circle-stroke-color": paint["stroke_color"],
                    "circle-stroke-width": paint["stroke_width"],
                    "circle-stroke-opacity": paint["stroke_opacity"],
                },
            }
        ]
    layers = []
    if geometry == "Polygon":
        layers.append(
            {
                "id": f"{spec.slug}-fill",
                "type": "fill",
                **common,
                "paint": {"fill-color": paint["fill_color"], "fill-opacity": paint["fill_opacity"]},
            }
        )
    width = float(style.get("stroke_width", defaults["stroke_width"])) or 1.0
    cap = style.get("line_cap", defaults["line_cap"])
    states = compliance["states"] if compliance is not None else {}
    for index, dash in enumerate(_dashes(style, compliance)):
        line_cap = next((s["line_cap"] for s in states.values() if s.get("dash") == dash), cap)
        line = {
            "id": f"{spec.slug}-line-{index}" if index else f"{spec.slug}-line",
            "type": "line",
            **common,
            "filter": ["==", paint.get("dash", ""), dash],
            "layout": {"line-cap": line_cap, "line-join": "round"},
            "paint": {
                "line-color": paint["stroke_color"],
                "line-width": paint["stroke_width"],
                "line-opacity": paint["stroke_opacity"],
            },
        }
        if dash:
            line["paint"]["line-dasharray"] = _dash_units(dash, width)
        layers.append(line)
    return layers


def maplibre_style(
    layers: list[tuple[LayerSpec, dict, dict | None]],
    *,
    name: str,
    tilejson_url: str,
    bounds: BBox | None,
    defaults: dict,
) -> dict:
    """A MapLibre style document (version 8) with one vector source (the TileJSON of every
    readable tiled layer) and each layer's style layers, in map order.

    layers: (spec, style document, compliance document or None) per tiled layer.
    """
    doc: dict[str, Any] = {
        "version": 8,
        "name": name,
        "sources": {SOURCE_ID: {"type": "vector", "url": tilejson_url}},
        "layers": [
            layer
            for spec, style, compliance in layers
            for layer in maplibre_layers(spec, style, compliance, defaults)
        ],
    }
    if bounds is not None:
        west, south, east, north = bounds
        doc["center"] = [round((west + east) / 2, 6), round((south + north) / 2, 6)]
        doc["zoom"] = min((spec.tile.min_zoom for spec, _s, _c in layers), default=10)
    return doc
