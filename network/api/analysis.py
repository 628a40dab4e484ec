"""The network analysed as a water network: connected parts, burst isolation, traces (GET only,
for everyone who may read the pipes; docs/api.md)."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from layers.permissions import CanViewLayer, can_view_layer
from network.analysis import selectors
from network.api.base import OBJ, NetworkWrites

PIPE_ID = OpenApiParameter("pipe_id", int, OpenApiParameter.PATH)


class GeometryQuerySerializer(serializers.Serializer):
    geometry = serializers.BooleanField(
        required=False,
        default=False,
        help_text="add the pipes as GeoJSON MultiLineStrings (EPSG:4326)",
    )


class TraceQuerySerializer(GeometryQuerySerializer):
    direction = serializers.ChoiceField(
        choices=selectors.DIRECTIONS,
        required=False,
        default="downstream",
        help_text="downstream: what the pipe feeds; upstream: what it depends on",
    )


class ComponentQuerySerializer(GeometryQuerySerializer):
    isolated = serializers.BooleanField(
        required=False, default=False, help_text="only the parts no source feeds"
    )


def _json(data: dict) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class AnalysisApi(NetworkWrites, APIView):
    """Reads of the analysis: pipes readable; NetworkError as the API's error shape."""

    permission_classes = [IsAuthenticated, CanViewLayer]

    def user_details(self) -> bool:
        """Water users are named only to those who may read that layer."""
        return can_view_layer(self.request.user, "water-users")


class PipeIsolationApi(AnalysisApi):
    """GET /network/pipes/<id>/isolation/: isolating a burst on the pipe — the valves to
    close, the isolated pipes, the pipes left without supply, the users cut off and their
    demand (m³/day)."""

    @extend_schema(parameters=[PIPE_ID, GeometryQuerySerializer], responses=OBJ)
    def get(self, request, slug: str, pipe_id: int):
        v = _query(GeometryQuerySerializer, request)
        return _json(
            selectors.pipe_isolation(
                pipe_id, user_details=self.user_details(), geometry=v["geometry"]
            )
        )


class PipeTraceApi(AnalysisApi):
    """GET /network/pipes/<id>/trace/?direction=downstream|upstream: what the pipe feeds (and
    the users cut off with it), or the pipes it depends on."""

    @extend_schema(parameters=[PIPE_ID, TraceQuerySerializer], responses=OBJ)
    def get(self, request, slug: str, pipe_id: int):
        v = _query(TraceQuerySerializer, request)
        return _json(
            selectors.pipe_trace(
                pipe_id,
                v["direction"],
                user_details=self.user_details(),
                geometry=v["geometry"],
            )
        )


class NetworkComponentsApi(AnalysisApi):
    """GET /network/components/: the connected parts of the network and the sources feeding
    each; ?isolated=true lists only the parts no source feeds."""

    @extend_schema(parameters=[ComponentQuerySerializer], responses=OBJ)
    def get(self, request, slug: str):
        v = _query(ComponentQuerySerializer, request)
        return _json(
            selectors.network_components(isolated_only=v["isolated"], geometry=v["geometry"])
        )
