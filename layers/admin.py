"""Admin of the core layers and their records, with django-leaflet widgets (local assets)."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from layers import models as m
from layers.forms import MarkupFreeModelForm


class FeatureAdmin(LeafletGeoAdmin):
    """Common admin of a map feature: searchable by code and name."""

    form = MarkupFreeModelForm

    search_fields = ("code", "name")
    list_display = ("code", "name")
    readonly_fields = ("created_at", "updated_at")


@admin.register(m.AdminArea)
class AdminAreaAdmin(LeafletGeoAdmin):
    form = MarkupFreeModelForm
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(m.AreaYearStats)
class AreaYearStatsAdmin(admin.ModelAdmin):
    list_display = ("area", "year", "population", "gdp_10k_yuan", "water_use_cap_m3")
    list_filter = ("year",)
    autocomplete_fields = ("area",)


@admin.register(m.Road)
class RoadAdmin(FeatureAdmin):
    list_display = ("code", "name", "grade")
    list_filter = ("grade",)


@admin.register(m.WaterFunctionZone)
class WaterFunctionZoneAdmin(FeatureAdmin):
    list_display = ("code", "name", "river", "water_body", "target_class")
    list_filter = ("water_body", "target_class")


@admin.register(m.WaterQualitySample)
class WaterQualitySampleAdmin(admin.ModelAdmin):
    list_display = ("zone", "sampled_on", "do", "codmn", "nh3n", "tp")
    list_filter = ("zone",)
    date_hierarchy = "sampled_on"


@admin.register(m.IrrigationDistrict)
class IrrigationDistrictAdmin(FeatureAdmin):
    list_display = ("code", "name", "size", "effective_area_mu", "main_crop")
    readonly_fields = (*FeatureAdmin.readonly_fields, "town")


@admin.register(m.IrrigationRecord)
class IrrigationRecordAdmin(admin.ModelAdmin):
    list_display = ("district", "year", "gross_withdrawal_m3", "net_field_m3")
    list_filter = ("year",)


@admin.register(m.SewagePlant)
class SewagePlantAdmin(FeatureAdmin):
    list_display = ("code", "name", "town", "design_capacity_m3d", "effluent_grade", "status")
    list_filter = ("status", "effluent_grade")
    readonly_fields = (*FeatureAdmin.readonly_fields, "town")


@admin.register(m.SewagePlantMonth)
class SewagePlantMonthAdmin(admin.ModelAdmin):
    list_display = ("plant", "month", "treated_m3", "cod", "nh3n", "tp")
    list_filter = ("plant",)


@admin.register(m.LayerVersion)
class LayerVersionAdmin(admin.ModelAdmin):
    list_display = ("key", "version", "changed_at")
