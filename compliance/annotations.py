"""Each feature's verdicts as a `compliance` property of the layers API (built in SQL)."""

from __future__ import annotations

import datetime as dt

from django.db.models import JSONField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from layers.extensions import FeatureQuery

from .evaluation import county_of, results_ensure_fresh
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


def default_year() -> int:
    """The latest evaluated year, else last year."""
    latest = EvaluationRun.objects.order_by("-year").values_list("year", flat=True).first()
    return latest or dt.date.today().year - 1


def compliance_annotator(
    qs: QuerySet, slug: str, query: FeatureQuery
) -> tuple[QuerySet, list[str]]:
    """Annotate `compliance` = {year, status, results: [...]} on each feature of `slug`.

    The county's results are brought up to date first, so no stale verdict is served.
    """
    year = query.year or default_year()
    area = county_of(None)
    if area is not None:
        results_ensure_fresh(area, year)
    english = (get_language() or "").startswith("en")
    sql = _SQL.format(
        name="name_en" if english else "name_zh",
        explanation="explanation_en" if english else "explanation_zh",
        table=f'"{qs.model._meta.db_table}"',
    )
    qs = qs.annotate(compliance=RawSQL(sql, [year, slug, year], output_field=JSONField()))  # noqa: S611
    if query.status:
        qs = qs.filter(compliance__status=query.status)
    return qs, ["compliance"]
