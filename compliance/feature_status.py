"""Each feature's overall status per year, kept by the database as verdicts are written.

`compliance_featurestatus` holds, per (layer, year, feature), what the map colours a feature
by: non_compliant if any of its indicators fails (bonus items never make a feature fail),
else compliant if any passes, else no_data — the rule of `annotations.feature_status`.
Statement-level triggers on `compliance_result` recompute the features a statement touched,
whatever wrote them (the worker, a scenario never does: it stores nothing). Vector tiles join
it (one index lookup or one hash join per tile) instead of running two EXISTS subqueries per
feature (compliance/annotations.py, layers/tiles.py).
"""

from __future__ import annotations

from django.db import migrations

_STATUS = """CASE WHEN bool_or(r.status = 'non_compliant' AND i.kind <> 'bonus')
                 THEN 'non_compliant'
               WHEN bool_or(r.status = 'compliant') THEN 'compliant' ELSE 'no_data' END"""

_RECOMPUTE = f"""
  DELETE FROM compliance_featurestatus f USING (SELECT DISTINCT layer, year, feature_id
    FROM %(rows)s) k
   WHERE f.layer = k.layer AND f.year = k.year AND f.feature_id = k.feature_id;
  INSERT INTO compliance_featurestatus (layer, year, feature_id, status)
  SELECT r.layer, r.year, r.feature_id, {_STATUS}
    FROM compliance_result r JOIN compliance_indicator i ON i.id = r.indicator_id
   WHERE (r.layer, r.year, r.feature_id) IN (SELECT layer, year, feature_id FROM %(rows)s)
   GROUP BY r.layer, r.year, r.feature_id"""  # noqa: S608 (constants)

FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION compliance_featurestatus_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_RECOMPUTE.replace("%(rows)s", "old_rows")};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {_RECOMPUTE.replace("%(rows)s", "new_rows")};
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION compliance_featurestatus_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- DELETE, not TRUNCATE: one TRUNCATE statement may name both tables (Django's flush), and
  -- PostgreSQL refuses to truncate a table that statement is using.
  DELETE FROM compliance_featurestatus;
  RETURN NULL;
END $$;
"""  # noqa: S608 (constants)

TRIGGERS_SQL = """
CREATE TRIGGER featurestatus_insert AFTER INSERT ON compliance_result
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION compliance_featurestatus_rows();
CREATE TRIGGER featurestatus_update AFTER UPDATE ON compliance_result
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION compliance_featurestatus_rows();
CREATE TRIGGER featurestatus_delete AFTER DELETE ON compliance_result
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION compliance_featurestatus_rows();
CREATE TRIGGER featurestatus_truncate AFTER TRUNCATE ON compliance_result
  FOR EACH STATEMENT EXECUTE FUNCTION compliance_featurestatus_truncate();
"""

REBUILD_SQL = f"""
TRUNCATE compliance_featurestatus;
INSERT INTO compliance_featurestatus (layer, year, feature_id, status)
SELECT r.layer, r.year, r.feature_id, {_STATUS}
  FROM compliance_result r JOIN compliance_indicator i ON i.id = r.indicator_id
 GROUP BY r.layer, r.year, r.feature_id;
"""  # noqa: S608 (constants)

DROP_SQL = """
DROP FUNCTION IF EXISTS compliance_featurestatus_rows() CASCADE;
DROP FUNCTION IF EXISTS compliance_featurestatus_truncate() CASCADE;
"""


class KeepFeatureStatus(migrations.RunSQL):
    """Migration operation: compliance_featurestatus kept by triggers, filled once."""

    def __init__(self):
        super().__init__(sql=[FUNCTIONS_SQL, TRIGGERS_SQL, REBUILD_SQL], reverse_sql=DROP_SQL)
