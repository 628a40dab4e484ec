"""Node writes: add, edit, move (the pipe ends follow), delete (refused while pipes use it).

Points are shapely Points in EPSG:4326 (lon/lat); tolerances are metres on the ellipsoid.
"""

from __future__ import annotations

from collections.abc import Mapping

import shapely
from django.contrib.gis.geos import Point as GeosPoint
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from shapely.geometry import Point

from layers.geometry import STORAGE_SRID
from layers.querysets import in_county_of, lonlat_ewkt
from network.models import NetworkChange, PipeNode, PipeSegment
from network.services import topology
from network.services.geometry import GeometryFault, LonLat, position
from network.services.rules import NetworkError, fault_error, node_attrs_clean, tolerance_m
from network.services.session import EditResult, NetworkEdit
from network.services.snap import node_degree, node_insert, pipe_split_at

Op = NetworkChange.Operation


def _checked(at: Point) -> LonLat:
    try:
        return position([at.x, at.y])
    except GeometryFault as fault:
        raise fault_error(fault) from None


def _code_free(code: str, exclude_id: int | None, location: LonLat) -> None:
    same_county = in_county_of(PipeNode.objects.all(), lonlat_ewkt(*location))
    if same_county.filter(code=code).exclude(pk=exclude_id).exists():
        raise NetworkError(
            "code_taken",
            _("Another node already has the code %(code)s.") % {"code": code},
            field="properties.code",
            location=location,
        )


def _no_node_near(point: LonLat, exclude: list[int]) -> None:
    tol = tolerance_m()
    if hit := topology.node_nearest(point, tol, exclude):
        code = PipeNode.objects.filter(pk=hit[0]).values_list("code", flat=True).first()
        raise NetworkError(
            "node_duplicate",
            _("Node %(code)s is already within %(tol)s m of this point.")
            % {"code": code, "tol": tol},
            location=hit[1],
            other_id=hit[0],
            other_code=code,
        )


def _join_pipes(point: LonLat, exclude: list[int]) -> tuple[LonLat, list[int]]:
    """Pipes whose interior passes within the tolerance of a node placed at `point`, and
    where the node goes: on the nearest such pipe, or on the crossing of the two nearest."""
    tol = tolerance_m()
    hits = [
        h for h in topology.pipes_near(point, tol, exclude) if min(h.to_start_m, h.to_end_m) > tol
    ]
    if not hits:
        return point, []
    at = hits[0].at
    if len(hits) > 1:
        lines = [
            shapely.from_wkb(bytes(g.wkb))
            for g in PipeSegment.objects.filter(pk__in=[hits[0].pipe_id, hits[1].pipe_id])
            .order_by("pk")
            .values_list("geom", flat=True)
        ]
        meet = lines[0].intersection(lines[1])
        if meet.geom_type == "Point":  # a crossing: the node goes exactly on it
            near = topology.pipes_near((meet.x, meet.y), tol, exclude)
            if {h.pipe_id for h in near} >= {hits[0].pipe_id, hits[1].pipe_id}:
                at = (meet.x, meet.y)
    return at, [h.pipe_id for h in hits]


@transaction.atomic
def node_create(*, at: Point, properties: Mapping, user) -> EditResult:
    """Add a node (valve, hydrant, meter, ...). On a pipe (within the tolerance) the pipe is
    split there; on a crossing of two pipes both are, and the node joins them."""
    point = _checked(at)
    attrs = node_attrs_clean(properties, partial=False, location=point)
    edit = NetworkEdit(operation=Op.NODE_CREATE, user=user)
    if "code" in attrs:
        _code_free(attrs["code"], None, point)
    _no_node_near(point, [])
    where, pipes = _join_pipes(point, [])
    node_id = node_insert(edit, at=where, **attrs)
    for pipe_id in pipes:
        pipe_split_at(edit, pipe_id, node_id)
    return edit.finish(nodes=[node_id])


def _move(edit: NetworkEdit, node: PipeNode, point: LonLat) -> None:
    """Move a node; the ends of every pipe bound to it move with it (no lost connection)."""
    attached = list(
        PipeSegment.objects.filter(Q(start_node=node) | Q(end_node=node)).values_list(
            "pk", flat=True
        )
    )
    _no_node_near(point, [node.pk])
    where, joins = _join_pipes(point, attached)
    edit.touch_pipes(attached)
    node.geom = GeosPoint(where[0], where[1], srid=STORAGE_SRID)
    node.save()
    topology.pipe_ends_on_nodes(attached)
    for pipe_id in attached:
        edit.reshape(pipe_id)
    for pipe_id in joins:
        pipe_split_at(edit, pipe_id, node.pk)


@transaction.atomic
def node_update(
    *,
    node_id: int,
    version: int | None,
    at: Point | None = None,
    properties: Mapping | None = None,
    user,
) -> EditResult:
    """Edit a node's kind, code or elevation (m) and/or move it; `version` must be current."""
    edit = NetworkEdit(operation=Op.NODE_MOVE if at is not None else Op.NODE_UPDATE, user=user)
    node = edit.node_locked(node_id, version)
    point = _checked(at) if at is not None else (node.geom.x, node.geom.y)
    attrs = node_attrs_clean(properties or {}, partial=True, location=point)
    if "code" in attrs:
        _code_free(attrs["code"], node.pk, point)
    if at is not None:
        _move(edit, node, point)
    for name, value in attrs.items():
        setattr(node, name, value)
    node.save()
    return edit.finish(nodes=[node.pk])


def node_move(*, node_id: int, version: int | None, at: Point, user) -> EditResult:
    """Move a node to a lon/lat point; the connected pipe ends follow."""
    return node_update(node_id=node_id, version=version, at=at, user=user)


@transaction.atomic
def node_delete(*, node_id: int, version: int | None = None, user) -> EditResult:
    """Delete a node no pipe uses (any status); refused, with its location, otherwise."""
    edit = NetworkEdit(operation=Op.NODE_DELETE, user=user)
    node = edit.node_locked(node_id, version)
    if degree := node_degree(node.pk):
        raise NetworkError(
            "node_in_use",
            _("%(n)s pipe(s) end at node %(code)s; it cannot be deleted.")
            % {"n": degree, "code": node.code},
            field="id",
            location=(node.geom.x, node.geom.y),
        )
    node.delete()
    return edit.finish()
