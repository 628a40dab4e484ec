"""Write API v1 of the pipe network: pipes and nodes as GeoJSON, history, leaks, the check.

GET of pipes and nodes stays with the read API's views (subclassed here); every write takes
a GeoJSON Feature (EPSG:4326), answers with the stored Feature(s) and a `change` member, may
carry an `Idempotency-Key` header, and needs `layers.change_pipesegment`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.views import APIView
from shapely.geometry import Point

from .api import (
    FeatureDetailApi,
    FeatureListApi,
    FeatureQuerySerializer,
    feature_collection_response,
    parse_bbox,
)
from .api_errors import error_body
from .extensions import FeatureQuery
from .models import PipeCrossing, PipeSegment
from .permissions import CanViewLayer
from .registry import LAYERS
from .selectors import feature_page
from .services import history, idempotency, leaks, network_check
from .services import network_edit as pipes
from .services import network_nodes as nodes
from .services.network_geometry import (
    GeometryFault,
    crs_fault,
    line_from_geojson,
    point_from_geojson,
    position,
    vertex_limit_fault,
)
from .services.network_rules import NetworkConflict, NetworkError, NetworkNotFound, fault_error
from .services.network_session import EditResult, node_features, pipe_features

GEOJSON = "application/geo+json"
OBJ = OpenApiTypes.OBJECT
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, description="replay-safe retries (24 h)"
)
ID = OpenApiParameter("feature_id", int, OpenApiParameter.PATH)
WRITE = {"request": OBJ, "responses": {(200, GEOJSON): OBJ}, "parameters": [ID, IDEMPOTENCY]}


class CanEditNetwork(BasePermission):
    """Reads as the layer allows; writes need layers.change_pipesegment (engineers)."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or request.user.has_perm("layers.change_pipesegment")


class CanUseLeaks(BasePermission):
    """The ledger: view_, add_ or change_leakrecord by method."""

    def has_permission(self, request, view) -> bool:
        action = "view" if request.method in SAFE_METHODS else {"POST": "add"}.get(request.method)
        return request.user.has_perm(f"layers.{action or 'change'}_leakrecord")


def _answer(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=GEOJSON)


def _change(result: EditResult) -> dict:
    c = result.change
    return {"id": c.pk, "operation": c.operation, "pipe_ids": c.pipe_ids, "node_ids": c.node_ids}


def _result(result: EditResult, status: int = 200, collection: bool = False) -> HttpResponse:
    """The stored feature (or, for splits and reverts, features) and the change."""
    found = pipe_features(result.pipe_ids)
    features = [found[i] for i in result.pipe_ids if i in found]
    node_found = node_features(result.node_ids)
    features += [node_found[i] for i in result.node_ids if i in node_found]
    if collection or len(features) != 1:
        return _answer(
            {"type": "FeatureCollection", "features": features, "change": _change(result)}, status
        )
    return _answer({**features[0], "change": _change(result)}, status)


def _feature(data) -> tuple[object, dict]:
    """(geometry or None, properties) of a GeoJSON Feature in EPSG:4326."""
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise NetworkError("feature_expected", _("A GeoJSON Feature is expected."), field="body")
    if fault := crs_fault(data):
        raise fault_error(fault)
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise NetworkError("properties_invalid", _("properties must be an object."), field="body")
    return data.get("geometry"), properties


def _geometry(parse: Callable, raw) -> object:
    try:
        if fault := vertex_limit_fault(raw, settings.MAX_GEOMETRY_VERTICES):
            raise fault
        return parse(raw)
    except GeometryFault as fault:
        raise fault_error(fault) from None


def _version(request, required: bool = False) -> int | None:
    """The version the writer read: properties.version or version in the body, else the
    number in an If-Match header (DELETE usually has no body)."""
    data = request.data if isinstance(request.data, dict) else {}
    props = data.get("properties") if isinstance(data.get("properties"), dict) else {}
    raw = props.get("version", data.get("version"))
    if raw is None and request.headers.get("If-Match"):
        digits = request.headers["If-Match"].removeprefix("W/").strip('"')
        raw = int(digits) if digits.isdigit() else -1
    if raw is None and required:
        raise NetworkError(
            "version_missing",
            _("properties.version is required: it protects a colleague's edit."),
            field="properties.version",
        )
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or raw < 1):
        raise NetworkError(
            "version_invalid", _("version must be a positive whole number."), field="version"
        )
    return raw


class NetworkWrites:
    """Mixin: NetworkError as the API error (field, location; 409 with the current feature),
    and Idempotency-Key handling for writes."""

    def handle_exception(self, exc):
        if not isinstance(exc, NetworkError):
            return super().handle_exception(exc)
        details = exc.details
        if isinstance(exc, NetworkConflict):
            features = pipe_features if exc.kind == "pipe" else node_features
            current = features([exc.object_id]).get(exc.object_id)
            details = {**details, "current_version": exc.current_version, "current": current}
        return JsonResponse(error_body(exc.status, exc.message, details), status=exc.status)

    def write(self, request, run: Callable[[], HttpResponse]) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return run()
        if not 0 < len(key) <= idempotency.KEY_MAX or not key.isprintable():
            raise NetworkError(
                "idempotency_key_invalid",
                _("The Idempotency-Key must be 1 to 200 printable characters."),
                field="Idempotency-Key",
            )
        fingerprint = idempotency.request_fingerprint(request.method, request.path, request.data)

        def attempt() -> idempotency.StoredAnswer:
            response = run()
            body, content_type = response.content.decode(), response["Content-Type"]
            return idempotency.StoredAnswer(fingerprint, response.status_code, body, content_type)

        answer, replayed = idempotency.idempotent(
            user_id=request.user.pk, key=key, fingerprint=fingerprint, run=attempt
        )
        response = HttpResponse(
            answer.body, status=answer.status_code, content_type=answer.content_type
        )
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


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
        v = query.validated_data
        spec = LAYERS[slug]
        if not v["all"]:  # retired pipes are hidden by default, as on the map tiles
            spec = dataclasses.replace(spec, filters={"status__in": ["in_service", "planned"]})
        page, size = v["page"], v["page_size"]
        result = feature_page(
            spec,
            bbox_4326=parse_bbox(v.get("bbox")),
            page=page,
            page_size=size,
            query=FeatureQuery(year=v.get("year"), status=v.get("status")),
            exact_count=v["exact_count"],
        )
        return feature_collection_response(request, slug, page, size, result)

    @extend_schema(
        operation_id="layers_pipes_create",
        request=OBJ,
        responses={(201, GEOJSON): OBJ},
        parameters=[IDEMPOTENCY],
    )
    def post(self, request, slug: str):
        def run():
            geometry, props = _feature(request.data)
            line = _geometry(line_from_geojson, geometry)
            result = pipes.pipe_create(geom=line, properties=props, user=request.user)
            return _result(result, 201)

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
            geometry, props = _feature(request.data)
            version = _version(request, required=True)
            line = None if geometry is None else _geometry(line_from_geojson, geometry)
            result = pipes.pipe_update(
                pipe_id=feature_id, version=version, geom=line, properties=props, user=request.user
            )
            return _result(result)

        return self.write(request, run)

    @extend_schema(operation_id="layers_pipes_retire", **WRITE)
    def delete(self, request, slug: str, feature_id: int):
        version = _version(request)

        def run():
            return _result(
                pipes.pipe_retire(pipe_id=feature_id, version=version, user=request.user)
            )

        return self.write(request, run)


class PipeActionApi(NetworkWrites, APIView):
    """POST .../<id>/split/ {"point": [lon, lat]}, /restore/, /move/ {"offset_m": [e, n]}."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]
    operation = ""  # "split" | "move" | "restore", set by the URL

    @extend_schema(**WRITE)
    def post(self, request, slug: str, feature_id: int):
        data = request.data if isinstance(request.data, dict) else {}
        version = _version(request)

        def run():
            if self.operation == "split":
                at = Point(_geometry(position, data.get("point")))
                result = pipes.pipe_split(
                    pipe_id=feature_id, at=at, version=version, user=request.user
                )
                return _result(result, collection=True)
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
                result = pipes.pipe_move(
                    pipe_id=feature_id,
                    version=version,
                    east_m=offset[0],
                    north_m=offset[1],
                    user=request.user,
                )
                return _result(result)
            return _result(
                pipes.pipe_restore(pipe_id=feature_id, version=version, user=request.user)
            )

        return self.write(request, run)


class PipeMergeApi(NetworkWrites, APIView):
    """POST /layers/pipes/merge/ {"ids": [a, b], "versions": [va, vb]}: b merged into a."""

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

        if not ok(ids) or (versions is not None and not ok(versions)):
            raise NetworkError("ids_invalid", _("ids must be two pipe ids."), field="ids")
        return self.write(
            request,
            lambda: _result(pipes.pipe_merge(pipe_ids=ids, versions=versions, user=request.user)),
        )


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
            geometry, props = _feature(request.data)
            at = _geometry(point_from_geojson, geometry)
            return _result(nodes.node_create(at=at, properties=props, user=request.user), 201)

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
        return _answer(feature)

    @extend_schema(operation_id="layers_pipe_nodes_update", **WRITE)
    def patch(self, request, slug: str, feature_id: int):
        def run():
            geometry, props = _feature(request.data)
            version = _version(request, required=True)
            at = None if geometry is None else _geometry(point_from_geojson, geometry)
            result = nodes.node_update(
                node_id=feature_id, version=version, at=at, properties=props, user=request.user
            )
            return _result(result)

        return self.write(request, run)

    @extend_schema(operation_id="layers_pipe_nodes_destroy", **WRITE)
    def delete(self, request, slug: str, feature_id: int):
        version = _version(request)

        def run():
            result = nodes.node_delete(node_id=feature_id, version=version, user=request.user)
            return _answer({"id": feature_id, "deleted": True, "change": _change(result)})

        return self.write(request, run)


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
            lambda: _result(
                history.change_revert(change_id=change_id, user=request.user, **subject),
                collection=True,
            ),
        )


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
    return _answer(leaks.leak_as_feature(leak), status)


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
        return _answer(
            {"type": "FeatureCollection", "count": qs.count(), "page": v["page"], "features": rows}
        )

    @extend_schema(request=OBJ, responses={(201, GEOJSON): OBJ}, parameters=[IDEMPOTENCY])
    def post(self, request):
        def run():
            geometry, props = _feature(request.data)
            values = leaks.leak_values_clean(props, partial=False)
            at = None if geometry is None else _geometry(point_from_geojson, geometry)
            return _leak_answer(leaks.leak_record(at=at, user=request.user, **values), 201)

        return self.write(request, run)


class LeakDetailApi(NetworkWrites, APIView):
    """One leak: read it, or record its repair, loss, cause (PATCH)."""

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
        def run():
            geometry, props = _feature(request.data)
            values = leaks.leak_values_clean(props, partial=True)
            at = None if geometry is None else _geometry(point_from_geojson, geometry)
            return _leak_answer(
                leaks.leak_update(leak_id=leak_id, values=values, at=at, user=request.user)
            )

        return self.write(request, run)


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
        return _answer(
            {
                "type": "FeatureCollection",
                "count": len(features),
                "counts": counts,
                "features": features,
            }
        )


def _crossing(c: PipeCrossing) -> dict:
    codes = dict(
        PipeSegment.objects.filter(pk__in=[c.pipe_a_id, c.pipe_b_id]).values_list("pk", "code")
    )
    return {
        "id": c.pk,
        "pipe_ids": [c.pipe_a_id, c.pipe_b_id],
        "pipe_codes": [codes.get(c.pipe_a_id), codes.get(c.pipe_b_id)],
        "confirmed_by": c.confirmed_by.get_username() if c.confirmed_by else None,
        "confirmed_at": c.confirmed_at.isoformat(),
        "note": c.note,
    }


class CrossingListApi(NetworkWrites, APIView):
    """Pipes confirmed to cross without joining: list, or mark a pair {"pipes": [a, b]}."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(responses=OBJ)
    def get(self, request, slug: str):
        rows = PipeCrossing.objects.select_related("confirmed_by")[:5000]
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
            return JsonResponse(_crossing(crossing), status=201)

        return self.write(request, run)


class CrossingDetailApi(NetworkWrites, APIView):
    """DELETE a crossing mark: the pair shows up in the network check again."""

    permission_classes = [IsAuthenticated, CanViewLayer, CanEditNetwork]

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, crossing_id: int):
        deleted, _rows = PipeCrossing.objects.filter(pk=crossing_id).delete()
        if not deleted:
            raise NetworkNotFound("not_found", _("No such crossing mark."), field="id")
        return HttpResponse(status=204)
