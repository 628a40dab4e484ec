"""Reads of the OGC API: which layers are collections, pages of items in any offered CRS,
one item, and the queryable attributes of a collection.

The features are those of the layers API (the same LayerSpec, querysets and feature
properties, verdicts included); only the paging (offset/limit), the CRS and the property
filters are the OGC API's own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db import connection
from django.db.models import F, Func, QuerySet

from layers.attributes import Attr
from layers.extensions import FeatureQuery, feature_annotators
from layers.geometry import STORAGE_SRID
from layers.permissions import can_view_layer
from layers.querysets import in_bbox
from layers.registry import LAYERS, LayerSpec
from layers.selectors_features import estimated_rows, page_json
from network.models import PipeSegment
from ogcapi.crs import OgcCrs

# The collections that take writes (Part 4), through the network services only.
WRITABLE = ("pipes", "pipe-nodes")
# Above this many matching features (the planner's estimate) numberMatched is left out rather
# than counted: it is optional (17-069r4 /req/core/fc-response) and an exact count tests every
# match against the box.
COUNT_MAX = 100_000
# Pipes in the network: retired (abandoned) pipes are hidden, as on the map and in the
# layers API by default; retiring one through DELETE takes it out of the collection.
LIVE_PIPES = {"status__in": [PipeSegment.Status.IN_SERVICE, PipeSegment.Status.PLANNED]}


class FlipCoordinates(Func):
    """ST_FlipCoordinates(geom): x and y swapped (latitude/northing-first CRSs)."""

    function = "ST_FlipCoordinates"
    output_field = GeometryField()


def collection_spec(slug: str) -> LayerSpec:
    """The layer behind a collection, as the OGC API serves it: live pipes only; nodes with
    their version (the ETag and the optimistic lock of Part 4)."""
    spec = LAYERS[slug]
    if slug == "pipes":
        spec = dataclasses.replace(spec, filters={**spec.filters, **LIVE_PIPES})
    if slug == "pipe-nodes" and "version" not in spec.properties:
        spec = dataclasses.replace(spec, properties={**spec.properties, "version": "version"})
    return spec


def collections_readable(user) -> list[str]:
    """The slugs of every layer the user may read, in map order."""
    return [slug for slug in LAYERS if can_view_layer(user, slug)]


def queryable_attrs(spec: LayerSpec) -> list[Attr]:
    """The attributes a collection may be filtered on (?name=value): the layer's own."""
    return [a for a in spec.attrs if a.ref is None and a.kind in ("str", "int", "float", "bool")]


@dataclass(frozen=True)
class ItemsPage:
    """A page of items: a JSON array of GeoJSON Features, how many it holds, whether more
    follow, and how many match in all (None: not counted, too many)."""

    features_json: str
    returned: int
    has_next: bool
    matched: int | None


def _geometry(crs: OgcCrs):
    geom = F("geom") if crs.srid == STORAGE_SRID else Transform("geom", crs.srid)
    if crs.swap_xy:
        geom = FlipCoordinates(geom)
    return AsGeoJSON(geom, precision=crs.digits)


def _rows(spec: LayerSpec, qs: QuerySet, annotations: list[str], crs: OgcCrs) -> QuerySet:
    derived = {name: F(path) for name, path in spec.properties.items() if name != path}
    same = [name for name, path in spec.properties.items() if name == path]
    plain = [a.name for a in spec.attrs if a.name not in spec.properties]
    return qs.annotate(geojson=_geometry(crs), **derived).values(
        "id", "geojson", *plain, *same, *derived, *annotations
    )


def _features_sql(rows: QuerySet) -> str:
    """SQL of a JSON array of Features from the rows `p` of a values() queryset, by id."""
    names = [*rows.query.values_select, *rows.query.annotation_select]
    properties = [n for n in names if n not in ("id", "geojson")]
    if not all(n.isidentifier() for n in properties):  # registry names, never user input
        raise ValueError(f"unexpected property names {properties}")
    pairs = ", ".join(f"'{n}', p.{connection.ops.quote_name(n)}" for n in properties)
    return (
        "coalesce(json_agg(json_build_object('type', 'Feature', 'id', p.id, "
        f"'geometry', p.geojson::json, 'properties', json_build_object({pairs})) "
        "ORDER BY p.id), '[]')::text"
    )


def _annotated(spec: LayerSpec, qs: QuerySet) -> tuple[QuerySet, list[str]]:
    names: list[str] = []
    for annotate in feature_annotators():  # the verdicts (compliance), as in the layers API
        qs, added = annotate(qs, spec.slug, FeatureQuery())
        names += added
    return qs, names


def items_page(
    spec: LayerSpec,
    *,
    bbox_4326: tuple[float, float, float, float] | None,
    filters: dict,
    limit: int,
    offset: int,
    crs: OgcCrs,
) -> ItemsPage:
    """Features of a collection intersecting a lon/lat box and equal to `filters`
    (attribute → value), ordered by id, from `offset`, at most `limit`, with geometries in
    `crs` (its axis order). One statement builds the page (it reads one id past the page to
    know whether a next page exists); the count is free on the last page, one more query
    otherwise, left out above COUNT_MAX by the planner's estimate."""
    matching = in_bbox(spec.queryset().filter(**filters), bbox_4326)
    annotated, annotations = _annotated(spec, spec.queryset())
    fetched, features_json, _last_id = page_json(
        matching,
        offset,
        limit,
        lambda page_ids: _rows(spec, annotated.filter(page_ids).order_by(), annotations, crs),
        _features_sql,
    )
    has_next = fetched > limit
    returned = min(fetched, limit)
    if not has_next and (fetched or offset == 0):
        return ItemsPage(features_json, returned, False, offset + fetched)
    if estimated_rows(matching) > COUNT_MAX:
        return ItemsPage(features_json, returned, has_next, None)
    return ItemsPage(features_json, returned, has_next, matching.count())


def item_json(spec: LayerSpec, feature_id: int, crs: OgcCrs) -> str | None:
    """One Feature of a collection as GeoJSON text in `crs`, or None when it is not there."""
    annotated, annotations = _annotated(spec, spec.queryset().filter(id=feature_id))
    rows = _rows(spec, annotated, annotations, crs)
    inner, params = rows.query.sql_with_params()
    sql = f"SELECT {_features_sql(rows)} FROM ({inner}) p"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql, params)
        text = cur.fetchone()[0]
    return None if text == "[]" else text[1:-1]


def item_version(spec: LayerSpec, feature_id: int) -> int | None:
    """The stored version of a pipe or node (its ETag), None for other layers or none."""
    if spec.slug not in WRITABLE:
        return None
    return spec.queryset().filter(id=feature_id).values_list("version", flat=True).first()
