"""Chainable, context-free spatial filters shared by the layer models' querysets."""

from __future__ import annotations

from django.contrib.gis.geos import Polygon
from django.db.models import QuerySet


def in_bbox(qs: QuerySet, bbox_4326: tuple[float, float, float, float] | None) -> QuerySet:
    """Features whose geometry intersects a lon/lat box (uses the spatial index through &&)."""
    if bbox_4326 is None:
        return qs
    box = Polygon.from_bbox(bbox_4326)
    box.srid = 4326
    return qs.filter(geom__intersects=box)
