"""Pipe nodes: list/create, read/update/move/delete."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated

from layers.api import FeatureDetailApi, FeatureListApi, FeatureQuerySerializer
from layers.permissions import CanViewLayer
from network.api.base import (
    GEOJSON,
    ID,
    IDEMPOTENCY,
    OBJ,
    WRITE,
    CanEditNetwork,
    NetworkWrites,
    answer,
    change_summary,
    edit_parts,
    feature_parts,
    parsed_geometry,
    request_version,
    result_response,
)
from network.services import nodes
from network.services.geometry import point_from_geojson
from network.services.session import node_features


class NodeCollectionApi(NetworkWrites, FeatureListApi):
    """Pipe nodes: a page of features, or add a node (a valve on a pipe splits it)."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(
        operation_id="layers_pipe_nodes_list",
        parameters=[FeatureQuerySerializer],
        responses={(200, GEOJSON): OBJ},
    )
    def get(self, request, slug: str):
        return super().get(request, slug)

    @extend_schema(
        operation_id="layers_pipe_nodes_create",
        request=OBJ,
        responses={(201, GEOJSON): OBJ},
        parameters=[IDEMPOTENCY],
    )
    def post(self, request, slug: str):
        def run():
            geometry, props = feature_parts(request.data)
            at = parsed_geometry(point_from_geojson, geometry)
            return result_response(
                nodes.node_create(at=at, properties=props, user=request.user), 201
            )

        return self.write(request, run)


class NodeDetailApi(NetworkWrites, FeatureDetailApi):
    """One node: read, edit or move (PATCH; the pipe ends follow), delete if unused."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(
        operation_id="layers_pipe_nodes_retrieve", parameters=[ID], responses={(200, GEOJSON): OBJ}
    )
    def get(self, request, slug: str, feature_id: int):
        feature = json.loads(super().get(request, slug, feature_id).content)
        # The read API's node properties lack what an editor needs: the version to send back
        # and the degree (pipes ending there).
        extra = node_features([feature_id])[feature_id]["properties"]
        feature["properties"] |= {"version": extra["version"], "degree": extra["degree"]}
        return answer(feature)

    @extend_schema(operation_id="layers_pipe_nodes_update", **WRITE)
    def patch(self, request, slug: str, feature_id: int):
        def run():
            at, props, version = edit_parts(request, point_from_geojson)
            result = nodes.node_update(
                node_id=feature_id, version=version, at=at, properties=props, user=request.user
            )
            return result_response(result)

        return self.write(request, run)

    @extend_schema(operation_id="layers_pipe_nodes_destroy", **WRITE)
    def delete(self, request, slug: str, feature_id: int):
        version = request_version(request, required=True)

        def run():
            result = nodes.node_delete(node_id=feature_id, version=version, user=request.user)
            return answer({"id": feature_id, "deleted": True, "change": change_summary(result)})

        return self.write(request, run)
