"""A cursor whose statements PostgreSQL prepares: for the hot, same-shaped queries (tiles)."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection


def prepared_cursor():
    """A server-side-binding cursor on the default connection, in Django's cursor wrapper.

    Django's cursors bind parameters on the client, so PostgreSQL plans every statement afresh
    (~0.3 ms for a tile query: as long as a z16 tile's whole execution) and bytea values travel
    as escaped text. Here parameters travel apart (binary values as they are) and psycopg
    prepares a statement it has run `prepare_threshold` (5) times on the connection: a tile
    query of one shape is the same text for every address. Django's wrapper keeps query
    logging, execute wrappers and error translation. Behind a transaction-mode pooler
    (DATABASE_POOLED) a prepared statement may meet another server connection, so there the
    ordinary cursor is used.
    """
    if settings.DATABASE_POOLED:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)
