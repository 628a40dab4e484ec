"""Hillshade: the terrain raster lit from the north-west, the app's own offline basemap (no
tile server needed to see valleys and ridges under the layers). Pure numpy/rasterio."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from rasterio.enums import Resampling

from rasters.raster import OverlayGrid, png_bytes, warped_to_overlay_grid


def hillshade(
    dem: np.ndarray,
    dx_m: float,
    dy_m: float,
    *,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 1.0,
) -> np.ndarray:
    """Illumination 0–1 of each cell of a DEM (metres; rows from north to south, cells dx_m by
    dy_m metres), lit from azimuth_deg (clockwise from north) at altitude_deg above the
    horizon — the usual cartographic hillshade (Burrough & McDonnell; ESRI's formula)."""
    z = dem.astype(np.float64) * z_factor
    # ESRI's convention: dz/dx rises to the east, dz/dy rises to the south (the row index).
    dz_dx = np.gradient(z, axis=1) / dx_m
    dz_dy = np.gradient(z, axis=0) / dy_m
    slope = np.arctan(np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(dz_dy, -dz_dx)
    zenith = math.radians(90.0 - altitude_deg)
    sun = math.radians(360.0 - azimuth_deg + 90.0)
    shade = math.cos(zenith) * np.cos(slope) + math.sin(zenith) * np.sin(slope) * np.cos(
        sun - aspect
    )
    return np.clip(shade, 0.0, 1.0)


def render_hillshade(path: Path, srid: int) -> tuple[bytes, OverlayGrid]:
    """A grey PNG (RGBA, transparent outside the data) of the DEM's hillshade on the same
    Web-Mercator grid as its coloured overlay, so it lines up with the map."""
    dem, valid, grid = warped_to_overlay_grid(path, srid, Resampling.bilinear)
    filled = np.where(valid, dem, dem[valid].mean() if valid.any() else 0.0)
    # Web-Mercator metres are stretched by 1 / cos(latitude): back to ground metres.
    lat = math.radians((grid.bounds_4326[1] + grid.bounds_4326[3]) / 2)
    cell = abs(grid.transform.a) * math.cos(lat), abs(grid.transform.e) * math.cos(lat)
    shade = hillshade(filled, cell[0], cell[1])
    grey = (60 + shade * 195).astype(np.uint8)  # never black: the layers stay readable on top
    rgba = np.stack([grey, grey, grey, np.where(valid, 255, 0).astype(np.uint8)])
    return png_bytes(rgba), grid
