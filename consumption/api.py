"""Consumption API v1: by zone and period (JSON, CSV, XLSX) and inside a drawn polygon."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import CachedSessionMixin
from consumption.columns import COLUMNS, columns_for, method_notes
from consumption.exports import consumption_file
from consumption.models import WaterUser
from consumption.params import (
    COMPARE,
    FORMATS,
    GROUP_KEYS,
    ZONE_TYPES,
    QueryError,
    consumption_query_parse,
    parse_filters,
    parse_group_by,
    parse_period,
)
from consumption.polygon import PolygonError, crs_problem, polygon_from_geojson
from consumption.selectors import AreaTooLarge, consumption_by_zone_json, consumption_in_area
from consumption.sql import ZONE_KINDS
from layers.api_errors import error_body
from layers.geometry_limits import limits_fault
from layers.limits import area_limits, limit_message


class CanViewConsumption(BasePermission):
    """Reading consumption needs the view permission on consumption records."""

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("consumption.view_consumption")


def units() -> dict[str, str]:
    """Each figure's unit, in the active language."""
    return {c.key: str(c.unit) for c in COLUMNS if c.unit}


class JsonOnlyApi(APIView):
    """`format` is these endpoints' own parameter (json | csv | xlsx), not DRF's renderer switch:
    answers are JSON unless the view returns a file itself."""

    permission_classes = [IsAuthenticated, CanViewConsumption]

    def perform_content_negotiation(self, request, force=False):
        renderer = JSONRenderer()
        return renderer, renderer.media_type


class ConsumptionListApi(CachedSessionMixin, JsonOnlyApi):
    """Consumption by zone, month and sector over a period, with plans, caps, per-capita and
    per-GDP figures; JSON, or a CSV / XLSX file with `format`.

    volume_m3 = users_volume_m3 (metered users inside the zone) + irrigation_volume_m3. Sector
    agriculture = agricultural users + irrigation districts' gross withdrawal: the district's own
    yearly record (zone_type=irrigation-district) or each record × the share of the district's
    area inside the town; none for supply zones and water-function zones. Yearly records are
    spread over months by the agricultural users' monthly profile of that year (1/12 each when
    there is none) and count as surface water. capped_volume_m3: the use a town's cap covers
    (its users outside agriculture; irrigation districts never), and cap_used_percent its
    share of the cap; per_capita_l_per_day: the users' litres per person per day (irrigation
    withdrawals feed fields, not people);
    per_10k_gdp_m3: m³ per 10,000 yuan; caps, plans and GDP scaled by 1/12 per month."""

    @extend_schema(
        operation_id="consumption_list",
        parameters=[
            OpenApiParameter("zone_type", str, enum=list(ZONE_TYPES), default="town"),
            OpenApiParameter(
                "zones", str, description="zone codes, comma separated (default: all)"
            ),
            OpenApiParameter("start", str, required=True, description="first month, YYYY-MM"),
            OpenApiParameter("end", str, required=True, description="last month, YYYY-MM"),
            OpenApiParameter("sector", str, enum=list(WaterUser.Sector.values)),
            OpenApiParameter("source", str, enum=list(WaterUser.Source.values)),
            OpenApiParameter(
                "group_by", str, description=f"comma list of {', '.join(GROUP_KEYS)} (default zone)"
            ),
            OpenApiParameter("compare", str, enum=list(COMPARE)),
            OpenApiParameter("format", str, enum=list(FORMATS), default="json"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        try:
            q = consumption_query_parse(request.query_params)
            rows = consumption_by_zone_json(q)
        except QueryError as exc:
            raise ValidationError(exc.details) from None
        stats = ZONE_KINDS[q.zone_type].stats
        columns = columns_for(q.group_by, stats=stats, compare=bool(q.compare))
        if q.format != "json":
            return consumption_file(
                q.format, json.loads(rows), columns, query=q.as_params(), notes=method_notes()
            )
        head = {
            "query": q.as_params(),
            "columns": [
                {"key": c.key, "label": c.ui_header(), "unit": str(c.unit)} for c in columns
            ],
            "units": units(),
            "notes": method_notes(),
        }
        # The rows come as JSON text from the database: sent as they are, after the head.
        body = JSONRenderer().render(head)[:-1] + b',"results":' + rows.encode() + b"}"
        return HttpResponse(body, content_type="application/json")


class LenientJSONParser(JSONParser):
    """Accepts NaN and Infinity so that the polygon check can refuse them by name."""

    strict = False


class ConsumptionAreaApi(JsonOnlyApi):
    """Consumption inside a GeoJSON polygon (EPSG:4326): users by a live spatial join,
    irrigation records by the districts' overlap; totals, by month and by sector."""

    parser_classes = [LenientJSONParser]

    @extend_schema(
        operation_id="consumption_area",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        description=(
            'Body: {"geometry": GeoJSON Polygon or MultiPolygon in EPSG:4326 (at most '
            "AREA_MAX_VERTICES (2,000) vertices, no edge over GEOMETRY_MAX_EDGE_DEG (1°), not "
            'larger than the county\'s bounding box × 1.5), "start": "YYYY-MM", '
            '"end": "YYYY-MM", "sector"?, "source"?, "group_by"?: "month" | "sector" | '
            '"month,sector"}.'
        ),
    )
    def post(self, request):
        try:
            data = request.data
        except RequestDataTooBig:
            return Response(error_body(413, _("The request body is too large.")), status=413)
        if not isinstance(data, dict):
            raise ValidationError({"body": [_("A JSON object is required.")]})
        errors: dict[str, list[str]] = {}
        problem = crs_problem(data.get("crs"))
        if problem:
            errors["crs"] = [problem]
        geometry = data.get("geometry")
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        try:
            geom = polygon_from_geojson(geometry, settings.AREA_MAX_VERTICES)
        except PolygonError as exc:
            errors["geometry"] = [str(exc)]
        else:
            # Bounded before the query: no edge across the antimeridian or around the globe,
            # no larger than the county's bounding box × 1.5 (geodesic, not degrees).
            if fault := limits_fault(geom, area_limits()):
                errors["geometry"] = [limit_message(fault)]
        period = parse_period(data.get("start"), data.get("end"), errors)
        sector, source = parse_filters(data, errors)
        group_by = parse_group_by(data.get("group_by"), ("month", "sector"), ("month",), errors)
        if errors or period is None:
            raise ValidationError(errors)
        try:
            result = consumption_in_area(geom, period, sector=sector, source=source)
        except AreaTooLarge as exc:
            raise ValidationError(
                {
                    "geometry": [
                        _(
                            "The polygon covers %(area).0f km², more than 1.5 × the county's "
                            "bounding box (%(limit).0f km²)."
                        )
                        % {"area": exc.area_km2, "limit": exc.limit_km2 * 1.5}
                    ]
                }
            ) from None
        by_group = {
            ("month",): result.by_month,
            ("sector",): result.by_sector,
            ("month", "sector"): result.by_month_sector,
        }
        query = {"start": f"{period.start:%Y-%m}", "end": f"{period.end:%Y-%m}"}
        query.update({k: v for k, v in (("sector", sector), ("source", source)) if v})
        return Response(
            {
                "query": {**query, "group_by": ",".join(group_by)},
                "area_km2": result.area_km2,
                "users": result.users,
                "total": result.total,
                "results": by_group[group_by],
                "by_month": result.by_month,
                "by_sector": result.by_sector,
                "units": {**units(), "area_km2": "km²"},
                "notes": method_notes(),
            }
        )
