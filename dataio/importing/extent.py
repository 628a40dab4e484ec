"""Where an imported layer's features lie: inside the county, or a wrong coordinate system.

A Gauss-Krüger file whose .prj names the wrong zone (central meridian 108°E instead of 111°E)
still transforms to valid lon/lat, 300 km away. Every feature must lie within the county's
boundaries buffered by IMPORT_COUNTY_MARGIN_M; when the refused features would land inside
under another allow-listed coordinate system, the refusal says which. Reasons are English,
as every importer's (pages translate them: dataio.importing.error_text).
"""

from __future__ import annotations

import numpy as np
import shapely
from django.conf import settings
from django.db import connection

from dataio.importing.errors import RowError
from layers.geometry import ALLOWED_SRIDS, STORAGE_SRID, reproject

# How many refused rows are tried under other coordinate systems for a hint.
_HINT_SAMPLE = 20


def county_with_margin():
    """The county boundaries (and any town's, which a county normally covers) buffered by
    IMPORT_COUNTY_MARGIN_M (in the metric EPSG:4546), as a prepared shapely geometry in
    EPSG:4326; None when no boundary is loaded."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_AsBinary(ST_Transform(ST_Buffer(ST_Transform(ST_Union(geom), 4546), "
            "%s, 4), 4326)) FROM layers_adminarea WHERE level IN ('county', 'town')",
            [float(settings.IMPORT_COUNTY_MARGIN_M)],
        )
        (wkb,) = cur.fetchone()
    if wkb is None:
        return None
    area = shapely.from_wkb(bytes(wkb))
    shapely.prepare(area)
    return area


def _inside(area, geoms: np.ndarray, geometry_type: str) -> np.ndarray:
    """Points and lines must lie within the area; polygons (zones reaching beyond the county
    along a river) must touch it."""
    if geometry_type == "Polygon":
        return shapely.intersects(area, geoms)
    return shapely.covers(area, geoms)


def outside_county(
    geometry_type: str, geoms: np.ndarray, raw_wkb: np.ndarray, src_srid: int
) -> list[RowError]:
    """A row error for every geometry (EPSG:4326) outside the county with its margin.

    raw_wkb: the file's geometries as read, in src_srid, to try other coordinate systems on.
    No errors when no county boundary is loaded (a first import of the towns).
    """
    area = county_with_margin()
    if area is None or len(geoms) == 0:
        return []
    bad = np.flatnonzero(~_inside(area, geoms, geometry_type))
    if len(bad) == 0:
        return []
    reason = (
        f"lies outside the county (more than {settings.IMPORT_COUNTY_MARGIN_M:.0f} m beyond "
        "its boundary): check the file's coordinate system"
    )
    hint = _srid_hint(area, geometry_type, raw_wkb[bad[:_HINT_SAMPLE]], src_srid)
    if hint is not None:
        reason += (
            f"; it would lie inside as EPSG:{hint} ({ALLOWED_SRIDS[hint]}), not "
            f"EPSG:{src_srid} ({ALLOWED_SRIDS.get(src_srid, '')}): give --srid {hint} or fix "
            "the .prj"
        )
    return [RowError(int(i) + 1, "geometry", reason) for i in bad.tolist()]


def _srid_hint(area, geometry_type: str, raw_wkb: np.ndarray, src_srid: int) -> int | None:
    """The allow-listed EPSG code under which every sampled geometry lands in the county."""
    geoms = shapely.force_2d(shapely.from_wkb(raw_wkb, on_invalid="ignore"))
    if shapely.is_missing(geoms).any():
        return None
    for candidate in ALLOWED_SRIDS:
        if candidate in (src_srid, STORAGE_SRID):
            continue
        try:
            moved = reproject(geoms, candidate, STORAGE_SRID)
        except Exception:  # noqa: S112 — PROJ refuses coordinates foreign to that system
            continue
        with np.errstate(invalid="ignore"):
            if _inside(area, moved, geometry_type).all():
                return candidate
    return None


def srid_suggest(geometry_type: str, raw_wkb: np.ndarray) -> int | None:
    """The allow-listed EPSG code under which a sample of a file without a coordinate system
    (a DXF drawing) lies in the county; None when none does or no boundary is loaded."""
    area = county_with_margin()
    if area is None or len(raw_wkb) == 0:
        return None
    return _srid_hint(area, geometry_type, raw_wkb[:_HINT_SAMPLE], STORAGE_SRID)
