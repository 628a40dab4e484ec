"""History of a pipe or node, and reverting one of its changes."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from layers.permissions import CanViewLayer
from network.api.base import (
    GEOJSON,
    ID,
    IDEMPOTENCY,
    OBJ,
    CanEditNetwork,
    NetworkWrites,
    result_response,
)
from network.services import history


class HistoryApi(NetworkWrites, APIView):
    """GET .../<id>/history/: every change of a pipe or node, newest first."""

    permission_classes = [IsAuthenticated, CanViewLayer]

    @extend_schema(parameters=[ID], responses=OBJ)
    def get(self, request, slug: str, feature_id: int):
        changes = history.pipe_changes if slug == "pipes" else history.node_changes
        rows = [history.change_as_dict(c) for c in changes(feature_id)[:500]]
        return JsonResponse({"feature_id": feature_id, "count": len(rows), "results": rows})


class RevertApi(NetworkWrites, APIView):
    """POST .../<id>/history/<change_id>/revert/: undo a change (409 if it moved on since)."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(
        request=None,
        parameters=[ID, OpenApiParameter("change_id", int, OpenApiParameter.PATH), IDEMPOTENCY],
        responses={(200, GEOJSON): OBJ},
    )
    def post(self, request, slug: str, feature_id: int, change_id: int):
        subject = {"pipe_id" if slug == "pipes" else "node_id": feature_id}
        return self.write(
            request,
            lambda: result_response(
                history.change_revert(change_id=change_id, user=request.user, **subject),
                collection=True,
            ),
        )
