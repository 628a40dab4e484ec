"""Registers in the admin site: staff keep the bureau's 台账 here or import them from files."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from layers.forms import MarkupFreeModelForm
from registers.models import (
    AgriculturalPriceReform,
    ApplianceSurvey,
    CarrierRecognition,
    ConstructionProject,
    DistrictQuota,
    Evidence,
    KeyUserListing,
    NonConventionalUse,
    PlanTask,
    PlanTaskNote,
    PolicyDocument,
    PublicityEvent,
    QuotaCheck,
    ResourceLevy,
    TariffBand,
    UserAssociation,
    WaterQuota,
    WithdrawalPermit,
)
from registers.services import evidence_check


class EvidenceForm(MarkupFreeModelForm):
    """The upload is checked by content and size (registers.services), as every path does."""

    class Meta:
        model = Evidence
        fields = (
            "area",
            "indicator",
            "year",
            "content_type",
            "object_id",
            "title",
            "dated",
            "file",
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            self.instance.media_type = evidence_check(upload, upload.size)
            self.instance.size_bytes = upload.size
        return upload


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    form = EvidenceForm
    list_display = ("title", "indicator", "year", "dated", "media_type", "size_bytes", "download")
    list_filter = ("year", "media_type", "indicator__category")
    search_fields = ("title",)
    readonly_fields = ("media_type", "size_bytes", "uploaded_by", "uploaded_at")

    @admin.display(description=_("download"))
    def download(self, obj: Evidence) -> str:
        url = reverse("registers:evidence-download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


class TariffBandInline(admin.TabularInline):
    model = TariffBand
    form = MarkupFreeModelForm
    extra = 0
    fields = ("area", "band", "basis", "lower", "upper", "price_yuan_m3", "multiple")


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    inlines = (TariffBandInline,)
    list_display = ("doc_number", "title", "kind", "issued_on", "effective_from", "effective_to")
    list_filter = ("kind", "area")
    search_fields = ("doc_number", "title", "issuer")
    date_hierarchy = "effective_from"


@admin.register(WaterQuota)
class WaterQuotaAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("code", "sector", "item", "value", "unit", "standard", "clause", "verified")
    list_filter = ("sector", "verified", "standard")
    search_fields = ("code", "item", "standard")


@admin.register(QuotaCheck)
class QuotaCheckAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("user", "year", "quota", "output_quantity")
    list_filter = ("year", "quota__sector")
    search_fields = ("user__code", "user__name", "quota__item")
    raw_id_fields = ("user",)
    list_select_related = ("user", "quota")


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


@admin.register(WithdrawalPermit)
class WithdrawalPermitAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = (
        "permit_number",
        "holder",
        "source",
        "permitted_m3",
        "valid_from",
        "valid_to",
        "monitored",
    )
    list_filter = ("source", "monitored")
    search_fields = ("permit_number", "holder__code", "holder__name")
    raw_id_fields = ("holder",)


@admin.register(KeyUserListing)
class KeyUserListingAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("user", "tier", "listed_on", "monitoring")
    list_filter = ("tier", "monitoring")
    search_fields = ("user__code", "user__name")
    raw_id_fields = ("user",)


class PlanTaskNoteInline(admin.TabularInline):
    model = PlanTaskNote
    form = MarkupFreeModelForm
    extra = 1
    fields = ("noted_on", "percent", "note", "reported_by")


@admin.register(PlanTask)
class PlanTaskAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("code", "title", "department", "deadline", "part")
    list_filter = ("part", "department")
    search_fields = ("code", "title", "department", "partners")
    inlines = (PlanTaskNoteInline,)


@admin.register(PlanTaskNote)
class PlanTaskNoteAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("task", "noted_on", "percent", "reported_by")
    list_filter = ("task__department",)
    search_fields = ("task__code", "task__title", "note")
    date_hierarchy = "noted_on"


@admin.register(ResourceLevy)
class ResourceLevyAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("holder", "year", "assessed_m3", "rate_yuan_m3", "due", "collected_yuan")
    list_filter = ("year",)
    search_fields = ("holder__code", "holder__name")
    raw_id_fields = ("holder",)

    @admin.display(description=_("due (yuan)"))
    def due(self, obj: ResourceLevy) -> str:
        return f"{obj.due_yuan:,.2f}"


@admin.register(CarrierRecognition)
class CarrierRecognitionAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("user", "kind", "recognised_on", "certificate", "balance_test_on", "revoked_on")
    list_filter = ("kind",)
    search_fields = ("user__code", "user__name", "certificate")
    raw_id_fields = ("user",)
    date_hierarchy = "recognised_on"


@admin.register(NonConventionalUse)
class NonConventionalUseAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("user", "year", "kind", "volume_m3")
    list_filter = ("year", "kind")
    search_fields = ("user__code", "user__name")
    raw_id_fields = ("user",)


@admin.register(DistrictQuota)
class DistrictQuotaAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("district", "from_year", "quota")
    list_select_related = ("district", "quota")


@admin.register(AgriculturalPriceReform)
class AgriculturalPriceReformAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("district", "year", "reformed_area_mu", "note")
    list_filter = ("year",)
    list_select_related = ("district",)


@admin.register(TariffBand)
class TariffBandAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("document", "band", "basis", "lower", "upper", "price_yuan_m3", "multiple")
    list_filter = ("basis",)
    list_select_related = ("document",)


@admin.register(UserAssociation)
class UserAssociationAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = ("name", "founded_on", "district", "members", "registered_with")
    search_fields = ("name",)
