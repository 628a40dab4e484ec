"""Part 4 writes (OGC 20-002 draft: create, replace, update, delete) of pipes and pipe
nodes, through the network services only: snapping, validation, the optimistic lock,
history and audit are theirs.

The version a write was made on comes from If-Match (the ETag `"<version>"` of a GET) or,
as in the layers API, from `properties.version` in the body; a PUT or PATCH without one
answers 428. A stale If-Match answers 412, a stale `properties.version` 409 (both change
nothing) — unless every change since that version was the same user's: QGIS keeps the
version it read and sends it again with its next PUT of the feature (a geometry and an
attribute saved together are two PUTs), which would otherwise conflict with itself.
A DELETE without a version retires the current one (QGIS sends none; retiring is undone in
the editor, and the history keeps the pipe).
Coordinates are CRS84 unless a Content-Crs header names another offered CRS (in its axis
order). DELETE retires a pipe (it leaves the collection; history keeps it) and deletes an
unused node.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError

from layers.api_errors import error_body
from network.models import NetworkChange
from network.services import edit as pipe_services
from network.services import nodes as node_services
from network.services.geometry import (
    GeometryFault,
    crs_fault,
    line_from_geojson,
    point_from_geojson,
    vertex_limit_fault,
)
from network.services.rules import NetworkConflict, NetworkError, fault_error
from network.services.session import node_features, pipe_features
from ogcapi.crs import CrsRefused, crs_parse, positions_to_lonlat
from ogcapi.selectors import item_json

GEOJSON = "application/geo+json"
# Two vertices closer than this (degrees, about 11 cm) are the same: a client sending back the
# geometry it read has not moved it, and the route is not re-snapped. QGIS writes GeoJSON
# with 6 decimals (QgsJsonExporter's default precision: up to 5e-7 degrees off).
SAME_POSITION_DEG = 1e-6
NULLABLE = {"pipes": ("install_year",), "pipe-nodes": ("elevation_m",)}
OWN_CHANGES_SCANNED = 50  # history rows looked at to show a stale version is the user's own
REQUIRED = {"pipes": ("diameter_mm", "material"), "pipe-nodes": ("kind",)}


class PreconditionRequired(NetworkError):
    status = 428
    error_code = "precondition_required"


class PreconditionFailed(NetworkError):
    status = 412
    error_code = "precondition_failed"


def network_error_response(exc: Exception) -> HttpResponse | None:
    """A refused write in the API's error shape (None: not a network error)."""
    if not isinstance(exc, NetworkError):
        return None
    details = exc.details
    status, code = exc.status, getattr(exc, "error_code", None)
    if isinstance(exc, NetworkConflict):
        features = {"pipe": pipe_features, "node": node_features}[exc.kind]
        details = {
            **details,
            "current_version": exc.current_version,
            "current": features([exc.object_id]).get(exc.object_id),
        }
        if getattr(exc, "from_header", False):
            status, code = 412, "precondition_failed"
    body = json.dumps(error_body(status, exc.message, details, code), ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json")


def _version(view, data: dict, required: bool = True) -> tuple[int | None, bool]:
    """(version, came from If-Match) of a write; PreconditionRequired without one."""
    header = view.request.headers.get("If-Match")
    if header is not None:
        tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
        if tag.isdigit() and 0 < len(tag) <= 12:
            return int(tag), True
        if tag != "*":
            raise PreconditionFailed(
                "precondition_failed",
                _("If-Match %(tag)s matches no version of this feature.") % {"tag": header[:40]},
                field="If-Match",
            )
    props = data.get("properties") if isinstance(data.get("properties"), dict) else {}
    raw = props.get("version")
    if raw is None:
        if required:
            raise PreconditionRequired(
                "version_missing",
                _(
                    "The version you read is required (an If-Match header with the ETag, or "
                    "properties.version): it protects a colleague's edit."
                ),
                field="If-Match",
            )
        return None, False
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise NetworkError(
            "version_invalid", _("version must be a positive whole number."), field="version"
        )
    return raw, False


def _body(view) -> dict:
    data = view.request.data
    if not isinstance(data, dict):
        raise NetworkError("feature_expected", _("A GeoJSON Feature is expected."), field="body")
    if fault := crs_fault(data):
        raise fault_error(fault)
    return data


def _properties(data: dict) -> dict:
    props = data.get("properties")
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise NetworkError("properties_invalid", _("properties must be an object."), field="body")
    return {k: v for k, v in props.items() if k != "id"}


def _geometry(view, spec, raw):
    """The body's geometry as a lon/lat shapely geometry, checked by the services' parsers."""
    try:
        crs = crs_parse(view.request.headers.get("Content-Crs"))
    except CrsRefused:
        raise ValidationError(
            {"Content-Crs": [_("Unsupported coordinate reference system.")]}
        ) from None
    parse = line_from_geojson if spec.slug == "pipes" else point_from_geojson
    try:
        if fault := vertex_limit_fault(raw, settings.MAX_GEOMETRY_VERTICES):
            raise fault
        if isinstance(raw, dict) and isinstance(raw.get("coordinates"), list):
            raw = {**raw, "coordinates": positions_to_lonlat(raw["coordinates"], crs)}
        return parse(raw)
    except GeometryFault as fault:
        raise fault_error(fault) from None


def _answer(view, spec, pk: int, status: int = 200) -> HttpResponse:
    text = item_json(spec, pk, crs_parse(None))
    url = f"{view.base()}/collections/{spec.slug}/items/{pk}"
    if text is None:  # e.g. a pipe created as abandoned: stored, but not in the collection
        response = HttpResponse(status=status)
    else:
        response = HttpResponse(text, status=status, content_type=GEOJSON)
        version = json.loads(text)["properties"].get("version")
        if version is not None:
            response["ETag"] = f'"{version}"'
    if status == 201:
        response["Location"] = url
    return response


def version_read(kind: str, pk: int, version: int, user) -> dict | None:
    """The pipe or node as it was at `version` (GeoJSON, lon/lat, from its history) when every
    change to it since was made by `user`; else None (a colleague's change, an import, or a
    history longer than scanned). A stale version of the user's own hides no one's edit."""
    ids, key = ("pipe_ids", "pipes") if kind == "pipe" else ("node_ids", "nodes")
    rows = (
        NetworkChange.objects.filter(**{f"{ids}__contains": [pk]})
        .order_by("-id")
        .values_list("user_id", "before")[:OWN_CHANGES_SCANNED]
    )
    read = None
    for user_id, before in rows:
        found = next((f for f in before.get(key, []) if f.get("id") == pk), None)
        before_version = (found or {}).get("properties", {}).get("version") or 0
        if before_version < version:
            break  # older than what the client read
        if user_id != user.pk:
            return None
        if before_version == version:
            read = found
    return read


def _conditional(run, from_header: bool):
    try:
        return run()
    except NetworkConflict as exc:
        exc.from_header = from_header
        raise


def item_create(view, spec) -> HttpResponse:
    """POST a Feature: 201 with Location and ETag."""
    data = _body(view)
    props = {k: v for k, v in _properties(data).items() if v is not None}
    geom = _geometry(view, spec, data.get("geometry"))
    user = view.request.user
    if spec.slug == "pipes":
        result = pipe_services.pipe_create(geom=geom, properties=props, user=user)
        pk = result.pipe_ids[0]
    else:
        result = node_services.node_create(at=geom, properties=props, user=user)
        pk = result.node_ids[0]
    return _answer(view, spec, pk, 201)


def same_positions(stored, sent) -> bool:
    """True when two coordinate lists (lon/lat; a point's, or a line's) are vertex for vertex
    within SAME_POSITION_DEG."""
    if stored and not isinstance(stored[0], list | tuple):
        stored = [stored]
    if sent and not isinstance(sent[0], list | tuple):
        sent = [sent]
    if len(stored) != len(sent):
        return False
    return all(
        abs(a[0] - b[0]) <= SAME_POSITION_DEG and abs(a[1] - b[1]) <= SAME_POSITION_DEG
        for a, b in zip(stored, sent, strict=True)
    )


def _unchanged(spec, pk: int, geom) -> bool:
    """True when the sent geometry is the stored one (every vertex within SAME_POSITION_DEG)."""
    stored = item_json(spec, pk, crs_parse(None))
    if stored is None:
        return False
    return same_positions(json.loads(stored)["geometry"]["coordinates"], list(geom.coords))


def _changes_from(read: dict, geom, props: dict):
    """What a whole feature sent (PUT) changes from the version the client read: the geometry
    if moved, the attributes that differ."""
    if geom is not None and same_positions(read["geometry"]["coordinates"], list(geom.coords)):
        geom = None
    was = read.get("properties", {})
    return geom, {k: v for k, v in props.items() if k not in was or was[k] != v}


def _write(view, spec, pk: int, geom, props: dict, version: int, from_header: bool, whole: bool):
    """Update through the services. A stale body version of the user's own making (QGIS sends
    the version it read with each PUT) is retried once on the current version, with only what
    the client changed from the version it read for a whole feature: the user's own changes
    made since (another PUT, the editor) are kept. If-Match is never relaxed."""
    user = view.request.user
    if geom is not None and _unchanged(spec, pk, geom):
        geom = None

    def run(v: int, geom, props: dict):
        if spec.slug == "pipes":
            return pipe_services.pipe_update(
                pipe_id=pk, version=v, geom=geom, properties=props, user=user
            )
        return node_services.node_update(
            node_id=pk, version=v, at=geom, properties=props, user=user
        )

    try:
        return run(version, geom, props)
    except NetworkConflict as exc:
        exc.from_header = from_header
        read = None
        if not from_header and exc.current_version is not None:
            read = version_read(exc.kind, pk, version, user)
        if read is None:
            raise
        current = exc.current_version
    if whole:
        geom, props = _changes_from(read, geom, props)
    return _conditional(lambda: run(current, geom, props), False)


def _present(spec, pk: int) -> None:
    if item_json(spec, pk, crs_parse(None)) is None:
        raise NotFound(_("No such feature."))


def item_replace(view, spec, pk: int) -> HttpResponse:
    """PUT a whole Feature: geometry and every attribute (an optional one left out or null
    is cleared; the code and a pipe's status, left out, stay)."""
    _present(spec, pk)
    data = _body(view)
    version, from_header = _version(view, data)
    props = _properties(data)
    for name in REQUIRED[spec.slug]:
        if props.get(name) is None:
            raise NetworkError(
                f"{name}_missing",
                _("%(name)s is required.") % {"name": name},
                field=f"properties.{name}",
            )
    props = {k: v for k, v in props.items() if v is not None or k in NULLABLE[spec.slug]}
    for name in NULLABLE[spec.slug]:
        props.setdefault(name, None)
    geom = _geometry(view, spec, data.get("geometry"))
    _write(view, spec, pk, geom, props, version, from_header, whole=True)
    return _answer(view, spec, pk)


def item_update(view, spec, pk: int) -> HttpResponse:
    """PATCH (JSON merge patch, RFC 7396): the geometry and/or the properties given."""
    _present(spec, pk)
    data = _body(view)
    version, from_header = _version(view, data)
    props = {k: v for k, v in _properties(data).items() if k != "version"}
    geom = None
    if data.get("geometry") is not None:
        geom = _geometry(view, spec, data["geometry"])
    _write(view, spec, pk, geom, props, version, from_header, whole=False)
    return _answer(view, spec, pk)


def item_delete(view, spec, pk: int) -> HttpResponse:
    """DELETE: a pipe is retired (kept, with its history), a node no pipe uses deleted.
    If-Match is checked when sent; without it the current version goes (QGIS sends none)."""
    _present(spec, pk)
    version, from_header = _version(view, {}, required=False)
    user = view.request.user
    if spec.slug == "pipes":
        _conditional(
            lambda: pipe_services.pipe_retire(pipe_id=pk, version=version, user=user),
            from_header,
        )
    else:
        _conditional(
            lambda: node_services.node_delete(node_id=pk, version=version, user=user),
            from_header,
        )
    return HttpResponse(status=204)
