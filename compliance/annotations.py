"""Each feature's verdicts as a `compliance` property of the layers API (built in SQL)."""

from __future__ import annotations

from django.db.models import (
    JSONField,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from compliance.dependencies import families_of_layer
from compliance.freshness import default_year, verdict_freshness
from layers.extensions import FeatureQuery, FeatureVerdicts, TileStatus

# The overall status of a feature: non_compliant if any indicator fails (bonus items never make
# a feature fail), else compliant if any passes, else no_data.
_SQL = """(SELECT jsonb_build_object(
    'year', %s::int, 'fresh', %s::boolean, 'evaluated_at', %s::text,
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
_NONE_SQL = (
    "jsonb_build_object('year', %s::int, 'fresh', true, 'evaluated_at', null, "
    "'status', 'no_data', 'results', '[]'::jsonb)"
)


def compliance_annotator(
    qs: QuerySet, slug: str, query: FeatureQuery
) -> tuple[QuerySet, list[str]]:
    """Annotate `compliance` = {year, status, fresh, evaluated_at, results: [...]} on each
    feature of `slug`: the stored verdicts, and whether they reflect the current data (one
    query for the whole layer). A read never evaluates: the worker catches up.
    """
    year = query.year or default_year()
    families = families_of_layer(slug)
    if families:
        freshness = verdict_freshness(year, families)
        english = (get_language() or "").startswith("en")
        sql = _SQL.format(
            name="name_en" if english else "name_zh",
            explanation="explanation_en" if english else "explanation_zh",
            table=f'"{qs.model._meta.db_table}"',
        )
        params = [year, freshness.fresh, freshness.evaluated_at, slug, year]
    else:  # no family judges this layer (pipes, nodes): no verdict to look up
        sql, params = _NONE_SQL, [year]
    qs = qs.annotate(compliance=RawSQL(sql, params, output_field=JSONField()))  # noqa: S611
    if query.status:
        qs = qs.filter(compliance__status=query.status)
    return qs, ["compliance"]


# Each feature's overall status, kept by the database as verdicts are written
# (compliance/feature_status.py): the same rule as `status` in _SQL, one index lookup per feature.
_FEATURE_STATUS_SQL = (
    "SELECT feature_id AS key, status FROM compliance_featurestatus WHERE layer = %s AND year = %s"
)


def compliance_feature_verdicts(slug: str, year: int | None) -> FeatureVerdicts:
    """The lean verdicts of a layer's feature pages for a year: each feature's overall status
    (compliance_featurestatus) and, once for the page, whether the layer's stored verdicts are
    current. A layer no family judges: every feature no_data, fresh (as _NONE_SQL)."""
    year = year or default_year()
    families = families_of_layer(slug)
    if not families:
        return FeatureVerdicts(year, True, None)
    freshness = verdict_freshness(year, families)
    return FeatureVerdicts(
        year, freshness.fresh, freshness.evaluated_at, _FEATURE_STATUS_SQL, (slug, year)
    )


# Tiles: users carry their own overall status (kept per feature by the database,
# compliance/feature_status.py); pipes their supply zone's leakage verdict; nodes none.
_TILE_STATUS = {
    "water-users": (
        "SELECT feature_id AS key, status FROM compliance_featurestatus "
        "WHERE layer = 'water-users' AND year = %s",
        "id",
    ),
    "pipes": (
        "SELECT r.feature_id AS key, r.status FROM compliance_result r "
        "JOIN compliance_indicator i ON i.id = r.indicator_id "
        "WHERE r.layer = 'supply-zones' AND r.year = %s AND i.code = 'supply.leakage'",
        "supply_zone_id",
    ),
}


# Kept per feature: as many rows as the layer has features in every county, so each tile's
# features look theirs up (the unique index) rather than hashing them all.
_LOOKED_UP = {"water-users"}


def compliance_tile_status(slug: str, year: int | None) -> TileStatus | None:
    """The status expression of a tiled layer's features for a year (None: no status)."""
    if slug not in _TILE_STATUS:
        return None
    year = year or default_year()
    sql, column = _TILE_STATUS[slug]
    return TileStatus(year, sql, (year,), column, lookup=slug in _LOOKED_UP)
