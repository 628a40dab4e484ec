"""One evaluator per rule family: inputs + indicators → verdict rows (pure; no database)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from compliance.inputs import CountyInput
from compliance.rules import (
    Verdict,
    caps,
    irrigation,
    irrigation_land,
    leakage,
    permits,
    service_pressure,
    sewage,
    users,
    water_quality,
)


@dataclass(frozen=True)
class IndicatorData:
    """The values of an Indicator row the rules need (so scenarios and tests need no ORM)."""

    code: str
    threshold: float | None
    params: dict
    unit: str
    comparator: str
    points: float
    kind: str
    ref: str  # source and clause, cited in explanations
    assessment: str = ""  # standard_2017 | strictest | county_plan ("" for feature rules)
    category: str = ""


@dataclass(frozen=True)
class Row:
    """A verdict about one feature (or the county) for one indicator."""

    indicator: str
    layer: str
    feature_id: int
    feature_code: str
    verdict: Verdict


Indicators = Mapping[str, IndicatorData]


def wfz_rows(data: CountyInput, ind: Indicators) -> list[Row]:
    """GB 3838-2002 single-factor method, yearly frequency, per water-function zone."""
    i = ind["wfz.quality"]
    method = i.params.get("method", "all")
    return [
        Row(
            i.code,
            "water-function-zones",
            z.id,
            z.code,
            water_quality.zone_year(
                z.samples,
                z.water_body,
                z.target_class,
                i.params,
                i.threshold,
                method=method,
                ref=i.ref,
            ),
        )
        for z in data.zones
    ]


def supply_rows(data: CountyInput, ind: Indicators) -> list[Row]:
    """CJJ 92-2016 leakage per supply zone (A uses the pipe layer's own km ≥ DN75), and the
    zone's service pressure in its latest hydraulic run."""
    i = ind["supply.leakage"]
    rows = []
    for z in data.supply_zones:
        b = z.balance or {}
        verdict = leakage.supply_leakage(
            system_input_m3=b.get("system_input_m3"),
            billed_authorized_m3=b.get("billed_authorized_m3"),
            unbilled_authorized_m3=b.get("unbilled_authorized_m3"),
            household_metered_m3=b.get("household_metered_residential_m3"),
            km_dn75_plus=z.km_dn75_plus,
            mean_pressure_mpa=b.get("mean_outlet_pressure_mpa"),
            max_frost_depth_m=b.get("max_frost_depth_m"),
            params=i.params,
            threshold=i.threshold,
            ref=i.ref,
        )
        rows.append(Row(i.code, "supply-zones", z.id, z.code, verdict))
    p = ind.get("supply.service_pressure")
    if p is not None:  # the minimum service pressure in the latest hydraulic run
        for z in data.supply_zones:
            verdict = service_pressure.service_pressure(
                z.pressure, p.params, p.threshold, ref=p.ref
            )
            rows.append(Row(p.code, "supply-zones", z.id, z.code, verdict))
    return rows


def sewage_rows(data: CountyInput, ind: Indicators) -> list[Row]:
    """GB 18918-2002 effluent by grade, load rate and reclaimed rate per operating plant."""
    eff, load, reuse = ind["sewage.effluent"], ind["sewage.load"], ind["sewage.reclaimed"]
    grade = ind["sewage.receiving_grade"]
    rows = []
    for p in data.plants:
        if p.status != "operating":
            continue  # a plant being built or closed treats nothing; towns still count it out
        rows += [
            Row(
                grade.code,
                "sewage-plants",
                p.id,
                p.code,
                sewage.receiving_grade(
                    p.effluent_grade,
                    p.receiving_zone_code,
                    p.receiving_class,
                    p.receiving_water_body,
                    grade.params,
                    ref=grade.ref,
                ),
            ),
            Row(
                eff.code,
                "sewage-plants",
                p.id,
                p.code,
                sewage.effluent_year(
                    p.months, p.effluent_grade, p.built_on, eff.params, eff.threshold, ref=eff.ref
                ),
            ),
            Row(
                load.code,
                "sewage-plants",
                p.id,
                p.code,
                sewage.load_year(p.months, p.design_capacity_m3d, load.threshold, ref=load.ref),
            ),
            Row(
                reuse.code,
                "sewage-plants",
                p.id,
                p.code,
                sewage.reclaimed_year(p.months, reuse.threshold, ref=reuse.ref),
            ),
        ]
    return rows


def town_rows(data: CountyInput, ind: Indicators) -> list[Row]:
    """One town, one plant (the county plan); each town's users' use against its cap."""
    i, cap = ind["town.sewage_plant"], ind["town.water_use_cap"]
    excluded = set(cap.params.get("sectors_excluded", []))
    use: dict[int, float] = {}
    for u in data.users:
        if u.town_id is not None and u.sector not in excluded:
            use[u.town_id] = use.get(u.town_id, 0.0) + sum(u.monthly_m3)
    rows = []
    for t in data.towns:
        rows.append(
            Row(
                i.code,
                "towns",
                t.id,
                t.code,
                sewage.town_plant(t.operating_plants, i.threshold, ref=i.ref),
            )
        )
        rows.append(
            Row(
                cap.code,
                "towns",
                t.id,
                t.code,
                caps.town_cap(
                    use.get(t.id, 0.0),
                    t.water_use_cap_m3,
                    sorted(excluded),
                    cap.threshold,
                    ref=cap.ref,
                ),
            )
        )
    return rows


def irrigation_rows(data: CountyInput, ind: Indicators) -> list[Row]:
    """Irrigation water-use coefficient, use per 亩 against the crop quota, metering rate."""
    coef, quota, meter = (
        ind["irrigation.coefficient"],
        ind["irrigation.quota"],
        ind["irrigation.metering"],
    )
    rows = []
    for d in data.districts:
        rows += [
            Row(
                coef.code,
                "irrigation-districts",
                d.id,
                d.code,
                irrigation.coefficient(d.record, coef.threshold, ref=coef.ref),
            ),
            Row(
                quota.code,
                "irrigation-districts",
                d.id,
                d.code,
                irrigation.quota(d.record, d.main_crop, quota.params, ref=quota.ref, own=d.quota),
            ),
            Row(
                meter.code,
                "irrigation-districts",
                d.id,
                d.code,
                irrigation.metering(d.record, meter.threshold, ref=meter.ref),
            ),
        ]
    return rows + irrigation_land_rows(data, ind)


def irrigation_land_rows(data: CountyInput, ind: Indicators) -> list[Row]:
    """Districts against the rasters: land use vs declared area, net demand from rainfall."""
    land, demand = ind["irrigation.paddy_area"], ind["irrigation.net_demand"]
    rows = []
    for d in data.districts:
        rows += [
            Row(
                land.code,
                "irrigation-districts",
                d.id,
                d.code,
                irrigation_land.land_area_match(
                    declared_mu=d.declared_area_mu,
                    land_use_mu=d.land_use_mu,
                    land_use_file_missing=d.land_use_file_missing,
                    main_crop=d.main_crop,
                    params=land.params,
                    threshold=land.threshold,
                    ref=land.ref,
                ),
            ),
            Row(
                demand.code,
                "irrigation-districts",
                d.id,
                d.code,
                irrigation_land.net_demand(
                    record=d.record,
                    rainfall_mm=d.rainfall_mm,
                    rainfall_file_missing=d.rainfall_file_missing,
                    main_crop=d.main_crop,
                    params=demand.params,
                    ref=demand.ref,
                ),
            ),
        ]
    return rows


def user_rows(data: CountyInput, ind: Indicators) -> list[Row]:
    """Planned-use obligation, over-plan volume with surcharge tiers, key monitored users."""
    plan, over, key = ind["user.planned_use"], ind["user.over_plan"], ind["user.key_monitored"]
    permit = ind.get("user.withdrawal_permit")
    rows = []
    for u in data.users:
        annual = sum(u.monthly_m3)
        if permit is not None and u.source != "public_network":
            verdict = permits.withdrawal_permit(
                annual, u.sector, u.permits, data.year, permit.params, ref=permit.ref
            )
            if verdict is not None:
                rows.append(Row(permit.code, "water-users", u.id, u.code, verdict))
        rows.append(
            Row(
                plan.code,
                "water-users",
                u.id,
                u.code,
                users.planned_use(
                    u.monthly_m3, u.sector, u.annual_plan_m3 is not None, plan.params, ref=plan.ref
                ),
            )
        )
        if u.annual_plan_m3 is not None:
            rows.append(
                Row(
                    over.code,
                    "water-users",
                    u.id,
                    u.code,
                    users.over_plan(
                        annual, u.annual_plan_m3, over.params, source=u.source, ref=over.ref
                    ),
                )
            )
        if annual >= (key.threshold or 0):
            rows.append(
                Row(
                    key.code,
                    "water-users",
                    u.id,
                    u.code,
                    users.key_monitored(annual, key.threshold, ref=key.ref),
                )
            )
    return rows


# Family → (its evaluator, the data versions its verdicts depend on).
FEATURE_FAMILIES: dict[
    str, tuple[Callable[[CountyInput, Indicators], list[Row]], tuple[str, ...]]
] = {
    "wfz": (wfz_rows, ("water-function-zones", "water-quality-samples")),
    # "hydraulic-runs": a new or imported run re-judges the zones' service pressure.
    "supply": (supply_rows, ("supply-zones", "water-balance", "pipes", "hydraulic-runs")),
    "sewage": (sewage_rows, ("sewage-plants", "sewage-plant-months", "water-function-zones")),
    "town": (
        town_rows,
        ("towns", "sewage-plants", "area-stats", "water-users", "consumption"),
    ),
    # "rasters": a re-imported raster (land use, rainfall) makes these verdicts stale.
    "irrigation": (
        irrigation_rows,
        (
            "irrigation-districts",
            "irrigation-records",
            "rasters",
            "district-quotas",
            "water-quotas",
        ),
    ),  # fmt: skip
    "user": (
        user_rows,
        ("water-users", "consumption", "withdrawal-permits", "carrier-recognitions"),
    ),
}
