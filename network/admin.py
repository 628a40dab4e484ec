"""Admin of the network: zones and balances; pipes, nodes, leaks, crossings through the services.

The admin is one more path to the network's one write path: a pipe or node form saves through
pipe_update / node_update with the version the form was loaded with (a stale form is a form
error, never a silent overwrite); pipes are retired, never deleted; leaks are recorded and
edited by network.services.leaks (its rules, the writer as reporter); crossing marks are made
and removed by network.services.check. Every such write is in the network's history and the
audit log. The service runs when the form is validated, inside the admin's transaction, so a
refusal shows on the form and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from leaflet.admin import LeafletGeoAdmin
from shapely.geometry import Point

from gisapp.admin_readonly import ReadOnlyAdmin
from layers.admin import FeatureAdmin
from layers.forms import MarkupFreeModelForm
from layers.geometry import STORAGE_SRID
from network import models as m
from network.services.check import crossing_confirm, crossing_delete, crossing_note_update
from network.services.edit import pipe_restore, pipe_retire, pipe_update
from network.services.import_history import created_states
from network.services.leaks import leak_delete, leak_record, leak_update, leak_values_clean
from network.services.nodes import node_delete, node_update
from network.services.rules import NetworkConflict, NetworkError

VERSION_FIELD = "loaded_version"


@admin.register(m.SupplyZone)
class SupplyZoneAdmin(FeatureAdmin):
    list_display = ("code", "name", "company")


@admin.register(m.WaterBalance)
class WaterBalanceAdmin(admin.ModelAdmin):
    list_display = ("zone", "year", "system_input_m3", "billed_authorized_m3")
    list_filter = ("year",)


# --- forms that write through a service ---------------------------------------------------
def _form_field(form: forms.BaseForm, exc: NetworkError) -> str | None:
    """The form field a service's refusal is about (None: the whole form)."""
    name = exc.field.removeprefix("properties.")
    name = {"geometry": "geom", "crs": "geom", "pipe_id": "pipe", "version": None}.get(name, name)
    return name if name in form.fields else None


class ServiceForm(MarkupFreeModelForm):
    """A model form whose save is a service call, made once every field and the model's own
    rules passed. `service_write(form)` (set by the admin, with the request's user) returns
    the stored object; a NetworkError becomes a form error and nothing is written.

    Edits carry the version the form was loaded with (a hidden field): the service refuses a
    stale one, as the API answers 409."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    model_validation = True  # False: the service is the only judge (crossing marks)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.fields[VERSION_FIELD].initial = self.instance.version
            self.initial.setdefault(VERSION_FIELD, self.instance.version)
            self.fields[VERSION_FIELD].required = True

    @staticmethod
    def service_write(form: ServiceForm):  # replaced by the admin's get_form
        raise NotImplementedError

    @cached_property
    def changed_data(self) -> list[str]:
        return [name for name in super().changed_data if name != VERSION_FIELD]

    def _post_clean(self) -> None:
        if self.model_validation:
            super()._post_clean()
        if self.errors:
            return
        try:
            with transaction.atomic():
                stored = self.service_write(self)
        except NetworkError as exc:
            message = exc.message
            if isinstance(exc, NetworkConflict):
                hint = _("Reload the page to see the stored values, then make your change again.")
                message = f"{message} {hint}"
            self.add_error(_form_field(self, exc), message)
        else:
            if stored is not None:
                self.instance = stored


class ServiceAdminMixin:
    """Admin whose forms save through `write(form, user)`; save_model writes nothing more."""

    form = ServiceForm

    def write(self, form: ServiceForm, user):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        write, user = self.write, request.user

        def service_write(form) -> object:
            return write(form, user)

        return type(base.__name__, (base,), {"service_write": staticmethod(service_write)})

    def save_model(self, request, obj, form, change) -> None:
        """Already stored by the service when the form was validated."""


def _refusals(admin_site, request, done: str, refused: list[str]) -> None:
    if done:
        admin_site.message_user(request, done, level=messages.SUCCESS)
    for line in refused[:20]:
        admin_site.message_user(request, line, level=messages.ERROR)


def _each(
    queryset, run: Callable[[object], None], label: Callable[[object], str]
) -> tuple[int, list[str]]:
    """Run a service on each selected object in turn (each in its own transaction): how many
    succeeded, and each refusal with the object it was about."""
    done, refused = 0, []
    for obj in queryset.order_by("pk"):
        try:
            run(obj)
        except NetworkError as exc:
            refused.append(f"{label(obj)}: {exc.message}")
        else:
            done += 1
    return done, refused


# --- pipes and nodes ----------------------------------------------------------------------
class NetworkAdmin(ServiceAdminMixin, LeafletGeoAdmin):
    """Pipes and nodes: geometry shown but not editable here, no additions, no deletion.

    Routes are drawn in the network editor, where ends are snapped, versions checked and every
    change recorded; attribute edits made here go through the same services. A pipe is retired
    (an action), never deleted: its history, revert and the verdicts stay whole.
    """

    modifiable = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @staticmethod
    def attribute_changes(form) -> dict:
        return {name: form.cleaned_data[name] for name in form.changed_data if name != "geom"}


@admin.register(m.PipeNode)
class PipeNodeAdmin(NetworkAdmin):
    list_display = ("code", "kind", "town")
    list_filter = ("kind",)
    search_fields = ("code",)
    readonly_fields = ("town", "version", "updated_at")
    actions = ("delete_unused",)

    def write(self, form, user):
        changes = self.attribute_changes(form)
        if not changes:
            return None
        node_update(
            node_id=form.instance.pk,
            version=form.cleaned_data[VERSION_FIELD],
            properties=changes,
            user=user,
        )
        return m.PipeNode.objects.get(pk=form.instance.pk)

    @admin.action(
        description=gettext_lazy("Delete the selected nodes no pipe uses"),
        permissions=["change"],
    )
    def delete_unused(self, request, queryset) -> None:
        done, refused = _each(
            queryset,
            lambda n: node_delete(node_id=n.pk, version=n.version, user=request.user),
            lambda n: n.code,
        )
        _refusals(self, request, _("%(n)s node(s) deleted.") % {"n": done}, refused)


@admin.register(m.PipeSegment)
class PipeSegmentAdmin(NetworkAdmin):
    list_display = ("code", "diameter_mm", "material", "status", "length_m", "supply_zone")
    list_filter = ("status", "material", "diameter_mm")
    search_fields = ("code",)
    readonly_fields = (
        "start_node",
        "end_node",
        "length_m",
        "supply_zone",
        "town",
        "version",
        "updated_at",
    )
    actions = ("retire_selected", "restore_selected")

    def write(self, form, user):
        changes = self.attribute_changes(form)
        if not changes:
            return None
        pipe_update(
            pipe_id=form.instance.pk,
            version=form.cleaned_data[VERSION_FIELD],
            properties=changes,
            user=user,
        )
        return m.PipeSegment.objects.get(pk=form.instance.pk)

    @admin.action(description=gettext_lazy("Retire the selected pipes"), permissions=["change"])
    def retire_selected(self, request, queryset) -> None:
        # Each pipe with the version listed now: one edited meanwhile is refused, not retired.
        done, refused = _each(
            queryset,
            lambda p: pipe_retire(pipe_id=p.pk, version=p.version, user=request.user),
            lambda p: p.code,
        )
        _refusals(self, request, _("%(n)s pipe(s) retired.") % {"n": done}, refused)

    @admin.action(
        description=gettext_lazy("Restore the selected retired pipes"), permissions=["change"]
    )
    def restore_selected(self, request, queryset) -> None:
        done, refused = _each(
            queryset,
            lambda p: pipe_restore(pipe_id=p.pk, version=p.version, user=request.user),
            lambda p: p.code,
        )
        _refusals(self, request, _("%(n)s pipe(s) restored.") % {"n": done}, refused)


@admin.register(m.NetworkChange)
class NetworkChangeAdmin(ReadOnlyAdmin):
    """The network's edit history: read-only (a revert is made through the API)."""

    list_display = ("id", "operation", "user", "created_at", "pipe_ids", "node_ids")
    list_filter = ("operation",)
    date_hierarchy = "created_at"

    def get_object(self, request, object_id, from_field=None):
        change = super().get_object(request, object_id, from_field)
        if change is not None:
            created_states([change])  # created features kept compactly: as whole states
        return change


# --- crossing marks -----------------------------------------------------------------------
class CrossingForm(ServiceForm):
    # The pair is ordered and checked by the service (any order is accepted here).
    model_validation = False

    class Meta:
        model = m.PipeCrossing
        fields = ("pipe_a", "pipe_b", "note")


@admin.register(m.PipeCrossing)
class PipeCrossingAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Crossing marks: made (the pipes must cross), their note edited and removed through the
    network check's services, each in both pipes' history; the pair of a mark is fixed."""

    form = CrossingForm
    list_display = ("pipe_a", "pipe_b", "confirmed_by", "confirmed_at", "note")
    raw_id_fields = ("pipe_a", "pipe_b")
    readonly_fields = ("confirmed_by", "confirmed_at")

    def get_readonly_fields(self, request, obj=None):
        fixed = ("pipe_a", "pipe_b") if obj is not None else ()
        return (*fixed, *self.readonly_fields)

    def write(self, form, user):
        data = form.cleaned_data
        note = data.get("note") or ""
        if form.instance.pk is not None:
            return crossing_note_update(crossing_id=form.instance.pk, note=note, user=user)
        return crossing_confirm(
            pipe_ids=(data["pipe_a"].pk, data["pipe_b"].pk), note=note, user=user
        )

    def delete_model(self, request, obj) -> None:
        crossing_delete(crossing_id=obj.pk, user=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for crossing in queryset.order_by("pk"):
            crossing_delete(crossing_id=crossing.pk, user=request.user)


@admin.register(m.IdempotentRequest)
class IdempotentRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "key", "status_code", "created_at")
    readonly_fields = ("user", "key", "fingerprint", "status_code", "body", "content_type")

    def has_add_permission(self, request) -> bool:
        return False


# --- leaks --------------------------------------------------------------------------------
def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _leak_values(data: dict, names) -> dict:
    """Form values in the shape of the API's properties, for leak_values_clean."""
    convert = {
        "pipe": ("pipe_id", lambda pipe: pipe.pk if pipe is not None else None),
        "found_on": ("found_on", _iso),
        "repaired_on": ("repaired_on", _iso),
        "estimated_loss_m3": ("estimated_loss_m3", lambda v: v),
        "cause": ("cause", lambda v: v or ""),
    }
    return {convert[n][0]: convert[n][1](data.get(n)) for n in names if n in convert}


def _leak_point(geom) -> Point | None:
    if geom is None:
        return None
    if geom.srid and geom.srid != STORAGE_SRID:
        geom = geom.transform(STORAGE_SRID, clone=True)
    return Point(geom.x, geom.y)


@admin.register(m.LeakRecord)
class LeakRecordAdmin(ServiceAdminMixin, LeafletGeoAdmin):
    """The leak ledger: recorded and edited through network.services.leaks — found today or
    before, on a pipe in service, snapped onto it and inside the county, the reporter being
    whoever records it; the version the form was loaded with is checked."""

    list_display = ("pipe", "found_on", "repaired_on", "estimated_loss_m3", "cause", "recorded_by")
    raw_id_fields = ("pipe",)
    readonly_fields = ("recorded_by", "version")

    def write(self, form, user):
        data = form.cleaned_data
        at = _leak_point(data.get("geom"))
        if form.instance.pk is None:
            names = ("pipe", "found_on", "repaired_on", "estimated_loss_m3", "cause")
            values = leak_values_clean(_leak_values(data, names), partial=False)
            return leak_record(at=at, user=user, **values)
        changed = form.changed_data
        if not changed:
            return None
        values = leak_values_clean(_leak_values(data, changed), partial=True)
        moved = "geom" in changed or "pipe" in changed
        return leak_update(
            leak_id=form.instance.pk,
            values=values,
            at=at if moved else None,
            version=data[VERSION_FIELD],
            user=user,
        )

    def delete_model(self, request, obj) -> None:
        leak_delete(leak_id=obj.pk, version=obj.version, user=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for leak in queryset.order_by("pk"):
            leak_delete(leak_id=leak.pk, version=leak.version, user=request.user)
