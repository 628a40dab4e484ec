"""Reads of verdicts: stored results with their freshness, the county scorecard. Never writes."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import get_language

from compliance.dependencies import COUNTY_FAMILY
from compliance.freshness import verdict_freshness
from compliance.models import Indicator, Result
from compliance.scorecard import PASS_LINE, STANDARD, ScoreLine, line_points, score
from compliance.seed import categories
from layers.models import AdminArea


def results_stored(area: AdminArea, year: int) -> QuerySet[Result]:
    """The stored results of a county-year (their freshness: freshness.verdict_freshness)."""
    return Result.objects.filter(area=area, year=year).select_related("indicator")


def results_failing(qs: QuerySet[Result]) -> QuerySet[Result]:
    """The results that make a feature fail: non-compliant feature verdicts, bonus items left
    out (a bonus never fails a feature: docs/compliance.md). The map's list, the report, its
    PDF and the offline export all read failures through here; the map's colours apply the
    same rule in SQL (annotations.py), and tests/compliance/test_one_truth.py holds them
    equal for every demo year."""
    return (
        qs.filter(status=Result.Status.NON_COMPLIANT)
        .exclude(indicator__kind=Indicator.Kind.BONUS)
        .exclude(layer="county")
    )


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


def result_as_dict(r: Result, feature_name: str | None = None) -> dict:
    """A result in the API's shape; feature_name: the feature's name (layers.selectors.
    feature_names), None for the county and for features without one."""
    return {
        "indicator": r.indicator.code,
        "kind": r.indicator.kind,
        "name": r.indicator.name,
        "layer": r.layer,
        "feature_id": r.feature_id,
        "feature_code": r.feature_code,
        "feature_name": feature_name,
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


def _line(i: Indicator, r: Result) -> dict:
    return {
        "code": i.code,
        "name": i.name,
        "kind": i.kind,
        "assessment": i.assessment,
        "category": i.category,
        "value": r.value,
        "unit": r.unit,
        "threshold": r.threshold,
        "points": line_points(i.kind, r.status, i.points),
        "max_points": i.points,
        "status": r.status,
        "explanation": r.explanation,
        "source": i.source,
        "clause": i.clause,
        "verified": i.verified,
        "needs": i.needs,
    }


def scorecard_from_results(
    area: AdminArea, year: int, results: list[Result], indicators: dict[str, Indicator]
) -> dict:
    """The scorecard document from county results (stored, or a scenario's unsaved ones).

    lines: every county line (flat); categories: the 2017 standard's scored lines by category
    in the standard's order; prerequisites and bonus apart; other_assessments: the lines that
    are judged but never count towards the pass (最严格水资源管理考核, the county plan);
    unjudged: the standard's lines without data, with the points at stake and what the county
    must supply. Every line carries its `verified` flag; `unverified` counts those in use.
    """
    lines = [_line(indicators[r.indicator.code], r) for r in results]
    lines.sort(key=lambda line: line["code"])
    score_lines = [
        ScoreLine(
            line["code"],
            line["kind"],
            line["assessment"],
            line["value"],
            line["unit"],
            line["points"],
            line["max_points"],
            line["status"],
        )
        for line in lines
    ]
    pass_ind = indicators.get(PASS_LINE)
    pass_line = pass_ind.threshold if pass_ind and pass_ind.threshold is not None else float("inf")
    bonus_cap = (pass_ind.params or {}).get("bonus_cap", 0) if pass_ind else 0
    std = [line for line in lines if line["assessment"] == STANDARD]
    names = {c["code"]: c for c in categories()}
    lang_en = (get_language() or "").startswith("en")
    by_category = [
        {
            "code": code,
            "name": c["name_en"] if lang_en else c["name_zh"],
            "confirmed": c.get("confirmed", False),
            "lines": [
                line for line in std if line["category"] == code and line["kind"] == "scorecard"
            ],
        }
        for code, c in names.items()
    ]
    others = [
        {
            "code": code,
            "name": str(label),
            "lines": [line for line in lines if line["assessment"] == code],
        }
        for code, label in Indicator.Assessment.choices
        if code not in ("", STANDARD)
    ]
    return {
        "area": area.code,
        "area_name": area.name,
        "year": year,
        **score(score_lines, pass_line, bonus_cap),
        "pass_line_verified": bool(pass_ind and pass_ind.verified),
        "unverified": sum(1 for line in std if not line["verified"])
        + (0 if pass_ind and pass_ind.verified else 1),
        "lines": lines,
        "prerequisites": [line for line in std if line["kind"] == "prerequisite"],
        "categories": [c for c in by_category if c["lines"]],
        "bonus": [line for line in std if line["kind"] == "bonus"],
        "other_assessments": [o for o in others if o["lines"]],
        "unjudged": [
            {
                "code": line["code"],
                "name": line["name"],
                "kind": line["kind"],
                "points": line["max_points"],
                "needs": line["needs"],
            }
            for line in std
            if line["status"] == "no_data"
        ],
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
