"""Evaluation inputs: what each rule family needs for an area and year, read in set-based SQL.

The inputs are plain dataclasses, so scenarios can override them without touching the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from layers.models import AdminArea


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


@dataclass
class TownInput:
    id: int
    code: str
    name: str
    population: int | None
    operating_plants: int


@dataclass
class DistrictInput:
    id: int
    code: str
    name: str
    main_crop: str
    record: dict | None


@dataclass
class UserInput:
    id: int
    code: str
    name: str
    sector: str
    carrier: str
    annual_plan_m3: float | None
    town_id: int | None
    supply_zone_id: int | None
    monthly_m3: list[float]


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


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# Features belong to the county when they intersect its boundary (towns by their parent).
_IN_AREA = "ST_Intersects(f.geom, (SELECT geom FROM layers_adminarea WHERE id = %s))"


def county_input(area: AdminArea, year: int, min_diameter_mm: float) -> CountyInput:
    """Read every input of the county's evaluation for `year` (about ten queries).

    min_diameter_mm: the CJJ 92 pipe-length threshold (DN75), from the indicator's data.
    """
    a = area.id
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    zones = [ZoneInput(**r) for r in _rows(
        f"SELECT id, code, name, water_body, target_class FROM layers_waterfunctionzone f "
        f"WHERE {_IN_AREA} ORDER BY code", [a])]
    by_zone = {z.id: z for z in zones}
    for s in _rows("SELECT zone_id, sampled_on, do, codmn, cod, bod5, nh3n, tp, tn "
                   "FROM layers_waterqualitysample WHERE zone_id = ANY(%s) "
                   "AND sampled_on >= %s AND sampled_on < %s ORDER BY sampled_on",
                   [list(by_zone), start, end]):
        by_zone[s.pop("zone_id")].samples.append(s)

    supply_zones = [SupplyZoneInput(
        id=r["id"], code=r["code"], name=r["name"], km_dn75_plus=float(r["km"] or 0),
        balance=({k: r[k] for k in ("system_input_m3", "billed_authorized_m3",
                                    "unbilled_authorized_m3", "household_metered_residential_m3",
                                    "mean_outlet_pressure_mpa", "max_frost_depth_m")}
                 if r["system_input_m3"] is not None else None),
    ) for r in _rows(
        # Pipe length comes from the pipe layer itself (CJJ 92-2016: in-service pipes ≥ DN75).
        f"SELECT f.id, f.code, f.name, b.system_input_m3, b.billed_authorized_m3, "
        f"b.unbilled_authorized_m3, b.household_metered_residential_m3, "
        f"b.mean_outlet_pressure_mpa, b.max_frost_depth_m, "
        f"(SELECT sum(p.length_m) / 1000.0 FROM layers_pipesegment p WHERE p.supply_zone_id = f.id "
        f" AND p.status = 'in_service' AND p.diameter_mm >= %s) AS km "
        f"FROM layers_supplyzone f LEFT JOIN layers_waterbalance b ON b.zone_id = f.id "
        f"AND b.year = %s WHERE {_IN_AREA} ORDER BY f.code", [min_diameter_mm, year, a])]

    plants = [PlantInput(**r) for r in _rows(
        f"SELECT id, code, name, town_id, status, design_capacity_m3d, effluent_grade, built_on "
        f"FROM layers_sewageplant f WHERE {_IN_AREA} ORDER BY code", [a])]
    by_plant = {p.id: p for p in plants}
    for m in _rows("SELECT plant_id, month, treated_m3, cod, bod5, ss, nh3n, tn, tp, "
                   "water_temp_c, reclaimed_m3 FROM layers_sewageplantmonth "
                   "WHERE plant_id = ANY(%s) AND month >= %s AND month < %s ORDER BY month",
                   [list(by_plant), start, end]):
        by_plant[m.pop("plant_id")].months.append(m)

    # One town, one plant: counted by a live spatial join, not the derived town link.
    towns = [TownInput(**r) for r in _rows(
        "SELECT t.id, t.code, t.name, s.population, "
        "(SELECT count(*) FROM layers_sewageplant p WHERE p.status = 'operating' "
        " AND ST_Intersects(t.geom, p.geom))::int AS operating_plants "
        "FROM layers_adminarea t LEFT JOIN layers_areayearstats s ON s.area_id = t.id "
        "AND s.year = %s WHERE t.parent_id = %s AND t.level = 'town' ORDER BY t.code",
        [year, a])]

    districts = [DistrictInput(
        id=r["id"], code=r["code"], name=r["name"], main_crop=r["main_crop"],
        record=({k: r[k] for k in ("gross_withdrawal_m3", "net_field_m3", "irrigated_area_mu",
                                   "metered_withdrawal_m3")}
                if r["gross_withdrawal_m3"] is not None else None),
    ) for r in _rows(
        f"SELECT f.id, f.code, f.name, f.main_crop, r.gross_withdrawal_m3, r.net_field_m3, "
        f"r.irrigated_area_mu, r.metered_withdrawal_m3 FROM layers_irrigationdistrict f "
        f"LEFT JOIN layers_irrigationrecord r ON r.district_id = f.id AND r.year = %s "
        f"WHERE {_IN_AREA} ORDER BY f.code", [year, a])]

    users = [UserInput(**r) for r in _rows(
        # Twelve monthly volumes per user (0 where nothing was recorded), in one query.
        f"SELECT f.id, f.code, f.name, f.sector, f.carrier, f.annual_plan_m3, f.town_id, "
        f"f.supply_zone_id, ARRAY(SELECT coalesce(sum(c.volume_m3), 0) FROM "
        f"generate_series(%s::date, %s::date - 1, interval '1 month') AS m(month) "
        f"LEFT JOIN layers_consumption c ON c.user_id = f.id AND c.month = m.month::date "
        f"GROUP BY m.month ORDER BY m.month) AS monthly_m3 "
        f"FROM layers_wateruser f WHERE {_IN_AREA} ORDER BY f.code", [start, end, a])]

    stats = _rows("SELECT population, gdp_10k_yuan, industrial_value_added_10k_yuan, "
                  "water_use_cap_m3 FROM layers_areayearstats WHERE area_id = %s AND year = %s",
                  [a, year])
    return CountyInput(area_id=a, area_code=area.code, area_name=area.name, year=year,
                       zones=zones, supply_zones=supply_zones, plants=plants, towns=towns,
                       districts=districts, users=users, stats=stats[0] if stats else None)
