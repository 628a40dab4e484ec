"""Data versions kept by the database: a statement-level trigger per tracked table.

Every write to a tracked table, whatever its path (services, the admin, an import, a SQL
script, QGIS editing PostGIS directly), bumps the table's data-version key in
`layers_layerversion` inside the same transaction, and notifies `DATA_CHANGED_CHANNEL` at
commit. Caches and stored verdicts compare against these counters, so no write path can leave
a verdict reported as fresh when its inputs changed.

A statement that changed no row (an upsert that found everything equal) bumps nothing: the
INSERT/UPDATE/DELETE triggers read their transition table. Migrations install the triggers
through `TrackDataVersion`; the SQL is here once.
"""

from __future__ import annotations

from django.db import migrations

DATA_CHANGED_CHANNEL = "lianzhou_data_changed"

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION layers_data_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- TG_ARGV[0]: the data-version key. A trigger with a transition table skips a statement
  -- that changed nothing (TG_ARGV[1] = 'rows'); TRUNCATE and column-list triggers have none.
  IF TG_NARGS > 1 AND TG_ARGV[1] = 'rows' THEN
    IF NOT EXISTS (SELECT 1 FROM changed_rows) THEN
      RETURN NULL;
    END IF;
  END IF;
  INSERT INTO layers_layerversion (key, version, changed_at) VALUES (TG_ARGV[0], 1, now())
  ON CONFLICT (key) DO UPDATE
    SET version = layers_layerversion.version + 1, changed_at = now();
  PERFORM pg_notify('lianzhou_data_changed', TG_ARGV[0]);  -- DATA_CHANGED_CHANNEL
  RETURN NULL;
END $$;
"""
DROP_FUNCTION_SQL = "DROP FUNCTION IF EXISTS layers_data_version_bump() CASCADE"

_EVENTS = (("insert", "INSERT", "NEW"), ("update", "UPDATE", "NEW"), ("delete", "DELETE", "OLD"))


def _trigger_name(table: str, suffix: str) -> str:
    return f"dv_{table}_{suffix}"[:63]


def trigger_sql(table: str, key: str, *, update_columns: tuple[str, ...] = ()) -> list[str]:
    """The statements that make every write to `table` bump `key` (idempotent).

    update_columns: bump on UPDATE only when one of these columns is set (e.g. a login's
    `last_login` does not change anyone's access); PostgreSQL allows no transition table then.
    """
    statements = []
    for suffix, event, side in _EVENTS:
        name = _trigger_name(table, suffix)
        if event == "UPDATE" and update_columns:
            body = (
                f'AFTER UPDATE OF {", ".join(update_columns)} ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION layers_data_version_bump('{key}')"
            )
        else:
            body = (
                f'AFTER {event} ON "{table}" REFERENCING {side} TABLE AS changed_rows '
                f"FOR EACH STATEMENT EXECUTE FUNCTION layers_data_version_bump('{key}', 'rows')"
            )
        statements.append(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
        statements.append(f"CREATE TRIGGER {name} {body}")
    name = _trigger_name(table, "truncate")
    statements.append(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
    statements.append(
        f'CREATE TRIGGER {name} AFTER TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION layers_data_version_bump('{key}')"
    )
    return statements


def drop_trigger_sql(table: str) -> list[str]:
    return [
        f'DROP TRIGGER IF EXISTS {_trigger_name(table, s)} ON "{table}"'
        for s in ("insert", "update", "delete", "truncate")
    ]


def install_version_trigger(connection, table: str, key: str, **options) -> None:
    """Install the triggers on a table outside migrations (tests that build a table)."""
    with connection.cursor() as cur:
        for statement in trigger_sql(table, key, **options):
            cur.execute(statement)


class TrackDataVersion(migrations.RunSQL):
    """Migration operation: writes to `table` bump the data version `key`."""

    def __init__(self, table: str, key: str, *, update_columns: tuple[str, ...] = ()):
        super().__init__(
            sql=trigger_sql(table, key, update_columns=update_columns),
            reverse_sql=drop_trigger_sql(table),
        )
        self.table, self.key = table, key

    def describe(self) -> str:
        return f"Writes to {self.table} bump the data version {self.key!r}"
