"""The core layers' specs: towns, major roads, water-function zones, irrigation districts,
sewage plants."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from layers import models as m
from layers.attributes import Attr
from layers.models import AdminArea, IrrigationDistrict, Road, SewagePlant, WaterFunctionZone
from layers.records import RecordKind, le, m3, mg_l
from layers.spec import LayerSpec

TOWN = ("town_id", "towns")  # a feature's derived town (membership)

SPECS = (
    LayerSpec(
        "towns",
        AdminArea,
        _("Towns"),
        "Polygon",
        (Attr("code", required=True), Attr("name", required=True), Attr("parent_code")),
        order=10,
        filters={"level": AdminArea.Level.TOWN},
        properties={"level": "level", "parent_code": "parent__code"},
    ),
    # Context (no rule judges it): above the towns' fill, under the water and everything else.
    LayerSpec(
        "roads",
        Road,
        _("Major roads"),
        "LineString",
        (
            Attr("code", required=True),
            Attr("name", required=True),
            Attr("grade", required=True, choices=tuple(Road.Grade.values)),
        ),
        order=15,
    ),
    LayerSpec(
        "water-function-zones",
        WaterFunctionZone,
        _("Water-function zones"),
        "Polygon",
        (
            Attr("code", required=True),
            Attr("name"),
            Attr("river"),
            Attr("level1_type"),
            Attr("level2_type"),
            Attr("water_body", required=True, choices=tuple(WaterFunctionZone.WaterBody.values)),
            Attr("target_class", "int", required=True, min_value=1, max_value=5),
        ),
        order=20,
    ),
    LayerSpec(
        "irrigation-districts",
        IrrigationDistrict,
        _("Irrigation districts"),
        "Polygon",
        (
            Attr("code", required=True),
            Attr("name"),
            Attr("size", required=True, choices=tuple(IrrigationDistrict.Size.values)),
            Attr("effective_area_mu", "float", required=True, min_value=0),
            Attr("efficient_area_mu", "float", min_value=0),
            Attr("main_crop"),
        ),
        order=30,
        properties={"town_code": "town__code"},
        memberships=(TOWN,),
    ),
    LayerSpec(
        "sewage-plants",
        SewagePlant,
        _("Sewage plants"),
        "Point",
        (
            Attr("code", required=True),
            Attr("name"),
            Attr("design_capacity_m3d", "float", required=True, min_value=0.001),
            Attr("effluent_grade", required=True, choices=tuple(SewagePlant.Grade.values)),
            Attr("built_on", "date"),
            Attr("status", choices=tuple(SewagePlant.Status.values)),
        ),
        order=70,
        properties={"town_code": "town__code"},
        memberships=(TOWN,),
        retired=("status", SewagePlant.Status.CLOSED),
    ),
)

RECORD_SPECS = (
    RecordKind(
        "water-quality-samples",
        m.WaterQualitySample,
        "zone_code",
        m.WaterFunctionZone,
        "zone_id",
        ("sampled_on",),
        (
            Attr("sampled_on", "date", required=True),
            *(mg_l(p) for p in ("do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")),
        ),
    ),
    RecordKind(
        "sewage-plant-months",
        m.SewagePlantMonth,
        "plant_code",
        m.SewagePlant,
        "plant_id",
        ("month",),
        (
            Attr("month", "month", required=True),
            m3("treated_m3"),
            *(mg_l(p) for p in ("cod", "bod5", "ss", "nh3n", "tn", "tp")),
            Attr("water_temp_c", "float", min_value=-5, max_value=60),
            m3("reclaimed_m3"),
        ),
        checks=(
            (
                le("reclaimed_m3", "treated_m3"),
                "reclaimed_m3",
                "reclaimed volume exceeds the treated volume",
            ),
        ),
    ),
    RecordKind(
        "irrigation-records",
        m.IrrigationRecord,
        "district_code",
        m.IrrigationDistrict,
        "district_id",
        ("year",),
        (
            Attr("year", "int", required=True, min_value=1900, max_value=2100),
            m3("gross_withdrawal_m3"),
            m3("net_field_m3"),
            Attr("irrigated_area_mu", "float", required=True, min_value=0),
            m3("metered_withdrawal_m3", required=False),
        ),
        checks=(
            (
                le("net_field_m3", "gross_withdrawal_m3"),
                "net_field_m3",
                "net water to fields exceeds the gross withdrawal",
            ),
        ),
    ),
    RecordKind(
        "area-stats",
        m.AreaYearStats,
        "area_code",
        m.AdminArea,
        "area_id",
        ("year",),
        (
            Attr("year", "int", required=True, min_value=1900, max_value=2100),
            Attr("population", "int", min_value=0),
            Attr("gdp_10k_yuan", "float", min_value=0),
            Attr("industrial_value_added_10k_yuan", "float", min_value=0),
            Attr("water_use_cap_m3", "float", min_value=0),
            Attr("abstraction_surface_m3", "float", min_value=0),
            Attr("abstraction_groundwater_m3", "float", min_value=0),
            Attr("abstraction_public_supply_m3", "float", min_value=0),
            Attr("abstraction_nonconventional_m3", "float", min_value=0),
            Attr("industrial_use_m3", "float", min_value=0),
        ),
    ),
)
