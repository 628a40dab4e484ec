"""Coordinate reference systems of the OGC API (OGC 18-058r1, Part 2): URIs, axis order,
boxes. Pure functions on pyproj; no Django.

Every CRS offered is an EPSG code of the project's allow-list (layers.geometry.ALLOWED_SRIDS)
plus OGC's CRS84 (WGS 84 longitude/latitude, the default of Part 1). Coordinates are written
in the axis order the CRS defines: EPSG:4326 and EPSG:4490 are latitude, longitude; the
CGCS2000 Gauss-Krüger zones (EPSG:4524–4547) are northing, easting (18-058r1 §6.2.2,
/req/crs/crs-action).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pyproj import CRS, Transformer

from layers.geometry import ALLOWED_SRIDS, STORAGE_SRID

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"

_CRS84_NAMES = frozenset(
    name.lower()
    for name in (
        CRS84,
        "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/OGC/0/CRS84",
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "OGC:CRS84",
        "CRS84",
        "[OGC:CRS84]",
    )
)
# http(s)://www.opengis.net/def/crs/EPSG/0/n, urn:ogc:def:crs:EPSG::n or urn:ogc:def:crs:EPSG:v:n,
# EPSG:n and the safe CURIE [EPSG:n].
_EPSG_FORMS = (
    re.compile(r"https?://www\.opengis\.net/def/crs/epsg/0/(\d{1,6})"),
    re.compile(r"urn:ogc:def:crs:epsg:[0-9.]*:(\d{1,6})"),
    re.compile(r"\[?epsg:(\d{1,6})\]?"),
)


class CrsRefused(ValueError):
    """A CRS the service does not offer (the message names it)."""


@dataclass(frozen=True)
class OgcCrs:
    """One CRS of the service: its URI, its EPSG code for PostGIS, and whether its first axis
    is northing/latitude (so x and y swap against PostGIS's easting/longitude-first order)."""

    uri: str
    srid: int
    swap_xy: bool

    @property
    def geographic(self) -> bool:
        return self.srid in (4326, 4490)

    @property
    def digits(self) -> int:
        """GeoJSON decimals: 7 in degrees (about 1 cm), 3 in metres (1 mm)."""
        return 7 if self.geographic else 3

    @property
    def header(self) -> str:
        """The Content-Crs / Content-Crs header value: the URI in angle brackets."""
        return f"<{self.uri}>"


@lru_cache(maxsize=64)
def _first_axis_north(srid: int) -> bool:
    axes = CRS.from_epsg(srid).axis_info
    return bool(axes) and axes[0].direction.lower() in ("north", "south")


def crs84() -> OgcCrs:
    return OgcCrs(CRS84, STORAGE_SRID, False)


def crs_of_epsg(code: int) -> OgcCrs:
    """The service's CRS for an allow-listed EPSG code (CrsRefused otherwise)."""
    if code not in ALLOWED_SRIDS:
        raise CrsRefused(f"EPSG:{code} is not offered")
    return OgcCrs(EPSG_URI.format(code=code), code, _first_axis_north(code))


def crs_parse(raw: str | None) -> OgcCrs:
    """The CRS named by a `crs`, `bbox-crs` parameter or Content-Crs header; CRS84 when empty.

    CrsRefused for anything not offered (never handed to PROJ: only allow-listed codes are)."""
    if raw is None or raw.strip() == "":
        return crs84()
    text = raw.strip().removeprefix("<").removesuffix(">").strip()
    if text.lower() in _CRS84_NAMES:
        return crs84()
    for form in _EPSG_FORMS:
        if match := form.fullmatch(text.lower()):
            return crs_of_epsg(int(match.group(1)))
    raise CrsRefused(f"{text[:100]} is not offered")


def crs_offered() -> list[OgcCrs]:
    """CRS84 first (the default), then every allow-listed EPSG code."""
    return [crs84(), *(crs_of_epsg(code) for code in ALLOWED_SRIDS)]


@lru_cache(maxsize=32)
def _to_lonlat(srid: int) -> Transformer:
    return Transformer.from_crs(CRS.from_epsg(srid), CRS.from_epsg(STORAGE_SRID), always_xy=True)


def bbox_to_lonlat(values: tuple[float, ...], crs: OgcCrs) -> tuple[float, float, float, float]:
    """A `bbox` (4 numbers, or 6 with heights dropped) in `crs`'s axis order as a lon/lat box.

    ValueError when it is not a box: unordered corners, outside the CRS's range, or not
    transformable."""
    if len(values) == 6:
        values = (values[0], values[1], values[3], values[4])
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValueError("four (or six) finite numbers are expected")
    a1, a2, b1, b2 = values
    if crs.swap_xy:  # northing/latitude first
        minx, miny, maxx, maxy = a2, a1, b2, b1
    else:
        minx, miny, maxx, maxy = a1, a2, b1, b2
    if not (minx < maxx and miny < maxy):
        raise ValueError("the lower corner must be below and left of the upper corner")
    if crs.srid == STORAGE_SRID or crs.srid == 4490:
        # CGCS2000 and WGS 84 agree to well under a metre: no datum shift is applied.
        box = (minx, miny, maxx, maxy)
    else:
        box = _to_lonlat(crs.srid).transform_bounds(minx, miny, maxx, maxy, densify_pts=21)
    lon0, lat0, lon1, lat1 = box
    if not all(math.isfinite(v) for v in box):
        raise ValueError("the box is outside the coordinate system's area")
    if not (-180 <= lon0 < lon1 <= 180 and -90 <= lat0 < lat1 <= 90):
        raise ValueError("longitudes within ±180 and latitudes within ±90")
    return (lon0, lat0, lon1, lat1)


def positions_to_lonlat(coords: list, crs: OgcCrs) -> list:
    """GeoJSON positions (nested lists) in `crs` (its axis order) as lon/lat positions.

    Values that are not numbers are left for the geometry checks downstream to refuse."""
    if crs.srid == STORAGE_SRID and not crs.swap_xy:
        return coords

    def convert(node):
        if isinstance(node, list) and node and all(_is_number(v) for v in node):
            if len(node) < 2:
                return node
            x, y = (node[1], node[0]) if crs.swap_xy else (node[0], node[1])
            if crs.srid not in (STORAGE_SRID, 4490):
                x, y = _to_lonlat(crs.srid).transform(x, y)
            return [x, y, *node[2:3]]
        if isinstance(node, list):
            return [convert(child) for child in node]
        return node

    return convert(coords)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
