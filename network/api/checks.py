"""The network check and the crossings it finds (confirm or dismiss)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from layers.api import parse_bbox
from layers.permissions import CanViewLayer
from network.api.base import GEOJSON, IDEMPOTENCY, OBJ, CanEditNetwork, NetworkWrites, answer
from network.models import PipeCrossing
from network.services import check as network_check
from network.services.rules import NetworkError


class NetworkValidateApi(NetworkWrites, APIView):
    """GET /network/validate/?bbox=: the network's problems as GeoJSON points."""

    permission_classes = [IsAuthenticated, CanViewLayer]

    @extend_schema(
        parameters=[OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat")],
        responses={(200, GEOJSON): OBJ},
    )
    def get(self, request, slug: str):
        problems = network_check.network_problems(
            bbox_4326=parse_bbox(request.query_params.get("bbox"))
        )
        counts = {name: 0 for name in network_check.PROBLEMS}
        for problem in problems:
            counts[problem.problem] += 1
        features = [p.as_feature() for p in problems]
        return answer(
            {
                "type": "FeatureCollection",
                "count": len(features),
                "counts": counts,
                "features": features,
            }
        )


# What a crossing mark shows: its pipes' codes and who confirmed it, fetched with it (no query
# per row).
_CROSSING_RELATED = ("confirmed_by", "pipe_a", "pipe_b")


def _crossing(c: PipeCrossing) -> dict:
    """A crossing mark as the API shows it; `c` comes with _CROSSING_RELATED loaded."""
    return {
        "id": c.pk,
        "pipe_ids": [c.pipe_a_id, c.pipe_b_id],
        "pipe_codes": [c.pipe_a.code, c.pipe_b.code],
        "confirmed_by": c.confirmed_by.get_username() if c.confirmed_by else None,
        "confirmed_at": c.confirmed_at.isoformat(),
        "note": c.note,
    }


class CrossingListApi(NetworkWrites, APIView):
    """Pipes confirmed to cross without joining: list, or mark a pair {"pipes": [a, b]}."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(responses=OBJ)
    def get(self, request, slug: str):
        rows = PipeCrossing.objects.select_related(*_CROSSING_RELATED).defer(
            "pipe_a__geom", "pipe_b__geom"
        )[:5000]
        return JsonResponse({"results": [_crossing(c) for c in rows]})

    @extend_schema(request=OBJ, responses={201: OBJ}, parameters=[IDEMPOTENCY])
    def post(self, request, slug: str):
        data = request.data if isinstance(request.data, dict) else {}
        ids, note = data.get("pipes"), data.get("note") or ""
        valid = isinstance(ids, list) and len(ids) == 2 and all(type(i) is int for i in ids)
        if not valid or not isinstance(note, str):
            raise NetworkError("pipes_invalid", _("pipes must be two pipe ids."), field="pipes")

        def run():
            crossing = network_check.crossing_confirm(
                pipe_ids=tuple(ids), note=note, user=request.user
            )
            loaded = PipeCrossing.objects.select_related(*_CROSSING_RELATED).get(pk=crossing.pk)
            return JsonResponse(_crossing(loaded), status=201)

        return self.write(request, run)


class CrossingDetailApi(NetworkWrites, APIView):
    """DELETE a crossing mark: the pair shows up in the network check again."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, crossing_id: int):
        network_check.crossing_delete(crossing_id=crossing_id, user=request.user)
        return HttpResponse(status=204)
