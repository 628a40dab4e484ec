"""Reads of the layers: counts, and GeoJSON feature pages built by PostgreSQL itself."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.expressions import RawSQL

from layers.extensions import FeatureQuery, feature_annotators
from layers.functions import ForcePolygonCCW
from layers.models import AdminArea
from layers.querysets import in_bbox
from layers.registry import LAYERS, LayerSpec

MAX_PAGE_SIZE = 5000


def county_find(code: str | None = None, *, with_geometry: bool = True) -> AdminArea | None:
    """The county with this code, or (no code) the reader's default county: DEFAULT_COUNTY_CODE
    when it is in their area (layers/scope.py), else the first of their counties by code;
    None when absent.

    Without geometry the outline (thousands of vertices) is not loaded.
    """
    qs = AdminArea.objects.filter(level=AdminArea.Level.COUNTY)
    if not with_geometry:
        qs = qs.defer("geom")
    if code:
        return qs.filter(code=code).first()
    preferred = Case(When(code=settings.DEFAULT_COUNTY_CODE, then=0), default=1)
    return qs.order_by(preferred, "code").first()


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


def record_counts() -> dict[str, int]:
    """Row count of every record kind (layers/records.py), in one query."""
    from layers.records import RECORD_KINDS  # registered by their apps

    parts, params = [], []
    for kind, spec in RECORD_KINDS.items():  # through the (area-scoped) managers
        sql, p = spec.model.objects.order_by().values("id").query.sql_with_params()
        parts.append(f"SELECT %s, count(*) FROM ({sql}) q{len(parts)}")  # noqa: S608
        params += [kind, *p]
    if not parts:
        return {}
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        return dict(cur.fetchall())


@dataclass(frozen=True)
class FeaturePage:
    """One page of a layer's features: a JSON array of Features and how many match in all.

    `count` is exact when `count_exact`; otherwise it is PostgreSQL's estimate (never below
    the features up to and including this page, plus one when there is a next page).
    """

    count: int
    count_exact: bool
    has_next: bool
    features_json: str


# Above this many matching features (by the planner's estimate) a page reports an estimated
# count unless an exact one is asked for: an exact count evaluates ST_Intersects on every
# match (~1 µs each), which for a county-wide box costs more than building the page itself.
EXACT_COUNT_MAX = 5000


def _annotated(spec: LayerSpec, qs: QuerySet, query: FeatureQuery) -> tuple[QuerySet, list[str]]:
    """Apply the registered annotators (e.g. compliance); returns the extra property names."""
    names: list[str] = []
    for annotate in feature_annotators():
        qs, added = annotate(qs, spec.slug, query)
        names += added
    return qs, names


def _feature_values(spec: LayerSpec, qs: QuerySet, annotations: list[str]) -> QuerySet:
    extra = spec.properties  # derived or technical properties beyond the attributes
    plain = [n for n in spec.attr_names if n not in extra]
    derived = {name: F(path) for name, path in extra.items() if name != path}
    same = [name for name, path in extra.items() if name == path]
    # RFC 7946: exterior rings counter-clockwise (the stored rings are as the files drew them)
    geometry = ForcePolygonCCW("geom") if "Polygon" in spec.geometry_type else F("geom")
    return qs.annotate(geojson=AsGeoJSON(geometry, precision=7), **derived).values(
        "id", "geojson", *plain, *same, *derived, *annotations
    )


def _aggregate_sql(rows: QuerySet) -> str:
    """SQL turning the rows `p` of a values() queryset into a JSON array of GeoJSON Features.

    The properties are named one by one (json_build_object): about 15% faster than
    to_jsonb(row) minus keys on a 1,000-feature page.
    """
    names = [n for n in rows.query.values_select + tuple(rows.query.annotation_select)]
    properties = [n for n in names if n not in ("id", "geojson")]
    if not all(n.isidentifier() for n in properties):  # registry names; never user input
        raise ValueError(f"unexpected property names {properties}")
    pairs = ", ".join(f"'{n}', p.{connection.ops.quote_name(n)}" for n in properties)
    return (
        "coalesce(json_agg(json_build_object('type', 'Feature', 'id', p.id, "
        f"'geometry', p.geojson::json, 'properties', json_build_object({pairs})) "
        "ORDER BY p.id), '[]')::text"
    )


def _features_json(qs: QuerySet) -> str:
    inner, params = qs.query.sql_with_params()
    # The inner SQL is the ORM's own; every value in it is a parameter.
    sql = f"SELECT {_aggregate_sql(qs)} FROM ({inner}) p"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def estimated_rows(qs: QuerySet) -> int:
    """The planner's estimate of the rows of a queryset (EXPLAIN only: nothing is run)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def page_json(
    matching: QuerySet,
    offset: int,
    size: int,
    rows_of: Callable[[Q], QuerySet],
    aggregate_sql: Callable[[QuerySet], str],
) -> tuple[int, str]:
    """One page of features as (rows read, up to size + 1; their JSON array), in one statement:
    the ids of `matching` by id from `offset` (one past the page, to know whether a next page
    exists), then `rows_of(filter to those ids)` aggregated by `aggregate_sql`. Shared by the
    layers API and OGC API – Features."""
    ids_sql, ids_params = (
        matching.order_by("id").values("id")[offset : offset + size + 1].query.sql_with_params()
    )
    page_ids = Q(id__in=RawSQL("SELECT id FROM page_ids ORDER BY id LIMIT %s", [size]))  # noqa: S611
    rows = rows_of(page_ids)
    rows_sql, rows_params = rows.query.sql_with_params()
    # Both inner statements are the ORM's own; every value in them is a parameter.
    sql = (
        f"WITH page_ids AS MATERIALIZED ({ids_sql}) "  # noqa: S608
        f"SELECT (SELECT count(*) FROM page_ids), {aggregate_sql(rows)} FROM ({rows_sql}) p"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*ids_params, *rows_params])
        return cur.fetchone()


def feature_page(
    spec: LayerSpec,
    *,
    bbox_4326: tuple[float, float, float, float] | None,
    page_size: int,
    page: int = 1,
    offset: int | None = None,
    query: FeatureQuery | None = None,
    exact_count: bool = False,
) -> FeaturePage:
    """Features of a layer intersecting bbox_4326 (lon/lat), ordered by id: page_size of
    them from `offset` (default: the start of page `page`).

    One statement builds the page: it selects the page's ids plus one (to know whether a
    next page exists), then the Features of those ids. The count comes free when this is the
    last page; otherwise it is counted exactly when the planner expects at most
    EXACT_COUNT_MAX matches, a status filter is set, or `exact_count` asks for it, and
    estimated (EXPLAIN, no rows read) otherwise. A constant number of queries, whatever the
    page size.
    """
    query = query or FeatureQuery()
    # Annotated before the bbox filter: the page's rows are fetched by id, not re-tested.
    annotated, annotations = _annotated(spec, spec.queryset(), query)
    matching = in_bbox(annotated if query.status else spec.queryset(), bbox_4326)
    if offset is None:
        offset = (page - 1) * page_size
    fetched, features_json = page_json(
        matching,
        offset,
        page_size,
        lambda page_ids: _feature_values(spec, annotated.filter(page_ids).order_by(), annotations),
        _aggregate_sql,
    )
    has_next = fetched > page_size
    if not has_next and (fetched or offset == 0):
        return FeaturePage(offset + fetched, True, False, features_json)
    if not (exact_count or query.status):
        estimate = estimated_rows(matching)
        if estimate > EXACT_COUNT_MAX:
            # Never below what this page proves exists (its rows, plus the next page's first).
            seen = offset + fetched if has_next else 0
            return FeaturePage(max(estimate, seen), False, has_next, features_json)
    return FeaturePage(matching.count(), True, has_next, features_json)


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


def feature_names(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The names people read for features given as (layer slug, id): one query per layer that
    has a name field; features of other layers (pipes, nodes) and unknown slugs get none."""
    by_layer: dict[str, set[int]] = {}
    for slug, pk in keys:
        by_layer.setdefault(slug, set()).add(pk)
    names: dict[tuple[str, int], str] = {}
    for slug, ids in by_layer.items():
        spec = LAYERS.get(slug)
        if spec is None or not any(f.name == "name" for f in spec.model._meta.get_fields()):
            continue
        for pk, name in spec.model.objects.filter(pk__in=ids).values_list("pk", "name"):
            names[(slug, pk)] = name
    return names
