"""pgbouncer in transaction pooling mode (scripts/pg_replica.sh, 127.0.0.1:6432; `make test`
starts it) in front of the test database: what the app's settings for a pooled connection
(DATABASE_POOLED) rely on, and why a session-level SET — as StatementTimeoutMiddleware does on a
direct connection — must not be used through it.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from gisapp.settings.databases import primary_database

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.timeout_urls")]

POOLER_PORT = int(os.environ.get("PGBOUNCER_PORT", "6432"))


def _pooled_conninfo(dbname: str | None = None) -> str:
    db = connections["default"].settings_dict
    return psycopg.conninfo.make_conninfo(
        host=db["HOST"] or "127.0.0.1",
        port=POOLER_PORT,
        dbname=dbname or db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        connect_timeout=3,
    )


def _show(conn, name: str) -> str:
    return conn.execute(f"SHOW {name}").fetchone()[0]


def _close_pool() -> None:
    """Close pgbouncer's server connections to the test database (its admin console), or the
    test runner could not drop the database at the end."""
    name = connections["default"].settings_dict["NAME"]
    admin = psycopg.connect(_pooled_conninfo(dbname="pgbouncer"), autocommit=True)
    try:
        for command in (f"KILL {name}", f"RESUME {name}"):  # the console's simple protocol
            result = admin.pgconn.exec_(command.encode())
            assert result.status == psycopg.pq.ExecStatus.COMMAND_OK, result.error_message
    finally:
        admin.close()


@pytest.fixture
def pooled():
    try:
        conn = psycopg.connect(_pooled_conninfo(), autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.fail(f"no pgbouncer on port {POOLER_PORT} (scripts/pg_replica.sh): {exc}")
    yield conn
    conn.close()
    _close_pool()


class PoolerTests:
    def test_the_pool_sets_the_limits_the_app_cannot_set_itself(self, pooled):
        # connect_query of the pool: the write limit, and JIT off (no `options` pass through).
        assert _show(pooled, "statement_timeout") == "30s"
        assert _show(pooled, "jit") == "off"

    def test_a_session_set_leaks_to_the_next_client_of_the_server_connection(self, pooled):
        """The reason StatementTimeoutMiddleware sets nothing when DATABASE_POOLED is on."""
        pooled.execute("SET statement_timeout = '1234ms'")
        try:
            with psycopg.connect(_pooled_conninfo(), autocommit=True) as other:
                # Another client, served by the same (most recently used) server connection.
                assert _show(other, "statement_timeout") == "1234ms"
        finally:
            pooled.execute("RESET statement_timeout")

    def test_pooled_settings_keep_no_cursor_or_option_across_transactions(self):
        db = primary_database("postgis://u:p@pgbouncer:6432/lianzhou", pooled=True)
        assert db["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert "options" not in db.get("OPTIONS", {})
        direct = primary_database("postgis://u:p@db:5432/lianzhou")
        assert direct["OPTIONS"]["options"] == "-c jit=off"
        assert direct["DISABLE_SERVER_SIDE_CURSORS"] is False
        web = primary_database("postgis://u:p@db:5432/lianzhou", read_timeout_s=10)
        assert web["OPTIONS"]["options"] == (
            "-c jit=off -c max_parallel_workers_per_gather=0 -c statement_timeout=10000"
        )

    def test_the_pool_opens_its_connections_without_parallel_workers(self, pooled):
        """As the web server's direct connections (gisapp/settings/databases.py WEB_OPTIONS)."""
        assert _show(pooled, "max_parallel_workers_per_gather") == "0"

    def test_pooled_requests_set_no_session_timeout(self, client, official, settings):
        client.force_login(official)
        settings.STATEMENT_TIMEOUT_READ_S = 7
        assert client.get("/test/timeout/").json() == {"statement_timeout": "7s"}
        settings.DATABASE_POOLED = True
        # The connection's own default (the pool's, behind pgbouncer): nothing SET.
        assert client.get("/test/timeout/").json() != {"statement_timeout": "7s"}

    def test_the_evaluation_worker_refuses_a_pooled_connection(self, settings):
        settings.DATABASE_POOLED = True
        with pytest.raises(CommandError, match="direct connection"):
            call_command("evaluation_worker")
