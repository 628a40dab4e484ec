"""The floor of a tile over HTTP: the plain tile query served by the smallest WSGI app.

`gunicorn tests.benchmarks.floor_app:application` with FLOOR_DATABASE_URL and FLOOR_MIN_DN
("z:mm,z:mm,…", the smallest diameter drawn per zoom; zooms not listed draw every pipe).
GET /<z>/<x>/<y>.pbf runs floor_sql.BARE_TILE_SQL on one persistent connection (JIT off and no
parallel workers, as the app's own tiles run; each run planned with its values) and answers its
bytes: no authentication, no framework, no cache — what any Python tile server pays over the
same HTTP for the same rows.
"""

from __future__ import annotations

import os
import re

import psycopg

from tests.benchmarks.floor_sql import BARE_TILE_SQL

_PATH = re.compile(r"/(\d+)/(\d+)/(\d+)\.pbf")
_connection: psycopg.Connection | None = None


def _min_dn(z: int) -> int:
    pairs = (p.split(":") for p in os.environ.get("FLOOR_MIN_DN", "").split(",") if p)
    return {int(a): int(b) for a, b in pairs}.get(z, 0)


def _conn() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        # Prepared after five runs (psycopg's default), but always planned with the tile's
        # values: a generic plan of this statement took 47-87 ms for scale 10's z10-12 tiles,
        # a custom one 3-6 ms, which made the floor slower than it is.
        _connection = psycopg.connect(
            os.environ["FLOOR_DATABASE_URL"],
            options="-c jit=off -c max_parallel_workers_per_gather=0 "
            "-c plan_cache_mode=force_custom_plan",
            autocommit=True,
        )
    return _connection


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/":  # up
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]
    match = _PATH.fullmatch(path)
    if match is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    z, x, y = (int(v) for v in match.groups())
    row = _conn().execute(BARE_TILE_SQL, [z, x, y, z, x, y, _min_dn(z)]).fetchone()
    body = bytes(row[0] or b"")
    if not body:
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]
    headers = [("Content-Type", "application/vnd.mapbox-vector-tile")]
    start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
    return [body]
