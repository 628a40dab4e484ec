"""Chainable, context-free spatial filters shared by the layer models' querysets."""

from __future__ import annotations

from django.contrib.gis.geos import Polygon
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL


def in_bbox(qs: QuerySet, bbox_4326: tuple[float, float, float, float] | None) -> QuerySet:
    """Features whose geometry intersects a lon/lat box (uses the spatial index through &&)."""
    if bbox_4326 is None:
        return qs
    box = Polygon.from_bbox(bbox_4326)
    box.srid = 4326
    return qs.filter(geom__intersects=box)


def in_county_of(qs: QuerySet, ewkt: str) -> QuerySet:
    """Features in the county a geometry (EWKT) lies in, as the database derives a feature's
    county (layers_county_of, layers/county_triggers.py); features in no county when it lies
    in none. Codes are unique within this set."""
    county = RawSQL("layers_county_of(ST_GeomFromEWKT(%s))", [ewkt])
    return qs.annotate(_county_at=county).filter(
        Q(county_id=F("_county_at")) | Q(county__isnull=True, _county_at__isnull=True)
    )


def lonlat_ewkt(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({float(lon)!r} {float(lat)!r})"
