"""Admin of the network: zones and balances; pipes, nodes, leaks, crossings through the services."""

from django.contrib import admin, messages
from leaflet.admin import LeafletGeoAdmin

from layers.admin import FeatureAdmin
from layers.forms import MarkupFreeModelForm
from network import models as m
from network.services.edit import pipe_update
from network.services.nodes import node_update
from network.services.rules import NetworkError


@admin.register(m.SupplyZone)
class SupplyZoneAdmin(FeatureAdmin):
    list_display = ("code", "name", "company")


@admin.register(m.WaterBalance)
class WaterBalanceAdmin(admin.ModelAdmin):
    list_display = ("zone", "year", "system_input_m3", "billed_authorized_m3")
    list_filter = ("year",)


class NetworkAdmin(LeafletGeoAdmin):
    """Pipes and nodes: geometry shown but not editable here, and no additions.

    Routes are drawn in the network editor, where ends are snapped, versions checked and every
    change recorded; attribute edits made here go through the same services.
    """

    modifiable = False
    form = MarkupFreeModelForm

    def has_add_permission(self, request) -> bool:
        return False

    @staticmethod
    def attribute_changes(form) -> dict:
        return {name: form.cleaned_data[name] for name in form.changed_data if name != "geom"}

    def through_service(self, request, write) -> None:
        try:
            write()
        except NetworkError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)

    def save_model(self, request, obj, form, change) -> None:
        changes = self.attribute_changes(form)
        if changes:
            self.through_service(
                request,
                lambda: pipe_update(
                    pipe_id=obj.pk,
                    version=m.PipeSegment.objects.get(pk=obj.pk).version,
                    properties=changes,
                    user=request.user,
                ),
            )


@admin.register(m.PipeNode)
class PipeNodeAdmin(NetworkAdmin):
    list_display = ("code", "kind", "town")
    list_filter = ("kind",)
    search_fields = ("code",)
    readonly_fields = ("town", "version", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        changes = self.attribute_changes(form)
        if changes:
            self.through_service(
                request,
                lambda: node_update(
                    node_id=obj.pk,
                    version=m.PipeNode.objects.get(pk=obj.pk).version,
                    properties=changes,
                    user=request.user,
                ),
            )


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


@admin.register(m.NetworkChange)
class NetworkChangeAdmin(admin.ModelAdmin):
    """The network's edit history: read-only (a revert is made through the API)."""

    list_display = ("id", "operation", "user", "created_at", "pipe_ids", "node_ids")
    list_filter = ("operation",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in m.NetworkChange._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.PipeCrossing)
class PipeCrossingAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("pipe_a", "pipe_b", "confirmed_by", "confirmed_at", "note")
    raw_id_fields = ("pipe_a", "pipe_b")
    readonly_fields = ("confirmed_by", "confirmed_at")


@admin.register(m.IdempotentRequest)
class IdempotentRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "key", "status_code", "created_at")
    readonly_fields = ("user", "key", "fingerprint", "status_code", "body", "content_type")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(m.LeakRecord)
class LeakRecordAdmin(LeafletGeoAdmin):
    form = MarkupFreeModelForm
    list_display = ("pipe", "found_on", "repaired_on", "estimated_loss_m3", "cause")
    raw_id_fields = ("pipe",)
