"""The network's history: changes per pipe or node, and revert (itself a recorded change).

Leak records and crossing marks are recorded here too (record_change), in the history of the
pipes they lie on, and revert the same way.
"""

from __future__ import annotations

import json

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.geometry import STORAGE_SRID
from layers.querysets import in_county_of
from network.models import LeakRecord, NetworkChange, PipeCrossing, PipeNode, PipeSegment
from network.services import topology
from network.services.import_history import created_states
from network.services.rules import NetworkConflict, NetworkNotFound
from network.services.session import EditResult, NetworkEdit

Op = NetworkChange.Operation
# Operations on the records that lie on pipes (leaks, crossing marks), not on pipes or nodes.
RECORD_OPERATIONS = frozenset(
    {Op.LEAK_RECORD, Op.LEAK_UPDATE, Op.LEAK_DELETE, Op.CROSSING_CONFIRM, Op.CROSSING_DELETE}
)


class RecordConflict(NetworkConflict):
    """A leak record or crossing mark changed since the writer read it (or since the change
    to revert); `current` is what is stored now (None when it is gone)."""

    def __init__(self, message: str, *, kind: str, object_id: int, current_version, current):
        super().__init__(message, kind=kind, object_id=object_id, current_version=current_version)
        self.current = current


def leak_snapshot(leak: LeakRecord) -> dict:
    """A leak record as the history keeps it: a GeoJSON Feature (lon/lat, full precision)
    with every stored attribute and its version."""
    return {
        "type": "Feature",
        "id": leak.pk,
        "geometry": {"type": "Point", "coordinates": [leak.geom.x, leak.geom.y]},
        "properties": {
            "pipe_id": leak.pipe_id,
            "found_on": leak.found_on.isoformat(),
            "repaired_on": leak.repaired_on.isoformat() if leak.repaired_on else None,
            "estimated_loss_m3": leak.estimated_loss_m3,
            "cause": leak.cause,
            "recorded_by_id": leak.recorded_by_id,
            "version": leak.version,
        },
    }


def crossing_snapshot(crossing: PipeCrossing) -> dict:
    """A crossing mark as the history keeps it."""
    return {
        "id": crossing.pk,
        "pipe_ids": [crossing.pipe_a_id, crossing.pipe_b_id],
        "confirmed_by_id": crossing.confirmed_by_id,
        "confirmed_at": crossing.confirmed_at.isoformat(),
        "note": crossing.note,
    }


def record_change(
    *,
    operation: str,
    user,
    pipe_ids: list[int],
    before: dict,
    after: dict,
    reverts: NetworkChange | None = None,
) -> NetworkChange:
    """Record a write to leak records or crossing marks in the network's history (the audit
    log gets its row from the history's receiver). before / after: {"leaks": [Feature]} or
    {"crossings": [mark]}; pipe_ids: the pipes they lie on, whose history shows the change."""
    return NetworkChange.objects.create(
        operation=operation,
        user=user if getattr(user, "is_authenticated", False) else None,
        pipe_ids=sorted(set(pipe_ids)),
        node_ids=[],
        before=before,
        after=after,
        reverts=reverts,
    )


def pipe_changes(pipe_id: int) -> QuerySet[NetworkChange]:
    """Every change that touched a pipe (including splits that created or cut it), newest
    first."""
    return NetworkChange.objects.filter(pipe_ids__contains=[pipe_id]).select_related("user")


def node_changes(node_id: int) -> QuerySet[NetworkChange]:
    """Every change that touched a node, newest first."""
    return NetworkChange.objects.filter(node_ids__contains=[node_id]).select_related("user")


def change_as_dict(change: NetworkChange) -> dict:
    """A change in the API's shape: states before and after as GeoJSON (EPSG:4326); those of
    created features rebuilt (import_history.created_states)."""
    created_states([change])
    return {
        "id": change.pk,
        "operation": change.operation,
        "operation_name": str(change.get_operation_display()),
        "user": change.user.get_username() if change.user else None,
        # in the county's time zone (TIME_ZONE), as the admin and the reports show times
        "created_at": timezone.localtime(change.created_at).isoformat(),
        "pipe_ids": change.pipe_ids,
        "node_ids": change.node_ids,
        "reverts": change.reverts_id,
        "before": change.before,
        "after": change.after,
    }


def _by_id(state: dict, key: str) -> dict[int, dict]:
    return {f["id"]: f for f in state.get(key, [])}


def _moved_on(kind: str, object_id: int, current: int | None) -> NetworkConflict:
    model = PipeSegment if kind == "pipe" else PipeNode
    code = model.objects.filter(pk=object_id).values_list("code", flat=True).first()
    return NetworkConflict(
        _("The %(kind)s %(code)s has changed since; this change can no longer be reverted.")
        % {"kind": _("pipe") if kind == "pipe" else _("node"), "code": code or object_id},
        kind=kind,
        object_id=object_id,
        current_version=current,
    )


def _still_ends_pipes(node: PipeNode) -> NetworkConflict:
    """A node the change created that pipes now end at (added later, or by another change of
    the same import: its pipes' changes are reverted first)."""
    return NetworkConflict(
        _(
            "Pipes still end at node %(code)s; revert the changes that added them first, "
            "then this one."
        )
        % {"code": node.code},
        kind="node",
        object_id=node.pk,
        current_version=node.version,
    )


def _check_current(kind: str, before: dict, after: dict, current: dict[int, int]) -> None:
    """Refuse when anything the change wrote was written again since (versions differ)."""
    for object_id, feature in sorted(after.items()):
        if current.get(object_id) != feature["properties"]["version"]:
            raise _moved_on(kind, object_id, current.get(object_id))
    for object_id in sorted(before.keys() - after.keys()):
        if object_id in current:  # deleted by the change, yet here again
            raise _moved_on(kind, object_id, current[object_id])


def _code_free(model, object_id: int, code: str, kind: str, geom: GEOSGeometry) -> None:
    other = in_county_of(model.objects.all(), geom.ewkt).filter(code=code)
    other = other.exclude(pk=object_id).first()
    if other is not None:
        raise NetworkConflict(
            _("The code %(code)s has been given to another feature since.") % {"code": code},
            kind=kind,
            object_id=object_id,
            current_version=getattr(other, "version", None),
        )


def _put(model, object_id: int, feature: dict, exists: bool, fields: tuple[str, ...]) -> None:
    props = feature["properties"]
    values = {name: props[name] for name in fields}
    values["geom"] = GEOSGeometry(json.dumps(feature["geometry"]), srid=STORAGE_SRID)
    kind = "pipe" if model is PipeSegment else "node"
    _code_free(model, object_id, props["code"], kind, values["geom"])
    if exists:
        model.objects.filter(pk=object_id).update(**values, updated_at=timezone.now())
    else:  # deleted by the change: back with its id (ids are never reused)
        model.objects.create(pk=object_id, version=props["version"] + 1, **values)


def _nodes_still_there(pipes: dict[int, dict], restored_nodes: dict[int, dict]) -> None:
    """Refuse when a node a restored pipe ended at was deleted by a later change."""
    wanted = {
        f["properties"][end] for f in pipes.values() for end in ("start_node_id", "end_node_id")
    } - {None}
    present = set(PipeNode.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for node_id in sorted(wanted - present - restored_nodes.keys()):
        raise _moved_on("node", node_id, None)


_PIPE_FIELDS = (
    "code",
    "diameter_mm",
    "material",
    "install_year",
    "status",
    "start_node_id",
    "end_node_id",
)
_NODE_FIELDS = ("code", "kind", "elevation_m")


@transaction.atomic
def change_revert(
    *, change_id: int, user, pipe_id: int | None = None, node_id: int | None = None
) -> EditResult:
    """Put every pipe and node a change wrote back as it was before, as a new change.

    pipe_id / node_id: the feature whose history the revert was asked from (it must be part
    of the change). NetworkConflict (409) when any of them was changed since; the restored
    pipes are validated like any written pipe.
    """
    change = NetworkChange.objects.filter(pk=change_id).first()
    if (
        change is None
        or (pipe_id is not None and pipe_id not in change.pipe_ids)
        or (node_id is not None and node_id not in change.node_ids)
    ):
        raise NetworkNotFound(
            "not_found", _("No change %(id)s for this feature.") % {"id": change_id}, field="id"
        )
    created_states([change])  # created features kept compactly: as whole states
    if {"leaks", "crossings"} & (change.before.keys() | change.after.keys()):
        return _records_revert(change, user)
    edit = NetworkEdit(operation=Op.REVERT, user=user, reverts=change)
    bp, ap = _by_id(change.before, "pipes"), _by_id(change.after, "pipes")
    bn, an = _by_id(change.before, "nodes"), _by_id(change.after, "nodes")
    pipes_now = dict(
        PipeSegment.objects.select_for_update()
        .filter(pk__in=bp.keys() | ap.keys())
        .values_list("pk", "version")
    )
    nodes_now = dict(
        PipeNode.objects.filter(pk__in=bn.keys() | an.keys()).values_list("pk", "version")
    )
    _check_current("pipe", bp, ap, pipes_now)
    _check_current("node", bn, an, nodes_now)
    edit.touch_pipes(sorted(bp.keys() | ap.keys()))
    edit.touch_nodes(sorted(bn.keys() | an.keys()))
    for object_id, feature in sorted(bn.items()):
        _put(PipeNode, object_id, feature, object_id in nodes_now, _NODE_FIELDS)
    _nodes_still_there(bp, bn)
    for object_id, feature in sorted(bp.items()):
        _put(PipeSegment, object_id, feature, object_id in pipes_now, _PIPE_FIELDS)
        if feature["properties"]["status"] != PipeSegment.Status.ABANDONED:
            edit.reshape(object_id)
    restored, created = sorted(bp), sorted(ap.keys() - bp.keys())
    # Ends exactly on their nodes; leaks onto the nearest pipe that stays.
    topology.pipe_ends_on_nodes(restored)
    topology.leaks_to_nearest(restored + created, restored)
    if leaky := PipeSegment.objects.filter(pk__in=created, leaks__isnull=False).first():
        raise NetworkConflict(
            _("Leaks are recorded on pipe %(code)s; it cannot be removed.") % {"code": leaky.code},
            kind="pipe",
            object_id=leaky.pk,
            current_version=leaky.version,
        )
    PipeSegment.objects.filter(pk__in=created).delete()
    for object_id in sorted(an.keys() - bn.keys()):
        node = PipeNode.objects.get(pk=object_id)
        if (
            PipeSegment.objects.filter(start_node=node).exists()
            or PipeSegment.objects.filter(end_node=node).exists()
        ):
            raise _still_ends_pipes(node)
        node.delete()
    return edit.finish(pipes=restored, nodes=sorted(bn))


# --- reverting a change to leak records or crossing marks ---------------------------------
def _leak_gone_or_moved(leak_id: int, stored: LeakRecord | None) -> RecordConflict:
    return RecordConflict(
        _("The leak record %(id)s has changed since; this change can no longer be reverted.")
        % {"id": leak_id},
        kind="leak",
        object_id=leak_id,
        current_version=stored.version if stored else None,
        current=leak_snapshot(stored) if stored else None,
    )


def _leaks_revert(before: dict[int, dict], after: dict[int, dict]) -> tuple[list, list]:
    """Put leak records back as in `before` (created, updated or deleted); refused when any
    of them was written again since. Returns (states replaced, states written)."""
    stored = {
        leak.pk: leak
        for leak in LeakRecord.objects.select_for_update().filter(
            pk__in=before.keys() | after.keys()
        )
    }
    for leak_id in sorted(before.keys() | after.keys()):
        now = stored.get(leak_id)
        wanted = after.get(leak_id)
        if (now is None) != (wanted is None) or (
            now is not None and now.version != wanted["properties"]["version"]
        ):
            raise _leak_gone_or_moved(leak_id, now)
    replaced = [leak_snapshot(stored[i]) for i in sorted(stored)]
    written = []
    for leak_id in sorted(after.keys() - before.keys()):
        stored[leak_id].delete()
    for leak_id, feature in sorted(before.items()):
        props = feature["properties"]
        if not PipeSegment.objects.filter(pk=props["pipe_id"]).exists():
            raise _moved_on("pipe", props["pipe_id"], None)
        leak = stored.get(leak_id) or LeakRecord(pk=leak_id, version=props["version"])
        leak.pipe_id = props["pipe_id"]
        leak.geom = GEOSGeometry(json.dumps(feature["geometry"]), srid=STORAGE_SRID)
        leak.found_on = props["found_on"]
        leak.repaired_on = props["repaired_on"]
        leak.estimated_loss_m3 = props["estimated_loss_m3"]
        leak.cause = props["cause"]
        leak.recorded_by_id = props["recorded_by_id"]
        leak.version += 1
        leak.save()
        leak.refresh_from_db()
        written.append(leak_snapshot(leak))
    return replaced, written


def _crossings_revert(before: dict[int, dict], after: dict[int, dict]) -> tuple[list, list]:
    """Put crossing marks back as in `before`; refused when one was removed or made since."""
    stored = {
        c.pk: c
        for c in PipeCrossing.objects.select_for_update().filter(
            pk__in=before.keys() | after.keys()
        )
    }
    for mark_id in sorted(before.keys() | after.keys()):
        now = stored.get(mark_id)
        # Marks have no version: the note tells whether one was edited since.
        if (now is None) != (mark_id not in after) or (
            now is not None and now.note != after[mark_id]["note"]
        ):
            raise RecordConflict(
                _("The crossing mark %(id)s has changed since; this change can no longer be "
                  "reverted.") % {"id": mark_id},
                kind="crossing",
                object_id=mark_id,
                current_version=None,
                current=crossing_snapshot(now) if now else None,
            )  # fmt: skip
    replaced = [crossing_snapshot(stored[i]) for i in sorted(stored)]
    written = []
    for mark_id in sorted(after.keys() - before.keys()):
        stored[mark_id].delete()
    for mark_id, mark in sorted(before.items()):
        if mark_id in stored:  # its note edited: the note back
            stored[mark_id].note = mark["note"]
            stored[mark_id].save(update_fields=["note"])
            written.append(crossing_snapshot(stored[mark_id]))
            continue
        a_id, b_id = mark["pipe_ids"]
        for pipe_id in (a_id, b_id):
            if not PipeSegment.objects.filter(pk=pipe_id).exists():
                raise _moved_on("pipe", pipe_id, None)
        if PipeCrossing.objects.filter(pipe_a_id=a_id, pipe_b_id=b_id).exists():
            continue  # marked again since: the pair is confirmed either way
        crossing = PipeCrossing.objects.create(
            pk=mark_id,
            pipe_a_id=a_id,
            pipe_b_id=b_id,
            confirmed_by_id=mark["confirmed_by_id"],
            confirmed_at=mark["confirmed_at"],
            note=mark["note"],
        )
        crossing.refresh_from_db()
        written.append(crossing_snapshot(crossing))
    return replaced, written


def _records_revert(change: NetworkChange, user) -> EditResult:
    leaks = _leaks_revert(_by_id(change.before, "leaks"), _by_id(change.after, "leaks"))
    crossings = _crossings_revert(
        _by_id(change.before, "crossings"), _by_id(change.after, "crossings")
    )
    recorded = record_change(
        operation=Op.REVERT,
        user=user,
        pipe_ids=change.pipe_ids,
        before={"leaks": leaks[0], "crossings": crossings[0]},
        after={"leaks": leaks[1], "crossings": crossings[1]},
        reverts=change,
    )
    return EditResult(recorded)
