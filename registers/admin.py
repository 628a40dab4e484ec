"""Registers in the admin site: staff keep the bureau's 台账 here or import them from files."""

from django.contrib import admin

from layers.forms import MarkupFreeModelForm
from registers.models import (
    ApplianceSurvey,
    ConstructionProject,
    PolicyDocument,
    PublicityEvent,
    QuotaCheck,
)


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("doc_number", "title", "kind", "issued_on", "effective_from", "effective_to")
    list_filter = ("kind", "area")
    search_fields = ("doc_number", "title", "issuer")
    date_hierarchy = "effective_from"


@admin.register(QuotaCheck)
class QuotaCheckAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("user", "year", "quota_item", "quota_value", "quota_unit", "output_quantity")
    list_filter = ("year",)
    search_fields = ("user__code", "user__name", "quota_item")
    raw_id_fields = ("user",)


@admin.register(ConstructionProject)
class ConstructionProjectAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = (
        "code",
        "name",
        "kind",
        "approved_on",
        "assessment_done",
        "designed_with",
        "built_with",
        "commissioned_with",
        "accepted_on",
    )
    list_filter = ("kind", "assessment_done", "area")
    search_fields = ("code", "name")


@admin.register(ApplianceSurvey)
class ApplianceSurveyAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = (
        "surveyed_on",
        "area",
        "place",
        "sites",
        "fixtures_checked",
        "fixtures_water_saving",
        "banned_found",
    )
    list_filter = ("place", "area")


@admin.register(PublicityEvent)
class PublicityEventAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("held_on", "title", "kind", "area", "reach_persons")
    list_filter = ("kind", "area")
    search_fields = ("title", "audience")
