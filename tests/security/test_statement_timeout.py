"""Every web request's SQL is bounded (gisapp/db_timeouts.py): reads and writes have their own
statement_timeout, a cancelled query answers 503 (JSON for the API, a page elsewhere) and
leaves nothing written, and the value never stays on the connection after the request.

The slow query is real: pg_sleep(5) under a 0.1 s timeout, in test-only views
(tests/security/timeout_urls.py). Nothing here measures the machine's speed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from tests.security.timeout_urls import SLOW_GROUP

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.timeout_urls")]


def session_timeout() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW statement_timeout")
        return cur.fetchone()[0]


@pytest.fixture
def user_client(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def short_writes(settings):
    settings.STATEMENT_TIMEOUT_WRITE_S = 0.1


class StatementTimeoutTests:
    def test_reads_and_writes_get_their_own_timeout(self, user_client, settings):
        settings.STATEMENT_TIMEOUT_READ_S = 7
        settings.STATEMENT_TIMEOUT_WRITE_S = 21
        read = user_client.get("/api/v1/test/slow/")
        write = user_client.post("/api/v1/test/slow/", {}, content_type="application/json")
        page = user_client.get("/test/timeout/")
        assert read.json() == {"statement_timeout": "7s"}
        assert write.json() == {"statement_timeout": "21s"}
        assert page.json() == {"statement_timeout": "7s"}

    def test_the_value_does_not_stay_on_the_connection(self, user_client, settings):
        before = session_timeout()
        settings.STATEMENT_TIMEOUT_READ_S = 7
        assert user_client.get("/api/v1/test/slow/").json() == {"statement_timeout": "7s"}
        assert session_timeout() == before  # what a command on this connection would see

    def test_zero_turns_it_off(self, user_client, settings):
        settings.STATEMENT_TIMEOUT_READ_S = 0
        assert user_client.get("/api/v1/test/slow/").json() == {"statement_timeout": "0"}

    @pytest.mark.usefixtures("short_writes")
    def test_a_cancelled_api_write_is_a_503_and_writes_nothing(self, user_client):
        before = session_timeout()
        user_client.cookies["django_language"] = "en"  # the site's language is the cookie's
        response = user_client.post(
            "/api/v1/test/slow/", {"sleep": True}, content_type="application/json"
        )
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "timeout"
        assert "took too long" in error["message"] and "nothing was saved" in error["message"]
        assert response["Retry-After"]
        assert not Group.objects.filter(name=SLOW_GROUP).exists()
        assert session_timeout() == before

    @pytest.mark.usefixtures("short_writes")
    def test_a_cancelled_page_is_a_503_page(self, user_client):
        user_client.cookies["django_language"] = "en"
        response = user_client.post("/test/slow/")
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert "took too long" in response.content.decode()
        assert not Group.objects.filter(name=SLOW_GROUP).exists()
