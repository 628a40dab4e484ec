"""Topology primitives of the editing services: binding an end to a node, T-junction splits.

Points are (lon, lat) in EPSG:4326; tolerances are metres on the ellipsoid (see topology.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.gis.geos import Point as GeosPoint
from django.db import connection
from django.db.models import Q

from layers.geometry import STORAGE_SRID
from network.models import PipeNode, PipeSegment
from network.services import topology
from network.services.geometry import LonLat
from network.services.rules import tolerance_m
from network.services.session import NetworkEdit

# Code prefixes of nodes created by edits (the import's junctions are J0000001, ...).
NODE_PREFIX = {
    "junction": "J",
    "valve": "V",
    "hydrant": "H",
    "meter": "M",
    "source": "S",
    "plant": "W",
    "end_cap": "C",
}
PIPE_PREFIX = "E"


def next_code(sequence: str, prefix: str, model: type[PipeNode] | type[PipeSegment]) -> str:
    """A fresh code from a database sequence, skipping any code a file already used."""
    with connection.cursor() as cur:
        while True:
            cur.execute("SELECT nextval(%s)", [sequence])
            code = f"{prefix}{cur.fetchone()[0]:07d}"
            if not model.objects.filter(code=code).exists():
                return code


def node_insert(
    edit: NetworkEdit,
    *,
    kind: str,
    at: LonLat,
    code: str | None = None,
    elevation_m: float | None = None,
) -> int:
    """A new node at a lon/lat point; its town is derived when the edit finishes."""
    node = PipeNode.objects.create(
        code=code or next_code("layers_pipenode_auto_code", NODE_PREFIX[kind], PipeNode),
        kind=kind,
        geom=GeosPoint(at[0], at[1], srid=STORAGE_SRID),
        elevation_m=elevation_m,
    )
    edit.node_created(node.pk)
    return node.pk


def pipe_split_at(edit: NetworkEdit, pipe_id: int, node_id: int) -> int:
    """Split a pipe where a node lies on it (or within the tolerance of it).

    The first part keeps the pipe's id and code and ends at the node; the second part is a
    new pipe (new code, the same attributes) from the node to the old end. Both parts' ends
    are set exactly on the node; leaks go to the nearer part; confirmed crossings are
    copied to the new part. Returns the new pipe's id.
    """
    edit.touch_pipes([pipe_id])
    code = next_code("layers_pipesegment_auto_code", PIPE_PREFIX, PipeSegment)
    new_id = topology.pipe_split_rows(pipe_id, node_id, code)
    topology.leaks_to_nearest([pipe_id], [pipe_id, new_id])
    topology.crossings_copy(pipe_id, new_id)
    edit.pipe_created(new_id, reshaped=False)
    return new_id


def end_attach(
    edit: NetworkEdit, point: LonLat, *, exclude_pipes: Sequence[int] = ()
) -> tuple[int, LonLat]:
    """The node a pipe end at `point` binds to, and its position.

    1. the nearest node within the tolerance; else
    2. a pipe (not abandoned, not excluded) passing within the tolerance: it is split there
       at a new junction (T-junction) — unless that place is within the tolerance of one of
       its end nodes, which would leave a piece shorter than the tolerance; else
    3. a new junction exactly at the point.
    """
    tol = tolerance_m()
    if hit := topology.node_nearest(point, tol):
        return hit
    for pipe in topology.pipes_near(point, tol, exclude_pipes)[:1]:
        if min(pipe.to_start_m, pipe.to_end_m) > tol:
            node_id = node_insert(edit, kind="junction", at=pipe.at)
            pipe_split_at(edit, pipe.pipe_id, node_id)
            return node_id, pipe.at
    return node_insert(edit, kind="junction", at=point), point


def node_degree(node_id: int) -> int:
    """Pipes of any status ending at the node."""
    return PipeSegment.objects.filter(Q(start_node_id=node_id) | Q(end_node_id=node_id)).count()


def junctions_prune(edit: NetworkEdit, node_ids: Sequence[int]) -> None:
    """Delete plain junctions an edit left without any pipe (valves etc. stay, and show up
    in the network check as nodes with no pipe)."""
    for node_id in sorted(set(node_ids) - {None}):
        if (
            node_degree(node_id) == 0
            and PipeNode.objects.filter(pk=node_id, kind=PipeNode.Kind.JUNCTION).exists()
        ):
            edit.touch_nodes([node_id])
            PipeNode.objects.filter(pk=node_id).delete()
