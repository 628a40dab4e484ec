"""Reads of the layers: counts, and GeoJSON feature pages built by PostgreSQL itself."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection
from django.db.models import F, QuerySet

from .extensions import FeatureQuery, feature_annotators
from .querysets import in_bbox
from .registry import LAYERS, LayerSpec

# Derived or technical properties each layer's features carry beyond its import attributes,
# as {property name: ORM path}.
_EXTRA_PROPERTIES: dict[str, dict[str, str]] = {
    "towns": {"level": "level", "parent_code": "parent__code"},
    "pipes": {
        "length_m": "length_m",
        "version": "version",
        "start_node_code": "start_node__code",
        "end_node_code": "end_node__code",
        "supply_zone_code": "supply_zone__code",
        "town_code": "town__code",
    },
    "pipe-nodes": {"elevation_m": "elevation_m", "town_code": "town__code"},
    "sewage-plants": {"town_code": "town__code"},
    "water-users": {"town_code": "town__code", "supply_zone_code": "supply_zone__code"},
    "irrigation-districts": {"town_code": "town__code"},
}
MAX_PAGE_SIZE = 5000


def layer_counts() -> dict[str, int]:
    """Feature count of every layer, in one query."""
    parts, params = [], []
    for slug, spec in LAYERS.items():
        sql, p = spec.queryset().values("id").query.sql_with_params()
        parts.append(f"SELECT %s AS slug, count(*) AS n FROM ({sql}) q{len(parts)}")  # noqa: S608
        params += [slug, *p]
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        return dict(cur.fetchall())


@dataclass(frozen=True)
class FeaturePage:
    """One page of a layer's features: the total matching count and a JSON array of Features."""

    count: int
    features_json: str


def _annotated(spec: LayerSpec, qs: QuerySet, query: FeatureQuery) -> tuple[QuerySet, list[str]]:
    """Apply the registered annotators (e.g. compliance); returns the extra property names."""
    names: list[str] = []
    for annotate in feature_annotators():
        qs, added = annotate(qs, spec.slug, query)
        names += added
    return qs, names


def _feature_values(spec: LayerSpec, qs: QuerySet, annotations: list[str]) -> QuerySet:
    extra = _EXTRA_PROPERTIES.get(spec.slug, {})
    plain = [n for n in spec.attr_names if n not in extra]
    derived = {name: F(path) for name, path in extra.items() if name != path}
    same = [name for name, path in extra.items() if name == path]
    return qs.annotate(geojson=AsGeoJSON("geom", precision=7), **derived).values(
        "id", "geojson", *plain, *same, *derived, *annotations
    )


def _features_json(qs: QuerySet) -> str:
    """PostgreSQL turns the rows of a values() queryset into a JSON array of GeoJSON Features."""
    inner, params = qs.query.sql_with_params()
    # The inner SQL is the ORM's own; every value in it is a parameter.
    sql = (
        "SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', p.id, "  # noqa: S608
        "'geometry', p.geojson::json, 'properties', to_jsonb(p) - 'id' - 'geojson') "
        "ORDER BY p.id), '[]')::text FROM (" + inner + ") p"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def feature_page(
    spec: LayerSpec,
    *,
    bbox_4326: tuple[float, float, float, float] | None,
    page: int,
    page_size: int,
    query: FeatureQuery | None = None,
) -> FeaturePage:
    """Features of a layer intersecting bbox_4326 (lon/lat), ordered by id.

    A constant number of queries: a count and the page, plus what the annotators need.
    """
    query = query or FeatureQuery()
    base = in_bbox(spec.queryset(), bbox_4326)
    qs, annotations = _annotated(spec, base, query)
    qs = qs.order_by("id")
    # Count without the annotations (a per-row subquery each) unless a filter needs them.
    count = (qs if query.status else base).count()
    offset = (page - 1) * page_size
    rows = _feature_values(spec, qs, annotations)[offset : offset + page_size]
    return FeaturePage(count=count, features_json=_features_json(rows) if offset < count else "[]")


def feature_detail(
    spec: LayerSpec, feature_id: int, query: FeatureQuery | None = None
) -> str | None:
    """One Feature as GeoJSON text, or None when it does not exist."""
    qs, annotations = _annotated(
        spec, spec.queryset().filter(id=feature_id), query or FeatureQuery()
    )
    text = _features_json(_feature_values(spec, qs, annotations))
    return None if text == "[]" else text[1:-1]


SEARCH_LIMIT = 20


def _like(term: str) -> str:
    """A LIKE pattern matching `term` literally anywhere (its own % and _ escaped)."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def feature_search(term: str, slugs: list[str], limit: int = SEARCH_LIMIT) -> list[dict]:
    """Features of the given layers whose code or name contains `term`; one query.

    Exact code matches first, then by layer order. Each hit has its lon/lat bounding box.
    """
    parts, params = [], []
    for order, slug in enumerate(slugs):
        spec = LAYERS[slug]
        qs = spec.queryset()
        has_name = any(f.name == "name" for f in spec.model._meta.fields)
        name_sql = "t.name" if has_name else "''"
        sql, p = qs.values("id").query.sql_with_params()
        parts.append(
            f"(SELECT %s AS layer, %s AS layer_order, t.id, t.code, {name_sql} AS name, "  # noqa: S608
            "ST_XMin(t.geom) AS minx, ST_YMin(t.geom) AS miny, ST_XMax(t.geom) AS maxx, "
            f"ST_YMax(t.geom) AS maxy FROM {spec.model._meta.db_table} t "
            f"WHERE t.id IN ({sql}) AND (t.code ILIKE %s OR {name_sql} ILIKE %s) "
            "ORDER BY t.code LIMIT %s)"
        )
        params += [slug, order, *p, _like(term), _like(term), limit]
    if not parts:
        return []
    sql = (
        "SELECT layer, id, code, name, minx, miny, maxx, maxy FROM ("  # noqa: S608
        + " UNION ALL ".join(parts)
        + ") hits ORDER BY (lower(code) = lower(%s)) DESC, layer_order, code LIMIT %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, term, limit])
        return [
            {
                "layer": r[0],
                "id": r[1],
                "code": r[2],
                "name": r[3],
                "bbox": [r[4], r[5], r[6], r[7]],
            }
            for r in cur.fetchall()
        ]
