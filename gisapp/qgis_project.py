"""A QGIS project (.qgs) of the bureau's layers a user may read: each an OGC API – Features
layer of this server (QGIS's OAPIF provider, /ogcapi) styled by its QML renderer
(layers/style_export.py), named in the site language, in map order, in the county's
Gauss-Krüger zone (EPSG:4546) over the county's extent.

The project holds no secret: layers name a QGIS authentication configuration by its id
(`authcfg`), which the user creates once in QGIS with their API token
(docs/desktop-clients.md).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405  (we write XML, we parse none)

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point

from layers.geometry_limits import BBox
from layers.spec import LayerSpec
from layers.style_export import QGIS_VERSION, qml_renderer

PROJECT_SRID = 4546  # CGCS2000 / 3-degree Gauss-Krüger CM 111E: the county's zone
LAYER_SRID = 4326  # OGC API features come in CRS84 (lon/lat)
DEFAULT_AUTHCFG = "lzgis01"
AUTHCFG = re.compile(r"^[A-Za-z0-9]{7}$")  # QGIS authentication configuration ids: 7 chars
_GEOMETRY = {
    "Point": ("Point", "Point"),
    "LineString": ("Line", "LineString"),
    "Polygon": ("Polygon", "MultiPolygon"),
}


def _spatialrefsys(parent: ET.Element, srid: int) -> None:
    srs = SpatialReference(srid)
    node = ET.SubElement(parent, "spatialrefsys")
    ET.SubElement(node, "wkt").text = srs.wkt
    ET.SubElement(node, "proj4").text = srs.proj4.strip()
    ET.SubElement(node, "srid").text = str(srid)
    ET.SubElement(node, "authid").text = f"EPSG:{srid}"
    ET.SubElement(node, "description").text = srs.name
    ET.SubElement(node, "geographicflag").text = "true" if srs.geographic else "false"


def _extent(parent: ET.Element, tag: str, box: tuple[float, float, float, float]) -> None:
    node = ET.SubElement(parent, tag)
    for name, value in zip(("xmin", "ymin", "xmax", "ymax"), box, strict=True):
        ET.SubElement(node, name).text = f"{value:.6f}"


def extent_in(bounds_4326: BBox, srid: int) -> tuple[float, float, float, float]:
    """A lon/lat box as the box of its corners in `srid` (easting, northing for a projected
    CRS; the county is small enough that its corners bound it)."""
    west, south, east, north = bounds_4326
    transform = CoordTransform(SpatialReference(LAYER_SRID), SpatialReference(srid))
    corners = [Point(x, y, srid=LAYER_SRID) for x in (west, east) for y in (south, north)]
    xs, ys = [], []
    for corner in corners:
        corner.transform(transform)
        xs.append(corner.x)
        ys.append(corner.y)
    return min(xs), min(ys), max(xs), max(ys)


def layer_id(slug: str) -> str:
    return "lianzhou_" + slug.replace("-", "_")


def oapif_source(base_url: str, slug: str, authcfg: str) -> str:
    """The OAPIF provider's data source of a collection of this server's /ogcapi."""
    return f"authcfg={authcfg} restrictToRequestBBOX='1' typename='{slug}' url='{base_url}/ogcapi'"


def _map_layer(
    parent: ET.Element,
    spec: LayerSpec,
    style: dict,
    compliance: dict | None,
    defaults: dict,
    *,
    name: str,
    source: str,
    bounds: BBox | None,
    english: bool,
) -> None:
    geometry, wkb = _GEOMETRY[spec.geometry_type]
    layer = ET.SubElement(parent, "maplayer", type="vector", geometry=geometry, wkbType=wkb)
    if bounds is not None:
        _extent(layer, "extent", bounds)
    ET.SubElement(layer, "id").text = layer_id(spec.slug)
    ET.SubElement(layer, "datasource").text = source
    ET.SubElement(layer, "layername").text = name
    _spatialrefsys(ET.SubElement(layer, "srs"), LAYER_SRID)
    ET.SubElement(layer, "provider", encoding="UTF-8").text = "OAPIF"
    layer.append(qml_renderer(style, compliance, defaults, english=english))
    ET.SubElement(layer, "blendMode").text = "0"
    ET.SubElement(layer, "layerOpacity").text = "1"


def qgis_project(
    layers: list[tuple[LayerSpec, dict, dict | None]],
    *,
    title: str,
    base_url: str,
    bounds: BBox | None,
    defaults: dict,
    english: bool,
    authcfg: str = DEFAULT_AUTHCFG,
) -> str:
    """The .qgs document.

    layers: (spec, style document, compliance document for a layer drawn by verdict, else
    None), in map order (the first drawn lowest; QGIS lists the top layer first).
    base_url: scheme://host of this server; bounds: the county's lon/lat box.
    """
    if not AUTHCFG.match(authcfg):
        raise ValueError(f"authcfg {authcfg!r}: 7 letters or digits")
    qgis = ET.Element("qgis", projectname=title, version=QGIS_VERSION)
    ET.SubElement(qgis, "homePath", path="")
    ET.SubElement(qgis, "title").text = title
    _spatialrefsys(ET.SubElement(qgis, "projectCrs"), PROJECT_SRID)
    # QGIS reads <projectCrs> only when this flag is set (QgsProject::readProjectFile, still
    # so in 3.3x): without it the project opened with no CRS at all in QGIS 3.22.
    spatial = ET.SubElement(ET.SubElement(qgis, "properties"), "SpatialRefSys")
    ET.SubElement(spatial, "ProjectionsEnabled", type="int").text = "1"
    tree = ET.SubElement(qgis, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    named = [style["title_en"] if english else style["title_zh"] for _spec, style, _c in layers]
    for (spec, _style, _compliance), name in reversed(list(zip(layers, named, strict=True))):
        ET.SubElement(
            tree,
            "layer-tree-layer",
            id=layer_id(spec.slug),
            name=name,
            source=oapif_source(base_url, spec.slug, authcfg),
            providerKey="OAPIF",
            checked="Qt::Checked" if spec.default_on else "Qt::Unchecked",
            expanded="1",
        )
    canvas = ET.SubElement(qgis, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "meters"
    if bounds is not None:
        _extent(canvas, "extent", extent_in(bounds, PROJECT_SRID))
    ET.SubElement(canvas, "rotation").text = "0"
    _spatialrefsys(ET.SubElement(canvas, "destinationsrs"), PROJECT_SRID)
    project_layers = ET.SubElement(qgis, "projectlayers")
    for (spec, style, compliance), name in zip(layers, named, strict=True):
        _map_layer(
            project_layers,
            spec,
            style,
            compliance,
            defaults,
            name=name,
            source=oapif_source(base_url, spec.slug, authcfg),
            bounds=bounds,
            english=english,
        )
    order = ET.SubElement(qgis, "layerorder")
    for spec, _style, _compliance in reversed(layers):
        ET.SubElement(order, "layer", id=layer_id(spec.slug))
    body = ET.tostring(qgis, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"
