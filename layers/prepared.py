"""Server-side-binding cursors and statements prepared on the connection."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from django.conf import settings
from django.db import connection


def prepared_cursor():
    """A server-side-binding cursor on the default connection, in Django's cursor wrapper.

    Django's cursors bind parameters on the client, so bytea values travel as escaped text
    (a tile of 30 kB as 60 kB of hex) and every statement is parsed afresh. Here parameters
    travel apart, binary values as they are. Django's connections set psycopg's
    `prepare_threshold` to None, so nothing is prepared by this cursor alone: see
    `execute_prepared`. Django's wrapper keeps query logging, execute wrappers and error
    translation. Behind a transaction-mode pooler (DATABASE_POOLED) the ordinary cursor is
    used.
    """
    if settings.DATABASE_POOLED:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def execute_prepared(cur, sql: str, params: Sequence | dict) -> None:
    """Execute `sql` on a `prepared_cursor`, prepared on the connection at its first run.

    A statement of one shape (the same text whatever the values: a tile query, a zone query)
    is then parsed once per connection, and PostgreSQL plans it afresh only for its first five
    runs before it may keep a generic plan. Django's connections prepare nothing
    (prepare_threshold None), so the threshold is lowered for this execute alone. Behind a
    transaction pooler (DATABASE_POOLED, a plain cursor) and while queries are logged (DEBUG,
    a test capturing them: Django logs only the SQL) nothing is prepared.
    """
    if settings.DATABASE_POOLED or connection.queries_logged:
        cur.execute(sql, params)
        return
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = 0
    try:
        cur.execute(sql, params)
    finally:
        raw.prepare_threshold = threshold
