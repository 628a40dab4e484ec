"""Each feature's county, kept by the database: a row trigger per feature table.

A feature belongs to the county its representative point lies in (a line's midpoint, a
polygon's point on its surface), else to the nearest county within `COUNTY_MARGIN_DEG` (a
feature an import accepted inside the county's 2 km margin). Every write path — services,
the admin, an import, a SQL script, QGIS editing PostGIS directly — goes through the same
trigger, so feature codes can be unique per county (`UniqueConstraint(county, code)`) and the
area scope (layers/scope.py) can filter on one indexed column.

The county is recomputed on INSERT, when the geometry changes, and when a write sets it to
NULL (`county_refresh()` uses that after county outlines change). A value written by hand is
overwritten: the county is derived, never edited.
"""

from __future__ import annotations

from django.db import migrations

# ~2.2 km at Lianzhou's latitude; dataio's IMPORT_COUNTY_MARGIN_M is 2 km.
COUNTY_MARGIN_DEG = 0.02

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION layers_county_of(g geometry) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  pt geometry;
  found bigint;
BEGIN
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RETURN NULL;
  END IF;
  pt := CASE GeometryType(g)
    WHEN 'POINT' THEN g
    WHEN 'LINESTRING' THEN ST_LineInterpolatePoint(g, 0.5)
    ELSE ST_PointOnSurface(g) END;
  SELECT z.id INTO found FROM layers_adminarea z
   WHERE z.level = 'county' AND z.geom && pt AND ST_Intersects(z.geom, pt)
   ORDER BY z.id LIMIT 1;
  IF found IS NULL THEN
    SELECT z.id INTO found FROM layers_adminarea z
     WHERE z.level = 'county' AND ST_DWithin(z.geom, pt, 0.02)  -- COUNTY_MARGIN_DEG
     ORDER BY ST_Distance(z.geom, pt), z.id LIMIT 1;
  END IF;
  RETURN found;
END $$;

CREATE OR REPLACE FUNCTION layers_county_set() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.county_id IS NULL
     OR NOT ST_OrderingEquals(NEW.geom, OLD.geom) THEN
    NEW.county_id := layers_county_of(NEW.geom);
  ELSIF NEW.county_id IS DISTINCT FROM OLD.county_id THEN
    NEW.county_id := OLD.county_id;  -- derived, never edited
  END IF;
  RETURN NEW;
END $$;
"""
DROP_FUNCTION_SQL = [
    "DROP FUNCTION IF EXISTS layers_county_set() CASCADE",
    "DROP FUNCTION IF EXISTS layers_county_of(geometry)",
]


def county_trigger_name(table: str) -> str:
    """The name of `table`'s county trigger (a bulk load disables it while it derives the
    county set-based: layers/derived.py)."""
    return f"county_{table}"[:63]


def county_trigger_sql(table: str) -> list[str]:
    """The statements that keep `table.county_id` derived from `table.geom` (idempotent),
    then fill it for the rows already there."""
    name = county_trigger_name(table)
    return [
        f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
        f'CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION layers_county_set()",
        # NULL makes the trigger derive it (a value set by hand would be refused).
        f'UPDATE "{table}" SET county_id = NULL',  # noqa: S608 (a table name)
    ]


class DeriveCountyFunctions(migrations.RunSQL):
    """Migration operation: the SQL functions the county triggers call."""

    def __init__(self):
        super().__init__(sql=FUNCTION_SQL, reverse_sql=DROP_FUNCTION_SQL)

    def describe(self) -> str:
        return "Functions deriving a feature's county from its geometry"


class DeriveCounty(migrations.RunSQL):
    """Migration operation: `table.county_id` is derived from its geometry by the database."""

    def __init__(self, table: str):
        super().__init__(
            sql=county_trigger_sql(table),
            reverse_sql=[f'DROP TRIGGER IF EXISTS {county_trigger_name(table)} ON "{table}"'],
        )
        self.table = table

    def describe(self) -> str:
        return f"{self.table}.county_id derived from its geometry"
