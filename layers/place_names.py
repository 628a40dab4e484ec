"""Place names for every map: the county, its towns, its rivers and reservoirs, each at a point
inside its shape, and its major roads, each on its longest piece (near the middle, clear of
the towns' names where it can be), with the zoom from which a map shows it (no basemap needed
to orient a reader). The map page, the editor and the report maps all draw these."""

from __future__ import annotations

import re

from django.db import connection

from layers.models.roads import RoadGrade
from layers.scope import scope_condition, scope_param

# kind -> (smallest zoom shown, priority: lower wins a place when labels collide)
KINDS = {"county": (0, 0), "town": (9, 1), "river": (10, 2), "reservoir": (11, 3), "road": (11, 4)}
# Among road labels the higher grade keeps its place (RoadGrade lists them highest first).
ROAD_GRADE_RANK = {grade: rank for rank, grade in enumerate(RoadGrade.values)}
# The county's name only while the whole county is in view.
COUNTY_MAX_ZOOM = 10
# A road's label goes on the point of its longest piece nearest the middle (of the fractions
# below) that lies at least ROAD_CLEAR_DEG (~2.5 km) from every town's name, since roads run
# from town to town; where none does, on the one farthest from them.
ROAD_FRACTIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)
ROAD_CLEAR_DEG = 0.025

_SQL = """
WITH county AS (
  SELECT id, name, geom FROM layers_adminarea c WHERE level = 'county' AND {scope_c}
), towns AS (
  SELECT t.name, ST_PointOnSurface(t.geom) AS p FROM layers_adminarea t
  WHERE t.level = 'town' AND {scope_t}
), rivers AS (
  -- one label per river, on its largest zone
  SELECT DISTINCT ON (coalesce(nullif(z.river, ''), z.name))
         coalesce(nullif(z.river, ''), z.name) AS name, z.geom
  FROM layers_waterfunctionzone z WHERE z.water_body = 'river' AND {scope_z}
  ORDER BY coalesce(nullif(z.river, ''), z.name), ST_Area(z.geom) DESC
), reservoirs AS (
  SELECT z.name, z.geom FROM layers_waterfunctionzone z WHERE z.water_body = 'lake' AND {scope_z}
), roads AS (
  -- one label per road (by name), on its longest piece (metres on the spheroid)
  SELECT DISTINCT ON (r.name) r.name, r.code, r.grade, r.geom
  FROM layers_road r WHERE r.name <> '' AND {scope_r}
  ORDER BY r.name, ST_Length(r.geom::geography) DESC, r.code
), road_points AS (
  SELECT DISTINCT ON (r.name) r.name, r.code, r.grade, c.p
  FROM roads r
  CROSS JOIN LATERAL (
    SELECT f.k, ST_LineInterpolatePoint(r.geom, f.fraction) AS p
    FROM unnest(%(fractions)s::float8[]) WITH ORDINALITY AS f(fraction, k)
  ) c
  CROSS JOIN LATERAL (SELECT min(ST_Distance(c.p, t.p)) AS d FROM towns t) near
  ORDER BY r.name, coalesce(near.d >= %(clear)s, true) DESC,
           CASE WHEN coalesce(near.d >= %(clear)s, true) THEN c.k ELSE -near.d END
)
SELECT kind, name, code, grade, ST_X(p), ST_Y(p) FROM (
  SELECT 'county' AS kind, name, '' AS code, '' AS grade, ST_PointOnSurface(geom) AS p
  FROM county
  UNION ALL SELECT 'town', name, '', '', p FROM towns
  UNION ALL SELECT 'river', name, '', '', ST_PointOnSurface(geom) FROM rivers
  UNION ALL SELECT 'reservoir', name, '', '', ST_PointOnSurface(geom) FROM reservoirs
  UNION ALL SELECT 'road', name, code, grade, p FROM road_points
) labels WHERE name <> '' ORDER BY kind, name"""


def road_number(code: str) -> str:
    """The number a road label shows: the code without a piece suffix ("G323-2" → "G323")."""
    return code.split("-")[0].strip()


def place_names() -> list[dict]:
    """[{kind, name, lon, lat, min_zoom, max_zoom, priority}] in EPSG:4326, highest priority
    first: the county, towns, rivers (one label each), reservoirs, then roads (one label per
    road name, expressways first). A road label also carries `number` (the road's number, e.g.
    "G55"; "" when its name already says it, as in "国道G323") and `grade`."""
    # Only the reader's area (layers/scope.py): its counties, their towns, rivers and roads.
    sql = _SQL.format(
        scope_c=scope_condition("c.id"),
        scope_t=scope_condition("t.parent_id"),
        scope_z=scope_condition("z.county_id"),
        scope_r=scope_condition("r.county_id"),
    )
    params = {
        "fractions": list(ROAD_FRACTIONS),
        "clear": ROAD_CLEAR_DEG,
        "scope": scope_param(),
    }
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    out = []
    for kind, name, code, grade, lon, lat in rows:
        label = {
            "kind": kind,
            "name": name,
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "min_zoom": KINDS[kind][0],
            "max_zoom": COUNTY_MAX_ZOOM if kind == "county" else 22,
            "priority": KINDS[kind][1],
        }
        if kind == "road":
            number = road_number(code)
            said = re.search(rf"{re.escape(number)}(?![0-9A-Za-z])", name)
            label["number"] = "" if said else number
            label["grade"] = grade
        out.append(label)
    return sorted(
        out,
        key=lambda label: (
            label["priority"],
            ROAD_GRADE_RANK.get(label.get("grade", ""), 0),
            label["name"],
        ),
    )
