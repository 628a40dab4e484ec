"""Place names for every map: the county, its towns, its rivers and reservoirs, each at a point
inside its shape with the zoom from which a map shows it (no basemap needed to orient a
reader). The map page, the consumption map and the report maps all draw these."""

from __future__ import annotations

from django.db import connection

# kind -> (smallest zoom shown, priority: lower wins a place when labels collide)
KINDS = {"county": (0, 0), "town": (9, 1), "river": (10, 2), "reservoir": (11, 3)}
# The county's name only while the whole county is in view.
COUNTY_MAX_ZOOM = 10

_SQL = """
WITH county AS (
  SELECT id, name, geom FROM layers_adminarea WHERE level = 'county'
), towns AS (
  SELECT t.name, t.geom FROM layers_adminarea t WHERE t.level = 'town'
), rivers AS (
  -- one label per river, on its largest zone
  SELECT DISTINCT ON (coalesce(nullif(z.river, ''), z.name))
         coalesce(nullif(z.river, ''), z.name) AS name, z.geom
  FROM layers_waterfunctionzone z WHERE z.water_body = 'river'
  ORDER BY coalesce(nullif(z.river, ''), z.name), ST_Area(z.geom) DESC
), reservoirs AS (
  SELECT z.name, z.geom FROM layers_waterfunctionzone z WHERE z.water_body = 'lake'
)
SELECT kind, name, ST_X(p), ST_Y(p) FROM (
  SELECT 'county' AS kind, name, ST_PointOnSurface(geom) AS p FROM county
  UNION ALL SELECT 'town', name, ST_PointOnSurface(geom) FROM towns
  UNION ALL SELECT 'river', name, ST_PointOnSurface(geom) FROM rivers
  UNION ALL SELECT 'reservoir', name, ST_PointOnSurface(geom) FROM reservoirs
) labels WHERE name <> '' ORDER BY kind, name"""


def place_names() -> list[dict]:
    """[{kind, name, lon, lat, min_zoom, max_zoom, priority}] in EPSG:4326, highest priority
    first: the county, towns, rivers (one label each), reservoirs."""
    with connection.cursor() as cur:
        cur.execute(_SQL)
        rows = cur.fetchall()
    out = [
        {
            "kind": kind,
            "name": name,
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "min_zoom": KINDS[kind][0],
            "max_zoom": COUNTY_MAX_ZOOM if kind == "county" else 22,
            "priority": KINDS[kind][1],
        }
        for kind, name, lon, lat in rows
    ]
    return sorted(out, key=lambda label: (label["priority"], label["name"]))
