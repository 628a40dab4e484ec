"""The vector tile cache every worker process shares: a small memory per process in front of
an UNLOGGED table of PostgreSQL (schema `tile_cache`).

A tile built by one gunicorn worker (or one app server) is served by all the others without
being built again. Keys already carry the digest of every data version (layers/tiles.py), so
an entry is never stale: a write gives new keys, and the rows of older digests are deleted the
first time a process stores a tile under a new digest. The table is UNLOGGED (no WAL: not
replicated, emptied by a crash, which a cache may be) and lives outside `public`, with no
triggers and no data version: derived bytes, like the memory cache, not data. It is the only
thing a GET may write (docs/architecture.md). A failure of the cache never fails the tile: it
is logged and the tile is served from what was built.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, ProgrammingError, connection, transaction
from psycopg.errors import InsufficientPrivilege, UndefinedTable

from layers.prepared import execute_prepared, prepared_cursor

logger = logging.getLogger(__name__)

MEMORY_ALIAS = "tiles"
TABLE = "tile_cache.tiles"
# Tiles bigger than this are not kept in the shared table (MVT tiles of the demo: < 200 kB).
MAX_SHARED_TILE_BYTES = 2 * 1024 * 1024
# Rows of older digests deleted at most per store (the first stores after a write).
PURGE_BATCH = 500
# Size checks of the shared table: one per this many stores in a process.
SIZE_CHECK_EVERY = 256

_state = {"digest": None, "stores": 0}


def _memory():
    return caches[MEMORY_ALIAS]


def _savepoint_if_needed():
    """A savepoint when inside a transaction (a test's): a failed cache statement must not
    abort it; in autocommit (a web request) the statement is its own transaction."""
    return transaction.atomic() if connection.in_atomic_block else _Nothing()


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def tile_cache_shared_or_build(key: str, sql: str, params: list) -> tuple[bytes, bool] | None:
    """The tile of `key` from the shared table, else the bytes `sql` builds (b"" for an empty
    tile), in one statement and one round trip: (content, True when it came from the table).

    PostgreSQL runs a UNION ALL's branches in order and LIMIT 1 stops after the first row, so
    a tile found in the table is never built. Prepared on the connection, as the tile query.
    None when the table cannot be read (gone, no privilege): logged, and the caller builds the
    tile alone; any other error (a cancelled statement, the database away) is the tile's own.
    """
    try:
        with _savepoint_if_needed(), prepared_cursor() as cur:
            execute_prepared(cur, shared_or_build_sql(sql), [key, *params])
            row = cur.fetchone()
    except ProgrammingError as exc:
        if not isinstance(exc.__cause__, UndefinedTable | InsufficientPrivilege):
            raise  # the tile's own statement is at fault: its error, not the cache's
        logger.warning("tile cache read failed: %s", exc)
        return None
    content = bytes(row[0]) if row[0] is not None else b""
    return content, bool(row[1])


def shared_or_build_sql(sql: str) -> str:
    """The statement of tile_cache_shared_or_build: parameters the key, then `sql`'s.

    It relies on PostgreSQL's Append running its branches in order (SQL does not promise it).
    A Parallel Append (possible where parallel workers are allowed: not the web server's
    connections) could build a tile the table holds; the bytes are the same either way.
    """
    return (
        f"(SELECT content, true FROM {TABLE} WHERE key = %s) UNION ALL "  # noqa: S608
        f"(SELECT t.mvt, false FROM ({sql}) t(mvt)) LIMIT 1"
    )


def run_after_response(calls) -> None:
    """Make a response's `after` calls (layers.tiles.tile_content) once it has been sent: each
    on its own, a failure logged and never raised, since the client already has its tile."""
    for call in calls:
        try:
            call()
        except Exception:
            logger.exception("a call after a tile's response failed")


def tile_cache_memory_get(key: str) -> bytes | None:
    """The process's memory only (no query): a tile's first look."""
    return _memory().get(key)


def tile_cache_remember(key: str, content: bytes) -> None:
    """Keep a built tile in the process's memory."""
    _memory().set(key, content, timeout=settings.TILE_CACHE_SECONDS)


def tile_cache_share(key: str, versions_digest: str, content: bytes) -> None:
    """Keep a built tile in the table every worker reads (first writer wins; an equal key means
    equal bytes). A failure is logged, never raised."""
    if len(content) > MAX_SHARED_TILE_BYTES:
        return
    try:
        with _savepoint_if_needed(), prepared_cursor() as cur:
            if _state["digest"] != versions_digest:
                # The data changed since this process last stored a tile: the older digests'
                # rows can never be asked for again. A batch per store, so no request waits
                # on a long delete; done once a batch finds fewer rows than it may take.
                cur.execute(
                    f"DELETE FROM {TABLE} WHERE key IN (SELECT key FROM {TABLE} "  # noqa: S608
                    "WHERE versions <> %s LIMIT %s)",
                    [versions_digest, PURGE_BATCH],
                )
                if cur.rowcount < PURGE_BATCH:
                    _state["digest"] = versions_digest
            # A server-binding cursor: the bytes travel as they are, not as escaped text.
            cur.execute(
                f"INSERT INTO {TABLE} (key, versions, content) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (key) DO NOTHING",
                [key, versions_digest, content],
            )
            _state["stores"] += 1
            if _state["stores"] % SIZE_CHECK_EVERY == 0:
                _trim(cur)
    except DatabaseError as exc:
        logger.warning("tile cache write failed: %s", exc)


def _trim(cur) -> None:
    """Above TILE_SHARED_CACHE_MAX_MB, the older half of the rows goes."""
    cur.execute("SELECT pg_total_relation_size(%s::regclass)", [TABLE])
    size = cur.fetchone()[0]
    if size > settings.TILE_SHARED_CACHE_MAX_MB * 1024 * 1024:
        cur.execute(
            f"DELETE FROM {TABLE} WHERE stored_at <= "  # noqa: S608
            f"(SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY stored_at) FROM {TABLE})"
        )


def tile_cache_clear() -> None:
    """Empty both levels (benchmarks' cold runs; tests)."""
    _memory().clear()
    with _savepoint_if_needed(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    _state["digest"] = None
