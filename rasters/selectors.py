"""Reads of the raster layers: styles, the value under a point, zonal statistics of features.

A raster is a coverage (a terrain model, rainfall, land use), not a feature of one county: a
reader sees the rasters that reach their area (layers/scope.py), clipped to it — the overlay
and hillshade PNGs are transparent outside their counties, the value under a point outside them
is None, zonal statistics are of their features only (docs/areas.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import shapely
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import get_language
from shapely.geometry.base import BaseGeometry

from dataio.importing.raster_import import raster_path
from layers.geometry import STORAGE_SRID
from layers.models import AdminArea
from layers.registry import LAYERS
from layers.scope import current_scope, scope_condition, scope_param
from layers.services.versions import current_layer_versions, layer_versions
from layers.styles import styles_dir
from layers.styles_raster import default_style, raster_style_for
from rasters.models import RasterLayer
from rasters.raster import SQ_M_PER_MU, WEB_MERCATOR, Zonal, sample, zonal

ZONAL_CACHE_SECONDS = 24 * 3600
_COUNTY = AdminArea.Level.COUNTY


def rasters_in_scope() -> QuerySet[RasterLayer]:
    """The raster layers whose footprint reaches a county of the reader's area (every one for
    an unrestricted reader)."""
    scope = current_scope()
    qs = RasterLayer.objects.all()
    if not scope.restricted:
        return qs
    counties = AdminArea._base_manager.filter(
        level=_COUNTY, id__in=sorted(scope.counties), geom__intersects=OuterRef("extent")
    )
    return qs.filter(Exists(counties))


def raster_list() -> list[RasterLayer]:
    """Every raster layer reaching the reader's area, by slug."""
    return list(rasters_in_scope().order_by("slug"))


def raster_get(slug: str) -> RasterLayer:
    """The raster layer `slug` if it reaches the reader's area; RasterLayer.DoesNotExist
    otherwise."""
    return rasters_in_scope().get(slug=slug)


@dataclass(frozen=True)
class ReaderArea:
    """What a restricted reader's rasters are clipped to: their counties, and a short key
    naming them (the scope and the areas' data version) for file names and URLs."""

    key: str
    counties: tuple[int, ...]

    @cached_property
    def outline_3857(self) -> BaseGeometry:
        """The union of the counties' outlines in EPSG:3857 (one query, when first needed)."""
        with connection.cursor() as cur:
            cur.execute(
                "SELECT ST_AsBinary(ST_Transform(ST_Union(geom), %(srid)s)) "
                "FROM layers_adminarea WHERE level = 'county' AND id = ANY(%(ids)s)",
                {"srid": WEB_MERCATOR, "ids": list(self.counties)},
            )
            wkb = cur.fetchone()[0]
        return shapely.from_wkb(bytes(wkb)) if wkb is not None else shapely.Polygon()


def reader_area() -> ReaderArea | None:
    """The reader's area to clip rasters to; None for an unrestricted reader (no clipping).
    No query beyond the request's data versions until its outline is asked for."""
    scope = current_scope()
    if not scope.restricted:
        return None
    towns = current_layer_versions().get("towns", 0)
    key = hashlib.sha256(f"{scope.key}:{towns}".encode()).hexdigest()[:12]
    return ReaderArea(key, tuple(sorted(scope.counties)))


def in_reader_area(lon: float, lat: float) -> bool:
    """Whether a lon/lat point lies in a county of the reader's area (always, unrestricted)."""
    scope = current_scope()
    if not scope.restricted:
        return True
    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM layers_adminarea WHERE level = 'county' "
            "AND id = ANY(%(ids)s) "
            "AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), %(srid)s)))",
            {"ids": sorted(scope.counties), "x": lon, "y": lat, "srid": STORAGE_SRID},
        )
        return cur.fetchone()[0]


def raster_style(layer: RasterLayer) -> dict:
    """The raster's style file (styles/raster-<slug>.json), or a default from its statistics."""
    return raster_style_for(layer.slug, styles_dir()) or default_style(
        layer.slug, layer.kind, layer.unit, layer.statistics
    )


def style_key(style: dict) -> str:
    """A short digest of a style: caches of coloured output key on it."""
    return hashlib.sha256(json.dumps(style, sort_keys=True).encode()).hexdigest()[:12]


def _english() -> bool:
    return (get_language() or "").startswith("en")


def class_table(layer: RasterLayer) -> dict[int, dict]:
    """Class value → {code, label, color} of a categorical raster (label in the active language)."""
    style = raster_style(layer)
    return {
        c["value"]: {
            "code": c["code"],
            "label": c["label_en"] if _english() else c["label_zh"],
            "color": c["color"],
        }
        for c in style.get("classes", [])
    }


def raster_value(layer: RasterLayer, lon: float, lat: float) -> dict:
    """The value under a lon/lat point: {value, unit} (+ class code and label for classes).

    value is None outside the raster, on nodata cells and outside the reader's area.
    """
    out: dict = {"slug": layer.slug, "lon": lon, "lat": lat, "unit": layer.unit}
    if not in_reader_area(lon, lat):
        return {**out, "value": None}
    value = float(sample(raster_path(layer), layer.srid, [lon], [lat], STORAGE_SRID)[0])
    if value != value:  # NaN: outside or nodata
        return {**out, "value": None}
    if layer.categorical:
        entry = class_table(layer).get(int(value), {})
        return {
            **out,
            "value": int(value),
            "class_code": entry.get("code"),
            "class_label": entry.get("label", str(int(value))),
        }
    return {**out, "value": round(value, 3)}


def _figures(layer: RasterLayer, result: Zonal, classes: dict[int, dict]) -> dict:
    """One feature's zonal figures in API form (areas in m² and 亩)."""
    out = {
        "cells": result.cells,
        "nodata_cells": result.nodata_cells,
        "area_mu": round(result.area_m2 / SQ_M_PER_MU, 2),
        "coverage": round(result.coverage, 4),
        "unit": layer.unit,
    }
    if layer.categorical:
        rows = []
        for value, (cells, area) in sorted((result.classes or {}).items()):
            entry = classes.get(value, {})
            rows.append(
                {
                    "value": value,
                    "code": entry.get("code"),
                    "label": entry.get("label", str(value)),
                    "cells": cells,
                    "area_m2": round(area, 1),
                    "area_mu": round(area / SQ_M_PER_MU, 2),
                    "share": round(area / result.area_m2, 4) if result.area_m2 else 0.0,
                }
            )
        return {**out, "classes": rows}
    return {**out, "min": result.min, "max": result.max, "mean": result.mean}


def polygon_layer(slug: str):
    """The registry spec of a polygon layer; KeyError / ValueError for others."""
    spec = LAYERS[slug]
    if spec.geometry_type != "Polygon":
        raise ValueError(slug)
    return spec


def raster_zonal(layer: RasterLayer, layer_slug: str, code: str | None = None) -> list[dict]:
    """Zonal statistics of the raster under each feature of a polygon layer (or one code).

    Each item: feature_id, code, name and the figures (continuous: min, max, mean in the
    raster's unit; categorical: area per class in m² and 亩). The features are those of the
    reader's area. Cached on the raster's and the layer's data versions (so a re-import or an
    edit is seen at once) and on the reader's scope.
    """
    spec = polygon_layer(layer_slug)
    version = layer_versions().get(layer_slug, 0)  # from the database: sees this transaction
    key = ":".join(
        ["raster-zonal", layer.slug, str(layer.data_version), layer_slug, str(version)]
        + [code or "*", get_language() or "", current_scope().key]
    )
    found = cache.get(key)
    if found is not None:
        return found
    qs = spec.queryset().order_by("code")
    if code is not None:
        qs = qs.filter(code=code)
    rows = list(qs.values_list("id", "code", "name", "geom"))
    geoms = [shapely.from_wkb(bytes(g.wkb)) for *_rest, g in rows]
    results = zonal(
        raster_path(layer), layer.srid, geoms, STORAGE_SRID, categorical=layer.categorical
    )
    classes = class_table(layer) if layer.categorical else {}
    out = [
        {"feature_id": fid, "code": c, "name": name, **_figures(layer, r, classes)}
        for (fid, c, name, _g), r in zip(rows, results, strict=True)
    ]
    cache.set(key, out, ZONAL_CACHE_SECONDS)
    return out


def zonal_by_id(slug: str, layer_slug: str) -> dict[int, dict] | None:
    """Zonal figures of every feature of a layer by feature id; None without raster `slug`."""
    layer = RasterLayer.objects.filter(slug=slug).first()
    if layer is None:
        return None
    return {row["feature_id"]: row for row in raster_zonal(layer, layer_slug)}


# A node's supply zone is the zone its point lies in (live spatial join); its source is the
# zone's highest `source` or `plant` node with an elevation. Zones and nodes of the reader's
# area. Constant SQL, values as parameters.
_HIGH_NODES = f"""
WITH zone AS (
    SELECT id, code, name, geom FROM layers_supplyzone z
    WHERE (%(zone)s::text IS NULL OR code = %(zone)s) AND {scope_condition("z.county_id")}
), node AS (
    SELECT n.id, n.code, n.kind, n.elevation_m, n.geom, z.id AS zone_id, z.code AS zone_code,
           z.name AS zone_name
    FROM layers_pipenode n JOIN zone z ON ST_Intersects(z.geom, n.geom)
    WHERE n.elevation_m IS NOT NULL AND {scope_condition("n.county_id")}
), source AS (
    SELECT DISTINCT ON (zone_id) zone_id, code, elevation_m FROM node
    WHERE kind IN ('source', 'plant') ORDER BY zone_id, elevation_m DESC, code
)
SELECT n.id, n.code, n.kind, n.elevation_m, n.zone_code, n.zone_name, s.code,
       s.elevation_m, ST_X(n.geom), ST_Y(n.geom)
FROM node n JOIN source s ON s.zone_id = n.zone_id
WHERE n.elevation_m > s.elevation_m + %(head)s
ORDER BY n.elevation_m - s.elevation_m DESC, n.code
LIMIT %(limit)s"""  # noqa: S608 (constants)


def nodes_above_source_head(*, zone: str | None, head_m: float, limit: int = 5000) -> list[dict]:
    """Pipe nodes higher than their supply source's head (source elevation + head_m, in m).

    zone: a supply-zone code, or None for every zone of the reader's area. Elevations come
    from the terrain raster
    (`pipe_nodes_sample_elevation`); nodes without one are not judged. Highest excess first.
    """
    with connection.cursor() as cur:
        cur.execute(
            _HIGH_NODES, {"zone": zone, "head": head_m, "limit": limit, "scope": scope_param()}
        )
        rows = cur.fetchall()
    return [
        {
            "id": r[0],
            "code": r[1],
            "kind": r[2],
            "elevation_m": r[3],
            "zone_code": r[4],
            "zone_name": r[5],
            "source_code": r[6],
            "source_elevation_m": r[7],
            "source_head_m": round(r[7] + head_m, 2),
            "excess_m": round(r[3] - r[7] - head_m, 2),
            "lon": r[8],
            "lat": r[9],
        }
        for r in rows
    ]
