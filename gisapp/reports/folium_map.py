"""The failing features of a year as a folium map, exported as one HTML file that works offline.

folium links Leaflet, jQuery, Bootstrap and fonts from CDNs by default; the county's intranet
cannot reach them, and an exported file must open from a USB stick. So the map loads nothing:
Leaflet's JS and CSS (django-leaflet's static copy, images as data: URIs) are inlined, the other
libraries are not needed (no markers, no Bootstrap widgets), and there is no basemap: the
county's own layers lie on a plain background. Every text shown is escaped with html.escape.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from html import escape
from pathlib import Path

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _
from folium.template import Template

from gisapp.reports.looks import (
    COUNTY_OUTLINE,
    failing_look,
    failing_paint,
    label,
    legend_rows,
    road_paint,
    zh,
)
from gisapp.reports.selectors import CountyReport, ReportFeature, failing_title
from gisapp.reports.svg_map import hatch_pattern, swatch_svg
from layers.models.roads import RoadGrade
from layers.styles import feature_paint, leaflet_options, style_for

LEAFLET_JS = "leaflet/leaflet.js"
LEAFLET_CSS = "leaflet/leaflet.css"
HATCH_ID = "failure-hatch"
BACKGROUND = "#fbfaf6"
# Coordinates to 1e-6 degree (~0.1 m) and shapes simplified to ~3 m: an overview map.
_DECIMALS = 6
_SIMPLIFY_DEG = 0.00003


class OfflineAssetError(RuntimeError):
    """A local asset is missing, or the rendered file still links to the network."""


class OfflineMap(folium.Map):
    """A folium Map that links no CDN: its page gets Leaflet inlined by `standalone_html()`."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


class _BindFeatureText(MacroElement):
    """Popups and tooltips from each feature's pre-escaped `popup_html` and `tooltip`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup(function (layer) {
            return layer.feature.properties.popup_html;
        }, {maxWidth: 460});
        {{ this._parent.get_name() }}.bindTooltip(function (layer) {
            return layer.feature.properties.tooltip;
        }, {sticky: true});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "BindFeatureText"


def _static_path(name: str) -> Path:
    found = finders.find(name)
    if not found:
        raise OfflineAssetError(f"static file {name!r} not found (is django-leaflet installed?)")
    return Path(found)


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def leaflet_css_inline() -> str:
    """leaflet.css with its images (layer switcher, marker) as data: URIs."""
    path = _static_path(LEAFLET_CSS)
    css = path.read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        image = path.parent / match.group(1)
        return f"url({_data_uri(image)})" if image.is_file() else match.group(0)

    css = re.sub(r"url\((images/[^)\"']+)\)", inline, css)
    return css.replace("</style", "<\\/style")


def leaflet_js_inline() -> str:
    """leaflet.js, without its source-map reference (nothing to fetch from disk either)."""
    js = _static_path(LEAFLET_JS).read_text(encoding="utf-8")
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    return js.replace("</script", "<\\/script")


def _geojson_geometry(geom: shapely.Geometry, simplify: bool) -> dict:
    if simplify and geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.simplify(geom, _SIMPLIFY_DEG, preserve_topology=True)
    geom = shapely.transform(geom, lambda xy: np.round(xy, _DECIMALS))
    return json.loads(shapely.to_geojson(geom))


def popup_html(feature: ReportFeature, layer_title: str) -> str:
    """The popup of a failing feature: each failing indicator's value, threshold and why."""
    rows = "".join(
        "<tr>"
        f'<td class="indicator">{escape(f.name)}<br><small>{escape(f.code)}</small></td>'
        f'<td class="num">{escape(f.value_text)}</td>'
        f'<td class="num">{escape(f.threshold_text)}</td>'
        "</tr>"
        f'<tr class="why"><td colspan="3">{escape(f.explanation)}</td></tr>'
        for f in feature.failures
    )
    head = (
        f'<th>{escape(_("Indicator"))}</th><th class="num">{escape(_("Value"))}</th>'
        f'<th class="num">{escape(_("Threshold"))}</th>'
    )
    return (
        '<div class="failure-popup">'
        f"<h4>{escape(layer_title)} · {escape(feature.code)} {escape(feature.name)}</h4>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _feature_collection(features: list[ReportFeature], layer_title: str, failing: bool) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f.id,
                "geometry": _geojson_geometry(f.geometry, simplify=True),
                "properties": {
                    **{k: v for k, v in f.properties.items() if isinstance(v, str | int | float)},
                    "code": f.code,
                    "name": f.name,
                    "tooltip": escape(f"{layer_title} · {f.code} {f.name}".strip()),
                    **({"popup_html": popup_html(f, layer_title)} if failing else {}),
                },
            }
            for f in features
        ],
    }


def layer_name(title: str, count: int) -> str:
    """The layer switcher's label of a failing layer: '供水分区：3 个不达标'."""
    return _("%(layer)s: %(count)d failing") % {"layer": title, "count": count}


def _style_function(layer_style: dict, failing: dict | None):
    def style(feature: dict) -> dict:
        properties = feature["properties"]
        if failing is None:
            return leaflet_options(feature_paint(layer_style, properties))
        paint = failing_paint(layer_style, properties, failing)
        pattern = f"url(#{HATCH_ID})" if paint.get("hatch") else None
        return leaflet_options(paint, fill_pattern=pattern)

    return style


def _legend_html(report: CountyReport) -> str:
    """The legend box: title, one swatch per look drawn on the map, and how to use it."""
    rows = "".join(
        f"<li>{swatch_svg(row.paint, row.geometry, id_prefix=f'legend-{index}')} "
        f"{escape(row.label)}</li>"
        for index, row in enumerate(legend_rows(report))
    )
    note = _("Click a feature for its failing indicators.")
    return (
        f'<div class="map-legend"><h3>{escape(failing_title(report))}</h3>'
        f"<ul>{rows}</ul><p>{escape(note)}</p></div>"
    )


_PAGE_CSS = f"""
.leaflet-container {{ background: {BACKGROUND}; font-family: "Noto Sans CJK SC",
  "Microsoft YaHei", sans-serif; }}
.map-legend {{ position: absolute; z-index: 1000; right: 12px; bottom: 28px; max-width: 300px;
  background: rgba(255, 255, 255, .94); border: 1px solid #8a96a3; border-radius: 4px;
  padding: 8px 12px; font: 13px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }}
.map-legend h3 {{ margin: 0 0 6px; font-size: 14px; }}
.map-legend ul {{ list-style: none; margin: 0; padding: 0; }}
.map-legend li {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; }}
.map-legend p {{ margin: 6px 0 0; color: #555; font-size: 12px; }}
.failure-popup h4 {{ margin: 0 0 6px; font-size: 14px; }}
.failure-popup table {{ border-collapse: collapse; font-size: 12px; }}
.failure-popup th, .failure-popup td {{ padding: 2px 6px; border-bottom: 1px solid #dde;
  text-align: left; vertical-align: top; }}
.failure-popup th.num, .failure-popup td.num {{ text-align: right; white-space: nowrap; }}
.failure-popup tr.why td {{ color: #444; border-bottom: 2px solid #c9ced6; }}
"""


def failures_map(report: CountyReport) -> OfflineMap:
    """A folium map: the county outline, the towns, and each layer's failing features drawn
    in the compliance 'non_compliant' look, with popups explaining every failure."""
    failing = failing_look()
    slugs = {"towns"} | {layer.slug for layer in report.failing}
    styles = {slug: style_for(slug) for slug in slugs}
    min_lon, min_lat, max_lon, max_lat = report.outline.bounds
    fmap = OfflineMap(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        tiles=None,
        zoom_start=10,
        control_scale=False,  # folium's adds miles too: a metric one below
        zoom_snap=0.25,
    )
    fmap.add_child(_MetricScale())
    folium.GeoJson(
        {
            "type": "Feature",
            "geometry": _geojson_geometry(report.outline, simplify=True),
            "properties": {"code": report.area_code, "name": report.area_name},
        },
        name=escape(report.area_name),
        style_function=lambda _f: leaflet_options(COUNTY_OUTLINE),
        interactive=False,
        control=False,
    ).add_to(fmap)
    if report.towns:
        title = label(styles["towns"], "title")
        folium.GeoJson(
            _feature_collection(report.towns, title, failing=False),
            name=escape(title),
            style_function=_style_function(styles["towns"], None),
        ).add_child(_BindTooltipOnly()).add_to(fmap)
    if report.roads:  # context: above the towns' fill, under the failing features
        title = label(style_for("roads"), "title")
        folium.GeoJson(
            _feature_collection(report.roads, title, failing=False),
            name=escape(title),
            style_function=lambda f: leaflet_options(road_paint(f["properties"])),
        ).add_child(_BindTooltipOnly()).add_to(fmap)
    for layer in report.failing:
        if not layer.features:
            continue
        style = styles[layer.slug]
        title = label(style, "title")
        geojson = folium.GeoJson(
            _feature_collection(layer.features, title, failing=True),
            name=escape(layer_name(title, len(layer.features))),
            style_function=_style_function(style, failing),
            marker=folium.CircleMarker() if style["geometry"] == "Point" else None,
        )
        geojson.add_child(_BindFeatureText())
        geojson.add_to(fmap)
    names = folium.FeatureGroup(name=escape(_("Place names")), control=True)
    for n in report.place_names:
        if n["kind"] == "reservoir" or (n["kind"] == "road" and not report.roads):
            continue  # at a county's scale the county, towns, rivers and the roads drawn
        folium.Marker(
            [n["lat"], n["lon"]],
            icon=folium.DivIcon(
                html=(f'<span class="{_place_name_classes(n)}">{_place_name_html(n)}</span>'),
                icon_size=(0, 0),
                class_name="place-anchor",
            ),
            interactive=False,
        ).add_to(names)
    names.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    root = fmap.get_root()
    root.header.add_child(Element(f"<title>{escape(failing_title(report))}</title>"), name="title")
    root.header.add_child(
        Element(f"<style>{PLACE_NAME_CSS}{road_label_css()}</style>"), name="place-names"
    )
    root.html.add_child(
        Element(
            '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
            f"{hatch_pattern(HATCH_ID, failing) if failing.get('hatch') else ''}</defs></svg>"
            f"{_legend_html(report)}"
        ),
        name="legend",
    )
    return fmap


def _place_name_classes(n: dict) -> str:
    grade = f" road-{escape(n['grade'])}" if n.get("grade") else ""
    return f"place-name place-{escape(n['kind'])}{grade}"


def _place_name_html(n: dict) -> str:
    """A place name as escaped HTML; a road's number in bold before its name (G55 二广高速)."""
    if n.get("number"):
        return f'<b class="road-number">{escape(n["number"])}</b> {escape(n["name"])}'
    return escape(n["name"])


class _MetricScale(MacroElement):
    """A metric-only scale bar (Leaflet's default adds miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


# Place names: dark text with a white halo, centred on their point (as on the map page).
PLACE_NAME_CSS = (
    ".place-anchor{overflow:visible}"
    ".place-name{position:absolute;transform:translate(-50%,-50%);white-space:nowrap;"
    "font:600 12px sans-serif;color:#222;text-shadow:0 0 2px #fff,0 0 3px #fff,0 0 4px #fff}"
    ".place-county{font-size:17px;font-weight:700;letter-spacing:.3em;color:#333}"
    ".place-river{color:#1d5fa8;font-style:italic;font-weight:400;font-size:11px}"
    # a road's name in a small rounded box edged in its grade's colour (styles/roads.json)
    ".place-road{font-weight:400;font-size:10px;line-height:14px;color:#3b3226;"
    "background:rgba(255,253,244,.92);border:1.5px solid #8a8a8a;border-radius:7px;"
    "padding:0 4px;text-shadow:none}"
)


def road_label_css() -> str:
    """Each road grade's label edge in its line's colour, read from styles/roads.json."""
    return "".join(
        f".road-{grade}{{border-color:{road_paint({'grade': grade})['stroke_color']}}}"
        for grade in RoadGrade.values
    )


class _BindTooltipOnly(MacroElement):
    """Tooltips (no popup) from each feature's pre-escaped `tooltip`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip(function (layer) {
            return layer.feature.properties.tooltip;
        }, {sticky: true});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "BindTooltipOnly"


_REMOTE_ASSET = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
    re.IGNORECASE,
)


def standalone_html(fmap: OfflineMap) -> str:
    """The map as one HTML document with Leaflet inlined: opens from disk with no network."""
    root = fmap.get_root()
    assets = (
        f"<style>{leaflet_css_inline()}</style>\n<style>{_PAGE_CSS}</style>\n"
        f"<script>{leaflet_js_inline()}</script>"
    )
    root.header.add_child(Element(assets), name="offline_assets", index=0)
    html = root.render()
    lang = "en" if not zh() else "zh-CN"
    html = html.replace("<html>", f'<html lang="{lang}">', 1)
    if _REMOTE_ASSET.search(html):
        raise OfflineAssetError("the exported map still links a remote asset")
    return html


def failures_map_html(report: CountyReport) -> str:
    """The failing features of the report's year as a standalone offline HTML document."""
    return standalone_html(failures_map(report))
