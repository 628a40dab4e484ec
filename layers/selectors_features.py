"""Reads of feature pages and single features: GeoJSON built by PostgreSQL itself, through
the layers' (area-scoped) managers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL

from layers.extensions import (
    FeatureQuery,
    FeatureVerdicts,
    feature_annotation_names,
    feature_annotators,
    feature_verdicts,
)
from layers.querysets import in_bbox
from layers.registry import LayerSpec
from layers.selectors_lean import feature_geometry, lean_fill, lean_statement, with_status
from layers.selectors_window import window_end, window_fill, window_scope

# The properties of a feature page: LEAN (the default) is what the map and most clients need,
# the layer's own attributes and each feature's overall verdict, read from its own row and one
# index lookup; ALL adds the derived properties (a join per foreign key) and the full verdicts
# (every indicator's value, threshold and explanation: a subquery per feature).
LEAN = "lean"
ALL = "all"
PropertySet = str | tuple[str, ...]  # LEAN, ALL or some names of the full set


@dataclass(frozen=True)
class FeaturePage:
    """One page of a layer's features: a JSON array of Features, how many it holds, whether
    more follow and the last id (the keyset cursor of the next page).

    `count` (every match, not only this page) is None when it was not counted: it is known
    for free on a single page read from the start, counted when asked. `verdicts` (lean pages)
    is the year and freshness of the verdicts the features' `compliance.status` shows.
    """

    features_json: str
    returned: int
    has_next: bool
    last_id: int | None
    count: int | None
    verdicts: FeatureVerdicts | None = None
    # Which statement served a boxed lean page (layers/selectors_window.py): 'window' (the
    # walk of one county's rows), 'fallback' (the walk, then the ordinary statement),
    # 'ordinary' (no walk); None for the pages no window can serve (no box, an OFFSET).
    served_by: str | None = None


def feature_property_names(spec: LayerSpec) -> tuple[str, ...]:
    """Every property a feature of the layer carries in its full set, in the order served:
    its attributes, the derived properties, then those added by extensions (`compliance`)."""
    extra = spec.properties
    plain = [n for n in spec.attr_names if n not in extra]
    return (*plain, *extra, *feature_annotation_names())


def _own_columns(spec: LayerSpec) -> tuple[str, ...]:
    """The properties read from the feature's own row (no join, no subquery)."""
    extra = spec.properties
    plain = [n for n in spec.attr_names if n not in extra]
    return (*plain, *(n for n, path in extra.items() if n == path))


def _lean_names(spec: LayerSpec) -> tuple[str, ...]:
    return tuple(n for n in spec.attr_names if n not in spec.properties)


def _annotated(spec: LayerSpec, qs: QuerySet, query: FeatureQuery) -> tuple[QuerySet, list[str]]:
    """Apply the registered annotators (e.g. compliance); returns the extra property names."""
    names: list[str] = []
    for annotate in feature_annotators():
        qs, added = annotate(qs, spec.slug, query)
        names += added
    return qs, names


def _feature_values(
    spec: LayerSpec, qs: QuerySet, annotations: list[str], names: tuple[str, ...] | None = None
) -> QuerySet:
    """The rows of a full (or, given `names`, partial) feature: id, GeoJSON and properties."""
    extra = spec.properties  # derived or technical properties beyond the attributes
    wanted = set(feature_property_names(spec) if names is None else names)
    plain = [n for n in spec.attr_names if n not in extra and n in wanted]
    derived = {name: F(path) for name, path in extra.items() if name != path and name in wanted}
    same = [name for name, path in extra.items() if name == path and name in wanted]
    return qs.annotate(geojson=AsGeoJSON(feature_geometry(spec), precision=7), **derived).values(
        "id", "geojson", *plain, *same, *derived, *(a for a in annotations if a in wanted)
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


# A page reads at most size + 1 rows: no parallel workers, whose start-up (~15 ms) the planner,
# expecting thousands of matches in a large box, would otherwise pay for an index scan by id
# that stops after the page. SET LOCAL lasts for the statement sent with it (one simple-query
# message is one transaction; inside an enclosing transaction, to its end).
_SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0; "


def _page_row(sql: str, params: list) -> tuple:
    """The one row of a page statement, run without parallel workers (one round trip)."""
    with connection.cursor() as cur:
        cur.execute(_SERIAL + sql, params)
        while cur.description is None:  # past the SETs
            cur.nextset()
        return cur.fetchone()


def page_json(
    matching: QuerySet,
    offset: int,
    size: int,
    rows_of: Callable[[Q], QuerySet],
    aggregate_sql: Callable[[QuerySet], str],
) -> tuple[int, str, int | None]:
    """One page of features as (rows read, up to size + 1; their JSON array; the page's last
    id), in one statement: the ids of `matching` by id from `offset` (one past the page, to
    know whether a next page exists), then `rows_of(filter to those ids)` aggregated by
    `aggregate_sql`. Shared by the full feature pages and OGC API – Features."""
    ids_sql, ids_params = (
        matching.order_by("id").values("id")[offset : offset + size + 1].query.sql_with_params()
    )
    page_ids = Q(id__in=RawSQL("SELECT id FROM page_ids ORDER BY id LIMIT %s", [size]))  # noqa: S611
    rows = rows_of(page_ids)
    rows_sql, rows_params = rows.query.sql_with_params()
    # Both inner statements are the ORM's own; every value in them is a parameter.
    sql = (
        f"WITH page_ids AS MATERIALIZED ({ids_sql}) "  # noqa: S608
        f"SELECT (SELECT count(*) FROM page_ids), {aggregate_sql(rows)}, "
        "(SELECT max(id) FROM (SELECT id FROM page_ids ORDER BY id LIMIT %s) last) "
        f"FROM ({rows_sql}) p"
    )
    return _page_row(sql, [*ids_params, size, *rows_params])


def feature_page(
    spec: LayerSpec,
    *,
    bbox_4326: tuple[float, float, float, float] | None,
    page_size: int,
    after_id: int | None = None,
    offset: int = 0,
    query: FeatureQuery | None = None,
    properties: PropertySet = LEAN,
    exact_count: bool = False,
) -> FeaturePage:
    """Features of a layer intersecting bbox_4326 (lon/lat), ordered by id: page_size of
    them after the feature `after_id` (keyset paging: the next page's cursor is this page's
    last id), or from `offset` (cost grows with the offset).

    One statement builds the page; it reads one row past the page to know whether a next page
    exists. `properties`: LEAN (own attributes and each feature's overall verdict, one index
    lookup each), ALL (derived properties and full verdicts too), or names of the full set.
    The count of every match is free on a single page read from the start; otherwise it is
    counted (one more statement) only with `exact_count`. A constant number of queries,
    whatever the page size; the area scope applies through the layer's manager.
    """
    query = query or FeatureQuery()
    if properties not in (LEAN, ALL):
        unknown = set(properties) - set(feature_property_names(spec))
        if unknown or not properties:
            raise ValueError(f"unknown properties {sorted(unknown)} of {spec.slug}")
    lean = properties == LEAN
    verdicts = feature_verdicts(spec.slug, query.year) if lean or query.status else None
    names = _lean_names(spec) if lean else feature_property_names(spec)
    if properties not in (LEAN, ALL):
        names = tuple(properties)

    def matching() -> QuerySet:  # every match, for the full path and the count
        qs = in_bbox(spec.queryset(), bbox_4326)
        return with_status(qs, verdicts, query.status) if query.status else qs

    if lean or set(names) <= set(_own_columns(spec)):
        shape = dict(
            show_verdict=lean,
            box=bbox_4326 is not None,
            cursor=after_id is not None,
            offset=offset,
            size=page_size,
        )
        window = window_scope(spec.model, offset) if bbox_4326 is not None else None
        end = None
        if window is not None:
            end = window_end(spec.table, window, bbox_4326, after_id, page_size)
        served_by = None if window is None else "ordinary"
        if end is not None:
            sql, params = lean_statement(
                spec, names, verdicts, query.status, window=window, **shape
            )
            params = window_fill(lean_fill(params, bbox_4326, after_id), end)
            fetched, features_json, last_id, served = _page_row(sql, params)
            served_by = "window" if served else "fallback"
        if served_by != "window":
            sql, params = lean_statement(spec, names, verdicts, query.status, **shape)
            fetched, features_json, last_id = _page_row(sql, lean_fill(params, bbox_4326, after_id))
    else:
        served_by = None
        annotated, annotations = _annotated(spec, spec.queryset(), FeatureQuery(year=query.year))
        fetched, features_json, last_id = page_json(
            matching() if after_id is None else matching().filter(id__gt=after_id),
            offset,
            page_size,
            lambda page_ids: _feature_values(
                spec, annotated.filter(page_ids).order_by(), annotations, names
            ),
            _aggregate_sql,
        )
    has_next = fetched > page_size
    count = None
    if not has_next and after_id is None and (fetched or offset == 0):
        count = offset + fetched
    elif exact_count:
        count = matching().count()
    return FeaturePage(
        features_json,
        min(fetched, page_size),
        has_next,
        last_id,
        count,
        verdicts if lean else None,
        served_by,
    )


def feature_detail(
    spec: LayerSpec, feature_id: int, query: FeatureQuery | None = None
) -> str | None:
    """One Feature as GeoJSON text, or None when it does not exist."""
    qs, annotations = _annotated(
        spec, spec.queryset().filter(id=feature_id), query or FeatureQuery()
    )
    text = _features_json(_feature_values(spec, qs, annotations))
    return None if text == "[]" else text[1:-1]
