"""Pure geometry of network edits: GeoJSON input checks, self-intersections, line surgery.

No Django.

Everything here is in EPSG:4326 (x = longitude, y = latitude, degrees); distances are metres
along geodesics of the WGS 84 ellipsoid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point

LonLat = tuple[float, float]
_GEOD = Geod(ellps="WGS84")

# Names a GeoJSON `crs` member may carry for WGS 84 lon/lat (RFC 7946 allows no other CRS;
# the 2008 draft's `crs` member is only tolerated when it says the same).
WGS84_NAMES = frozenset(
    name.lower()
    for name in (
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "OGC:CRS84",
        "CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    )
)


class GeometryFault(ValueError):
    """Why an input geometry is refused: a stable code, and where (lon/lat) when known.

    Messages are written by the caller (translated); `params` carries what they need.
    """

    def __init__(self, code: str, location: LonLat | None = None, **params: object):
        super().__init__(code)
        self.code = code
        self.location = location
        self.params = params


def crs_fault(obj: object) -> GeometryFault | None:
    """A fault when a GeoJSON object's `crs` member names anything but WGS 84 lon/lat."""
    if not isinstance(obj, dict) or obj.get("crs") is None:
        return None
    crs = obj["crs"]
    name = crs
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name") if crs.get("type") == "name" else None
    if isinstance(name, str) and name.strip().lower() in WGS84_NAMES:
        return None
    return GeometryFault("crs_unknown", crs=str(name if name is not None else crs)[:100])


def vertex_limit_fault(obj: object, limit: int) -> GeometryFault | None:
    """A fault when a GeoJSON geometry carries more than `limit` positions; counted on the
    raw lists before any position is parsed, so a million-vertex line costs almost nothing."""
    coords = obj.get("coordinates") if isinstance(obj, dict) else None
    if isinstance(coords, list) and len(coords) > limit:
        return GeometryFault("too_many_vertices", limit=limit)
    return None


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GeometryFault("coordinates_malformed")
    return float(value)


def position(raw: object, vertex: int = 0) -> LonLat:
    """A GeoJSON position [lon, lat] (a third value, the height, is dropped), checked."""
    if not isinstance(raw, list | tuple) or len(raw) not in (2, 3):
        raise GeometryFault("coordinates_malformed", vertex=vertex)
    lon, lat = _number(raw[0]), _number(raw[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryFault("coordinates_not_finite", vertex=vertex)
    if abs(lon) > 180 or abs(lat) > 90:
        raise GeometryFault("coordinates_out_of_range", (lon, lat), vertex=vertex)
    return lon, lat


def _geometry(obj: object, expected: str) -> list:
    if not isinstance(obj, dict):
        raise GeometryFault("geometry_missing")
    if fault := crs_fault(obj):
        raise fault
    if obj.get("type") != expected:
        raise GeometryFault("geometry_type", found=str(obj.get("type"))[:40], expected=expected)
    coords = obj.get("coordinates")
    if not isinstance(coords, list):
        raise GeometryFault("coordinates_malformed")
    return coords


def line_from_geojson(obj: object) -> LineString:
    """A GeoJSON LineString geometry as a checked 2-D shapely line (see `line_fault`)."""
    coords = _geometry(obj, "LineString")
    line = LineString([position(c, i) for i, c in enumerate(coords)]) if len(coords) > 1 else None
    if line is None:
        raise GeometryFault("too_few_points")
    if fault := line_fault(line):
        raise fault
    return line


def point_from_geojson(obj: object) -> Point:
    """A GeoJSON Point geometry as a checked shapely point."""
    return Point(position(_geometry(obj, "Point")))


def line_fault(line: LineString) -> GeometryFault | None:
    """Why a lon/lat line cannot be a pipe route: non-finite or out-of-range coordinates,
    fewer than two distinct vertices, zero length, self-intersection, invalidity; else None.

    Crossing *other* pipes is not a fault: mains pass over distribution pipes.
    """
    xy = np.asarray(line.coords, dtype=float)[:, :2]
    for i, (lon, lat) in enumerate(xy):
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return GeometryFault("coordinates_not_finite", vertex=i)
        if abs(lon) > 180 or abs(lat) > 90:
            return GeometryFault("coordinates_out_of_range", (float(lon), float(lat)), vertex=i)
    first = (float(xy[0, 0]), float(xy[0, 1]))
    if len(np.unique(xy, axis=0)) < 2 or line.length == 0:
        return GeometryFault("zero_length", first)
    if not line.is_simple:
        return GeometryFault("self_intersection", self_intersection(line) or first)
    if not line.is_valid:
        return GeometryFault("invalid", first, reason=shapely.is_valid_reason(line))
    return None


def self_intersection(line: LineString) -> LonLat | None:
    """Where a line first meets itself (lon/lat), or None for a simple line.

    Segments are compared pairwise through an STRtree; neighbours count only when they
    overlap beyond their shared vertex (a line doubling back on itself).
    """
    xy = np.asarray(line.coords, dtype=float)[:, :2]
    keep = np.concatenate([[True], (np.diff(xy, axis=0) != 0).any(axis=1)])
    xy = xy[keep]
    segs = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
    closed = len(xy) > 3 and (xy[0] == xy[-1]).all()
    left, right = shapely.STRtree(segs).query(segs, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if j <= i:
            continue
        meet = segs[i].intersection(segs[j])
        touching_only = meet.geom_type == "Point"
        if j == i + 1 and touching_only:
            continue  # consecutive segments share their vertex
        if closed and i == 0 and j == len(segs) - 1 and touching_only:
            continue  # a ring closes on its first vertex
        where = meet.representative_point() if not meet.is_empty else Point(xy[i + 1])
        return float(where.x), float(where.y)
    return None


def with_ends(line: LineString, start: LonLat, end: LonLat) -> LineString:
    """The line with its first and last vertices replaced (ends snapped onto their nodes)."""
    coords = [tuple(c[:2]) for c in line.coords]
    coords[0], coords[-1] = tuple(start), tuple(end)
    return LineString(coords)


def merged(first: LineString, second: LineString) -> LineString:
    """`first` then `second`, where `second` starts where `first` ends (the shared node)."""
    return LineString([*first.coords, *list(second.coords)[1:]])


def reversed_line(line: LineString) -> LineString:
    return LineString(list(line.coords)[::-1])


def translated_m(line: LineString, east_m: float, north_m: float) -> LineString:
    """The line moved by metres towards true east and north: every vertex along the geodesic
    of the same azimuth and length on the WGS 84 ellipsoid (a grid north, as in EPSG:4546,
    is half a degree off true north in Lianzhou)."""
    distance = math.hypot(east_m, north_m)
    if distance == 0:
        return line
    xy = np.asarray(line.coords, dtype=float)[:, :2]
    azimuth = np.full(len(xy), math.degrees(math.atan2(east_m, north_m)))
    lon, lat, _back = _GEOD.fwd(xy[:, 0], xy[:, 1], azimuth, np.full(len(xy), distance))
    return LineString(np.column_stack([lon, lat]))


def midpoint(line: LineString) -> LonLat:
    """The point halfway along the line (lon/lat): where a whole-pipe problem is shown."""
    mid = line.interpolate(0.5, normalized=True)
    return float(mid.x), float(mid.y)


def lonlat(point: Point | Sequence[float]) -> LonLat:
    """(lon, lat) of a shapely point or a pair."""
    if isinstance(point, Point):
        return float(point.x), float(point.y)
    return float(point[0]), float(point[1])
