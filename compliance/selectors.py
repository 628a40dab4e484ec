"""Reads of verdicts: stored results with their freshness, the county scorecard. Never writes."""

from __future__ import annotations

from django.db.models import QuerySet

from compliance.dependencies import COUNTY_FAMILY
from compliance.freshness import verdict_freshness
from compliance.models import Indicator, Result
from compliance.scorecard import PASS_LINE, ScoreLine, line_points, score
from layers.models import AdminArea


def results_stored(area: AdminArea, year: int) -> QuerySet[Result]:
    """The stored results of a county-year (their freshness: freshness.verdict_freshness)."""
    return Result.objects.filter(area=area, year=year).select_related("indicator")


def results_filtered(
    qs: QuerySet[Result],
    *,
    layer: str | None = None,
    status: str | None = None,
    indicator: str | None = None,
    code: str | None = None,
) -> QuerySet[Result]:
    """Narrow results by layer slug, status, indicator code and feature code."""
    if layer:
        qs = qs.filter(layer=layer)
    if status:
        qs = qs.filter(status=status)
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    if code:
        qs = qs.filter(feature_code=code)
    return qs.order_by("layer", "feature_code", "indicator__code")


def result_as_dict(r: Result) -> dict:
    """A result in the API's shape."""
    return {
        "indicator": r.indicator.code,
        "kind": r.indicator.kind,
        "name": r.indicator.name,
        "layer": r.layer,
        "feature_id": r.feature_id,
        "feature_code": r.feature_code,
        "year": r.year,
        "value": r.value,
        "threshold": r.threshold,
        "unit": r.unit,
        "status": r.status,
        "explanation": r.explanation,
        "source": f"{r.indicator.source} {r.indicator.clause}",
        "details": r.details,
        "evaluated_at": r.evaluated_at.isoformat(),
    }


def scorecard_from_results(
    area: AdminArea, year: int, results: list[Result], indicators: dict[str, Indicator]
) -> dict:
    """The scorecard document from county results (stored, or a scenario's unsaved ones)."""
    lines, score_lines = [], []
    for r in sorted(results, key=lambda r: r.indicator.code):
        i = indicators[r.indicator.code]
        points = line_points(i.kind, r.status, i.points)
        score_lines.append(ScoreLine(i.code, i.kind, r.value, r.unit, points, i.points, r.status))
        lines.append(
            {
                "code": i.code,
                "name": i.name,
                "kind": i.kind,
                "value": r.value,
                "unit": r.unit,
                "threshold": r.threshold,
                "points": points,
                "max_points": i.points,
                "status": r.status,
                "explanation": r.explanation,
                "verified": i.verified,
            }
        )
    pass_line = indicators[PASS_LINE].threshold if PASS_LINE in indicators else None
    return {
        "area": area.code,
        "area_name": area.name,
        "year": year,
        **score(score_lines, pass_line if pass_line is not None else float("inf")),
        "lines": lines,
    }


def scorecard(area: AdminArea, year: int) -> dict:
    """The county scorecard for a year, from the stored results, saying whether they are current.

    A year never evaluated (no data, or not yet reached by the worker) has no lines and
    `evaluated: false`; it is never a fail or a veto.
    """
    results = list(results_stored(area, year).filter(layer="county"))
    indicators = {i.code: i for i in Indicator.objects.all()}
    card = scorecard_from_results(area, year, results, indicators)
    return {**card, **verdict_freshness(year, (COUNTY_FAMILY,), area.id).as_dict()}
