"""The leak ledger (漏损记录台账): record a leak on a pipe, edit it, list and filter leaks.

Leak points are lon/lat (EPSG:4326), snapped onto the pipe; volumes are m³; dates are local.
Every path (API, admin, demo) writes through leak_record / leak_update / leak_delete: the same
rules (found in the past, on a pipe in service, inside the county, recorded by the writer),
the version checked on edits, and each write in the network's history and the audit log.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point as GeosPoint
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point

from layers.geometry import STORAGE_SRID
from network.models import LeakRecord, NetworkChange, PipeSegment
from network.services import topology
from network.services.geometry import GeometryFault, LonLat, position
from network.services.history import RecordConflict, leak_snapshot, record_change
from network.services.rules import NetworkError, NetworkNotFound, fault_error, text_clean

Op = NetworkChange.Operation

CAUSE_MAX = 200


def leak_snap_max_m() -> float:
    """How far (m) a reported leak point may lie from its pipe: a field crew's GPS fix or a
    click beside the line; further away it is more likely the wrong pipe."""
    return float(getattr(settings, "NETWORK_LEAK_SNAP_MAX_M", 50.0))


def _date(name: str, raw: object, *, required: bool) -> dt.date | None:
    if raw in (None, ""):
        if required:
            raise NetworkError(
                f"{name}_missing", _("%(name)s is required.") % {"name": name},
                field=f"properties.{name}",
            )  # fmt: skip
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise NetworkError(
            f"{name}_invalid",
            _("%(name)s must be a date (YYYY-MM-DD).") % {"name": name},
            field=f"properties.{name}",
        ) from None


def leak_values_clean(properties: Mapping, *, partial: bool) -> dict:
    """Checked leak values from JSON: pipe_id, found_on, repaired_on, estimated_loss_m3 (m³,
    ≥ 0), cause. partial: only the keys present (PATCH)."""
    known = {"pipe_id", "found_on", "repaired_on", "estimated_loss_m3", "cause"}
    # Shown by the API and sent back unchanged by clients: ignored (the version is read by
    # the caller, the reporter is always the writer).
    derived = {"pipe_code", "supply_zone_code", "recorded_by", "repaired", "version"}
    for key in properties.keys() - known - derived:
        raise NetworkError(
            "property_unknown",
            _("Unknown property %(name)s.") % {"name": key},
            field=f"properties.{key}",
        )
    out: dict = {}
    if "pipe_id" in properties or not partial:
        pipe_id = properties.get("pipe_id")
        if isinstance(pipe_id, bool) or not isinstance(pipe_id, int):
            raise NetworkError(
                "pipe_id_invalid", _("pipe_id must be a pipe's id."), field="properties.pipe_id"
            )
        out["pipe_id"] = pipe_id
    if "found_on" in properties or not partial:
        out["found_on"] = _date("found_on", properties.get("found_on"), required=True)
    if "repaired_on" in properties:
        out["repaired_on"] = _date("repaired_on", properties["repaired_on"], required=False)
    if "estimated_loss_m3" in properties:
        loss = properties["estimated_loss_m3"]
        if (
            isinstance(loss, bool)
            or not isinstance(loss, int | float)
            or not math.isfinite(loss)
            or loss < 0
        ):
            raise NetworkError(
                "estimated_loss_m3_invalid",
                _("The estimated loss must be a non-negative number of m³."),
                field="properties.estimated_loss_m3",
            )
        out["estimated_loss_m3"] = float(loss)
    if "cause" in properties:
        cause = properties["cause"] if properties["cause"] is not None else ""
        if not isinstance(cause, str) or len(cause) > CAUSE_MAX:
            raise NetworkError(
                "cause_invalid",
                _("The cause must be text of at most %(n)s characters.") % {"n": CAUSE_MAX},
                field="properties.cause",
            )
        out["cause"] = text_clean(cause.strip(), field="properties.cause")
    return out


def _on_pipe(pipe: PipeSegment, at: Point | None) -> tuple[GeosPoint, LonLat]:
    """The leak point snapped onto the pipe (its midpoint when no point is given)."""
    if at is None:
        middle = pipe.geom.interpolate_normalized(0.5)
        return GeosPoint(middle.x, middle.y, srid=STORAGE_SRID), (middle.x, middle.y)
    try:
        point = position([at.x, at.y])
    except GeometryFault as fault:
        raise fault_error(fault) from None
    (lon, lat), distance = topology.pipe_closest_point(pipe.pk, point)
    if distance > leak_snap_max_m():
        raise NetworkError(
            "leak_off_pipe",
            _("The leak point is %(d).0f m from pipe %(code)s (at most %(max).0f m).")
            % {"d": distance, "code": pipe.code, "max": leak_snap_max_m()},
            location=point,
        )
    return GeosPoint(lon, lat, srid=STORAGE_SRID), (lon, lat)


def _outside_county(where: LonLat) -> bool:
    """True when a county boundary is loaded and none covers the lon/lat point."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM layers_adminarea WHERE level = 'county') AND NOT "
            "EXISTS (SELECT 1 FROM layers_adminarea WHERE level = 'county' "
            " AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), %s)))",
            [where[0], where[1], STORAGE_SRID],
        )
        return cur.fetchone()[0]


def _checked(leak: LeakRecord, where: LonLat) -> None:
    if _outside_county(where):
        raise NetworkError(
            "outside_county", _("The leak lies outside the county boundary."),
            field="geometry", location=where,
        )  # fmt: skip
    today = timezone.localdate()
    if leak.found_on > today:
        raise NetworkError(
            "found_on_future", _("A leak cannot be found in the future."),
            field="properties.found_on", location=where,
        )  # fmt: skip
    if leak.repaired_on is not None and not leak.found_on <= leak.repaired_on <= today:
        raise NetworkError(
            "repaired_on_invalid",
            _("The repair date must lie between the day the leak was found and today."),
            field="properties.repaired_on",
            location=where,
        )


def _pipe(pipe_id: int) -> PipeSegment:
    """The leak's pipe, row-locked (not retired meanwhile), which must be in service."""
    pipe = PipeSegment.objects.select_for_update().filter(pk=pipe_id).first()
    if pipe is None:
        raise NetworkNotFound(
            "pipe_not_found", _("No pipe segment %(id)s.") % {"id": pipe_id},
            field="properties.pipe_id",
        )  # fmt: skip
    if pipe.status != PipeSegment.Status.IN_SERVICE:
        raise NetworkError(
            "pipe_not_in_service",
            _("Pipe %(code)s is not in service.") % {"code": pipe.code},
            field="properties.pipe_id",
        )
    return pipe


@transaction.atomic
def leak_record(
    *,
    pipe_id: int,
    at: Point | None,
    found_on: dt.date,
    repaired_on: dt.date | None = None,
    estimated_loss_m3: float = 0.0,
    cause: str = "",
    user,
) -> LeakRecord:
    """Record a leak on an in-service pipe at `at` (lon/lat, snapped onto the pipe), found
    today or before, inside the county; `user` is the reporter (recorded_by), never chosen.
    The record is written to the pipe's history (operation leak_record)."""
    pipe = _pipe(pipe_id)
    geom, where = _on_pipe(pipe, at)
    leak = LeakRecord(
        pipe=pipe,
        geom=geom,
        found_on=found_on,
        repaired_on=repaired_on,
        estimated_loss_m3=estimated_loss_m3,
        cause=cause,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _checked(leak, where)
    leak.save()
    leak.refresh_from_db()
    record_change(
        operation=Op.LEAK_RECORD,
        user=user,
        pipe_ids=[leak.pipe_id],
        before={"leaks": []},
        after={"leaks": [leak_snapshot(leak)]},
    )
    return leak


def _leak_locked(leak_id: int, version: int | None) -> LeakRecord:
    """The leak record, row-locked; RecordConflict (409) when `version` is given and stale."""
    leak = LeakRecord.objects.select_for_update().filter(pk=leak_id).first()
    if leak is None:
        raise NetworkNotFound(
            "not_found", _("No leak record %(id)s.") % {"id": leak_id}, field="id"
        )
    if version is not None and version != leak.version:
        raise RecordConflict(
            _("Leak record %(id)s was changed by someone else (version %(current)s, not "
              "%(sent)s).") % {"id": leak_id, "current": leak.version, "sent": version},
            kind="leak",
            object_id=leak_id,
            current_version=leak.version,
            current=leak_as_feature(leak),
        )  # fmt: skip
    return leak


@transaction.atomic
def leak_update(
    *,
    leak_id: int,
    values: Mapping,
    at: Point | None = None,
    version: int | None = None,
    user,
) -> LeakRecord:
    """Change a leak's dates, loss, cause, pipe or point (values from leak_values_clean);
    `version` is the one the writer read (RecordConflict when stale). The version is bumped
    and the change written to the history (operation leak_update)."""
    leak = _leak_locked(leak_id, version)
    before = leak_snapshot(leak)
    for name, value in values.items():
        setattr(leak, name, value)
    where = (leak.geom.x, leak.geom.y)
    if "pipe_id" in values or at is not None:
        leak.geom, where = _on_pipe(_pipe(leak.pipe_id), at)
    _checked(leak, where)
    leak.version += 1
    leak.save()
    leak.refresh_from_db()
    record_change(
        operation=Op.LEAK_UPDATE,
        user=user,
        pipe_ids=[before["properties"]["pipe_id"], leak.pipe_id],
        before={"leaks": [before]},
        after={"leaks": [leak_snapshot(leak)]},
    )
    return leak


@transaction.atomic
def leak_delete(*, leak_id: int, version: int | None = None, user) -> None:
    """Remove a leak record entered by mistake; kept in the pipe's history (operation
    leak_delete), from where a revert brings it back."""
    leak = _leak_locked(leak_id, version)
    before = leak_snapshot(leak)
    leak.delete()
    record_change(
        operation=Op.LEAK_DELETE,
        user=user,
        pipe_ids=[before["properties"]["pipe_id"]],
        before={"leaks": [before]},
        after={"leaks": []},
    )


@dataclass(frozen=True)
class LeakFilter:
    """Which leaks to list: by pipe id, supply-zone code, found between two dates
    (inclusive), repaired or not."""

    pipe_id: int | None = None
    zone_code: str | None = None
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    repaired: bool | None = None


def leaks_filtered(query: LeakFilter) -> QuerySet[LeakRecord]:
    """The ledger's rows matching the filter, newest first, with what a row shows."""
    qs = LeakRecord.objects.select_related("pipe__supply_zone", "recorded_by")
    if query.pipe_id is not None:
        qs = qs.filter(pipe_id=query.pipe_id)
    if query.zone_code:
        qs = qs.filter(pipe__supply_zone__code=query.zone_code)
    if query.found_from:
        qs = qs.filter(found_on__gte=query.found_from)
    if query.found_to:
        qs = qs.filter(found_on__lte=query.found_to)
    if query.repaired is not None:
        qs = qs.filter(repaired_on__isnull=not query.repaired)
    return qs.order_by("-found_on", "-id")


def leak_as_feature(leak: LeakRecord) -> dict:
    """A leak as a GeoJSON Feature (lon/lat point on its pipe)."""
    zone = leak.pipe.supply_zone
    return {
        "type": "Feature",
        "id": leak.pk,
        "geometry": {"type": "Point", "coordinates": [leak.geom.x, leak.geom.y]},
        "properties": {
            "pipe_id": leak.pipe_id,
            "pipe_code": leak.pipe.code,
            "supply_zone_code": zone.code if zone else None,
            "found_on": leak.found_on.isoformat(),
            "repaired_on": leak.repaired_on.isoformat() if leak.repaired_on else None,
            "repaired": leak.repaired_on is not None,
            "estimated_loss_m3": leak.estimated_loss_m3,
            "cause": leak.cause,
            "recorded_by": leak.recorded_by.get_username() if leak.recorded_by else None,
            "version": leak.version,
        },
    }
