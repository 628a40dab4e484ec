"""Zonal statistics: ours (rasters.raster.zonal) against rasterstats on the same inputs.

Usage: DATABASE_URL=... python -m tests.benchmarks.rasters [--repeat N]
For every registered raster and the irrigation districts and towns of the loaded demo, both
sides get the same lon/lat polygons and the same GeoTIFF (rasterstats after reprojecting the
polygons to the raster's CRS, timed with it, as ours reprojects inside). Cell-centre rule on
both sides (all_touched off). Prints one JSON line: timings (s) and whether the figures agree
(cell counts, min, max, class counts equal; means within 1e-6 relative).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

import shapely  # noqa: E402
from rasterstats import zonal_stats  # noqa: E402

from dataio.importing.raster_import import raster_path  # noqa: E402
from layers.geometry import STORAGE_SRID, reproject  # noqa: E402
from layers.registry import LAYERS  # noqa: E402
from rasters.models import RasterLayer  # noqa: E402
from rasters.raster import zonal  # noqa: E402

POLYGON_LAYERS = ("irrigation-districts", "towns")


def _geoms(slug: str) -> list:
    rows = LAYERS[slug].queryset().order_by("code").values_list("geom", flat=True)
    return [shapely.from_wkb(bytes(g.wkb)) for g in rows]


def _ours(layer: RasterLayer, geoms: list):
    return zonal(raster_path(layer), layer.srid, geoms, STORAGE_SRID, categorical=layer.categorical)


def _theirs(layer: RasterLayer, geoms: list):
    local = [reproject(g, STORAGE_SRID, layer.srid) for g in geoms]
    return zonal_stats(
        local,
        str(raster_path(layer)),
        stats=["count", "min", "max", "mean"],
        categorical=layer.categorical,
        all_touched=False,
    )


def _agree(layer: RasterLayer, ours, theirs) -> tuple[bool, float]:
    worst = 0.0
    for mine, other in zip(ours, theirs, strict=True):
        if layer.categorical:
            counts = {int(k): v for k, v in other.items() if not isinstance(k, str)}
            if {k: n for k, (n, _a) in (mine.classes or {}).items()} != counts:
                return False, worst
            continue
        if mine.cells != (other["count"] or 0):
            return False, worst
        if mine.cells and (mine.min != other["min"] or mine.max != other["max"]):
            return False, worst
        if mine.cells:
            worst = max(worst, abs(mine.mean - other["mean"]) / max(abs(other["mean"]), 1e-12))
    return worst <= 1e-6, worst


def _time(fn, repeat: int) -> tuple[list[float], object]:
    result = fn()  # warm-up (file cache, PROJ transformers)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def _summary(samples: list[float]) -> dict:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    out: dict = {"repeat": args.repeat, "rasters": {}}
    for layer in RasterLayer.objects.order_by("slug"):
        figures = {}
        for slug in POLYGON_LAYERS:
            geoms = _geoms(slug)
            ours_t, ours = _time(lambda g=geoms, r=layer: _ours(r, g), args.repeat)
            theirs_t, theirs = _time(lambda g=geoms, r=layer: _theirs(r, g), args.repeat)
            agree, diff = _agree(layer, ours, theirs)
            figures[slug] = {
                "features": len(geoms),
                "ours": _summary(ours_t),
                "rasterstats": _summary(theirs_t),
                "ratio": statistics.median(ours_t) / statistics.median(theirs_t),
                "agree": agree,
                "max_relative_mean_difference": diff,
            }
        out["rasters"][layer.slug] = {
            "srid": layer.srid,
            "kind": layer.kind,
            "cells": layer.width * layer.height,
            "layers": figures,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
