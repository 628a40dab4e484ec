"""A server-side-binding cursor: parameters (tile bytes) sent apart, not as escaped text."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection


def prepared_cursor():
    """A server-side-binding cursor on the default connection, in Django's cursor wrapper.

    Django's cursors bind parameters on the client, so bytea values travel as escaped text
    (a tile of 30 kB as 60 kB of hex) and every statement is parsed afresh. Here parameters
    travel apart, binary values as they are. Django's connections set psycopg's
    `prepare_threshold` to None, so nothing is prepared by this cursor alone: a caller that
    wants a prepared statement lowers the threshold around its execute (as
    consumption.selectors does); the tile query does not (yet). Django's wrapper keeps query
    logging, execute wrappers and error translation. Behind a transaction-mode pooler
    (DATABASE_POOLED) the ordinary cursor is used.
    """
    if settings.DATABASE_POOLED:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)
