"""The geometry limits of drawn areas and pipes: settings plus the county's extent, and the
translated message of each refusal (the pure checks live in layers/geometry_limits.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from layers.geometry_limits import (
    BBox,
    GeometryLimits,
    LimitFault,
    extent_area_m2,
    extent_diagonal_m,
)
from layers.scope import current_scope

# A drawn area may cover at most this many times the county's bounding box (the area query's
# own guard, consumption/selectors.py AREA_LIMIT_FACTOR, says the same).
AREA_EXTENT_FACTOR = 1.5


def county_extent_4326() -> BBox | None:
    """The bounding box (lon/lat) of the loaded county boundaries, None when there is none.

    One query on the counties' stored bounding boxes: the outline itself is not read.
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom) AS e FROM layers_adminarea WHERE level = 'county') s"
        )
        row = cur.fetchone()
    if row is None or row[0] is None:
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def scope_extent_4326() -> BBox | None:
    """The bounding box (lon/lat) of the counties the current reader may see (layers.scope):
    where a desktop client or a map opens. Every county's when the scope is not restricted
    (and for a reader of none, whose layers are empty anyway)."""
    counties = current_scope().counties
    if not counties:
        return county_extent_4326()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) "
            "AS e FROM layers_adminarea WHERE level = 'county' AND id = ANY(%s)) s",
            [sorted(counties)],
        )
        row = cur.fetchone()
    if row is None or row[0] is None:
        return county_extent_4326()
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def area_limits() -> GeometryLimits:
    """A drawn area: AREA_MAX_VERTICES, no edge over GEOMETRY_MAX_EDGE_DEG, at most
    1.5 × the county's bounding box (geodesic area)."""
    extent = county_extent_4326()
    return GeometryLimits(
        max_vertices=int(settings.AREA_MAX_VERTICES),
        max_edge_deg=float(settings.GEOMETRY_MAX_EDGE_DEG),
        max_area_m2=None if extent is None else AREA_EXTENT_FACTOR * extent_area_m2(extent),
    )


def pipe_limits() -> GeometryLimits:
    """A pipe's route: PIPE_MAX_VERTICES, no edge over GEOMETRY_MAX_EDGE_DEG, no longer than
    the diagonal of the county's bounding box (geodesic, metres)."""
    extent = county_extent_4326()
    return GeometryLimits(
        max_vertices=int(settings.PIPE_MAX_VERTICES),
        max_edge_deg=float(settings.GEOMETRY_MAX_EDGE_DEG),
        max_length_m=None if extent is None else extent_diagonal_m(extent),
    )


def limit_message(fault: LimitFault) -> str:
    """The refusal in the active language."""
    p = fault.params
    if fault.code == "too_many_vertices":
        return _("The geometry has %(count)s vertices; at most %(limit)s are accepted.") % p
    if fault.code == "coordinates_not_finite":
        return _("Coordinates must be finite numbers (no NaN or Infinity).")
    if fault.code == "coordinates_out_of_range":
        return _("Longitudes must lie within ±180 and latitudes within ±90 (EPSG:4326).")
    if fault.code == "edge_too_long":
        return (
            _(
                "An edge starting at %(lon).5f, %(lat).5f spans %(degrees).2f°, more than "
                "%(limit)g°: edges across the antimeridian or around the globe are refused; "
                "add vertices along a long edge."
            )
            % p
        )
    if fault.code == "too_long":
        return (
            _(
                "The line is %(length_km).1f km long, longer than the county's extent "
                "(%(limit_km).1f km)."
            )
            % p
        )
    if fault.code == "too_large":
        return (
            _(
                "The polygon covers %(area_km2).0f km², more than 1.5 × the county's bounding box "
                "(%(limit_km2).0f km²)."
            )
            % p
        )
    return _("The geometry is not accepted.")
