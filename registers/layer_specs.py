"""The registers as record kinds: imported from CSV/XLSX like every other record."""

from __future__ import annotations

from layers.attributes import Attr
from layers.models import AdminArea
from layers.records import RecordKind
from registers import models as m

AREA = ("area_code", AdminArea, "area_id")


def _choices(model_choices) -> tuple[str, ...]:
    return tuple(model_choices.values)


RECORD_SPECS = (
    RecordKind(
        "policy-documents",
        m.PolicyDocument,
        *AREA,
        ("doc_number",),
        (
            Attr("doc_number", required=True),
            Attr("title", required=True),
            Attr("kind", required=True, choices=_choices(m.PolicyDocument.Kind)),
            Attr("issuer"),
            Attr("issued_on", "date", required=True),
            Attr("effective_from", "date", required=True),
            Attr("effective_to", "date"),
        ),
        checks=(
            (
                lambda r: r.get("effective_to") is None or r["effective_to"] >= r["effective_from"],
                "effective_to",
                "a document cannot lapse before it takes effect",
            ),
        ),
    ),
    RecordKind(
        "tariff-bands",
        m.TariffBand,
        *AREA,
        ("doc_number", "band"),
        (
            Attr(
                "doc_number",
                required=True,
                ref=("registers.PolicyDocument", "document", "doc_number"),
            ),
            Attr("band", "int", required=True, min_value=1, max_value=20),
            Attr("basis", required=True, choices=_choices(m.TariffBand.Basis)),
            Attr("lower", "float", required=True, min_value=0),
            Attr("upper", "float", min_value=0),
            Attr("price_yuan_m3", "float", min_value=0, max_value=1000),
            Attr("multiple", "float", min_value=0, max_value=100),
        ),
        checks=(
            (
                lambda r: r["price_yuan_m3"] is not None or r["multiple"] is not None,
                "price_yuan_m3",
                "a band needs a price or a surcharge multiple",
            ),
            (
                lambda r: r["upper"] is None or r["upper"] > r["lower"],
                "upper",
                "a band's upper bound must lie above its lower bound",
            ),
        ),
    ),
    RecordKind(
        "agricultural-price-reform",
        m.AgriculturalPriceReform,
        "district_code",
        m.IrrigationDistrict,
        "district_id",
        ("year",),
        (
            Attr("year", "int", required=True, min_value=1900, max_value=2100),
            Attr("reformed_area_mu", "float", required=True, min_value=0),
            Attr("note"),
        ),
    ),
    RecordKind(
        "water-quotas",
        m.WaterQuota,
        *AREA,
        ("code",),
        (
            Attr("code", required=True),
            Attr("sector", required=True, choices=_choices(m.WaterQuota.Sector)),
            Attr("item", required=True),
            Attr("unit", required=True),
            Attr("value", "float", required=True, min_value=0.000001),
            Attr("standard", required=True),
            Attr("clause"),
            Attr("verified", "bool", required=True),
        ),
    ),
    RecordKind(
        "district-quotas",
        m.DistrictQuota,
        "district_code",
        m.IrrigationDistrict,
        "district_id",
        ("from_year",),
        (
            Attr("from_year", "int", required=True, min_value=1900, max_value=2100),
            Attr("quota_code", required=True, ref=("registers.WaterQuota", "quota")),
        ),
    ),
    RecordKind(
        "quota-checks",
        m.QuotaCheck,
        "user_code",
        m.WaterUser,
        "user_id",
        ("year",),
        (
            Attr("year", "int", required=True, min_value=1900, max_value=2100),
            Attr("quota_code", required=True, ref=("registers.WaterQuota", "quota")),
            Attr("output_quantity", "float", required=True, min_value=0),
        ),
    ),
    RecordKind(
        "construction-projects",
        m.ConstructionProject,
        *AREA,
        ("code",),
        (
            Attr("code", required=True),
            Attr("name", required=True),
            Attr("kind", required=True, choices=_choices(m.ConstructionProject.Kind)),
            Attr("approved_on", "date", required=True),
            Attr("assessment_done", "bool", required=True),
            Attr("designed_with", "bool", required=True),
            Attr("built_with", "bool", required=True),
            Attr("commissioned_with", "bool", required=True),
            Attr("accepted_on", "date"),
        ),
        checks=(
            (
                lambda r: r.get("accepted_on") is None or r["accepted_on"] >= r["approved_on"],
                "accepted_on",
                "a project cannot be accepted before it is approved",
            ),
        ),
    ),
    RecordKind(
        "appliance-surveys",
        m.ApplianceSurvey,
        *AREA,
        ("surveyed_on", "place"),
        (
            Attr("surveyed_on", "date", required=True),
            Attr("place", required=True, choices=_choices(m.ApplianceSurvey.Place)),
            Attr("sites", "int", required=True, min_value=0),
            Attr("fixtures_checked", "int", required=True, min_value=0),
            Attr("fixtures_water_saving", "int", required=True, min_value=0),
            Attr("banned_found", "int", min_value=0),
            Attr("action_taken"),
        ),
        checks=(
            (
                lambda r: r["fixtures_water_saving"] <= r["fixtures_checked"],
                "fixtures_water_saving",
                "more water-saving fixtures than fixtures checked",
            ),
        ),
    ),
    RecordKind(
        "publicity-events",
        m.PublicityEvent,
        *AREA,
        ("held_on", "title"),
        (
            Attr("held_on", "date", required=True),
            Attr("title", required=True),
            Attr("kind", required=True, choices=_choices(m.PublicityEvent.Kind)),
            Attr("audience"),
            Attr("reach_persons", "int", min_value=0),
        ),
    ),
    RecordKind(
        "withdrawal-permits",
        m.WithdrawalPermit,
        "user_code",
        m.WaterUser,
        "holder_id",
        ("permit_number",),
        (
            Attr("permit_number", required=True),
            Attr("source", required=True, choices=_choices(m.WithdrawalPermit.Source)),
            Attr("intake_lon", "float", min_value=73, max_value=136),
            Attr("intake_lat", "float", min_value=3, max_value=54),
            Attr("permitted_m3", "float", required=True, min_value=0),
            Attr("purpose"),
            Attr("valid_from", "date", required=True),
            Attr("valid_to", "date", required=True),
            Attr("monitored", "bool", required=True),
        ),
        checks=(
            (
                lambda r: r["valid_to"] >= r["valid_from"],
                "valid_to",
                "a permit cannot end before it starts",
            ),
        ),
    ),
    RecordKind(
        "resource-levies",
        m.ResourceLevy,
        "user_code",
        m.WaterUser,
        "holder_id",
        ("year",),
        (
            Attr("year", "int", required=True, min_value=1900, max_value=2100),
            Attr("assessed_m3", "float", required=True, min_value=0),
            Attr("rate_yuan_m3", "float", required=True, min_value=0, max_value=100),
            Attr("collected_yuan", "float", required=True, min_value=0),
        ),
    ),
    RecordKind(
        "carrier-recognitions",
        m.CarrierRecognition,
        "user_code",
        m.WaterUser,
        "user_id",
        ("recognised_on",),
        (
            Attr("kind", required=True, choices=_choices(m.CarrierRecognition.Kind)),
            Attr("recognised_on", "date", required=True),
            Attr("standard"),
            Attr("certificate"),
            Attr("balance_test_on", "date"),
            Attr("revoked_on", "date"),
        ),
        checks=(
            (
                lambda r: r["revoked_on"] is None or r["revoked_on"] > r["recognised_on"],
                "revoked_on",
                "a recognition cannot be revoked before it is made",
            ),
        ),
    ),
    RecordKind(
        "nonconventional-uses",
        m.NonConventionalUse,
        "user_code",
        m.WaterUser,
        "user_id",
        ("year", "kind"),
        (
            Attr("year", "int", required=True, min_value=1900, max_value=2100),
            Attr("kind", required=True, choices=_choices(m.NonConventionalUse.Kind)),
            Attr("volume_m3", "float", required=True, min_value=0),
        ),
    ),
    RecordKind(
        "user-associations",
        m.UserAssociation,
        *AREA,
        ("name",),
        (
            Attr("name", required=True),
            Attr("founded_on", "date", required=True),
            Attr("district_code", ref=("layers.IrrigationDistrict", "district")),
            Attr("members", "int", min_value=0),
            Attr("registered_with"),
        ),
    ),
    RecordKind(
        "key-users",
        m.KeyUserListing,
        "user_code",
        m.WaterUser,
        "user_id",
        ("tier",),
        (
            Attr("tier", required=True, choices=_choices(m.KeyUserListing.Tier)),
            Attr("listed_on", "date", required=True),
            Attr("monitoring", required=True, choices=_choices(m.KeyUserListing.Monitoring)),
        ),
    ),
)

TASK_SPECS = (
    RecordKind(
        "plan-tasks",
        m.PlanTask,
        *AREA,
        ("code",),
        (
            Attr("code", required=True),
            Attr("part", required=True, choices=_choices(m.PlanTask.Part)),
            Attr("chapter", required=True),
            Attr("title", required=True),
            Attr("description"),
            Attr("department", required=True),
            Attr("partners"),
            Attr("deadline", "date", required=True),
        ),
    ),
    RecordKind(
        "plan-task-notes",
        m.PlanTaskNote,
        "task_code",
        m.PlanTask,
        "task_id",
        ("noted_on",),
        (
            Attr("noted_on", "date", required=True),
            Attr("percent", "int", required=True, min_value=0, max_value=100),
            Attr("note", required=True),
            Attr("reported_by"),
        ),
        checks=(
            (
                lambda r: m.report_date_ok(r["noted_on"]),
                "noted_on",
                "a progress report cannot be dated in the future",
            ),
        ),
    ),
)
