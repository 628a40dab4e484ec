"""Users and plans API: key monitored users and users that must plan, with plan against use."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.users_plans import STATUSES, users_plans, users_plans_parse
from consumption.api import CanViewConsumption
from consumption.models import WaterUser
from consumption.params import QueryError


class UsersPlansApi(APIView):
    """GET ?town=&sector=&status=&year=: key monitored users and users that must have a plan,
    with plan and use per month, volume over plan and surcharge tiers (m³), and, for users
    checked against a quota (register quota-checks), the quota, the use over quota × output and
    its surcharge in the same bands (over_quota_m3, over_quota_surcharge_m3)."""

    permission_classes = [IsAuthenticated, CanViewConsumption]

    @extend_schema(
        operation_id="consumption_users_list",
        parameters=[
            OpenApiParameter("year", int, description="default: the latest year with consumption"),
            OpenApiParameter("town", str, description="town code"),
            OpenApiParameter("sector", str, enum=list(WaterUser.Sector.values)),
            OpenApiParameter("status", str, enum=list(STATUSES)),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        try:
            query = users_plans_parse(request.query_params)
        except QueryError as exc:
            raise ValidationError(exc.details) from None
        return Response(users_plans(query))
