"""Reads of the core layers with their records of a period, for evaluations (set-based SQL).

Selectors: compliance reads the layers through these, never through table names. Features
belong to an area when they intersect its boundary (towns by their parent). Every value is a
parameter; periods are half-open [start, end) (consumption/periods.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection


def dict_rows(sql: str, params: dict) -> list[dict]:
    """The rows of a query as dicts by column name."""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


IN_AREA = "ST_Intersects(f.geom, (SELECT geom FROM layers_adminarea WHERE id = %(area)s))"


def wfz_in_area(area_id: int) -> list[dict]:
    """Water-function zones of an area: id, code, name, water_body, target_class."""
    return dict_rows(
        "SELECT id, code, name, water_body, target_class FROM layers_waterfunctionzone f "  # noqa: S608 (constants)
        f"WHERE {IN_AREA} ORDER BY code",
        {"area": area_id},
    )


def wfz_samples(zone_ids: list[int], start: dt.date, end: dt.date) -> list[dict]:
    """Quality samples of the zones in the period (mg/L; None = not measured)."""
    return dict_rows(
        'SELECT zone_id, sampled_on, "do", codmn, cod, bod5, nh3n, tp, tn '
        "FROM layers_waterqualitysample WHERE zone_id = ANY(%(ids)s) "
        "AND sampled_on >= %(start)s AND sampled_on < %(end)s ORDER BY sampled_on",
        {"ids": zone_ids, "start": start, "end": end},
    )


def plants_in_area(area_id: int, receiving_radius_m: float) -> list[dict]:
    """Sewage plants of an area with their grade, capacity (m³/d) and status, and their
    receiving water: the water-function zone nearest the plant within the radius (metres)."""
    return dict_rows(
        "SELECT f.id, f.code, f.name, f.town_id, f.status, f.design_capacity_m3d, "  # noqa: S608 (constants)
        " f.effluent_grade, f.built_on, z.code AS receiving_zone_code, "
        " z.target_class AS receiving_class, z.water_body AS receiving_water_body "
        "FROM layers_sewageplant f LEFT JOIN LATERAL ("
        " SELECT code, target_class, water_body FROM layers_waterfunctionzone w "
        # The && box (index-backed) keeps other counties' zones out before the exact,
        # unindexed geography distance: a degree is >= 50 km east-west up to latitude 63°.
        " WHERE w.geom && ST_Expand(f.geom, %(radius)s / 50000.0) "
        " AND ST_DWithin(w.geom::geography, f.geom::geography, %(radius)s) "
        " ORDER BY w.geom <-> f.geom LIMIT 1) z ON true "
        f"WHERE {IN_AREA} ORDER BY f.code",
        {"area": area_id, "radius": receiving_radius_m},
    )


def plant_months(plant_ids: list[int], start: dt.date, end: dt.date) -> list[dict]:
    """Monthly operation records of the plants in the period (m³, mg/L, °C)."""
    return dict_rows(
        "SELECT plant_id, month, treated_m3, cod, bod5, ss, nh3n, tn, tp, water_temp_c, "
        "reclaimed_m3 FROM layers_sewageplantmonth WHERE plant_id = ANY(%(ids)s) "
        "AND month >= %(start)s AND month < %(end)s ORDER BY month",
        {"ids": plant_ids, "start": start, "end": end},
    )


def towns_with_plants(area_id: int, year: int) -> list[dict]:
    """The area's towns with their population and water-use cap of the year and operating
    plants inside them (one town, one plant: counted by a live spatial join, not the derived
    town link)."""
    return dict_rows(
        "SELECT t.id, t.code, t.name, s.population, s.water_use_cap_m3, "
        " (SELECT count(*) FROM layers_sewageplant p "
        "  WHERE p.status = 'operating' AND ST_Intersects(t.geom, p.geom))::int "
        "  AS operating_plants "
        "FROM layers_adminarea t "
        "LEFT JOIN layers_areayearstats s ON s.area_id = t.id AND s.year = %(year)s "
        "WHERE t.parent_id = %(area)s AND t.level = 'town' ORDER BY t.code",
        {"area": area_id, "year": year},
    )


def districts_with_record(area_id: int, year: int) -> list[dict]:
    """Irrigation districts of an area with their record of the year (None columns: none)."""
    return dict_rows(
        "SELECT f.id, f.code, f.name, f.main_crop, f.effective_area_mu, f.efficient_area_mu, "  # noqa: S608 (constants)
        " r.gross_withdrawal_m3, "
        " r.net_field_m3, r.irrigated_area_mu, r.metered_withdrawal_m3 "
        "FROM layers_irrigationdistrict f "
        "LEFT JOIN layers_irrigationrecord r ON r.district_id = f.id AND r.year = %(year)s "
        f"WHERE {IN_AREA} ORDER BY f.code",
        {"area": area_id, "year": year},
    )


_STATS_COLUMNS = (
    "population, gdp_10k_yuan, industrial_value_added_10k_yuan, water_use_cap_m3, "
    "abstraction_surface_m3, abstraction_groundwater_m3, abstraction_public_supply_m3, "
    "abstraction_nonconventional_m3, industrial_use_m3"
)


def area_stats_history(area_id: int) -> dict[int, dict]:
    """An area's statistics of every year, by year (a few rows: base years of decline rates)."""
    rows = dict_rows(
        f"SELECT year, {_STATS_COLUMNS} FROM layers_areayearstats "  # noqa: S608 (constants)
        "WHERE area_id = %(area)s ORDER BY year",
        {"area": area_id},
    )
    return {r.pop("year"): r for r in rows}
