"""Map styles as data: reads and validates styles/<slug>.json and styles/compliance.json.

One reader for every renderer: the Leaflet page fetches the same files from /static/styles/,
folium and the report's SVG map read them through this module. Pure functions, except
`styles_dir()`, which reads settings.BASE_DIR when called, and the readers of files
(`style_for`, `compliance_style`, `paint_defaults` and `leaflet_options`, which uses it).

Layer file (`styles/<slug>.json`)::

    {
      "slug": "pipes",                      # = the file name and a layer of layers.registry
      "title_zh": "供水管道", "title_en": "Water pipes",
      "geometry": "LineString",             # Point | LineString | Polygon, as in the registry
      "label_field": "code",                # an attribute of the layer
      "stroke_color": "#2166ac",            # paint keys, see PAINT_KEYS
      "stroke_width": 1.5,
      "rules": [                            # thematic rules, applied in order, later ones win
        {"field": "diameter_mm", "min": 300, "style": {"stroke_width": 4}},
        {"field": "status", "equals": "planned", "style": {"dash": "6 4"}}
      ],
      "verdicts": true,                     # drawn in its verdict's look (compliance.json)
      "verdict_note_zh": "…", "verdict_note_en": "…",  # optional: whose verdict the colour is
      "legend": [                           # when: the attributes of the feature shown
        {"label_zh": "DN ≥ 300", "label_en": "DN ≥ 300", "when": {"diameter_mm": 300}}
      ]
    }

A rule names an attribute (`field`) and one test: `equals` (a value), `in` (a list of values)
or a range `min` (inclusive) / `max` (exclusive), with a `style` of paint keys.

A legend entry's swatch is drawn by the rules themselves, as a feature with the attributes of
its `when` (`{}`: the plain look), by the same function that draws the map's features
(`feature_paint` here, `featureLook` in gisapp/static/gisapp/styles.js), so legend and map
cannot drift apart. Every rule must show in some entry and every entry must take a rule. An
older entry may instead give `swatch`, paint keys over the layer's base paint.

`verdicts` (default false): the map draws the layer's features in the look of their verdict
(compliance.json: 达标 / 不达标 / 无数据; a feature without one counts as no data) over their
own paint, and its legend shows those states, then the own classes the verdict leaves visible.
It must be true exactly for the layers the compliance app judges
(tests/layers/test_legend_looks.py).

Compliance file (`styles/compliance.json`)::

    {"title_zh": ..., "title_en": ...,
     "states": {"compliant": {...}, "non_compliant": {...}, "no_data": {...}}}

Each state: `label_zh`, `label_en` and paint keys (stroke and fill required). The three states
must differ by more than colour (stroke width, dash or hatch), for colour-blind readers.

Defaults file (`styles/_defaults.json`)::

    {"stroke_color": "#333333", "stroke_width": 1.5, "stroke_opacity": 1,
     "line_cap": "round", "fill_opacity": 0.3, "radius": 4}

The value of each of these paint keys where a paint leaves it out, for every renderer:
`leaflet_options()` here, and the Leaflet pages (gisapp/static/gisapp/styles.js fetches the same
file), so that folium and the live map cannot drift apart. Exactly these six keys.

Raster files (`styles/raster-<slug>.json`, a colour ramp or a class table) have their own
schema, in `layers/styles_raster.py`; `validate_file` and `validate_styles_dir` check them too.

Paint keys, renderer-neutral (`leaflet_options()` maps them to Leaflet path options):
`stroke_color`, `stroke_width` (px), `stroke_opacity` (0–1), `dash` (SVG dash array, px,
e.g. "8 4"), `line_cap` (butt | round | square), `fill_color`, `fill_opacity` (0–1),
`radius` (px, points only), `hatch` ({"color", "angle" (degrees), "spacing" (px),
"width" (px)}: diagonal lines over the fill where the renderer can draw SVG patterns; a
renderer that cannot keeps the plain fill).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from layers.style_files import (
    COMPLIANCE_FILE,
    DEFAULT_KEYS,
    DEFAULTS_FILE,
    GEOMETRIES,
    PAINT_KEYS,
    STATES,
    LayerExpectation,
    StyleError,
    load_style,
    rule_matches,
    validate_compliance_style,
    validate_defaults,
    validate_file,
    validate_style,
    validate_styles_dir,
)


def styles_dir() -> Path:
    """settings.STYLES_DIR (BASE_DIR/styles), where the style files live (/static/styles/)."""
    return Path(settings.STYLES_DIR)


def style_for(slug: str, directory: Path | None = None) -> dict:
    """The validated style document of a layer; StyleError when invalid."""
    path = (directory or styles_dir()) / f"{slug}.json"
    data = load_style(path)
    errors = validate_style(data, name=path.name)
    if errors:
        raise StyleError(errors)
    return data


def compliance_style(directory: Path | None = None) -> dict:
    """The validated compliance style document; StyleError when invalid."""
    path = (directory or styles_dir()) / COMPLIANCE_FILE
    data = load_style(path)
    errors = validate_compliance_style(data, name=path.name)
    if errors:
        raise StyleError(errors)
    return data


def paint_defaults(directory: Path | None = None) -> dict:
    """The validated paint defaults (styles/_defaults.json); StyleError when invalid."""
    path = (directory or styles_dir()) / DEFAULTS_FILE
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None  # load_style says what is wrong
    return dict(_read_defaults(str(path), stamp))


@lru_cache(maxsize=8)
def _read_defaults(path: str, stamp: tuple[int, int] | None) -> dict:
    """Read once per file version: leaflet_options runs for every feature folium draws."""
    data = load_style(Path(path))
    errors = validate_defaults(data, name=Path(path).name)
    if errors:
        raise StyleError(errors)
    return data


def base_paint(style: dict) -> dict:
    """The paint keys set on the layer itself."""
    return {key: value for key, value in style.items() if key in PAINT_KEYS}


def feature_paint(style: dict, properties: dict) -> dict:
    """A feature's paint: the layer's base paint with every matching rule applied in order."""
    paint = base_paint(style)
    for rule in style.get("rules", []):
        if rule_matches(rule, properties):
            paint.update(rule["style"])
    return paint


def state_paint(compliance: dict, status: str) -> dict:
    """The paint of a compliance state (KeyError for an unknown status)."""
    return {k: v for k, v in compliance["states"][status].items() if k in PAINT_KEYS}


def legend_entries(style: dict) -> list[dict]:
    """The legend: label_zh, label_en and the full paint of each swatch. An entry with `when`
    is painted by `feature_paint` on those attributes, as the map paints such a feature; an
    older `swatch` entry is its paint keys over the layer's base paint."""
    base = base_paint(style)
    return [
        {
            "label_zh": entry["label_zh"],
            "label_en": entry["label_en"],
            "paint": feature_paint(style, entry["when"])
            if "when" in entry
            else {**base, **entry.get("swatch", {})},
        }
        for entry in style["legend"]
    ]


def leaflet_options(paint: dict, *, fill_pattern: str | None = None) -> dict:
    """Leaflet path options for a paint; `fill_pattern` (e.g. 'url(#hatch)') replaces the fill
    colour where the page defines that SVG pattern. Keys the paint leaves out take the paint
    defaults (styles/_defaults.json), as on the Leaflet pages."""
    defaults = paint_defaults()
    width = paint.get("stroke_width", defaults["stroke_width"])
    options: dict[str, Any] = {
        "stroke": "stroke_color" in paint and width > 0,
        "color": paint.get("stroke_color", defaults["stroke_color"]),
        "weight": width,
        "opacity": paint.get("stroke_opacity", defaults["stroke_opacity"]),
        "dashArray": paint.get("dash"),
        "lineCap": paint.get("line_cap", defaults["line_cap"]),
        "fill": "fill_color" in paint,
    }
    if "fill_color" in paint:
        options["fillColor"] = fill_pattern or paint["fill_color"]
        options["fillOpacity"] = paint.get("fill_opacity", defaults["fill_opacity"])
        if fill_pattern:
            # The pattern carries its own colours: show it at full strength.
            options["fillOpacity"] = 1.0
    if "radius" in paint:
        options["radius"] = paint["radius"]
    return options


__all__ = [
    "COMPLIANCE_FILE",
    "DEFAULTS_FILE",
    "DEFAULT_KEYS",
    "GEOMETRIES",
    "PAINT_KEYS",
    "STATES",
    "LayerExpectation",
    "StyleError",
    "compliance_style",
    "feature_paint",
    "leaflet_options",
    "legend_entries",
    "load_style",
    "paint_defaults",
    "state_paint",
    "style_for",
    "styles_dir",
    "validate_compliance_style",
    "validate_defaults",
    "validate_file",
    "validate_style",
    "validate_styles_dir",
]
