"""The polygon of an area query: GeoJSON in EPSG:4326 checked before it reaches the database.

Plain shapely; the only Django piece is gettext for the messages. The bounds that need the
county (area within its bounding box × 1.5) and the longest edge are checked next by the API
(layers/limits.py), before the query; the database checks the area again inside the query.
"""

from __future__ import annotations

import math

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# The default vertex limit of a drawn area (the API passes settings.AREA_MAX_VERTICES).
MAX_VERTICES = 2_000
# Names a GeoJSON `crs` member may carry for lon/lat WGS84 (GeoJSON 2008 and OGC spellings).
WGS84_NAMES = {
    "epsg:4326",
    "urn:ogc:def:crs:epsg::4326",
    "urn:ogc:def:crs:epsg:6.6:4326",
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "crs84",
    "http://www.opengis.net/def/crs/epsg/0/4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
}


class PolygonError(ValueError):
    """The polygon cannot be used; the message says why (shown under `geometry`)."""


def crs_problem(crs: object) -> str | None:
    """None when a GeoJSON `crs` member is absent or names EPSG:4326 / CRS84; else why not."""
    if crs is None:
        return None
    name = None
    if isinstance(crs, dict):
        props = crs.get("properties")
        if isinstance(props, dict):
            name = props.get("name") or props.get("href")
    elif isinstance(crs, str):
        name = crs
    if isinstance(name, str) and name.strip().lower() in WGS84_NAMES:
        return None
    shown = name if isinstance(name, str) else type(crs).__name__
    return _("Coordinates must be lon/lat in EPSG:4326; the crs member names “%(name)s”.") % {
        "name": str(shown)[:60]
    }


def _position(value: object) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise PolygonError(_("Each position must be [longitude, latitude]."))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise PolygonError(_("Coordinates must be numbers."))
    lon, lat = float(value[0]), float(value[1])
    if not all(math.isfinite(v) for v in value):
        raise PolygonError(_("Coordinates must be finite numbers (no NaN or Infinity)."))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise PolygonError(
            _("Longitudes must lie within ±180 and latitudes within ±90 (EPSG:4326).")
        )
    return lon, lat


def _ring(value: object, counter: list[int]) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise PolygonError(_("A ring must be a list of positions."))
    # Counted on the raw list before any position is parsed: a spiky 10,000-vertex polygon
    # costs nothing more than reading the request.
    counter[0] += len(value)
    if counter[0] > counter[1]:
        raise PolygonError(_("At most %(n)d vertices.") % {"n": counter[1]})
    ring = [_position(p) for p in value]
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise PolygonError(_("A ring needs at least four positions and must end where it starts."))
    return ring


def _polygon(value: object, counter: list[int]) -> Polygon:
    if not isinstance(value, list) or not value:
        raise PolygonError(_("A polygon must be a non-empty list of rings."))
    rings = [_ring(r, counter) for r in value]
    return Polygon(rings[0], rings[1:])


def polygon_from_geojson(geometry: object, max_vertices: int = MAX_VERTICES) -> BaseGeometry:
    """A GeoJSON Polygon or MultiPolygon (EPSG:4326) as a valid shapely geometry.

    Raises PolygonError for: another type, a `crs` member naming another CRS, malformed
    coordinates, NaN/Infinity, lon/lat out of range, more than max_vertices vertices, an
    invalid (e.g. self-intersecting) or empty polygon.
    """
    if not isinstance(geometry, dict):
        raise PolygonError(_("A GeoJSON geometry object is required."))
    problem = crs_problem(geometry.get("crs"))
    if problem:
        raise PolygonError(problem)
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    counter = [0, max_vertices]  # positions so far, the limit
    if kind == "Polygon":
        geom: BaseGeometry = _polygon(coordinates, counter)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise PolygonError(_("A MultiPolygon must be a non-empty list of polygons."))
        geom = MultiPolygon([_polygon(p, counter) for p in coordinates])
    else:
        raise PolygonError(
            _("The geometry must be a Polygon or MultiPolygon, not “%(kind)s”.")
            % {"kind": str(kind)[:30]}
        )
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise PolygonError(_("The polygon is not valid: %(reason)s.") % {"reason": reason})
    if geom.is_empty or geom.area == 0:
        raise PolygonError(_("The polygon is empty."))
    return geom
