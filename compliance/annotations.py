"""Each feature's verdicts as a `compliance` property of the layers API (built in SQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.core.cache import cache
from django.db.models import JSONField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from layers.extensions import FeatureQuery
from layers.services.versions import current_layer_versions

from .dependencies import families_of_layer
from .evaluation import results_ensure_fresh
from .models import EvaluationRun

# The overall status of a feature: non_compliant if any indicator fails (bonus items never make
# a feature fail), else compliant if any passes, else no_data.
_SQL = """(SELECT jsonb_build_object(
    'year', %s::int,
    'status', CASE WHEN bool_or(r.status = 'non_compliant' AND i.kind <> 'bonus')
                     THEN 'non_compliant'
                   WHEN bool_or(r.status = 'compliant') THEN 'compliant' ELSE 'no_data' END,
    'results', coalesce(jsonb_agg(jsonb_build_object(
        'indicator', i.code, 'name', i.{name}, 'value', r.value, 'threshold', r.threshold,
        'unit', r.unit, 'status', r.status, 'kind', i.kind, 'explanation', r.{explanation},
        'source', trim(i.source || ' ' || i.clause)) ORDER BY i.code), '[]'::jsonb))
  FROM compliance_result r JOIN compliance_indicator i ON i.id = r.indicator_id
  WHERE r.layer = %s AND r.year = %s AND r.feature_id = {table}.id)"""


# The compliance property of a feature no family judges (the shape of _SQL with no results).
_NONE_SQL = "jsonb_build_object('year', %s::int, 'status', 'no_data', 'results', '[]'::jsonb)"


def default_year() -> int:
    """The latest evaluated year, else last year."""
    latest = EvaluationRun.objects.order_by("-year").values_list("year", flat=True).first()
    return latest or dt.date.today().year - 1


def compliance_annotator(
    qs: QuerySet, slug: str, query: FeatureQuery
) -> tuple[QuerySet, list[str]]:
    """Annotate `compliance` = {year, status, results: [...]} on each feature of `slug`.

    The verdicts of the families judging this layer are brought up to date first (one query
    when fresh), so no stale verdict is served; a layer no family judges waits for nothing.
    """
    year = query.year or default_year()
    families = families_of_layer(slug)
    if families:
        results_ensure_fresh(None, year, families)
        english = (get_language() or "").startswith("en")
        sql = _SQL.format(
            name="name_en" if english else "name_zh",
            explanation="explanation_en" if english else "explanation_zh",
            table=f'"{qs.model._meta.db_table}"',
        )
        params = [year, slug, year]
    else:  # no family judges this layer (pipes, nodes): no verdict to look up
        sql, params = _NONE_SQL, [year]
    qs = qs.annotate(compliance=RawSQL(sql, params, output_field=JSONField()))  # noqa: S611
    if query.status:
        qs = qs.filter(compliance__status=query.status)
    return qs, ["compliance"]


# Tiles: users carry their own overall status; pipes carry their supply zone's leakage verdict
# (so a failing zone's network stands out); nodes carry none. With each, the families it reads.
_TILE_STATUS = {
    "water-users": (
        ("user",),
        "(SELECT CASE WHEN bool_or(r.status = 'non_compliant' AND i.kind <> 'bonus') "
        "THEN 'non_compliant' WHEN bool_or(r.status = 'compliant') THEN 'compliant' "
        "ELSE 'no_data' END FROM compliance_result r "
        "JOIN compliance_indicator i ON i.id = r.indicator_id "
        "WHERE r.layer = 'water-users' AND r.year = %s AND r.feature_id = t.id)",
    ),
    "pipes": (
        ("supply",),
        "(SELECT r.status FROM compliance_result r "
        "JOIN compliance_indicator i ON i.id = r.indicator_id AND i.code = 'supply.leakage' "
        "WHERE r.layer = 'supply-zones' AND r.year = %s AND r.feature_id = t.supply_zone_id)",
    ),
}


def _ensure_fresh_cached(year: int, families: tuple[str, ...]) -> None:
    """Bring these families' verdicts of the year up to date, remembering per data version
    that it is done.

    A cold tile then costs one query (the tile itself) once the verdicts are known fresh; a
    tile waits only for the families it shows (a user tile never for the supply family).
    """
    versions = current_layer_versions()
    digest = hashlib.md5(json.dumps(sorted(versions.items())).encode(), usedforsecurity=False)
    key = f"compliance:fresh:{year}:{','.join(families)}:{digest.hexdigest()}"
    if cache.get(key):
        return
    results_ensure_fresh(None, year, families)
    cache.set(key, True, timeout=None)


def compliance_tile_status(slug: str, year: int | None) -> tuple[str, list] | None:
    """The SQL status expression of a tiled layer's features for a year (None: no status)."""
    if slug not in _TILE_STATUS:
        return None
    year = year or default_year()
    families, sql = _TILE_STATUS[slug]
    _ensure_fresh_cached(year, families)
    return sql, [year]
