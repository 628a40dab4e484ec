"""Database aliases from URLs: the primary (`default`) and the optional read replica (`replica`).

A replica is a PostgreSQL streaming standby (docs/scaling.md). Only safe web requests read from
it (gisapp/db_router.py); nothing is ever written or migrated there. Its connections get a short
connect timeout, so a replica that is away costs a request at most that long before the request
reads from the primary instead, and the read statement_timeout as a connection option, since only
reads reach it (StatementTimeoutMiddleware sets the primary's per request).
"""

from __future__ import annotations

import dj_database_url

POSTGIS_ENGINE = "django.contrib.gis.db.backends.postgis"
# JIT compilation costs more than it saves on this workload (tiles: ~200 ms to compile a
# ~50 ms query).
BASE_OPTIONS = "-c jit=off"
# The web server's statements run without parallel workers: starting one took 10-18 ms on a
# busy 2-core server, 4-5x a whole tile's serial time (a scale-10 tile at z12: 20.6 ms with a
# worker, 3.9 ms without), and under load they take the cores other requests wait for. The
# evaluation worker and commands keep them.
WEB_OPTIONS = "-c max_parallel_workers_per_gather=0"


def primary_database(
    url: str, *, pooled: bool = False, read_timeout_s: float | None = None
) -> dict:
    """The `default` alias. `pooled`: the URL is a transaction-mode pooler (pgbouncer), which
    forwards no `options` startup parameter and keeps no server-side cursor across statements
    (set jit=off on the database instead: ALTER DATABASE ... SET jit = off).

    `read_timeout_s`: the web server's connections start with the read statement_timeout, so a
    safe request needs no SET and RESET of its own (two round trips; gisapp/db_timeouts.py);
    None (management commands, runserver, tests): the database's default. They also start
    with WEB_OPTIONS (no parallel workers).
    """
    db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    db["ENGINE"] = POSTGIS_ENGINE
    if pooled:
        db["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        options = BASE_OPTIONS
        if read_timeout_s is not None:
            options += f" {WEB_OPTIONS} -c statement_timeout={max(0, int(read_timeout_s * 1000))}"
        db.setdefault("OPTIONS", {})["options"] = options
    return db


def replica_database(
    url: str,
    *,
    read_timeout_s: float,
    connect_timeout_s: float,
    pooled: bool = False,
) -> dict:
    """The `replica` alias: never migrated, never created by the test runner (MIGRATE off; the
    test database reaches it by streaming replication, as everything else does)."""
    db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    db["ENGINE"] = POSTGIS_ENGINE
    options = db.setdefault("OPTIONS", {})
    # libpq takes whole seconds; at least 1 (0 would mean "wait forever").
    options["connect_timeout"] = max(1, round(connect_timeout_s))
    timeout_ms = max(0, int(read_timeout_s * 1000))
    if pooled:
        db["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        options["options"] = f"{BASE_OPTIONS} {WEB_OPTIONS} -c statement_timeout={timeout_ms}"
    db["TEST"] = {"MIGRATE": False}
    return db
