"""Reads of the layers: counties, counts, search and names (feature pages: selectors_features)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.db.models import Case, When

from layers.models import AdminArea
from layers.registry import LAYERS

# The most features one page may hold (the layers API and OGC API – Features).
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
