"""Pure raster code on rasterio: writing, statistics, point sampling, zonal statistics, overlays.

No Django. Every CRS handed to GDAL/PROJ here is built from an allow-listed EPSG code
(`layers.geometry.check_srid`), never from a file's own description. Rasters are north-up
(the importer refuses rotated grids), single band (band 1 is used).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Geod, Proj, Transformer
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning
from rasterio.features import geometry_mask
from rasterio.io import MemoryFile
from rasterio.warp import calculate_default_transform, transform_bounds
from rasterio.warp import reproject as warp
from shapely.geometry.base import BaseGeometry

from layers.geometry import STORAGE_SRID, check_srid, reproject

SQ_M_PER_MU = 10_000 / 15  # 1 亩 = 666.67 m²
WEB_MERCATOR = 3857
MAX_OVERLAY_SIDE = 2048  # px: an overlay PNG is never larger on either side
# WGS84 ellipsoid; CGCS2000's semi-minor axis differs by 0.1 mm, far below a cell's area.
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = _E2**0.5
_GEOD = Geod(ellps="WGS84")
_SENTINEL = -3.0e38  # nodata inside the reprojection of an overlay


@lru_cache(maxsize=16)
def rio_crs(srid: int) -> CRS:
    """A rasterio CRS from an allow-listed EPSG code."""
    return CRS.from_epsg(check_srid(srid))


@lru_cache(maxsize=16)
def is_geographic(srid: int) -> bool:
    return ProjCRS.from_epsg(check_srid(srid)).is_geographic


@lru_cache(maxsize=32)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(
        ProjCRS.from_epsg(check_srid(src)), ProjCRS.from_epsg(check_srid(dst)), always_xy=True
    )


def write_geotiff(
    path: Path,
    data: np.ndarray,
    *,
    srid: int,
    transform: Affine,
    nodata: float,
    tags: dict[str, str] | None = None,
) -> Path:
    """Write a one-band, DEFLATE-compressed, tiled GeoTIFF (byte-identical for equal input)."""
    floating = np.issubdtype(data.dtype, np.floating)
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": rio_crs(srid),
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
        "predictor": 3 if floating else 2,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        if tags:
            dst.update_tags(**tags)
    return Path(path)


# --- statistics and cell areas ------------------------------------------------------------
def _q(lat_deg: np.ndarray) -> np.ndarray:
    """Snyder's q(φ): the authalic-latitude function of the ellipsoid (Map Projections, 3-12)."""
    s = np.sin(np.radians(lat_deg))
    return (1 - _E2) * (s / (1 - _E2 * s * s) - np.log((1 - _E * s) / (1 + _E * s)) / (2 * _E))


def cell_areas_m2(srid: int, transform: Affine, rows: int, cols: int) -> np.ndarray:
    """True area (m²) of every cell of a (rows, cols) grid, broadcastable to that shape.

    Geographic CRS: exact ellipsoidal area of each lat/lon quadrangle (cells shrink with
    latitude; one value per row). Projected CRS: the nominal cell area divided by the
    projection's areal scale at each cell centre (≈1 in Gauss-Krüger near its central
    meridian, 1/cos²φ in Web Mercator).
    """
    if is_geographic(srid):
        top = transform.f + transform.e * np.arange(rows)
        dlon = np.radians(abs(transform.a))
        area = _A * _A / 2 * dlon * np.abs(_q(top) - _q(top + transform.e))
        return area[:, None]
    nominal = abs(transform.a * transform.e - transform.b * transform.d)
    # The areal scale varies slowly: evaluate it on at most ~33 x 33 cell centres and
    # interpolate bilinearly (error far below 1e-6 of a cell's area).
    step = max(1, int(np.ceil(max(rows, cols) / 32)))
    r_idx = np.unique(np.r_[np.arange(0, rows, step), rows - 1])
    c_idx = np.unique(np.r_[np.arange(0, cols, step), cols - 1])
    cols_c, rows_c = np.meshgrid(c_idx + 0.5, r_idx + 0.5)
    x, y = transform @ (cols_c, rows_c)
    lon, lat = _transformer(srid, STORAGE_SRID).transform(x, y)
    scale = np.asarray(Proj(ProjCRS.from_epsg(srid)).get_factors(lon, lat).areal_scale)
    scale = scale.reshape(len(r_idx), len(c_idx))
    (r0, r1, wr), (c0, c1, wc) = _lerp(r_idx, rows), _lerp(c_idx, cols)
    top = scale[r0][:, c0] * (1 - wc) + scale[r0][:, c1] * wc
    bottom = scale[r1][:, c0] * (1 - wc) + scale[r1][:, c1] * wc
    return nominal / (top * (1 - wr[:, None]) + bottom * wr[:, None])


def _lerp(knots: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For positions 0..n-1: the knot indices on each side and the weight of the upper one."""
    pos = np.arange(n)
    if len(knots) == 1:
        zero = np.zeros(n, dtype=int)
        return zero, zero, np.zeros(n)
    k = np.clip(np.searchsorted(knots, pos, side="right") - 1, 0, len(knots) - 2)
    return k, k + 1, (pos - knots[k]) / (knots[k + 1] - knots[k])


def band_statistics(path: Path, *, categorical: bool) -> dict:
    """Whole-band figures: valid and nodata cells, min/max/mean/std, class counts if categorical."""
    with rasterio.open(path) as src:
        band = src.read(1, masked=True)
    values = band.compressed()
    out: dict = {"cells": int(values.size), "nodata_cells": int(np.ma.count_masked(band))}
    if values.size:
        out |= {
            "min": float(values.min()),
            "max": float(values.max()),
            "mean": float(values.mean(dtype=np.float64)),
            "std": float(values.std(dtype=np.float64)),
        }
    if categorical:
        classes, counts = np.unique(values, return_counts=True)
        out["classes"] = {str(int(c)): int(n) for c, n in zip(classes, counts, strict=True)}
    return out


# --- sampling -----------------------------------------------------------------------------
def sample(path: Path, srid: int, xs: Sequence[float], ys: Sequence[float], xy_srid: int):
    """Band-1 values at points (x, y in xy_srid) as float64; NaN outside the grid or nodata."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    out = np.full(xs.shape, np.nan)
    if xs.size == 0:
        return out
    if xy_srid != srid:
        xs, ys = _transformer(xy_srid, srid).transform(xs, ys)
    with rasterio.open(path) as src:
        cols, rows = ~src.transform @ (np.asarray(xs), np.asarray(ys))
        cols, rows = np.floor(cols), np.floor(rows)
        inside = (cols >= 0) & (cols < src.width) & (rows >= 0) & (rows < src.height)
        if not inside.any():
            return out
        r, c = rows[inside].astype(int), cols[inside].astype(int)
        window = ((r.min(), r.max() + 1), (c.min(), c.max() + 1))
        band = src.read(1, window=window, masked=True)
    picked = band[r - r.min(), c - c.min()]
    out[inside] = np.ma.filled(picked.astype(np.float64), np.nan)
    return out


# --- zonal statistics ---------------------------------------------------------------------
def _window(bounds, transform: Affine, width: int, height: int) -> tuple[int, int, int, int]:
    """Rows and columns (r0, r1, c0, c1) of the cells under bounds, clipped to the grid."""
    minx, miny, maxx, maxy = bounds
    c0, r0 = ~transform @ (minx, maxy)
    c1, r1 = ~transform @ (maxx, miny)
    r0, r1 = sorted((r0, r1))
    c0, c1 = sorted((c0, c1))
    return (
        max(0, int(np.floor(r0))),
        min(height, int(np.ceil(r1))),
        max(0, int(np.floor(c0))),
        min(width, int(np.ceil(c1))),
    )


@dataclass(frozen=True)
class Zonal:
    """Zonal figures of one polygon. Cells count when their centre lies inside the polygon.

    area_m2: the true area of the counted cells with data; coverage: that area ÷ the polygon's
    geodesic area (below 1 where the polygon leaves the raster or covers nodata);
    classes: {class value: (cells, area m²)} for categorical rasters.
    """

    cells: int
    nodata_cells: int
    area_m2: float
    polygon_area_m2: float
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    classes: dict[int, tuple[int, float]] | None = None

    @property
    def coverage(self) -> float:
        return self.area_m2 / self.polygon_area_m2 if self.polygon_area_m2 else 0.0


def polygon_area_m2(geom_4326: BaseGeometry) -> float:
    """Geodesic area (m²) of a lon/lat polygon on the WGS84 ellipsoid."""
    return abs(_GEOD.geometry_area_perimeter(geom_4326)[0])


def zonal(
    path: Path,
    srid: int,
    geoms: Sequence[BaseGeometry],
    geoms_srid: int,
    *,
    categorical: bool,
) -> list[Zonal]:
    """Zonal statistics of band 1 under each polygon (polygons in geoms_srid, any allow-listed).

    Polygons are reprojected to the raster's CRS; only the window under each is read. Cells
    outside the raster or flagged nodata are not counted (nodata cells inside are reported).
    The mean is the plain mean of the counted cells, as GDAL and rasterstats compute it.
    """
    results = []
    with rasterio.open(path) as src:
        for geom in geoms:
            area = polygon_area_m2(reproject(geom, geoms_srid, STORAGE_SRID))
            local = reproject(geom, geoms_srid, srid)
            r0, r1, c0, c1 = _window(local.bounds, src.transform, src.width, src.height)
            if r1 <= r0 or c1 <= c0:
                results.append(Zonal(0, 0, 0.0, area, classes={} if categorical else None))
                continue
            band = src.read(1, window=((r0, r1), (c0, c1)), masked=True)
            win_transform = src.transform @ Affine.translation(c0, r0)
            inside = geometry_mask(
                [local], out_shape=band.shape, transform=win_transform, invert=True
            )
            nodata = np.ma.getmaskarray(band)
            counted = inside & ~nodata
            areas = np.broadcast_to(cell_areas_m2(srid, win_transform, *band.shape), band.shape)
            values = band.data[counted]
            stats: dict = {}
            if categorical:
                classes, inverse = np.unique(values.astype(np.int64), return_inverse=True)
                cells = np.bincount(inverse, minlength=len(classes))
                sums = np.bincount(inverse, weights=areas[counted], minlength=len(classes))
                stats["classes"] = {
                    int(k): (int(n), float(a)) for k, n, a in zip(classes, cells, sums, strict=True)
                }
            elif values.size:
                stats |= {
                    "min": float(values.min()),
                    "max": float(values.max()),
                    "mean": float(values.mean(dtype=np.float64)),
                }
            results.append(
                Zonal(
                    cells=int(counted.sum()),
                    nodata_cells=int((inside & nodata).sum()),
                    area_m2=float(areas[counted].sum()),
                    polygon_area_m2=area,
                    **stats,
                )
            )
    return results


# --- coloured overlays --------------------------------------------------------------------
@dataclass(frozen=True)
class OverlayGrid:
    """The EPSG:3857 grid of an overlay and its corners in lon/lat (west, south, east, north)."""

    transform: Affine
    width: int
    height: int
    bounds_4326: tuple[float, float, float, float]


def overlay_grid(srid: int, width: int, height: int, transform: Affine) -> OverlayGrid:
    """The Web-Mercator grid over a raster's bounds, at about its own resolution (capped).

    Its corners are the raster's bounds carried to EPSG:3857 (densified edges), so a lon/lat
    raster's overlay has exactly the raster's bounds.
    """
    west, north = transform @ (0, 0)
    east, south = transform @ (width, height)
    src, dst = rio_crs(srid), rio_crs(WEB_MERCATOR)
    left, bottom, right, top = transform_bounds(src, dst, west, south, east, north, densify_pts=21)
    _, w, h = calculate_default_transform(src, dst, width, height, west, south, east, north)
    scale = max(w, h) / MAX_OVERLAY_SIDE
    if scale > 1:
        w, h = int(np.ceil(w / scale)), int(np.ceil(h / scale))
    dst_transform = Affine((right - left) / w, 0, left, 0, -(top - bottom) / h, top)
    lon, lat = _transformer(WEB_MERCATOR, STORAGE_SRID).transform([left, right], [bottom, top])
    return OverlayGrid(dst_transform, int(w), int(h), (lon[0], lat[0], lon[1], lat[1]))


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def ramp_rgba(values: np.ndarray, valid: np.ndarray, ramp: Sequence[dict]) -> np.ndarray:
    """(4, h, w) uint8 colours of values on a ramp [{value, color}, ...] ascending; values
    beyond the ramp take its end colours; invalid cells are transparent."""
    stops = np.array([float(s["value"]) for s in ramp])
    rgb = np.array([_hex_rgb(s["color"]) for s in ramp], dtype=float)
    out = np.zeros((4, *values.shape), dtype=np.uint8)
    v = np.where(valid, values, stops[0])
    for band in range(3):
        out[band] = np.rint(np.interp(v, stops, rgb[:, band])).astype(np.uint8)
    out[3] = np.where(valid, 255, 0)
    return out


def classes_rgba(values: np.ndarray, valid: np.ndarray, classes: Sequence[dict]) -> np.ndarray:
    """(4, h, w) uint8 colours of class values [{value, color}, ...]; unknown classes and
    invalid cells are transparent."""
    out = np.zeros((4, *values.shape), dtype=np.uint8)
    for entry in classes:
        hit = valid & (values == entry["value"])
        for band, level in enumerate(_hex_rgb(entry["color"])):
            out[band][hit] = level
        out[3][hit] = 255
    return out


def warped_to_overlay_grid(
    path: Path, srid: int, resampling: Resampling = Resampling.nearest
) -> tuple[np.ndarray, np.ndarray, OverlayGrid]:
    """The raster's first band reprojected onto its overlay grid (EPSG:3857): the values,
    where they are valid, and the grid. Shared by the coloured overlay and the hillshade."""
    with rasterio.open(path) as src:
        band = src.read(1, masked=True)
        grid = overlay_grid(srid, src.width, src.height, src.transform)
        src_transform = src.transform
    source = np.ma.filled(band.astype(np.float64), _SENTINEL)
    dest = np.full((grid.height, grid.width), _SENTINEL, dtype=np.float64)
    warp(
        source=source,
        destination=dest,
        src_transform=src_transform,
        src_crs=rio_crs(srid),
        src_nodata=_SENTINEL,
        dst_transform=grid.transform,
        dst_crs=rio_crs(WEB_MERCATOR),
        dst_nodata=_SENTINEL,
        resampling=resampling,
    )
    return dest, dest != _SENTINEL, grid


def png_bytes(rgba: np.ndarray) -> bytes:
    """An RGBA array (4 × height × width, uint8) as PNG bytes."""
    with warnings.catch_warnings(), MemoryFile() as mem:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a PNG has no georeferencing
        with mem.open(
            driver="PNG", width=rgba.shape[2], height=rgba.shape[1], count=4, dtype="uint8"
        ) as png:
            png.write(rgba)
        return mem.read()


def render_overlay(
    path: Path, srid: int, *, ramp: Sequence[dict] | None = None, classes=None
) -> tuple[bytes, OverlayGrid]:
    """A PNG (RGBA) of the raster reprojected to EPSG:3857, coloured by a ramp or class table.

    Nearest-neighbour resampling keeps class values (and ramp colours) exact. Returns the PNG
    bytes and the grid, whose bounds_4326 place it on a Leaflet map (L.imageOverlay).
    """
    dest, valid, grid = warped_to_overlay_grid(path, srid)
    rgba = classes_rgba(dest, valid, classes) if classes else ramp_rgba(dest, valid, ramp or [])
    return png_bytes(rgba), grid


def clip_png(png: bytes, transform: Affine, outline: BaseGeometry) -> bytes:
    """An overlay PNG (RGBA, on the grid `transform`) with every pixel whose centre lies
    outside `outline` (a polygon in the grid's CRS) made transparent: a raster clipped to a
    reader's area."""
    with warnings.catch_warnings(), MemoryFile(png) as mem:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with mem.open() as src:
            rgba = src.read()
    if outline.is_empty:
        rgba[3][:] = 0
    else:
        outside = geometry_mask([outline], out_shape=rgba.shape[1:], transform=transform)
        rgba[3][outside] = 0
    return png_bytes(rgba)
