"""How consumption is stored at a province's size: partitioned by year, summed as it is written.

`layers_consumption` is a range-partitioned table, one partition per calendar year (and a
default partition for a year nobody prepared; `consumption_partition_ensure` moves its rows
into their own year). Queries that name months read only their years' partitions.

`consumption_total` holds the monthly volume per county × town × supply zone × sector ×
source × planned (the user has an annual plan), kept exact on every write by statement-level
triggers: on consumption (insert, update, delete, truncate) and on water users (a user's
county, town, supply zone, sector, source or plan changing moves its volumes). Volumes are
summed as numeric(24,6) (exact decimal arithmetic: no drift however many writes) — equal to
`sum(volume_m3::numeric(24,6))` over the raw rows, which tests/consumption/test_totals.py
checks after random writes. Zone queries (consumption/sql.py) read it instead of the rows.
"""

from __future__ import annotations

from django.db import migrations

# The keys of a total: the user's derived county/town/zone and its attributes.
_KEYS = "county_id, town_id, supply_zone_id, month, sector, source, planned"
_USER_KEYS = (
    "u.county_id, u.town_id, u.supply_zone_id, c.month, u.sector, u.source, "
    "(u.annual_plan_m3 IS NOT NULL)"
)

# Add (sign +1) or remove (-1) a set of consumption rows `rows` (user_id, month, volume_m3)
# joined to the user table `users` (as the rows' users are keyed in it).
_APPLY = f"""
  INSERT INTO consumption_total AS t ({_KEYS}, volume_m3, records)
  SELECT {_USER_KEYS}, %(sign)s * sum(c.volume_m3::numeric(24, 6)), %(sign)s * count(*)
  FROM %(rows)s c JOIN %(users)s u ON u.id = c.user_id
  GROUP BY {_USER_KEYS}
  ON CONFLICT ({_KEYS}) DO UPDATE
    SET volume_m3 = t.volume_m3 + EXCLUDED.volume_m3, records = t.records + EXCLUDED.records"""  # noqa: S608 (constants)


# Users (in a statement's old/new images) whose keys changed.
_MOVED = """SELECT n.id FROM new_users n JOIN old_users o ON o.id = n.id
    WHERE (n.county_id, n.town_id, n.supply_zone_id, n.sector, n.source,
           n.annual_plan_m3 IS NOT NULL)
      IS DISTINCT FROM (o.county_id, o.town_id, o.supply_zone_id, o.sector, o.source,
           o.annual_plan_m3 IS NOT NULL)"""
_MOVED_ROWS = f"(SELECT c.* FROM layers_consumption c WHERE c.user_id IN ({_MOVED}))"  # noqa: S608


def _apply(sign: str, rows: str, users: str) -> str:
    return _APPLY.replace("%(sign)s", sign).replace("%(rows)s", rows).replace("%(users)s", users)


FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION consumption_total_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_apply("-1", "old_rows", "layers_wateruser")};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {_apply("1", "new_rows", "layers_wateruser")};
  END IF;
  DELETE FROM consumption_total WHERE records = 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION consumption_total_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- DELETE, not TRUNCATE: one TRUNCATE statement may name both tables (Django's flush), and
  -- PostgreSQL refuses to truncate a table that statement is using.
  DELETE FROM consumption_total;
  RETURN NULL;
END $$;

-- A user whose keys change: its volumes leave the old keys and join the new ones.
CREATE OR REPLACE FUNCTION consumption_total_users() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS ({_MOVED}) THEN
    {_apply("-1", _MOVED_ROWS, "old_users")};
    {_apply("1", _MOVED_ROWS, "new_users")};
    DELETE FROM consumption_total WHERE records = 0;
  END IF;
  RETURN NULL;
END $$;
"""  # noqa: S608 (constants)

TRIGGERS_SQL = """
CREATE TRIGGER consumption_total_insert AFTER INSERT ON layers_consumption
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION consumption_total_rows();
CREATE TRIGGER consumption_total_update AFTER UPDATE ON layers_consumption
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_total_rows();
CREATE TRIGGER consumption_total_delete AFTER DELETE ON layers_consumption
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION consumption_total_rows();
CREATE TRIGGER consumption_total_truncate AFTER TRUNCATE ON layers_consumption
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_total_truncate();
CREATE TRIGGER consumption_total_users AFTER UPDATE ON layers_wateruser
  REFERENCING OLD TABLE AS old_users NEW TABLE AS new_users
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_total_users();
"""

REBUILD_SQL = f"""
TRUNCATE consumption_total;
INSERT INTO consumption_total ({_KEYS}, volume_m3, records)
SELECT {_USER_KEYS}, sum(c.volume_m3::numeric(24, 6)), count(*)
FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id
GROUP BY {_USER_KEYS};
"""  # noqa: S608 (constants)

DROP_SQL = """
DROP TRIGGER IF EXISTS consumption_total_users ON layers_wateruser;
DROP FUNCTION IF EXISTS consumption_total_rows() CASCADE;
DROP FUNCTION IF EXISTS consumption_total_truncate() CASCADE;
DROP FUNCTION IF EXISTS consumption_total_users() CASCADE;
"""


# --- water users per key, with their plans ---------------------------------------------------
# consumption_user_total counts the users per county × town × supply zone × sector × source and
# sums their annual plans (numeric, exact like the volumes): a zone's plan without reading
# every user. Statement triggers on the users add a statement's new images and remove its old
# ones (for an update, only the users whose keys or plan changed).
_UKEYS = "county_id, town_id, supply_zone_id, sector, source"
_UNCHANGED = """(n.county_id, n.town_id, n.supply_zone_id, n.sector, n.source, n.annual_plan_m3)
    IS NOT DISTINCT FROM (o.county_id, o.town_id, o.supply_zone_id, o.sector, o.source,
    o.annual_plan_m3)"""


def _user_apply(sign: str, rows: str) -> str:
    """Add (sign 1) or remove (-1) the users `rows` (an image of layers_wateruser)."""
    return f"""
  INSERT INTO consumption_user_total AS t ({_UKEYS}, users, planned_users, annual_plan_m3)
  SELECT {_UKEYS}, {sign} * count(*), {sign} * count(annual_plan_m3),
         {sign} * coalesce(sum(annual_plan_m3::numeric(24, 6)), 0)
  FROM {rows} r GROUP BY {_UKEYS}
  ON CONFLICT ({_UKEYS}) DO UPDATE
    SET users = t.users + EXCLUDED.users,
        planned_users = t.planned_users + EXCLUDED.planned_users,
        annual_plan_m3 = t.annual_plan_m3 + EXCLUDED.annual_plan_m3"""  # noqa: S608 (constants)


USER_TOTAL_FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION consumption_user_total_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_user_apply("1", "new_rows")};
  ELSIF TG_OP = 'DELETE' THEN
    {_user_apply("-1", "old_rows")};
  ELSE
    {_user_apply("-1", f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE NOT {_UNCHANGED})")};
    {_user_apply("1", f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE NOT {_UNCHANGED})")};
  END IF;
  DELETE FROM consumption_user_total WHERE users = 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION consumption_user_total_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM consumption_user_total;  -- DELETE: see consumption_total_truncate
  RETURN NULL;
END $$;
"""  # noqa: E501, S608 (constants)

USER_TOTAL_TRIGGERS_SQL = """
CREATE TRIGGER consumption_user_total_insert AFTER INSERT ON layers_wateruser
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_user_total_rows();
CREATE TRIGGER consumption_user_total_update AFTER UPDATE ON layers_wateruser
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_user_total_rows();
CREATE TRIGGER consumption_user_total_delete AFTER DELETE ON layers_wateruser
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_user_total_rows();
CREATE TRIGGER consumption_user_total_truncate AFTER TRUNCATE ON layers_wateruser
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_user_total_truncate();
"""

# (No ON CONFLICT here: in the migration the unique index is only built after this runs.)
USER_TOTAL_REBUILD_SQL = f"""
DELETE FROM consumption_user_total;
INSERT INTO consumption_user_total ({_UKEYS}, users, planned_users, annual_plan_m3)
SELECT {_UKEYS}, count(*), count(annual_plan_m3),
       coalesce(sum(annual_plan_m3::numeric(24, 6)), 0)
FROM layers_wateruser GROUP BY {_UKEYS};
"""  # noqa: S608 (constants)

USER_TOTAL_DROP_SQL = """
DROP FUNCTION IF EXISTS consumption_user_total_rows() CASCADE;
DROP FUNCTION IF EXISTS consumption_user_total_truncate() CASCADE;
"""


# --- town × irrigation district shares -------------------------------------------------------
# consumption_district_share holds, for every town and irrigation district that intersect, the
# district's area inside the town ÷ its area (on the spheroid) — what the town view spreads a
# district's records by — so that no town query intersects outlines. Statement triggers redo
# the pairs of the towns and districts a write touched (a town is an admin area of level
# 'town', before or after the write); a TRUNCATE of either table empties it.
SHARE_PAIRS = """
  SELECT t.id, d.id,
         ST_Area(ST_Intersection(t.geom, d.geom)::geography)
           / NULLIF(ST_Area(d.geom::geography), 0)
  FROM layers_adminarea t JOIN layers_irrigationdistrict d ON ST_Intersects(t.geom, d.geom)
  WHERE t.level = 'town'"""

SHARE_FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION consumption_district_share_redo(towns bigint[], districts bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(towns) + cardinality(districts) = 0 THEN
    RETURN;  -- e.g. a town renamed: no outline moved
  END IF;
  DELETE FROM consumption_district_share
   WHERE town_id = ANY(towns) OR district_id = ANY(districts);
  INSERT INTO consumption_district_share (town_id, district_id, share)
  {SHARE_PAIRS} AND t.id = ANY(towns)
  UNION
  {SHARE_PAIRS} AND d.id = ANY(districts);
END $$;

CREATE OR REPLACE FUNCTION consumption_district_share_districts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM consumption_district_share_redo('{{}}', ARRAY(SELECT id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM consumption_district_share_redo('{{}}', ARRAY(SELECT id FROM old_rows));
  ELSE
    PERFORM consumption_district_share_redo('{{}}', ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE n.geom IS DISTINCT FROM o.geom));
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION consumption_district_share_towns() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM consumption_district_share_redo(
      ARRAY(SELECT id FROM new_rows WHERE level = 'town'), '{{}}');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM consumption_district_share_redo(
      ARRAY(SELECT id FROM old_rows WHERE level = 'town'), '{{}}');
  ELSE
    PERFORM consumption_district_share_redo(ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE 'town' IN (n.level, o.level)
        AND (n.geom IS DISTINCT FROM o.geom OR n.level IS DISTINCT FROM o.level)), '{{}}');
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION consumption_district_share_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM consumption_district_share;  -- DELETE: see consumption_total_truncate
  RETURN NULL;
END $$;
"""  # noqa: S608 (constants)

SHARE_TRIGGERS_SQL = "".join(
    f"""
CREATE TRIGGER consumption_district_share_{event.lower()} AFTER {event} ON {table}
  {refs} FOR EACH STATEMENT EXECUTE FUNCTION consumption_district_share_{kind}();"""
    for table, kind in (("layers_irrigationdistrict", "districts"), ("layers_adminarea", "towns"))
    for event, refs in (
        ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
        ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
    )
) + "".join(
    f"""
CREATE TRIGGER consumption_district_share_truncate AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION consumption_district_share_truncate();"""
    for table in ("layers_irrigationdistrict", "layers_adminarea")
)

SHARE_REBUILD_SQL = f"""
DELETE FROM consumption_district_share;
INSERT INTO consumption_district_share (town_id, district_id, share) {SHARE_PAIRS};
"""  # noqa: S608 (constants)

SHARE_DROP_SQL = """
DROP FUNCTION IF EXISTS consumption_district_share_districts() CASCADE;
DROP FUNCTION IF EXISTS consumption_district_share_towns() CASCADE;
DROP FUNCTION IF EXISTS consumption_district_share_truncate() CASCADE;
DROP FUNCTION IF EXISTS consumption_district_share_redo(bigint[], bigint[]);
"""


# --- partitions ------------------------------------------------------------------------------
# The table as Django's migrations made it, rebuilt partitioned by month (a year a partition).
# The primary key must include the partition key: (id, month); (user, month) stays unique.
PARTITION_SQL = """
CREATE TABLE layers_consumption_by_year (
  id bigint NOT NULL,
  month date NOT NULL,
  volume_m3 double precision NOT NULL,
  metered boolean NOT NULL,
  user_id bigint NOT NULL
) PARTITION BY RANGE (month);
CREATE TABLE layers_consumption_default PARTITION OF layers_consumption_by_year DEFAULT;
INSERT INTO layers_consumption_by_year (id, month, volume_m3, metered, user_id)
  SELECT id, month, volume_m3, metered, user_id FROM layers_consumption;
DROP TABLE layers_consumption;
ALTER TABLE layers_consumption_by_year RENAME TO layers_consumption;
CREATE SEQUENCE layers_consumption_id_seq OWNED BY layers_consumption.id;
SELECT setval('layers_consumption_id_seq', coalesce((SELECT max(id) FROM layers_consumption), 0) + 1, false);
ALTER TABLE layers_consumption ALTER COLUMN id SET DEFAULT nextval('layers_consumption_id_seq');
ALTER TABLE layers_consumption ADD CONSTRAINT layers_consumption_pkey PRIMARY KEY (id, month);
ALTER TABLE layers_consumption ADD CONSTRAINT consumption_unique UNIQUE (user_id, month);
ALTER TABLE layers_consumption ADD CONSTRAINT consumption_volume_m3_non_negative
  CHECK (volume_m3 >= 0.0::double precision OR volume_m3 IS NULL);
ALTER TABLE layers_consumption ADD CONSTRAINT layers_consumption_user_id_fk_layers_wateruser_id
  FOREIGN KEY (user_id) REFERENCES layers_wateruser(id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX consumption_month_idx ON layers_consumption (month);
CREATE INDEX layers_consumption_user_id_29f005d0 ON layers_consumption (user_id);
SELECT consumption_partition_ensure(y)
  FROM generate_series(
    coalesce((SELECT extract(year FROM min(month))::int FROM layers_consumption), 2023),
    greatest(coalesce((SELECT extract(year FROM max(month))::int FROM layers_consumption), 2023),
             extract(year FROM now())::int + 1)) AS y;
"""  # noqa: E501 (SQL)

# A year's partition, created when missing; rows of that year waiting in the default
# partition move into it (PostgreSQL refuses a new partition whose rows sit in the default).
PARTITION_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION consumption_partition_ensure(y int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  part text := format('layers_consumption_%s', y);
  lo date := make_date(y, 1, 1);
  hi date := make_date(y + 1, 1, 1);
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN;
  END IF;
  -- Through the parent table, so its statement triggers (versions, totals) see the move.
  CREATE TEMP TABLE _waiting ON COMMIT DROP AS
    SELECT * FROM layers_consumption WHERE month >= lo AND month < hi;
  DELETE FROM layers_consumption WHERE month >= lo AND month < hi;
  EXECUTE format('CREATE TABLE %I PARTITION OF layers_consumption FOR VALUES FROM (%L) TO (%L)',
                 part, lo, hi);
  INSERT INTO layers_consumption SELECT * FROM _waiting;
  DROP TABLE _waiting;
END $$;
"""


class PartitionConsumptionByYear(migrations.RunSQL):
    """Migration operation: layers_consumption rebuilt as a table partitioned by year."""

    def __init__(self):
        super().__init__(sql=[PARTITION_FUNCTION_SQL, PARTITION_SQL], reverse_sql=None)


class KeepConsumptionTotals(migrations.RunSQL):
    """Migration operation: consumption_total kept exact by triggers, filled once."""

    def __init__(self):
        super().__init__(sql=[FUNCTIONS_SQL, TRIGGERS_SQL, REBUILD_SQL], reverse_sql=DROP_SQL)


class KeepUserTotalsAndShares(migrations.RunSQL):
    """Migration operation: consumption_user_total and consumption_district_share kept by
    triggers, filled once."""

    def __init__(self):
        super().__init__(
            sql=[
                USER_TOTAL_FUNCTIONS_SQL,
                USER_TOTAL_TRIGGERS_SQL,
                USER_TOTAL_REBUILD_SQL,
                SHARE_FUNCTIONS_SQL,
                SHARE_TRIGGERS_SQL,
                SHARE_REBUILD_SQL,
            ],
            reverse_sql=[USER_TOTAL_DROP_SQL, SHARE_DROP_SQL],
        )
