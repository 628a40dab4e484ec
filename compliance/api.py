"""Compliance API v1: indicators, results, scorecard, evaluation, scenarios, action list."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.actions import action_list
from compliance.evaluation import county_of, evaluate
from compliance.freshness import verdict_freshness
from compliance.models import Indicator, Result
from compliance.scenario_presets import PRESETS, preset_list
from compliance.scenarios import ScenarioError, scenario_run
from compliance.selectors import (
    result_as_dict,
    results_failing,
    results_filtered,
    results_stored,
    scorecard,
)
from layers.models import AdminArea
from layers.selectors import feature_names

MAX_PAGE_SIZE = 1000
YEARS = (2000, 2100)


class HasPerm(BasePermission):
    """The user holds the view's `required_perm`."""

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm(view.required_perm)


class AreaYearSerializer(serializers.Serializer):
    area = serializers.CharField(
        required=False, max_length=12, help_text="county code (default: the county)"
    )
    year = serializers.IntegerField(min_value=YEARS[0], max_value=YEARS[1])


class ResultQuerySerializer(AreaYearSerializer):
    layer = serializers.CharField(required=False, max_length=40)
    status = serializers.ChoiceField(required=False, choices=Result.Status.values)
    indicator = serializers.CharField(required=False, max_length=60)
    code = serializers.CharField(required=False, max_length=32)
    # failing=true: only the results that make a feature fail (no bonus items, no county lines)
    failing = serializers.BooleanField(required=False, default=False)
    # max: the row offset must fit PostgreSQL's bigint
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=100
    )


class ScenarioSerializer(AreaYearSerializer):
    overrides = serializers.ListField(
        child=serializers.DictField(),
        max_length=200,
        allow_empty=True,
        required=False,
        default=list,
    )
    preset = serializers.ChoiceField(choices=list(PRESETS), required=False)


def _area(code: str | None) -> AdminArea:
    try:
        return county_of(code)
    except AdminArea.DoesNotExist:
        raise ValidationError({"area": [_("Unknown county code.")]}) from None


def query_valid(serializer_class, data) -> dict:
    """The validated query parameters (a DRF 400 naming each bad one otherwise)."""
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return s.validated_data


class IndicatorListApi(APIView):
    """Every indicator with its threshold, parameters, points, source, clause and status."""

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.view_indicator"

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(
            {
                "results": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "name_zh": i.name_zh,
                        "name_en": i.name_en,
                        "family": i.family,
                        "layer": i.layer,
                        "unit": i.unit,
                        "comparator": i.comparator,
                        "threshold": i.threshold,
                        "params": i.params,
                        "points": i.points,
                        "kind": i.kind,
                        "source": i.source,
                        "clause": i.clause,
                        "verified": i.verified,
                    }
                    for i in Indicator.objects.all()
                ]
            }
        )


class ResultListApi(APIView):
    """Stored verdicts per feature and year, with whether they are current (`fresh`)."""

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.view_result"

    @extend_schema(parameters=[ResultQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = query_valid(ResultQuerySerializer, request.query_params)
        area = _area(q.get("area"))
        qs = results_filtered(
            results_stored(area, q["year"]),
            layer=q.get("layer"),
            status=q.get("status"),
            indicator=q.get("indicator"),
            code=q.get("code"),
        )
        if q["failing"]:
            qs = results_failing(qs)
        start = (q["page"] - 1) * q["page_size"]
        page = list(qs[start : start + q["page_size"]])
        names = feature_names((r.layer, r.feature_id) for r in page)
        return Response(
            {
                "count": qs.count(),
                **verdict_freshness(q["year"], None, area.id).as_dict(),
                "results": [result_as_dict(r, names.get((r.layer, r.feature_id))) for r in page],
            }
        )


class ScorecardApi(APIView):
    """The county scorecard: every line with its points; total, maximum, pass line, verdict."""

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.view_result"

    @extend_schema(parameters=[AreaYearSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = query_valid(AreaYearSerializer, request.query_params)
        return Response(scorecard(_area(q.get("area")), q["year"]))


class EvaluateApi(APIView):
    """Evaluate a county-year now and store the results."""

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.evaluate"

    @extend_schema(request=AreaYearSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        q = query_valid(AreaYearSerializer, request.data)
        result = evaluate(area=_area(q.get("area")), year=q["year"])
        counts: dict[str, int] = {}
        for row in result.rows:
            counts[row.verdict.status] = counts.get(row.verdict.status, 0) + 1
        return Response(
            {
                "area": result.area.code,
                "year": result.year,
                "results": len(result.rows),
                "by_status": counts,
                "no_data": result.inputs is None,
            }
        )


class ScenarioApi(APIView):
    """A what-if scenario: overridden inputs → the scorecard and changed verdicts; nothing stored.

    Overrides: {"type": "supply_zone", "code", "loss_m3" | "r_wl_delta", "km_dn75_plus"},
    {"type": "new_plant", "town"}, {"type": "irrigation_district", "code", "net_field_m3",
    "gross_withdrawal_m3", "metered_withdrawal_m3", "irrigated_area_mu"},
    {"type": "water_user", "code", "annual_plan_m3"}; county-wide: {"type": "leakage_target",
    "r_bl"}, {"type": "plan_obliged_users", "headroom"}, {"type": "carriers", "sector", "share"},
    {"type": "metering", "sectors", "share"}, {"type": "nonconventional_share", "share"},
    {"type": "county_stats", <statistic>: value}, {"type": "scorecard_line", "code", "status"}
    (a management line assumed met or not, whatever its register says). `preset` (e.g.
    "road_to_90", see GET scenarios/presets/) runs a named set of overrides before the given ones.
    """

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.run_scenario"

    @extend_schema(request=ScenarioSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        q = query_valid(ScenarioSerializer, request.data)
        overrides = (
            [*PRESETS[q["preset"]]["overrides"], *q["overrides"]]
            if q.get("preset")
            else q["overrides"]
        )
        try:
            outcome = scenario_run(area=_area(q.get("area")), year=q["year"], overrides=overrides)
        except ScenarioError as exc:
            raise ValidationError({"overrides": [str(exc)], **exc.details}) from None
        return Response(
            {
                "baseline": outcome.baseline,
                "scorecard": outcome.scenario,
                "changed": outcome.changed,
            }
        )


class ScenarioPresetsApi(APIView):
    """The named scenarios (e.g. the road to 90 points) with their overrides."""

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.run_scenario"

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({"presets": preset_list()})


class ActionListApi(APIView):
    """Ranked actions with their effect on the scorecard points and on failures."""

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.view_result"

    @extend_schema(parameters=[AreaYearSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = query_valid(AreaYearSerializer, request.query_params)
        area = _area(q.get("area"))
        return Response(
            {
                "area": area.code,
                "year": q["year"],
                "actions": action_list(area=area, year=q["year"]),
            }
        )
