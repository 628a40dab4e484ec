"""Leaks reported on the network: list, report, update."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from network.api.base import (
    GEOJSON,
    IDEMPOTENCY,
    OBJ,
    CanUseLeaks,
    NetworkWrites,
    answer,
    feature_parts,
    parsed_geometry,
    request_version,
)
from network.services import leaks
from network.services.geometry import point_from_geojson
from network.services.rules import NetworkNotFound


class LeakQuerySerializer(serializers.Serializer):
    """Filters of the leak ledger."""

    pipe = serializers.IntegerField(required=False, help_text="pipe id")
    zone = serializers.CharField(required=False, help_text="supply-zone code")
    found_from = serializers.DateField(required=False)
    found_to = serializers.DateField(required=False)
    repaired = serializers.BooleanField(required=False, allow_null=True, default=None)
    # max: the row offset must fit PostgreSQL's bigint
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=200)


def _leak_answer(leak, status: int = 200) -> HttpResponse:
    return answer(leaks.leak_as_feature(leak), status)


class LeakListApi(NetworkWrites, APIView):
    """The leak ledger (漏损记录台账): list with filters, or record a leak on a pipe."""

    permission_classes = [IsAuthenticated, CanUseLeaks]

    @extend_schema(
        operation_id="network_leaks_list",
        parameters=[LeakQuerySerializer],
        responses={(200, GEOJSON): OBJ},
    )
    def get(self, request):
        query = LeakQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        qs = leaks.leaks_filtered(
            leaks.LeakFilter(
                pipe_id=v.get("pipe"),
                zone_code=v.get("zone"),
                found_from=v.get("found_from"),
                found_to=v.get("found_to"),
                repaired=v.get("repaired"),
            )
        )
        start = (v["page"] - 1) * v["page_size"]
        rows = [leaks.leak_as_feature(leak) for leak in qs[start : start + v["page_size"]]]
        return answer(
            {"type": "FeatureCollection", "count": qs.count(), "page": v["page"], "features": rows}
        )

    @extend_schema(request=OBJ, responses={(201, GEOJSON): OBJ}, parameters=[IDEMPOTENCY])
    def post(self, request):
        def run():
            geometry, props = feature_parts(request.data)
            values = leaks.leak_values_clean(props, partial=False)
            at = None if geometry is None else parsed_geometry(point_from_geojson, geometry)
            return _leak_answer(leaks.leak_record(at=at, user=request.user, **values), 201)

        return self.write(request, run)


class LeakDetailApi(NetworkWrites, APIView):
    """One leak: read it, or record its repair, loss, cause (PATCH, with the version read)."""

    permission_classes = [IsAuthenticated, CanUseLeaks]

    @extend_schema(responses={(200, GEOJSON): OBJ})
    def get(self, request, leak_id: int):
        leak = leaks.leaks_filtered(leaks.LeakFilter()).filter(pk=leak_id).first()
        if leak is None:
            raise NetworkNotFound(
                "not_found", _("No leak record %(id)s.") % {"id": leak_id}, field="id"
            )
        return _leak_answer(leak)

    @extend_schema(request=OBJ, responses={(200, GEOJSON): OBJ}, parameters=[IDEMPOTENCY])
    def patch(self, request, leak_id: int):
        """properties.version (or If-Match) is the version read: 428 without, 409 stale."""

        def run():
            geometry, props = feature_parts(request.data)
            values = leaks.leak_values_clean(props, partial=True)
            at = None if geometry is None else parsed_geometry(point_from_geojson, geometry)
            version = request_version(request, required=True)
            leak = leaks.leak_update(
                leak_id=leak_id, values=values, at=at, version=version, user=request.user
            )
            return _leak_answer(leaks.leaks_filtered(leaks.LeakFilter()).get(pk=leak.pk))

        return self.write(request, run)
