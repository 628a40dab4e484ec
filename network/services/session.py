"""One network write in progress: lock, snapshots before and after, and what every write owes.

Every service of network_edit / network_nodes / history opens a NetworkEdit inside its
transaction and ends with `finish()`, which (whatever the operation) recomputes lengths on the
ellipsoid, bumps feature versions, refreshes derived membership of the touched rows,
validates the touched pipes, bumps the data versions and records the change in the history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.db import OperationalError, connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg.errors import LockNotAvailable

from layers.limits import pipe_limits
from layers.scope import OutOfScope, scope_check_rows
from layers.services.membership import membership_refresh_rows
from network.models import NetworkChange, PipeNode, PipeSegment
from network.services import topology
from network.services.geometry import line_fault
from network.services.rules import (
    NetworkBusy,
    NetworkConflict,
    NetworkError,
    NetworkNotFound,
    fault_error,
    route_limits_check,
    tolerance_m,
)

# All network writes are serialised by one transaction-level advisory lock: two engineers'
# edits near the same spot must not both create a junction there, and a writer holding a
# stale version must see the other's commit before comparing versions. Edits are human-paced,
# and bounded: a route is checked against the geometry limits (layers/limits.py) before the
# lock is taken, a writer waits at most NETWORK_LOCK_WAIT_S for it (then 503, nothing
# written), and every statement under it is bounded by the request's statement_timeout.
NETWORK_LOCK_KEY = 7_306_086_291_512_001
# A pipe overlaps another when more than this many tolerances of its length lie within the
# tolerance of the other: pipes meeting at a shared node at angles above ~14° never do.
OVERLAP_FACTOR = 4
HISTORY_DIGITS = 15  # GeoJSON decimals in the history: doubles survive the round trip
RESPONSE_DIGITS = 7  # as the read API (about 1 cm)

# A feature's GeoJSON properties: (key, SQL over the pipe p, its end nodes s and e, its zone z
# and town t; or the node n and its town t).
_PIPE_PROPERTIES = (
    ("code", "p.code"),
    ("diameter_mm", "p.diameter_mm"),
    ("material", "p.material"),
    ("install_year", "p.install_year"),
    ("status", "p.status"),
    ("length_m", "p.length_m"),
    ("version", "p.version"),
    ("start_node_id", "p.start_node_id"),
    ("end_node_id", "p.end_node_id"),
    ("start_node_code", "s.code"),
    ("end_node_code", "e.code"),
    ("supply_zone_code", "z.code"),
    ("town_code", "t.code"),
)
_PIPES_FROM = """
FROM layers_pipesegment p
LEFT JOIN layers_pipenode s ON s.id = p.start_node_id
LEFT JOIN layers_pipenode e ON e.id = p.end_node_id
LEFT JOIN layers_supplyzone z ON z.id = p.supply_zone_id
LEFT JOIN layers_adminarea t ON t.id = p.town_id"""
_NODE_PROPERTIES = (
    ("code", "n.code"),
    ("kind", "n.kind"),
    ("elevation_m", "n.elevation_m"),
    ("version", "n.version"),
    ("town_code", "t.code"),
    (
        "degree",
        "(SELECT count(*) FROM layers_pipesegment p"
        " WHERE p.start_node_id = n.id OR p.end_node_id = n.id)::int",
    ),
)
_NODES_FROM = """
FROM layers_pipenode n LEFT JOIN layers_adminarea t ON t.id = n.town_id"""
_FEATURE_SQL = {
    "pipes": ("p", _PIPE_PROPERTIES, _PIPES_FROM),
    "nodes": ("n", _NODE_PROPERTIES, _NODES_FROM),
}


def _rows_sql(kind: str) -> str:
    alias, props, from_ = _FEATURE_SQL[kind]
    columns = ", ".join(expr for _key, expr in props)
    return (
        f"SELECT {alias}.id, ST_AsGeoJSON({alias}.geom, %(digits)s), {columns}{from_}\n"  # noqa: S608 (constants)
        f"WHERE {alias}.id = ANY(%(ids)s) ORDER BY {alias}.id"
    )


def features_json_sql(kind: str, ids: str = "%(ids)s") -> str:
    """SQL giving (id, the GeoJSON Feature as json) of the pipes or nodes (kind) whose id is in
    the array `ids` (SQL), with %(digits)s decimals: the features pipe_features / node_features
    give, built in the database (an import's history of 200,000 pipes without a round trip).
    json, not jsonb: text is cheap to build and is parsed once where it is stored."""
    alias, props, from_ = _FEATURE_SQL[kind]
    properties = ", ".join(f"'{key}', {expr}" for key, expr in props)
    return (
        f"SELECT {alias}.id, json_build_object('type', 'Feature', 'id', {alias}.id, "  # noqa: S608 (constants)
        f"'geometry', ST_AsGeoJSON({alias}.geom, %(digits)s)::json, "
        f"'properties', json_build_object({properties})){from_}\n"
        f"WHERE {alias}.id = ANY({ids})"
    )


# The properties a feature's state looks up in other tables (a pipe's end nodes, zone and town;
# a node's town and the pipes ending there): they can change with no entry in the feature's
# own history (a node renamed, memberships refreshed, a pipe added at a node).
LOOKED_UP_PIPE_PROPERTIES = ("start_node_code", "end_node_code", "supply_zone_code", "town_code")
LOOKED_UP_NODE_PROPERTIES = ("town_code", "degree")
LOOKED_UP_PROPERTIES = {"pipes": LOOKED_UP_PIPE_PROPERTIES, "nodes": LOOKED_UP_NODE_PROPERTIES}
# A node's degree for many nodes at once (the per-node subquery of _NODE_PROPERTIES costs an
# index probe per node: ~1.5 s for an import's 120,000 junctions).
_NODE_DEGREES = """
LEFT JOIN (SELECT node, count(*)::int FROM (
  SELECT start_node_id FROM layers_pipesegment WHERE start_node_id = ANY({ids})
  UNION ALL SELECT end_node_id FROM layers_pipesegment WHERE end_node_id = ANY({ids})
 ) ends(node) GROUP BY node) d(node, degree) ON d.node = n.id"""


def codes_json_sql(kind: str, ids: str) -> str:
    """SQL giving (id, json array [id, *LOOKED_UP_PROPERTIES[kind]]) of the pipes or nodes
    (kind) whose id is in the array `ids` (SQL): what a first load's history keeps of each
    feature it created."""
    alias, props, from_ = _FEATURE_SQL[kind]
    exprs = dict(props)
    if kind == "nodes":
        exprs["degree"] = "COALESCE(d.degree, 0)"
        from_ += _NODE_DEGREES.format(ids=ids)
    codes = ", ".join(exprs[key] for key in LOOKED_UP_PROPERTIES[kind])
    return (
        f"SELECT {alias}.id, json_build_array({alias}.id, {codes}){from_}\n"  # noqa: S608 (constants)
        f"WHERE {alias}.id = ANY({ids})"
    )


_PIPES_SQL = _rows_sql("pipes")
_PIPE_KEYS = tuple(key for key, _expr in _PIPE_PROPERTIES)
_NODES_SQL = _rows_sql("nodes")
_NODE_KEYS = tuple(key for key, _expr in _NODE_PROPERTIES)


def _features(sql: str, keys: Iterable[str], ids: Iterable[int], digits: int) -> dict[int, dict]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    with connection.cursor() as cur:
        cur.execute(sql, {"ids": ids, "digits": digits})
        rows = cur.fetchall()
    return {
        row[0]: {
            "type": "Feature",
            "id": row[0],
            "geometry": json.loads(row[1]),
            "properties": dict(zip(keys, row[2:], strict=True)),
        }
        for row in rows
    }


def pipe_features(ids: Iterable[int], digits: int = RESPONSE_DIGITS) -> dict[int, dict]:
    """Pipes as GeoJSON Features (lon/lat; length_m in metres), keyed by id."""
    return _features(_PIPES_SQL, _PIPE_KEYS, ids, digits)


def node_features(ids: Iterable[int], digits: int = RESPONSE_DIGITS) -> dict[int, dict]:
    """Nodes as GeoJSON Features with their degree (pipes of any status ending there)."""
    return _features(_NODES_SQL, _NODE_KEYS, ids, digits)


def pipe_missing(pipe_id: int) -> NetworkNotFound:
    return NetworkNotFound("not_found", _("No pipe segment %(id)s.") % {"id": pipe_id}, field="id")


def node_missing(node_id: int) -> NetworkNotFound:
    return NetworkNotFound("not_found", _("No pipe node %(id)s.") % {"id": node_id}, field="id")


@dataclass(frozen=True)
class EditResult:
    """A finished write: the recorded change and the features the operation was about
    (the pipe drawn or edited, the two parts of a split, the node added, ...)."""

    change: NetworkChange
    pipe_ids: tuple[int, ...] = ()
    node_ids: tuple[int, ...] = ()


_CHANGED_BY_OTHERS = {
    "pipe": gettext_lazy(
        "Pipe %(code)s was changed by someone else (version %(current)s, not %(sent)s)."
    ),
    "node": gettext_lazy(
        "Node %(code)s was changed by someone else (version %(current)s, not %(sent)s)."
    ),
}


def _locked(model, pk: int, version: int | None, missing, kind: str):
    """A pipe or node row-locked; the optimistic-locking check of every network write."""
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise missing(pk)
    if version is not None and version != row.version:
        raise NetworkConflict(
            _CHANGED_BY_OTHERS[kind] % {"code": row.code, "current": row.version, "sent": version},
            kind=kind,
            object_id=pk,
            current_version=row.version,
        )
    return row


def network_lock() -> None:
    """Take the network write lock for the current transaction, waiting at most
    NETWORK_LOCK_WAIT_S (NetworkBusy after that; the caller's transaction is then rolled back)."""
    wait_s = float(settings.NETWORK_LOCK_WAIT_S)
    with connection.cursor() as cur:
        # lock_timeout for this wait only: the previous value is restored once the lock is held.
        cur.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [f"{max(1, int(wait_s * 1000))}ms"],
        )
        (before, _set) = cur.fetchone()
        try:
            cur.execute(
                "SELECT pg_advisory_xact_lock(%s), set_config('lock_timeout', %s, true)",
                [NETWORK_LOCK_KEY, before],
            )
        except OperationalError as exc:
            if isinstance(exc.__cause__, LockNotAvailable):
                raise NetworkBusy(wait_s) from None
            raise


class NetworkEdit:
    """A write to the network in progress (open it inside transaction.atomic).

    touch_* must be called before a feature is changed (its state before is kept for the
    history); reshape() marks a pipe whose route was written, so finish() validates it.
    """

    def __init__(self, *, operation: str, user, reverts: NetworkChange | None = None):
        self.operation, self.user, self.reverts = operation, user, reverts
        self.before_pipes: dict[int, dict | None] = {}
        self.before_nodes: dict[int, dict | None] = {}
        self.reshaped: set[int] = set()
        network_lock()

    # --- what the operation touches ---------------------------------------------------------
    def pipe_locked(self, pipe_id: int, version: int | None = None) -> PipeSegment:
        """The pipe, row-locked; NetworkConflict when `version` is given and stale."""
        pipe = _locked(PipeSegment, pipe_id, version, pipe_missing, "pipe")
        self.touch_pipes([pipe_id])
        return pipe

    def node_locked(self, node_id: int, version: int | None = None) -> PipeNode:
        """The node, row-locked; NetworkConflict when `version` is given and stale."""
        node = _locked(PipeNode, node_id, version, node_missing, "node")
        self.touch_nodes([node_id])
        return node

    def touch_pipes(self, ids: Iterable[int]) -> None:
        new = [i for i in ids if i not in self.before_pipes]
        snapshots = pipe_features(new, HISTORY_DIGITS)
        self.before_pipes.update({i: snapshots.get(i) for i in new})

    def touch_nodes(self, ids: Iterable[int]) -> None:
        new = [i for i in ids if i not in self.before_nodes]
        snapshots = node_features(new, HISTORY_DIGITS)
        self.before_nodes.update({i: snapshots.get(i) for i in new})

    def pipe_created(self, pipe_id: int, *, reshaped: bool = True) -> None:
        self.before_pipes[pipe_id] = None
        if reshaped:
            self.reshaped.add(pipe_id)

    def node_created(self, node_id: int) -> None:
        self.before_nodes[node_id] = None

    def reshape(self, pipe_id: int) -> None:
        self.reshaped.add(pipe_id)

    # --- the end of every write -------------------------------------------------------------
    def finish(self, *, pipes: Sequence[int] = (), nodes: Sequence[int] = ()) -> EditResult:
        """Lengths, versions, membership, validation, data versions, history.

        pipes / nodes: the features the operation was about, handed back in the result.
        """
        pipe_ids, node_ids = sorted(self.before_pipes), sorted(self.before_nodes)
        old_pipes = [i for i, f in self.before_pipes.items() if f is not None]
        old_nodes = [i for i, f in self.before_nodes.items() if f is not None]
        with connection.cursor() as cur:
            # Length on the ellipsoid (geography, metres), never in degrees.
            cur.execute(
                "UPDATE layers_pipesegment SET length_m = ST_Length(geom::geography), "
                "version = version + (id = ANY(%s))::int, updated_at = now() "
                "WHERE id = ANY(%s)",
                [old_pipes, pipe_ids],
            )
            cur.execute(
                "UPDATE layers_pipenode SET version = version + 1, updated_at = now() "
                "WHERE id = ANY(%s)",
                [old_nodes],
            )
        membership_refresh_rows("layers_pipesegment", pipe_ids)
        membership_refresh_rows("layers_pipenode", node_ids)
        self._validate(node_ids)  # outside the county, …: the more precise reasons first
        try:
            scope_check_rows("layers_pipesegment", pipe_ids)
            scope_check_rows("layers_pipenode", node_ids)
        except OutOfScope:
            raise NetworkError(
                "outside_area",
                _("This edit would place network features outside your area; nothing was saved."),
            ) from None
        after_pipes = pipe_features(pipe_ids, HISTORY_DIGITS)
        after_nodes = node_features(node_ids, HISTORY_DIGITS)
        change = NetworkChange.objects.create(
            operation=self.operation,
            user=self.user if getattr(self.user, "is_authenticated", False) else None,
            pipe_ids=pipe_ids,
            node_ids=node_ids,
            before={
                "pipes": [f for f in self.before_pipes.values() if f],
                "nodes": [f for f in self.before_nodes.values() if f],
            },
            after={"pipes": list(after_pipes.values()), "nodes": list(after_nodes.values())},
            reverts=self.reverts,
        )
        return EditResult(change, tuple(pipes), tuple(nodes))

    def _validate(self, node_ids: list[int]) -> None:
        tol = tolerance_m()
        rows = PipeSegment.objects.filter(pk__in=self.reshaped).exclude(
            status=PipeSegment.Status.ABANDONED
        )
        limits = pipe_limits() if self.reshaped else None
        for pipe in rows.order_by("pk"):
            line = shapely.from_wkb(bytes(pipe.geom.wkb))
            # A route made under the lock (moved, merged, restored) is bounded like a drawn
            # one before the overlap and boundary queries below.
            route_limits_check(line, limits)
            if pipe.start_node_id is not None and pipe.start_node_id == pipe.end_node_id:
                raise NetworkError(
                    "same_node",
                    _("Both ends of the pipe snap to the same node."),
                    location=line.coords[0][:2],
                )
            if fault := line_fault(line):
                raise fault_error(fault)
            if where := topology.outside_county("layers_pipesegment", pipe.pk):
                raise NetworkError(
                    "outside_county", _("The pipe leaves the county boundary."), location=where
                )
            if overlaps := topology.pipe_overlaps(pipe.pk, tol, OVERLAP_FACTOR * tol):
                other, overlap_m, where = overlaps[0]  # the longest
                code = PipeSegment.objects.filter(pk=other).values_list("code", flat=True).first()
                raise NetworkError(
                    "overlap",
                    _("The pipe runs along pipe %(code)s for %(m).1f m (duplicate or overlap).")
                    % {"code": code, "m": overlap_m},
                    location=where,
                    other_id=other,
                    other_code=code,
                )
        for node_id in PipeNode.objects.filter(pk__in=node_ids).values_list("pk", flat=True):
            if where := topology.outside_county("layers_pipenode", node_id):
                raise NetworkError(
                    "outside_county",
                    _("The node lies outside the county boundary."),
                    location=where,
                )
