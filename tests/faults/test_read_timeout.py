"""Under gunicorn a safe request sets no statement_timeout of its own: the connections start with
the read limit (settings.STATEMENT_TIMEOUT_ON_CONNECT, gisapp/wsgi.py), and a write's RESET
returns to it. Checked on a real gunicorn with a short read limit and a held lock."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import requests

from tests.faults.conftest import TOKEN, start_gunicorn, stop_gunicorn
from tests.faults.waiting import lock_waiters, wait_for
from tests.operations.dbtools import admin, database_url

pytestmark = pytest.mark.django_db

PIPES = "/api/v1/layers/pipes/features/?page_size=3"
READ_LIMIT_S = 2


@pytest.fixture
def short_read_limit(scratch):
    server = start_gunicorn(scratch, workers=1, env={"STATEMENT_TIMEOUT_READ_S": str(READ_LIMIT_S)})
    yield server
    stop_gunicorn(server)


def _api() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {TOKEN}"
    return session


class ReadLimitOnConnectTests:
    def test_a_read_is_cancelled_at_the_read_limit_without_a_set_of_its_own(
        self, scratch, short_read_limit
    ):
        """The read limit is 2 s (the write limit stays 30 s): a GET held by a lock is cancelled
        after about 2 s with the timeout answer, by the connection's own default."""
        api, url = _api(), short_read_limit.base + PIPES
        assert api.get(url, timeout=30).status_code == 200
        answers = []

        def blocked_get():
            started = time.monotonic()
            response = api.get(url, timeout=60)
            answers.append((response, time.monotonic() - started))

        with admin(scratch.name) as holder:
            holder.execute("BEGIN")
            holder.execute("LOCK TABLE layers_pipesegment IN ACCESS EXCLUSIVE MODE")
            request = threading.Thread(target=blocked_get)
            request.start()
            wait_for(lambda: lock_waiters(scratch.name), what="the request to wait")
            request.join(timeout=60)
            holder.execute("ROLLBACK")
        response, seconds = answers[0]
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "timeout"
        assert READ_LIMIT_S <= seconds < 20
        assert api.get(url, timeout=30).status_code == 200  # the connection serves the next
        # The worker's session ran no SET or RESET of the limit: its last statement is the read.
        with admin(scratch.name) as conn:
            last = conn.execute(
                "SELECT query FROM pg_stat_activity WHERE datname = %s AND state = 'idle' "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                [scratch.name],
            ).fetchall()
        assert last and not any("statement_timeout" in q for (q,) in last), last

    def test_reset_returns_to_the_limit_the_connection_started_with(self, scratch):
        """What the write path relies on: a write SETs its 30 s limit and RESETs afterwards,
        which gives back the connection's startup option (2 s), not the server default."""
        url = database_url(scratch.name).replace("postgis://", "postgresql://")
        with psycopg.connect(url, options="-c statement_timeout=2000", autocommit=True) as conn:
            conn.execute("SELECT set_config('statement_timeout', '30000ms', false)")
            assert conn.execute("SHOW statement_timeout").fetchone()[0] == "30s"
            conn.execute("RESET statement_timeout")
            assert conn.execute("SHOW statement_timeout").fetchone()[0] == "2s"
