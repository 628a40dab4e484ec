"""Coloured overlay PNGs of the raster layers, rendered once per data version and style, and
clipped once per reader's area (rasters.selectors.reader_area)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from affine import Affine
from django.utils.translation import get_language

from dataio.importing.raster_import import raster_path, raster_root
from rasters.hillshade import render_hillshade
from rasters.models import RasterLayer
from rasters.raster import OverlayGrid, clip_png, overlay_grid, render_overlay
from rasters.selectors import ReaderArea, raster_style, style_key

CACHE_SUBDIR = "cache"


def overlay_grid_of(layer: RasterLayer) -> OverlayGrid:
    """The EPSG:3857 grid of the raster's overlay (no file read)."""
    return overlay_grid(layer.srid, layer.width, layer.height, Affine(*layer.transform))


def world_file(layer: RasterLayer) -> str:
    """The overlay PNG's world file (ESRI .pgw) in EPSG:3857: pixel width, rotations (0),
    pixel height (negative: rows go south), then the centre of the top-left pixel — the
    overlay grid's corner moved half a pixel in (the grid's corner is the pixel's corner)."""
    t = overlay_grid_of(layer).transform
    x_centre = t.c + t.a / 2 + t.b / 2
    y_centre = t.f + t.d / 2 + t.e / 2
    return "".join(f"{v:.10f}\n" for v in (t.a, t.d, t.b, t.e, x_centre, y_centre))


def _write(target: Path, png: bytes) -> None:
    """Write a PNG atomically (temporary file in the same folder, rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as tmp:
        tmp.write(png)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, target)


def _clipped(full: Path, layer: RasterLayer, area: ReaderArea | None) -> Path:
    """The PNG `full` clipped to the reader's area (the full file for an unrestricted reader),
    kept beside it as <name>-a<area key>.png, so each area is clipped once per version."""
    if area is None:
        return full
    target = full.with_name(f"{full.stem}-a{area.key}.png")
    if not target.exists():
        grid = overlay_grid_of(layer)
        _write(target, clip_png(full.read_bytes(), grid.transform, area.outline_3857))
    return target


def overlay_file(layer: RasterLayer, area: ReaderArea | None = None) -> Path:
    """The overlay PNG on disk (MEDIA_ROOT/rasters/cache), rendered when missing, clipped to
    `area` when given.

    The name carries the raster's data version and a digest of its style, so a re-import or
    a changed style file gives a new file; the write is atomic (temporary file, rename).
    """
    style = raster_style(layer)
    folder = raster_root() / CACHE_SUBDIR
    target = folder / f"{layer.slug}-v{layer.data_version}-{style_key(style)}.png"
    if not target.exists():
        png, _grid = render_overlay(
            raster_path(layer), layer.srid, ramp=style.get("ramp"), classes=style.get("classes")
        )
        _write(target, png)
        current = f"{layer.slug}-v{layer.data_version}-"
        for stale in folder.glob(f"{layer.slug}-v*.png"):
            if stale != target and not stale.name.startswith(current):
                stale.unlink(missing_ok=True)
    return _clipped(target, layer, area)


def hillshade_file(layer: RasterLayer, area: ReaderArea | None = None) -> Path:
    """The hillshade PNG of a terrain raster (MEDIA_ROOT/rasters/cache), rendered when missing,
    clipped to `area` when given; named by the data version, written atomically as the
    overlays are."""
    folder = raster_root() / CACHE_SUBDIR
    target = folder / f"{layer.slug}-hillshade-v{layer.data_version}.png"
    if not target.exists():
        png, _grid = render_hillshade(raster_path(layer), layer.srid)
        _write(target, png)
        current = f"{layer.slug}-hillshade-v{layer.data_version}-a"
        for stale in folder.glob(f"{layer.slug}-hillshade-v*.png"):
            if stale != target and not stale.name.startswith(current):
                stale.unlink(missing_ok=True)
    return _clipped(target, layer, area)


def legend(layer: RasterLayer) -> dict:
    """Legend of a raster in the active language: its ramp stops or its classes."""
    style = raster_style(layer)
    english = (get_language() or "").startswith("en")
    if "classes" in style:
        return {
            "classes": [
                {
                    "value": c["value"],
                    "code": c["code"],
                    "label": c["label_en"] if english else c["label_zh"],
                    "color": c["color"],
                }
                for c in style["classes"]
            ]
        }
    return {"ramp": [{"value": s["value"], "color": s["color"]} for s in style["ramp"]]}
