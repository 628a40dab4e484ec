"""Pipe writes: draw, edit, move, split, merge, retire, restore — topology kept on every one.

Routes are shapely LineStrings in EPSG:4326 (lon/lat); offsets and tolerances are metres.
Each service is atomic: a refused write (NetworkError) leaves every table as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import LineString, Point

from layers.geometry import STORAGE_SRID
from layers.querysets import in_county_of, lonlat_ewkt
from network.models import NetworkChange, PipeNode, PipeSegment
from network.services import topology
from network.services.geometry import (
    GeometryFault,
    line_fault,
    lonlat,
    merged,
    midpoint,
    reversed_line,
    translated_m,
    with_ends,
)
from network.services.rules import (
    NetworkError,
    fault_error,
    pipe_attrs_clean,
    route_limits_check,
    tolerance_m,
)
from network.services.session import EditResult, NetworkEdit
from network.services.snap import (
    PIPE_PREFIX,
    end_attach,
    junctions_prune,
    next_code,
    node_degree,
    node_insert,
    pipe_split_at,
)

Op = NetworkChange.Operation
ABANDONED = PipeSegment.Status.ABANDONED


def _geos(line: LineString) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(line)), srid=STORAGE_SRID)


def _shapely(pipe: PipeSegment) -> LineString:
    return shapely.from_wkb(bytes(pipe.geom.wkb))


def _checked(line: LineString) -> LineString:
    if fault := line_fault(line):
        raise fault_error(fault)
    return line


def _code_free(code: str, exclude_id: int | None, location) -> None:
    same_county = in_county_of(PipeSegment.objects.all(), lonlat_ewkt(*location))
    if same_county.filter(code=code).exclude(pk=exclude_id).exists():
        raise NetworkError(
            "code_taken",
            _("Another pipe already has the code %(code)s.") % {"code": code},
            field="properties.code",
            location=location,
        )


def _route(edit: NetworkEdit, pipe: PipeSegment | None, line: LineString) -> tuple:
    """Snap both ends of a written route: (line on its nodes, start node id, end node id)."""
    exclude = [pipe.pk] if pipe is not None else []
    start, start_at = end_attach(edit, lonlat(line.coords[0]), exclude_pipes=exclude)
    end, end_at = end_attach(edit, lonlat(line.coords[-1]), exclude_pipes=exclude)
    if start == end:
        raise NetworkError(
            "same_node",
            _("Both ends of the pipe snap to the same node."),
            location=start_at,
        )
    return _checked(with_ends(line, start_at, end_at)), start, end


@transaction.atomic
def pipe_create(*, geom: LineString, properties: Mapping, user) -> EditResult:
    """Draw a pipe: ends bound to nodes within the tolerance, T-junctions split, junctions
    created where there is none. properties: diameter_mm and material required; code,
    install_year, status optional. Returns the recorded change (the new pipe is created)."""
    route_limits_check(geom)  # bounded before the lock and every query on it
    line = _checked(geom)
    location = midpoint(line)
    attrs = pipe_attrs_clean(properties, partial=False, location=location)
    edit = NetworkEdit(operation=Op.PIPE_CREATE, user=user)
    code = attrs.pop("code", None)
    if code:
        _code_free(code, None, location)
    line, start, end = _route(edit, None, line)
    pipe = PipeSegment.objects.create(
        code=code or next_code("layers_pipesegment_auto_code", PIPE_PREFIX, PipeSegment),
        geom=_geos(line),
        start_node_id=start,
        end_node_id=end,
        **attrs,
    )
    edit.pipe_created(pipe.pk)
    return edit.finish(pipes=[pipe.pk])


def _apply(
    edit: NetworkEdit, pipe: PipeSegment, line: LineString | None, properties: Mapping | None
) -> None:
    location = midpoint(line if line is not None else _shapely(pipe))
    attrs = pipe_attrs_clean(properties or {}, partial=True, location=location)
    if "code" in attrs:
        _code_free(attrs["code"], pipe.pk, location)
    if line is not None and attrs.get("status", pipe.status) == ABANDONED:
        # A retired pipe's ends would still snap and could split live pipes: restore first.
        raise NetworkError(
            "retired_route",
            _("Pipe %(code)s is retired; restore it before changing its route.")
            % {"code": pipe.code},
            location=location,
        )
    if line is not None:
        old_nodes = [pipe.start_node_id, pipe.end_node_id]
        line, pipe.start_node_id, pipe.end_node_id = _route(edit, pipe, _checked(line))
        pipe.geom = _geos(line)
        edit.reshape(pipe.pk)
    if pipe.status == ABANDONED and attrs.get("status", ABANDONED) != ABANDONED:
        edit.reshape(pipe.pk)  # back in the network: validated like a new pipe
    for name, value in attrs.items():
        setattr(pipe, name, value)
    pipe.save()
    if line is not None:
        junctions_prune(edit, old_nodes)


@transaction.atomic
def pipe_update(
    *,
    pipe_id: int,
    version: int | None,
    geom: LineString | None = None,
    properties: Mapping | None = None,
    user,
) -> EditResult:
    """Edit a pipe's vertices and/or attributes; `version` must be the stored one.

    A new route is snapped like a drawn one; junctions the pipe left and no other pipe uses
    are deleted. NetworkConflict when the version is stale."""
    if geom is not None:
        route_limits_check(geom)  # bounded before the lock and every query on it
    edit = NetworkEdit(operation=Op.PIPE_UPDATE, user=user)
    pipe = edit.pipe_locked(pipe_id, version)
    _apply(edit, pipe, geom, properties)
    return edit.finish(pipes=[pipe.pk])


@transaction.atomic
def pipe_move(
    *, pipe_id: int, version: int | None, east_m: float, north_m: float, user
) -> EditResult:
    """Move a whole pipe by metres east and north (EPSG:4546); its ends re-snap there."""
    edit = NetworkEdit(operation=Op.PIPE_MOVE, user=user)
    pipe = edit.pipe_locked(pipe_id, version)
    line = translated_m(_shapely(pipe), float(east_m), float(north_m))
    _apply(edit, pipe, line, None)
    return edit.finish(pipes=[pipe.pk])


@transaction.atomic
def pipe_split(*, pipe_id: int, at: Point, version: int | None = None, user) -> EditResult:
    """Split a pipe at the point of it nearest `at` (within the tolerance), at a new junction
    or at a node already there. Both parts keep the attributes; the first keeps the id."""
    tol = tolerance_m()
    edit = NetworkEdit(operation=Op.PIPE_SPLIT, user=user)
    pipe = edit.pipe_locked(pipe_id, version)
    point = lonlat(at)
    hits = [h for h in topology.pipes_near(point, tol) if h.pipe_id == pipe.pk]
    if pipe.status == ABANDONED or not hits:
        raise NetworkError(
            "split_off_pipe",
            _("The split point is not on the pipe (tolerance %(tol)s m).") % {"tol": tol},
            field="point",
            location=point,
        )
    hit = hits[0]
    if min(hit.to_start_m, hit.to_end_m) <= tol:
        raise NetworkError(
            "split_at_end",
            _("The split point is at an end of the pipe; nothing to split."),
            field="point",
            location=hit.at,
        )
    found = topology.node_nearest(hit.at, tol)
    node_id = found[0] if found else node_insert(edit, kind="junction", at=hit.at)
    new_id = pipe_split_at(edit, pipe.pk, node_id)
    return edit.finish(pipes=[pipe.pk, new_id])


def _merge_refused(problem: str, message: str, location) -> NetworkError:
    return NetworkError(problem, message, field="ids", location=location)


@transaction.atomic
def pipe_merge(
    *, pipe_ids: Sequence[int], versions: Sequence[int | None] | None = None, user
) -> EditResult:
    """Merge two pipes meeting at a plain junction of degree two, with the same diameter,
    material and status, into the first (which keeps its id, code and direction). The
    second pipe and the junction are deleted; leaks and confirmed crossings move over."""
    a_id, b_id = pipe_ids
    if a_id == b_id:
        raise _merge_refused("merge_same", _("A pipe cannot be merged with itself."), None)
    versions = list(versions or (None, None))
    edit = NetworkEdit(operation=Op.PIPE_MERGE, user=user)
    a, b = edit.pipe_locked(a_id, versions[0]), edit.pipe_locked(b_id, versions[1])
    line_a, line_b = _shapely(a), _shapely(b)
    shared = {a.start_node_id, a.end_node_id} & {b.start_node_id, b.end_node_id} - {None}
    if len(shared) != 1:
        problem = "merge_loop" if shared else "merge_not_adjacent"
        message = (
            _("The two pipes would form a closed loop.")
            if shared
            else _("The two pipes do not meet at a node.")
        )
        raise _merge_refused(problem, message, midpoint(line_a))
    node = PipeNode.objects.get(pk=shared.pop())
    at = lonlat(node.geom.coords)
    if (degree := node_degree(node.pk)) != 2:
        raise _merge_refused(
            "merge_node_degree",
            _("%(n)s pipes meet at node %(code)s; merging needs exactly two.")
            % {"n": degree, "code": node.code},
            at,
        )
    if node.kind != PipeNode.Kind.JUNCTION:
        raise _merge_refused(
            "merge_node_kind",
            _("Node %(code)s is a %(kind)s, not a plain junction.")
            % {"code": node.code, "kind": node.get_kind_display()},
            at,
        )
    for name in ("diameter_mm", "material", "status"):
        if getattr(a, name) != getattr(b, name):
            raise _merge_refused(
                f"merge_{name}",
                _("The pipes differ in %(name)s (%(a)s, %(b)s).")
                % {"name": name, "a": getattr(a, name), "b": getattr(b, name)},
                at,
            )
    b_far = b.end_node_id if b.start_node_id == node.pk else b.start_node_id
    if a.start_node_id == node.pk:  # keep a's direction: b comes first, ending at the node
        first = line_b if b.end_node_id == node.pk else reversed_line(line_b)
        line, a.start_node_id = merged(first, line_a), b_far
    else:
        second = line_b if b.start_node_id == node.pk else reversed_line(line_b)
        line, a.end_node_id = merged(line_a, second), b_far
    if fault := line_fault(line):
        raise fault_error(
            GeometryFault(fault.code, fault.location or at, **fault.params), field="ids"
        )
    topology.leaks_to_nearest([b.pk], [a.pk])
    topology.crossings_copy(b.pk, a.pk)
    edit.touch_nodes([node.pk])
    b.delete()
    a.geom = _geos(line)
    a.save()
    node.delete()
    return edit.finish(pipes=[a.pk])


def _previous_status(pipe_id: int) -> str:
    """The status a retired pipe had before its latest retirement (in service if unknown)."""
    change = (
        NetworkChange.objects.filter(pipe_ids__contains=[pipe_id], operation=Op.PIPE_RETIRE)
        .order_by("-created_at", "-id")
        .first()
    )
    for feature in change.before.get("pipes", []) if change else []:
        if feature["id"] == pipe_id and feature["properties"]["status"] != ABANDONED:
            return feature["properties"]["status"]
    return PipeSegment.Status.IN_SERVICE


@transaction.atomic
def pipe_retire(*, pipe_id: int, version: int | None = None, user) -> EditResult:
    """Retire a pipe: status abandoned (hidden from the map by default), nodes kept."""
    edit = NetworkEdit(operation=Op.PIPE_RETIRE, user=user)
    pipe = edit.pipe_locked(pipe_id, version)
    if pipe.status == ABANDONED:
        raise NetworkError(
            "already_retired",
            _("Pipe %(code)s is already retired.") % {"code": pipe.code},
            field="properties.status",
            location=midpoint(_shapely(pipe)),
        )
    pipe.status = ABANDONED
    pipe.save()
    return edit.finish(pipes=[pipe.pk])


@transaction.atomic
def pipe_restore(*, pipe_id: int, version: int | None = None, user) -> EditResult:
    """Bring a retired pipe back with the status it had, validated like a new pipe."""
    edit = NetworkEdit(operation=Op.PIPE_RESTORE, user=user)
    pipe = edit.pipe_locked(pipe_id, version)
    if pipe.status != ABANDONED:
        raise NetworkError(
            "not_retired",
            _("Pipe %(code)s is not retired.") % {"code": pipe.code},
            field="properties.status",
            location=midpoint(_shapely(pipe)),
        )
    pipe.status = _previous_status(pipe.pk)
    pipe.save()
    edit.reshape(pipe.pk)
    return edit.finish(pipes=[pipe.pk])
