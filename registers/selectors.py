"""Reads of the registers for one area and year, as plain dicts for the compliance inputs."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q

from layers.models import IrrigationDistrict
from registers.models import (
    AgriculturalPriceReform,
    ApplianceSurvey,
    CarrierRecognition,
    ConstructionProject,
    DistrictQuota,
    Evidence,
    KeyUserListing,
    NonConventionalUse,
    PolicyDocument,
    PublicityEvent,
    QuotaCheck,
    ResourceLevy,
    TariffBand,
    UserAssociation,
    WithdrawalPermit,
)


def _area_q(area_id: int, field: str = "area") -> Q:
    """The area itself and its towns."""
    return Q(**{f"{field}_id": area_id}) | Q(**{f"{field}__parent_id": area_id})


def registers_of_year(area_id: int, year: int) -> dict[str, list[dict]]:
    """The registers' rows of an area (the county and its towns) that bear on `year`:
    documents in force at some time in the year, quota checks of the year, projects approved
    by its end, surveys and events held in it, key-user listings made by its end. Six
    queries."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    docs = PolicyDocument.objects.filter(_area_q(area_id), effective_from__lte=end).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=start)
    )
    return {
        "documents": list(docs.values("doc_number", "title", "kind", "issued_on")),
        "quota_checks": list(
            QuotaCheck.objects.filter(_area_q(area_id, "user__town"), year=year).values(
                "user_id",
                "user__code",
                "output_quantity",
                quota_code=F("quota__code"),
                quota_item=F("quota__item"),
                quota_unit=F("quota__unit"),
                quota_value=F("quota__value"),
                quota_standard=F("quota__standard"),
                quota_verified=F("quota__verified"),
            )  # fmt: skip
        ),
        "projects": list(
            ConstructionProject.objects.filter(_area_q(area_id), approved_on__lte=end).values(
                "code",
                "name",
                "approved_on",
                "assessment_done",
                "designed_with",
                "built_with",
                "commissioned_with",
                "accepted_on",
            )  # fmt: skip
        ),
        "surveys": list(
            ApplianceSurvey.objects.filter(
                _area_q(area_id), surveyed_on__range=(start, end)
            ).values(
                "surveyed_on",
                "place",
                "sites",
                "fixtures_checked",
                "fixtures_water_saving",
                "banned_found",
            )  # fmt: skip
        ),
        "events": list(
            PublicityEvent.objects.filter(_area_q(area_id), held_on__range=(start, end)).values(
                "held_on", "title", "kind", "reach_persons"
            )
        ),
        "key_users": list(
            KeyUserListing.objects.filter(
                _area_q(area_id, "user__town"), listed_on__lte=end
            ).values("user_id", "user__code", "tier", "monitoring")
        ),
        "bands": list(
            TariffBand.objects.filter(document__in=docs).values(
                "document__doc_number",
                "document__kind",
                "band",
                "basis",
                "lower",
                "upper",
                "price_yuan_m3",
                "multiple",
            )  # fmt: skip
        ),
        "nonconventional": list(
            NonConventionalUse.objects.filter(_area_q(area_id, "user__town"), year=year).values(
                "user__code", "kind", "volume_m3"
            )
        ),
        # the agricultural water-price reform: each district's irrigated area, and how much of
        # it the reform covered by the year's end (its latest record up to the year)
        "districts": list(
            IrrigationDistrict.objects.filter(_area_q(area_id, "town")).values(
                "id", "code", "effective_area_mu"
            )
        ),
        "reform": _latest_reform(area_id, year),
        "levies": list(
            ResourceLevy.objects.filter(_area_q(area_id, "holder__town"), year=year).values(
                "holder_id", "holder__code", "assessed_m3", "rate_yuan_m3", "collected_yuan"
            )
        ),
    }


def register_summary(area_id: int, year: int) -> dict[str, dict]:
    """What each register holds for the year, for reports: counts and the evidence documents.

    documents: the documents in force (文号, title, kind); quota_checks: checked / within quota
    needs the users' use and is left to the scorecard line; projects, surveys, events: counts.
    """
    regs = registers_of_year(area_id, year)
    public = [s for s in regs["surveys"] if s["place"] == "public_building"]
    return {
        "documents": regs["documents"],
        "quota_checks": len(regs["quota_checks"]),
        "projects": len(regs["projects"]),
        "projects_compliant": sum(
            1
            for p in regs["projects"]
            if p["assessment_done"]
            and p["designed_with"]
            and p["built_with"]
            and p["commissioned_with"]
        ),  # fmt: skip
        "surveys": len(regs["surveys"]),
        "fixtures_checked": sum(s["fixtures_checked"] for s in public),
        "fixtures_water_saving": sum(s["fixtures_water_saving"] for s in public),
        "banned_found": sum(s["banned_found"] or 0 for s in regs["surveys"]),
        "events": len(regs["events"]),
        "reach_persons": sum(e["reach_persons"] or 0 for e in regs["events"]),
        "quotas_used": len({c["quota_code"] for c in regs["quota_checks"]}),
        "quotas_unverified": len(
            {c["quota_code"] for c in regs["quota_checks"] if not c["quota_verified"]}
        ),
        "tariff_bands": len(regs["bands"]),
        "carriers": len(carriers_by_user_of_year(area_id, year)),
        "levies": len(regs["levies"]),
        "levies_due_yuan": sum(x["assessed_m3"] * x["rate_yuan_m3"] for x in regs["levies"]),
        "levies_collected_yuan": sum(x["collected_yuan"] for x in regs["levies"]),
        "nonconventional_m3": sum(x["volume_m3"] for x in regs["nonconventional"]),
        "associations": UserAssociation.objects.filter(
            _area_q(area_id), founded_on__lte=dt.date(year, 12, 31)
        ).count(),
        "evidence": evidence_of_year(area_id, year),
    }


def carriers_by_user_of_year(area_id: int, year: int) -> dict[int, tuple[str, int]]:
    """The carriers recognised by the end of `year` (carriers_by_user without later ones)."""
    return {u: c for u, c in carriers_by_user(area_id, year).items() if c[1] <= year}


def evidence_of_year(area_id: int, year: int) -> list[dict]:
    """Evidence filed for the year's scorecard lines, or dated in the year for register rows:
    id, title, date, file type, the line's code (None for a register row) and register."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = Evidence.objects.filter(_area_q(area_id)).filter(
        Q(indicator__isnull=False, year=year) | Q(indicator__isnull=True, dated__range=(start, end))
    )
    return [
        {
            "id": e.id,
            "title": e.title,
            "dated": e.dated,
            "media_type": e.get_media_type_display(),
            "indicator": e.indicator.code if e.indicator_id else None,
            "register": str(e.content_type.model_class()._meta.verbose_name)
            if e.content_type_id
            else "",
        }
        for e in rows.select_related("indicator", "content_type").order_by("dated", "title")
    ]


def permits_by_holder(area_id: int, year: int) -> dict[int, list[dict]]:
    """Withdrawal permits of the area's users valid at some time in `year`, or lapsed before
    it (so a lapsed permit is named), by holder id. One query."""
    rows = WithdrawalPermit.objects.filter(
        _area_q(area_id, "holder__town"), valid_from__lte=dt.date(year, 12, 31)
    ).values("holder_id", "permit_number", "permitted_m3", "valid_from", "valid_to", "monitored")
    out: dict[int, list[dict]] = {}
    for r in rows:
        out.setdefault(r.pop("holder_id"), []).append(r)
    return out


def carriers_by_user(area_id: int, year: int) -> dict[int, tuple[str, int]]:
    """Each recognised user's carrier kind and year of recognition, as of the end of `year`:
    its first recognition not revoked by then (a recognition after `year` is returned too, so
    the carrier lines can say it came later). One query."""
    end = dt.date(year, 12, 31)
    rows = (
        CarrierRecognition.objects.filter(_area_q(area_id, "user__town"))
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=end))
        .order_by("user_id", "recognised_on")
        .distinct("user_id")  # PostgreSQL DISTINCT ON: each user's first row
        .values_list("user_id", "kind", "recognised_on")
    )
    return {user_id: (kind, day.year) for user_id, kind, day in rows}


def quotas_by_district(area_id: int, year: int) -> dict[int, dict]:
    """Each irrigation district's quota in `year`: the latest DistrictQuota from that year or
    before (value m³ per 亩, item, standard, verified, code). One query."""
    rows = (
        DistrictQuota.objects.filter(_area_q(area_id, "district__town"), from_year__lte=year)
        .order_by("district_id", "-from_year")
        .distinct("district_id")  # each district's latest
        .values(
            "district_id",
            "quota__code",
            "quota__item",
            "quota__unit",
            "quota__value",
            "quota__standard",
            "quota__clause",
            "quota__verified",
        )  # fmt: skip
    )
    return {
        r.pop("district_id"): {k.removeprefix("quota__"): v for k, v in r.items()} for r in rows
    }


def _latest_reform(area_id: int, year: int) -> list[dict]:
    """Per district, its latest agricultural-price-reform record up to `year`."""
    rows = (
        AgriculturalPriceReform.objects.filter(_area_q(area_id, "district__town"), year__lte=year)
        .order_by("district_id", "-year")
        .distinct("district_id")  # each district's latest
        .values("district_id", "year", "reformed_area_mu")
    )
    return list(rows)


def quota_checks_by_user(year: int) -> dict[str, dict]:
    """Every user's quota check of `year` by user code: quota (code, item, unit, value,
    verified) and output. One query."""
    rows = QuotaCheck.objects.filter(year=year).values(
        "user__code", "output_quantity", "quota__code", "quota__item", "quota__unit",
        "quota__value", "quota__verified",
    )  # fmt: skip
    return {r.pop("user__code"): r for r in rows}
