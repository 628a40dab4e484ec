"""The drawn-area query as one SQL statement: the users inside a polygon, irrigation by overlap.

Shares consumption/sql.py's fragments (months, the users' facts, the irrigation spread, the
sums); only the members (a live spatial join on the polygon itself), the size guard and the
grouping sets (totals, by month, by sector, by both) are its own.
"""

from __future__ import annotations

from consumption.params import Period
from consumption.sql import (
    AREA_KIND,
    CURRENT_ONLY,
    MONTHS,
    SUMS,
    USER_FACTS,
    base_params,
    facts_cte,
    fill,
    irrigation_ctes,
    user_filter,
)

_AREA_ZONES = """
zones AS MATERIALIZED (
  SELECT 0 AS id, ''::text AS code, ''::text AS name,
         ST_SetSRID(%(geom)s::geometry, 4326) AS geom)"""
# Summed per month and sector first (a hash over the rows), then the grouping sets over those
# few cells: no sort of every row.
_AREA_AGG = """
agg AS (
  SELECT GROUPING(month_key, sector) AS level, to_char(month_key, 'YYYY-MM') AS month, sector,
  {sums}
  FROM (SELECT month_key, sector, tag, sum(users_m3) AS users_m3,
               sum(irrigation_m3) AS irrigation_m3, sum(planned_m3) AS planned_m3,
               sum(capped_m3) AS capped_m3
        FROM facts GROUP BY month_key, sector, tag) cells
  GROUP BY GROUPING SETS ((), (month_key), (sector), (month_key, sector)))"""
_AREA_RESULT = """
SELECT (SELECT ok FROM guard) AS ok, (SELECT area_km2 FROM guard) AS area_km2,
       (SELECT limit_km2 FROM guard) AS limit_km2, (SELECT count(*) FROM members) AS users,
       (SELECT sum(annual_plan_m3) FROM members) AS annual_plan_m3,
       coalesce((SELECT json_agg(a ORDER BY a.level DESC, a.month, a.sector) FROM agg a),
                '[]'::json) AS rows"""
# A drawn area: every user inside the polygon (live join), irrigation by the districts' overlap.
# The polygon must not exceed the largest county's bounding box × factor; the guard is computed
# here so that the check costs no second query, and it gates the joins when it fails.
_AREA_GUARD = """
guard AS MATERIALIZED (
  SELECT g.area_m2 / 1e6 AS area_km2,
         g.area_m2 <= %(factor)s * coalesce(b.box_m2, 'Infinity'::float8) AS ok,
         coalesce(b.box_m2, 0) / 1e6 AS limit_km2
  FROM (SELECT ST_Area(z.geom::geography) AS area_m2 FROM zones z) g
  CROSS JOIN (SELECT max(ST_Area(ST_Envelope(a.geom)::geography)) AS box_m2
              FROM layers_adminarea a WHERE a.level = 'county') b)"""


# The users inside the polygon, written against the polygon itself (a constant to the planner,
# which then estimates from the users' statistics how many fall inside, not a guess of 20 for
# a join with the zones CTE: with the real count it hashes the consumption rows instead of
# looking them up user by user, and sums them without sorting); one polygon, no duplicates.
_AREA_MEMBERS = """
members AS MATERIALIZED (
  SELECT u.id AS user_id, 0 AS zone_id, u.sector, u.annual_plan_m3
  FROM layers_wateruser u
  WHERE ST_Intersects(ST_SetSRID(%(geom)s::geometry, 4326), u.geom){filters}{gate})"""


def area_sql(
    geom_ewkb_hex: str, period: Period, sector: str | None, source: str | None, factor: float
) -> tuple[str, dict]:
    """The area query: totals, by month, by sector and by both (GROUPING SETS), in one row."""
    params = {**base_params(period, False), "geom": geom_ewkb_hex, "factor": factor}
    params.update(sector=sector, source=source)
    gate = " AND (SELECT ok FROM guard)"
    irrigation = irrigation_ctes(AREA_KIND, sector, source, gate=gate)
    ctes = [
        _AREA_ZONES,
        _AREA_GUARD,
        fill(MONTHS, periods="('cur', 0)"),
        fill(_AREA_MEMBERS, filters=user_filter(sector, source), gate=gate),
        fill(USER_FACTS, **CURRENT_ONLY),
        *irrigation,
        facts_cte(irrigation),
        fill(_AREA_AGG, sums=SUMS),
    ]
    return "WITH" + ",".join(ctes) + _AREA_RESULT, params
