"""Pure geometry helpers: CRS allow-list, reprojection, GCJ-02 conversion, validation. No Django."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

STORAGE_SRID = 4326

# EPSG codes a file may be in. Only these codes are ever handed to GDAL/PROJ (never a
# user-typed WKT or PROJ string: GDAL < 3.9 cannot block file/network access from one).
ALLOWED_SRIDS: dict[int, str] = {
    4326: "WGS 84",
    4490: "CGCS2000",
    3857: "WGS 84 / Pseudo-Mercator",
    4524: "CGCS2000 / 3-degree Gauss-Kruger zone 36",
    4525: "CGCS2000 / 3-degree Gauss-Kruger zone 37",
    4526: "CGCS2000 / 3-degree Gauss-Kruger zone 38",
    4545: "CGCS2000 / 3-degree Gauss-Kruger CM 108E",
    4546: "CGCS2000 / 3-degree Gauss-Kruger CM 111E",
    4547: "CGCS2000 / 3-degree Gauss-Kruger CM 114E",
    32649: "WGS 84 / UTM zone 49N",
    32650: "WGS 84 / UTM zone 50N",
    # 6-degree zones over Lianzhou (zone 19, CM 111E), with and without the zone prefix
    4497: "CGCS2000 / Gauss-Kruger zone 19",
    4508: "CGCS2000 / Gauss-Kruger CM 111E",
    # older datums: only with the bureau's transformation parameters (LEGACY_DATUMS)
    2382: "Xian 1980 / 3-degree Gauss-Kruger CM 111E",
    2361: "Xian 1980 / 3-degree Gauss-Kruger zone 37",
    2344: "Xian 1980 / Gauss-Kruger CM 111E",
    2434: "Beijing 1954 / 3-degree Gauss-Kruger CM 111E",
    2413: "Beijing 1954 / 3-degree Gauss-Kruger zone 37",
    21459: "Beijing 1954 / Gauss-Kruger CM 111E",
}

# Xian 1980 and Beijing 1954 have no transformation to CGCS2000 in PROJ worth the name: the
# bureau's own parameters (PROJ's towgs84: dx,dy,dz in m, rx,ry,rz in arc-seconds, ds in ppm;
# CGCS2000 is taken as WGS84, within a few centimetres) come from the deployment's settings
# (XIAN80_TOWGS84, BEIJING54_TOWGS84) through datum_parameters_set(); without them a file in
# such a datum is refused.
LEGACY_DATUMS: dict[int, str] = {
    2382: "xian1980", 2361: "xian1980", 2344: "xian1980",
    2434: "beijing1954", 2413: "beijing1954", 21459: "beijing1954",
}  # fmt: skip
DATUM_SETTINGS = {"xian1980": "XIAN80_TOWGS84", "beijing1954": "BEIJING54_TOWGS84"}
_TOWGS84: dict[str, str] = {}


def datum_parameters_set(parameters: dict[str, str]) -> None:
    """The bureau's transformation parameters per older datum ("" = none); ValueError unless
    each is 3 or 7 finite numbers separated by commas."""
    checked = {}
    for datum, text in parameters.items():
        if not text:
            continue
        numbers = [float(n) for n in text.split(",")]
        if len(numbers) not in (3, 7) or not all(math.isfinite(n) for n in numbers):
            raise ValueError(f"{DATUM_SETTINGS.get(datum, datum)}: 3 or 7 numbers, comma-separated")
        checked[datum] = ",".join(f"{n:.10g}" for n in numbers)
    _TOWGS84.clear()
    _TOWGS84.update(checked)
    _transformer.cache_clear()


def _crs(srid: int) -> CRS:
    datum = LEGACY_DATUMS.get(srid)
    if datum is None:
        return CRS.from_epsg(srid)
    towgs84 = _TOWGS84.get(datum)
    if towgs84 is None:
        raise GeometryError(
            f"EPSG:{srid} ({ALLOWED_SRIDS[srid]}) needs the bureau's transformation parameters "
            f"to CGCS2000: set {DATUM_SETTINGS[datum]} (dx,dy,dz,rx,ry,rz,ds)"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the PROJ string is only this projection
        projection = CRS.from_epsg(srid).to_proj4().replace("+type=crs", "")
    return CRS.from_proj4(f"{projection} +towgs84={towgs84}")


# Metric CRS for lengths and areas in Lianzhou (CGCS2000 3-degree GK, CM 111E).
METRIC_SRID = 4546


class GeometryError(ValueError):
    """A geometry or coordinate system that cannot be accepted; the message says why."""


def srid_from_crs(crs_text: str | None) -> int:
    """EPSG code of a file's CRS description (WKT, 'EPSG:n', PROJJSON), or GeometryError.

    The description is only *identified* here, against PROJ's database; it is never used to
    transform. An unidentifiable CRS or one outside the allow-list is refused.
    """
    if not crs_text:
        raise GeometryError("the file has no coordinate system; give one with --srid")
    try:
        crs = CRS.from_user_input(crs_text)
    except Exception as exc:  # pyproj raises CRSError and others for garbage
        raise GeometryError(f"unreadable coordinate system: {exc}") from exc
    code = crs.to_epsg(min_confidence=70)
    if code is None:
        # ESRI-style .prj files name GK zones without an authority; match by equivalence.
        for candidate in ALLOWED_SRIDS:
            if crs.equals(CRS.from_epsg(candidate), ignore_axis_order=True):
                return candidate
        raise GeometryError(f"coordinate system not recognised as an EPSG code: {crs.name}")
    if code not in ALLOWED_SRIDS:
        raise GeometryError(f"EPSG:{code} is not in the allow-list {sorted(ALLOWED_SRIDS)}")
    return code


def check_srid(srid: int) -> int:
    """Return srid if allow-listed, else raise GeometryError."""
    if srid not in ALLOWED_SRIDS:
        raise GeometryError(f"EPSG:{srid} is not in the allow-list {sorted(ALLOWED_SRIDS)}")
    return srid


@lru_cache(maxsize=32)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(_crs(src), _crs(dst), always_xy=True)


def reproject(geom: BaseGeometry, src_srid: int, dst_srid: int = STORAGE_SRID) -> BaseGeometry:
    """Geometry from src_srid to dst_srid (both allow-listed EPSG codes), x=lon/easting."""
    if src_srid == dst_srid:
        return geom
    tr = _transformer(check_srid(src_srid), check_srid(dst_srid))
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


# --- GCJ-02 (the obfuscated datum of Chinese web maps) <-> WGS84 -------------------------
# The published forward algorithm; the inverse is solved by fixed-point iteration, which
# converges to well under a millimetre in a few steps inside China.
_A = 6378245.0
_EE = 0.00669342162296594323


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02_xy(lon, lat):
    """WGS84 lon/lat arrays -> GCJ-02 lon/lat arrays."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84_xy(lon, lat, iterations: int = 6):
    """GCJ-02 lon/lat arrays -> WGS84 lon/lat arrays (iterative inverse)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02_xy(wlon, wlat)
        wlon, wlat = wlon - (flon - glon), wlat - (flat - glat)
    return wlon, wlat


def _apply_xy(geom: BaseGeometry, fn: Callable) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(fn(xy[:, 0], xy[:, 1])))


def gcj02_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in GCJ-02 converted to WGS84."""
    return _apply_xy(geom, gcj02_to_wgs84_xy)


def wgs84_to_gcj02(geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in WGS84 converted to GCJ-02."""
    return _apply_xy(geom, wgs84_to_gcj02_xy)


# --- validation ----------------------------------------------------------------------------
def validation_problem(geom: BaseGeometry | None, expected: str) -> str | None:
    """Why geom cannot be stored as `expected` ('Point', 'LineString', 'Polygon', ...), or None.

    Multi-polygons are accepted for Polygon layers (a town may have exclaves).
    """
    if geom is None or geom.is_empty:
        return "empty or missing geometry"
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return "coordinates contain NaN or infinity"
    accepted = {"Polygon": {"Polygon", "MultiPolygon"}}.get(expected, {expected})
    if geom.geom_type not in accepted:
        return f"geometry type {geom.geom_type}, expected {expected}"
    if not geom.is_valid:
        return f"invalid geometry: {shapely.is_valid_reason(geom)}"
    if expected == "LineString" and geom.length == 0:
        return "zero-length line"
    return None


def lonlat_in_range(geom: BaseGeometry) -> bool:
    """True when every coordinate is a plausible lon/lat pair."""
    xy = shapely.get_coordinates(geom)
    return bool(((np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)).all())
