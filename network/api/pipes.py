"""Pipes: list/create, read/update/retire, split, move, restore and merge."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView
from shapely.geometry import Point

from layers.api import (
    FeatureDetailApi,
    FeatureListApi,
    FeatureQuerySerializer,
    feature_list_response,
)
from layers.permissions import CanViewLayer
from layers.registry import LAYERS
from network.api.base import (
    GEOJSON,
    ID,
    IDEMPOTENCY,
    OBJ,
    WRITE,
    CanEditNetwork,
    NetworkWrites,
    VersionRequired,
    edit_parts,
    feature_parts,
    parsed_geometry,
    request_version,
    result_response,
)
from network.services import edit as pipes
from network.services.geometry import line_from_geojson, position
from network.services.rules import NetworkError


class PipeListQuerySerializer(FeatureQuerySerializer):
    all = serializers.BooleanField(required=False, default=False, help_text="include abandoned")


class PipeCollectionApi(NetworkWrites, FeatureListApi):
    """Pipes: a page of features (abandoned ones only with all=true), or draw a new pipe."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(
        operation_id="layers_pipes_list",
        parameters=[PipeListQuerySerializer],
        responses={(200, GEOJSON): OBJ},
    )
    def get(self, request, slug: str):
        query = PipeListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        spec = LAYERS[slug]
        if not query.validated_data["all"]:  # retired pipes hidden by default, as on the tiles
            spec = dataclasses.replace(spec, filters={"status__in": ["in_service", "planned"]})
        return feature_list_response(request, slug, spec, query)

    @extend_schema(
        operation_id="layers_pipes_create",
        request=OBJ,
        responses={(201, GEOJSON): OBJ},
        parameters=[IDEMPOTENCY],
    )
    def post(self, request, slug: str):
        def run():
            geometry, props = feature_parts(request.data)
            line = parsed_geometry(line_from_geojson, geometry)
            result = pipes.pipe_create(geom=line, properties=props, user=request.user)
            return result_response(result, 201)

        return self.write(request, run)


class PipeDetailApi(NetworkWrites, FeatureDetailApi):
    """One pipe: read, edit (PATCH, properties.version required), retire (DELETE)."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(
        operation_id="layers_pipes_retrieve", parameters=[ID], responses={(200, GEOJSON): OBJ}
    )
    def get(self, request, slug: str, feature_id: int):
        return super().get(request, slug, feature_id)

    @extend_schema(operation_id="layers_pipes_update", **WRITE)
    def patch(self, request, slug: str, feature_id: int):
        def run():
            line, props, version = edit_parts(request, line_from_geojson)
            result = pipes.pipe_update(
                pipe_id=feature_id, version=version, geom=line, properties=props, user=request.user
            )
            return result_response(result)

        return self.write(request, run)

    @extend_schema(operation_id="layers_pipes_retire", **WRITE)
    def delete(self, request, slug: str, feature_id: int):
        version = request_version(request, required=True)  # If-Match, or version in a body

        def run():
            return result_response(
                pipes.pipe_retire(pipe_id=feature_id, version=version, user=request.user)
            )

        return self.write(request, run)


class PipeActionApi(NetworkWrites, APIView):
    """POST .../<id>/split/ {"point": [lon, lat]}, /restore/, /move/ {"offset_m": [e, n]};
    each with the version read ("version" in the body or If-Match): 428 without, 409 stale."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]
    operation = ""  # "split" | "move" | "restore", set by the URL

    @extend_schema(**WRITE)
    def post(self, request, slug: str, feature_id: int):
        data = request.data if isinstance(request.data, dict) else {}

        def run():
            # The body is checked first (400), then the version it was made on (428, 409).
            if self.operation == "split":
                at = Point(parsed_geometry(position, data.get("point")))
                version = request_version(request, required=True)
                result = pipes.pipe_split(
                    pipe_id=feature_id, at=at, version=version, user=request.user
                )
                return result_response(result, collection=True)
            if self.operation == "move":
                offset = data.get("offset_m")
                valid = isinstance(offset, list) and len(offset) == 2
                if not valid or not all(
                    isinstance(v, int | float) and abs(v) < 10_000 for v in offset
                ):
                    raise NetworkError(
                        "offset_invalid",
                        _("offset_m must be [east, north] in metres."),
                        field="offset_m",
                    )
                version = request_version(request, required=True)
                result = pipes.pipe_move(
                    pipe_id=feature_id,
                    version=version,
                    east_m=offset[0],
                    north_m=offset[1],
                    user=request.user,
                )
                return result_response(result)
            version = request_version(request, required=True)
            return result_response(
                pipes.pipe_restore(pipe_id=feature_id, version=version, user=request.user)
            )

        return self.write(request, run)


class PipeMergeApi(NetworkWrites, APIView):
    """POST /layers/pipes/merge/ {"ids": [a, b], "versions": [va, vb]}: b merged into a;
    the versions read are required (428 without, 409 when either is stale)."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(request=OBJ, responses={(200, GEOJSON): OBJ}, parameters=[IDEMPOTENCY])
    def post(self, request, slug: str):
        data = request.data if isinstance(request.data, dict) else {}
        ids, versions = data.get("ids"), data.get("versions")

        def ok(values) -> bool:
            return (
                isinstance(values, list)
                and len(values) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
            )

        if not ok(ids):
            raise NetworkError("ids_invalid", _("ids must be two pipe ids."), field="ids")
        if versions is None:
            raise VersionRequired(
                "version_missing",
                _("versions is required: the versions of the two pipes you read."),
                field="versions",
            )
        if not ok(versions) or min(versions) < 1:
            raise NetworkError(
                "version_invalid",
                _("versions must be two positive whole numbers."),
                field="versions",
            )
        return self.write(
            request,
            lambda: result_response(
                pipes.pipe_merge(pipe_ids=ids, versions=versions, user=request.user)
            ),
        )
