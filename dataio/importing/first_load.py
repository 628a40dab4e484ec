"""The first load of an empty layer table: indexes built once after the rows, not row by row.

Taken when the table holds no row at all (a new installation, a layer loaded for the first
time). A table holding any row — of any county — goes the ordinary way: rebuilding its indexes
would cost the whole table, and the lock below would stop its readers.

Inside the import's one transaction (DDL is transactional in PostgreSQL, so any refusal or
error restores the table, its indexes and constraints exactly as they were):
- the table is locked ACCESS EXCLUSIVE, waiting at most IMPORT_FIRST_LOAD_LOCK_WAIT_S; a lock
  not had in time (a long reader) leaves the ordinary path to do the import, so a reader never
  queues behind the import's lock request longer than that. Once held, readers of the (empty)
  table wait until the import commits, within their own statement timeout;
- the table's feature reach (layers/feature_reach.py), as wide as the rows deleted before
  it left it, is emptied: the load's own rows fill it again;
- its secondary indexes and unique constraints (every index but the primary key and those a
  foreign key of another table rests on) and its foreign keys are dropped;
- the rows are inserted with their county and memberships derived set-based
  (layers/derived.py) while the county trigger is disabled (the values are the trigger's);
- the indexes and unique constraints are built again from their own definitions, the foreign
  keys added NOT VALID and then VALIDATEd (one anti-join each instead of a check per row at
  commit: the same guarantee, same names, same DEFERRABLE INITIALLY DEFERRED);
- the table is analysed when its statistics would have the rest of the transaction plan for
  an empty table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, transaction
from psycopg import Cursor, sql
from psycopg.errors import LockNotAvailable

from layers.county_triggers import county_trigger_name
from layers.derived import DERIVED, derived_columns
from layers.feature_reach import REACH_TABLES


class _NotEmpty(Exception):
    """Raised inside the lock's savepoint when a row arrived before the lock was had."""


def first_load_begin(table: str) -> bool:
    """Whether this import fills `table` by the first-load path: the table is empty and the
    ACCESS EXCLUSIVE lock on it was had within IMPORT_FIRST_LOAD_LOCK_WAIT_S (it is then held
    until the transaction ends). False leaves no lock and nothing changed.
    Call inside the import's transaction."""
    quoted = sql.Identifier(table)
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        # Without a lock first: a table holding rows is never locked at all.
        if _has_rows(cur, quoted):
            return False
    wait_ms = max(1, int(float(settings.IMPORT_FIRST_LOAD_LOCK_WAIT_S) * 1000))
    try:
        with transaction.atomic():  # a savepoint: a failed lock leaves the transaction usable
            with connection.cursor() as wrapper:
                cur = wrapper.cursor
                cur.execute(
                    "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                    [f"{wait_ms}ms"],
                )
                (before, _set) = cur.fetchone()
                cur.execute(sql.SQL("LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE").format(t=quoted))
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [before])
                if _has_rows(cur, quoted):  # written between the look and the lock
                    raise _NotEmpty
                if table in REACH_TABLES:  # what deleted rows left: the load's rows alone
                    cur.execute("SELECT layers_reach_refresh(%s)", [table])
    except _NotEmpty:
        return False  # the savepoint's rollback released the lock
    except LockNotAvailable:  # raised by psycopg's own cursor, as it is
        return False
    except OperationalError as exc:  # the same through Django's cursor
        if isinstance(exc.__cause__, LockNotAvailable):
            return False
        raise
    return True


def _has_rows(cur: Cursor, table: sql.Identifier) -> bool:
    cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {t})").format(t=table))
    return cur.fetchone()[0]


@dataclass(frozen=True)
class Secondary:
    """A table's secondary structures, as their own definitions: plain indexes
    (CREATE INDEX …), unique/exclusion constraints and foreign keys (name, definition)."""

    indexes: tuple[str, ...]
    constraints: tuple[tuple[str, str], ...]
    foreign_keys: tuple[tuple[str, str], ...]


def secondary_drop(cur: Cursor, table: str) -> Secondary:
    """Drop the secondary indexes, unique constraints and foreign keys of `table` (locked
    ACCESS EXCLUSIVE by first_load_begin); returns what secondary_restore builds again.
    Kept: the primary key and any index a foreign key of another table rests on."""
    _deferred_checks_now(cur)
    cur.execute(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid), con.conname, "
        " pg_get_constraintdef(con.oid) "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid "
        " AND con.conrelid = i.indrelid AND con.contype IN ('u', 'x') "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
        "  AND f.conindid = i.indexrelid AND f.conrelid <> i.indrelid) "
        "ORDER BY ic.relname",
        [table],
    )
    indexes, constraints = [], []
    for index, index_def, constraint, constraint_def in cur.fetchall():
        if constraint:
            constraints.append((constraint, constraint_def))
        else:
            indexes.append((index, index_def))
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = cur.fetchall()
    t = sql.Identifier(table)
    drops = [
        sql.SQL("DROP CONSTRAINT {}").format(sql.Identifier(name))
        for name, _def in [*foreign_keys, *constraints]
    ]
    if drops:
        cur.execute(sql.SQL("ALTER TABLE {t} {d}").format(t=t, d=sql.SQL(", ").join(drops)))
    if indexes:
        cur.execute(
            sql.SQL("DROP INDEX {}").format(
                sql.SQL(", ").join(sql.Identifier(name) for name, _def in indexes)
            )
        )
    return Secondary(
        indexes=tuple(index_def for _name, index_def in indexes),
        constraints=tuple(constraints),
        foreign_keys=tuple(foreign_keys),
    )


def secondary_restore(cur: Cursor, table: str, secondary: Secondary, rows: int) -> None:
    """Build the structures secondary_drop dropped, from their definitions (same names):
    unique constraints check the rows as they build; each foreign key is added NOT VALID and
    then validated over the whole table. rows: how many were inserted (see _size_known)."""
    t = sql.Identifier(table)
    _deferred_checks_now(cur)
    for index_def in secondary.indexes:
        cur.execute(index_def)  # pg_get_indexdef's own statement
    for name, definition in secondary.constraints:
        cur.execute(
            sql.SQL("ALTER TABLE {t} ADD CONSTRAINT {n} {d}").format(
                t=t, n=sql.Identifier(name), d=sql.SQL(definition)
            )
        )
    for name, definition in secondary.foreign_keys:
        cur.execute(
            sql.SQL("ALTER TABLE {t} ADD CONSTRAINT {n} {d} NOT VALID").format(
                t=t, n=sql.Identifier(name), d=sql.SQL(definition)
            )
        )
    for name, _definition in secondary.foreign_keys:
        cur.execute(
            sql.SQL("ALTER TABLE {t} VALIDATE CONSTRAINT {n}").format(t=t, n=sql.Identifier(name))
        )
    _size_known(cur, table, rows)


def _size_known(cur: Cursor, table: str, rows: int) -> None:
    """ANALYZE the table when its statistics say it holds far fewer rows than were just
    inserted, so that the rest of the import's transaction plans with its real size: a table
    analysed while it was empty but kept pages from an earlier, rolled-back load counts as
    empty whatever it holds (a demo load's history query then ran for hours). Statistics
    never taken (-1) or already large enough are left alone: ANALYZE writes the table's size
    in place, kept even when the transaction rolls back, so it runs only when needed."""
    cur.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    (reltuples,) = cur.fetchone()
    if 0 <= reltuples < rows / 10:
        cur.execute(sql.SQL("ANALYZE {t} (id)").format(t=sql.Identifier(table)))


def _deferred_checks_now(cur: Cursor) -> None:
    """Run the foreign-key checks deferred so far in the transaction (they would run at commit).

    Adding or dropping a foreign key alters the table it references too, which PostgreSQL
    refuses while that table has checks pending ("pending trigger events"): e.g. the towns a
    demo load wrote before its pipe nodes. The deferrable constraints are then put back as
    they start (INITIALLY DEFERRED ones deferred, the others immediate).
    """
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cur.execute("SET CONSTRAINTS ALL DEFERRED")
    cur.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.condeferrable AND NOT c.condeferred"
    )
    immediate = [row[0] for row in cur.fetchall()]
    if immediate:
        cur.execute(sql.SQL("SET CONSTRAINTS {} IMMEDIATE").format(sql.SQL(", ").join(
            sql.SQL(name) for name in immediate
        )))  # fmt: skip


def _has_county_trigger(cur: Cursor, table: str) -> bool:
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s)",
        [table, county_trigger_name(table)],
    )
    return cur.fetchone()[0]


def county_trigger_set(cur: Cursor, table: str, *, enabled: bool) -> None:
    """Disable (while a first load writes the county itself) or enable `table`'s county
    trigger; the table is locked ACCESS EXCLUSIVE, so no other write runs meanwhile."""
    cur.execute(
        sql.SQL("ALTER TABLE {t} {how} TRIGGER {n}").format(
            t=sql.Identifier(table),
            how=sql.SQL("ENABLE" if enabled else "DISABLE"),
            n=sql.Identifier(county_trigger_name(table)),
        )
    )


def first_load_insert(
    cur: Cursor,
    *,
    table: str,
    source: str,
    county: bool,
    insert: Callable[[list[str]], sql.Composable],
    key: str = "_row",
    geom: str = "geom",
) -> list[int]:
    """Insert the rows of a first load into `table` (first_load_begin returned True): its
    secondary structures dropped, the derived columns of the rows of `source` (identified by
    `key`, geometry `geom`) computed set-based into _derived, the county trigger off while
    `insert(derived column names)` runs — an INSERT … RETURNING id that joins _derived on
    _derived._row — then everything built and validated again. Returns the new ids."""
    # A table whose county the database does not derive (no trigger: a layer declared in a
    # test, say) gets none here either, as the ordinary path gives it none.
    county = county and _has_county_trigger(cur, table)
    secondary = secondary_drop(cur, table)
    derived = derived_columns(cur, table=table, source=source, county=county, key=key, geom=geom)
    if county:
        county_trigger_set(cur, table, enabled=False)
    cur.execute(insert(derived))
    ids = [row[0] for row in cur.fetchall()]
    if county:
        county_trigger_set(cur, table, enabled=True)
    secondary_restore(cur, table, secondary, len(ids))
    return ids


def derived_join(alias: str, key: sql.Composable) -> sql.Composable:
    """`LEFT JOIN _derived <alias> ON <alias>._row = <key>` for a first load's INSERT."""
    return sql.SQL("LEFT JOIN {d} {a} ON {a}._row = {k}").format(
        d=sql.Identifier(DERIVED), a=sql.Identifier(alias), k=key
    )
