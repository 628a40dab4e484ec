"""Set-based upsert through COPY and INSERT … ON CONFLICT: fast, idempotent, all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection
from psycopg import Cursor, sql


def upsert(
    table: str,
    *,
    key: Sequence[str],
    columns: Sequence[str],
    rows: Iterable[tuple],
    on_update: dict[str, str] | None = None,
    insert_extra: dict[str, str] | None = None,
    prepare: Callable[[Cursor, str, Sequence[str]], sql.Composable] | None = None,
    keep_filled: Sequence[str] = (),
) -> tuple[int, int, list[int]]:
    """Insert or update rows of `table` by natural key; unchanged rows are not touched.

    rows: tuples in `columns` order (key columns included); geometries as hex EWKB text.
    on_update: extra SET expressions applied only when a row really changes
    (e.g. {"version": "t.version + 1", "updated_at": "now()"}).
    insert_extra: column -> SQL expression for new rows only (e.g. created_at).
    prepare: called with (cursor, staging table name, columns) after the rows are staged; returns
    the query to merge from instead of the staging table, with the same column names, to derive
    columns in SQL (e.g. a pipe's end nodes).
    keep_filled: columns an empty value (NULL or '') may not overwrite when the stored row
    has one: BlankOverStored lists each such (row position from 1, column) and nothing is
    merged.
    Returns (created, updated, ids of created or updated rows). Call inside a transaction.
    """
    on_update = on_update or {}
    insert_extra = insert_extra or {}
    tmp = sql.Identifier(f"_import_{table}")
    target = sql.Identifier(table)
    cols = [sql.Identifier(c) for c in columns]
    value_cols = [c for c in columns if c not in key]
    with connection.cursor() as wrapper:
        cur = wrapper.cursor  # psycopg's own cursor: COPY and composed SQL
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {tmp}").format(tmp=tmp))
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {cols} FROM {target} WITH NO DATA"
            ).format(tmp=tmp, cols=sql.SQL(", ").join(cols), target=target)
        )
        if keep_filled:  # each staged row's position, in the order written
            cur.execute(sql.SQL("ALTER TABLE {tmp} ADD COLUMN _ord bigserial").format(tmp=tmp))
        copy_sql = sql.SQL("COPY {tmp} ({cols}) FROM STDIN").format(
            tmp=tmp, cols=sql.SQL(", ").join(cols)
        )
        with cur.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
        if keep_filled:
            _refuse_blanking(cur, tmp, target, key, keep_filled)
        # A fresh temporary table has no statistics: without them the planner guesses its size
        # and picks its joins blind.
        cur.execute(sql.SQL("ANALYZE {tmp}").format(tmp=tmp))
        source: sql.Composable = tmp
        if prepare is not None:
            source = sql.SQL("({})").format(prepare(cur, f"_import_{table}", columns))
        insert_cols = [*cols, *(sql.Identifier(c) for c in insert_extra)]
        select_exprs = [*cols, *(sql.SQL(e) for e in insert_extra.values())]
        set_items = [sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in value_cols]
        set_items += [
            sql.SQL("{c} = {e}").format(c=sql.Identifier(c), e=sql.SQL(e))
            for c, e in on_update.items()
        ]
        changed = (
            sql.SQL("({t}) IS DISTINCT FROM ({e})").format(
                t=sql.SQL(", ").join(
                    sql.SQL("t.{c}").format(c=sql.Identifier(c)) for c in value_cols
                ),
                e=sql.SQL(", ").join(
                    sql.SQL("EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in value_cols
                ),
            )
            if value_cols
            else sql.SQL("false")
        )
        # The stored rows the file names, before the merge: a returned id not among them was
        # created (`xmax = 0` would tell, but not on a partitioned table such as consumption).
        cur.execute(
            sql.SQL("SELECT t.id FROM {source} AS {tmp} JOIN {target} t ON {on}").format(
                source=source,
                tmp=tmp,
                target=target,
                on=sql.SQL(" AND ").join(
                    sql.SQL("t.{k} = {tmp}.{k}").format(k=sql.Identifier(k), tmp=tmp) for k in key
                ),
            )
        )
        stored = {row[0] for row in cur.fetchall()}
        cur.execute(
            sql.SQL(
                "INSERT INTO {target} AS t ({icols}) SELECT {sel} FROM {source} AS {tmp} "
                "ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE {changed} "
                "RETURNING t.id"
            ).format(
                target=target,
                icols=sql.SQL(", ").join(insert_cols),
                sel=sql.SQL(", ").join(select_exprs),
                source=source,
                tmp=tmp,
                key=sql.SQL(", ").join(sql.Identifier(k) for k in key),
                sets=sql.SQL(", ").join(set_items),
                changed=changed,
            )
        )
        result = cur.fetchall()
        cur.execute(sql.SQL("DROP TABLE {tmp}").format(tmp=tmp))
    created = sum(1 for (row_id,) in result if row_id not in stored)
    return created, len(result) - created, [row_id for (row_id,) in result]


class BlankOverStored(Exception):
    """Empty values that would overwrite stored ones: [(row position from 1, column)]."""

    def __init__(self, cells: list[tuple[int, str]]):
        self.cells = cells
        super().__init__(f"{len(cells)} empty cell(s) over stored values")


def _refuse_blanking(cur, tmp, target, key: Sequence[str], columns: Sequence[str]) -> None:
    on = sql.SQL(" AND ").join(sql.SQL("t.{k} = s.{k}").format(k=sql.Identifier(k)) for k in key)
    checks = sql.SQL(" UNION ALL ").join(
        sql.SQL(
            "SELECT s._ord, {name} FROM {tmp} s JOIN {target} t ON {on} "
            "WHERE (s.{c} IS NULL OR s.{c}::text = '') "
            "AND t.{c} IS NOT NULL AND t.{c}::text <> ''"
        ).format(name=sql.Literal(c), tmp=tmp, target=target, on=on, c=sql.Identifier(c))
        for c in columns
    )
    cur.execute(sql.SQL("{} ORDER BY 1, 2 LIMIT 200").format(checks))
    cells = [(int(ordinal), column) for ordinal, column in cur.fetchall()]
    if cells:
        raise BlankOverStored(cells)
