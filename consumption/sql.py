"""The consumption aggregate as one SQL statement, built from fixed fragments (values are params).

Shape (one statement per request, whatever the number of zones):

    zones      the zones asked for (towns, supply zones, irrigation districts, water-function
               zones, or the drawn polygon)
    months     the period's months tagged 'cur', and with compare the same months a year
               earlier tagged 'prev' (month_key = the current month they compare with)
    members    user → zone by a live ST_Intersects join (irrigation districts, drawn polygons)
    user_facts one row per consumption record of a member in the months; for towns and supply
               zones (the users' derived membership, kept equal to a spatial join by
               layers.services.membership) the totals the database keeps per county × town ×
               supply zone × month × sector × source × plan (consumption/storage.py) instead
    irrigation each district's yearly gross withdrawal × its share in the zone (kept per town
               and district by the database; computed live for a drawn polygon) × the month's
               share of the agricultural users' volume in that year (profile)
    agg        sums per grouping key (zone, month, sector); then a grid of zones × months so that
               empty cells answer 0, the members' annual plans (for towns and supply zones the
               users' kept totals) and, for towns, area statistics.
The statement returns one row: the unknown zone codes, and the answer's rows as JSON text with
every figure derived and rounded (plans, caps, per-capita, per-GDP, year-on-year change:
consumption/answer_sql.py). The drawn polygon's statement (consumption/area_sql.py) is built
from the fragments here that are public (MONTHS, USER_FACTS, SUMS, fill, irrigation_ctes …).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

from consumption.answer_sql import derived_columns
from consumption.params import ConsumptionQuery, Period, add_months
from layers.scope import current_scope, restricted_scope_condition, scope_param


@dataclass(frozen=True)
class ZoneKind:
    """How a zone type reads: its table, the users' derived column (None = spatial join),
    whether irrigation records count ('own' district; by area share, 'kept' by the database
    for towns or an 'overlap' computed live for a drawn area; or not) and stats."""

    table: str
    where: str
    membership: str | None
    irrigation: str | None
    stats: bool
    layer: str  # the layer slug of its features (map)
    county_column: str = "z.county_id"  # the zone's county (area scope, layers/scope.py)


ZONE_KINDS = {
    "town": ZoneKind(
        "layers_adminarea", "z.level = 'town'", "town_id", "kept", True, "towns", "z.parent_id"
    ),
    "supply-zone": ZoneKind(
        "layers_supplyzone", "true", "supply_zone_id", None, False, "supply-zones"
    ),
    "irrigation-district": ZoneKind(
        "layers_irrigationdistrict", "true", None, "own", False, "irrigation-districts"
    ),
}
AREA_KIND = ZoneKind("", "", None, "overlap", False, "")
KEY_COLUMN = {"zone": "zone_id", "month": "month_key", "sector": "sector"}
GROUP_ORDER = ("zone", "month", "sector")

MONTHS = """
periods(tag, shift) AS (VALUES {periods}),
months AS MATERIALIZED (
  SELECT p.tag, m::date AS month, (m + make_interval(months => p.shift))::date AS month_key
  FROM periods p CROSS JOIN LATERAL generate_series(
    %(start)s::date - make_interval(months => p.shift),
    %(end)s::date - make_interval(months => p.shift), interval '1 month') AS m)"""
USER_FACTS = """
user_facts AS (
  SELECT mb.zone_id, mb.sector::text AS sector, {tag_month},
         c.volume_m3 AS users_m3,
         CASE WHEN mb.annual_plan_m3 IS NULL THEN 0 ELSE c.volume_m3 END AS planned_m3,
         0::float8 AS irrigation_m3,
         CASE WHEN mb.sector::text = ANY(%(cap_excluded)s) THEN 0 ELSE c.volume_m3 END
           AS capped_m3
  FROM layers_consumption c
  JOIN members mb ON mb.user_id = c.user_id{expand}
  WHERE c.month BETWEEN %(lo)s AND %(end)s{expand_filter})"""
# The same facts for a zone kind with a derived membership (towns, supply zones), read from the
# totals the database keeps per county × town × supply zone × month × sector × source × plan
# (consumption/storage.py) instead of every user's rows: a few thousand rows, not millions,
# summed exactly (numeric) per zone, sector and month before anything else.
_TOTAL_FACTS = """
user_facts AS (
  SELECT c.{column} AS zone_id, c.sector::text AS sector, {tag_month},
         sum(c.volume_m3)::float8 AS users_m3,
         coalesce(sum(c.volume_m3) FILTER (WHERE c.planned), 0)::float8 AS planned_m3,
         0::float8 AS irrigation_m3,
         coalesce(sum(c.volume_m3) FILTER (WHERE c.sector::text <> ALL(%(cap_excluded)s)), 0)
           ::float8 AS capped_m3
  FROM consumption_total c
  JOIN zones z ON z.id = c.{column}{expand}
  WHERE c.month BETWEEN %(lo)s AND %(end)s{filters}{expand_filter}
  GROUP BY 1, 2, 3, 4)"""
# A record counts in the current period, and (with compare) a year later in the previous one;
# a constant month range on the table keeps the planner's row estimate (and the index) right.
CURRENT_ONLY = {
    "tag_month": "'cur'::text AS tag, c.month AS month_key",
    "expand": "",
    "expand_filter": "",
}
_WITH_PREVIOUS = {
    "tag_month": "k.tag, k.month_key",
    "expand": (
        "\n  CROSS JOIN LATERAL (VALUES ('cur', c.month),"
        " ('prev', (c.month + interval '1 year')::date)) AS k(tag, month_key)"
    ),
    "expand_filter": " AND k.month_key BETWEEN %(start)s AND %(end)s",
}
# The agricultural users' monthly profile per county and year: month volume ÷ year volume (1/12
# each when the county's year has no agricultural consumption); it spreads a district's yearly
# irrigation records over months by its own county's profile. Read from the kept totals of the
# districts' counties only, so other counties' rows never count (nor leak into a figure); a
# district outside every county (county_key 0) spreads by the totals outside every county.
# Joined on county_id itself (the rows of no county apart): the index keyed by county then
# month reads only those counties' rows, where `coalesce(county_id, 0) IN (...)` read the
# year's rows of every county.
_PROFILE = """
ag_counties AS MATERIALIZED (
  SELECT DISTINCT coalesce(d.county_id, 0) AS county_key FROM district_share ds
  JOIN layers_irrigationdistrict d ON d.id = ds.district_id),
ag_volume AS (
  SELECT ac.county_key, t.month, sum(t.volume_m3)::float8 AS v
  FROM ag_counties ac JOIN consumption_total t ON t.county_id = ac.county_key
  WHERE t.sector = 'agriculture'
    AND t.month BETWEEN date_trunc('year', %(lo)s::date)::date AND %(year_end)s
  GROUP BY 1, 2
  UNION ALL
  SELECT 0, t.month, sum(t.volume_m3)::float8
  FROM consumption_total t
  WHERE t.county_id IS NULL AND t.sector = 'agriculture'
    AND t.month BETWEEN date_trunc('year', %(lo)s::date)::date AND %(year_end)s
    AND EXISTS (SELECT FROM ag_counties WHERE county_key = 0)
  GROUP BY 2),
profile AS (
  SELECT ac.county_key, m::date AS month,
         CASE WHEN sum(coalesce(av.v, 0)) OVER y > 0
              THEN coalesce(av.v, 0) / sum(coalesce(av.v, 0)) OVER y
              ELSE 1.0 / 12 END AS share
  FROM ag_counties ac CROSS JOIN generate_series(date_trunc('year', %(lo)s::date),
    date_trunc('year', %(end)s::date) + interval '11 months', interval '1 month') AS m
  LEFT JOIN ag_volume av ON av.county_key = ac.county_key AND av.month = m::date
  WINDOW y AS (PARTITION BY ac.county_key, date_trunc('year', m)))"""
# A district's share in a zone: the overlap's area ÷ the district's area (on the spheroid).
# Materialized: the intersection is computed once per zone and district, not once per month.
_SHARE_OVERLAP = """
district_share AS MATERIALIZED (
  SELECT z.id AS zone_id, d.id AS district_id,
         ST_Area(ST_Intersection(z.geom, d.geom)::geography)
           / NULLIF(ST_Area(d.geom::geography), 0) AS share
  FROM zones z JOIN layers_irrigationdistrict d ON ST_Intersects(z.geom, d.geom){gate}{scope})"""
# The same shares for towns, as the database keeps them (consumption/storage.py): no outline is
# intersected at query time.
_SHARE_KEPT = """
district_share AS MATERIALIZED (
  SELECT s.town_id AS zone_id, s.district_id, s.share
  FROM zones z JOIN consumption_district_share s ON s.town_id = z.id
  JOIN layers_irrigationdistrict d ON d.id = s.district_id{scope})"""
_SHARE_OWN = """
district_share AS (
  SELECT z.id AS zone_id, z.id AS district_id, 1.0::float8 AS share FROM zones z)"""
_IRRIGATION_FACTS = """
irrigation_facts AS (
  SELECT ds.zone_id, 'agriculture'::text AS sector, mo.tag, mo.month_key,
         0::float8 AS users_m3, 0::float8 AS planned_m3,
         r.gross_withdrawal_m3 * ds.share * p.share AS irrigation_m3, 0::float8 AS capped_m3
  FROM district_share ds
  JOIN layers_irrigationdistrict d ON d.id = ds.district_id
  JOIN layers_irrigationrecord r ON r.district_id = ds.district_id
  JOIN months mo ON r.year = extract(year FROM mo.month)::int
  JOIN profile p ON p.county_key = coalesce(d.county_id, 0) AND p.month = mo.month)"""
SUMS = """
    sum(users_m3 + irrigation_m3) FILTER (WHERE tag = 'cur') AS volume_m3,
    sum(users_m3) FILTER (WHERE tag = 'cur') AS users_volume_m3,
    sum(irrigation_m3) FILTER (WHERE tag = 'cur') AS irrigation_volume_m3,
    sum(planned_m3) FILTER (WHERE tag = 'cur') AS planned_users_volume_m3,
    sum(capped_m3) FILTER (WHERE tag = 'cur') AS capped_volume_m3,
    sum(users_m3 + irrigation_m3) FILTER (WHERE tag = 'prev') AS previous_volume_m3"""
# Annual statistics scaled to months: person-days for per-capita use, 1/12 of GDP and cap.
_STATS = """
stats AS (
  SELECT {keys}
    CASE WHEN count(s.population) = count(*)
         THEN sum(s.population::float8 * {days}) END AS person_days,
    CASE WHEN count(s.gdp_10k_yuan) = count(*) THEN sum(s.gdp_10k_yuan / 12.0) END
      AS gdp_10k_yuan,
    CASE WHEN count(s.water_use_cap_m3) = count(*) THEN sum(s.water_use_cap_m3 / 12.0) END
      AS cap_m3
  FROM zones z CROSS JOIN (SELECT month_key FROM months WHERE tag = 'cur') gm
  LEFT JOIN layers_areayearstats s
    ON s.area_id = z.id AND s.year = extract(year FROM gm.month_key)::int
  {group})"""
_DAYS = "extract(day FROM gm.month_key + interval '1 month' - interval '1 day')::float8"


# The templates below take only fixed fragments from this module (column and table names,
# never request values); every value travels as a query parameter.
_ZONES = """
zones AS MATERIALIZED (
  SELECT z.id, z.code, z.name, z.geom FROM {table} z WHERE {where}{code_filter})"""
# Live spatial join; DISTINCT when not grouped by zone: a user in two zones counts once.
_MEMBERS_SPATIAL = """
members AS {materialized}(
  SELECT {distinct}u.id AS user_id, {zone} AS zone_id, u.sector, u.annual_plan_m3
  FROM {zones} JOIN layers_wateruser u ON ST_Intersects(z.geom, u.geom)
  WHERE {where}{filters}{gate})"""
_FACTS = """
facts AS (SELECT * FROM user_facts{irrigation})"""
_AGG = """
agg AS (SELECT {keys}{sums}
  FROM facts {group})"""
_GRID = """
grid AS (SELECT {columns} FROM {tables})"""
_PLANS = """
plans AS (SELECT {keys}sum(annual_plan_m3) AS annual_plan_m3 FROM members {group})"""
# The same plans for a zone kind with a derived membership, from the users' totals the database
# keeps per county × town × supply zone × sector × source (consumption/storage.py): null when
# no member has a plan, as the sum over the members.
_PLANS_KEPT = """
plans AS (
  SELECT {keys}CASE WHEN sum(t.planned_users) > 0 THEN sum(t.annual_plan_m3)::float8 END
           AS annual_plan_m3
  FROM consumption_user_total t JOIN zones z ON z.id = t.{column}
  WHERE true{filters} {group})"""
_PLAN_KEY_COLUMNS = {"zone_id": "t.{column} AS zone_id", "sector": "t.sector::text AS sector"}
# The answer's rows as JSON text, ready to send: `r` the sums per grid cell, `v` the figures
# derived from them, `o` those rounded (consumption.columns.columns_for: order, names, digits);
# OFFSET 0 keeps `v` a subquery, so each figure is computed once, not once per reference.
_ZONE_RESULT = """
SELECT ARRAY(SELECT c FROM unnest(%(codes)s::text[]) AS c
             WHERE c NOT IN (SELECT code FROM zones)) AS missing,
       '[' || coalesce((SELECT string_agg(row_to_json(o)::text, ',' ORDER BY {order})
                        FROM (SELECT {rounded}
                              FROM (SELECT {values}
                                    FROM (SELECT {columns} FROM grid g {joins}) r
                                    OFFSET 0) v) o),
                       '') || ']' AS rows"""
_GRID_PARTS = {
    "zone": ("z.id AS zone_id, z.code AS zone_code, z.name AS zone_name", "zones z"),
    "month": ("gm.month_key", "(SELECT month_key FROM months WHERE tag = 'cur') gm"),
}
_GRID_SECTOR_FILTERED = ("gs.sector", "(SELECT %(sector)s::text AS sector) gs")
_GRID_SECTOR_PRESENT = ("gs.sector", "(SELECT DISTINCT sector FROM agg) gs")
_FIGURES = [
    "coalesce(a.volume_m3, 0) AS volume_m3",
    "coalesce(a.users_volume_m3, 0) AS users_volume_m3",
    "coalesce(a.irrigation_volume_m3, 0) AS irrigation_volume_m3",
    "coalesce(a.planned_users_volume_m3, 0) AS planned_users_volume_m3",
    "coalesce(a.capped_volume_m3, 0) AS capped_volume_m3",
    "coalesce(a.previous_volume_m3, 0) AS previous_volume_m3",
    "p.annual_plan_m3",
]
_OUT_KEYS = {
    "zone": ["g.zone_code", "g.zone_name"],
    "month": ["to_char(g.month_key, 'YYYY-MM') AS month", "g.month_key"],
    "sector": ["g.sector"],
}
_ORDER = {"zone": "o.zone_code", "month": "o.month", "sector": "o.sector"}
_STAT_COLUMNS = {
    "zone_id": ("z.id AS zone_id", "z.id"),
    "month_key": ("gm.month_key", "gm.month_key"),
}


def fill(template: str, **parts: str) -> str:
    """A template with fixed fragments put in (values go as parameters, never here)."""
    return template.format(**parts)


def _in_scope(column: str) -> str:
    """The area scope's condition on a county column (layers.scope): written only when the
    scope is restricted, as restricted_scope_condition, which an index keyed by county can
    serve (consumption_total_county_month, a BitmapOr with `IS NULL`) in a generic plan too,
    so a county member's statement reads their county's kept rows, not every county's.
    `scope_counties` is in every statement's parameters (base_params)."""
    if not current_scope().restricted:
        return ""
    return f" AND {restricted_scope_condition(column, 'scope_counties')}"


def _user_facts(kind: ZoneKind, q: ConsumptionQuery) -> str:
    """Each zone's monthly use: from the kept totals when the zone is a user's derived
    membership, else from the users' rows."""
    expand = _WITH_PREVIOUS if q.compare else CURRENT_ONLY
    if not kind.membership:
        return fill(USER_FACTS, **expand)
    filters = _in_scope("c.county_id")
    filters += " AND c.sector = %(sector)s" if q.sector else ""
    filters += " AND c.source = %(source)s" if q.source else ""
    return fill(_TOTAL_FACTS, column=kind.membership, filters=filters, **expand)


def user_filter(sector: str | None, source: str | None) -> str:
    out = _in_scope("u.county_id")
    if sector:
        out += " AND u.sector = %(sector)s"
    if source:
        out += " AND u.source = %(source)s"
    return out


def _members(
    kind: ZoneKind, by_zone: bool, filters: str, *, zones: str, where: str, gate: str = ""
) -> str:
    """The user → zone CTE of a zone kind without a derived membership (a live spatial join);
    `zones` is the zone table (aliased z) or the drawn area's CTE. Towns and supply zones
    need none: their facts and plans come from the kept totals."""
    return fill(
        _MEMBERS_SPATIAL,
        materialized="" if by_zone else "MATERIALIZED ",
        distinct="" if by_zone else "DISTINCT ",
        zone="z.id" if by_zone else "0",
        zones=zones,
        where=where,
        filters=filters,
        gate=gate,
    )


def irrigation_ctes(kind: ZoneKind, sector: str | None, source: str | None, gate="") -> list:
    """Irrigation records count for agriculture, as surface water (records carry no source)."""
    if not kind.irrigation or sector not in (None, "agriculture"):
        return []
    if source not in (None, "surface"):
        return []
    scope = _in_scope("d.county_id")
    share = {
        "own": _SHARE_OWN,
        "kept": fill(_SHARE_KEPT, scope=scope),
        "overlap": fill(_SHARE_OVERLAP, gate=gate, scope=scope),
    }[kind.irrigation]
    return [share, _PROFILE, _IRRIGATION_FACTS]


def facts_cte(irrigation: list) -> str:
    return fill(
        _FACTS, irrigation=" UNION ALL SELECT * FROM irrigation_facts" if irrigation else ""
    )


# What a town's water-use cap covers: its users' use, these sectors and the irrigation
# districts' withdrawals left out (the default of the town.water_use_cap rule, tested equal).
CAP_EXCLUDED_SECTORS = ("agriculture",)


def _plans(kind: ZoneKind, q: ConsumptionQuery, plan_keys: list[str]) -> str:
    """The members' annual plans per plan key (zone, sector): kept totals for a derived
    membership, else the members' own."""
    if not kind.membership:
        return fill(_PLANS, keys="".join(k + ", " for k in plan_keys), group=_group(plan_keys))
    columns = [_PLAN_KEY_COLUMNS[k].format(column=kind.membership) for k in plan_keys]
    filters = _in_scope("t.county_id")
    filters += " AND t.sector = %(sector)s" if q.sector else ""
    filters += " AND t.source = %(source)s" if q.source else ""
    return fill(
        _PLANS_KEPT,
        keys="".join(c + ", " for c in columns),
        column=kind.membership,
        filters=filters,
        group=_group([c.split(" AS ")[0] for c in columns]),
    )


def base_params(period: Period, compare: bool) -> dict:
    lo = period.shifted(-12).start if compare else period.start
    return {
        "start": period.start,
        "end": period.end,
        "lo": lo,
        "cap_excluded": list(CAP_EXCLUDED_SECTORS),
        "year_end": add_months(period.end.replace(month=1), 11),
        "scope_counties": scope_param(),
    }


def _on(alias: str, keys: list[str]) -> str:
    # Keys are never null (zone ids, months and sectors are required), so plain equality: it
    # lets the planner hash the joins.
    return " AND ".join(f"{alias}.{k} = g.{k}" for k in keys) or "true"


def _group(keys: list[str]) -> str:
    return "GROUP BY " + ", ".join(keys) if keys else ""


def zone_sql(q: ConsumptionQuery) -> tuple[str, dict]:
    """The zone query's statement and parameters; it returns one row (missing, rows)."""
    kind = ZONE_KINDS[q.zone_type]
    keys = [KEY_COLUMN[k] for k in q.group_by]
    params = {**base_params(q.period, bool(q.compare)), "codes": list(q.zones)}
    params.update(sector=q.sector, source=q.source)
    irrigation = irrigation_ctes(kind, q.sector, q.source)
    code_filter = " AND z.code = ANY(%(codes)s)" if q.zones else ""
    code_filter += _in_scope(kind.county_column)
    ctes = [
        fill(_ZONES, table=kind.table, where=kind.where, code_filter=code_filter),
        fill(MONTHS, periods="('cur', 0), ('prev', 12)" if q.compare else "('cur', 0)"),
    ]
    if not kind.membership:  # a derived membership reads the kept totals instead
        ctes.append(
            _members(
                kind,
                "zone" in q.group_by,
                user_filter(q.sector, q.source),
                zones=f"{kind.table} z",
                where=kind.where + code_filter,
            )
        )
    ctes += [
        _user_facts(kind, q),
        *irrigation,
        facts_cte(irrigation),
        fill(_AGG, keys="".join(k + ", " for k in keys), sums=SUMS, group=_group(keys)),
    ]
    # The grid: every selected zone and month answers, with 0 where nothing was used.
    parts = [_GRID_PARTS[k] for k in ("zone", "month") if k in q.group_by]
    if "sector" in q.group_by:
        parts.append(_GRID_SECTOR_FILTERED if q.sector else _GRID_SECTOR_PRESENT)
    ctes.append(
        fill(
            _GRID,
            columns=", ".join(c for c, _t in parts) or "1 AS one",
            tables=" CROSS JOIN ".join(t for _c, t in parts) or "(SELECT 1) one",
        )
    )
    plan_keys = [k for k in ("zone_id", "sector") if k in keys]
    ctes.append(_plans(kind, q, plan_keys))
    columns = [c for k in GROUP_ORDER if k in q.group_by for c in _OUT_KEYS[k]] + _FIGURES
    joins = [f"LEFT JOIN agg a ON {_on('a', keys)}", f"LEFT JOIN plans p ON {_on('p', plan_keys)}"]
    if kind.stats:
        stat_keys = [k for k in ("zone_id", "month_key") if k in keys]
        ctes.append(
            fill(
                _STATS,
                keys="".join(_STAT_COLUMNS[k][0] + ", " for k in stat_keys),
                days=_DAYS,
                group=_group([_STAT_COLUMNS[k][1] for k in stat_keys]),
            )
        )
        columns += ["st.person_days", "st.gdp_10k_yuan", "st.cap_m3"]
        joins.append(f"LEFT JOIN stats st ON {_on('st', stat_keys)}")
    params.update(
        period_months=q.period.month_count,
        period_days=sum(calendar.monthrange(m.year, m.month)[1] for m in q.period.months),
    )
    values, rounded = derived_columns(q, kind.stats)
    result = fill(
        _ZONE_RESULT,
        order=", ".join(_ORDER[k] for k in GROUP_ORDER if k in q.group_by) or "1",
        values=values,
        rounded=rounded,
        columns=", ".join(columns),
        joins=" ".join(joins),
    )
    return "WITH" + ",".join(ctes) + result, params
