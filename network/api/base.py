"""Shared ground of the network write API: permissions, request parsing, answers, writes."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS, BasePermission

from layers.api_errors import error_body
from network.models import NetworkChange
from network.services import idempotency
from network.services.geometry import GeometryFault, crs_fault, vertex_limit_fault
from network.services.rules import NetworkConflict, NetworkError, fault_error
from network.services.session import EditResult, node_features, pipe_features

GEOJSON = "application/geo+json"
OBJ = OpenApiTypes.OBJECT
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, description="replay-safe retries (24 h)"
)
ID = OpenApiParameter("feature_id", int, OpenApiParameter.PATH)
WRITE = {"request": OBJ, "responses": {(200, GEOJSON): OBJ}, "parameters": [ID, IDEMPOTENCY]}


class CanEditNetwork(BasePermission):
    """Reads as the layer allows; writes need network.change_pipesegment (engineers)."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or request.user.has_perm("network.change_pipesegment")


class CanUseLeaks(BasePermission):
    """The ledger: view_, add_ or change_leakrecord by method."""

    def has_permission(self, request, view) -> bool:
        action = "view" if request.method in SAFE_METHODS else {"POST": "add"}.get(request.method)
        return request.user.has_perm(f"network.{action or 'change'}_leakrecord")


def answer(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=GEOJSON)


def change_summary(result: EditResult) -> dict:
    c = result.change
    return {"id": c.pk, "operation": c.operation, "pipe_ids": c.pipe_ids, "node_ids": c.node_ids}


def result_response(
    result: EditResult, status: int = 200, collection: bool = False
) -> HttpResponse:
    """The stored feature (or, for splits and reverts, features) and the change."""
    found = pipe_features(result.pipe_ids)
    features = [found[i] for i in result.pipe_ids if i in found]
    node_found = node_features(result.node_ids)
    features += [node_found[i] for i in result.node_ids if i in node_found]
    if collection or len(features) != 1:
        return answer(
            {"type": "FeatureCollection", "features": features, "change": change_summary(result)},
            status,
        )
    return answer({**features[0], "change": change_summary(result)}, status)


def feature_parts(data) -> tuple[object, dict]:
    """(geometry or None, properties) of a GeoJSON Feature in EPSG:4326."""
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise NetworkError("feature_expected", _("A GeoJSON Feature is expected."), field="body")
    if fault := crs_fault(data):
        raise fault_error(fault)
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise NetworkError("properties_invalid", _("properties must be an object."), field="body")
    return data.get("geometry"), properties


def parsed_geometry(parse: Callable, raw) -> object:
    try:
        if fault := vertex_limit_fault(raw, settings.MAX_GEOMETRY_VERTICES):
            raise fault
        return parse(raw)
    except GeometryFault as fault:
        raise fault_error(fault) from None


class VersionRequired(NetworkError):
    """A write that must say which version it was made on, sent without one (RFC 6585)."""

    status = 428
    error_code = "precondition_required"


def request_version(request, required: bool = False) -> int | None:
    """The version the writer read: properties.version or version in the body, else the
    number in an If-Match header (DELETE usually has no body)."""
    data = request.data if isinstance(request.data, dict) else {}
    props = data.get("properties") if isinstance(data.get("properties"), dict) else {}
    raw = props.get("version", data.get("version"))
    if raw is None and request.headers.get("If-Match"):
        digits = request.headers["If-Match"].removeprefix("W/").strip('"')
        raw = int(digits) if digits.isdigit() else -1
    if raw is None and required:
        raise VersionRequired(
            "version_missing",
            _(
                "The version you read is required (properties.version, version or an "
                "If-Match header): it protects a colleague's edit."
            ),
            field="properties.version",
        )
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or raw < 1):
        raise NetworkError(
            "version_invalid", _("version must be a positive whole number."), field="version"
        )
    return raw


def edit_parts(request, parse: Callable) -> tuple[object | None, dict, int]:
    """A PATCH body: its geometry parsed by `parse` (None when absent), its properties and the
    required version (checked once the body is known to be well formed: 400 before 428)."""
    geometry, props = feature_parts(request.data)
    parsed = None if geometry is None else parsed_geometry(parse, geometry)
    return parsed, props, request_version(request, required=True)


def _last_changed_by(kind: str, object_id: int) -> int | None:
    """The user id of the latest recorded change to a pipe or node (None: none, or a leak or
    crossing, whose conflicts name no author)."""
    field = {"pipe": "pipe_ids__contains", "node": "node_ids__contains"}.get(kind)
    if field is None:
        return None
    latest = NetworkChange.objects.filter(**{field: [object_id]}).order_by("-created_at", "-id")
    return latest.values_list("user_id", flat=True).first()


class NetworkWrites:
    """Mixin: NetworkError as the API error (field, location; 409 with the current feature),
    and Idempotency-Key handling for writes."""

    def handle_exception(self, exc):
        if not isinstance(exc, NetworkError):
            return super().handle_exception(exc)
        details = exc.details
        if isinstance(exc, NetworkConflict):
            features = {"pipe": pipe_features, "node": node_features}.get(exc.kind)
            if features is not None:
                current = features([exc.object_id]).get(exc.object_id)
            else:  # a leak record or crossing mark: the conflict carries what is stored
                current = getattr(exc, "current", None)
            details = {
                **details,
                "current_version": exc.current_version,
                "current": current,
                # whether the later change is the writer's own (undoing steps out of order)
                "changed_by_you": _last_changed_by(exc.kind, exc.object_id) == self.request.user.pk,
            }
        body = error_body(exc.status, exc.message, details, getattr(exc, "error_code", None))
        return JsonResponse(body, status=exc.status)

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
        fingerprint = idempotency.request_fingerprint(
            request.method, request.path, request.data, request.headers.get("If-Match")
        )

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
