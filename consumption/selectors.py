"""Reads of consumption: by zone and period, or inside a drawn polygon — one SQL query each.

Volumes are m³. A zone's volume is the metered users' consumption (users inside the zone) plus,
for sector agriculture (or no sector filter), the irrigation districts' gross withdrawal:

* zone_type=irrigation-district: the district's own yearly records;
* zone_type=town and drawn polygons: each district's record × (area of the district inside the
  town or polygon ÷ the district's area), areas on the spheroid;
* supply zones and water-function zones: no irrigation records (the public network's districts
  and the water bodies do not hold the fields).

A yearly record is spread over its months by the agricultural users' monthly profile of that
year (month volume ÷ year volume of every user of sector agriculture; 1/12 per month when the
year has none). Records carry no source; they count as surface water, so a source filter other
than `surface` leaves them out.

Per-capita use is litres per person per day: volume × 1000 ÷ Σ(population × days of the month);
use per 10,000 yuan of GDP is volume ÷ (Σ annual GDP × 1/12 per month). Caps and plans are annual
and scaled by 1/12 per month. Statistics exist for towns only (AreaYearStats); a figure is null
when any month's year lacks the statistic.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import shapely
from django.db import connection
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from consumption.area_sql import area_sql
from consumption.columns import BY_KEY
from consumption.params import ConsumptionQuery, Period, QueryError
from consumption.periods import monthly_volumes_sql
from consumption.sql import ZONE_KINDS, zone_sql
from layers.prepared import execute_prepared, prepared_cursor
from layers.yearly import IN_AREA, dict_rows

AREA_LIMIT_FACTOR = 1.5  # a drawn area may cover at most 1.5 × the county's bounding box


class AreaTooLarge(ValueError):
    """The polygon exceeds the county's bounding box × AREA_LIMIT_FACTOR."""

    def __init__(self, area_km2: float, limit_km2: float):
        super().__init__(area_km2, limit_km2)
        self.area_km2, self.limit_km2 = area_km2, limit_km2


def _fetch_one(sql: str, params: dict) -> tuple:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def _fetch_one_prepared(sql: str, params: dict) -> tuple:
    """_fetch_one, the statement prepared on the connection (layers.prepared): a zone query
    of one shape is the same text whatever the values, and parsing and planning its ~18 kB
    took about as long as running it."""
    if connection.queries_logged:
        return _fetch_one(sql, params)
    with prepared_cursor() as cur:
        execute_prepared(cur, sql, params)
        return cur.fetchone()


def _json(value) -> list:
    return json.loads(value) if isinstance(value, str | bytes) else (value or [])


def _ratio(part: float | None, whole: float | None, scale: float = 1.0) -> float | None:
    if part is None or not whole:
        return None
    return part / whole * scale


def rounded(row: dict) -> dict:
    """Round every figure to its column's digits (the JSON and the files carry the same)."""
    out = {}
    for key, value in row.items():
        column = BY_KEY.get(key)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and column and column.digits is not None:
            value = round(float(value), column.digits)
            if column.digits == 0:
                value = int(value)
        out[key] = value
    return out


def consumption_by_zone_json(q: ConsumptionQuery) -> str:
    """Consumption per zone / month / sector (the query's group_by), in one SQL query, as the
    JSON text of the answer's rows, ready to send: every figure derived and rounded by
    PostgreSQL (sql.round_sql: the same doubles as Python's round).

    Zones are towns or supply zones through the users' derived membership, irrigation districts
    or water-function zones through a live spatial join (a user inside two selected zones counts
    in both rows, and once in a row that is not grouped by zone). Every selected zone and month
    has a row (0 where nothing was used). Raises QueryError naming `zones` for an unknown code.
    Rows in the order zone code, month, sector; keys and digits as `columns.columns_for`.
    """
    sql, params = zone_sql(q)
    # Towns and supply zones read only kept tables: a generic plan suits every value. Zone
    # kinds found by a spatial join keep a custom plan (their row counts depend on values).
    fetch = _fetch_one_prepared if ZONE_KINDS[q.zone_type].membership else _fetch_one
    missing, rows = fetch(sql, params)
    if missing:
        raise QueryError(
            {
                "zones": [
                    _("Unknown %(type)s code(s): %(codes)s.")
                    % {"type": q.zone_type, "codes": ", ".join(missing[:20])}
                ]
            }
        )
    return rows


def consumption_by_zone(q: ConsumptionQuery) -> list[dict]:
    """The rows of consumption_by_zone_json as Python values (for files and callers)."""
    return json.loads(consumption_by_zone_json(q))


@dataclass
class AreaResult:
    """Consumption inside a drawn polygon: totals, by month, by sector and by both."""

    area_km2: float
    users: int
    total: dict
    by_month: list[dict]
    by_sector: list[dict]
    by_month_sector: list[dict]


def _area_row(row: dict, plan_m3: float | None = None) -> dict:
    out = {k: row[k] for k in ("month", "sector") if row.get(k) is not None}
    for key in ("volume_m3", "users_volume_m3", "irrigation_volume_m3", "planned_users_volume_m3"):
        out[key] = row.get(key) or 0.0
    if plan_m3 is not None:
        out["plan_m3"] = plan_m3
        out["plan_used_percent"] = _ratio(out["planned_users_volume_m3"], plan_m3, 100)
    return rounded(out)


def consumption_in_area(
    geom_4326: BaseGeometry, period: Period, *, sector: str | None = None, source: str | None = None
) -> AreaResult:
    """Consumption of the users inside a (valid, EPSG:4326) polygon by a live spatial join,
    plus irrigation records by the districts' overlap with it; one SQL query.

    Raises AreaTooLarge when the polygon is larger than the county's bounding box × 1.5.
    """
    ewkb = shapely.to_wkb(shapely.set_srid(geom_4326, 4326), hex=True, include_srid=True)
    sql, params = area_sql(ewkb, period, sector, source, AREA_LIMIT_FACTOR)
    ok, area_km2, limit_km2, users, annual_plan, rows = _fetch_one(sql, params)
    if not ok:
        raise AreaTooLarge(area_km2, limit_km2)
    rows = _json(rows)
    plan = None if annual_plan is None else annual_plan * period.month_count / 12
    total = next((r for r in rows if r["level"] == 3), {})
    by_month = {r["month"]: r for r in rows if r["level"] == 1}
    return AreaResult(
        area_km2=round(area_km2, 3),
        users=users,
        total=_area_row(total, plan),
        by_month=[
            _area_row(by_month.get(f"{m:%Y-%m}", {"month": f"{m:%Y-%m}"})) for m in period.months
        ],
        by_sector=[_area_row(r) for r in rows if r["level"] == 2],
        by_month_sector=[_area_row(r) for r in rows if r["level"] == 0],
    )


def users_with_monthly_volumes(area_id: int, start: dt.date, end: dt.date) -> list[dict]:
    """The water users of an area with their monthly volumes over the period (monthly_m3, in
    month order) and the metered part (metered_m3), for evaluations."""
    return dict_rows(
        "SELECT f.id, f.code, f.name, f.sector, f.source, "  # noqa: S608
        " f.annual_plan_m3, f.town_id, f.supply_zone_id, "
        f" {monthly_volumes_sql('f')} AS monthly_m3, "
        " (SELECT coalesce(sum(c.volume_m3), 0) FROM layers_consumption c "
        "  WHERE c.user_id = f.id AND c.metered "
        "  AND c.month >= %(start)s AND c.month < %(end)s) AS metered_m3 "
        f"FROM layers_wateruser f WHERE {IN_AREA} ORDER BY f.code",  # constants; values: params
        {"area": area_id, "start": start, "end": end},
    )


# Users whose year's use reaches the key-user line or whose peak month passes the planned-use
# line, with their twelve monthly volumes; optionally of one town and sector.
_TO_PLAN = """
SELECT u.id, u.code, u.name, u.sector, u.source, u.annual_plan_m3,
       t.code AS town_code, t.name AS town_name, s.code AS supply_zone_code,
       {monthly} AS monthly_m3
FROM layers_wateruser u
LEFT JOIN layers_adminarea t ON t.id = u.town_id
LEFT JOIN layers_supplyzone s ON s.id = u.supply_zone_id
WHERE u.id IN (
    SELECT c.user_id FROM layers_consumption c
    WHERE c.month >= %(start)s AND c.month < %(end)s
    GROUP BY c.user_id
    HAVING sum(c.volume_m3) >= %(key_line)s OR max(c.volume_m3) > %(month_line)s)
  AND (%(town)s::text IS NULL OR t.code = %(town)s)
  AND (%(sector)s::text IS NULL OR u.sector = %(sector)s)
ORDER BY t.code NULLS LAST, u.code"""


def users_to_plan(
    *,
    start: dt.date,
    end: dt.date,
    key_line: float,
    month_line: float,
    town: str | None,
    sector: str | None,
) -> list[dict]:
    """Water users that must be monitored or planned over the period [start, end): code, name,
    sector, source, plan, town and supply zone, and monthly_m3 in month order."""
    params = {
        "start": start,
        "end": end,
        "key_line": key_line,
        "month_line": month_line,
        "town": town,
        "sector": sector,
    }
    return dict_rows(_TO_PLAN.format(monthly=monthly_volumes_sql("u")), params)
