"""Admin for indicators (edits go through the service, so every change is recorded) and results."""

from django.contrib import admin

from compliance.models import EvaluationRun, Indicator, IndicatorChange, Result
from compliance.services import indicator_update
from layers.forms import MarkupFreeModelForm


class IndicatorChangeInline(admin.TabularInline):
    model = IndicatorChange
    extra = 0
    can_delete = False
    readonly_fields = ("changed_at", "changed_by", "before", "after")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = MarkupFreeModelForm
    list_display = (
        "code",
        "name_zh",
        "kind",
        "assessment",
        "comparator",
        "threshold",
        "unit",
        "points",
        "verified",
    )
    list_filter = ("family", "kind", "assessment", "verified")
    search_fields = ("code", "name_zh", "name_en", "source")
    # Where a line sits in the scorecard comes from the seed (compliance/indicators.json).
    readonly_fields = (
        "code",
        "family",
        "layer",
        "assessment",
        "category",
        "seed_version",
        "updated_at",
    )
    inlines = [IndicatorChangeInline]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        indicator_update(
            indicator=Indicator.objects.get(pk=obj.pk), changes=values, user=request.user
        )


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("indicator", "feature_code", "year", "value", "threshold", "status")
    list_filter = ("status", "year", "indicator__family", "layer")
    search_fields = ("feature_code", "indicator__code")
    readonly_fields = [f.name for f in Result._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # results come from evaluation only

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ("family", "area", "year", "evaluated_at", "duration_ms")
    list_filter = ("family", "year")
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]
