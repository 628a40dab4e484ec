"""Admin of water users and their monthly consumption."""

from django.contrib import admin

from consumption import models as m
from layers.admin import FeatureAdmin


@admin.register(m.WaterUser)
class WaterUserAdmin(FeatureAdmin):
    list_display = ("code", "name", "sector", "town", "annual_plan_m3")
    list_filter = ("sector", "source")
    readonly_fields = (*FeatureAdmin.readonly_fields, "town", "supply_zone")


@admin.register(m.Consumption)
class ConsumptionAdmin(admin.ModelAdmin):
    list_display = ("user", "month", "volume_m3", "metered")
    raw_id_fields = ("user",)
    date_hierarchy = "month"
