"""Bounds on a user's geometry, checked before any lock or heavy query. Pure: no Django.

Everything is lon/lat (EPSG:4326, x = longitude); lengths and areas are measured on the WGS 84
ellipsoid (geodesics), never in degrees. A caller builds `GeometryLimits` from its settings and
the county's extent, calls `limits_fault`, and writes the (translated) message of the fault.

Why each bound: the vertex count bounds every later step (validation, snapping, overlay in
PostGIS); an edge longer than `max_edge_deg` is how an antimeridian crossing or a globe-wrapping
ring looks in lon/lat (PostGIS geography reads it the other way round the world, and a ring
around a pole has a planar area of zero); length and area are bounded by the county's extent,
since no pipe or drawn area of the county can be larger than the county.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

_GEOD = Geod(ellps="WGS84")
# (xmin, ymin, xmax, ymax) in lon/lat degrees.
BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class GeometryLimits:
    """What one geometry may be: at most `max_vertices` positions, no edge spanning more than
    `max_edge_deg` of longitude or latitude, at most `max_length_m` metres long (lines) and
    `max_area_m2` square metres (polygons); None = that bound is not checked."""

    max_vertices: int
    max_edge_deg: float = 1.0
    max_length_m: float | None = None
    max_area_m2: float | None = None


class LimitFault(ValueError):
    """Why a geometry is refused: a stable code and the numbers its message needs.

    Codes: too_many_vertices (count, limit), coordinates_not_finite (vertex),
    coordinates_out_of_range (vertex, lon, lat), edge_too_long (degrees, limit, lon, lat),
    too_long (length_km, limit_km), too_large (area_km2, limit_km2).
    """

    def __init__(self, code: str, **params: float):
        super().__init__(code)
        self.code, self.params = code, params


def _parts(geom: BaseGeometry) -> list[np.ndarray]:
    """The coordinate sequences (lines, rings) whose consecutive positions form edges."""
    out = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            rings = [part.exterior, *part.interiors]
            out += [np.asarray(r.coords, dtype=float)[:, :2] for r in rings]
        else:
            out.append(np.asarray(part.coords, dtype=float)[:, :2])
    return out


def limits_fault(geom: BaseGeometry, limits: GeometryLimits) -> LimitFault | None:
    """The first bound `geom` breaks (cheapest checks first), or None when it is within all.

    Costs O(n) in the number of positions, and the count is checked before anything else, so a
    geometry far over the limit costs nearly nothing.
    """
    count = int(shapely.get_num_coordinates(geom))
    if count > limits.max_vertices:
        return LimitFault("too_many_vertices", count=count, limit=limits.max_vertices)
    xy = shapely.get_coordinates(geom)
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        return LimitFault("coordinates_not_finite", vertex=int(np.argmin(finite)))
    bad = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    if bad.any():
        i = int(np.argmax(bad))
        return LimitFault(
            "coordinates_out_of_range", vertex=i, lon=float(xy[i, 0]), lat=float(xy[i, 1])
        )
    for coords in _parts(geom):
        if len(coords) < 2:
            continue
        span = np.abs(np.diff(coords, axis=0)).max(axis=1)
        if (span > limits.max_edge_deg).any():
            i = int(np.argmax(span))
            return LimitFault(
                "edge_too_long",
                degrees=float(span[i]),
                limit=float(limits.max_edge_deg),
                lon=float(coords[i, 0]),
                lat=float(coords[i, 1]),
            )
    if limits.max_length_m is not None and geom.geom_type in ("LineString", "MultiLineString"):
        length_m = geodesic_length_m(geom)
        if length_m > limits.max_length_m:
            return LimitFault(
                "too_long", length_km=length_m / 1000, limit_km=limits.max_length_m / 1000
            )
    if limits.max_area_m2 is not None and geom.geom_type in ("Polygon", "MultiPolygon"):
        area_m2 = geodesic_area_m2(geom)
        if area_m2 > limits.max_area_m2:
            return LimitFault(
                "too_large", area_km2=area_m2 / 1e6, limit_km2=limits.max_area_m2 / 1e6
            )
    return None


def geodesic_length_m(geom: BaseGeometry) -> float:
    """Length in metres on the WGS 84 ellipsoid of a lon/lat line (perimeter of a polygon)."""
    return float(_GEOD.geometry_length(geom))


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Area in square metres on the WGS 84 ellipsoid of a lon/lat polygon (unsigned)."""
    area, _perimeter = _GEOD.geometry_area_perimeter(geom)
    return abs(float(area))


def extent_diagonal_m(bbox: BBox) -> float:
    """The geodesic distance in metres between the south-west and north-east corners."""
    xmin, ymin, xmax, ymax = bbox
    _fwd, _back, distance = _GEOD.inv(xmin, ymin, xmax, ymax)
    return float(distance)


def extent_area_m2(bbox: BBox) -> float:
    """The geodesic area in square metres of the lon/lat rectangle."""
    return geodesic_area_m2(box(*bbox))
