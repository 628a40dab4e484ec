"""Evaluation inputs: what each rule family needs for an area and year, read in set-based SQL.

The inputs are plain dataclasses, so scenarios can override them without touching the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from consumption.periods import year_period
from consumption.selectors import users_with_monthly_volumes
from dataio.importing.raster_import import RasterFileMissing
from layers.models import AdminArea
from layers.yearly import (
    area_stats_history,
    districts_with_record,
    plant_months,
    plants_in_area,
    towns_with_plants,
    wfz_in_area,
    wfz_samples,
)
from network.hydraulics.selectors import zone_service_pressure
from network.selectors import supply_zones_with_balance
from rasters.selectors import zonal_by_id
from registers.selectors import (
    carriers_by_user,
    permits_by_holder,
    quotas_by_district,
    registers_of_year,
)


@dataclass
class ZoneInput:
    id: int
    code: str
    name: str
    water_body: str
    target_class: int
    samples: list[dict] = field(default_factory=list)


@dataclass
class SupplyZoneInput:
    id: int
    code: str
    name: str
    km_dn75_plus: float
    balance: dict | None  # the WaterBalance row of the year, or None
    # The latest hydraulic run of the year's demand, judged against the minimum service
    # pressure (network.hydraulics.selectors.zone_service_pressure), or None: no such run.
    pressure: dict | None = None


@dataclass
class PlantInput:
    id: int
    code: str
    name: str
    town_id: int | None
    status: str
    design_capacity_m3d: float
    effluent_grade: str
    built_on: dt.date | None
    months: list[dict] = field(default_factory=list)
    # The water-function zone nearest the plant (its receiving water), None when none is near.
    receiving_zone_code: str | None = None
    receiving_class: int | None = None
    receiving_water_body: str | None = None


@dataclass
class TownInput:
    id: int
    code: str
    name: str
    population: int | None
    operating_plants: int
    water_use_cap_m3: float | None = None


@dataclass
class DistrictInput:
    id: int
    code: str
    name: str
    main_crop: str
    record: dict | None
    declared_area_mu: float | None = None  # the district's effective irrigated area (亩)
    efficient_area_mu: float = 0.0  # 亩 under pipe, sprinkler or drip irrigation
    land_use_mu: dict[str, float] | None = None  # 亩 per land-use class code; None: no raster
    rainfall_mm: float | None = None  # mean annual rainfall over the district; None: no raster
    land_use_file_missing: bool = False  # the land-use raster is registered, its file is not
    rainfall_file_missing: bool = False  # the rainfall raster is registered, its file is not
    # the quota the district is held to (register district-quotas); None: its crop's default
    quota: dict | None = None


@dataclass
class UserInput:
    id: int
    code: str
    name: str
    sector: str
    annual_plan_m3: float | None
    town_id: int | None
    supply_zone_id: int | None
    monthly_m3: list[float]
    metered_m3: float  # the year's volume read from meters (the rest is estimated)
    source: str = "public_network"  # public_network | surface | groundwater (self-supplied)
    # A water-saving carrier's kind ("" = none) and the year it was recognised, from the
    # carrier-recognitions register (registers.selectors.carriers_by_user)
    carrier: str = ""
    carrier_year: int | None = None
    permits: list[dict] = field(default_factory=list)  # withdrawal permits (self-supplied users)


@dataclass
class CountyInput:
    """Everything the county's evaluation reads for one year."""

    area_id: int
    area_code: str
    area_name: str
    year: int
    zones: list[ZoneInput]
    supply_zones: list[SupplyZoneInput]
    plants: list[PlantInput]
    towns: list[TownInput]
    districts: list[DistrictInput]
    users: list[UserInput]
    stats: dict | None  # AreaYearStats of the county for the year
    stats_history: dict[int, dict] = field(default_factory=dict)  # every year's, for base years
    # The management registers bearing on the year (registers.selectors.registers_of_year).
    registers: dict[str, list[dict]] = field(default_factory=dict)
    # Scenarios only: scorecard lines assumed met or not (code → status).
    assumed: dict[str, str] = field(default_factory=dict)


_BALANCE_FIELDS = (
    "system_input_m3",
    "billed_authorized_m3",
    "unbilled_authorized_m3",
    "household_metered_residential_m3",
    "mean_outlet_pressure_mpa",
    "max_frost_depth_m",
)
_RECORD_FIELDS = (
    "gross_withdrawal_m3",
    "net_field_m3",
    "irrigated_area_mu",
    "metered_withdrawal_m3",
)


# The parts of CountyInput that can be read on their own (each rule family uses one).
INPUT_PARTS = frozenset(
    {"zones", "supply_zones", "plants", "towns", "districts", "users", "stats", "registers"}
)
RECEIVING_RADIUS_M = 5000.0  # default search radius of a plant's receiving water
SERVICE_PRESSURE_M = 14.28  # default minimum service pressure (m): 0.14 MPa, the indicator's


def county_input(
    area: AdminArea,
    year: int,
    min_diameter_mm: float,
    *,
    land_use_raster: str | None = None,
    rainfall_raster: str | None = None,
    receiving_radius_m: float = RECEIVING_RADIUS_M,
    service_pressure_m: float = SERVICE_PRESSURE_M,
    parts: frozenset[str] = INPUT_PARTS,
) -> CountyInput:
    """Read the inputs of the county's evaluation for `year` (nine queries, plus rasters),
    through the selectors of the apps that own the data (no table names here).

    parts: which of INPUT_PARTS to read (the others are left empty), so re-evaluating one
    stale family reads only what that family uses.

    min_diameter_mm: the CJJ 92 pipe-length threshold (DN75), from the indicator's data.
    service_pressure_m: the minimum service pressure (m) the latest hydraulic run's junctions
    are judged against, from `supply.service_pressure`'s data.
    land_use_raster / rainfall_raster: slugs of the rasters whose zonal statistics over each
    irrigation district feed the land and demand rules (from the indicators' data).
    """
    period = year_period(year)
    zones = [ZoneInput(**r) for r in wfz_in_area(area.id)] if "zones" in parts else []
    by_zone = {z.id: z for z in zones}
    for s in wfz_samples(list(by_zone), **period) if by_zone else []:
        by_zone[s.pop("zone_id")].samples.append(s)
    supply_zones = [
        SupplyZoneInput(
            id=r["id"],
            code=r["code"],
            name=r["name"],
            km_dn75_plus=float(r["km"] or 0),
            balance=(
                {k: r[k] for k in _BALANCE_FIELDS} if r["system_input_m3"] is not None else None
            ),
        )
        for r in (
            supply_zones_with_balance(area.id, year, min_diameter_mm)
            if "supply_zones" in parts
            else []
        )
    ]
    if supply_zones:
        pressures = zone_service_pressure(area.id, year, service_pressure_m)
        for z in supply_zones:
            z.pressure = pressures.get(z.id)
    plants = (
        [PlantInput(**r) for r in plants_in_area(area.id, receiving_radius_m)]
        if "plants" in parts
        else []
    )
    by_plant = {pl.id: pl for pl in plants}
    for m in plant_months(list(by_plant), **period) if by_plant else []:
        by_plant[m.pop("plant_id")].months.append(m)
    towns = [TownInput(**r) for r in towns_with_plants(area.id, year)] if "towns" in parts else []
    districts = [
        DistrictInput(
            id=r["id"],
            code=r["code"],
            name=r["name"],
            main_crop=r["main_crop"],
            declared_area_mu=r["effective_area_mu"],
            efficient_area_mu=r["efficient_area_mu"] or 0.0,
            record=(
                {k: r[k] for k in _RECORD_FIELDS} if r["gross_withdrawal_m3"] is not None else None
            ),
        )
        for r in (districts_with_record(area.id, year) if "districts" in parts else [])
    ]
    if districts:
        _district_rasters(districts, land_use_raster, rainfall_raster)
        quotas = quotas_by_district(area.id, year)
        for d in districts:
            d.quota = quotas.get(d.id)
    users = (
        [UserInput(**r) for r in users_with_monthly_volumes(area.id, **period)]
        if "users" in parts
        else []
    )
    if users:
        permits = permits_by_holder(area.id, year)
        carriers = carriers_by_user(area.id, year)
        for u in users:
            u.permits = permits.get(u.id, [])
            u.carrier, u.carrier_year = carriers.get(u.id, ("", None))
    history = area_stats_history(area.id) if "stats" in parts else {}
    stats = history.get(year)
    registers = registers_of_year(area.id, year) if "registers" in parts else {}
    return CountyInput(
        area_id=area.id,
        area_code=area.code,
        area_name=area.name,
        year=year,
        zones=zones,
        supply_zones=supply_zones,
        plants=plants,
        towns=towns,
        districts=districts,
        users=users,
        stats=stats,
        stats_history=history,
        registers=registers,
    )


def _district_rasters(
    districts: list[DistrictInput], land_use: str | None, rainfall: str | None
) -> None:
    """Land-use areas (亩 per class code) and mean rainfall (mm) of each district, from the
    rasters' zonal statistics; left None when a raster is not registered or its file is
    missing on disk (then flagged, so the verdict can say to re-import it)."""
    by_id = {d.id: d for d in districts}
    land, land_missing = _district_zonal(land_use)
    rain, rain_missing = _district_zonal(rainfall)
    for fid, district in by_id.items():
        district.land_use_file_missing, district.rainfall_file_missing = land_missing, rain_missing
        if land is not None and fid in land:
            district.land_use_mu = {
                c["code"] or str(c["value"]): c["area_mu"] for c in land[fid]["classes"]
            }
        if rain is not None and fid in rain:
            district.rainfall_mm = rain[fid]["mean"]


def _district_zonal(slug: str | None) -> tuple[dict[int, dict] | None, bool]:
    """(zonal figures by district id or None, whether the raster's file is missing)."""
    if not slug:
        return None, False
    try:
        return zonal_by_id(slug, "irrigation-districts"), False
    except RasterFileMissing:
        return None, True
