"""The tile fast path (gisapp/tile_fast_path.py) answers a warm tile exactly as Django would,
and hands everything it cannot vouch for to Django: no session, a token, a user not cached or
without the permission, an option it does not parse, a tile not built yet.

Requests go through the deployed WSGI stack (TileFastPath around Django's WSGIHandler), with
the inner handler counted, so "served by the fast path" means Django never saw the request.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import mapbox_vector_tile
import pytest
from django.contrib.gis.db.models.functions import Distance
from django.contrib.sessions.models import Session
from django.core import signals
from django.core.cache import cache, caches
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test import RequestFactory, override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import sessions
from accounts.sessions import with_session_sql
from gisapp import tile_fast_path
from gisapp.tile_fast_path import TileFastPath
from layers.tile_cache import shared_or_build_sql
from layers.tiles import lonlat_to_tile, tile_sql
from network.models import PipeSegment, SupplyZone
from network.services.edit import pipe_update
from tests.security.test_area_scope import INSIDE, member
from tests.security.test_area_scope import counties as counties  # the fixture

pytestmark = pytest.mark.django_db


class CountingDjango:
    def __init__(self):
        self.handler, self.calls = WSGIHandler(), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


@pytest.fixture
def stack():
    """The deployed stack, in this test's transaction (as Django's test client keeps it: the
    request signals must not close the test's connection)."""
    cache.clear()
    caches["tiles"].clear()
    tile_fast_path._templates.clear()
    sessions._known.clear()
    sessions._last["versions"] = None
    tile_fast_path._users.clear()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    django = CountingDjango()
    with override_settings(STATEMENT_TIMEOUT_ON_CONNECT=True, TILE_FAST_PATH=True):
        yield TileFastPath(django), django
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    tile_fast_path._templates.clear()


def call(app, path: str, **headers) -> tuple[str, dict, bytes]:
    environ = RequestFactory().get(path, **headers).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, response_headers

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):  # as a WSGI server does once the body is sent
            result.close()
    return answer["status"], dict(answer["headers"]), body


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def tile_url(z: int = 15, query: str = "year=2024") -> str:
    point = SupplyZone.objects.get(code="SZ02").geom.point_on_surface
    x, y = lonlat_to_tile(point.x, point.y, z)
    return f"/tiles/pipes/{z}/{x}/{y}.pbf" + (f"?{query}" if query else "")


def ask_django(app, path: str, cookie: str) -> tuple[str, dict, bytes]:
    """call() once nothing is cached anywhere and no headers are learnt: Django answers."""
    caches["tiles"].clear()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM tile_cache.tiles")
    tile_fast_path._templates.clear()
    return call(app, path, HTTP_COOKIE=cookie)


def _same(fast: dict, django: dict) -> None:
    """Equal headers, but for the date and the policy's nonce (fresh in each answer)."""
    for headers in (fast, django):
        assert "'nonce-" in headers.pop("Content-Security-Policy").split("script-src")[1]
    assert {k: v for k, v in fast.items() if k != "Date"} == {
        k: v for k, v in django.items() if k != "Date"
    }


class FastPathTests:
    def test_a_warm_tile_is_answered_as_django_answers_it_without_django(
        self, stack, client, official
    ):
        app, django = stack
        cookie = session_cookie(client, official)
        first = call(app, tile_url(), HTTP_COOKIE=cookie)  # built by Django, which fills the caches
        assert first[0] == "200 OK" and django.calls == 1
        second = call(app, tile_url(), HTTP_COOKIE=cookie)
        assert django.calls == 1  # the fast path answered
        assert second[0] == "200 OK" and second[2] == first[2]
        _same(second[1], first[1])
        assert second[1]["Content-Type"] == "application/vnd.mapbox-vector-tile"
        assert second[1]["X-Content-Type-Options"] == "nosniff"

    def test_if_none_match_answers_304_as_django(self, stack, client, official):
        app, django = stack
        cookie = session_cookie(client, official)
        etag = call(app, tile_url(), HTTP_COOKIE=cookie)[1]["ETag"]
        fast = call(app, tile_url(), HTTP_COOKIE=cookie, HTTP_IF_NONE_MATCH=etag)
        assert django.calls == 1 and fast[0] == "304 Not Modified" and fast[2] == b""
        tile_fast_path._templates.clear()  # now ask Django the same
        slow = call(app, tile_url(), HTTP_COOKIE=cookie, HTTP_IF_NONE_MATCH=etag)
        assert django.calls == 2 and slow[0].startswith("304")
        _same(fast[1], slow[1])

    def test_what_it_cannot_vouch_for_goes_to_django(self, stack, client, official):
        """Each of these reaches Django, which answers as usual: no cookie 401/403, a token
        200, an option the view ignores 200, a bad year 400."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        calls = django.calls
        token = Token.objects.create(user=official)
        answers = [
            call(app, tile_url())[0],
            call(app, tile_url(), HTTP_AUTHORIZATION=f"Token {token.key}")[0],
            call(app, tile_url(query="year=2024&zoom=1"), HTTP_COOKIE=cookie)[0],
            call(app, tile_url(query="year=1999"), HTTP_COOKIE=cookie)[0],
        ]
        assert django.calls == calls + 4
        assert answers[0][:3] in ("401", "403") and answers[1] == "200 OK"
        assert answers[2] == "200 OK" and answers[3].startswith("400")

    def test_a_cold_tile_is_built_here_as_django_builds_it(self, stack, client, official):
        """Once the user is known, a tile not built yet is built by the same query and kept in
        the same cache: the bytes and headers Django gives for it."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        fast = call(app, tile_url(z=16), HTTP_COOKIE=cookie)
        assert django.calls == 1 and fast[0] == "200 OK"
        slow = ask_django(app, tile_url(z=16), cookie)
        assert django.calls == 2 and slow[2] == fast[2]
        _same(fast[1], slow[1])

    def test_a_user_losing_the_permission_is_refused_at_once(self, stack, client, official):
        """Removing the role bumps the `auth` version: the cached user no longer counts, Django
        answers 403 on the very next tile."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        assert django.calls == 1
        official.groups.clear()
        status = call(app, tile_url(), HTTP_COOKIE=cookie)[0]
        assert django.calls == 2 and status.startswith("403")

    def test_each_user_gets_their_own_area_tile(
        self,
        stack,
        client,
        counties,
        django_user_model,
    ):
        """A 测试县 official's tile over Lianzhou is empty (204 from Django, then from the fast
        path), while Lianzhou's official gets the pipes: the scope is part of the key."""
        app, django = stack
        lianzhou = session_cookie(client, django_user_model.objects.get(username="official"))
        call(app, tile_url(), HTTP_COOKIE=lianzhou)
        assert call(app, tile_url(), HTTP_COOKIE=lianzhou)[0] == "200 OK"
        other = member(django_user_model, "ceshi", counties["other"], "official")
        other_cookie = session_cookie(client, other)
        calls = django.calls
        assert call(app, tile_url(), HTTP_COOKIE=other_cookie)[0].startswith("204")
        assert call(app, tile_url(), HTTP_COOKIE=other_cookie)[0].startswith("204")
        assert django.calls == calls + 1  # Django once (caching the user), then the fast path
        z = 15
        x, y = lonlat_to_tile(*INSIDE, z)
        own = call(app, f"/tiles/pipes/{z}/{x}/{y}.pbf?year=2024", HTTP_COOKIE=other_cookie)
        assert own[0] == "200 OK"

    def test_an_empty_tile_teaches_the_headers_of_every_tile(self, stack, client, official):
        """Django's first answer was a 204 (a tile far from any pipe): the next tile, with
        pipes, is built here, with the headers Django would give it."""
        app, django = stack
        cookie = session_cookie(client, official)
        assert call(app, "/tiles/pipes/15/0/0.pbf", HTTP_COOKIE=cookie)[0].startswith("204")
        fast = call(app, tile_url(), HTTP_COOKIE=cookie)
        assert django.calls == 1 and fast[0] == "200 OK"
        tile_fast_path._templates.clear()
        slow = call(app, tile_url(), HTTP_COOKIE=cookie)
        assert django.calls == 2 and slow[2] == fast[2]
        _same(fast[1], slow[1])


class AfterTheResponseTests:
    @pytest.mark.parametrize("answered_by", ["fast path", "django"])
    def test_a_built_tile_is_shared_only_once_its_answer_is_sent(
        self, stack, client, official, answered_by
    ):
        """A cold tile answered here or by Django's view: while the server is still sending the
        body, the shared table has no row for it (the client is not kept waiting on the
        insert); close(), which the server calls after the last byte, stores it, so another
        worker finds it."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)  # Django answers, the headers are learnt
        with connection.cursor() as cur:
            cur.execute("DELETE FROM tile_cache.tiles")
        caches["tiles"].clear()
        environ = RequestFactory().get(tile_url(z=16), HTTP_COOKIE=cookie).environ
        answering = app if answered_by == "fast path" else django
        result = answering(environ, lambda status, headers, exc_info=None: None)
        body = b"".join(result)

        def shared_rows() -> int:
            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM tile_cache.tiles")
                return cur.fetchone()[0]

        assert body and shared_rows() == 0
        result.close()
        assert shared_rows() == 1


def recorded(app, path: str, **headers) -> tuple[tuple[str, dict, bytes], list[str], list[str]]:
    """call(), with the statements run before the answer's body was complete and those run
    by close() (after the response)."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    environ = RequestFactory().get(path, **headers).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, response_headers

    with connection.execute_wrapper(record):
        result = app(environ, start_response)
        body = b"".join(result)
        before = list(statements)
        result.close()
    return (answer["status"], dict(answer["headers"]), body), before, statements[len(before) :]


def shared_rows() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM tile_cache.tiles")
        return cur.fetchone()[0]


class OneStatementTests:
    """A cold tile presumes the session and data versions this process read last and checks
    them in the one statement that looks the tile up or builds it (accounts/sessions.py)."""

    def test_a_cold_tile_costs_one_statement_before_its_answer(self, stack, client, official):
        """After a first tile (Django, which loads the session), a tile not built yet costs
        one statement before its answer: the session, the versions and the tile together.
        The shared table's insert runs after the response (close())."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        answer, before, after = recorded(app, tile_url(z=16), HTTP_COOKIE=cookie)
        assert django.calls == 1 and answer[0] == "200 OK" and answer[2]
        assert len(before) == 1
        assert "django_session" in before[0] and "ST_AsMVT" in before[0]
        assert "layers_layerversion" in before[0] and "tile_cache.tiles" in before[0]
        assert any("INSERT INTO tile_cache.tiles" in sql for sql in after)

    def test_a_logout_elsewhere_is_seen_by_that_statement(self, stack, client, official):
        """The session row deleted after this process read it (a logout answered by another
        worker): the statement reads no session, the tile built on the presumption is thrown
        away (neither kept in memory nor shared) and Django refuses the request."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        with connection.cursor() as cur:
            cur.execute("DELETE FROM tile_cache.tiles")
        Session.objects.filter(session_key=client.cookies["sessionid"].value).delete()
        answer, before, after = recorded(app, tile_url(z=16), HTTP_COOKIE=cookie)
        assert answer[0][:3] in ("401", "403") and django.calls == 2
        assert "ST_AsMVT" in before[0]  # the presumed statement ran, and was not believed
        assert shared_rows() == 0 and not after

    def test_an_edit_elsewhere_gives_the_tile_of_the_new_versions(
        self, stack, client, official, engineer
    ):
        """A pipe of the tile edited after this process read the versions (saved through
        another worker): the statement reads the new versions, the tile built on the old ones
        is thrown away, and the tile answered shows the edit under the new versions' key, as
        Django answers it."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        point = SupplyZone.objects.get(code="SZ02").geom.point_on_surface
        pipe = (
            PipeSegment.objects.exclude(status="abandoned")
            .annotate(d=Distance("geom", point))
            .order_by("d")
            .first()
        )
        new_material = "PVC" if pipe.material != "PVC" else "PE"
        pipe_update(
            pipe_id=pipe.pk,
            version=pipe.version,
            properties={"material": new_material},
            user=engineer,
        )
        answer, before, _after = recorded(app, tile_url(z=16), HTTP_COOKIE=cookie)
        assert answer[0] == "200 OK" and django.calls == 1  # the fast path, the ordinary way
        built = [sql for sql in before if "ST_AsMVT" in sql]  # (savepoints aside: a test's)
        assert len(built) == 2 and "django_session" in built[0]
        assert "django_session" not in built[1]  # built again, under the new versions
        features = mapbox_vector_tile.decode(answer[2])["pipes"]["features"]
        ours = [f for f in features if f["id"] == pipe.pk]
        assert ours and ours[0]["properties"]["material"] == new_material
        slow = ask_django(app, tile_url(z=16), cookie)
        assert django.calls == 2 and slow[2] == answer[2]
        assert slow[1]["ETag"] == answer[1]["ETag"]

    def test_an_expired_session_is_refused_by_that_statement(self, stack, client, official):
        """The session's expiry moved into the past after this process read it: the statement
        checks the expiry too, finds no session, and Django refuses the request."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        answer = call(app, tile_url(z=16), HTTP_COOKIE=cookie)
        assert answer[0][:3] in ("401", "403") and django.calls == 2

    def test_if_none_match_on_a_tile_not_in_memory_answers_304(self, stack, client, official):
        """A tile this process no longer holds, asked with its ETag: the ordinary way checks the
        session and versions and answers 304, without Django."""
        app, django = stack
        cookie = session_cookie(client, official)
        call(app, tile_url(), HTTP_COOKIE=cookie)
        etag = call(app, tile_url(z=16), HTTP_COOKIE=cookie)[1]["ETag"]
        caches["tiles"].clear()
        answer = call(app, tile_url(z=16), HTTP_COOKIE=cookie, HTTP_IF_NONE_MATCH=etag)
        assert answer[0] == "304 Not Modified" and answer[2] == b"" and django.calls == 1

    def test_a_failed_presumption_builds_nothing(self, stack, client, official):
        """The statement with a presumed session that is not the stored one: the lookup and
        the tile query below the one-time filter are never executed (EXPLAIN ANALYZE), and the
        row carries the session and versions read, with no tile."""
        session_cookie(client, official)
        key = client.cookies["sessionid"].value
        sql, params = tile_sql("pipes", 16, 0, 0, include_hidden=False, year=2024)
        statement = with_session_sql(shared_or_build_sql(sql))
        values = [key, timezone.now(), "no-such-tile", *params, "not the session", "{}"]
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement, values)
            plan = "\n".join(row[0] for row in cur.fetchall())
            cur.execute(statement, values)
            session_data, versions, content, from_shared = cur.fetchone()
        gated = plan.split("One-Time Filter", 1)[1]
        assert "Append (never executed)" in gated and "ST_AsMVT" not in plan
        assert session_data and isinstance(versions, dict)
        assert content is None and from_shared is None


def test_known_sessions_stay_bounded_under_threads(monkeypatch):
    """Four threads remembering 2,000 sessions each into a memory of 64: no error, never
    more than 64 kept (eviction and insertion are one step under the lock)."""
    monkeypatch.setattr(sessions, "KNOWN_SESSIONS_MAX", 64)
    monkeypatch.setattr(sessions, "_known", {})
    errors: list[BaseException] = []

    def remember(worker: int) -> None:
        try:
            for i in range(2000):
                sessions.remember_session(f"{worker}-{i}", "text", {"i": i})
                assert len(sessions._known) <= 64
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=remember, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(sessions._known) == 64
